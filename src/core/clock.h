/* clock.h - time as uint64_t nanoseconds from a virtual or monotonic clock. */
#ifndef CORE_CLOCK_H
#define CORE_CLOCK_H

#include <stdbool.h>
#include <stdint.h>

#define NS_PER_US UINT64_C(1000)
#define NS_PER_MS UINT64_C(1000000)
#define NS_PER_S UINT64_C(1000000000)

/*
 * Decision code reads time only through a clock it is given. The simulator
 * passes a virtual clock it advances itself; the daemon passes the monotonic
 * clock. Embedded: clock_init_*; no _done needed.
 */
struct clock {
	bool is_virtual;
	uint64_t virtual_ns;
};

/* A virtual clock that reads start_ns until advanced. */
void clock_init_virtual(struct clock *c, uint64_t start_ns);

/* The host's CLOCK_MONOTONIC. */
void clock_init_monotonic(struct clock *c);

/* Current time in nanoseconds. */
uint64_t clock_now(const struct clock *c);

/* Moves a virtual clock to t_ns; time never goes back (asserted). */
void clock_set(struct clock *c, uint64_t t_ns);

#endif
