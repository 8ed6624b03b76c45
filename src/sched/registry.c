/* registry.c - every admission policy, one line each, sorted by name. */
#include "sched/registry.h"

static const struct sched_ops *const registry[] = {
	&sched_fcfs,
	&sched_knapsack,
	&sched_priority,
	&sched_rr,
};

const struct sched_ops *const *
sched_registry(uint32_t *ret_n)
{
	*ret_n = ELEMENTSOF(registry);
	return registry;
}
