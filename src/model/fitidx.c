/* fitidx.c - segment tree of per-subtree capacity summaries, with B&B search. */
#include "model/fitidx.h"

#include <assert.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

/* The grid (see fitidx.h). s_row_mem uses every other memory level. */
static const int64_t grid_cpu[FIT_CPU_LEVELS] = { 500, 1000, 2000, 4000, 8000,
	16000, 32000, 64000 };
static const int64_t grid_mem[FIT_MEM_LEVELS] = { 512, 724, 1024, 1448, 2048,
	2896, 4096, 5793, 8192, 11585, 16384, 23170, 32768, 46341, 65536,
	92682 };

/* Node of the range [l, r]: 2 * cap ids in all, children of [l, r] split at
 * the midpoint. */
static inline uint32_t
node_id(uint32_t l, uint32_t r)
{
	return (l + r) | (l != r);
}

/* How many grid levels v reaches. */
static inline int
levels(const int64_t *grid, int n, int64_t v)
{
	int k = 0;

	while (k < n && grid[k] <= v)
		k++;
	return k;
}

/*
 * s (0..4) as a byte on a square-root scale, so that the small values of
 * nearly full hosts, where best fit decides, are the finest. Rows keep
 * minima, so q = floor(255 * sqrt(s / 4)) rounds down and decodes to a
 * lower bound of s.
 */
static inline uint8_t
s_encode_down(double s)
{
	double q = floor(255.0 * sqrt(fmax(0.0, s) / RES_NDIM));

	return q > 255 ? 255 : (uint8_t)q;
}

static inline double
s_decode(uint8_t q)
{
	double f = q / 255.0;

	return RES_NDIM * f * f;
}

static const struct fitnode unavailable = {
	.max = { -1, -1, -1, -1 },
	.shape = { 0, 0 },
	.s_min = INFINITY,
	.s_max = -INFINITY,
	.inv_lim_min = { INFINITY, INFINITY, INFINITY, INFINITY },
	.inv_lim_max = { 0, 0, 0, 0 },
	.perf_max = 0,
	.load_min = INFINITY,
	.s_row_cpu = { 255, 255, 255, 255, 255, 255, 255, 255 },
	.s_row_mem = { 255, 255, 255, 255, 255, 255, 255, 255 },
};

void
fitidx_init(struct fitidx *x)
{
	memset(x, 0, sizeof(*x));
}

void
fitidx_done(struct fitidx *x)
{
	free(x->nodes);
	memset(x, 0, sizeof(*x));
}

static inline float
down(double v)
{
	float f = (float)v;

	return (double)f > v ? nextafterf(f, -INFINITY) : f;
}

static inline float
up(double v)
{
	float f = (float)v;

	return (double)f < v ? nextafterf(f, INFINITY) : f;
}

/* Sets the rows of leaf node n (available) from its own fields: its s_min
 * is s rounded down, so the rows stay lower bounds. */
static void
leaf_rows(struct fitnode *n)
{
	int ic = levels(grid_cpu, FIT_CPU_LEVELS, n->max[RES_CPU]);
	int jm = levels(grid_mem, FIT_MEM_LEVELS, n->max[RES_MEM]);
	uint8_t q = s_encode_down(n->s_min);

	for (int i = 0; i < FIT_CPU_LEVELS; i++) {
		n->s_row_cpu[i] = i < ic ? q : 255;
		n->s_row_mem[i] = 2 * i < jm ? q : 255;
	}
}

