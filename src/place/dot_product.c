/* dot_product.c - vector packing by the dot product of demand and free room. */
#include "place/registry.h"

#include <math.h>

/*
 * Panigrahy et al.'s DotProduct heuristic for multi-resource packing: the
 * host whose free vector is best aligned with the demand, both normalised
 * per dimension by the host's limit:
 *   score(h) = sum_d (x_d / limit_hd) * (free_hd / limit_hd).
 * Bound per subtree: sum_d x_d * max_free_d * max(1/limit_d)^2.
 */
struct dp_ctx {
	const struct cluster *c;
	const struct res *x;
};

static double
dp_bound(const struct fitnode *n, void *ctx)
{
	const struct dp_ctx *p = ctx;
	double ub = 0;

	for (int d = 0; d < RES_NDIM; d++) {
		if (p->x->v[d] == 0)
			continue;
		if (n->max[d] == INT32_MAX) /* saturated: no bound */
			return INFINITY;
		ub += (double)p->x->v[d] * (double)n->max[d] *
		    (double)n->inv_lim_max[d] * (double)n->inv_lim_max[d];
	}
	return ub;
}

static double
dp_score(host_id h, void *ctx)
{
	const struct dp_ctx *p = ctx;
	struct fitleaf l;
	double s = 0;

	cluster_host_leaf(p->c, h, &l);
	for (int d = 0; d < RES_NDIM; d++)
		s += (double)p->x->v[d] * l.inv_lim[d] * (double)l.free.v[d] *
		    l.inv_lim[d];
	return s;
}

static int
dp_place(void *state, const struct cluster *c, vm_id v,
    struct place_decision *ret, struct why *why)
{
	struct dp_ctx p = { c, &cluster_vm(c, v)->demand };
	struct cluster_scorer s = { dp_bound, dp_score, &p };

	(void)state;
	if (cluster_find_best(c, v, &s, &ret->host) == 0)
		return 0;
	return place_refuse(c, v, why);
}

const struct place_ops place_dot_product = {
	.name = "dot-product",
	.summary = "vector packing: the host whose free room (per dimension, "
		   "as a share of its limit) best aligns with the demand",
	.place = dp_place,
};
