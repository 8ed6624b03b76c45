/* run.h - the CLI's offline run of a scenario: load, resolve strategies, place. */
#ifndef CLI_RUN_H
#define CLI_RUN_H

#include "cli/cli.h"
#include "model/scenario.h"
#include "place/place.h"

#include <stdbool.h>
#include <stdint.h>

/* What the command line overrides. */
struct run_opts {
	const char *path;
	const char *strategy; /* NULL: the scenario's, its preset's, default */
	const char *params; /* NULL: the scenario's (when strategy unset) */
	uint64_t seed;
	bool seed_set;
};

/* A loaded scenario with its placer and the order its arrivals go in. */
struct run {
	char *buf;
	struct scenario *s;
	struct placer *p;
	const char *strategy, *scheduling, *preset;
	vm_id *order; /* the arrivals, in the order the strategy wants */
};

/* Loads o->path and resolves the strategies (command line over scenario
 * over preset over defaults). EXIT_OK, or the exit code after printing a
 * one-line error as `vmgr CMD: ...`. */
int run_open(struct cli *cli, const char *cmd, const struct run_opts *o,
    struct run *ret);

/* Frees what r holds. */
void run_close(struct run *r);

/* Places arrival i (an index into r->order): asks the strategy, releases
 * its victims to the queue, reserves. 0, -ENOSPC (why filled), or another
 * -errno if the strategy chose a host the cluster refuses (a bug). */
int run_step(
    struct run *r, uint32_t i, struct place_decision *dec, struct why *why);

/* Parses the options `place` and `why-not` share (--strategy, --params,
 * --seed, --json, --help); positional arguments stay in argv[optind..].
 * EXIT_OK, EXIT_USAGE after a one-line error, or -1 after printing usage. */
int run_parse_opts(struct cli *cli, const char *cmd, const char *usage,
    int argc, char **argv, struct run_opts *o, bool *json);

#endif
