/* migrate.h - ordering the migrations that take a cluster from its current
 * placement to a planned one, never over capacity on the way. */
#ifndef PLAN_MIGRATE_H
#define PLAN_MIGRATE_H

#include "model/cluster.h"

#include <stdbool.h>
#include <stdint.h>

/*
 * One live migration: vm goes from `from` to `to`. Steps with the same
 * `batch` run together (an affinity group moves as one: its members are
 * released from the source together and reserved on the destination
 * together). A `temporary` step parks the VM on a host outside the plan to
 * break a cycle of moves waiting on each other; a later step moves it on.
 */
struct migrate_step {
	vm_id vm;
	host_id from, to;
	uint32_t batch;
	bool temporary;
};

/* Embedded: migrate_plan_init / migrate_plan_done. */
struct migrate_plan {
	struct migrate_step *v;
	uint32_t n, cap;
	uint32_t batches;
	uint32_t temporary; /* parking steps */
};

void migrate_plan_init(struct migrate_plan *p);
void migrate_plan_done(struct migrate_plan *p);

/*
 * Orders the moves from c's placement to target[v] (one host per VM of c;
 * a VM that is not running, or whose target is its host, does not move).
 * A move is taken only when its destination can hold the VM at that
 * moment under every hard constraint of cluster_check, and with
 * n_plus_one the N+1 reserve (pstate.h), judged with the VM already on
 * its destination; the source is released after. Moves that can go, go,
 * in VM order; when the rest wait on each other in a cycle, the smallest
 * waiting move parks its VM on the up host with the most room that can
 * take it (each VM parks at most once). Returns 0 with *ret filled (ret
 * must be empty); -EDEADLK when moves remain and nothing can park, with
 * the first waiting VM in *ret_blocked; -EINVAL when target breaks an
 * affinity group (members to different hosts) or names no host for a
 * running VM; -ENOMEM.
 */
int migrate_order(const struct cluster *c, const host_id *target,
    bool n_plus_one, struct migrate_plan *ret, vm_id *ret_blocked);

#endif
