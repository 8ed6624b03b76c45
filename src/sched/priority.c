/* priority.c - priority admission: highest priority first, FCFS among equals. */
#include "sched/registry.h"

static const struct param_spec prio_params[] = {
	{ "backfill", PARAM_BOOL, "false", 0, 0, NULL,
	    "let lower-priority VMs start when a higher one does not fit" },
};

static int
prio_init(const struct params *p, uint64_t seed, void **ret_state)
{
	(void)seed;
	*ret_state = params_bool(p, "backfill") ? (void *)1 : NULL;
	return 0;
}

static int
by_priority(const struct cluster *c, const struct sched_entry *a,
    const struct sched_entry *b)
{
	int32_t pa = cluster_vm(c, a->vm)->priority;
	int32_t pb = cluster_vm(c, b->vm)->priority;

	if (pa != pb)
		return pa > pb ? -1 : 1;
	return a->seq < b->seq ? -1 : a->seq > b->seq;
}

static int
prio_pick(void *state, const struct cluster *c, const struct sched_queue *q,
    uint64_t now_ns, uint32_t max, struct sched_pick *ret)
{
	(void)now_ns;
	ret->strict = state == NULL;
	return sched_pick_sorted(c, q, by_priority, max, ret);
}

const struct sched_ops sched_priority = {
	.name = "priority",
	.summary = "highest priority first, first come first served among "
		   "equals; a blocked VM blocks lower ones",
	.params = prio_params,
	.n_params = ELEMENTSOF(prio_params),
	.init = prio_init,
	.pick = prio_pick,
};
