/* registry.h - the admission policies' ops tables, declared for registry.c. */
#ifndef SCHED_REGISTRY_H
#define SCHED_REGISTRY_H

#include "sched/sched.h"

extern const struct sched_ops sched_fcfs;
extern const struct sched_ops sched_knapsack;
extern const struct sched_ops sched_priority;
extern const struct sched_ops sched_rr;

#endif
