/* recover.h - the recovery planner: diagnoses and the cluster in, ordered actions out. */
#ifndef FAULT_RECOVER_H
#define FAULT_RECOVER_H

#include "core/diag.h"
#include "fault/diagnosis.h"
#include "model/cluster.h"

#include <stdbool.h>
#include <stdint.h>

/*
 * Something looks wrong with a host (vm == VM_NONE: host-level symptoms
 * such as missed agent heartbeats) or with one VM on it (VM-level
 * symptoms: a QEMU exit, a guest panic...), with its diagnosis from
 * fault_diagnose. A VM incident's vm must be running on host.
 */
struct recover_incident {
	host_id host;
	vm_id vm;
	struct fault_dx dx;
	bool vm_exited; /* the VM's QEMU is known gone: no live migration */
	/* The host still answers (its agent reported the symptoms): it
	 * cannot be powered off and confirmed without its agent's word, so
	 * a host-level plan for it waits or drains, never fences. */
	bool reachable;
};

enum recover_kind {
	RECOVER_FENCE, /* power the host off out of band and confirm it:
			  afterwards none of its VMs can be running */
	RECOVER_STOP, /* the agent kills the VM's QEMU on host and confirms */
	RECOVER_RESTART, /* start vm on `to`; its old host was fenced or its
			    old process stopped by an earlier action */
	RECOVER_RESTART_IN_PLACE, /* restart vm's QEMU on its host */
	RECOVER_DRAIN, /* host to maintenance: it takes no new VMs */
	RECOVER_MIGRATE, /* live-migrate vm from host to `to` */
	RECOVER_LOST, /* vm stays down; the reason says why */
	RECOVER_WAIT, /* do nothing now: observing again is cheaper in
			 expectation (vm may be VM_NONE) */
	RECOVER_NKINDS,
};

#define RECOVER_REASON_MAX 256

struct recover_action {
	enum recover_kind kind;
	host_id host; /* the host acted on, or the VM's host before */
	host_id to; /* RESTART, MIGRATE: the target; else HOST_NONE */
	vm_id vm; /* VM_NONE for FENCE, DRAIN and a host-level WAIT */
	double cost_s; /* expected cost of the decision it is part of */
	char reason[RECOVER_REASON_MAX];
};

/* An ordered action list: carry it out front to back. Embedded:
 * recover_plan_init / recover_plan_done. */
struct recover_plan {
	struct recover_action *v;
	uint32_t n, cap;
};

void recover_plan_init(struct recover_plan *p);
void recover_plan_done(struct recover_plan *p);

/*
 * What each outcome costs, in seconds of one VM's downtime. The planner
 * weighs them by the diagnosis and looks one step ahead: waiting costs the
 * downtime of one recheck period plus the best action once it is known
 * whether anything is wrong at all. docs/fault.md has the cost tables.
 */
struct recover_costs {
	double restart_s; /* a VM restart: boot and warm-up (60) */
	double migrate_s; /* a live migration's disturbance (2) */
	double fence_s; /* powering a host off and confirming it (15) */
	double stop_s; /* killing one QEMU and confirming it (5) */
	double recheck_s; /* until the next diagnosis when waiting (30) */
	double repair_s; /* a VM left down with its host until the host is
			    repaired (19700: LANL's mean hardware downtime) */
	double degraded; /* cost of running degraded, per second (0.25) */
};

/* Chooses where vm goes in the working copy c (never `avoid`); returns 0
 * and *ret, or -ENOSPC. The planner checks the answer with cluster_check
 * (and the N+1 reserve) and falls back to first fit when it is refused. */
typedef int (*recover_place_fn)(
    void *ctx, const struct cluster *c, vm_id v, host_id avoid, host_id *ret);

struct recover_opts {
	struct recover_costs costs;
	/* Keep the N+1 failover reserve: for every up host h and dimension
	 * d, the demand of the HA VMs on h must not exceed the free capacity
	 * of the other up hosts. Restarts of HA VMs of a fenced host may
	 * consume it (that is what it is for); every other placement keeps
	 * it. The cluster's own switch (cluster_set_n_plus_one) applies
	 * too; this turns it on for the plan when the cluster has it off. */
	bool n_plus_one;
	recover_place_fn place; /* NULL: first fit */
	void *place_ctx;
};

/* Defaults as listed in struct recover_costs; no N+1, first fit. */
void recover_opts_default(struct recover_opts *o);

/*
 * Plans the recovery of incidents inc[0..n) on cluster c (unchanged). For
 * each host-level incident (most likely dead host first) it compares the
 * expected cost of waiting, of fencing the host and restarting its HA VMs
 * elsewhere, and of draining it by live migration; for each VM incident,
 * waiting, restarting in place, stopping and restarting elsewhere, and
 * live migration. VM incidents on a host that is fenced or drained are
 * covered by that. Then it places, in one pass in priority order (higher
 * first), every VM to restart, and then every VM to migrate, on a private
 * copy of the cluster, so that the plan never over-commits a host and
 * respects every constraint of cluster_check (and the N+1 reserve).
 *
 * Guarantees: a RESTART of a VM comes after the FENCE of its old host or
 * the STOP of its old process; no VM is started twice; every VM of a
 * fenced host gets a RESTART or a LOST. Pure: no I/O, no clock.
 *
 * 0 and ret (cleared on entry) filled; -EINVAL (d says which incident) for
 * an unknown host or VM, a VM not running on its incident's host, or
 * probabilities outside [0, 1]; -EEXIST for two incidents on one host or
 * one VM; -ENOMEM.
 */
int recover_plan_make(const struct cluster *c,
    const struct recover_incident *inc, uint32_t n,
    const struct recover_opts *o, struct recover_plan *ret, struct diag *d);

/* "fence", "stop", "restart", "restart-in-place", "drain", "migrate",
 * "lost", "wait". */
const char *recover_kind_name(enum recover_kind k);

#endif
