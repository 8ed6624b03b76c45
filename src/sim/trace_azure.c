/* trace_azure.c - Azure 2017 VM arrivals as flavour sequences with binned lifetimes (Huawei Cloud's processing of vmtable). */
#include "sim/tline.h"
#include "sim/trace_fmt.h"
#include "sim/trace_parse.h"

#include "core/mem.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* Lines of an interval map: the shared one has 5,761. */
#define AZ_MAP_LINES_MAX (UINT64_C(1) << 24)
#define AZ_VCPU_MAX 1e6
#define AZ_GB_MAX 1e9

static bool
is_space(char c)
{
	return c == ' ' || c == '\t';
}

int
trace_parse_azure_flavour(
    const char *s, size_t n, struct trace_azure_flavours *f, struct diag *d)
{
	struct trace_field t = trace_parse_trim((struct trace_field){ s, n });
	struct trace_field parts[2];
	double vcpu, gb;
	size_t sp = t.n;
	char shown[200];
	int letter;
	bool ok;

	while (sp > 0 && !is_space(t.s[sp - 1]))
		sp--;
	ok = sp > 0 && t.n - sp == 1 && t.s[sp] >= 'a' && t.s[sp] <= 'z' &&
	    trace_parse_split(t.s, sp, ',', parts, 2) == 2;
	if (ok) {
		parts[0] = trace_parse_trim(parts[0]);
		parts[1] = trace_parse_trim(parts[1]);
		ok = trace_parse_num(parts[0].s, parts[0].n, &vcpu) == 0 &&
		    trace_parse_num(parts[1].s, parts[1].n, &gb) == 0 &&
		    vcpu > 0 && vcpu <= AZ_VCPU_MAX && gb > 0 &&
		    gb <= AZ_GB_MAX;
	}
	if (!ok) {
		trace_parse_show(s, n, shown, sizeof(shown));
		diag_set(d,
		    "expected \"vCPUs,GB letter\" (e.g. \"2,3.5 g\"), got %s",
		    shown);
		return -EINVAL;
	}
	letter = t.s[sp] - 'a';
	if (f->known[letter]) {
		diag_set(d, "flavour '%c' is defined twice", t.s[sp]);
		return -EEXIST;
	}
	f->known[letter] = true;
	memset(&f->demand[letter], 0, sizeof(f->demand[letter]));
	f->demand[letter].v[RES_CPU] = llround(vcpu * 1000);
	f->demand[letter].v[RES_MEM] = llround(gb * 1024);
	return 0;
}

int
trace_parse_azure_interval(
    const char *s, size_t n, struct trace_azure_bins *b, struct diag *d)
{
	struct trace_field t = trace_parse_trim((struct trace_field){ s, n });
	uint64_t dur, bin;
	size_t sp = 0, rest;
	char shown[200];

	while (sp < t.n && !is_space(t.s[sp]))
		sp++;
	rest = sp;
	while (rest < t.n && is_space(t.s[rest]))
		rest++;
	if (trace_parse_uint(t.s, sp, TRACE_SECS_MAX, &dur) < 0 ||
	    trace_parse_uint(
		t.s + rest, t.n - rest, TRACE_AZURE_BINS_MAX - 1, &bin) < 0) {
		trace_parse_show(s, n, shown, sizeof(shown));
		diag_set(d,
		    "expected \"duration_s bin\" (two integers, the bin below "
		    "%u), got %s",
		    TRACE_AZURE_BINS_MAX, shown);
		return -EINVAL;
	}
	if (b->n_lines >= AZ_MAP_LINES_MAX) {
		diag_set(d, "more than %llu lines",
		    (unsigned long long)AZ_MAP_LINES_MAX);
		return -E2BIG;
	}
	if (b->n_lines == 0) {
		if (bin != 0) {
			diag_set(d,
			    "expected the first line in bin 0, got %llu",
			    (unsigned long long)bin);
			return -EINVAL;
		}
		b->lo_s[0] = dur;
		b->n_bins = 1;
	} else if (dur <= b->last_s) {
		diag_set(d, "expected durations to increase: %llu after %llu",
		    (unsigned long long)dur, (unsigned long long)b->last_s);
		return -EINVAL;
	} else if (bin == b->n_bins) {
		b->lo_s[b->n_bins++] = dur;
	} else if (bin != b->n_bins - 1) {
		diag_set(d, "expected bin %u or %u, got %llu",
		    (unsigned)(b->n_bins - 1), (unsigned)b->n_bins,
		    (unsigned long long)bin);
		return -EINVAL;
	}
	if (b->n_lines)
		b->step_s = dur - b->last_s;
	b->last_s = dur;
	b->n_lines++;
	return 0;
}

