/* manager.h - the manager role of vmgrd: cluster state, decisions, agents, durability. */
#ifndef MANAGER_MANAGER_H
#define MANAGER_MANAGER_H

#include "core/diag.h"
#include "core/log.h"
#include "decide/engine.h"
#include "manager/store.h"
#include "model/resource.h"

#include <jansson.h>
#include <stdbool.h>
#include <stdint.h>

#define MANAGER_VMS_MAX 100000 /* VMs the manager accepts */
#define MANAGER_HOSTS_MAX 4096 /* hosts it accepts */

struct manager_config {
	const char *state_dir; /* the store lives here ("./var") */
	const struct store_ops *store; /* NULL: &store_sqlite */
	struct engine_opts eng; /* allocation, scheduling, ... */
	const char *detector; /* host failure detector ("phi-accrual") */
	const char *detector_params;
	uint32_t heartbeat_ms; /* asked of remote agents (250) */
	/* The lease a remote agent holds from each acknowledged heartbeat:
	 * it kills its HA VMs when the lease runs out, and the manager
	 * restarts them elsewhere only after it has (0: the larger of
	 * 2000 ms and 8 heartbeat periods). */
	uint32_t lease_ms;
	const char *agent_token; /* remote agents must present it */
	/* HA admission control: keep room for any one host's HA VMs to
	 * restart on the others (cluster_set_n_plus_one); VMs that would
	 * break it wait in the queue. */
	bool n_plus_one;
	/* A degrading host: when a remote agent reports memory pressure (PSI
	 * "some avg10", percent) at or above this and one of its QEMUs is
	 * killed by SIGKILL that vmgr did not send (the OOM killer), the host
	 * is diagnosed with that evidence and the recovery planner may drain
	 * it by live migration (never fence it: it still answers). 0: 10. */
	double pressure_pct;
	const struct log *log; /* borrowed; NULL: silent */
};

struct manager;

/*
 * Opens the store (creating or migrating it), rebuilds the cluster from it
 * and starts the manager's threads (an executor that calls agents, a ticker
 * for timers and failure detection). Hosts known to the store come back as
 * they were; their VMs are reconciled when the hosts report. 0, or -errno
 * with d saying why.
 */
int manager_new(
    const struct manager_config *cfg, struct manager **ret, struct diag *d);

/* Stops the threads (running VMs keep running on their agents) and frees.
 * NULL-safe; returns NULL. */
struct manager *manager_free(struct manager *m);

/*
 * Adds (or updates) a host whose agent serves `url` ("unix:/path" or
 * "http://addr:port" with `token`), with `cap` to offer to VMs. `watch`:
 * the manager follows the agent's events by long-polling it (the local
 * agent); otherwise the agent sends heartbeats (POST .../heartbeat).
 * 0 or -errno with d.
 */
int manager_add_host(struct manager *m, const char *name, const char *url,
    const char *token, const struct res *cap, bool watch, struct diag *d);

/*
 * The API's operations. Each returns 0 with *ret (a new JSON reference) or
 * -errno with d naming the field or the reason: -EINVAL bad request,
 * -ENOENT unknown name, -EEXIST duplicate, -EBUSY not in a state that
 * allows it, -E2BIG over a limit, -EACCES bad token, -EIO store failure.
 * Writes are durable (in the store) before they return.
 */
int manager_vm_create(
    struct manager *m, const json_t *req, json_t **ret, struct diag *d);
int manager_vm_list(struct manager *m, json_t **ret);
int manager_vm_show(
    struct manager *m, const char *name, json_t **ret, struct diag *d);
/* The VM's serial console from its agent (GET .../console there), with
 * "host" added: -EBUSY when it is on no host, -EIO when the agent cannot
 * be reached or fails (d says which). Blocks for the agent's answer;
 * called without the manager's lock held. */
int manager_vm_console(struct manager *m, const char *name, uint64_t since,
    uint32_t max, json_t **ret, struct diag *d);
int manager_vm_start(
    struct manager *m, const char *name, json_t **ret, struct diag *d);
int manager_vm_stop(
    struct manager *m, const char *name, json_t **ret, struct diag *d);
int manager_vm_delete(
    struct manager *m, const char *name, json_t **ret, struct diag *d);
int manager_vm_migrate(struct manager *m, const char *name, const char *host,
    json_t **ret, struct diag *d);
int manager_host_list(struct manager *m, json_t **ret);
int manager_host_drain(struct manager *m, const char *name, bool drain,
    json_t **ret, struct diag *d);
int manager_host_register(struct manager *m, const json_t *req,
    const char *token, json_t **ret, struct diag *d);
int manager_host_heartbeat(struct manager *m, const char *name,
    const json_t *req, const char *token, json_t **ret, struct diag *d);
int manager_why_not(struct manager *m, const char *vm, const char *host,
    json_t **ret, struct diag *d);
int manager_health(struct manager *m, json_t **ret);

/*
 * POST /v1/plans: an optimal consolidation of the running VMs (the
 * assignment ILP warm-started by the allocation strategy, on a copy of the
 * cluster, without the lock: the daemon goes on meanwhile). req (NULL:
 * defaults) may hold time_limit_s (0.001..60, default 5), max_migrations,
 * target_hosts and apply (default false). With apply, the ordered
 * migrations run step by step (each move checked again when it starts;
 * GET /v1/plans shows how far it got). *ret is manager_plan_show's
 * object. -EBUSY while a plan is made or applied, while a VM is starting,
 * stopping or migrating, or (apply) when the plan cannot be applied.
 */
int manager_plan(
    struct manager *m, const json_t *req, json_t **ret, struct diag *d);

/* GET /v1/plans: {"id","state":"none|planned|applying|done|failed",
 * "step","steps","error"?,"plan"?} of the last plan. */
int manager_plan_show(struct manager *m, json_t **ret);
int manager_strategies(struct manager *m, json_t **ret);

/* Events with seq > since, at most max, oldest first; waits up to wait_ms
 * for the first one. *ret is {"events":[...],"last":N}. */
int manager_events(struct manager *m, uint64_t since, uint32_t max,
    uint32_t wait_ms, json_t **ret);

/* Prometheus text exposition of the manager's counters (owned). */
int manager_metrics(struct manager *m, char **ret);

#endif
