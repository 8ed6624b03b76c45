/* first_fit.c - need-based first fit: the lowest-numbered host with room. */
#include "place/place.h"
#include "place/registry.h"

static int
ff_init(const struct params *p, uint64_t seed, void **ret_state)
{
	(void)p;
	(void)seed;
	*ret_state = NULL;
	return 0;
}

static int
ff_place(void *state, const struct cluster *c, vm_id v,
    struct place_decision *ret, struct why *why)
{
	const struct vm *vm = cluster_vm(c, v);
	host_id h = 0;

	(void)state;
	/* The index skips hosts without room; the remaining constraints
	 * (labels, groups) are checked on each candidate in order. */
	while (cluster_first_fit(c, &vm->demand, h, &h) == 0) {
		if (cluster_check(c, v, h, NULL) == 0) {
			ret->host = h;
			return 0;
		}
		h++;
	}
	return place_refuse(c, v, why);
}

const struct place_ops place_first_fit = {
    .name = "first-fit",
    .summary = "need-based: the first host, in host order, that has room",
    .init = ff_init,
    .place = ff_place,
};
