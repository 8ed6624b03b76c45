/* trace_csv.c - vmgr's own trace CSV (docs/traces.md): a header naming the columns, one VM per row, optional usage samples. */
#include "sim/tline.h"
#include "sim/trace_fmt.h"
#include "sim/trace_parse.h"

#include "model/vm.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define CSV_GPU_MAX 1000000000u

static const char *const csv_names[TRACE_CSV_NCOLS] = {
	[TRACE_CSV_NAME] = "name",
	[TRACE_CSV_ARRIVE] = "arrive_s",
	[TRACE_CSV_DEPART] = "depart_s",
	[TRACE_CSV_CPU] = "cpu_milli",
	[TRACE_CSV_MEM] = "memory_mib",
	[TRACE_CSV_DISK] = "disk_gib",
	[TRACE_CSV_NET] = "net_mbps",
	[TRACE_CSV_PRIORITY] = "priority",
	[TRACE_CSV_GPU] = "gpu_milli",
	[TRACE_CSV_SAMPLES] = "samples",
};

#define CSV_REQUIRED 5 /* name .. memory_mib */

bool
trace_parse_csv_skip(const char *s, size_t n)
{
	struct trace_field f = trace_parse_trim((struct trace_field){ s, n });

	return f.n == 0 || f.s[0] == '#';
}

int
trace_parse_csv_header(
    const char *s, size_t n, struct trace_csv_cols *c, struct diag *d)
{
	struct trace_field f[TRACE_CSV_NCOLS];
	uint32_t k = trace_parse_split(s, n, ',', f, TRACE_CSV_NCOLS);
	char shown[200];

	if (k > TRACE_CSV_NCOLS) {
		diag_set(d, "expected at most %d columns in the header, got %u",
		    TRACE_CSV_NCOLS, (unsigned)k);
		return -EINVAL;
	}
	for (int j = 0; j < TRACE_CSV_NCOLS; j++)
		c->idx[j] = -1;
	c->n = k;
	for (uint32_t i = 0; i < k; i++) {
		struct trace_field t = trace_parse_trim(f[i]);
		int j;

		for (j = 0; j < TRACE_CSV_NCOLS; j++)
			if (t.n == strlen(csv_names[j]) &&
			    memcmp(t.s, csv_names[j], t.n) == 0)
				break;
		if (j == TRACE_CSV_NCOLS) {
			trace_parse_show(t.s, t.n, shown, sizeof(shown));
			diag_set(d,
			    "header column %u: expected one of name, "
			    "arrive_s, depart_s, cpu_milli, memory_mib, "
			    "disk_gib, net_mbps, priority, gpu_milli, "
			    "samples, got %s",
			    (unsigned)i + 1, shown);
			return -EINVAL;
		}
		if (c->idx[j] >= 0) {
			diag_set(
			    d, "header: column %s appears twice", csv_names[j]);
			return -EINVAL;
		}
		c->idx[j] = (int32_t)i;
	}
	for (int j = 0; j < CSV_REQUIRED; j++) {
		if (c->idx[j] < 0) {
			diag_set(d,
			    "header: expected columns name, arrive_s, "
			    "depart_s, cpu_milli and memory_mib; %s is "
			    "missing",
			    csv_names[j]);
			return -EINVAL;
		}
	}
	return 0;
}

static int
bad(struct trace_field f, const char *what, struct diag *d)
{
	char shown[200];

	trace_parse_show(f.s, f.n, shown, sizeof(shown));
	diag_set(d, "expected %s, got %s", what, shown);
	return -EINVAL;
}

/* "STEP:V;V;..." with V "CPU" or "CPU/MEM" (all alike). */
static int
parse_samples(struct trace_field f, struct trace_rec *rec,
    struct trace_samples *smp, struct diag *d)
{
	const char *colon = memchr(f.s, ':', f.n);
	size_t i, start;
	int with_mem = -1;

