/* clock.c - virtual and monotonic clocks behind one interface. */
#include "core/clock.h"

#include <assert.h>
#include <time.h>

void
clock_init_virtual(struct clock *c, uint64_t start_ns)
{
	c->is_virtual = true;
	c->virtual_ns = start_ns;
}

void
clock_init_monotonic(struct clock *c)
{
	c->is_virtual = false;
	c->virtual_ns = 0;
}

uint64_t
clock_now(const struct clock *c)
{
	struct timespec ts;

	if (c->is_virtual)
		return c->virtual_ns;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * NS_PER_S + (uint64_t)ts.tv_nsec;
}

void
clock_set(struct clock *c, uint64_t t_ns)
{
	assert(c->is_virtual);
	assert(t_ns >= c->virtual_ns);
	c->virtual_ns = t_ns;
}
