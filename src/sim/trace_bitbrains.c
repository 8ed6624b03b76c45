/* trace_bitbrains.c - Bitbrains GWA-T-12: per-VM ";\t" CSVs in a directory or a tar archive, read in two passes. */
#include "sim/tline.h"
#include "sim/trace_fmt.h"
#include "sim/trace_parse.h"

#include "core/mem.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define BB_FIELDS 11
/* Bounds on values, so that every conversion below stays in range. */
#define BB_CORES_MAX 1000000
#define BB_NUM_MAX 1e15
/* Samples held for archive members read ahead of their turn. */
#define BB_BUFFERED_MAX (UINT64_C(1) << 24)

static const char *const bb_names[BB_FIELDS] = {
	"the timestamp",
	"CPU cores",
	"CPU capacity provisioned [MHz]",
	"CPU usage [MHz]",
	"CPU usage [%]",
	"memory capacity provisioned [KB]",
	"memory usage [KB]",
	"disk read throughput [KB/s]",
	"disk write throughput [KB/s]",
	"network received throughput [KB/s]",
	"network transmitted throughput [KB/s]",
};

int
trace_parse_bitbrains_header(const char *s, size_t n, struct diag *d)
{
	struct trace_field f[BB_FIELDS];
	uint32_t k = trace_parse_split(s, n, ';', f, BB_FIELDS);
	struct trace_field first = k ? trace_parse_trim(f[0]) : f[0];
	char shown[200];

	if (k != BB_FIELDS || first.n < 9 || memcmp(first.s, "Timestamp", 9)) {
		trace_parse_show(s, n, shown, sizeof(shown));
		diag_set(d,
		    "expected the header \"Timestamp [ms];\\tCPU cores;...\" "
		    "with %d fields, got %s",
		    BB_FIELDS, shown);
		return -EINVAL;
	}
	return 0;
}

int
trace_parse_bitbrains_row(
    const char *s, size_t n, struct trace_bb_row *ret, struct diag *d)
{
	struct trace_field f[BB_FIELDS];
	uint32_t k = trace_parse_split(s, n, ';', f, BB_FIELDS);
	double v[BB_FIELDS];
	uint64_t ts, cores;
	char shown[200];

	if (k != BB_FIELDS) {
		diag_set(d, "expected %d fields separated by \";\", got %u",
		    BB_FIELDS, (unsigned)k);
		return -EINVAL;
	}
	for (int i = 0; i < BB_FIELDS; i++)
		f[i] = trace_parse_trim(f[i]);
	if (trace_parse_uint(f[0].s, f[0].n, TRACE_SECS_MAX, &ts) < 0) {
		trace_parse_show(f[0].s, f[0].n, shown, sizeof(shown));
		diag_set(d,
		    "expected the timestamp in integer Unix seconds, got %s",
		    shown);
		return -EINVAL;
	}
	if (trace_parse_uint(f[1].s, f[1].n, BB_CORES_MAX, &cores) < 0) {
		trace_parse_show(f[1].s, f[1].n, shown, sizeof(shown));
		diag_set(d, "expected CPU cores as an integer 0..%d, got %s",
		    BB_CORES_MAX, shown);
		return -EINVAL;
	}
	for (int i = 2; i < BB_FIELDS; i++) {
		if (trace_parse_num(f[i].s, f[i].n, &v[i]) < 0 || v[i] < 0 ||
		    v[i] > BB_NUM_MAX) {
			trace_parse_show(f[i].s, f[i].n, shown, sizeof(shown));
			diag_set(d, "expected %s as a number 0..1e15, got %s",
			    bb_names[i], shown);
			return -EINVAL;
		}
	}
	ret->ts_s = ts;
	ret->cores = (uint32_t)cores;
	ret->cpu_pct = v[4];
	ret->mem_prov_kb = v[5];
	ret->mem_used_kb = v[6];
	return 0;
}

