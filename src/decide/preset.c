/* preset.c - preset table and the precedence of strategy choices. */
#include "decide/preset.h"

#include <stdio.h>
#include <string.h>

#define DEFAULT_ALLOCATION "first-fit"
#define DEFAULT_SCHEDULING "fcfs"

/* The seed's three bundles. */
static const struct preset presets[] = {
	{ "cloud", "best-fit", "rr",
	    "need-based allocation (best fit) + round-robin scheduling" },
	{ "distributed", "priority", "fcfs",
	    "priority-based allocation + first-come-first-served scheduling" },
	{ "hpc", "performance", "priority",
	    "performance-based allocation + priority scheduling" },
};

const struct preset *
preset_list(uint32_t *ret_n)
{
	*ret_n = ELEMENTSOF(presets);
	return presets;
}

const struct preset *
preset_find(const char *name)
{
	for (size_t i = 0; i < ELEMENTSOF(presets); i++)
		if (strcmp(presets[i].name, name) == 0)
			return &presets[i];
	return NULL;
}

int
preset_choose(
    const struct scenario *s, struct preset_choice *ret, struct diag *d)
{
	const struct preset *p = NULL;
	char names[256];
	size_t off = 0;

	if (s->preset) {
		p = preset_find(s->preset);
		if (!p) {
			names[0] = '\0';
			for (size_t i = 0; i < ELEMENTSOF(presets); i++)
				off += (size_t)snprintf(names + off,
				    sizeof(names) - off, "%s%s", i ? ", " : "",
				    presets[i].name);
			diag_set(d, "preset: unknown preset '%s' (valid: %s)",
			    s->preset, names);
			return -ENOENT;
		}
	}
	ret->preset = p ? p->name : NULL;
	ret->allocation = s->allocation.name ? s->allocation.name
	    : p				     ? p->allocation
					     : DEFAULT_ALLOCATION;
	ret->allocation_params =
	    s->allocation.name ? s->allocation.params : NULL;
	ret->scheduling = s->scheduling.name ? s->scheduling.name
	    : p				     ? p->scheduling
					     : DEFAULT_SCHEDULING;
	ret->scheduling_params =
	    s->scheduling.name ? s->scheduling.params : NULL;
	return 0;
}
