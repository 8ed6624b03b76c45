/* best_fit.c - need-based best fit: the host left tightest by the VM. */
#include "place/registry.h"

static int
bf_place(void *state, const struct cluster *c, vm_id v,
    struct place_decision *ret, struct why *why)
{
	(void)state;
	if (cluster_find_tightest(c, v, &ret->host) == 0)
		return 0;
	return place_refuse(c, v, why);
}

const struct place_ops place_best_fit = {
	.name = "best-fit",
	.summary = "need-based: the host left tightest, room left summed over "
		   "dimensions as shares of each limit",
	.place = bf_place,
};
