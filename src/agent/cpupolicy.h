/* cpupolicy.h - host CPU policies applied to a VM's vCPU threads (a table, one entry each). */
#ifndef AGENT_CPUPOLICY_H
#define AGENT_CPUPOLICY_H

#include "agent/cgroup.h"
#include "agent/spec.h"
#include "core/diag.h"

#include <stdbool.h>
#include <stdint.h>
#include <sys/types.h>

/* The SCHED_FIFO/SCHED_RR priority of fcfs and rr vCPUs. */
#define CPUPOLICY_RT_BASE 10

/*
 * A policy is data: its name, a one-line promise, whether it is real-time
 * (vCPU threads in the shared RT group with a Linux RT class) and the
 * Linux scheduling class its vCPU threads get.
 */
struct cpupolicy_ops {
	enum spec_policy id;
	const char *name;
	const char *summary;
	bool rt;
	int sched_class; /* SCHED_OTHER, SCHED_FIFO, SCHED_RR */
};

/* Every policy in spec_policy order; *ret_n set. */
const struct cpupolicy_ops *cpupolicy_registry(uint32_t *ret_n);

/* The entry of policy p. */
const struct cpupolicy_ops *cpupolicy_get(enum spec_policy p);

/* The RT priority a VM's vCPUs get (0 for non-RT policies). */
int cpupolicy_rt_priority(const struct spec_cpu *c);

/*
 * Host-wide state the rr policy shares: the kernel's one SCHED_RR time
 * slice (kernel.sched_rr_timeslice_ms). The first rr VM sets it, later ones
 * must ask for the same slice, the last one restores the original.
 * `sysctl` is the file (tests point it elsewhere). Embedded, zero-init then
 * set sysctl.
 */
struct cpupolicy_host {
	const char *sysctl;
	int orig_ms, cur_ms;
	uint32_t users;
};

/* Takes the slice for one rr VM. 0, -EBUSY (another slice is in force;
 * d says which), -errno writing the sysctl. */
int cpupolicy_rr_acquire(
    struct cpupolicy_host *h, uint32_t slice_ms, struct diag *d);

/* Releases one rr VM's hold; the last restores the original slice. */
void cpupolicy_rr_release(struct cpupolicy_host *h);

/*
 * Applies s's policy to the vCPU threads tids[0..n): moves each into its
 * cgroup (the VM's vCPU group, or the RT group) and sets its scheduling
 * class and priority; pins them with sched_setaffinity when the spec has a
 * cpu list but the host has no cpuset controller. 0 or -errno with d
 * naming the thread and step.
 */
int cpupolicy_apply(struct cgroup *cg, struct cgroup_vm *vm,
    const struct spec *s, const pid_t *tids, uint32_t n, struct diag *d);

#endif
