/* trace_alibaba.c - Alibaba GPU cluster v2023 (openb): pod list as a trace (read whole, then sorted), node list as hosts. */
#include "sim/tline.h"
#include "sim/trace_fmt.h"
#include "sim/trace_parse.h"

#include "core/mem.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* Pods held for sorting (the shared lists have 8,152) and nodes read. */
#define ALI_PODS_MAX (UINT32_C(1) << 21)
#define ALI_NODES_MAX (UINT32_C(1) << 20)
#define ALI_FIELDS_MAX 256
#define ALI_NUM_GPU_MAX 1024
#define ALI_GPU_MILLI_MAX 1000

static const char *const ali_col_names[TRACE_ALI_NCOLS] = {
	[TRACE_ALI_NAME] = "name",
	[TRACE_ALI_CPU] = "cpu_milli",
	[TRACE_ALI_MEM] = "memory_mib",
	[TRACE_ALI_NUM_GPU] = "num_gpu",
	[TRACE_ALI_GPU_MILLI] = "gpu_milli",
	[TRACE_ALI_QOS] = "qos",
	[TRACE_ALI_CREATE] = "creation_time",
	[TRACE_ALI_DELETE] = "deletion_time",
};

/* The node list reuses the first three slots: sn, cpu_milli, memory_mib. */
static const char *const ali_node_names[3] = { "sn", "cpu_milli",
	"memory_mib" };

static bool
field_is(struct trace_field f, const char *name)
{
	return f.n == strlen(name) && memcmp(f.s, name, f.n) == 0;
}

static int
parse_header(const char *s, size_t n, const char *const *names,
    uint32_t n_names, uint32_t n_required, struct trace_ali_cols *c,
    const char *what, struct diag *d)
{
	struct trace_field f[ALI_FIELDS_MAX];
	uint32_t k = trace_parse_split(s, n, ',', f, ALI_FIELDS_MAX);
	char shown[200];

	if (k > ALI_FIELDS_MAX) {
		diag_set(d, "expected at most %d columns, got %u",
		    ALI_FIELDS_MAX, (unsigned)k);
		return -EINVAL;
	}
	for (uint32_t j = 0; j < TRACE_ALI_NCOLS; j++)
		c->idx[j] = -1;
	c->n = k;
	for (uint32_t i = 0; i < k; i++) {
		struct trace_field t = trace_parse_trim(f[i]);

		for (uint32_t j = 0; j < n_names; j++) {
			if (!field_is(t, names[j]))
				continue;
			if (c->idx[j] >= 0) {
				diag_set(
				    d, "column %s appears twice", names[j]);
				return -EINVAL;
			}
			c->idx[j] = (int32_t)i;
		}
	}
	for (uint32_t j = 0; j < n_required; j++) {
		if (c->idx[j] < 0) {
			trace_parse_show(s, n, shown, sizeof(shown));
			diag_set(d,
			    "expected the %s header (with %s, %s and %s), "
			    "no column %s in %s",
			    what, names[0], names[1], names[2], names[j],
			    shown);
			return -EINVAL;
		}
	}
	return 0;
}

int
trace_parse_alibaba_header(
    const char *s, size_t n, struct trace_ali_cols *c, struct diag *d)
{
	return parse_header(
	    s, n, ali_col_names, TRACE_ALI_NCOLS, 3, c, "pod list", d);
}

int
trace_parse_alibaba_node_header(
    const char *s, size_t n, struct trace_ali_cols *c, struct diag *d)
{
	return parse_header(s, n, ali_node_names, 3, 3, c, "node list", d);
}

/* Splits a row into the header's number of trimmed fields. */
static int
split_row(const char *s, size_t n, const struct trace_ali_cols *c,
    struct trace_field *f, struct diag *d)
{
	uint32_t k = trace_parse_split(s, n, ',', f, ALI_FIELDS_MAX);

	if (k != c->n) {
		diag_set(d, "expected %u fields as in the header, got %u",
		    (unsigned)c->n, (unsigned)k);
		return -EINVAL;
	}
	for (uint32_t i = 0; i < k; i++)
		f[i] = trace_parse_trim(f[i]);
	return 0;
}

