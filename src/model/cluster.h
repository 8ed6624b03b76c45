/* cluster.h - the hosts and VMs of one cluster, with a capacity index. */
#ifndef MODEL_CLUSTER_H
#define MODEL_CLUSTER_H

#include "core/strmap.h"
#include "core/u32map.h"
#include "model/fitidx.h"
#include "model/fitorder.h"
#include "model/host.h"
#include "model/label.h"
#include "model/resource.h"
#include "model/vm.h"
#include "model/why.h"

#include <stdbool.h>
#include <stdint.h>

#define CLUSTER_NAME_MAX 63 /* bytes in a host, VM or group name */
#define CLUSTER_HOSTS_MAX (UINT32_C(1) << 24)
#define CLUSTER_VMS_MAX (UINT32_C(1) << 28)

/* What it takes to add a host; everything is copied. */
struct host_spec {
	const char *name;
	struct res cap;
	uint32_t overcommit_milli[RES_NDIM]; /* 0 means 1.0 */
	enum host_state state;
	uint32_t perf_milli; /* 0 means 1.0 */
	const struct labels *labels; /* may be NULL */
};

/* What it takes to add a VM; everything is copied. */
struct vm_spec {
	const char *name;
	struct res demand;
	int32_t priority;
	enum perf_class perf;
	const char *affinity; /* group name or NULL */
	const char *anti_affinity; /* group name or NULL */
	bool ha;
	const struct labels *requires; /* may be NULL */
};

/* Affinity and anti-affinity groups are separate namespaces: "web" as an
 * affinity group and "web" as an anti-affinity group are two groups. */
struct group {
	char *key; /* "a:name" or "x:name", the lookup key */
	const char *name; /* key + 2 */
	bool anti;
	uint32_t n_placed;
	struct u32map hosts; /* host_id -> members placed there */
};

/*
 * A cluster owns its hosts, VMs and groups. Ids are dense indexes that stay
 * valid for the cluster's life (deleted VMs keep their slot). Fields are
 * read-only outside cluster.c: every change goes through a cluster_* call so
 * that allocations, VM lists, groups and the capacity index stay consistent.
 * Not thread-safe, not even for queries: the first query that needs an
 * index (the capacity index, the best-fit order) builds it inside the
 * cluster, a cache behind the const.
 */
struct cluster {
	struct host *hosts;
	uint32_t n_hosts, cap_hosts;
	struct vm *vms;
	uint32_t n_vms, cap_vms;
	struct group *groups;
	uint32_t n_groups, cap_groups;
	struct strmap host_names, vm_names, group_names;
	struct fitidx idx;
	struct fitorder
	    order; /* the up hosts per shape by room, for best fit */
	struct res up_free; /* sum of up_free over hosts */
	/* N+1 failover reserve: when on, per dimension an indexed max-heap of
	 * hosts keyed by ha_alloc + up_free (what a host's failure would ask
	 * of the others, plus the room it would take with it). */
	bool n_plus_one;
	uint32_t *heap[RES_NDIM], *heap_pos[RES_NDIM];
	uint32_t heap_cap;
	/* Running VMs per priority, so "is anything preemptible?" is cheap. */
	uint32_t running_by_prio[VM_PRIORITY_MAX - VM_PRIORITY_MIN + 1];
};

/* A new empty cluster in *ret (owned by the caller). 0 or -ENOMEM. */
int cluster_new(struct cluster **ret);

/* Frees c and everything it owns; NULL-safe; returns NULL. */
struct cluster *cluster_free(struct cluster *c);

/* A deep copy of c in *ret (owned by the caller): the same ids, names,
 * states, placements, groups and index, so that a planner can try changes
 * on the copy. 0 or -ENOMEM (nothing allocated). Whoever adds a member that
 * owns memory to struct cluster must deep-copy it here too. */
int cluster_clone(const struct cluster *c, struct cluster **ret);

/* Adds a host. -EINVAL for a bad name, vector or ratio; -EEXIST for a
 * duplicate name; -EOVERFLOW if cap x overcommit leaves range; -E2BIG past
 * CLUSTER_HOSTS_MAX; -ENOMEM. The cluster is unchanged on failure. */
int
cluster_add_host(struct cluster *c, const struct host_spec *s, host_id *ret);

/* Adds a VM in state VM_PENDING. Errors as cluster_add_host. */
int cluster_add_vm(struct cluster *c, const struct vm_spec *s, vm_id *ret);

static inline const struct host *
cluster_host(const struct cluster *c, host_id h)
{
	return &c->hosts[h];
}

static inline const struct vm *
cluster_vm(const struct cluster *c, vm_id v)
{
	return &c->vms[v];
}

/* Name lookups: 0 and *ret, or -ENOENT. */
int cluster_find_host(const struct cluster *c, const char *name, host_id *ret);
int cluster_find_vm(const struct cluster *c, const char *name, vm_id *ret);

/* The name of group g (g < n_groups). */
const char *cluster_group_name(const struct cluster *c, group_id g);

