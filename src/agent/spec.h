/* spec.h - a VM spec for the agent: what to run and how to schedule it, from JSON. */
#ifndef AGENT_SPEC_H
#define AGENT_SPEC_H

#include "core/diag.h"

#include <jansson.h>
#include <stdbool.h>
#include <stdint.h>

#define SPEC_NAME_MAX 63
#define SPEC_PATH_MAX 1024
#define SPEC_CMDLINE_MAX 1024
#define SPEC_WORKLOAD_MAX 64
#define SPEC_TAG_MAX 63
#define SPEC_MAX_BYTES (64u * 1024) /* a spec document */
#define SPEC_MAX_CPUS 1024 /* highest CPU number + 1 in a cpu list */

/* Host CPU policies on the VM's vCPU threads (docs/agent.md, "Policies"). */
enum spec_policy {
	SPEC_POLICY_NONE, /* SCHED_OTHER, default weight */
	SPEC_POLICY_FCFS, /* SCHED_FIFO, one priority */
	SPEC_POLICY_RR, /* SCHED_RR, configured time slice */
	SPEC_POLICY_PRIORITY, /* SCHED_FIFO at 1 + priority */
	SPEC_POLICY_FAIR, /* cgroup CPU weight */
	SPEC_POLICY_CAP, /* CFS quota / period */
};

enum spec_restart {
	SPEC_RESTART_NEVER,
	SPEC_RESTART_ALWAYS,
	SPEC_RESTART_ON_FAILURE,
};

enum spec_machine {
	SPEC_MACHINE_MICROVM,
	SPEC_MACHINE_Q35,
};

struct spec_cpu {
	enum spec_policy policy;
	uint32_t priority; /* 0..97 -> SCHED_FIFO 1..98 (policy priority) */
	uint32_t weight; /* 1..10000, 100 = default (policy fair) */
	uint32_t cap_pct; /* percent of one CPU, 1..100*vcpus (policy cap) */
	uint32_t period_us; /* CFS period, 1000..1000000 (policy cap) */
	uint32_t slice_ms; /* SCHED_RR slice, 1..10000 (policy rr) */
	char cpus[128]; /* "" or a cpu list "0-1,3" for the cpuset */
};

/* Everything a VM is started from. Embedded: spec_parse*, spec_done. */
struct spec {
	char name[SPEC_NAME_MAX + 1];
	uint32_t vcpus;
	uint32_t memory_mib;
	char *kernel, *initrd, *disk; /* owned; NULL when absent */
	char *cmdline; /* owned; extra kernel arguments, may be NULL */
	char workload[SPEC_WORKLOAD_MAX + 1]; /* "" when absent */
	enum spec_machine machine;
	struct spec_cpu cpu;
	enum spec_restart restart;
	uint32_t backoff_ms, backoff_max_ms, max_restarts;
	uint64_t console_max_bytes;
	uint32_t heartbeat_timeout_ms;
	uint32_t stop_timeout_ms;
	bool incoming; /* the target of a live migration: wait for the state */
	bool self_fence; /* killed when the agent loses its manager's lease */
	/* Opaque to the agent, copied into every event of this VM: lets a
	 * manager tell one incarnation's news from an older one's. */
	char tag[SPEC_TAG_MAX + 1];
};

/*
 * Fills ret from a JSON object (docs/agent.md, "Spec"). Unknown keys,
 * missing required keys (name, vcpus, memory_mib) and values out of range
 * are -EINVAL with the JSON path in d ("cpu.policy: must be one of ...").
 * Host checks (files exist, enough CPUs) are the agent's, not the parser's.
 * On failure ret holds nothing to free.
 */
int spec_from_json(const json_t *v, struct spec *ret, struct diag *d);

/* The same from text of at most SPEC_MAX_BYTES (-EMSGSIZE beyond). */
int spec_parse(const char *buf, size_t len, struct spec *ret, struct diag *d);

/* Frees what s owns; s may be zeroed. */
void spec_done(struct spec *s);

/* Deep copy. 0 or -ENOMEM (dst holds nothing then). */
int spec_copy(struct spec *dst, const struct spec *src);

/* The spec as JSON (new reference), or NULL when memory runs out. */
json_t *spec_to_json(const struct spec *s);

/* Names, for messages and JSON. */
const char *spec_policy_name(enum spec_policy p);
const char *spec_restart_name(enum spec_restart r);
const char *spec_machine_name(enum spec_machine m);

/*
 * Parses a cpu list "0-3,5" into a bitmap of nbits bits (bits set for every
 * listed CPU). 0, or -EINVAL for bad syntax, reversed ranges or a CPU >=
 * nbits. `bits` is cleared first.
 */
int spec_cpulist_parse(const char *s, uint64_t *bits, uint32_t nbits);

#endif