static int
bad_value(
    struct trace_field f, const char *col, const char *expected, struct diag *d)
{
	char shown[200];

	trace_parse_show(f.s, f.n, shown, sizeof(shown));
	diag_set(d, "expected %s as %s, got %s", col, expected, shown);
	return -EINVAL;
}

/* An unsigned integer column; an empty field is `empty` when allowed. */
static int
get_uint(const struct trace_field *f, int32_t idx, const char *col,
    uint64_t max, bool allow_empty, uint64_t *ret, struct diag *d)
{
	char expected[64];

	if (idx < 0 || (allow_empty && f[idx].n == 0)) {
		*ret = 0;
		return 0;
	}
	if (trace_parse_uint(f[idx].s, f[idx].n, max, ret) == 0)
		return 0;
	snprintf(expected, sizeof(expected), "an integer 0..%llu",
	    (unsigned long long)max);
	return bad_value(f[idx], col, expected, d);
}

static int
get_name(struct trace_field f, const char *col, char *out, size_t outn,
    struct diag *d)
{
	if (f.n == 0 || f.n >= outn)
		return bad_value(f, col, "a name of 1..63 bytes", d);
	for (size_t i = 0; i < f.n; i++)
		if ((unsigned char)f.s[i] < 0x20 || f.s[i] == 0x7f)
			return bad_value(
			    f, col, "a name without control characters", d);
	memcpy(out, f.s, f.n);
	out[f.n] = '\0';
	return 0;
}

int
trace_parse_alibaba_pod(const char *s, size_t n, const struct trace_ali_cols *c,
    struct trace_ali_pod *p, struct diag *d)
{
	struct trace_field f[ALI_FIELDS_MAX];
	uint64_t cpu, mem, ngpu, gmilli;
	int r;

	r = split_row(s, n, c, f, d);
	if (r < 0)
		return r;
	if ((r = get_name(f[c->idx[TRACE_ALI_NAME]], "name", p->name,
		 sizeof(p->name), d)) < 0 ||
	    (r = get_uint(f, c->idx[TRACE_ALI_CPU], "cpu_milli", RES_VALUE_MAX,
		 false, &cpu, d)) < 0 ||
	    (r = get_uint(f, c->idx[TRACE_ALI_MEM], "memory_mib", RES_VALUE_MAX,
		 false, &mem, d)) < 0 ||
	    (r = get_uint(f, c->idx[TRACE_ALI_NUM_GPU], "num_gpu",
		 ALI_NUM_GPU_MAX, true, &ngpu, d)) < 0 ||
	    (r = get_uint(f, c->idx[TRACE_ALI_GPU_MILLI], "gpu_milli",
		 ALI_GPU_MILLI_MAX, true, &gmilli, d)) < 0)
		return r;
	memset(&p->demand, 0, sizeof(p->demand));
	p->demand.v[RES_CPU] = (int64_t)cpu;
	p->demand.v[RES_MEM] = (int64_t)mem;
	p->gpu_milli = (uint32_t)(ngpu * gmilli);
	p->priority = 0;
	if (c->idx[TRACE_ALI_QOS] >= 0) {
		struct trace_field q = f[c->idx[TRACE_ALI_QOS]];

		if (field_is(q, "Guaranteed"))
			p->priority = 3;
		else if (field_is(q, "LS"))
			p->priority = 2;
		else if (field_is(q, "Burstable"))
			p->priority = 1;
		else if (q.n && !field_is(q, "BE"))
			return bad_value(q, "qos",
			    "one of LS, BE, Burstable, Guaranteed", d);
	}
	p->create_ns = 0;
	p->delete_ns = TRACE_FOREVER;
	if (c->idx[TRACE_ALI_CREATE] < 0)
		return 0;
	if (trace_parse_secs(f[c->idx[TRACE_ALI_CREATE]].s,
		f[c->idx[TRACE_ALI_CREATE]].n, &p->create_ns) < 0)
		return bad_value(
		    f[c->idx[TRACE_ALI_CREATE]], "creation_time", "seconds", d);
	if (c->idx[TRACE_ALI_DELETE] < 0 || f[c->idx[TRACE_ALI_DELETE]].n == 0)
		return 0;
	if (trace_parse_secs(f[c->idx[TRACE_ALI_DELETE]].s,
		f[c->idx[TRACE_ALI_DELETE]].n, &p->delete_ns) < 0)
		return bad_value(f[c->idx[TRACE_ALI_DELETE]], "deletion_time",
		    "seconds or empty", d);
	if (p->delete_ns < p->create_ns) {
		diag_set(d,
		    "expected deletion_time no earlier than creation_time, "
		    "got %.*s before %.*s",
		    (int)f[c->idx[TRACE_ALI_DELETE]].n,
		    f[c->idx[TRACE_ALI_DELETE]].s,
		    (int)f[c->idx[TRACE_ALI_CREATE]].n,
		    f[c->idx[TRACE_ALI_CREATE]].s);
		return -EINVAL;
	}
	return 0;
}

