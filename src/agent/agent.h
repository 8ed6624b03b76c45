/* agent.h - the agent role of vmgrd: runs this host's VMs as QEMU processes. */
#ifndef AGENT_AGENT_H
#define AGENT_AGENT_H

#include "agent/loop.h"
#include "agent/spec.h"
#include "core/diag.h"
#include "core/log.h"

#include <jansson.h>
#include <stdint.h>

#define AGENT_EVENT_RING 1024 /* events kept for agent_events_since */

struct agent;

struct agent_config {
	const char *state_dir; /* required: vms/<name>/ live below it */
	const char *qemu; /* NULL: "qemu-system-x86_64" */
	const char *qemu_user; /* run QEMU as this user; NULL: as the agent */
	const char *accel; /* "auto" (NULL), "kvm" or "tcg" */
	const char *default_kernel; /* for specs without kernel and disk */
	const char *default_initrd;
	uint32_t max_vms; /* 0: 64 */
	uint32_t rt_budget_pct; /* 0: 90; share of each period RT vCPUs get */
	uint32_t overhead_mib; /* 0: 160; QEMU's own memory in the limit */
	const struct log *log; /* borrowed; NULL: silent */
};

/*
 * One thing that happened to a VM. `type` is one of: created, started,
 * booted, heartbeat-lost, heartbeat-back, paused, resumed, powerdown,
 * shutdown, panicked, watchdog, exited, restarting, stopped, failed,
 * deleted, error. `data` (may be NULL) carries details, e.g. exited:
 * {"status":0} or {"signal":9}. Everything is borrowed for the callback.
 */
struct agent_event {
	uint64_t seq; /* 1, 2, ... per agent */
	uint64_t time_ns; /* CLOCK_MONOTONIC */
	const char *vm;
	const char *type;
	const json_t *data;
};

typedef void (*agent_event_fn)(void *ud, const struct agent_event *ev);

/*
 * Sets the agent up on loop (borrowed; must outlive it): state directory,
 * cgroups, accelerator (detected once and logged once). 0, or -errno with d
 * saying why (bad state dir, unknown qemu_user ...).
 */
int agent_new(const struct agent_config *cfg, struct loop *loop,
    struct agent **ret, struct diag *d);

/* Kills every VM (SIGKILL, reaped), removes the agent's cgroups, frees.
 * NULL-safe; returns NULL. */
struct agent *agent_free(struct agent *a);

/*
 * Asks every VM to stop gracefully and runs the loop until all have exited
 * or timeout_ms passed, then kills the rest. 0.
 */
int agent_shutdown(struct agent *a, uint32_t timeout_ms);

/* Subscribes cb to every later event (at most 8 subscribers). 0, -ENOSPC. */
int agent_subscribe(struct agent *a, agent_event_fn cb, void *ud);

/* Removes the subscription (cb, ud); no-op when absent. */
void agent_unsubscribe(struct agent *a, agent_event_fn cb, void *ud);

/* "kvm" or "tcg", and the sentence that explains the choice. */
const char *agent_accel(const struct agent *a, const char **ret_why);

/*
 * Checks s against this host and starts it: the name is free (-EEXIST),
 * the kernel/initrd/disk exist (-ENOENT), vcpus <= host CPUs and memory
 * within the host (-ENOSPC), the cpu list names online CPUs, the policy is
 * possible here (-EOPNOTSUPP, -EBUSY for an rr slice conflict), VM count
 * limit (-ENOSPC). Then QEMU runs with the spec's groups and policy and the
 * call returns once the guest executes (boot continues asynchronously:
 * event "booted"). On failure d names the field or step; nothing is left
 * behind. The spec is copied.
 */
int agent_vm_create(struct agent *a, const struct spec *s, struct diag *d);

/* Pauses / resumes a running VM over QMP. 0, -ENOENT, -EINVAL (not in a
 * state that allows it), -errno from QMP (d says why). */
int agent_vm_pause(struct agent *a, const char *name, struct diag *d);
int agent_vm_resume(struct agent *a, const char *name, struct diag *d);

/*
 * Graceful stop: ACPI power-down, after the spec's stop_timeout_ms QMP
 * quit, 2 s later SIGKILL; a paused VM is quit at once. Returns at once
 * (event "stopped" follows); the VM is not restarted. 0, -ENOENT, -EINVAL
 * when it does not run.
 */
int agent_vm_stop(struct agent *a, const char *name, struct diag *d);

/* SIGKILL now; not restarted. 0, -ENOENT, -EINVAL when not running. */
int agent_vm_kill(struct agent *a, const char *name, struct diag *d);

/* Kills the VM if it runs (reaped before returning), removes its state
 * directory and forgets it. 0 or -ENOENT. */
int agent_vm_delete(struct agent *a, const char *name, struct diag *d);

/* The VM as JSON (new reference): name, state, pid, vcpu_tids, heartbeat,
 * spec, restarts, console log path ... 0, -ENOENT, -ENOMEM. */
int agent_vm_show(struct agent *a, const char *name, json_t **ret);

/* Every VM as a JSON array of summaries. 0 or -ENOMEM. */
int agent_vm_list(struct agent *a, json_t **ret);

/* QEMU's pid of a running VM (for tests and benchmarks). 0, -ENOENT,
 * -EINVAL when not running. */
int agent_vm_pid(struct agent *a, const char *name, int *ret);

/* vCPU thread ids of a running VM (at most n). Count or -ENOENT. */
int agent_vm_vcpus(struct agent *a, const char *name, int *tids, uint32_t n);

/*
 * Events with seq > since still in the ring, oldest first, at most max:
 * *ret is a JSON array (new reference) of {"seq","time_ms","vm","type",
 * "data"} and *ret_last the newest seq in the ring. 0 or -ENOMEM.
 */
int agent_events_since(struct agent *a, uint64_t since, uint32_t max,
    json_t **ret, uint64_t *ret_last);

#endif
