/* fcfs.c - first-come-first-served admission: arrival order, no overtaking. */
#include "sched/registry.h"

static const struct param_spec fcfs_params[] = {
	{ "backfill", PARAM_BOOL, "false", 0, 0, NULL,
	    "let later VMs start when the head of the queue does not fit" },
};

static int
fcfs_init(const struct params *p, uint64_t seed, void **ret_state)
{
	(void)seed;
	/* The state is just the backfill flag, boxed in the pointer. */
	*ret_state = params_bool(p, "backfill") ? (void *)1 : NULL;
	return 0;
}

static int
fcfs_pick(void *state, const struct cluster *c, const struct sched_queue *q,
    uint64_t now_ns, uint32_t max, struct sched_pick *ret)
{
	(void)c;
	(void)now_ns;
	ret->strict = state == NULL;
	return sched_pick_prefix(q, max, ret);
}

const struct sched_ops sched_fcfs = {
	.name = "fcfs",
	.summary = "first come, first served: arrival order; the head of the "
		   "queue blocks the rest",
	.params = fcfs_params,
	.n_params = ELEMENTSOF(fcfs_params),
	.init = fcfs_init,
	.pick = fcfs_pick,
};