static void
leaf_node(struct fitnode *n, const struct fitleaf *l, bool rows)
{
	int ic, jm;
	uint64_t row;

	if (!l) {
		*n = unavailable;
		return;
	}
	for (int d = 0; d < RES_NDIM; d++) {
		n->max[d] = l->free.v[d] >= INT32_MAX ? INT32_MAX
						      : (int32_t)l->free.v[d];
		n->inv_lim_min[d] = down(l->inv_lim[d]);
		n->inv_lim_max[d] = up(l->inv_lim[d]);
	}
	ic = levels(grid_cpu, FIT_CPU_LEVELS, l->free.v[RES_CPU]);
	jm = levels(grid_mem, FIT_MEM_LEVELS, l->free.v[RES_MEM]);
	row = jm ? (1ULL << jm) - 1 : 0;
	n->shape[0] = n->shape[1] = 0;
	for (int i = 0; i < ic; i++) {
		int bit = i * FIT_MEM_LEVELS;

		n->shape[bit >> 6] |= row << (bit & 63);
	}
	n->s_min = down(l->s);
	n->s_max = up(l->s);
	/* Without rows they hold 255 (no bound) and never change, so an
	 * update stops climbing sooner. */
	memset(n->s_row_cpu, 255, sizeof(n->s_row_cpu));
	memset(n->s_row_mem, 255, sizeof(n->s_row_mem));
	if (rows)
		leaf_rows(n);
	n->perf_max = l->perf;
	n->load_min = down(l->load);
}

static inline float
fmin2(float a, float b)
{
	return a < b ? a : b;
}

static inline float
fmax2(float a, float b)
{
	return a > b ? a : b;
}

static inline void
pull(struct fitnode *n, const struct fitnode *a, const struct fitnode *b)
{
	for (int d = 0; d < RES_NDIM; d++) {
		n->max[d] = a->max[d] > b->max[d] ? a->max[d] : b->max[d];
		n->inv_lim_min[d] = fmin2(a->inv_lim_min[d], b->inv_lim_min[d]);
		n->inv_lim_max[d] = fmax2(a->inv_lim_max[d], b->inv_lim_max[d]);
	}
	n->shape[0] = a->shape[0] | b->shape[0];
	n->shape[1] = a->shape[1] | b->shape[1];
	n->s_min = fmin2(a->s_min, b->s_min);
	n->s_max = fmax2(a->s_max, b->s_max);
	for (int i = 0; i < FIT_CPU_LEVELS; i++) {
		n->s_row_cpu[i] = a->s_row_cpu[i] < b->s_row_cpu[i]
		    ? a->s_row_cpu[i]
		    : b->s_row_cpu[i];
		n->s_row_mem[i] = a->s_row_mem[i] < b->s_row_mem[i]
		    ? a->s_row_mem[i]
		    : b->s_row_mem[i];
	}
	n->perf_max = a->perf_max > b->perf_max ? a->perf_max : b->perf_max;
	n->load_min = fmin2(a->load_min, b->load_min);
}

/* Recomputes the inner nodes of [l, r] from its leaves. */
static void
build(struct fitnode *nodes, uint32_t l, uint32_t r)
{
	uint32_t m;

	if (l == r)
		return;
	m = l + (r - l) / 2;
	build(nodes, l, m);
	build(nodes, m + 1, r);
	pull(&nodes[node_id(l, r)], &nodes[node_id(l, m)],
	    &nodes[node_id(m + 1, r)]);
}

int
fitidx_resize(struct fitidx *x, uint32_t n)
{
	uint64_t cap = x->cap ? x->cap : 4;
	struct fitnode *nodes;

	if (n <= x->cap)
		return 0;
	while (cap < n)
		cap += cap / 8 + 1;
	if (cap > (UINT32_C(1) << 30))
		return -ENOMEM;
	if (!x->on) {
		x->cap = (uint32_t)cap;
		return 0;
	}
	nodes = malloc(2 * cap * sizeof(*nodes));
	if (!nodes)
		return -ENOMEM;
	for (uint32_t i = 0; i < cap; i++)
		nodes[node_id(i, i)] =
		    i < x->cap ? x->nodes[node_id(i, i)] : unavailable;
	build(nodes, 0, (uint32_t)cap - 1);
	free(x->nodes);
	x->nodes = nodes;
	x->cap = (uint32_t)cap;
	return 0;
}

int
fitidx_start(struct fitidx *x)
{
	if (x->on)
		return 0;
	if (x->cap) {
		/* Inner nodes over unavailable leaves are unavailable too. */
		x->nodes = malloc(2 * (size_t)x->cap * sizeof(*x->nodes));
		if (!x->nodes)
			return -ENOMEM;
		for (size_t k = 0; k < 2 * (size_t)x->cap; k++)
			x->nodes[k] = unavailable;
	}
	x->on = true;
	return 0;
}

