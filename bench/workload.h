/* workload.h - the placement benchmark's workload: a CSV of VMs and a host spec, read, written and generated. */
#ifndef BENCH_WORKLOAD_H
#define BENCH_WORKLOAD_H

#include "core/diag.h"

#include <stdint.h>
#include <stdio.h>

/*
 * The scenario both simulators of the side-by-side benchmark run (vmgr's
 * simulator and bench_simgrid_place): identical hosts, and VMs that arrive,
 * ask for cores and memory, and leave. The file format (docs/simgrid.md):
 *
 *   arrive_s,depart_s,cpu_milli,memory_mib
 *   0,3600,2000,4096
 *   0.5,,1000,2048
 *
 * a header line exactly as above, then one VM per line: arrival and
 * departure in seconds (decimal, 0 <= arrive_s < depart_s <= 1e9; an empty
 * depart_s means the VM never leaves), CPU in thousandths of a core and
 * memory in MiB (positive integers). Arrivals are non-decreasing. Empty
 * lines are ignored; "\r\n" line ends are accepted. Used by a single
 * thread; no globals.
 */

#define WORKLOAD_MAX_VMS 10000000u /* lines the reader accepts */
#define WORKLOAD_MAX_LINE 1024 /* bytes in one line */
#define WORKLOAD_MAX_TIME_S 1e9 /* about 31 years */
#define WORKLOAD_MAX_CPU_MILLI 1000000u /* 1,000 cores */
#define WORKLOAD_MAX_MEMORY_MIB (64ull << 20) /* 64 TiB */
#define WORKLOAD_MAX_HOSTS 1000000u
#define WORKLOAD_MAX_HOST_CORES 4096u
#define WORKLOAD_MAX_HOST_MEM_GIB 65536u

struct workload_vm {
	double arrive_s;
	double depart_s; /* INFINITY: never leaves */
	uint32_t cpu_milli;
	uint32_t cores; /* ceil(cpu_milli / 1000): what a SimGrid VM gets */
	uint64_t memory_mib;
};

/* The VMs in file order. Embedded: workload_init / workload_done. */
struct workload {
	struct workload_vm *v;
	uint32_t n, cap;
};

/* COUNT identical hosts of CORES cores and MEM_GIB GiB of memory. */
struct workload_hosts {
	uint32_t count;
	uint32_t cores;
	uint32_t mem_gib;
};

/* Makes w empty. */
void workload_init(struct workload *w);

/* Frees w's VMs and makes it empty again. */
void workload_done(struct workload *w);

/*
 * Reads a workload CSV from f and appends its VMs to w; name is the file
 * name used in diagnostics. 0 on success; -EINVAL with "name:line: what
 * was expected" in d for a malformed file (bad header, bad field, too few
 * or too many fields, a line over WORKLOAD_MAX_LINE bytes, an arrival
 * before the previous one, more than WORKLOAD_MAX_VMS VMs), -EIO on a read
 * error, -ENOMEM. On failure w keeps the VMs read before the bad line (the
 * caller frees them with workload_done).
 */
int
workload_read(struct workload *w, FILE *f, const char *name, struct diag *d);

/*
 * Writes w to f in the format above (times with up to 9 significant
 * decimals, so that reading it back gives the same doubles for times
 * the generator makes). 0, or -EIO when a write fails.
 */
int workload_write(const struct workload *w, FILE *f);

/*
 * Replaces w's VMs with n synthetic ones from seed: Poisson arrivals at
 * one per second on average, in whole seconds (so several VMs share an
 * arrival time, as in real traces); lifetimes exponential with a mean of
 * n/2 seconds, rounded up to whole seconds (at least 1); 1, 2, 4, 8 or 16
 * cores (weights 30/30/20/15/5) with 2, 4 or 8 GiB per core. cpu_milli is
 * always a multiple of 1000. Deterministic for (n, seed). 0, -EINVAL when
 * n is 0 or above WORKLOAD_MAX_VMS, -ENOMEM (w is then empty).
 */
int workload_generate(struct workload *w, uint32_t n, uint64_t seed);

/*
 * Parses a host spec "COUNT:CORES:MEM_GIB" (decimal integers, each at
 * least 1 and at most WORKLOAD_MAX_HOSTS, _HOST_CORES, _HOST_MEM_GIB).
 * 0 and *ret, or -EINVAL with the reason in d.
 */
int workload_hosts_parse(
    const char *spec, struct workload_hosts *ret, struct diag *d);

#endif