int
trace_parse_alibaba_node(const char *s, size_t n,
    const struct trace_ali_cols *c, struct res *ret, struct diag *d)
{
	struct trace_field f[ALI_FIELDS_MAX];
	char sn[64];
	uint64_t cpu, mem;
	int r;

	r = split_row(s, n, c, f, d);
	if (r < 0)
		return r;
	if ((r = get_name(f[c->idx[0]], "sn", sn, sizeof(sn), d)) < 0 ||
	    (r = get_uint(f, c->idx[1], "cpu_milli", RES_VALUE_MAX, false, &cpu,
		 d)) < 0 ||
	    (r = get_uint(f, c->idx[2], "memory_mib", RES_VALUE_MAX, false,
		 &mem, d)) < 0)
		return r;
	memset(ret, 0, sizeof(*ret));
	ret->v[RES_CPU] = (int64_t)cpu;
	ret->v[RES_MEM] = (int64_t)mem;
	return 0;
}

/* --- the readers --- */

struct ali_state {
	struct trace_ali_pod *pods;
	uint32_t n, cap, next;
	uint32_t *order;
};

static void
ali_close(struct trace *t)
{
	struct ali_state *s = t->st;

	if (!s)
		return;
	free(s->pods);
	free(s->order);
	free(s);
	t->st = NULL;
}

static int
cmp_pod(const void *a, const void *b, void *arg)
{
	const struct trace_ali_pod *p = arg;
	uint32_t x = *(const uint32_t *)a, y = *(const uint32_t *)b;

	if (p[x].create_ns != p[y].create_ns)
		return p[x].create_ns < p[y].create_ns ? -1 : 1;
	return x < y ? -1 : x > y;
}

/* The pod list is small: read it whole, then sort by creation time. */
static int
ali_open(struct trace *t, const char *path, struct diag *d)
{
	struct ali_state *s = calloc(1, sizeof(*s));
	struct tline l = { 0 };
	struct trace_ali_cols cols;
	const char *line;
	size_t len;
	bool header = false;
	int r;

	if (!s) {
		diag_set(d, "%s: out of memory", path);
		return -ENOMEM;
	}
	t->st = s;
	r = tline_open_file(&l, path, d);
	while (r == 0 && (r = tline_next(&l, &line, &len, d)) != 0) {
		bool parsed = r == 1;

		if (r == 1 && !header) {
			r = trace_parse_alibaba_header(line, len, &cols, d);
			if (r < 0) {
				/* Without a header nothing else parses. */
				diag_prefix(d, "%s:%llu", l.where,
				    (unsigned long long)l.lineno);
				break;
			}
			header = true;
			continue;
		}
		if (r == 1 && s->n >= ALI_PODS_MAX) {
			diag_set(d, "%s:%llu: more than %u pods", l.where,
			    (unsigned long long)l.lineno,
			    (unsigned)ALI_PODS_MAX);
			r = -E2BIG;
			break;
		}
		if (r == 1 &&
		    mem_grow(&s->pods, &s->cap, s->n + 1, sizeof(*s->pods)) <
			0) {
			diag_set(d, "%s: out of memory", path);
			r = -ENOMEM;
			break;
		}
		if (r == 1)
			r = trace_parse_alibaba_pod(
			    line, len, &cols, &s->pods[s->n], d);
		if (r < 0 && parsed)
			diag_prefix(d, "%s:%llu", l.where,
			    (unsigned long long)l.lineno);
		if (r == 0)
			s->n++;
		else if ((r = trace_fmt_bad(t, r, d)) < 0)
			break;
		r = 0;
	}
	if (r == 0 && !header) {
		diag_set(d,
		    "%s: expected the pod list header, the file is empty",
		    l.where);
		r = -EINVAL;
	}
	tline_close(&l);
	if (r < 0)
		return r;
	s->order = calloc(s->n ? s->n : 1, sizeof(*s->order));
	if (!s->order) {
		diag_set(d, "%s: out of memory", path);
		return -ENOMEM;
	}
	for (uint32_t i = 0; i < s->n; i++)
		s->order[i] = i;
	qsort_r(s->order, s->n, sizeof(*s->order), cmp_pod, s->pods);
	return 0;
}

