/* interval.h - weighted interval scheduling: which reservations a host
 * should accept so that the accepted ones never overlap and are worth the
 * most. */
#ifndef SCHED_INTERVAL_H
#define SCHED_INTERVAL_H

#include <stdint.h>

#define INTERVAL_MAX (UINT32_C(1) << 24) /* reservations per call */

/* A reservation of the whole host for [start_ns, end_ns). */
struct interval_req {
	uint64_t start_ns, end_ns;
	uint64_t weight;
};

/*
 * Chooses pairwise non-overlapping reservations (half-open: one may start
 * when another ends) of maximum total weight, by the classic dynamic
 * program over reservations sorted by end time with a binary search for
 * the last compatible one: O(n log n) time, O(n) memory. ret_idx (n
 * entries, caller's) receives the chosen indexes in increasing start
 * time, *ret_n their number, *ret_weight their total. Ties go to the
 * earlier-ending choice, so the answer is deterministic. 0, -EINVAL for
 * end <= start, n > INTERVAL_MAX or a total weight that overflows,
 * -ENOMEM.
 */
int interval_schedule(const struct interval_req *r, uint32_t n,
    uint32_t *ret_idx, uint32_t *ret_n, uint64_t *ret_weight);

#endif