void
fitidx_set(struct fitidx *x, uint32_t i, const struct fitleaf *l)
{
	uint32_t lo[64], hi[64], depth = 0, m;

	assert(i < x->cap);
	if (!x->on)
		return;
	lo[0] = 0;
	hi[0] = x->cap - 1;
	while (lo[depth] != hi[depth]) {
		m = lo[depth] + (hi[depth] - lo[depth]) / 2;
		lo[depth + 1] = i <= m ? lo[depth] : m + 1;
		hi[depth + 1] = i <= m ? m : hi[depth];
		depth++;
	}
	leaf_node(&x->nodes[node_id(i, i)], l, x->rows);
	while (depth-- > 0) {
		struct fitnode *n = &x->nodes[node_id(lo[depth], hi[depth])];
		struct fitnode was = *n;

		m = lo[depth] + (hi[depth] - lo[depth]) / 2;
		pull(n, &x->nodes[node_id(lo[depth], m)],
		    &x->nodes[node_id(m + 1, hi[depth])]);
		/* A summary that did not change leaves its ancestors as they
		 * are (every field is a function of the children alone). */
		if (memcmp(&was, n, sizeof(was)) == 0)
			break;
	}
}

/* A demand as the index tests it, computed once per query. */
struct want {
	const struct res *need;
	int bit; /* shape bit the demand rounds down to, or -1 below the grid */
};

static inline void
want_init(struct want *w, const struct res *need)
{
	int ic = levels(grid_cpu, FIT_CPU_LEVELS, need->v[RES_CPU]);
	int jm = levels(grid_mem, FIT_MEM_LEVELS, need->v[RES_MEM]);

	w->need = need;
	w->bit = ic && jm ? (ic - 1) * FIT_MEM_LEVELS + (jm - 1) : -1;
}

static inline bool
fits(const struct want *w, const struct fitnode *n)
{
	if (w->bit >= 0 &&
	    !(n->shape[w->bit >> 6] & (UINT64_C(1) << (w->bit & 63))))
		return false;
	for (int d = 0; d < RES_NDIM; d++)
		if (n->max[d] != INT32_MAX && w->need->v[d] > n->max[d])
			return false;
	return true;
}

void
fitidx_keep_rows(struct fitidx *x)
{
	if (x->rows)
		return;
	x->rows = true;
	if (!x->on)
		return; /* leaves get them when set */
	for (uint32_t i = 0; i < x->cap; i++)
		if (x->nodes[node_id(i, i)].s_min != INFINITY)
			leaf_rows(&x->nodes[node_id(i, i)]);
	if (x->cap)
		build(x->nodes, 0, x->cap - 1);
}

void
fit_rows_of(
    const struct fitidx *x, const struct res *need, struct fit_rows *ret)
{
	int ic = levels(grid_cpu, FIT_CPU_LEVELS, need->v[RES_CPU]);
	int jm = levels(grid_mem, FIT_MEM_LEVELS, need->v[RES_MEM]);

	/* Hosts that hold need have cpu >= CPU[ic - 1] and memory >=
	 * MEM[jm - 1] >= MEM[2 ((jm - 1) / 2)]: those rows cover them all. */
	ret->cpu = (int8_t)(x->rows ? ic - 1 : -1);
	ret->mem = (int8_t)(x->rows && jm > 0 ? (jm - 1) / 2 : -1);
}

double
fitnode_s_min_fit(const struct fitnode *n, const struct fit_rows *rows)
{
	double lb = n->s_min, r;

	if (rows->cpu >= 0) {
		r = s_decode(n->s_row_cpu[rows->cpu]);
		lb = r > lb ? r : lb;
	}
	if (rows->mem >= 0) {
		r = s_decode(n->s_row_mem[rows->mem]);
		lb = r > lb ? r : lb;
	}
	return lb;
}

struct first_ctx {
	const struct fitidx *x;
	struct want need;
	uint32_t from;
	bool (*accept)(uint32_t leaf, void *ctx);
	void *ctx;
};

