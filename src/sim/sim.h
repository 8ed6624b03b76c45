/* sim.h - the discrete-event simulator: a trace through the decision engine, with metrics. */
#ifndef SIM_SIM_H
#define SIM_SIM_H

#include "core/diag.h"
#include "decide/engine.h"
#include "fault/diagnosis.h"
#include "model/resource.h"
#include "sim/trace.h"

#include <stdbool.h>
#include <stdint.h>

struct sim_progress {
	uint64_t events;
	uint64_t sim_ns;
	uint64_t vms;
	double wall_s;
};

struct sim_opts {
	const char *trace; /* FORMAT:PATH or synthetic:k=v,... (source.h) */
	struct trace_opts topts;
	const char *hosts; /* host spec (hosts.h) */
	const char *power_dir; /* SPECpower curves; NULL: the default */
	uint32_t cpu_overcommit; /* thousandths; 0: 1.0 */
	struct engine_opts eng;
	bool ha; /* trace VMs are HA (restarted after failures) */
	uint64_t sample_ns; /* time-series step; 0: 300 s */
	uint64_t horizon_ns; /* stop here (0: when the workload ends) */
	/* Host failures: a rate (per host and year, exponential), and/or a
	 * schedule "T_S:HOST[,T_S:HOST...]"; detected detect_s after, and
	 * back repair_s after. */
	double fail_per_host_year;
	const char *fail_at;
	double detect_s, repair_s;
	/* Faults by type (enum fault_cause): a rate per host and year for
	 * the host causes (hardware, partition, exhaustion), per VM and year
	 * for the VM causes; and a schedule "T_S:HOST:CAUSE[,...]" (a VM
	 * cause hits that host's first running VM). fail_per_host_year and
	 * fail_at above are host-hardware shorthands. */
	double fault_rate[FAULT_NCAUSES];
	const char *fault_at;
	void (*progress)(void *ctx, const struct sim_progress *p);
	void *progress_ctx;
};

/* Defaults: first-fit + fcfs, HA VMs, 300 s samples, detection 3 s,
 * repair 1 h, power curves from $VMGR_DATA/specpower_cloudsim (VMGR_DATA
 * defaults to the ../shared/data beside the source tree). */
void sim_opts_default(struct sim_opts *o);

/* One time-series sample. Shares are of the capacity of all hosts. */
struct sim_row {
	uint64_t t_ns;
	uint32_t active_hosts, running, queued;
	double alloc_cpu, alloc_mem, used_cpu;
	double power_w;
};

struct sim_result {
	char allocation[64], scheduling[64];
	uint64_t events, vms, started, queued_vms, refused, completed;
	uint64_t preemptions, suspensions, migrations, failures, restarted,
	    lost, bad_lines;
	uint32_t hosts;
	double sim_s, wall_s;
	double host_hours; /* hours hosts were on (had VMs) */
	double energy_kwh; /* NaN when no power curves */
	double overload_host_hours; /* hours with CPU use above capacity */
	double overload_share; /* of host_hours (Beloglazov's SLATAH) */
	double migration_gib, migration_s;
	double wait_mean_s, wait_p50_s, wait_p90_s, wait_p99_s, wait_max_s;
	double util_alloc[RES_NDIM]; /* allocated share of on hosts' capacity */
	double util_used_cpu; /* used CPU share of on hosts' capacity */
	double stranded[RES_NDIM]; /* free but unusable share (samples) */
	double restart_mean_s, restart_max_s; /* failure -> running again */
	/* Injected faults by cause; how many the diagnosis ranked first
	 * correctly (top-1), from symptoms drawn from the model given the
	 * cause; detection delay; VMs that ran twice at once (must be 0). */
	uint64_t faults[FAULT_NCAUSES], diag_correct[FAULT_NCAUSES];
	double detect_mean_s;
	uint64_t double_runs;
	struct sim_row *rows;
	uint32_t n_rows;
};

/* Runs a whole simulation. Deterministic: the same options give the same
 * result, wall_s aside. 0, or -errno with "where: what" in d (a bad host
 * spec, a trace error, an unknown strategy). r is filled either way
 * (sim_result_done frees it). */
int sim_run(const struct sim_opts *o, struct sim_result *r, struct diag *d);

void sim_result_done(struct sim_result *r);

#endif
