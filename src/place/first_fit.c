/* first_fit.c - need-based first fit: the lowest-numbered host with room. */
#include "place/registry.h"

static int
ff_place(void *state, const struct cluster *c, vm_id v,
    struct place_decision *ret, struct why *why)
{
	(void)state;
	/* The index skips subtrees without room; candidates that have room
	 * are checked against every other constraint in host order. */
	if (cluster_find_first(c, v, 0, &ret->host) == 0)
		return 0;
	return place_refuse(c, v, why);
}

const struct place_ops place_first_fit = {
	.name = "first-fit",
	.summary = "need-based: the first host, in host order, that has room",
	.place = ff_place,
};
