/* rr.c - round-robin admission: VMs take turns in time slices when capacity is short. */
#include "sched/registry.h"

#include "core/clock.h"

#include <stdlib.h>

static const struct param_spec rr_params[] = {
	{ "slice_s", PARAM_DOUBLE, "60", 0.001, 86400.0, NULL,
	    "seconds a VM runs while others wait before it yields its place" },
};

struct rr {
	uint64_t slice_ns;
};

static int
rr_init(const struct params *p, uint64_t seed, void **ret_state)
{
	struct rr *s = malloc(sizeof(*s));

	(void)seed;
	if (!s)
		return -ENOMEM;
	s->slice_ns =
	    (uint64_t)(params_double(p, "slice_s") * (double)NS_PER_S);
	*ret_state = s;
	return 0;
}

static void
rr_fini(void *state)
{
	free(state);
}

static int
rr_pick(void *state, const struct cluster *c, const struct sched_queue *q,
    uint64_t now_ns, uint32_t max, struct sched_pick *ret)
{
	(void)state;
	(void)c;
	(void)now_ns;
	/* The queue is a ring: a VM whose slice ended re-enters at the back,
	 * so arrival order into the queue is the round-robin order. */
	ret->strict = true;
	return sched_pick_prefix(q, max, ret);
}

static uint64_t
rr_slice_ns(void *state)
{
	return ((const struct rr *)state)->slice_ns;
}

const struct sched_ops sched_rr = {
	.name = "rr",
	.summary = "round robin: waiting and running VMs take turns in time "
		   "slices of slice_s seconds",
	.params = rr_params,
	.n_params = ELEMENTSOF(rr_params),
	.init = rr_init,
	.fini = rr_fini,
	.pick = rr_pick,
	.slice_ns = rr_slice_ns,
};
