/* bounds.h - combinatorial lower bounds on the bins a packing needs. */
#ifndef PLAN_BOUNDS_H
#define PLAN_BOUNDS_H

#include "plan/bpp.h"

#include <stdint.h>

/*
 * Every bound here is a proven lower bound on the number of bins of any
 * packing of p (none is a guess), computed in exact integer arithmetic.
 *
 * l1          max over dimensions of ceil(total size / capacity).
 * l2          max over dimensions of Martello and Toth's L2 on that
 *             dimension alone (1990): for every threshold K <= C/2, items
 *             larger than C-K each need their own bin, items in (C/2, C-K]
 *             need one bin each, and the items in [K, C/2] fill what those
 *             leave free before opening more.
 * aggregate   L2 on surrogate one-dimensional instances: item size
 *             sum_k lambda_k s_k / C_k for weights lambda >= 0 summing to 1
 *             (uniform, and proportional to each dimension's total), sizes
 *             rounded down so the surrogate stays a relaxation. It catches
 *             bins that are full "on average" over the dimensions.
 * clique      items pairwise unable to share a bin (in some dimension their
 *             sizes exceed the capacity together), found greedily from the
 *             largest: each needs its own bin.
 * best        the maximum of the above.
 */
struct bounds {
	uint64_t l1, l2, aggregate, clique, best;
};

/* Computes every bound of p. 0 or -ENOMEM (ret unchanged). */
int bounds_compute(const struct bpp *p, struct bounds *ret);

/*
 * Martello-Toth L2 of one-dimensional items: n_types sizes s[i] (each in
 * 0..cap) with counts c[i], capacity cap. The sizes need not be sorted.
 * 0 and *ret, or -ENOMEM.
 */
int bounds_l2_1d(const int64_t *s, const uint32_t *c, uint32_t n_types,
    int64_t cap, uint64_t *ret);

#endif
