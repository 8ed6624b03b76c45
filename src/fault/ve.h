/* ve.h - variable elimination from scratch, one query variable at a time. */
#ifndef FAULT_VE_H
#define FAULT_VE_H

#include "fault/bn.h"

#include <stdint.h>

/*
 * The textbook algorithm, kept as the baseline and cross-check of the
 * junction tree: reduce every CPT by the evidence, multiply and sum out the
 * variables other than q in `order` (n_vars indexes, e.g. the junction
 * tree's), multiply what is left. Nothing is shared between queries, so
 * all posteriors cost n_vars runs. Pure.
 *
 * ev[0..n_vars): -1 unobserved, else a state index. On success out[0..
 * n_states of q) holds P(q | ev) and *ret_log_p = ln P(ev) (may be NULL).
 * -EINVAL for a bad state index, -EDOM for evidence of probability zero,
 * -E2BIG when an intermediate factor would exceed VE_FACTOR_MAX entries,
 * -ENOMEM. out is unspecified after a failure.
 */
#define VE_FACTOR_MAX (UINT64_C(1) << 24)

int ve_marginal(const struct bn *b, const int32_t *ev, const uint32_t *order,
    uint32_t q, double *out, double *ret_log_p);

#endif
