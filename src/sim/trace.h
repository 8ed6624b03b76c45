/* trace.h - trace readers: a stream of VM records from a datacenter trace. */
#ifndef SIM_TRACE_H
#define SIM_TRACE_H

#include "core/diag.h"
#include "model/resource.h"

#include <stdbool.h>
#include <stdint.h>

/*
 * One VM (or job, or pod) of a trace. Times are nanoseconds from the start
 * of the trace. Usage samples, when the format has them, are the share of
 * the requested demand in use, in thousandths (1000 = all of it; above 1000
 * when a VM uses more than it asked for), taken every `step_ns` from
 * `arrive_ns`; the arrays belong to the record and stay valid until the next
 * trace_next or trace_close.
 */
struct trace_rec {
	char name[64];
	uint64_t arrive_ns;
	uint64_t depart_ns; /* TRACE_FOREVER: runs to the end of the trace */
	struct res demand; /* requested: cpu_milli, memory_mib, disk, net */
	int32_t priority; /* 0 unless the format has one */
	uint32_t gpu_milli; /* Alibaba: GPU share requested (not placed yet) */
	uint32_t n_samples;
	uint64_t step_ns;
	const uint16_t *cpu_use; /* n_samples values, or NULL */
	const uint16_t *mem_use; /* n_samples values, or NULL */
};

#define TRACE_FOREVER UINT64_MAX

/* Options every reader takes. */
struct trace_opts {
	bool skip_bad; /* count and skip malformed lines instead of failing */
	uint64_t max_recs; /* stop after this many records (0: no limit) */
	uint64_t seed; /* random choices: azure lifetimes within a bin */
};

struct trace;

/*
 * Opens `spec` of the form FORMAT:PATH, where FORMAT is one of planetlab,
 * bitbrains, azure, alibaba, swf, csv (see docs/traces.md for each format
 * and what PATH may be: a file, a directory, or an archive). Records come
 * in non-decreasing arrive_ns order. 0 and *ret, or -ENOENT (unknown format,
 * missing file) / -EINVAL / -EPROTO with "path:line: what was expected" in
 * d.
 */
int trace_open(const char *spec, const struct trace_opts *o, struct trace **ret,
    struct diag *d);

/* The next record: 1 and *ret filled (borrowed until the next call), 0 at
 * the end, or -errno with "file:line: ..." in d (a malformed line when
 * skip_bad is off, an I/O error). */
int trace_next(struct trace *t, const struct trace_rec **ret, struct diag *d);

/* Lines skipped as malformed so far (with skip_bad), and the first such
 * line's diagnostic (empty when none). */
uint64_t trace_skipped(const struct trace *t, const char **first_error);

/* Records the format itself says not to replay, skipped without an error
 * and without skip_bad (SWF: cancelled jobs, jobs without a processor
 * count or submit time; see docs/traces.md). */
uint64_t trace_dropped(const struct trace *t);

/* Closes t; NULL-safe; returns NULL. */
struct trace *trace_close(struct trace *t);

/* The formats trace_open knows, comma-separated, for messages. */
const char *trace_formats(void);

/*
 * Host lists from a trace (Alibaba's node list). Reads `path` and appends
 * one host capacity per node to *ret (n in *ret_n, owned by the caller,
 * free()). *ret and *ret_n must start as NULL and 0, or hold a previous
 * result. 0 or -errno with "file:line: ..." in d; both unchanged on
 * failure.
 */
int trace_read_nodes(
    const char *path, struct res **ret, uint32_t *ret_n, struct diag *d);

#endif
