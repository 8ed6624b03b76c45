/* source.h - where the simulator's VMs come from: a trace reader or a generator. */
#ifndef SIM_SOURCE_H
#define SIM_SOURCE_H

#include "core/diag.h"
#include "sim/trace.h"

/*
 * A stream of trace records in non-decreasing arrival order: either a
 * trace file (trace.h) or the synthetic generator. next() returns 1 with a
 * record borrowed until the next call, 0 at the end, or -errno with d set.
 */
struct source {
	void *ctx;
	int (*next)(void *ctx, const struct trace_rec **ret, struct diag *d);
	/* Malformed lines skipped so far (opts.skip_bad); NULL: none. */
	uint64_t (*skipped)(void *ctx);
	void (*close)(void *ctx);
};

/*
 * Opens "FORMAT:PATH" (see trace.h) or "synthetic:k=v,..." with
 *   vms=N (1000)    VMs to generate
 *   rate=R (1)      arrivals per second (Poisson)
 *   life=S (3600)   mean lifetime in seconds (exponential)
 *   prio=K (1)      priorities drawn from 0 .. K-1
 * and sizes drawn evenly from common cloud flavours (1 vCPU/2 GiB up to
 * 16 vCPU/64 GiB). 0, or -errno with what is wrong in d.
 */
int source_open(const char *spec, const struct trace_opts *o,
    struct source *ret, struct diag *d);

void source_close(struct source *s);

#endif
