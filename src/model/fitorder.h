/* fitorder.h - hosts of each shape ordered by relative free room, for best fit. */
#ifndef MODEL_FITORDER_H
#define MODEL_FITORDER_H

#include "model/fitidx.h"

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/*
 * Best fit asks for the host whose relative free room after the placement,
 * s - sum_d need_d / limit_d, is least. Among hosts of one shape (the same
 * limit in every dimension) the subtracted sum is the same, so the answer
 * is the host with the least s that has room: the leftmost fitting host in
 * s order. The index keeps, per shape, a treap of its up hosts keyed by
 * (s, host id) and augmented with the per-dimension maximum of free room
 * below each node, so that finding the leftmost fitting host descends like
 * first fit instead of weighing every host of similar room, which the
 * segment tree's branch and bound has to do. Across shapes the candidates'
 * scores decide.
 *
 * It is kept only once started (a cluster starts it at its first best-fit
 * query), so strategies that never ask do not pay for its updates. Up to
 * FITORDER_MAX_SHAPES shapes; a cluster with more distinct shapes turns
 * the order off for good (queries answer -ENOTSUP and callers use
 * fitidx_best). 36 bytes per host plus one byte of shape. Embedded:
 * fitorder_init / fitorder_done.
 */
#define FITORDER_MAX_SHAPES 16
#define FITORDER_NIL UINT32_MAX
#define FITORDER_NONE UINT8_MAX /* shape of a host not in the order */

/* Free room is kept as 16-bit codes that only round up: values below 2048
 * exactly, larger ones with 11 significant bits (m * 2^e, code 1024 e + m),
 * negative ones as 0; code order is value order. A code is an upper bound,
 * so a host the codes admit is confirmed by the caller's exact check. */
struct fitorder_node {
	uint32_t key_hi, key_lo; /* s, order-preserving bits; then host id */
	uint32_t l, r, p; /* children and parent, FITORDER_NIL if none */
	uint16_t max[RES_NDIM]; /* free room below (codes) */
	uint16_t own[RES_NDIM]; /* this host's free room (codes) */
};

struct fitorder_shape {
	double inv_lim[RES_NDIM]; /* as in struct fitleaf */
	uint32_t root;
	uint32_t n; /* hosts in it; a shape left empty is reused */
};

struct fitorder {
	struct fitorder_node *nodes; /* n_alloc, indexed by host id */
	uint8_t *shape; /* n_alloc: shape of each host, or FITORDER_NONE */
	uint32_t cap; /* hosts it can hold */
	uint32_t n_alloc; /* hosts the arrays hold: cap once started, or 0 */
	uint32_t n_shapes;
	bool on; /* started: kept up to date */
	bool off; /* gave up for good (too many shapes or too deep) */
	struct fitorder_shape shapes[FITORDER_MAX_SHAPES];
};

void fitorder_init(struct fitorder *o);
void fitorder_done(struct fitorder *o);

/* Makes room for hosts [0, n); new hosts are not in the order. 0 or
 * -ENOMEM (unchanged). Amortised O(1) per host; no memory is taken before
 * fitorder_start. */
int fitorder_resize(struct fitorder *o, uint32_t n);

/* Starts keeping the order: until then it holds nothing and fitorder_set
 * ignores updates (first fit never pays for it). The caller then sets
 * every host. 0 (also when started or off) or -ENOMEM. */
int fitorder_start(struct fitorder *o);

/* Host i (< the capacity) now has leaf summary l, or is unavailable when l
 * is NULL. O(log n) expected; nothing before fitorder_start or once off. */
void fitorder_set(struct fitorder *o, uint32_t i, const struct fitleaf *l);

/* The best-fit host for need: the highest fit_tight_score among up hosts
 * whose free room may hold need (by the codes) and that pass accept (which
 * must check the room exactly), the least s
 * and then the lowest id among equals within a shape, the lowest id among
 * equal scores across shapes. 0 and *ret, -ENOSPC, or -ENOTSUP when the
 * order is not started or off. */
int fitorder_tightest(const struct fitorder *o, const struct res *need,
    bool (*accept)(uint32_t leaf, void *actx), void *actx, uint32_t *ret);

/* Bytes the order holds. */
size_t fitorder_bytes(const struct fitorder *o);

#endif
