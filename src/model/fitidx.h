/* fitidx.h - capacity index: which hosts can take a resource vector. */
#ifndef MODEL_FITIDX_H
#define MODEL_FITIDX_H

#include "model/resource.h"

#include <stdint.h>

/*
 * A segment tree over host ids whose nodes hold the per-dimension maximum of
 * the free vectors below them. A subtree whose maxima cannot hold the demand
 * is skipped whole, so the first fitting host is found by descending rather
 * than by scanning every host. Leaves are exact; a leaf of a host that takes
 * no VMs holds -1 in every dimension. Memory: at most 2 * 2n nodes of 32
 * bytes for n hosts (128 bytes per host). Owned by a cluster; embedded:
 * fitidx_init / fitidx_done.
 */
struct fitidx {
	uint32_t size; /* leaves allocated: a power of two, or 0 */
	struct res *max; /* 2 * size nodes; node 1 is the root */
};

void fitidx_init(struct fitidx *x);
void fitidx_done(struct fitidx *x);

/* Makes room for leaves [0, n); new leaves are unavailable. 0 or -ENOMEM
 * (index unchanged). */
int fitidx_resize(struct fitidx *x, uint32_t n);

/* Sets leaf i (< size) to `free`, or to unavailable when free is NULL, and
 * updates its ancestors. O(log size). */
void fitidx_set(struct fitidx *x, uint32_t i, const struct res *free);

/* The smallest leaf i >= from whose free vector holds need: 0 and *ret, or
 * -ENOSPC. */
int fitidx_first(const struct fitidx *x, const struct res *need, uint32_t from,
    uint32_t *ret);

/* Bytes the index holds. */
size_t fitidx_bytes(const struct fitidx *x);

#endif