/* Closes slot v->slot and repeats it up to (not including) slot `to`. */
static int
bb_flush(struct trace_bb_vm *v, uint32_t to)
{
	float cpu = v->acc_n ? (float)(v->acc_cpu / v->acc_n) : 0;
	float mem = v->acc_n ? (float)(v->acc_mem / v->acc_n) : 0;
	uint32_t cap = v->cap;

	if (mem_grow(&v->cpu, &cap, to, sizeof(*v->cpu)) < 0)
		return -ENOMEM;
	cap = v->cap;
	if (mem_grow(&v->mem, &cap, to, sizeof(*v->mem)) < 0)
		return -ENOMEM;
	v->cap = cap;
	for (uint32_t k = v->slot; k < to; k++) {
		v->cpu[k] = cpu;
		v->mem[k] = mem;
	}
	v->n_slots = to;
	return 0;
}

int
trace_parse_bitbrains_add(
    struct trace_bb_vm *v, const struct trace_bb_row *row, struct diag *d)
{
	uint64_t slot;

	if (v->n_rows == 0) {
		v->first_ts = v->prev_ts = row->ts_s;
		v->slot = v->n_slots = 0;
		v->acc_cpu = v->acc_mem = 0;
		v->acc_n = v->max_cores = 0;
		v->max_mem_kb = 0;
	}
	if (row->ts_s < v->prev_ts) {
		diag_set(d,
		    "expected timestamps in order: %llu is before the "
		    "previous row's %llu",
		    (unsigned long long)row->ts_s,
		    (unsigned long long)v->prev_ts);
		return -EINVAL;
	}
	slot =
	    (row->ts_s - v->first_ts + TRACE_BB_STEP_S / 2) / TRACE_BB_STEP_S;
	if (slot >= TRACE_SAMPLES_MAX) {
		diag_set(d,
		    "timestamp %llu is more than %u steps of %d s after the "
		    "VM's first (%llu)",
		    (unsigned long long)row->ts_s, (unsigned)TRACE_SAMPLES_MAX,
		    TRACE_BB_STEP_S, (unsigned long long)v->first_ts);
		return -E2BIG;
	}
	if (slot > v->slot) {
		if (bb_flush(v, (uint32_t)slot) < 0) {
			diag_set(d, "out of memory");
			return -ENOMEM;
		}
		v->slot = (uint32_t)slot;
		v->acc_cpu = v->acc_mem = 0;
		v->acc_n = 0;
	}
	v->acc_cpu += row->cpu_pct * 10 * row->cores;
	v->acc_mem += row->mem_used_kb;
	v->acc_n++;
	if (row->cores > v->max_cores)
		v->max_cores = row->cores;
	if (row->mem_prov_kb > v->max_mem_kb)
		v->max_mem_kb = row->mem_prov_kb;
	v->prev_ts = row->ts_s;
	v->n_rows++;
	return 0;
}

int
trace_parse_bitbrains_finish(struct trace_bb_vm *v, struct trace_rec *rec,
    struct trace_samples *out, struct diag *d)
{
	int r;

	if (v->n_rows == 0) {
		diag_set(d, "expected at least one row after the header");
		return -EINVAL;
	}
	if (bb_flush(v, v->slot + 1) < 0) {
		diag_set(d, "out of memory");
		return -ENOMEM;
	}
	out->n = 0;
	for (uint32_t k = 0; k < v->n_slots; k++) {
		double cpu = v->max_cores ? v->cpu[k] / v->max_cores : 0;
		double mem =
		    v->max_mem_kb > 0 ? v->mem[k] * 1000.0 / v->max_mem_kb : 0;

		r = trace_parse_samples_push(
		    out, trace_parse_share(cpu), trace_parse_share(mem));
		if (r < 0) {
			diag_set(d, "out of memory");
			return r;
		}
	}
	memset(&rec->demand, 0, sizeof(rec->demand));
	rec->demand.v[RES_CPU] = (int64_t)v->max_cores * 1000;
	rec->demand.v[RES_MEM] = (int64_t)ceil(v->max_mem_kb / 1024);
	rec->priority = 0;
	rec->gpu_milli = 0;
	rec->n_samples = out->n;
	rec->step_ns = TRACE_BB_STEP_S * TRACE_NS_PER_S;
	rec->arrive_ns = 0;
	rec->depart_ns = (uint64_t)out->n * rec->step_ns;
	rec->cpu_use = out->cpu;
	rec->mem_use = out->mem;
	return 0;
}

