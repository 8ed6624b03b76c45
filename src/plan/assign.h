/* assign.h - the assignment ILP: place a batch of VMs, and re-place the
 * running ones within a migration budget, at least host cost (CBC). */
#ifndef PLAN_ASSIGN_H
#define PLAN_ASSIGN_H

#include "core/clock.h"
#include "model/cluster.h"

#include <stdbool.h>
#include <stdint.h>

#define ASSIGN_UNLIMITED UINT32_MAX

struct assign_opts {
	const struct clock *clk; /* NULL: no time limit */
	uint64_t limit_ns; /* wall clock for the whole call; 0: none */
	const double *host_cost; /* per host (> 0); NULL: 1 each */
	bool n_plus_one; /* keep the N+1 reserve (pstate.h) */
	bool consolidate; /* running VMs may move */
	uint32_t max_migrations; /* ASSIGN_UNLIMITED: any number */
	uint32_t target_hosts; /* 0: minimise cost; else: at most this many
				* hosts in use, fewest migrations */
	const host_id *warm; /* per VM of the cluster: a heuristic plan (the
			      * batch placed by an allocation strategy,
			      * running VMs where they run), or NULL */
	uint32_t vars_max; /* above this many assignment variables, no ILP:
			    * the warm start and the bounds. 0: 200000 */
	bool verbose; /* let CBC log to standard output */
};

enum assign_status {
	ASSIGN_OPTIMAL, /* proven: objective == bound */
	ASSIGN_LIMIT, /* the time limit stopped CBC: best plan + bound */
	ASSIGN_HEURISTIC, /* no ILP (too large, or CBC found nothing better):
			   * the warm start and the combinatorial bound */
	ASSIGN_INFEASIBLE, /* proven: no plan meets target_hosts or the
			    * budget (the warm start is returned) */
};

/*
 * A plan. target[v] is every VM's host in the plan (HOST_NONE: not
 * placed); VMs outside the problem keep their current host. Cost counts
 * the hosts that hold at least one VM in the plan. `bound` is a proven
 * lower bound on the objective (cost, or migrations with target_hosts)
 * over all plans that leave as many batch VMs unplaced (and
 * unplaced_proven says whether fewer unplaced is impossible; OPTIMAL needs
 * both); gap = (objective - bound) / objective (0 when both are 0).
 * Embedded: release with assign_result_done.
 */
struct assign_result {
	host_id *target; /* n_vms */
	uint32_t n_vms;
	enum assign_status status;
	uint32_t placed, unplaced; /* of the batch */
	bool unplaced_proven; /* no plan places more of the batch */
	uint32_t migrations; /* running VMs whose host changes */
	uint32_t hosts_used;
	double cost;
	double objective, bound, gap;
	double lp_bound; /* the LP relaxation (-1 if not solved) */
	double comb_bound; /* combinatorial (-1 if it does not apply) */
	double warm_objective; /* of the warm start (-1 if none) */
	uint32_t vars, rows;
	double seconds; /* wall clock spent (0 without a clock) */
};

/*
 * Builds and solves the assignment ILP for the VMs batch[0..n_batch)
 * (pending, in c) and, with o->consolidate, every running VM:
 *   x[v,h] = 1 when v goes to h, for hosts h that are up (or already hold
 *   v), have v's labels, and can hold v beside what stays; y[h] = 1 when
 *   h holds a VM (forced for hosts keeping VMs that do not move);
 *   u[v] = 1 when batch VM v stays unplaced (penalised above any cost).
 *   Capacity with overcommit (the host's limit) in every dimension;
 *   affinity (the placed members of a group share the one host whose
 *   z[g,h] is set; a batch member may stay unplaced, as with
 *   cluster_check); anti-affinity (at most one member per host); the migration budget
 *   sum over running v of x[v, its host] >= running - K; the N+1 reserve
 *   as one linear row per up host and dimension (through an auxiliary
 *   total-placed variable); identical empty hosts are opened in order.
 * Minimises sum cost[h] y[h] (then migrations), or with target_hosts the
 * migrations subject to sum y <= target. CBC gets the warm start (its
 * columns have unique names, or it would silently drop it), the time left
 * (wall clock: timeMode elapsed) and a silent log. The plan returned is
 * re-checked against every constraint before it is returned; a plan CBC
 * did not improve is the best of the warm start, a first fit of the
 * batch in VM order under every constraint, and the current placement.
 * 0 and *ret, -EINVAL for a bad option (a host cost <= 0, a warm start
 * naming a host out of range), -ENOMEM.
 */
int assign_solve(const struct cluster *c, const vm_id *batch, uint32_t n_batch,
    const struct assign_opts *o, struct assign_result *ret);

void assign_result_done(struct assign_result *r);

/* "optimal", "time limit", "heuristic", "infeasible". */
const char *assign_status_name(enum assign_status s);

#endif
