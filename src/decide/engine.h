/* engine.h - the decision engine: events in, actions out; shared by the simulator and the daemon. */
#ifndef DECIDE_ENGINE_H
#define DECIDE_ENGINE_H

#include "core/diag.h"
#include "fault/diagnosis.h"
#include "model/cluster.h"

#include <stdbool.h>
#include <stdint.h>

/*
 * The engine decides; its caller observes and acts. Events come in with the
 * time they happen (virtual in the simulator, monotonic in the daemon); the
 * engine keeps the cluster model as the desired state (it reserves and
 * releases there itself, so successive decisions see each other) and
 * appends the actions its caller must carry out. Pure: no I/O, no clock of
 * its own, randomness only from the seed. Not thread-safe.
 */

enum engine_event_kind {
	EV_ARRIVE, /* vm (added to the cluster, pending) asks to run */
	EV_DEPART, /* vm finished (or was deleted) */
	EV_USAGE, /* vm uses `used` now */
	EV_HOST_FAIL, /* host's failure was detected */
	EV_HOST_RECOVER, /* host is back */
	EV_TIMER, /* a timer the engine asked for (`timer`) fired */
	EV_VM_FAILED, /* vm died where it ran (its QEMU exited, its host
		       rebooted under it): restarted if HA, else lost */
	EV_HOST_DRAIN, /* host goes to maintenance: its VMs move away live
			  where the strategy finds room (the rest stay) */
};

enum engine_timer {
	TIMER_SLICE, /* round robin: a time slice ended */
	TIMER_CONSOLIDATE, /* periodic consolidation */
	TIMER_RECHECK, /* look at `host` again: if it is still failed,
			      the caller reports EV_HOST_FAIL once more */
};

struct engine_event {
	enum engine_event_kind kind;
	uint64_t now_ns;
	vm_id vm;
	host_id host;
	struct res used;
	enum engine_timer timer;
	/* EV_HOST_FAIL: what was observed, for the diagnosis; NULL: what a
	 * silent host shows (heartbeats missed, peers cannot reach it). */
	const struct fault_obs *obs;
	/* EV_HOST_FAIL: the host still answers (a degrading host whose agent
	 * reported obs): recovery waits or drains it, never fences it. */
	bool reachable;
};

enum engine_action_kind {
	ACT_START, /* start vm on host (also after a preemption) */
	ACT_QUEUE, /* vm waits in the admission queue */
	ACT_REFUSE, /* vm can never run here: larger than every host (or,
		       with no_queue, no room at its arrival) */
	ACT_PREEMPT, /* stop vm on host and put it back in the queue */
	ACT_SUSPEND, /* round robin: vm's slice ended, it yields host */
	ACT_STOP, /* vm left host (departure) */
	ACT_MIGRATE, /* live-migrate vm from `from` to host */
	ACT_FENCE, /* power host off out of band: its VMs are gone */
	ACT_RESTART, /* start vm on host after its host failed */
	ACT_LOST, /* vm stays down after a failure */
	ACT_POWER_ON, /* host takes its first VM */
	ACT_POWER_OFF, /* host has no VM left */
	ACT_TIMER, /* call back with EV_TIMER `timer` (and `host`) at
			  at_ns */
	ACT_NKINDS,
};

struct engine_action {
	enum engine_action_kind kind;
	vm_id vm;
	host_id host, from;
	uint64_t at_ns; /* ACT_TIMER: when; ACT_MIGRATE: when it ends */
	enum engine_timer timer;
};

/* An action list, owned by the caller; the engine appends. Embedded:
 * engine_actions_init / engine_actions_done. */
struct engine_actions {
	struct engine_action *v;
	uint32_t n, cap;
	bool dropped; /* memory ran out and actions were lost */
};

void engine_actions_init(struct engine_actions *a);
void engine_actions_done(struct engine_actions *a);
void engine_actions_clear(struct engine_actions *a);

/* "start", "queue", ... */
const char *engine_action_name(enum engine_action_kind k);

struct engine_opts {
	const char *allocation, *allocation_params;
	const char *scheduling, *scheduling_params;
	uint64_t seed;
	/* Consolidation: every consolidate_ns (0: never), try to empty the
	 * least loaded hosts by live migration, at most max_migrations a
	 * round; a migration moves the VM's memory at migrate_mbps. */
	uint64_t consolidate_ns;
	uint32_t max_migrations;
	double migrate_mbps;
	/* Failure handling: restart HA VMs of a failed host elsewhere
	 * (through the fault layer's recovery planner). */
	bool restart_on_failure;
	/* No admission queue: a VM that fits on no host at its arrival is
	 * refused for good (ACT_REFUSE) instead of waiting (ACT_QUEUE). VMs
	 * put back by preemption or a host failure still queue. */
	bool no_queue;
};

/* Defaults: first-fit, fcfs, no consolidation, restarts on. */
void engine_opts_default(struct engine_opts *o);

struct engine;

/* A new engine over cluster c (borrowed; the engine changes placements in
 * it). -ENOENT / -EINVAL with the reason in d (unknown strategy, bad
 * parameters), -ENOMEM. */
int engine_new(struct cluster *c, const struct engine_opts *o,
    struct engine **ret, struct diag *d);

/* NULL-safe; returns NULL. */
struct engine *engine_free(struct engine *e);

/* Handles one event, appending the actions to out. Events must come in
 * non-decreasing time. 0, or -EINVAL for an event that does not fit the
 * state (a departure of a VM that is not running or queued, an unknown
 * id), -ENOMEM. */
int engine_handle(struct engine *e, const struct engine_event *ev,
    struct engine_actions *out);

/* VMs waiting in the admission queue. */
uint32_t engine_queued(const struct engine *e);

/* The last usage reported for v (zero when none). */
const struct res *engine_usage(const struct engine *e, vm_id v);

#endif