static int
ali_next(struct trace *t, struct diag *d)
{
	struct ali_state *s = t->st;
	struct trace_rec *rec = &t->rec;
	const struct trace_ali_pod *p;

	(void)d;
	if (s->next >= s->n)
		return 0;
	p = &s->pods[s->order[s->next++]];
	trace_fmt_name(rec, p->name);
	rec->arrive_ns = p->create_ns;
	rec->depart_ns = p->delete_ns;
	rec->demand = p->demand;
	rec->priority = p->priority;
	rec->gpu_milli = p->gpu_milli;
	rec->n_samples = 0;
	rec->step_ns = 0;
	rec->cpu_use = rec->mem_use = NULL;
	return 1;
}

const struct trace_fmt trace_fmt_alibaba = {
	.name = "alibaba",
	.open = ali_open,
	.next = ali_next,
	.close = ali_close,
};

int
trace_read_nodes(
    const char *path, struct res **ret, uint32_t *ret_n, struct diag *d)
{
	struct tline l = { 0 };
	struct trace_ali_cols cols;
	struct res *caps = NULL;
	uint32_t n = 0, cap = 0;
	const char *line;
	size_t len;
	bool header = false;
	int r;

	r = tline_open_file(&l, path, d);
	while (r == 0 && (r = tline_next(&l, &line, &len, d)) > 0) {
		if (!header) {
			r = trace_parse_alibaba_node_header(
			    line, len, &cols, d);
			header = r == 0;
		} else if (n >= ALI_NODES_MAX) {
			diag_set(
			    d, "more than %u nodes", (unsigned)ALI_NODES_MAX);
			r = -E2BIG;
		} else if (mem_grow(&caps, &cap, n + 1, sizeof(*caps)) < 0) {
			diag_set(d, "out of memory");
			r = -ENOMEM;
		} else {
			r = trace_parse_alibaba_node(
			    line, len, &cols, &caps[n], d);
			n += r == 0;
		}
		if (r < 0)
			diag_prefix(d, "%s:%llu", l.where,
			    (unsigned long long)l.lineno);
	}
	if (r == 0 && !header) {
		diag_set(d,
		    "%s: expected the node list header, the file is "
		    "empty",
		    l.where);
		r = -EINVAL;
	}
	tline_close(&l);
	if (r == 0 && (uint64_t)*ret_n + n > ALI_NODES_MAX) {
		diag_set(d, "%s: more than %u hosts in all", path,
		    (unsigned)ALI_NODES_MAX);
		r = -E2BIG;
	}
	if (r == 0 && n) {
		struct res *all =
		    realloc(*ret, ((size_t)*ret_n + n) * sizeof(**ret));

		if (!all) {
			diag_set(d, "%s: out of memory", path);
			r = -ENOMEM;
		} else {
			memcpy(all + *ret_n, caps, (size_t)n * sizeof(*caps));
			*ret = all;
			*ret_n += n;
		}
	}
	free(caps);
	return r;
}
