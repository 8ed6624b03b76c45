/* pstate.h - a what-if copy of a cluster's placement for planners: move
 * VMs around and ask whether every hard constraint still holds. */
#ifndef PLAN_PSTATE_H
#define PLAN_PSTATE_H

#include "core/u32map.h"
#include "model/cluster.h"

#include <stdbool.h>
#include <stdint.h>

/* Why a VM cannot go to a host in this state (first reason found). */
enum pstate_why {
	PSTATE_OK,
	PSTATE_STATE, /* host not up (and the VM is not already there) */
	PSTATE_LABEL,
	PSTATE_AFFINITY,
	PSTATE_ANTI_AFFINITY,
	PSTATE_CAPACITY,
	PSTATE_RESERVE, /* the N+1 failover reserve would break */
};

/*
 * Placement of every VM of a borrowed cluster (which must outlive the
 * state and not change meanwhile), starting from the cluster's own. The
 * same hard constraints as cluster_check, plus, with n_plus_one, the
 * project's N+1 reserve: for every up host h and dimension d, the demand
 * of the HA VMs on h must not exceed the free capacity of the other up
 * hosts together. Embedded: pstate_init / pstate_done.
 */
struct pstate {
	const struct cluster *c;
	bool n_plus_one;
	struct res *alloc; /* per host */
	struct res *ha; /* per host: demand of HA VMs */
	host_id *at; /* per VM */
	struct u32map *on; /* per group: host -> members there */
	uint32_t *placed; /* per group: members placed */
};

/* 0, or -ENOMEM. */
int pstate_init(struct pstate *s, const struct cluster *c, bool n_plus_one);
void pstate_done(struct pstate *s);

/* Could VM v (placed or not) be on host h? A VM already on h fits there.
 * With n_plus_one the move is tried and undone (s is back as it was). */
enum pstate_why pstate_check(struct pstate *s, vm_id v, host_id h);

/* Moves v to h (h == HOST_NONE takes it off), whatever the constraints. 0
 * or -ENOMEM (state unchanged). */
int pstate_move(struct pstate *s, vm_id v, host_id h);

/* True when the N+1 invariant holds now (always without n_plus_one). */
bool pstate_reserve_ok(const struct pstate *s);

/* Free capacity of h in this state (limit - alloc, at least 0). */
void pstate_free(const struct pstate *s, host_id h, struct res *ret);

/* Name of a reason: "ok", "state", "label", "affinity", "anti-affinity",
 * "capacity", "reserve". */
const char *pstate_why_name(enum pstate_why w);

#endif