	smp->n = 0;
	rec->n_samples = 0;
	rec->step_ns = 0;
	rec->cpu_use = rec->mem_use = NULL;
	if (f.n == 0)
		return 0;
	if (!colon ||
	    trace_parse_secs(f.s, (size_t)(colon - f.s), &rec->step_ns) < 0 ||
	    rec->step_ns == 0)
		return bad(f,
		    "samples as STEP_S:CPU;CPU;... or "
		    "STEP_S:CPU/MEM;CPU/MEM;... with STEP_S > 0 seconds",
		    d);
	start = (size_t)(colon - f.s) + 1;
	for (i = start; i <= f.n; i++) {
		struct trace_field v, parts[2];
		uint64_t cpu, mem = 0;
		uint32_t k;
		int r;

		if (i < f.n && f.s[i] != ';')
			continue;
		v = (struct trace_field){ f.s + start, i - start };
		k = trace_parse_split(v.s, v.n, '/', parts, 2);
		if ((k != 1 && k != 2) ||
		    (with_mem >= 0 && with_mem != (k == 2)) ||
		    trace_parse_uint(parts[0].s, parts[0].n, 65535, &cpu) < 0 ||
		    (k == 2 &&
			trace_parse_uint(parts[1].s, parts[1].n, 65535, &mem) <
			    0)) {
			char what[160];

			snprintf(what, sizeof(what),
			    "sample %u as %s (thousandths of the demand, "
			    "0..65535)",
			    (unsigned)smp->n + 1,
			    with_mem == 1	? "CPU/MEM like the first"
				: with_mem == 0 ? "CPU like the first"
						: "CPU or CPU/MEM");
			return bad(v, what, d);
		}
		with_mem = k == 2;
		r = trace_parse_samples_push(smp, (uint16_t)cpu, (uint16_t)mem);
		if (r == -E2BIG) {
			diag_set(d, "more than %u samples",
			    (unsigned)TRACE_SAMPLES_MAX);
			return r;
		}
		if (r < 0) {
			diag_set(d, "out of memory");
			return r;
		}
		start = i + 1;
	}
	rec->n_samples = smp->n;
	rec->cpu_use = smp->cpu;
	rec->mem_use = with_mem == 1 ? smp->mem : NULL;
	return 0;
}

static int
get_int(const struct trace_field *f, int32_t idx, int64_t min, int64_t max,
    int64_t *ret)
{
	if (idx < 0) {
		*ret = 0;
		return 0;
	}
	return trace_parse_int(f[idx].s, f[idx].n, min, max, ret);
}

/* Seconds for people: "12", "12.5", "0.000000001". */
static void
fmt_secs(uint64_t ns, char *out, size_t n)
{
	uint64_t frac = ns % TRACE_NS_PER_S;
	int digits = 9;

	if (!frac) {
		snprintf(
		    out, n, "%llu", (unsigned long long)(ns / TRACE_NS_PER_S));
		return;
	}
	while (frac % 10 == 0) {
		frac /= 10;
		digits--;
	}
	snprintf(out, n, "%llu.%0*llu",
	    (unsigned long long)(ns / TRACE_NS_PER_S), digits,
	    (unsigned long long)frac);
}

int
trace_parse_csv_row(const char *s, size_t n, const struct trace_csv_cols *c,
    struct trace_rec *rec, struct trace_samples *smp, struct diag *d)
{
	struct trace_field f[TRACE_CSV_NCOLS];
	uint32_t k = trace_parse_split(s, n, ',', f, TRACE_CSV_NCOLS);
	struct trace_field name, dep;
	static const int dims[] = { TRACE_CSV_CPU, TRACE_CSV_MEM,
		TRACE_CSV_DISK, TRACE_CSV_NET };
	int64_t v;
	char what[96];
	int r;

	if (k != c->n) {
		diag_set(d, "expected %u fields as in the header, got %u",
		    (unsigned)c->n, (unsigned)k);
		return -EINVAL;
	}
	for (uint32_t i = 0; i < k; i++)
		f[i] = trace_parse_trim(f[i]);
	name = f[c->idx[TRACE_CSV_NAME]];
	if (name.n == 0 || name.n >= sizeof(rec->name))
		return bad(name, "name of 1..63 bytes", d);
	for (size_t i = 0; i < name.n; i++)
		if ((unsigned char)name.s[i] < 0x20 || name.s[i] == 0x7f)
			return bad(name, "name without control characters", d);
	memcpy(rec->name, name.s, name.n);
	rec->name[name.n] = '\0';
	if (trace_parse_secs(f[c->idx[TRACE_CSV_ARRIVE]].s,
		f[c->idx[TRACE_CSV_ARRIVE]].n, &rec->arrive_ns) < 0)
		return bad(f[c->idx[TRACE_CSV_ARRIVE]],
		    "arrive_s in seconds (0..1e10, up to 9 decimals)", d);
	dep = f[c->idx[TRACE_CSV_DEPART]];
	if (dep.n == 0 || (dep.n == 3 && memcmp(dep.s, "inf", 3) == 0)) {
		rec->depart_ns = TRACE_FOREVER;
	} else if (trace_parse_secs(dep.s, dep.n, &rec->depart_ns) < 0 ||
	    rec->depart_ns < rec->arrive_ns) {
		return bad(dep,
		    "depart_s in seconds no earlier than arrive_s, or empty "
		    "or inf for never",
		    d);
	}
	memset(&rec->demand, 0, sizeof(rec->demand));
	for (size_t j = 0; j < ELEMENTSOF(dims); j++) {
		int32_t idx = c->idx[dims[j]];

		if (idx < 0)
			continue;
		if (trace_parse_int(f[idx].s, f[idx].n, 0, RES_VALUE_MAX, &v) <
		    0) {
			snprintf(what, sizeof(what), "%s as an integer 0..2^62",
			    csv_names[dims[j]]);
			return bad(f[idx], what, d);
		}
		rec->demand.v[j] = v;
	}
	if (get_int(f, c->idx[TRACE_CSV_PRIORITY], VM_PRIORITY_MIN,
		VM_PRIORITY_MAX, &v) < 0) {
		snprintf(what, sizeof(what), "priority as an integer %d..%d",
		    VM_PRIORITY_MIN, VM_PRIORITY_MAX);
		return bad(f[c->idx[TRACE_CSV_PRIORITY]], what, d);
	}
	rec->priority = (int32_t)v;
	if (get_int(f, c->idx[TRACE_CSV_GPU], 0, CSV_GPU_MAX, &v) < 0)
		return bad(f[c->idx[TRACE_CSV_GPU]],
		    "gpu_milli as an integer 0..1000000000", d);
	rec->gpu_milli = (uint32_t)v;
	if (c->idx[TRACE_CSV_SAMPLES] < 0) {
		rec->n_samples = 0;
		rec->step_ns = 0;
		rec->cpu_use = rec->mem_use = NULL;
		return 0;
	}
	r = parse_samples(f[c->idx[TRACE_CSV_SAMPLES]], rec, smp, d);
	if (r < 0)
		return r;
	if (rec->n_samples && rec->depart_ns != TRACE_FOREVER &&
	    (rec->depart_ns - rec->arrive_ns) / rec->step_ns < rec->n_samples) {
		diag_set(d,
		    "expected the %u samples of %.3f s to fit between "
		    "arrive_s and depart_s",
		    (unsigned)rec->n_samples,
		    (double)rec->step_ns / TRACE_NS_PER_S);
		return -EINVAL;
	}
	return 0;
}

