/* colgen.h - column generation for (vector) bin packing: the Gilmore-Gomory
 * pattern LP solved with Clp, knapsack pricing, diving, and CBC on the
 * generated patterns. */
#ifndef PLAN_COLGEN_H
#define PLAN_COLGEN_H

#include "plan/bpp.h"
#include "plan/deadline.h"

#include <stdbool.h>
#include <stdint.h>

struct colgen_stats {
	double lp; /* root LP value (0 if not solved) */
	bool lp_exact; /* pricing proved the root LP optimal */
	uint64_t lp_bound; /* proven bound from the LP (ceil, or Farley's) */
	uint32_t columns, iterations, dives;
	bool improved_by_dive, improved_by_mip;
};

/*
 * Tries to close the gap between *lb and best->n_bins (best must hold a
 * packing of p): solves the pattern LP by column generation (pricing:
 * dense DP or a Pareto list in one dimension, greedy fills then branch
 * and bound in several; Wentges smoothing), raises *lb to ceil(LP) when
 * pricing proves the LP optimal (or to Farley's bound on the way); when
 * the bound leaves under a bin of room, enumerates the nearly full bins
 * and lets CBC find an exact cover; then improves *best by diving (fix
 * the patterns the LP uses, within the waste a better packing can
 * afford; re-price the rest; complete with the fast heuristics) and by
 * CBC on the pattern pool, until best->n_bins == *lb or the deadline
 * passes (without a deadline, after 17 dives). seed varies the later
 * dives. Returns 0 or -ENOMEM / -EIO; *best and *lb only ever improve and
 * stay valid.
 */
int colgen_solve(const struct bpp *p, uint64_t seed, const struct deadline *dl,
    uint64_t *lb, struct bpp_sol *best, struct colgen_stats *ret);

#endif
