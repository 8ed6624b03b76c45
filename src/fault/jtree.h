/* jtree.h - exact inference on a Bayesian network by a junction tree. */
#ifndef FAULT_JTREE_H
#define FAULT_JTREE_H

#include "core/diag.h"
#include "fault/bn.h"

#include <stdint.h>

/* Clique table entries a compiled tree may hold in all (each entry costs
 * 8 bytes of potential, 8 of initial potential and 4 to 8 of index maps). */
#define JTREE_SIZE_MAX (UINT64_C(1) << 24)

/*
 * A network compiled for repeated queries: moralised, triangulated by the
 * best of three greedy elimination heuristics (min-fill, min-weight,
 * weighted min-fill: the one with the smallest total clique size), its
 * elimination cliques joined into a junction tree (forest), each CPT
 * multiplied into one clique. A query enters hard evidence and runs Hugin
 * propagation (collect to the root, distribute back), scaling messages so
 * that P(evidence) keeps its precision as a logarithm. Pure; owns its
 * tables; borrows the bn, which must outlive it. One query at a time.
 */
struct jtree;

/* What a compiled tree looks like (for reports and benchmarks). */
struct jtree_stats {
	const char
	    *heuristic; /* "min-fill", "min-weight", "weighted-min-fill" */
	uint32_t n_cliques;
	uint32_t max_clique_vars;
	uint64_t max_clique_size; /* entries */
	uint64_t total_size; /* entries over all cliques */
};

/* Compiles b. -E2BIG when the tree would exceed JTREE_SIZE_MAX entries
 * (d says how many it needs), -ENOMEM. *ret owned by the caller. */
int jtree_new(const struct bn *b, struct jtree **ret, struct diag *d);

/* NULL-safe; returns NULL. */
struct jtree *jtree_free(struct jtree *t);

/* Computes every variable's posterior given hard evidence ev[0..n_vars)
 * (-1 unobserved, else a state index). 0 and *ret_log_p = ln P(evidence)
 * (may be NULL); -EINVAL for a state index out of range; -EDOM when the
 * evidence has probability zero (no posterior exists). After a failure the
 * marginals are invalid until the next successful query. */
int jtree_query(struct jtree *t, const int32_t *ev, double *ret_log_p);

/* The posterior of variable v from the last successful query: n_states
 * probabilities summing to 1, owned by t, valid until the next query. */
const double *jtree_marginal(const struct jtree *t, uint32_t v);

void jtree_stats(const struct jtree *t, struct jtree_stats *ret);

/* The elimination order the tree was built from: n_vars variable indexes,
 * owned by t (for baselines that eliminate in the same order). */
const uint32_t *jtree_elimination_order(const struct jtree *t);

#endif
