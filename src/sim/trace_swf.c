/* trace_swf.c - Standard Workload Format (Parallel Workloads Archive), plain or gzip, one job per line. */
#include "sim/tline.h"
#include "sim/trace_fmt.h"
#include "sim/trace_parse.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* SWF fields, 0-based (the standard numbers them from 1). */
enum {
	SWF_JOB = 0,
	SWF_SUBMIT = 1,
	SWF_RUN = 3,
	SWF_ALLOC_PROCS = 4,
	SWF_USED_MEM = 6,
	SWF_REQ_PROCS = 7,
	SWF_REQ_MEM = 9,
};

/* Bounds that keep demand and times in range. */
#define SWF_PROCS_MAX 1e9
#define SWF_KB_MAX 1e15
#define SWF_VALUE_MAX 1e18

static const char *const swf_names[TRACE_SWF_FIELDS] = {
	"job number",
	"submit time",
	"wait time",
	"run time",
	"allocated processors",
	"average CPU time used",
	"used memory",
	"requested processors",
	"requested time",
	"requested memory",
	"status",
	"user id",
	"group id",
	"executable number",
	"queue number",
	"partition number",
	"preceding job number",
	"think time",
};

static bool
is_space(char c)
{
	return c == ' ' || c == '\t';
}

int
trace_parse_swf_line(
    const char *s, size_t n, double f[TRACE_SWF_FIELDS], struct diag *d)
{
	size_t i = 0;
	unsigned k = 0;
	char shown[200];

	while (i < n && is_space(s[i]))
		i++;
	if (i == n || s[i] == ';')
		return 0;
	while (i < n) {
		size_t start = i;

		while (i < n && !is_space(s[i]))
			i++;
		if (k < TRACE_SWF_FIELDS) {
			if (trace_parse_num(s + start, i - start, &f[k]) < 0 ||
			    (f[k] < 0 && f[k] != -1) || f[k] > SWF_VALUE_MAX) {
				trace_parse_show(
				    s + start, i - start, shown, sizeof(shown));
				diag_set(d,
				    "field %u (%s): expected a number >= 0 "
				    "or -1, got %s",
				    k + 1, swf_names[k], shown);
				return -EINVAL;
			}
		}
		k++;
		while (i < n && is_space(s[i]))
			i++;
	}
	if (k != TRACE_SWF_FIELDS) {
		diag_set(d, "expected %d fields separated by spaces, got %u",
		    TRACE_SWF_FIELDS, k);
		return -EINVAL;
	}
	return 1;
}

static int
whole(const double *f, int i, double max, struct diag *d)
{
	if (f[i] == -1 || (f[i] == floor(f[i]) && f[i] <= max))
		return 0;
	diag_set(d, "field %d (%s): expected an integer -1..%.0f, got %g",
	    i + 1, swf_names[i], max, f[i]);
	return -EINVAL;
}

