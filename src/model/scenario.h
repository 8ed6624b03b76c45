/* scenario.h - scenario files (JSON): hosts, VMs and the strategies to use. */
#ifndef MODEL_SCENARIO_H
#define MODEL_SCENARIO_H

#include "core/diag.h"
#include "model/cluster.h"

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define SCENARIO_COUNT_MAX (UINT32_C(1) << 20) /* hosts or VMs per file */

/* A strategy choice as written: a name and its "k=v,..." parameters. */
struct scenario_choice {
	char *name; /* NULL when the file leaves it to the preset/default */
	char *params; /* NULL when none */
};

/*
 * A parsed scenario. It owns the cluster (hosts, VMs, groups, and the
 * placements the file states with "host") and lists, in file order, the VMs
 * that still need a place. Strategy names are recorded, not resolved: the
 * caller checks them against its registries. The format is in
 * docs/scenario.md.
 */
struct scenario {
	struct cluster *cluster;
	vm_id *arrivals;
	uint32_t n_arrivals;
	char *description;
	char *preset;
	struct scenario_choice allocation;
	struct scenario_choice scheduling;
	uint64_t seed;
	bool n_plus_one;
};

/* Parses a scenario from buf[0..len) (need not be NUL-terminated). On
 * failure -EINVAL (or -ENOMEM) and d holds "L:C: ..." for a syntax error or
 * "<json path>: ..." for a bad value. *ret owned by the caller. */
int scenario_parse(
    const char *buf, size_t len, struct scenario **ret, struct diag *d);

/* Frees s and its cluster; NULL-safe; returns NULL. */
struct scenario *scenario_free(struct scenario *s);

#endif
