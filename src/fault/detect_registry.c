/* detect_registry.c - every failure detector, one line each, sorted by name. */
#include "fault/detect_registry.h"

static const struct detect_ops *const registry[] = {
	&detect_fixed_timeout,
	&detect_phi_accrual,
};

const struct detect_ops *const *
detect_registry(uint32_t *ret_n)
{
	*ret_n = ELEMENTSOF(registry);
	return registry;
}
