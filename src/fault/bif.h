/* bif.h - the BIF reader (Bayesian Interchange Format, as bnlearn ships). */
#ifndef FAULT_BIF_H
#define FAULT_BIF_H

#include "core/diag.h"
#include "fault/bn.h"

#include <stddef.h>

/*
 * Parses a network from buf[0..len) (need not be NUL-terminated). Pure: no
 * I/O. Accepted:
 *
 *   network NAME { property ...; }
 *   variable NAME { type discrete [ N ] { s1, s2, ... }; property ...; }
 *   probability ( X ) { table p1, p2, ...; }
 *   probability ( X | A, B ) { (a1, b1) p1, p2, ...; default p1, ...;
 *                              table ...; }
 *
 * with // and C comments, quoted names and properties. Names are any run of
 * bytes other than blanks and the punctuation { } ( ) [ ] | , ; (so ">=7.5"
 * is a state). A conditional `table` lists P(X | A, B) with X's state
 * varying slowest and the last parent fastest (the pgmpy/JavaBayes order).
 * Variables may be declared after the probability blocks that use them.
 *
 * Every variable needs exactly one probability block, parents must exist,
 * and the graph must be acyclic. A CPT row whose sum is within
 * BN_ROW_TOLERANCE of 1 is normalised (and listed in (*ret)->warnings when
 * it was off by more than BN_ROW_QUIET); a row further off, a negative or
 * non-finite value, a missing or repeated row, or a table past the limits
 * of bn.h is an error.
 *
 * On failure returns -EINVAL (or -ENOMEM, -E2BIG past a limit), *ret is
 * untouched and d holds "L:C: expected ..., got ..." naming the line and
 * column. On success *ret is owned by the caller.
 */
int bif_parse(const char *buf, size_t len, struct bn **ret, struct diag *d);

#endif