int
trace_parse_azure_bins_done(struct trace_azure_bins *b, struct diag *d)
{
	if (b->n_lines < 2) {
		diag_set(d, "expected at least two \"duration_s bin\" lines");
		return -EINVAL;
	}
	b->lo_s[b->n_bins] = b->last_s + b->step_s;
	return 0;
}

uint64_t
trace_parse_azure_lifetime(const struct trace_azure_bins *b, uint32_t bin,
    uint64_t left_s, struct rng *r)
{
	uint64_t lo, hi;

	if (bin < b->n_bins) {
		lo = b->lo_s[bin];
		hi = b->lo_s[bin + 1];
	} else {
		lo = b->lo_s[b->n_bins];
		hi = lo + b->step_s;
		if (left_s != UINT64_MAX && left_s + b->step_s > hi)
			hi = left_s + b->step_s;
	}
	if (left_s != UINT64_MAX && left_s + b->step_s < hi)
		hi = left_s + b->step_s;
	if (hi <= lo)
		return lo * TRACE_NS_PER_S;
	return lo * TRACE_NS_PER_S + rng_below(r, (hi - lo) * TRACE_NS_PER_S);
}

/* Splits "<t> rest": 0 with *ret_t and the tokens' field, or -EINVAL. */
static int
split_time(const char *s, size_t n, uint64_t *ret_t, struct trace_field *rest,
    struct diag *d)
{
	size_t sp = 0;
	char shown[200];

	while (sp < n && !is_space(s[sp]))
		sp++;
	if (trace_parse_uint(s, sp, TRACE_SECS_MAX, ret_t) < 0) {
		trace_parse_show(s, sp, shown, sizeof(shown));
		diag_set(d,
		    "expected a time in integer seconds at the start of the "
		    "line, got %s",
		    shown);
		return -EINVAL;
	}
	*rest = trace_parse_trim((struct trace_field){ s + sp, n - sp });
	return 0;
}

/* Calls `tok` on each ','-separated token of f; stops at its error. */
static int
each_token(struct trace_field f, void *arg,
    int (*tok)(void *arg, uint32_t k, const char *s, size_t n))
{
	size_t start = 0;
	uint32_t k = 0;

	if (f.n == 0)
		return 0;
	for (size_t i = 0; i <= f.n; i++) {
		int r;

		if (i < f.n && f.s[i] != ',')
			continue;
		r = tok(arg, k++, f.s + start, i - start);
		if (r < 0)
			return r;
		start = i + 1;
	}
	return 0;
}

struct seq_ctx {
	const struct trace_azure_flavours *f;
	struct trace_azure_line *line;
	struct diag *d;
};

static int
seq_token(void *arg, uint32_t k, const char *s, size_t n)
{
	struct seq_ctx *c = arg;
	struct trace_azure_line *l = c->line;
	struct trace_azure_item *it;
	char shown[200];

	if (mem_grow(&l->items, &l->cap, l->n + 1, sizeof(*l->items)) < 0) {
		diag_set(c->d, "out of memory");
		return -ENOMEM;
	}
	it = &l->items[l->n];
	memset(it, 0, sizeof(*it));
	if (n == 1 && s[0] == '|') {
		it->bound = 1;
	} else if (n == 1 && s[0] >= 'a' && s[0] <= 'z' &&
	    c->f->known[s[0] - 'a']) {
		it->flavour = (uint8_t)(s[0] - 'a');
	} else {
		trace_parse_show(s, n, shown, sizeof(shown));
		diag_set(c->d,
		    "token %u: expected a flavour letter of flav_map.txt or "
		    "\"|\", got %s",
		    (unsigned)k + 1, shown);
		return -EINVAL;
	}
	l->n++;
	return 0;
}

int
trace_parse_azure_seq(const char *s, size_t n,
    const struct trace_azure_flavours *f, struct trace_azure_line *line,
    struct diag *d)
{
	struct seq_ctx c = { f, line, d };
	struct trace_field rest;
	uint64_t t;
	int r;

