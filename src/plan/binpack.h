/* binpack.h - solve a packing instance: bounds, heuristics, then column
 * generation until the packing is proven optimal or time runs out. */
#ifndef PLAN_BINPACK_H
#define PLAN_BINPACK_H

#include "model/instance.h"
#include "plan/bincomp.h"
#include "plan/bounds.h"
#include "plan/bpp.h"
#include "plan/colgen.h"
#include "plan/deadline.h"
#include "plan/heur.h"

#include <stdbool.h>
#include <stdint.h>

struct binpack_opts {
	const struct clock *clk; /* NULL: no time limit */
	uint64_t limit_ns; /* 0: none */
	uint64_t seed;
	bool no_colgen; /* heuristics and bounds only */
};

/*
 * The outcome. `bins` is the best packing found (always one: the
 * heuristics run first), `lower_bound` the best proven bound, `optimal`
 * when they meet. Embedded: binpack_result_done frees the packing.
 */
struct binpack_result {
	uint32_t bins;
	uint64_t lower_bound;
	bool optimal;
	struct bounds bounds; /* the combinatorial bounds */
	enum heur_rule heuristic; /* the rule of the first incumbent */
	uint32_t heuristic_bins;
	struct colgen_stats colgen; /* zero if column generation did not run */
	bool ran_colgen;
	struct bpp_sol sol; /* over the types of `problem` */
	struct bpp *problem; /* owned */
};

/*
 * Solves in: every combinatorial bound, every heuristic (stopping as soon
 * as one meets the bound), bin completion when the bound leaves less than
 * a bin of room or the instance is small (it may also prove the bound
 * infeasible and raise it), then column generation (colgen.h) with what
 * time is left. Every dimension count up to INSTANCE_DIMS_MAX works; the
 * pricing is exact in one dimension (DP, or a Pareto list for large
 * capacities) and greedy, then branch and bound, otherwise. The time
 * limit is wall clock on o->clk and holds within a few milliseconds
 * (CBC's phases that ignore the clock are kept small). 0 and *ret filled
 * (release with binpack_result_done), or -ENOMEM / -EIO (the LP solver
 * failed).
 */
int binpack_solve(const struct instance *in, const struct binpack_opts *o,
    struct binpack_result *ret);

void binpack_result_done(struct binpack_result *r);

#endif
