/* bincomp.h - bin completion (Korf 2002), vector form: can the items be
 * packed into exactly k bins? */
#ifndef PLAN_BINCOMP_H
#define PLAN_BINCOMP_H

#include "plan/bpp.h"
#include "plan/deadline.h"

#include <stdint.h>

enum bincomp_result {
	BINCOMP_FOUND, /* a packing into k bins, in *ret */
	BINCOMP_INFEASIBLE, /* proven: no packing into k bins */
	BINCOMP_UNKNOWN, /* the node budget or the deadline ran out */
};

/*
 * Decides whether p fits into k bins by depth-first search bin by bin: the
 * largest remaining item opens a bin, which is completed with a maximal
 * set of remaining items (adding an item that still fits never hurts, so
 * only maximal completions are tried), tried from the fullest. A
 * completion may waste at most what is left of k * capacity - total size
 * in every dimension, which makes near-full instances (triplets: zero
 * waste) fast. At most `nodes` completions are tried. 0 and *ret_result
 * (with the packing in *ret when found), or -ENOMEM.
 */
int bincomp_solve(const struct bpp *p, uint32_t k, uint64_t nodes,
    const struct deadline *dl, struct bpp_sol *ret,
    enum bincomp_result *ret_result);

#endif
