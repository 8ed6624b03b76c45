/* fitidx.h - capacity index: which hosts can take a vector, and the best of them. */
#ifndef MODEL_FITIDX_H
#define MODEL_FITIDX_H

#include "model/resource.h"

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/*
 * What the index knows of one host. `free` is -1 in every dimension for a
 * host that takes no VMs. The rest feeds strategies' score bounds:
 *   s        = sum over dimensions of free/limit (relative free room);
 *   inv_lim  = 1/limit per dimension (0 where the limit is 0);
 *   perf     = performance factor in thousandths;
 *   load     = max over dimensions of alloc/limit.
 */
struct fitleaf {
	struct res free;
	double s;
	double inv_lim[RES_NDIM];
	uint32_t perf;
	double load;
};

/* A node summarises its subtree; floats are rounded so that every field is
 * a valid bound (maxima rounded up, minima rounded down). 64 bytes. */
struct fitnode {
	int64_t max[RES_NDIM];
	float s_min, s_max;
	float inv_lim_max[RES_NDIM];
	uint32_t perf_max;
	float load_min;
};

/*
 * A segment tree over host ids in the (l + r) | (l != r) layout: a range of
 * `cap` leaves takes 2 * cap nodes, and capacity grows by a quarter, so the
 * index holds at most 2.5 nodes (160 bytes) per host. A subtree whose maxima
 * cannot hold a demand is skipped whole, so queries descend instead of
 * scanning. Owned by a cluster; embedded: fitidx_init / fitidx_done.
 */
struct fitidx {
	uint32_t cap; /* leaves: ids [0, cap) */
	struct fitnode *nodes; /* 2 * cap */
};

/* A best-host query: maximise score over leaves that fit `need` and pass
 * accept; bound(node) must be >= score of every leaf below it. */
struct fitidx_query {
	const struct res *need;
	double (*bound)(const struct fitnode *n, void *ctx);
	double (*score)(uint32_t leaf, void *ctx);
	void *ctx; /* for bound and score */
	bool (*accept)(uint32_t leaf, void *actx); /* NULL: all */
	void *actx; /* for accept */
};

void fitidx_init(struct fitidx *x);
void fitidx_done(struct fitidx *x);

/* Makes room for leaves [0, n), keeping existing leaves; new leaves are
 * unavailable. 0 or -ENOMEM (index unchanged). Amortised O(1) per leaf. */
int fitidx_resize(struct fitidx *x, uint32_t n);

/* Sets leaf i (< cap) from l, or makes it unavailable when l is NULL, and
 * updates its ancestors. O(log cap). */
void fitidx_set(struct fitidx *x, uint32_t i, const struct fitleaf *l);

/* The smallest leaf i >= from whose free vector holds need: 0 and *ret, or
 * -ENOSPC. */
int fitidx_first(const struct fitidx *x, const struct res *need, uint32_t from,
    uint32_t *ret);

/* Like fitidx_first, and the leaf must also pass accept(leaf, ctx). */
int
fitidx_first_if(const struct fitidx *x, const struct res *need, uint32_t from,
    bool (*accept)(uint32_t leaf, void *ctx), void *ctx, uint32_t *ret);

/* The leaf with the highest score among those that fit and pass accept,
 * the lowest id among equals (branch and bound on the node summaries).
 * 0 and *ret, or -ENOSPC. */
int fitidx_best(
    const struct fitidx *x, const struct fitidx_query *q, uint32_t *ret);

/* The summary of the whole index (the root), or NULL when empty. */
const struct fitnode *fitidx_root(const struct fitidx *x);

/* Bytes the index holds. */
size_t fitidx_bytes(const struct fitidx *x);

#endif
