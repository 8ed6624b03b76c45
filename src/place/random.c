/* random.c - seeded random placement, the baseline every strategy must beat. */
#include "place/registry.h"

#include "core/rng.h"

#include <stdlib.h>

/* Probes from a random host id and takes the first host from there (wrapping
 * around) that can take the VM. Uniform over starting points, not over
 * hosts: a host after a long run of full ones is likelier. The seed fixes
 * the sequence. */
static int
rnd_init(const struct params *p, uint64_t seed, void **ret_state)
{
	struct rng *r = malloc(sizeof(*r));

	(void)p;
	if (!r)
		return -ENOMEM;
	rng_init(r, seed);
	*ret_state = r;
	return 0;
}

static void
rnd_fini(void *state)
{
	free(state);
}

static int
rnd_place(void *state, const struct cluster *c, vm_id v,
    struct place_decision *ret, struct why *why)
{
	host_id start;

	if (c->n_hosts == 0)
		return place_refuse(c, v, why);
	start = (host_id)rng_below(state, c->n_hosts);
	if (cluster_find_first(c, v, start, &ret->host) == 0 ||
	    cluster_find_first(c, v, 0, &ret->host) == 0)
		return 0;
	return place_refuse(c, v, why);
}

const struct place_ops place_random = {
	.name = "random",
	.summary = "baseline: the first host with room from a seeded random "
		   "starting point",
	.init = rnd_init,
	.fini = rnd_fini,
	.place = rnd_place,
};
