/* deadline.c - wall-clock limits on a caller-supplied clock. */
#include "plan/deadline.h"

#define NO_LIMIT_S 1e9

void
deadline_init(struct deadline *dl, const struct clock *clk, uint64_t limit_ns)
{
	dl->clk = clk;
	dl->limited = clk && limit_ns;
	dl->start_ns = clk ? clock_now(clk) : 0;
	dl->at_ns = dl->start_ns + limit_ns;
	if (dl->at_ns < dl->start_ns)
		dl->at_ns = UINT64_MAX;
}

bool
deadline_passed(const struct deadline *dl)
{
	return dl && dl->limited && clock_now(dl->clk) >= dl->at_ns;
}

double
deadline_left_s(const struct deadline *dl)
{
	uint64_t now;

	if (!dl || !dl->limited)
		return NO_LIMIT_S;
	now = clock_now(dl->clk);
	return now >= dl->at_ns ? 0.0 : (double)(dl->at_ns - now) / 1e9;
}

double
deadline_elapsed_s(const struct deadline *dl)
{
	if (!dl || !dl->clk)
		return 0.0;
	return (double)(clock_now(dl->clk) - dl->start_ns) / 1e9;
}