/* --- the reader --- */

struct csv_state {
	struct tline line;
	struct trace_csv_cols cols;
	bool header;
	uint64_t prev_ns;
	uint64_t prev_line;
	struct trace_samples smp;
};

static void
csv_close(struct trace *t)
{
	struct csv_state *s = t->st;

	if (!s)
		return;
	tline_close(&s->line);
	trace_parse_samples_free(&s->smp);
	free(s);
	t->st = NULL;
}

/* Reads up to the header, so that a file without one fails at open. */
static int
csv_open(struct trace *t, const char *path, struct diag *d)
{
	struct csv_state *s = calloc(1, sizeof(*s));
	const char *line;
	size_t len;
	int r;

	if (!s) {
		diag_set(d, "%s: out of memory", path);
		return -ENOMEM;
	}
	t->st = s;
	r = tline_open_file(&s->line, path, d);
	while (r == 0 && (r = tline_next(&s->line, &line, &len, d)) > 0) {
		if (trace_parse_csv_skip(line, len)) {
			r = 0;
			continue;
		}
		r = trace_parse_csv_header(line, len, &s->cols, d);
		if (r < 0) {
			diag_prefix(d, "%s:%llu", s->line.where,
			    (unsigned long long)s->line.lineno);
			return r;
		}
		s->header = true;
		return 0;
	}
	if (r == 0) {
		diag_set(d,
		    "%s: expected a header line (name,arrive_s,"
		    "depart_s,cpu_milli,memory_mib,...), the file has "
		    "none",
		    s->line.where);
		r = -EINVAL;
	}
	return r;
}

static int
csv_next(struct trace *t, struct diag *d)
{
	struct csv_state *s = t->st;
	const char *line;
	size_t len;
	int r;

	while ((r = tline_next(&s->line, &line, &len, d)) != 0) {
		if (r == 1 && trace_parse_csv_skip(line, len))
			continue;
		if (r == 1) {
			r = trace_parse_csv_row(
			    line, len, &s->cols, &t->rec, &s->smp, d);
			if (r == 0 && t->rec.arrive_ns < s->prev_ns) {
				char a[32], b[32];

				fmt_secs(t->rec.arrive_ns, a, sizeof(a));
				fmt_secs(s->prev_ns, b, sizeof(b));
				diag_set(d,
				    "expected rows in arrival order: arrive_s "
				    "%s is before %s on line %llu",
				    a, b, (unsigned long long)s->prev_line);
				r = -EINVAL;
			}
			if (r == 0) {
				s->prev_ns = t->rec.arrive_ns;
				s->prev_line = s->line.lineno;
				return 1;
			}
			diag_prefix(d, "%s:%llu", s->line.where,
			    (unsigned long long)s->line.lineno);
		}
		r = trace_fmt_bad(t, r, d);
		if (r < 0)
			return r;
	}
	return 0;
}

const struct trace_fmt trace_fmt_csv = {
	.name = "csv",
	.open = csv_open,
	.next = csv_next,
	.close = csv_close,
};
