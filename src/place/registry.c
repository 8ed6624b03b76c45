/* registry.c - every allocation strategy, one line each, sorted by name. */
#include "place/registry.h"

static const struct place_ops *const registry[] = {
	&place_best_fit,
	&place_dot_product,
	&place_first_fit,
	&place_performance,
	&place_priority,
	&place_random,
	&place_worst_fit,
};

const struct place_ops *const *
place_registry(uint32_t *ret_n)
{
	*ret_n = ELEMENTSOF(registry);
	return registry;
}
