/* bn.h - a discrete Bayesian network: variables, states, CPTs (owned). */
#ifndef FAULT_BN_H
#define FAULT_BN_H

#include "core/diag.h"
#include "core/strmap.h"

#include <stddef.h>
#include <stdint.h>

/* Hard limits on what a network file can make us allocate. */
#define BN_VARS_MAX 10000u /* variables */
#define BN_STATES_MAX 1000u /* states of one variable */
#define BN_PARENTS_MAX 32u /* parents of one variable */
#define BN_TABLE_MAX (UINT32_C(1) << 24) /* entries of one CPT */
#define BN_TOTAL_MAX (UINT32_C(1) << 26) /* entries of all CPTs */
#define BN_NAME_MAX 255u /* bytes of a variable or state name */

/* A CPT row that sums to 1 within this is normalised (and reported); one
 * further off is an error. */
#define BN_ROW_TOLERANCE 1e-6
/* Rows closer to 1 than this are normalised silently (decimal rounding). */
#define BN_ROW_QUIET 1e-12

/*
 * One variable. Its CPT holds P(var = s | parents = cfg) at
 * cpt[cfg * n_states + s], where cfg enumerates the parents' states in the
 * order of `parents` with the last parent varying fastest. Every row sums
 * to 1 (exactly, up to rounding) once a network is built.
 */
struct bn_var {
	char *name;
	char **states;
	uint32_t n_states;
	uint32_t *parents;
	uint32_t n_parents;
	double *cpt;
	uint32_t n_cfg; /* product of the parents' state counts (1 for none) */
};

/* A CPT row that was normalised: where it is and what it summed to. */
struct bn_warning {
	uint32_t line, col; /* of the row in the source text (1-based) */
	uint32_t var;
	uint32_t row; /* parent configuration index */
	double sum;
};

/*
 * A network owns its variables, their names and tables, and the list of
 * rows it normalised. Variables keep the order of their declaration. Built
 * by bif_parse (or any reader); read-only afterwards. Not thread-safe.
 */
struct bn {
	char *name;
	struct bn_var *vars;
	uint32_t n_vars, cap_vars;
	struct strmap index; /* variable name -> index */
	struct bn_warning *warnings;
	uint32_t n_warnings, cap_warnings;
};

/* An empty network in *ret (owned by the caller). 0 or -ENOMEM. */
int bn_new(struct bn **ret);

/* Frees b and all it owns; NULL-safe; returns NULL. */
struct bn *bn_free(struct bn *b);

/* Index of the variable called name: 0 and *ret, or -ENOENT. */
int bn_find_var(const struct bn *b, const char *name, uint32_t *ret);

/* Index of state `name` of variable v: 0 and *ret, or -ENOENT. */
int
bn_find_state(const struct bn *b, uint32_t v, const char *name, uint32_t *ret);

/* Writes "a, b, c" (the variable's states) into out, truncated to n. */
void bn_state_list(const struct bn *b, uint32_t v, char *out, size_t n);

/* Writes every variable name, ", "-separated, into out (truncated with
 * "..." when longer than n). */
void bn_var_list(const struct bn *b, char *out, size_t n);

/* Parses "VAR=state;VAR=state" into ev[0..n_vars) (-1: unobserved, else a
 * state index). Each item is split at its first '=' (state names may hold
 * '='); empty items and surrounding spaces are ignored; "-" or "" is no
 * evidence. -ENOENT for an unknown variable or state, -EINVAL for an item
 * without '=' or a variable given twice with different states; d says which
 * and lists the valid names. ev is fully written on success only. */
int bn_evidence_parse(
    const struct bn *b, const char *text, int32_t *ev, struct diag *d);

#endif
