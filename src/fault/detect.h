/* detect.h - failure detectors over heartbeat arrival times: ops, registry, instances. */
#ifndef FAULT_DETECT_H
#define FAULT_DETECT_H

#include "core/diag.h"
#include "core/params.h"

#include <stdbool.h>
#include <stdint.h>

/*
 * A detector watches one peer (a host's agent, a guest). It is told when
 * each heartbeat arrived and answers, for any `now`, how suspicious the
 * silence is. Pure: no clock but the times passed in, no I/O. One file per
 * detector, listed in detect_registry.c; one instance per watched peer.
 *
 * `deadline` is what lets an event-driven caller (the simulator, the
 * daemon's timer wheel) avoid polling: the earliest time at which the
 * detector will suspect the peer if no further heartbeat arrives. It
 * changes only when a heartbeat arrives.
 */
struct detect_ops {
	const char *name; /* "phi-accrual" */
	const char *summary; /* one line for `vmgr strategies` */
	const struct param_spec *params;
	uint32_t n_params;
	/* Builds an instance from validated params. 0 or -errno. */
	int (*init)(const struct params *p, void **ret_state);
	void (*fini)(void *state); /* NULL-safe */
	/* A heartbeat arrived at t_ns; the wrapper guarantees that times
	 * never go back. */
	void (*heartbeat)(void *state, uint64_t t_ns);
	/* How suspicious the silence is at now_ns (>= the last heartbeat);
	 * the peer is suspected when level >= threshold. */
	double (*level)(const void *state, uint64_t now_ns);
	double (*threshold)(const void *state);
	/* The earliest now_ns at which level reaches the threshold absent
	 * heartbeats; UINT64_MAX for never. */
	uint64_t (*deadline)(const void *state);
};

/* Every registered detector, sorted by name. */
const struct detect_ops *const *detect_registry(uint32_t *ret_n);

/* The detector called name, or NULL. */
const struct detect_ops *detect_find(const char *name);

/* A configured detector watching one peer. */
struct detector {
	const struct detect_ops *ops;
	struct params params;
	void *state;
	uint64_t last_ns;
	bool started; /* a heartbeat has been seen */
};

/* Looks up name, applies the "k=v,..." list params (NULL: defaults).
 * -ENOENT "unknown failure detector 'x' (valid: ...)", -EINVAL for bad
 * params (message in d), -ENOMEM. *ret owned by the caller. */
int detector_new(const char *name, const char *params, struct detector **ret,
    struct diag *d);

/* NULL-safe; returns NULL. */
struct detector *detector_free(struct detector *x);

/* Records a heartbeat that arrived at t_ns. -EINVAL (detector unchanged)
 * if t_ns is before the previous heartbeat. To watch a peer from the moment
 * it is registered, call this once with the registration time. */
int detector_heartbeat(struct detector *x, uint64_t t_ns);

/* Suspicion level at now_ns; 0 before the first heartbeat or when now_ns
 * is not after the last one. */
double detector_level(const struct detector *x, uint64_t now_ns);

/* True when the peer is suspected at now_ns (level >= threshold). */
bool detector_suspect(const struct detector *x, uint64_t now_ns);

/* When the peer will be suspected if it stays silent: the earliest now_ns
 * with detector_suspect true. UINT64_MAX before the first heartbeat. */
uint64_t detector_deadline(const struct detector *x);

#endif
