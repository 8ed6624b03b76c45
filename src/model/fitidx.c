/* fitidx.c - segment tree of per-subtree capacity summaries, with B&B search. */
#include "model/fitidx.h"

#include <assert.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

/* Node of the range [l, r]: 2 * cap ids in all, children of [l, r] split at
 * the midpoint. */
static inline uint32_t
node_id(uint32_t l, uint32_t r)
{
	return (l + r) | (l != r);
}

static const struct fitnode unavailable = {
    .max = {-1, -1, -1, -1},
    .s_min = INFINITY,
    .s_max = -INFINITY,
    .inv_lim_max = {0, 0, 0, 0},
    .perf_max = 0,
    .load_min = INFINITY,
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

static void
leaf_node(struct fitnode *n, const struct fitleaf *l)
{
	if (!l) {
		*n = unavailable;
		return;
	}
	memcpy(n->max, l->free.v, sizeof(n->max));
	n->s_min = down(l->s);
	n->s_max = up(l->s);
	for (int d = 0; d < RES_NDIM; d++)
		n->inv_lim_max[d] = up(l->inv_lim[d]);
	n->perf_max = l->perf;
	n->load_min = down(l->load);
}

static inline void
pull(struct fitnode *n, const struct fitnode *a, const struct fitnode *b)
{
	for (int d = 0; d < RES_NDIM; d++) {
		n->max[d] = a->max[d] > b->max[d] ? a->max[d] : b->max[d];
		n->inv_lim_max[d] = a->inv_lim_max[d] > b->inv_lim_max[d]
		    ? a->inv_lim_max[d]
		    : b->inv_lim_max[d];
	}
	n->s_min = a->s_min < b->s_min ? a->s_min : b->s_min;
	n->s_max = a->s_max > b->s_max ? a->s_max : b->s_max;
	n->perf_max = a->perf_max > b->perf_max ? a->perf_max : b->perf_max;
	n->load_min = a->load_min < b->load_min ? a->load_min : b->load_min;
}

/* Builds [l, r] of `nodes` from the leaf summaries in `leaves`. */
static void
build(
    struct fitnode *nodes, const struct fitnode *leaves, uint32_t l, uint32_t r)
{
	uint32_t m;

	if (l == r) {
		nodes[node_id(l, l)] = leaves[l];
		return;
	}
	m = l + (r - l) / 2;
	build(nodes, leaves, l, m);
	build(nodes, leaves, m + 1, r);
	pull(&nodes[node_id(l, r)], &nodes[node_id(l, m)],
	    &nodes[node_id(m + 1, r)]);
}

int
fitidx_resize(struct fitidx *x, uint32_t n)
{
	uint64_t cap = x->cap ? x->cap : 4;
	struct fitnode *nodes, *leaves;

	if (n <= x->cap)
		return 0;
	while (cap < n)
		cap += cap / 4 + 1;
	if (cap > (UINT32_C(1) << 30))
		return -ENOMEM;
	nodes = malloc(2 * cap * sizeof(*nodes));
	leaves = malloc(cap * sizeof(*leaves));
	if (!nodes || !leaves) {
		free(nodes);
		free(leaves);
		return -ENOMEM;
	}
	for (uint32_t i = 0; i < cap; i++)
		leaves[i] = i < x->cap ? x->nodes[node_id(i, i)] : unavailable;
	build(nodes, leaves, 0, (uint32_t)cap - 1);
	free(leaves);
	free(x->nodes);
	x->nodes = nodes;
	x->cap = (uint32_t)cap;
	return 0;
}

void
fitidx_set(struct fitidx *x, uint32_t i, const struct fitleaf *l)
{
	uint32_t lo[64], hi[64], depth = 0, m;

	assert(i < x->cap);
	lo[0] = 0;
	hi[0] = x->cap - 1;
	while (lo[depth] != hi[depth]) {
		m = lo[depth] + (hi[depth] - lo[depth]) / 2;
		lo[depth + 1] = i <= m ? lo[depth] : m + 1;
		hi[depth + 1] = i <= m ? m : hi[depth];
		depth++;
	}
	leaf_node(&x->nodes[node_id(i, i)], l);
	while (depth-- > 0) {
		m = lo[depth] + (hi[depth] - lo[depth]) / 2;
		pull(&x->nodes[node_id(lo[depth], hi[depth])],
		    &x->nodes[node_id(lo[depth], m)],
		    &x->nodes[node_id(m + 1, hi[depth])]);
	}
}

static inline bool
fits(const struct res *need, const struct fitnode *n)
{
	return need->v[0] <= n->max[0] && need->v[1] <= n->max[1] &&
	    need->v[2] <= n->max[2] && need->v[3] <= n->max[3];
}

struct first_ctx {
	const struct fitidx *x;
	const struct res *need;
	uint32_t from;
	bool (*accept)(uint32_t leaf, void *ctx);
	void *ctx;
};

static int64_t
first(const struct first_ctx *f, uint32_t l, uint32_t r)
{
	uint32_t m;
	int64_t got;

	if (r < f->from || !fits(f->need, &f->x->nodes[node_id(l, r)]))
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
	struct first_ctx f = {x, need, from, accept, ctx};
	int64_t got;

	if (x->cap == 0 || from >= x->cap)
		return -ENOSPC;
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
	ba = fits(q->need, &b->x->nodes[a]) ? q->bound(&b->x->nodes[a], q->ctx)
					    : -INFINITY;
	bc = fits(q->need, &b->x->nodes[c]) ? q->bound(&b->x->nodes[c], q->ctx)
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
	struct best_ctx b = {x, q, -INFINITY, -1};
	const struct fitnode *root;

	if (x->cap == 0)
		return -ENOSPC;
	root = &x->nodes[node_id(0, x->cap - 1)];
	if (!fits(q->need, root))
		return -ENOSPC;
	best(&b, 0, x->cap - 1, q->bound(root, q->ctx));
	if (b.best_leaf < 0)
		return -ENOSPC;
	*ret = (uint32_t)b.best_leaf;
	return 0;
}

const struct fitnode *
fitidx_root(const struct fitidx *x)
{
	return x->cap ? &x->nodes[node_id(0, x->cap - 1)] : NULL;
}

size_t
fitidx_bytes(const struct fitidx *x)
{
	return 2 * (size_t)x->cap * sizeof(struct fitnode);
}
