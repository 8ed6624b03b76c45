/* preset.h - the seed's scenario presets: an allocation strategy and a scheduling policy. */
#ifndef DECIDE_PRESET_H
#define DECIDE_PRESET_H

#include "core/diag.h"
#include "model/scenario.h"

#include <stdint.h>

struct preset {
	const char *name; /* "hpc" */
	const char *allocation; /* a place registry name */
	const char *scheduling; /* a sched registry name */
	const char *summary;
};

/* Every preset, sorted by name. */
const struct preset *preset_list(uint32_t *ret_n);

/* The preset called name, or NULL. */
const struct preset *preset_find(const char *name);

/* The strategies in force for a scenario, in order of precedence: the
 * scenario's own allocation/scheduling, its preset's, then the defaults
 * (first-fit, fcfs). The names are not checked against the registries
 * (placer_new and scheduler_new do that). -ENOENT with "preset: unknown
 * preset 'x' (valid: ...)" in d. Returned strings are borrowed from s or
 * static tables. */
struct preset_choice {
	const char *allocation, *allocation_params;
	const char *scheduling, *scheduling_params;
	const char *preset; /* NULL when none */
};
int preset_choose(
    const struct scenario *s, struct preset_choice *ret, struct diag *d);

#endif
