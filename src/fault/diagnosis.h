/* diagnosis.h - vmgr's own diagnosis model: symptoms of a VM and its host in, ranked causes out. */
#ifndef FAULT_DIAGNOSIS_H
#define FAULT_DIAGNOSIS_H

#include "core/diag.h"
#include "core/rng.h"
#include "fault/bn.h"

#include <stdbool.h>

#include <stdint.h>

/* The root causes, in the model's order. */
enum fault_cause {
	FAULT_HOST_HARDWARE, /* the host died: board, CPU, DIMM, PSU, power */
	FAULT_HOST_PARTITION, /* the host lives but is cut off the network */
	FAULT_HYPERVISOR_CRASH, /* the VM's QEMU process crashed or hung */
	FAULT_GUEST_FAILURE, /* the guest kernel panicked or hung */
	FAULT_STORAGE, /* the VM's storage path failed */
	FAULT_HOST_EXHAUSTION, /* the host ran out of memory (or CPU) */
	FAULT_NCAUSES,
};

/* What the agent and the manager can observe. Binary symptoms take
 * FAULT_NO / FAULT_YES; SYM_QEMU_EXIT takes an enum fault_qemu_exit. */
enum fault_symptom {
	SYM_AGENT_HEARTBEATS_MISSED, /* the manager's detector suspects the agent */
	SYM_PEERS_CANNOT_REACH, /* other hosts cannot reach it either */
	SYM_QEMU_EXIT, /* what the agent saw of the QEMU process */
	SYM_QMP_UNRESPONSIVE, /* QMP commands time out */
	SYM_GUEST_HEARTBEAT_MISSING, /* the guest's own heartbeat stopped */
	SYM_GUEST_PANICKED, /* QMP GUEST_PANICKED (pvpanic) */
	SYM_BLOCK_IO_ERROR, /* QMP BLOCK_IO_ERROR */
	SYM_HOST_MEMORY_PRESSURE, /* PSI memory pressure on the host */
	FAULT_NSYMPTOMS,
};

enum fault_qemu_exit {
	QEMU_RUNNING,
	QEMU_EXIT_OK, /* exited with status 0 */
	QEMU_EXIT_ERROR, /* exited with a non-zero status */
	QEMU_KILLED, /* SIGKILL (the OOM killer, an operator) */
	QEMU_CRASHED, /* SIGSEGV, SIGABRT, SIGBUS, ... */
	QEMU_NEXITS,
};

#define FAULT_UNOBSERVED (-1)
#define FAULT_NO 0
#define FAULT_YES 1

/* One observation: sym[s] is FAULT_UNOBSERVED or a state of symptom s. */
struct fault_obs {
	int8_t sym[FAULT_NSYMPTOMS];
};

/* A diagnosis: posterior of each cause being present, the probability that
 * none is, and the causes from most to least likely. */
struct fault_dx {
	double p[FAULT_NCAUSES];
	double p_none;
	double p_evidence; /* P(observation) under the model */
	enum fault_cause rank[FAULT_NCAUSES];
};

/* A compiled diagnosis model; owns its network. Pure; one query at a time
 * (the simulator and the daemon each keep their own). */
struct fault_model;

/* Sets every symptom unobserved. */
void fault_obs_init(struct fault_obs *o);

/* Machine names: "host-hardware", ...; "agent-heartbeats-missed", ...;
 * "running", "exit-ok", ... */
const char *fault_cause_name(enum fault_cause c);
const char *fault_symptom_name(enum fault_symptom s);
const char *fault_qemu_exit_name(enum fault_qemu_exit e);

/* Builds a model from b, which must have the variables and states of
 * models/vmgr-diagnosis.bif (causes {absent, present}, symptoms {no, yes},
 * QemuExit {running, exit_ok, exit_error, killed, crashed}). Takes b on
 * success; on failure b stays the caller's, and d names what is missing
 * (-ENOENT) or why it cannot compile. */
int fault_model_new(struct bn *b, struct fault_model **ret, struct diag *d);

/* The model shipped in models/vmgr-diagnosis.bif (compiled into the
 * library). 0 or -ENOMEM. */
int fault_model_default(struct fault_model **ret, struct diag *d);

/* NULL-safe; returns NULL. */
struct fault_model *fault_model_free(struct fault_model *m);

/* The model's network (borrowed), e.g. to print it. */
const struct bn *fault_model_bn(const struct fault_model *m);

/* Diagnoses one observation. 0 and *ret filled; -EINVAL for a symptom
 * state out of range; -EDOM when the model gives the observation
 * probability zero. */
int fault_diagnose(
    struct fault_model *m, const struct fault_obs *o, struct fault_dx *ret);

/* Inverse of fault_cause_name; 0 and *ret, or -ENOENT. */
int fault_cause_parse(const char *s, enum fault_cause *ret);

/* Is cause c about a whole host (hardware, partition, exhaustion) rather
 * than one VM? */
bool fault_cause_is_host(enum fault_cause c);

/*
 * Draws what the agent and manager would observe if `cause` alone were
 * present (every other cause absent), by forward sampling the model's
 * tables with rng r: every symptom gets a state. The simulator injects
 * faults this way and then diagnoses them. 0, or -EINVAL for a cause out
 * of range.
 */
int fault_sample(const struct fault_model *m, enum fault_cause cause,
    struct rng *r, struct fault_obs *ret);

#endif
