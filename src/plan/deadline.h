/* deadline.h - a wall-clock limit read through the clock the caller passes. */
#ifndef PLAN_DEADLINE_H
#define PLAN_DEADLINE_H

#include "core/clock.h"

#include <stdbool.h>
#include <stdint.h>

/*
 * Planning is pure (rank 2): it never reads a clock of its own. A caller
 * that wants a time limit passes a clock (the monotonic one in programs, a
 * virtual one in tests) and the limit; solvers check the deadline between
 * steps and hand the remaining seconds to CBC/Clp. Embedded, no _done.
 */
struct deadline {
	const struct clock *clk; /* NULL: no clock, no limit */
	uint64_t start_ns, at_ns;
	bool limited;
};

/* A deadline limit_ns after now on clk; clk NULL or limit_ns 0: none. */
void
deadline_init(struct deadline *dl, const struct clock *clk, uint64_t limit_ns);

/* True once the deadline has passed (never without one). */
bool deadline_passed(const struct deadline *dl);

/* Seconds left (>= 0); a large number without a deadline. */
double deadline_left_s(const struct deadline *dl);

/* Seconds since deadline_init (0 without a clock). */
double deadline_elapsed_s(const struct deadline *dl);

#endif
