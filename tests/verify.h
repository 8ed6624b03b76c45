/* verify.h - an independent checker for plans: it replays a plan on a
 * fresh copy of the cluster through the model's own cluster_* calls (not
 * the planner's code) and checks the N+1 reserve with its own arithmetic.
 * Header-only; each test program includes it once. */
#ifndef TESTS_VERIFY_H
#define TESTS_VERIFY_H

#include "model/cluster.h"
#include "plan/migrate.h"

#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* A copy of c built from its public fields: hosts, VMs (groups by name)
 * and current placements (hosts that are not up take their VMs while up,
 * then get their state back). NULL on failure. */
static inline struct cluster *
verify_clone(const struct cluster *c)
{
	struct cluster *k;

	if (cluster_new(&k) < 0)
		return NULL;
	for (host_id h = 0; h < c->n_hosts; h++) {
		const struct host *hs = cluster_host(c, h);
		struct host_spec s = { .name = hs->name,
			.cap = hs->cap,
			.state = HOST_UP,
			.perf_milli = hs->perf_milli,
			.labels = &hs->labels };

		memcpy(s.overcommit_milli, hs->overcommit_milli,
		    sizeof(s.overcommit_milli));
		if (cluster_add_host(k, &s, NULL) < 0)
			return cluster_free(k);
	}
	for (vm_id v = 0; v < c->n_vms; v++) {
		const struct vm *vm = cluster_vm(c, v);
		struct vm_spec s = { .name = vm->name,
			.demand = vm->demand,
			.priority = vm->priority,
			.perf = vm->perf,
			.ha = vm->ha,
			.requires = &vm->requires };

		if (vm->affinity != GROUP_NONE)
			s.affinity = cluster_group_name(c, vm->affinity);
		if (vm->anti_affinity != GROUP_NONE)
			s.anti_affinity =
			    cluster_group_name(c, vm->anti_affinity);
		if (cluster_add_vm(k, &s, NULL) < 0)
			return cluster_free(k);
	}
	for (vm_id v = 0; v < c->n_vms; v++)
		if (cluster_vm(c, v)->host != HOST_NONE &&
		    cluster_reserve(k, v, cluster_vm(c, v)->host) < 0)
			return cluster_free(k);
	for (host_id h = 0; h < c->n_hosts; h++)
		cluster_set_host_state(k, h, cluster_host(c, h)->state);
	return k;
}

/* The N+1 invariant, computed from scratch. */
static inline bool
verify_reserve(const struct cluster *c)
{
	int64_t total[RES_NDIM] = { 0 };

	for (host_id h = 0; h < c->n_hosts; h++) {
		const struct host *hs = cluster_host(c, h);

		if (hs->state != HOST_UP)
			continue;
		for (int d = 0; d < RES_NDIM; d++) {
			int64_t f = hs->limit.v[d] - hs->alloc.v[d];

			total[d] += f > 0 ? f : 0;
		}
	}
	for (host_id h = 0; h < c->n_hosts; h++) {
		const struct host *hs = cluster_host(c, h);
		int64_t ha[RES_NDIM] = { 0 };

		if (hs->state != HOST_UP)
			continue;
		for (vm_id v = hs->first_vm; v != VM_NONE;
		     v = cluster_vm(c, v)->next_on_host)
			if (cluster_vm(c, v)->ha)
				for (int d = 0; d < RES_NDIM; d++)
					ha[d] += cluster_vm(c, v)->demand.v[d];
		for (int d = 0; d < RES_NDIM; d++) {
			int64_t f = hs->limit.v[d] - hs->alloc.v[d];

			if (ha[d] > total[d] - (f > 0 ? f : 0))
				return false;
		}
	}
	return true;
}

/*
 * Replays a plan on a copy of c: the migrations in order (each batch: the
 * destination must hold the batch's whole demand while the sources still
 * hold it; then the sources are released and every member reserved on the
 * destination through cluster_reserve, which checks state, labels,
 * groups and capacity; then the N+1 reserve if asked), then the new VMs
 * batch[] onto target[] one by one the same way. At the end every VM must
 * be on target[v]. Returns NULL when the plan passes, else a static
 * sentence saying what failed (why[] is filled with details).
 */
static inline const char *
verify_plan(const struct cluster *c, const vm_id *batch, uint32_t n_batch,
    const host_id *target, const struct migrate_plan *mp, bool n_plus_one,
    char *why, size_t why_len)
{
	struct cluster *k = verify_clone(c);
	const char *fail = NULL;

	why[0] = '\0';
	if (!k)
		return "cannot copy the cluster";
	for (uint32_t i = 0; i < mp->n && !fail;) {
		uint32_t j = i;
		host_id to = mp->v[i].to;
		struct res need = { { 0 } }, free;

		while (j < mp->n && mp->v[j].batch == mp->v[i].batch)
			j++;
		for (uint32_t s = i; s < j; s++) {
			const struct vm *vm = cluster_vm(k, mp->v[s].vm);

			if (vm->host != mp->v[s].from || mp->v[s].to != to) {
				snprintf(why, why_len,
				    "step %u: %s is on %u, not %u", s, vm->name,
				    vm->host, mp->v[s].from);
				fail = "a step moves a VM from where it is not";
				break;
			}
			res_add(&need, &vm->demand, &need);
		}
		if (fail)
			break;
		host_free_res(cluster_host(k, to), &free);
		if (!res_fits(&need, &free)) {
			snprintf(why, why_len, "step %u: host %s lacks room", i,
			    cluster_host(k, to)->name);
			fail = "a destination is over capacity mid-way";
			break;
		}
		for (uint32_t s = i; s < j; s++)
			cluster_release(k, mp->v[s].vm, VM_QUEUED);
		for (uint32_t s = i; s < j && !fail; s++)
			if (cluster_reserve(k, mp->v[s].vm, to) < 0) {
				snprintf(why, why_len,
				    "step %u: %s refused on %s", s,
				    cluster_vm(k, mp->v[s].vm)->name,
				    cluster_host(k, to)->name);
				fail = "a migration breaks a constraint";
			}
		if (!fail && n_plus_one && !verify_reserve(k)) {
			snprintf(why, why_len, "after step %u", j - 1);
			fail = "a migration breaks the N+1 reserve";
		}
		i = j;
	}
	for (uint32_t i = 0; i < n_batch && !fail; i++) {
		vm_id v = batch[i];

		if (target[v] == HOST_NONE)
			continue;
		if (cluster_reserve(k, v, target[v]) < 0) {
			snprintf(why, why_len, "%s refused on %s",
			    cluster_vm(k, v)->name,
			    cluster_host(k, target[v])->name);
			fail = "a new VM's placement breaks a constraint";
		} else if (n_plus_one && !verify_reserve(k)) {
			snprintf(
			    why, why_len, "placing %s", cluster_vm(k, v)->name);
			fail = "a new VM breaks the N+1 reserve";
		}
	}
	for (vm_id v = 0; v < c->n_vms && !fail; v++)
		if (cluster_vm(k, v)->host != target[v]) {
			snprintf(why, why_len, "%s ends on %u, planned %u",
			    cluster_vm(k, v)->name, cluster_vm(k, v)->host,
			    target[v]);
			fail = "the replay does not end in the plan";
		}
	cluster_free(k);
	return fail;
}

#endif