void
trace_parse_bitbrains_reset(struct trace_bb_vm *v)
{
	v->n_rows = 0;
	v->n_slots = 0;
	v->slot = 0;
}

void
trace_parse_bitbrains_free(struct trace_bb_vm *v)
{
	free(v->cpu);
	free(v->mem);
	memset(v, 0, sizeof(*v));
}

/* --- the reader --- */

struct bb_member {
	char *name; /* file path (directory) or member path (archive) */
	uint64_t first_ts;
	bool bad; /* no row at all: counted once at open, never read */
};

/* A record read before its turn (archives only). */
struct bb_pending {
	struct trace_rec rec;
	struct trace_samples smp;
};

struct bb_state {
	char *path;
	bool archive;
	struct bb_member *m; /* in directory or archive order */
	uint32_t n_m, m_cap;
	uint32_t *order; /* good members by (first_ts, position) */
	uint32_t n_order, next;
	uint64_t t0;
	struct tline_arch *arch;
	uint32_t arch_pos; /* members of the archive read in pass 2 */
	struct bb_pending **pending;
	uint64_t buffered;
	struct tline line;
	struct trace_bb_vm vm;
	struct trace_samples out, cur;
};

static void
bb_close(struct trace *t)
{
	struct bb_state *s = t->st;

	if (!s)
		return;
	tline_close(&s->line);
	tline_arch_close(s->arch);
	for (uint32_t i = 0; i < s->n_m; i++) {
		free(s->m[i].name);
		if (s->pending && s->pending[i]) {
			trace_parse_samples_free(&s->pending[i]->smp);
			free(s->pending[i]);
		}
	}
	free(s->pending);
	free(s->m);
	free(s->order);
	free(s->path);
	trace_parse_bitbrains_free(&s->vm);
	trace_parse_samples_free(&s->out);
	trace_parse_samples_free(&s->cur);
	free(s);
	t->st = NULL;
}

/* "where:line: " before a parser's message. */
static void
bb_where(struct bb_state *s, struct diag *d)
{
	diag_prefix(
	    d, "%s:%llu", s->line.where, (unsigned long long)s->line.lineno);
}

/*
 * Pass 1 over the open member: the first good row's time. 1 and *ret_ts,
 * 0 when there is none (d says why), -errno for an error that stops the
 * trace (with skip_bad only I/O errors do).
 */
static int
first_row(struct trace *t, struct bb_state *s, uint64_t *ret_ts, struct diag *d)
{
	struct trace_bb_row row;
	const char *line;
	size_t len;
	int r;

	while ((r = tline_next(&s->line, &line, &len, d)) != 0) {
		bool parsed = r == 1;

		if (r == 1 && s->line.lineno == 1) {
			r = trace_parse_bitbrains_header(line, len, d);
			if (r == 0)
				continue;
		} else if (r == 1) {
			r = trace_parse_bitbrains_row(line, len, &row, d);
			if (r == 0) {
				*ret_ts = row.ts_s;
				return 1;
			}
		}
		if (parsed)
			bb_where(s, d);
		if (!t->opts.skip_bad || (r != -EINVAL && r != -E2BIG))
			return r;
	}
	diag_set(d, "%s: expected rows after the header; there are none",
	    s->line.where);
	return 0;
}

static int
add_member(struct bb_state *s, const char *name)
{
	struct bb_member *m;

	if (mem_grow(&s->m, &s->m_cap, s->n_m + 1, sizeof(*s->m)) < 0)
		return -ENOMEM;
	m = &s->m[s->n_m];
	m->name = mem_strdup(name);
	if (!m->name)
		return -ENOMEM;
	s->n_m++;
	return 0;
}

/* Pass 1 for the member just opened as s->line. */
static int
scan_member(
    struct trace *t, struct bb_state *s, const char *name, struct diag *d)
{
	struct bb_member *m;
	int r = add_member(s, name);

