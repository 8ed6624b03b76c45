/* fitidx.h - capacity index: which hosts can take a vector, and the best of them. */
#ifndef MODEL_FITIDX_H
#define MODEL_FITIDX_H

#include "model/resource.h"

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/*
 * What the index knows of one host. The rest feeds strategies' bounds:
 *   s        = sum over dimensions of free/limit (relative free room, 0..4);
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

/* The grid a node's `shape` and `s_row_*` summaries use. */
#define FIT_CPU_LEVELS 8 /* 500m doubling to 64 cores */
#define FIT_MEM_LEVELS 16 /* 512 MiB growing by sqrt 2 to 90 GiB */

/*
 * A node summarises its subtree so that every field is a valid bound
 * (maxima rounded up, minima rounded down):
 *   max      per-dimension maximum of free room, saturated at INT32_MAX
 *            (which then bounds nothing) and -1 when no host below is up;
 *   shape    which (cpu, memory) pairs one single host below can hold
 *            together, on the grid: bit i*16+j is set when a host has
 *            cpu >= CPU[i] and memory >= MEM[j] free. Maxima alone let a
 *            subtree look roomy when one host has the CPU and another the
 *            memory; a demand rounded down to the grid whose bit is clear
 *            fits no host below;
 *   s_min/s_max  range of s;
 *   s_row_cpu[i] lower bound of s over hosts with cpu >= CPU[i] free, and
 *   s_row_mem[j] over hosts with memory >= MEM[2j] free, quantised (see
 *            fitnode_s_min_fit): the least relative room among hosts that
 *            might hold a demand, which hosts too full to hold it cannot
 *            drag down;
 *   inv_lim_min/max, perf_max, load_min.
 * 96 bytes.
 */
struct fitnode {
	int32_t max[RES_NDIM];
	uint64_t shape[2];
	float s_min, s_max;
	float inv_lim_min[RES_NDIM];
	float inv_lim_max[RES_NDIM];
	uint32_t perf_max;
	float load_min;
	uint8_t s_row_cpu[FIT_CPU_LEVELS];
	uint8_t s_row_mem[FIT_CPU_LEVELS];
};

/*
 * A segment tree over host ids in the (l + r) | (l != r) layout: a range of
 * `cap` leaves takes 2 * cap nodes, and capacity grows by an eighth, so the
 * index holds at most 2.25 nodes (216 bytes) per host.
 * Subtrees that cannot hold a demand are skipped whole, so queries descend
 * instead of scanning. Owned by a cluster; embedded: fitidx_init /
 * fitidx_done.
 */
struct fitidx {
	uint32_t cap; /* leaves: ids [0, cap) */
	struct fitnode *nodes; /* 2 * cap once started, else NULL */
	bool on; /* started: kept up to date */
	bool rows; /* s_row_* kept (else 255 everywhere) */
};

/* A best-host query: maximise score over leaves that fit `need` and pass
 * accept; bound(node) must be >= the score of every leaf below it that can
 * hold need. */
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
 * unavailable. 0 or -ENOMEM (index unchanged). Amortised O(1) per leaf;
 * before fitidx_start it only counts. */
int fitidx_resize(struct fitidx *x, uint32_t n);

/* Starts keeping the index, every leaf unavailable; the caller then sets
 * the available ones. Until started the index holds no memory and
 * fitidx_set does nothing, so an owner that never queries it never pays
 * for its updates. 0 (also when started) or -ENOMEM. Queries need a
 * started index. */
int fitidx_start(struct fitidx *x);

/* Sets leaf i (< cap) from l, or makes it unavailable when l is NULL, and
 * updates its ancestors. O(log cap); nothing before fitidx_start. */
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

/* Starts keeping the s_row_* summaries (O(cap), once). They serve only a
 * branch and bound for best fit, which a cluster needs only when its
 * best-fit order is off; until then no update pays for them. */
void fitidx_keep_rows(struct fitidx *x);

/* The rows of s_row_cpu / s_row_mem that cover every host able to hold a
 * demand (-1: none applies, which is all of them while x keeps no rows);
 * computed once per query. */
struct fit_rows {
	int8_t cpu, mem;
};
void fit_rows_of(
    const struct fitidx *x, const struct res *need, struct fit_rows *ret);

/* A lower bound of s over the hosts below n that could hold the demand
 * whose rows are given: the larger of s_min and those rows. */
double fitnode_s_min_fit(const struct fitnode *n, const struct fit_rows *rows);

/* Best fit's score of a host with relative free room s and 1/limit
 * inv_lim for a demand x: minus the relative room left after placing x,
 * -(s - sum_d x_d * inv_lim_d). Every best-fit path computes it here, so
 * they agree to the last bit. */
static inline double
fit_tight_score(double s, const double *inv_lim, const struct res *x)
{
	for (int d = 0; d < RES_NDIM; d++)
		s -= (double)x->v[d] * inv_lim[d];
	return -s;
}

/* Bytes the index holds. */
size_t fitidx_bytes(const struct fitidx *x);

#endif
