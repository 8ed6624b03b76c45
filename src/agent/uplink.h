/* uplink.h - the agent's link to a remote manager: registration and heartbeats with events, over HTTP. */
#ifndef AGENT_UPLINK_H
#define AGENT_UPLINK_H

#include "agent/agent.h"
#include "agent/loop.h"
#include "core/diag.h"
#include "core/log.h"

#include <jansson.h>
#include <stdbool.h>
#include <stdint.h>

/*
 * The protocol (docs/agent.md, "The manager link"): the agent registers
 * with POST {manager}/v1/hosts/register and then, every heartbeat_ms the
 * manager asked for, POST {manager}/v1/hosts/NAME/heartbeat carrying its
 * VMs and every event the manager has not acknowledged yet; the reply's
 * "ack" releases them. 404 on a heartbeat: the manager forgot the host,
 * register again. Any other failure: try again next period, events kept
 * (at most UPLINK_MAX_PENDING; the oldest are dropped beyond, and counted).
 *
 * Requests run on libcurl's multi interface driven by the agent's loop
 * (one watch per socket curl opens, a timerfd for curl's timeouts and one
 * for the schedule): the loop never blocks on the manager. At most one
 * request is in flight.
 */
#define UPLINK_MAX_PENDING 4096 /* events kept until acknowledged */
#define UPLINK_MAX_PER_BEAT 256 /* events in one heartbeat */
#define UPLINK_MAX_REPLY (64u * 1024) /* bytes of a manager's reply */
#define UPLINK_MIN_HEARTBEAT_MS 100
#define UPLINK_MAX_HEARTBEAT_MS 3600000
#define UPLINK_MAX_LEASE_MS 3600000
#define UPLINK_HOST_NAME_MAX 63

struct uplink_config {
	const char *manager_url; /* "http(s)://HOST[:PORT][/PREFIX]" */
	const char *manager_token; /* sent as "Authorization: Bearer ..." */
	const char *host_name; /* letters, digits, '-', '_', '.' */
	const char *advertise_url; /* where the manager reaches our API */
	const char *agent_token; /* our API's token, or NULL: null */
	uint32_t cpu_milli; /* 0: online CPUs x 1000 */
	uint64_t memory_mib; /* 0: MemTotal of /proc/meminfo */
	uint32_t request_timeout_ms; /* 0: 5000; one request's limit */
	uint32_t retry_max_ms; /* 0: 5000; registration retry backoff cap */
	/* Memory pressure (PSI) of this host: every heartbeat carries its
	 * "some avg10" as memory_pressure when the file can be read. NULL:
	 * /proc/pressure/memory. */
	const char *pressure_file;
	const struct log *log; /* borrowed; NULL: silent */
};

struct uplink;

/*
 * Links agent a (borrowed) to the manager on loop (borrowed; both must
 * outlive the uplink): subscribes to the agent's events and starts
 * registering at once. Strings in cfg are copied. 0, or -EINVAL with d
 * naming the bad setting ("--manager: ..."), -ENOMEM, -errno (timerfd,
 * epoll, libcurl).
 */
int uplink_new(struct agent *a, struct loop *loop,
    const struct uplink_config *cfg, struct uplink **ret, struct diag *d);

/* Aborts a request in flight, unsubscribes, frees. NULL-safe; NULL. */
struct uplink *uplink_free(struct uplink *u);

/*
 * Runs the loop until every pending event is acknowledged, or the manager
 * is unreachable (not registered), or timeout_ms passed: for a clean
 * shutdown, so the last events (stopped, exited) reach the manager.
 * 0 when nothing is pending, -ETIMEDOUT otherwise.
 */
int uplink_flush(struct uplink *u, uint32_t timeout_ms);

struct uplink_stats {
	bool registered;
	uint32_t heartbeat_ms; /* the manager's period (0 before) */
	uint64_t registrations, register_failures;
	uint64_t heartbeats_ok, heartbeat_failures, forgotten; /* 404s */
	uint64_t seq; /* the last heartbeat's seq */
	uint64_t acked; /* the highest event seq acknowledged */
	uint32_t pending; /* events not acknowledged yet */
	uint64_t dropped; /* events dropped unacknowledged (the bound) */
	uint32_t lease_ms; /* the manager's lease (0: none) */
	bool lease_held; /* a lease runs now */
	uint64_t self_fences; /* times the lease was lost with VMs to kill */
};

/* A snapshot of the link's counters. */
void uplink_get_stats(const struct uplink *u, struct uplink_stats *ret);

/* The manager's reply to a registration. */
struct uplink_reg_reply {
	uint32_t heartbeat_ms;
	/* The lease: every acknowledged request (registration, heartbeat)
	 * grants lease_ms from the moment it was sent; when it runs out, or
	 * the manager answers a heartbeat with 404, the agent kills its
	 * self_fence VMs, because the manager may now restart them on other
	 * hosts. 0: no lease. */
	uint32_t lease_ms;
	bool fenced; /* the manager declared this host failed: fence now */
};

/*
 * The manager's reply to a registration: a JSON object with "heartbeat_ms"
 * (integer UPLINK_MIN_HEARTBEAT_MS..UPLINK_MAX_HEARTBEAT_MS), optional
 * "lease_ms" (integer heartbeat_ms..UPLINK_MAX_LEASE_MS) and "fenced"
 * (boolean); other keys are ignored. 0 and *ret, or -EPROTO with d naming
 * what was wrong. At most UPLINK_MAX_REPLY bytes.
 */
int uplink_register_reply_parse(
    const char *buf, size_t len, struct uplink_reg_reply *ret, struct diag *d);

/* The reply to a heartbeat: {"ack": N} (integer 0..2^53); other keys
 * ignored. 0 and *ret, or -EPROTO with d. */
int uplink_heartbeat_reply_parse(
    const char *buf, size_t len, uint64_t *ret_ack, struct diag *d);

/* The "some avg10=" figure of PSI text buf[0..len) such as
 * /proc/pressure/memory: the percentage of the last 10 s in which some
 * task waited for memory (pure). 0 and *ret (0..100), or -EINVAL when the
 * text has no such figure. */
int uplink_psi_some_avg10(const char *buf, size_t len, double *ret);

/* MemTotal of /proc/meminfo text, in MiB; 0 when absent (pure). */
uint64_t uplink_meminfo_mib(const char *meminfo);

/*
 * The registration body {"name","url","token","cpu_milli","memory_mib",
 * "labels":{}} (new reference, NULL without memory).
 */
json_t *uplink_register_body(const char *name, const char *url,
    const char *agent_token, uint32_t cpu_milli, uint64_t memory_mib);

/*
 * One VM of a heartbeat from an agent_vm_list summary: {"name","state",
 * "booted","heartbeat"} where heartbeat is true while the guest beats (new
 * reference, NULL without memory or for a summary without name or state).
 */
json_t *uplink_vm_entry(const json_t *summary);

#endif