	if (r < 0) {
		diag_set(d, "%s: out of memory", s->path);
		return r;
	}
	m = &s->m[s->n_m - 1];
	r = first_row(t, s, &m->first_ts, d);
	tline_close(&s->line);
	if (r == 0) {
		m->bad = true;
		return trace_fmt_bad(t, -EINVAL, d);
	}
	return r < 0 ? r : 0;
}

static int
cmp_member(const void *a, const void *b, void *arg)
{
	const struct bb_member *m = arg;
	uint32_t x = *(const uint32_t *)a, y = *(const uint32_t *)b;

	if (m[x].first_ts != m[y].first_ts)
		return m[x].first_ts < m[y].first_ts ? -1 : 1;
	return x < y ? -1 : x > y;
}

static int
bb_open(struct trace *t, const char *path, struct diag *d)
{
	struct bb_state *s = calloc(1, sizeof(*s));
	enum tline_kind kind;
	char **list = NULL;
	uint32_t n = 0;
	const char *name;
	int r;

	if (!s || !(s->path = mem_strdup(path))) {
		free(s);
		diag_set(d, "%s: out of memory", path);
		return -ENOMEM;
	}
	t->st = s;
	r = tline_stat(path, &kind, d);
	if (r < 0)
		return r;
	s->archive = kind == TLINE_FILE;
	if (s->archive) {
		r = tline_arch_open(path, &s->arch, d);
		while (r == 0 && (r = tline_arch_next(s->arch, &name, d)) > 0) {
			tline_open_member(&s->line, s->arch);
			r = scan_member(t, s, name, d);
		}
		s->arch = tline_arch_close(s->arch);
	} else {
		r = tline_list_dir(path, &list, &n, d);
		for (uint32_t i = 0; r == 0 && i < n; i++) {
			r = tline_stat(list[i], &kind, d);
			if (r == 0 && kind != TLINE_FILE) {
				diag_set(d,
				    "%s: expected per-VM CSV files, found a "
				    "directory",
				    list[i]);
				r = -EINVAL;
			}
			if (r == 0)
				r = tline_open_file(&s->line, list[i], d);
			if (r == 0)
				r = scan_member(t, s, list[i], d);
		}
		tline_list_free(list, n);
	}
	if (r < 0)
		return r;
	s->order = calloc(s->n_m ? s->n_m : 1, sizeof(*s->order));
	s->pending = calloc(s->n_m ? s->n_m : 1, sizeof(*s->pending));
	if (!s->order || !s->pending) {
		diag_set(d, "%s: out of memory", path);
		return -ENOMEM;
	}
	s->t0 = UINT64_MAX;
	for (uint32_t i = 0; i < s->n_m; i++) {
		if (s->m[i].bad)
			continue;
		s->order[s->n_order++] = i;
		if (s->m[i].first_ts < s->t0)
			s->t0 = s->m[i].first_ts;
	}
	if (s->n_order == 0 && s->n_m == 0) {
		diag_set(d, "%s: no VM files", path);
		return -EINVAL;
	}
	qsort_r(s->order, s->n_order, sizeof(*s->order), cmp_member, s->m);
	if (s->archive)
		return tline_arch_open(path, &s->arch, d);
	return 0;
}

/* Pass 2 over the open member: the whole VM into rec/out. 1, 0 when the
 * member turned out bad and was skipped, -errno. */
static int
read_member(struct trace *t, struct bb_state *s, const struct bb_member *m,
    struct trace_rec *rec, struct trace_samples *out, struct diag *d)
{
	struct trace_bb_row row;
	const char *line;
	size_t len;
	int r;