	line->n = 0;
	r = split_time(s, n, &t, &rest, d);
	if (r < 0)
		return r;
	line->t_s = t;
	r = each_token(rest, &c, seq_token);
	if (r < 0)
		line->n = 0;
	return r;
}

struct durs_ctx {
	const struct trace_azure_bins *b;
	struct trace_azure_line *line;
	struct diag *d;
};

static int
durs_token(void *arg, uint32_t k, const char *s, size_t n)
{
	struct durs_ctx *c = arg;
	struct trace_azure_item *it;
	uint64_t bin;
	char shown[200];

	if (k >= c->line->n) {
		diag_set(c->d,
		    "expected %u tokens, one per token of the flavour line, "
		    "got more",
		    (unsigned)c->line->n);
		return -EINVAL;
	}
	it = &c->line->items[k];
	trace_parse_show(s, n, shown, sizeof(shown));
	if (it->bound) {
		if (n == 1 && s[0] == '|')
			return 0;
		diag_set(c->d,
		    "token %u: expected \"|\" where the flavour line ends a "
		    "batch, got %s",
		    (unsigned)k + 1, shown);
		return -EINVAL;
	}
	if (n < 2 || (s[0] != 'U' && s[0] != 'C') ||
	    trace_parse_uint(s + 1, n - 1, c->b->n_bins, &bin) < 0) {
		diag_set(c->d,
		    "token %u: expected a duration U<bin> or C<bin> with bin "
		    "0..%u for flavour '%c', got %s",
		    (unsigned)k + 1, (unsigned)c->b->n_bins, 'a' + it->flavour,
		    shown);
		return -EINVAL;
	}
	it->censored = s[0] == 'C';
	it->bin = (uint32_t)bin;
	return 0;
}

int
trace_parse_azure_durs(const char *s, size_t n,
    const struct trace_azure_bins *b, struct trace_azure_line *line,
    struct diag *d)
{
	struct durs_ctx c = { b, line, d };
	struct trace_field rest;
	uint32_t count;
	uint64_t t;
	int r;

	r = split_time(s, n, &t, &rest, d);
	if (r < 0)
		return r;
	if (t != line->t_s) {
		diag_set(d,
		    "expected time %llu as on the flavour line, got %llu",
		    (unsigned long long)line->t_s, (unsigned long long)t);
		return -EINVAL;
	}
	count = rest.n ? trace_parse_split(rest.s, rest.n, ',', NULL, 0) : 0;
	if (count != line->n) {
		diag_set(d,
		    "expected %u tokens, one per token of the flavour line, "
		    "got %u",
		    (unsigned)line->n, (unsigned)count);
		return -EINVAL;
	}
	return each_token(rest, &c, durs_token);
}

void
trace_parse_azure_line_free(struct trace_azure_line *line)
{
	free(line->items);
	memset(line, 0, sizeof(*line));
}

/* --- the reader --- */

struct az_state {
	struct trace_azure_flavours flav;
	struct trace_azure_bins *bins; /* NULL: no duration file */
	uint64_t censor_s;
	struct tline seq, dur;
	struct trace_azure_line line;
	uint32_t pos, batch, in_batch;
	bool started;
	uint64_t t_first, t_prev;
	struct rng rng;
};

static void
az_close(struct trace *t)
{
	struct az_state *s = t->st;

	if (!s)
		return;
	tline_close(&s->seq);
	tline_close(&s->dur);
	trace_parse_azure_line_free(&s->line);
	free(s->bins);
	free(s);
	t->st = NULL;
}

/* Reads a whole map file through one line parser; errors stop the trace
 * even with skip_bad (a wrong map makes every record wrong). */
static int
read_map(const char *path, void *arg,
    int (*parse)(const char *s, size_t n, void *arg, struct diag *d),
    struct diag *d)
{
	struct tline l = { 0 };
	const char *line;
	size_t len;
	int r = tline_open_file(&l, path, d);

	while (r == 0 && (r = tline_next(&l, &line, &len, d)) > 0) {
		r = parse(line, len, arg, d);
		if (r < 0)
			diag_prefix(d, "%s:%llu", l.where,
			    (unsigned long long)l.lineno);
	}
	tline_close(&l);
	return r;
}

static int
parse_flav(const char *s, size_t n, void *arg, struct diag *d)
{
	return trace_parse_azure_flavour(s, n, arg, d);
}

static int
parse_interval(const char *s, size_t n, void *arg, struct diag *d)
{
	return trace_parse_azure_interval(s, n, arg, d);
}

