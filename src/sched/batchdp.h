/* batchdp.h - dynamic programming for batch admission: the most valuable
 * set of waiting VMs that fits the free capacity (a multi-dimensional
 * knapsack per host). */
#ifndef SCHED_BATCHDP_H
#define SCHED_BATCHDP_H

#include "model/resource.h"

#include <stdbool.h>
#include <stdint.h>

#define BATCHDP_ITEMS_MAX 4096u
#define BATCHDP_WORK_DEFAULT (UINT64_C(1) << 22) /* items x states */
#define BATCHDP_WORK_MIN 4096u /* per host, however many */

struct batchdp_item {
	struct res need;
	uint64_t value; /* > 0 */
};

/*
 * What batchdp_select decided. bin[i] is the bin item i goes to, or
 * UINT32_MAX. `exact` is true when every bin's DP ran on exact sizes and
 * at most one bin had room, so the selection is optimal; otherwise see
 * batchdp_select.
 */
struct batchdp_result {
	uint32_t *bin; /* n items, owned */
	uint64_t value;
	uint32_t chosen;
	bool exact;
	bool scaled; /* some bin's sizes were coarsened to fit the budget */
};

/*
 * Chooses items for bins of capacity cap[0..n_bins) maximising the total
 * value, each item in at most one bin. Per bin, an exact 0/1 DP over the
 * dimensions that matter (where an item needs something), on a grid of
 * the greatest common divisor of the capacity and the sizes in each
 * dimension, so the common cases (millicores in steps of 250, memory in
 * GiB) are exact with few states. When items x states would exceed the
 * budget (`work`, 0: BATCHDP_WORK_DEFAULT, shared evenly by the bins that
 * have room, at least BATCHDP_WORK_MIN each) the grid coarsens: sizes round up and the
 * capacity down, so what is chosen always fits, but the optimum may be
 * missed (`scaled`, not `exact`). Several bins are filled one after
 * another, the roomiest first, each optimally for the items left: a
 * heuristic for the multiple knapsack, exact only with one bin that has
 * room. 0 and *ret (free with batchdp_result_done), -EINVAL past
 * BATCHDP_ITEMS_MAX items or for a zero value, -ENOMEM.
 */
int batchdp_select(const struct batchdp_item *items, uint32_t n,
    const struct res *cap, uint32_t n_bins, uint64_t work,
    struct batchdp_result *ret);

void batchdp_result_done(struct batchdp_result *r);

#endif