	trace_parse_bitbrains_reset(&s->vm);
	while ((r = tline_next(&s->line, &line, &len, d)) != 0) {
		bool parsed = r == 1;

		if (r == 1 && s->line.lineno == 1) {
			r = trace_parse_bitbrains_header(line, len, d);
		} else if (r == 1) {
			r = trace_parse_bitbrains_row(line, len, &row, d);
			if (r == 0)
				r = trace_parse_bitbrains_add(&s->vm, &row, d);
		}
		if (r < 0 && parsed)
			bb_where(s, d);
		if (r < 0 && (r = trace_fmt_bad(t, r, d)) < 0)
			return r;
	}
	r = trace_parse_bitbrains_finish(&s->vm, rec, out, d);
	if (r == -EINVAL)
		diag_prefix(d, "%s", s->line.where);
	if (r < 0)
		return trace_fmt_bad(t, r, d) < 0 ? r : 0;
	if (s->vm.first_ts != m->first_ts) {
		diag_set(d, "%s: changed while being read", s->line.where);
		return -EIO;
	}
	trace_fmt_name(rec, tline_basename(m->name));
	rec->arrive_ns = (m->first_ts - s->t0) * TRACE_NS_PER_S;
	rec->depart_ns += rec->arrive_ns;
	return 1;
}

static void
swap_samples(struct trace_samples *a, struct trace_samples *b)
{
	struct trace_samples x = *a;

	*a = *b;
	*b = x;
}

/* Archives: reads members in archive order until member `want` is read,
 * keeping those read before their turn. */
static int
next_from_archive(
    struct trace *t, struct bb_state *s, uint32_t want, struct diag *d)
{
	struct bb_pending *p = s->pending[want];
	const char *name;
	int r;

	if (p) {
		swap_samples(&s->cur, &p->smp);
		t->rec = p->rec;
		t->rec.cpu_use = s->cur.cpu;
		t->rec.mem_use = s->cur.mem;
		s->buffered -= s->cur.n;
		trace_parse_samples_free(&p->smp);
		free(p);
		s->pending[want] = NULL;
		return 1;
	}
	for (;;) {
		uint32_t i = s->arch_pos;

		r = tline_arch_next(s->arch, &name, d);
		if (r < 0)
			return r;
		if (r == 0 || i >= s->n_m || strcmp(name, s->m[i].name) != 0) {
			diag_set(d, "%s: changed while being read", s->path);
			return -EIO;
		}
		s->arch_pos++;
		if (s->m[i].bad)
			continue;
		tline_open_member(&s->line, s->arch);
		if (i == want) {
			r = read_member(t, s, &s->m[i], &t->rec, &s->out, d);
			tline_close(&s->line);
			if (r > 0)
				swap_samples(&s->cur, &s->out);
			return r;
		}
		p = calloc(1, sizeof(*p));
		if (!p) {
			tline_close(&s->line);
			diag_set(d, "%s: out of memory", s->path);
			return -ENOMEM;
		}
		r = read_member(t, s, &s->m[i], &p->rec, &p->smp, d);
		tline_close(&s->line);
		if (r <= 0) {
			trace_parse_samples_free(&p->smp);
			free(p);
			if (r < 0)
				return r;
			continue;
		}
		s->pending[i] = p;
		s->buffered += p->smp.n;
		if (s->buffered > BB_BUFFERED_MAX) {
			diag_set(d,
			    "%s: members are too far out of arrival order to "
			    "stream (more than %llu samples held); extract "
			    "the archive and read the directory",
			    s->path, (unsigned long long)BB_BUFFERED_MAX);
			return -E2BIG;
		}
	}
}

static int
bb_next(struct trace *t, struct diag *d)
{
	struct bb_state *s = t->st;

	while (s->next < s->n_order) {
		uint32_t want = s->order[s->next++];
		int r;

		if (s->archive) {
			r = next_from_archive(t, s, want, d);
		} else {
			r = tline_open_file(&s->line, s->m[want].name, d);
			if (r == 0) {
				r = read_member(
				    t, s, &s->m[want], &t->rec, &s->out, d);
				if (r > 0)
					swap_samples(&s->cur, &s->out);
			}
			tline_close(&s->line);
		}
		if (r > 0) {
			t->rec.cpu_use = s->cur.cpu;
			t->rec.mem_use = s->cur.mem;
		}
		if (r != 0)
			return r;
	}
	return 0;
}

const struct trace_fmt trace_fmt_bitbrains = {
	.name = "bitbrains",
	.open = bb_open,
	.next = bb_next,
	.close = bb_close,
};