/* In name: ".c<digits>" before ".txt": its offset and the digits' value. */
static bool
find_censor(const char *name, size_t *ret_at, size_t *ret_len, uint64_t *ret_t)
{
	const char *txt = strstr(name, ".txt");

	for (const char *p = name; txt && p < txt; p++) {
		size_t k = 2;

		if (p[0] != '.' || p[1] != 'c')
			continue;
		while (p + k < txt && p[k] >= '0' && p[k] <= '9')
			k++;
		if (p + k == txt && k > 2 &&
		    trace_parse_uint(p + 2, k - 2, TRACE_SECS_MAX, ret_t) ==
			0) {
			*ret_at = (size_t)(p - name);
			*ret_len = k;
			return true;
		}
	}
	return false;
}

/* The files next to `path`: flavour sequence, durations (or none), maps. */
struct az_files {
	char seq[4096], dur[4096], flav[4096], map[4096];
	uint64_t censor_s;
};

static int
find_files(const char *path, struct az_files *f, struct diag *d)
{
	const char *base = tline_basename(path);
	size_t dirlen = (size_t)(base - path), at, len;
	char **list = NULL;
	uint32_t n = 0;
	const char *dot;
	int r;

	if (strlen(path) >= sizeof(f->seq) - 16) {
		diag_set(d, "%s: path too long", path);
		return -EINVAL;
	}
	f->dur[0] = '\0';
	if (find_censor(base, &at, &len, &f->censor_s)) {
		/* PATH names the durations; the flavours lack ".c<T>". */
		snprintf(f->dur, sizeof(f->dur), "%s", path);
		snprintf(f->seq, sizeof(f->seq), "%.*s%.*s%s", (int)dirlen,
		    path, (int)at, base, base + at + len);
	} else {
		const char *txt = strstr(base, ".txt");
		size_t stem = txt ? (size_t)(txt - base) : strlen(base);
		char dir[4096];

		snprintf(f->seq, sizeof(f->seq), "%s", path);
		if (dirlen == 0)
			snprintf(dir, sizeof(dir), ".");
		else if (dirlen == 1)
			snprintf(dir, sizeof(dir), "/");
		else
			snprintf(
			    dir, sizeof(dir), "%.*s", (int)dirlen - 1, path);
		r = tline_list_dir(dir, &list, &n, d);
		if (r < 0)
			return r;
		for (uint32_t i = 0; i < n; i++) {
			const char *e = tline_basename(list[i]);
			uint64_t cs;

			if (strncmp(e, base, stem) != 0 ||
			    !find_censor(e, &at, &len, &cs) || at != stem)
				continue;
			if (f->dur[0]) {
				diag_set(d,
				    "%s: two duration files match it: %s and "
				    "%s",
				    path, tline_basename(f->dur), e);
				tline_list_free(list, n);
				return -EINVAL;
			}
			snprintf(f->dur, sizeof(f->dur), "%s", list[i]);
			f->censor_s = cs;
		}
		tline_list_free(list, n);
	}
	snprintf(
	    f->flav, sizeof(f->flav), "%.*sflav_map.txt", (int)dirlen, path);
	dot = strchr(base, '.');
	snprintf(f->map, sizeof(f->map), "%.*s%.*s.interval_map.txt",
	    (int)dirlen, path, dot ? (int)(dot - base) : (int)strlen(base),
	    base);
	return 0;
}

static int
az_open(struct trace *t, const char *path, struct diag *d)
{
	struct az_state *s = calloc(1, sizeof(*s));
	struct az_files *f = calloc(1, sizeof(*f));
	int r;

	if (!s || !f) {
		free(s);
		free(f);
		diag_set(d, "%s: out of memory", path);
		return -ENOMEM;
	}
	t->st = s;
	r = find_files(path, f, d);
	if (r == 0)
		r = read_map(f->flav, &s->flav, parse_flav, d);
	if (r == 0 && f->dur[0]) {
		s->bins = calloc(1, sizeof(*s->bins));
		s->censor_s = f->censor_s;
		r = s->bins ? read_map(f->map, s->bins, parse_interval, d)
			    : -ENOMEM;
		if (r == 0) {
			r = trace_parse_azure_bins_done(s->bins, d);
			if (r < 0)
				diag_prefix(d, "%s", f->map);
		}
	}
	if (r == 0)
		r = tline_open_file(&s->seq, f->seq, d);
	if (r == 0 && f->dur[0])
		r = tline_open_file(&s->dur, f->dur, d);
	if (r == -ENOMEM)
		diag_set(d, "%s: out of memory", path);
	rng_init(&s->rng, t->opts.seed);
	free(f);
	return r;
}

