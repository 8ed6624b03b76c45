/* vm.c - VM state and performance-class names. */
#include "model/vm.h"

#include <string.h>

static const char *const state_names[VM_NSTATES] = { "pending", "queued",
	"running", "stopped", "failed", "deleted" };
static const char *const perf_names[PERF_NCLASSES] = { "low", "normal",
	"high" };

static int
lookup(const char *const *names, int n, const char *s)
{
	for (int i = 0; i < n; i++)
		if (strcmp(s, names[i]) == 0)
			return i;
	return -ENOENT;
}

const char *
vm_state_name(enum vm_state s)
{
	return s < VM_NSTATES ? state_names[s] : "?";
}

int
vm_state_parse(const char *s, enum vm_state *ret)
{
	int i = lookup(state_names, VM_NSTATES, s);

	if (i < 0)
		return i;
	*ret = (enum vm_state)i;
	return 0;
}

const char *
perf_class_name(enum perf_class p)
{
	return p < PERF_NCLASSES ? perf_names[p] : "?";
}

int
perf_class_parse(const char *s, enum perf_class *ret)
{
	int i = lookup(perf_names, PERF_NCLASSES, s);

	if (i < 0)
		return i;
	*ret = (enum perf_class)i;
	return 0;
}