/* Members of g placed on h. */
uint32_t cluster_group_on_host(const struct cluster *c, group_id g, host_id h);

/* Turns the N+1 failover reserve on or off. When on, a placement must leave,
 * for every host h and dimension d, the demand of h's HA VMs no larger than
 * the free room on all other up hosts together (so any one host's HA VMs
 * could restart elsewhere, in aggregate). 0 or -ENOMEM (unchanged). */
int cluster_set_n_plus_one(struct cluster *c, bool on);

/* Can host h take VM v under every hard constraint (state, labels, groups,
 * capacity with overcommit, and the N+1 reserve when on)? 0, or -ENOSPC
 * with every failing reason for h appended to why (may be NULL). A VM
 * already on h counts as fitting there. */
int cluster_check(const struct cluster *c, vm_id v, host_id h, struct why *why);

/* As cluster_check but ignoring the N+1 reserve: for restarting the VMs of
 * a failed host, which is what the reserve is kept for. */
int cluster_check_failover(
    const struct cluster *c, vm_id v, host_id h, struct why *why);

/* As cluster_check, as if the VMs victims[0..n) (all running on h) had
 * been released first. -EINVAL if a victim is not running on h or is v. */
int cluster_check_preempt(const struct cluster *c, vm_id v, host_id h,
    const vm_id *victims, uint32_t n, struct why *why);

/* Appends the reasons of every host that cannot take v. Returns the number
 * of hosts that can. O(hosts): meant for refusals, not for the fast path. */
uint32_t cluster_explain(const struct cluster *c, vm_id v, struct why *why);

/* The lowest host id >= from that is up and whose free capacity holds need,
 * from the index (no scan): 0 and *ret, or -ENOSPC. Other constraints are
 * not considered: follow with cluster_check. */
int cluster_first_fit(const struct cluster *c, const struct res *need,
    host_id from, host_id *ret);

/* The lowest host id >= from that can take v under every hard constraint
 * (cluster_check): 0 and *ret, or -ENOSPC. The index skips hosts without
 * room; affinity and an exhausted N+1 reserve narrow the search to the one
 * host that could still pass. */
int cluster_find_first(
    const struct cluster *c, vm_id v, host_id from, host_id *ret);

/* Scoring for cluster_find_best: bound(n) >= score of every host below n;
 * score(h) is the host's exact score. Both see ctx. */
struct cluster_scorer {
	double (*bound)(const struct fitnode *n, void *ctx);
	double (*score)(host_id h, void *ctx);
	void *ctx;
};

/* The host with the highest score that can take v (cluster_check), the
 * lowest id among equals: 0 and *ret, or -ENOSPC. Branch and bound over
 * the index. */
int cluster_find_best(const struct cluster *c, vm_id v,
    const struct cluster_scorer *s, host_id *ret);

/* Best fit: the host that can take v (cluster_check) and is left with the
 * least relative free room, sum_d (free_d - demand_d) / limit_d (the
 * highest fit_tight_score); among equals the lowest id, except that
 * within one host shape a host with less room before the placement wins a
 * tie that rounding made. 0 and *ret, or -ENOSPC. Descends the per-shape
 * order (model/fitorder.h), which the first call builds (O(n log n); from
 * then on every update keeps it, about as much work again as the index);
 * branch and bound over the index when the cluster has more shapes than
 * the order keeps. */
int cluster_find_tightest(const struct cluster *c, vm_id v, host_id *ret);

/* Places pending/queued VM v on h, holding its demand; v becomes
 * VM_RUNNING. -ENOSPC if cluster_check refuses, -EINVAL if v is already
 * placed or not placeable (stopped, deleted); unchanged on failure. */
int cluster_reserve(struct cluster *c, vm_id v, host_id h);

/* As cluster_reserve, checked with cluster_check_failover. */
int cluster_reserve_failover(struct cluster *c, vm_id v, host_id h);

/* The index leaf summary of host h, as strategies score it. */
void cluster_host_leaf(const struct cluster *c, host_id h, struct fitleaf *ret);

/* Takes v off its host (if any) and sets its state to `to` (anything but
 * VM_RUNNING). -EINVAL for to == VM_RUNNING or a deleted v. */
int cluster_release(struct cluster *c, vm_id v, enum vm_state to);

/* Changes a host's state; only up hosts are in the capacity index. VMs on a
 * host that goes down stay until released. */
void cluster_set_host_state(struct cluster *c, host_id h, enum host_state s);

/* Releases v and deletes it: its name can be reused by a new VM, its id is
 * retired (the old VM keeps its name for reports). */
int cluster_remove_vm(struct cluster *c, vm_id v);

/* The lowest priority among running VMs (VM_PRIORITY_MAX + 1 when none
 * runs): a VM can preempt only when its priority is above it. */
int32_t cluster_min_running_priority(const struct cluster *c);

/* Bytes held by the indexes started so far (the capacity index, the
 * best-fit order; each starts with the first query that wants it) and the
 * N+1 heaps. */
size_t cluster_index_bytes(const struct cluster *c);

#endif