/* The next pair of lines into s->line: 1, 0 at the end, -errno. */
static int
next_line(struct trace *t, struct az_state *s, struct diag *d)
{
	const char *a, *b;
	size_t alen, blen;
	int r, rb;

	for (;;) {
		r = tline_next(&s->seq, &a, &alen, d);
		if (s->bins) {
			rb = tline_next(&s->dur, &b, &blen, d);
			if (rb == 0 && r != 0) {
				diag_set(d,
				    "%s: ends at line %llu, before the "
				    "flavour file %s",
				    s->dur.where,
				    (unsigned long long)s->dur.lineno,
				    s->seq.where);
				return -EINVAL;
			}
			if (r == 0 && rb != 0) {
				diag_set(d,
				    "%s: has more lines than the flavour "
				    "file %s",
				    s->dur.where, s->seq.where);
				return -EINVAL;
			}
			if (rb < 0 && r >= 0)
				r = rb;
		}
		if (r == 0)
			return 0;
		if (r == 1) {
			r = trace_parse_azure_seq(
			    a, alen, &s->flav, &s->line, d);
			if (r == 0 && s->started && s->line.t_s < s->t_prev) {
				diag_set(d,
				    "expected times in order: %llu is before "
				    "the previous line's %llu",
				    (unsigned long long)s->line.t_s,
				    (unsigned long long)s->t_prev);
				r = -EINVAL;
			}
			if (r < 0) {
				diag_prefix(d, "%s:%llu", s->seq.where,
				    (unsigned long long)s->seq.lineno);
			} else if (s->bins) {
				r = trace_parse_azure_durs(
				    b, blen, s->bins, &s->line, d);
				if (r < 0)
					diag_prefix(d, "%s:%llu", s->dur.where,
					    (unsigned long long)s->dur.lineno);
			}
		}
		if (r < 0) {
			r = trace_fmt_bad(t, r, d);
			if (r < 0)
				return r;
			continue;
		}
		/* Names are "<t>.<batch>.<k>": batches go on counting over
		 * lines with the same time, so that names stay unique. */
		if (s->started && s->line.t_s == s->t_prev)
			s->batch += s->in_batch > 0;
		else
			s->batch = 0;
		if (!s->started) {
			s->started = true;
			s->t_first = s->line.t_s;
		}
		s->t_prev = s->line.t_s;
		s->pos = s->in_batch = 0;
		return 1;
	}
}

static int
az_next(struct trace *t, struct diag *d)
{
	struct az_state *s = t->st;
	struct trace_rec *rec = &t->rec;
	const struct trace_azure_item *it;
	char name[64];
	int r;

	for (;;) {
		while (s->pos < s->line.n && s->line.items[s->pos].bound) {
			s->batch++;
			s->in_batch = 0;
			s->pos++;
		}
		if (s->pos < s->line.n)
			break;
		r = next_line(t, s, d);
		if (r <= 0)
			return r;
	}
	it = &s->line.items[s->pos++];
	snprintf(name, sizeof(name), "%llu.%u.%u",
	    (unsigned long long)s->line.t_s, (unsigned)s->batch,
	    (unsigned)s->in_batch++);
	trace_fmt_name(rec, name);
	rec->arrive_ns = (s->line.t_s - s->t_first) * TRACE_NS_PER_S;
	rec->depart_ns = TRACE_FOREVER;
	if (s->bins && !it->censored) {
		uint64_t left =
		    s->censor_s > s->line.t_s ? s->censor_s - s->line.t_s : 0;

		rec->depart_ns = rec->arrive_ns +
		    trace_parse_azure_lifetime(s->bins, it->bin, left, &s->rng);
	}
	rec->demand = s->flav.demand[it->flavour];
	rec->priority = 0;
	rec->gpu_milli = 0;
	rec->n_samples = 0;
	rec->step_ns = 0;
	rec->cpu_use = rec->mem_use = NULL;
	return 1;
}

const struct trace_fmt trace_fmt_azure = {
	.name = "azure",
	.open = az_open,
	.next = az_next,
	.close = az_close,
};
