/* binpack.c - the packing solver's driver: bounds, heuristics, colgen. */
#include "plan/binpack.h"

#include <string.h>

#define BINCOMP_NODES_TIGHT 2000000u /* under a bin of room: worth it */
#define BINCOMP_NODES_LOOSE 50000u /* otherwise: small instances only */
#define BINCOMP_ITEMS_LOOSE 100u

/* Room a packing into lb bins leaves, in bins (summed over dimensions). */
static double
room(const struct bpp *p, uint64_t lb)
{
	double x = 0;

	for (uint32_t k = 0; k < p->d; k++) {
		int64_t total = 0;

		for (uint32_t t = 0; t < p->m; t++)
			total += bpp_size(p, t)[k] * (int64_t)p->b[t];
		x += (double)((int64_t)lb * p->cap[k] - total) /
		    (double)p->cap[k];
	}
	return x;
}

int
binpack_solve(const struct instance *in, const struct binpack_opts *o,
    struct binpack_result *ret)
{
	struct binpack_result res;
	struct deadline dl;
	uint64_t lb;
	int r;

	memset(&res, 0, sizeof(res));
	bpp_sol_init(&res.sol);
	deadline_init(&dl, o->clk, o->limit_ns);
	r = bpp_from_instance(in, &res.problem);
	if (r < 0)
		return r;
	r = bounds_compute(res.problem, &res.bounds);
	if (r < 0)
		goto fail;
	lb = res.bounds.best;
	r = heur_pack(
	    res.problem, NULL, (uint32_t)lb, &dl, &res.sol, &res.heuristic);
	if (r < 0)
		goto fail;
	res.heuristic_bins = res.sol.n_bins;
	/* Bin completion settles near-full instances (zero waste: triplets)
	 * at once, and may prove the bound infeasible. */
	while (res.sol.n_bins > lb && !o->no_colgen && !deadline_passed(&dl)) {
		enum bincomp_result br;
		bool tight = room(res.problem, lb) < 1.0;

		if (!tight && res.problem->n > BINCOMP_ITEMS_LOOSE)
			break;
		r = bincomp_solve(res.problem, (uint32_t)lb,
		    tight ? BINCOMP_NODES_TIGHT : BINCOMP_NODES_LOOSE, &dl,
		    &res.sol, &br);
		if (r < 0)
			goto fail;
		if (br == BINCOMP_INFEASIBLE)
			lb++;
		else
			break;
	}
	if (res.sol.n_bins > lb && !o->no_colgen && !deadline_passed(&dl)) {
		res.ran_colgen = true;
		r = colgen_solve(
		    res.problem, o->seed, &dl, &lb, &res.sol, &res.colgen);
		if (r < 0)
			goto fail;
	}
	res.bins = res.sol.n_bins;
	res.lower_bound = lb;
	res.optimal = res.bins <= lb;
	*ret = res;
	return 0;
fail:
	binpack_result_done(&res);
	return r;
}

void
binpack_result_done(struct binpack_result *r)
{
	bpp_sol_done(&r->sol);
	r->problem = bpp_free(r->problem);
}
