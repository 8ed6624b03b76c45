/* agent.h - the agent role of vmgrd: runs this host's VMs as QEMU processes. */
#ifndef AGENT_AGENT_H
#define AGENT_AGENT_H

#include "agent/loop.h"
#include "agent/migrate.h"
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
	/* Incoming migrations listen on this address (IPv4, IPv6 or a host
	 * name the sources can reach; NULL: "127.0.0.1") and on the first
	 * free port of [migrate_port_min, migrate_port_max] (0: 49152 and
	 * min + 63). */
	const char *migrate_address;
	uint16_t migrate_port_min, migrate_port_max;
};

/*
 * One thing that happened to a VM. `type` is one of: created, started,
 * booted, heartbeat-lost, heartbeat-back, paused, resumed, powerdown,
 * shutdown, panicked, watchdog, exited, restarting, stopped, failed,
 * deleted, error; and for live migration incoming (the target listens:
 * {"uri","pid"}), started with {"migrated":true} (the state arrived),
 * migrating ({"target","max_downtime_ms"}), migrated ({"total_ms",
 * "downtime_ms","transferred_mib","target"}) and migrate-failed
 * ({"reason","target"}). `data` (may be NULL) carries details, e.g.
 * exited: {"status":0} or {"signal":9}. Everything is borrowed for the
 * callback.
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
 *
 * With s->incoming the VM is the target of a live migration: QEMU starts
 * with "-incoming defer", its vCPUs placed and scheduled, and listens on
 * the agent's migration address and the first free port of its range
 * (-EADDRINUSE when none is); the VM is in state "incoming" with its
 * "incoming_uri" in agent_vm_show until the state has arrived (event
 * "started" with {"migrated":true}, state running, or paused if it was
 * paused on the source). A failed incoming migration makes QEMU exit:
 * event "failed" with QEMU's reason, never restarted.
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

/*
 * Self-fencing: SIGKILLs every live VM whose spec has self_fence (an
 * outgoing migration is cancelled first, an incoming one dies too) and
 * cancels their pending restarts, each with a "self-fenced" event whose
 * data has "reason": why. None of them restarts. Returns how many VMs it
 * ended.
 */
uint32_t agent_self_fence(struct agent *a, const char *why);

/*
 * Live-migrates a running or paused VM to uri ("tcp:HOST:PORT", the
 * target's incoming_uri) with the defaults of migrate_req_init. Sets the
 * MIGRATION events capability and the downtime limit, starts QMP migrate
 * and returns at once (state "migrating", event "migrating"); the loop
 * follows it. On completion event "migrated" with {"total_ms",
 * "downtime_ms","transferred_mib","target"}, QEMU is quit and the VM is
 * "migrated" (only deletable). On failure (target unreachable, refused,
 * timeout, QEMU gone) event "migrate-failed" with {"reason","target"} and
 * the VM keeps running (or paused) here. 0; -ENOENT; -EINVAL (bad uri or
 * not running or paused: d says which); -EREMOTEIO when QEMU refused at
 * once (d has its reason). A stop request during a migration cancels it.
 */
int agent_vm_migrate(
    struct agent *a, const char *name, const char *uri, struct diag *d);

/* The same with every option of a request (m borrowed, copied). */
int agent_vm_migrate_opts(struct agent *a, const char *name,
    const struct migrate_req *m, struct diag *d);

/* Kills the VM if it runs (reaped before returning), removes its state
 * directory and forgets it. 0 or -ENOENT. */
int agent_vm_delete(struct agent *a, const char *name, struct diag *d);

/* The VM as JSON (new reference): name, state, pid, vcpu_tids, heartbeat,
 * spec, restarts, console log path ... 0, -ENOENT, -ENOMEM. */
int agent_vm_show(struct agent *a, const char *name, json_t **ret);

#define AGENT_CONSOLE_READ_MAX 65536 /* bytes of console in one reply */

/*
 * The VM's serial console from byte `since` of its output (this run's;
 * the log keeps the last console_max_bytes): {"name", "state", "offset",
 * "next", "data"} with up to max (<= AGENT_CONSOLE_READ_MAX) bytes from
 * offset, where offset is `since` or the oldest byte kept, and next is
 * the `since` of the following read. Bytes that are not UTF-8 come as '?'.
 * 0, -ENOENT, -ENOMEM, -EIO (the log cannot be read, d says why).
 */
int agent_vm_console(struct agent *a, const char *name, uint64_t since,
    size_t max, json_t **ret, struct diag *d);

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
