/* trace_fmt.h - what each trace format implements, and the reader state they share (private to src/sim). */
#ifndef SIM_TRACE_FMT_H
#define SIM_TRACE_FMT_H

#include "core/diag.h"
#include "sim/trace.h"

#include <stdint.h>

struct trace;

/*
 * A format: open() parses the path and sets t->st (0, or -errno with d
 * set; close() runs after a failed open too); next() fills t->rec and
 * returns 1, 0 at the end, or -errno with "file:line: ..." in d; close()
 * frees t->st (NULL-safe on it). Records must come in non-decreasing
 * arrive_ns; trace.c checks it and counts.
 */
struct trace_fmt {
	const char *name;
	int (*open)(struct trace *t, const char *path, struct diag *d);
	int (*next)(struct trace *t, struct diag *d);
	void (*close)(struct trace *t);
};

struct trace {
	const struct trace_fmt *fmt;
	struct trace_opts opts;
	void *st;
	struct trace_rec rec;
	uint64_t n_recs, n_skipped, n_dropped, last_arrive_ns;
	int err; /* sticky after a failed trace_next */
	struct diag err_diag, first_bad;
};

/*
 * A malformed line or file with its message in d: with opts.skip_bad and
 * an error that skipping can get past (-EINVAL, -E2BIG), counts it, keeps
 * the first message, clears d and returns 0; otherwise returns err.
 */
int trace_fmt_bad(struct trace *t, int err, struct diag *d);

/* A record the format itself says not to replay (counted, not an error). */
void trace_fmt_drop(struct trace *t);

/* Copies name (cut to fit) into rec->name. */
void trace_fmt_name(struct trace_rec *rec, const char *name);

extern const struct trace_fmt trace_fmt_planetlab;
extern const struct trace_fmt trace_fmt_bitbrains;
extern const struct trace_fmt trace_fmt_azure;
extern const struct trace_fmt trace_fmt_alibaba;
extern const struct trace_fmt trace_fmt_swf;
extern const struct trace_fmt trace_fmt_csv;

#endif
