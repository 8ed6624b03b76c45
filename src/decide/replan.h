/* replan.h - one optimal re-plan of a cluster: the allocation strategy's warm start, the assignment ILP, a safe migration order; shared by `vmgr plan` and vmgrd's /v1/plans. */
#ifndef DECIDE_REPLAN_H
#define DECIDE_REPLAN_H

#include "core/diag.h"
#include "model/cluster.h"
#include "plan/assign.h"
#include "plan/migrate.h"

#include <jansson.h>
#include <stdbool.h>
#include <stdint.h>

struct replan_opts {
	const char *strategy; /* allocation strategy of the warm start */
	const char *params; /* its key=value list, or NULL */
	uint64_t seed;
	double limit_s; /* wall clock for the solver (> 0) */
	uint32_t max_migrations; /* ASSIGN_UNLIMITED: any number */
	uint32_t target_hosts; /* 0: least cost; else at most N hosts */
	bool n_plus_one;
	bool verbose; /* CBC logs to standard output */
};

/* Embedded: release with replan_done. */
struct replan {
	struct assign_result res;
	struct migrate_plan mp;
	int order_rc; /* 0, or -EDEADLK: no safe order (blocked waits) */
	vm_id blocked;
	bool *freed; /* per host: holds VMs now, none in the plan */
	uint32_t n_freed;
};

/*
 * Plans c: the VMs batch[0..n_batch) (pending) are placed, the running VMs
 * may move within the budget. The warm start is the strategy placing the
 * batch in order (reserved one by one, then released: c is as before on
 * return), improved by the greedy consolidation; then assign_solve and
 * migrate_order. 0 and *ret; -EINVAL with d naming the strategy or its
 * parameters when they are wrong; -ENOMEM; another -errno from the solver
 * or the ordering, with d saying which.
 */
int replan_run(struct cluster *c, const vm_id *batch, uint32_t n_batch,
    const struct replan_opts *o, struct replan *ret, struct diag *d);

void replan_done(struct replan *r);

/*
 * The plan as JSON: status, cost, bound, gap, hosts_used,
 * migrations_count, unplaced_count, lp_bound, combinatorial_bound,
 * warm_start_cost, seconds, variables, rows, placements [{vm, host}] of
 * the batch, migrations [{vm, from, to, step, temporary}] in order,
 * migration_order ("safe" | "impossible", then blocked), unplaced (names),
 * freed_hosts (names). NULL when out of memory.
 */
json_t *replan_json(const struct cluster *c, const vm_id *batch,
    uint32_t n_batch, const struct replan *r);

#endif