static int64_t
first(const struct first_ctx *f, uint32_t l, uint32_t r)
{
	uint32_t m;
	int64_t got;

	if (r < f->from || !fits(&f->need, &f->x->nodes[node_id(l, r)]))
		return -1;
	if (l == r)
		return !f->accept || f->accept(l, f->ctx) ? (int64_t)l : -1;
	m = l + (r - l) / 2;
	got = first(f, l, m);
	if (got >= 0)
		return got;
	return first(f, m + 1, r);
}

int
fitidx_first_if(const struct fitidx *x, const struct res *need, uint32_t from,
    bool (*accept)(uint32_t leaf, void *ctx), void *ctx, uint32_t *ret)
{
	struct first_ctx f = { x, { need, -1 }, from, accept, ctx };
	int64_t got;

	assert(x->on);
	if (!x->on || x->cap == 0 || from >= x->cap)
		return -ENOSPC;
	want_init(&f.need, need);
	got = first(&f, 0, x->cap - 1);
	if (got < 0)
		return -ENOSPC;
	*ret = (uint32_t)got;
	return 0;
}

int
fitidx_first(const struct fitidx *x, const struct res *need, uint32_t from,
    uint32_t *ret)
{
	return fitidx_first_if(x, need, from, NULL, NULL, ret);
}

struct best_ctx {
	const struct fitidx *x;
	const struct fitidx_query *q;
	struct want need;
	double best;
	int64_t best_leaf;
};

static void
best(struct best_ctx *b, uint32_t l, uint32_t r, double bound)
{
	const struct fitidx_query *q = b->q;
	uint32_t m, a, c;
	double ba, bc, s;

	/* A subtree cannot win if its bound is below the best so far, or equal
	 * to it while lying entirely after the best leaf (ties go low). */
	if (b->best_leaf >= 0 &&
	    (bound < b->best || (bound == b->best && l > b->best_leaf)))
		return;
	if (l == r) {
		if (q->accept && !q->accept(l, q->actx))
			return;
		s = q->score(l, q->ctx);
		if (b->best_leaf < 0 || s > b->best ||
		    (s == b->best && l < b->best_leaf)) {
			b->best = s;
			b->best_leaf = l;
		}
		return;
	}
	m = l + (r - l) / 2;
	a = node_id(l, m);
	c = node_id(m + 1, r);
	ba = fits(&b->need, &b->x->nodes[a]) ? q->bound(&b->x->nodes[a], q->ctx)
					     : -INFINITY;
	bc = fits(&b->need, &b->x->nodes[c]) ? q->bound(&b->x->nodes[c], q->ctx)
					     : -INFINITY;
	/* Visit the more promising child first; the left one on ties. */
	if (bc > ba) {
		if (bc > -INFINITY)
			best(b, m + 1, r, bc);
		if (ba > -INFINITY)
			best(b, l, m, ba);
	} else {
		if (ba > -INFINITY)
			best(b, l, m, ba);
		if (bc > -INFINITY)
			best(b, m + 1, r, bc);
	}
}

int
fitidx_best(const struct fitidx *x, const struct fitidx_query *q, uint32_t *ret)
{
	struct best_ctx b = { x, q, { NULL, -1 }, -INFINITY, -1 };
	const struct fitnode *root;

	assert(x->on);
	if (!x->on || x->cap == 0)
		return -ENOSPC;
	want_init(&b.need, q->need);
	root = &x->nodes[node_id(0, x->cap - 1)];
	if (!fits(&b.need, root))
		return -ENOSPC;
	/* Depth first, the more promising child first: a best-first frontier
	 * expanded fewer nodes in measurements but cost more per node. */
	best(&b, 0, x->cap - 1, q->bound(root, q->ctx));
	if (b.best_leaf < 0)
		return -ENOSPC;
	*ret = (uint32_t)b.best_leaf;
	return 0;
}

size_t
fitidx_bytes(const struct fitidx *x)
{
	return x->on ? 2 * (size_t)x->cap * sizeof(struct fitnode) : 0;
}