int
trace_parse_swf_job(const double f[TRACE_SWF_FIELDS], struct trace_rec *rec,
    const char **ret_why, struct diag *d)
{
	double procs, kb;
	char name[64];

	if (whole(f, SWF_JOB, SWF_VALUE_MAX, d) ||
	    whole(f, SWF_SUBMIT, (double)TRACE_SECS_MAX, d) ||
	    whole(f, SWF_RUN, (double)TRACE_SECS_MAX, d) ||
	    whole(f, SWF_ALLOC_PROCS, SWF_PROCS_MAX, d) ||
	    whole(f, SWF_REQ_PROCS, SWF_PROCS_MAX, d) ||
	    f[SWF_USED_MEM] > SWF_KB_MAX || f[SWF_REQ_MEM] > SWF_KB_MAX) {
		if (!diag_has(d))
			diag_set(d, "memory per processor above %.0f KB",
			    SWF_KB_MAX);
		return -EINVAL;
	}
	if (f[SWF_SUBMIT] < 0) {
		*ret_why = "no submit time";
		return 0;
	}
	if (f[SWF_RUN] < 0) {
		*ret_why = "cancelled (run time -1)";
		return 0;
	}
	procs = f[SWF_ALLOC_PROCS] > 0 ? f[SWF_ALLOC_PROCS] : f[SWF_REQ_PROCS];
	if (procs <= 0) {
		*ret_why = "no processor count";
		return 0;
	}
	if (f[SWF_REQ_MEM] > 0)
		kb = f[SWF_REQ_MEM];
	else if (f[SWF_USED_MEM] > 0)
		kb = f[SWF_USED_MEM];
	else
		kb = TRACE_SWF_DEFAULT_MIB_PER_PROC * 1024.0;
	if (kb * procs / 1024 > (double)RES_VALUE_MAX / 2 ||
	    f[SWF_SUBMIT] + f[SWF_RUN] > (double)TRACE_SECS_MAX) {
		diag_set(d,
		    "expected memory x processors below 2^61 MiB and the "
		    "job's end within %llu s, got %.0f KB x %.0f processors "
		    "ending at %.0f s",
		    (unsigned long long)TRACE_SECS_MAX, kb, procs,
		    f[SWF_SUBMIT] + f[SWF_RUN]);
		return -EINVAL;
	}
	if (f[SWF_JOB] >= 0)
		snprintf(name, sizeof(name), "job%.0f", f[SWF_JOB]);
	else
		snprintf(name, sizeof(name), "job?");
	trace_fmt_name(rec, name);
	memset(&rec->demand, 0, sizeof(rec->demand));
	rec->demand.v[RES_CPU] = (int64_t)procs * 1000;
	rec->demand.v[RES_MEM] = (int64_t)ceil(kb * procs / 1024);
	rec->arrive_ns = (uint64_t)f[SWF_SUBMIT] * TRACE_NS_PER_S;
	rec->depart_ns = rec->arrive_ns + (uint64_t)f[SWF_RUN] * TRACE_NS_PER_S;
	rec->priority = 0;
	rec->gpu_milli = 0;
	rec->n_samples = 0;
	rec->step_ns = 0;
	rec->cpu_use = rec->mem_use = NULL;
	return 1;
}

struct swf_state {
	struct tline line;
	uint64_t prev_submit_ns;
};

static void
swf_close(struct trace *t)
{
	struct swf_state *s = t->st;

	if (!s)
		return;
	tline_close(&s->line);
	free(s);
	t->st = NULL;
}

static int
swf_open(struct trace *t, const char *path, struct diag *d)
{
	struct swf_state *s = calloc(1, sizeof(*s));

	if (!s) {
		diag_set(d, "%s: out of memory", path);
		return -ENOMEM;
	}
	t->st = s;
	return tline_open_file(&s->line, path, d);
}

static int
swf_next(struct trace *t, struct diag *d)
{
	struct swf_state *s = t->st;
	double f[TRACE_SWF_FIELDS];
	const char *line, *why;
	size_t len;
	int r;

	while ((r = tline_next(&s->line, &line, &len, d)) != 0) {
		bool parsed = r == 1;

		if (r == 1) {
			r = trace_parse_swf_line(line, len, f, d);
			if (r == 0)
				continue;
			if (r == 1)
				r = trace_parse_swf_job(f, &t->rec, &why, d);
			if (r == 1 && t->rec.arrive_ns < s->prev_submit_ns) {
				diag_set(d,
				    "expected jobs in submit time order: %llu "
				    "is before the previous job's %llu",
				    (unsigned long long)(t->rec.arrive_ns /
					TRACE_NS_PER_S),
				    (unsigned long long)(s->prev_submit_ns /
					TRACE_NS_PER_S));
				r = -EINVAL;
			}
			if (r == 0) {
				trace_fmt_drop(t);
				continue;
			}
		}
		if (r < 0 && parsed)
			diag_prefix(d, "%s:%llu", s->line.where,
			    (unsigned long long)s->line.lineno);
		if (r < 0 && (r = trace_fmt_bad(t, r, d)) < 0)
			return r;
		if (r == 1) {
			s->prev_submit_ns = t->rec.arrive_ns;
			return 1;
		}
	}
	return 0;
}

const struct trace_fmt trace_fmt_swf = {
	.name = "swf",
	.open = swf_open,
	.next = swf_next,
	.close = swf_close,
};
