/* worst_fit.c - need-based worst fit: the host with the most room left. */
#include "place/registry.h"

/* The mirror of best fit: the largest residual sum_d (free - x) / limit
 * wins. Its bound per subtree is s_max - sum_d x_d * min(1/limit_d). */
struct wf_ctx {
	const struct cluster *c;
	const struct res *x;
};

static double
wf_bound(const struct fitnode *n, void *ctx)
{
	const struct wf_ctx *w = ctx;
	double ub = n->s_max;

	for (int d = 0; d < RES_NDIM; d++)
		ub -= (double)w->x->v[d] * n->inv_lim_min[d];
	return ub;
}

static double
wf_score(host_id h, void *ctx)
{
	const struct wf_ctx *w = ctx;
	struct fitleaf l;
	double res;

	cluster_host_leaf(w->c, h, &l);
	res = l.s;
	for (int d = 0; d < RES_NDIM; d++)
		res -= (double)w->x->v[d] * l.inv_lim[d];
	return res;
}

static int
wf_place(void *state, const struct cluster *c, vm_id v,
    struct place_decision *ret, struct why *why)
{
	struct wf_ctx w = { c, &cluster_vm(c, v)->demand };
	struct cluster_scorer s = { wf_bound, wf_score, &w };

	(void)state;
	if (cluster_find_best(c, v, &s, &ret->host) == 0)
		return 0;
	return place_refuse(c, v, why);
}

const struct place_ops place_worst_fit = {
	.name = "worst-fit",
	.summary = "need-based: the host with the most room left, summed over "
		   "dimensions as shares of each limit",
	.place = wf_place,
};
