/* heur.h - packing heuristics: next/first/best fit decreasing, bin-centric
 * dot-product filling and minimum bin slack. */
#ifndef PLAN_HEUR_H
#define PLAN_HEUR_H

#include "plan/bpp.h"
#include "plan/deadline.h"

#include <stdint.h>

/* The rules heur_pack tries, for reports. */
enum heur_rule {
	HEUR_NFD, /* next fit decreasing: O(n), always first */
	HEUR_FFD, /* first fit decreasing, normalised-sum order */
	HEUR_FFD_MAX, /* first fit decreasing, largest-dimension order */
	HEUR_BFD, /* best fit decreasing (least normalised room left) */
	HEUR_DOT, /* bin-centric: fill one bin at a time with the item best
		   * aligned (dot product) with the room left */
	HEUR_MBS, /* minimum bin slack (Gupta and Ho; Fleszar and Hindi's
		   * MBS'): the largest item, then the subset that leaves
		   * the least normalised room, bin by bin */
	HEUR_NRULES,
};

const char *heur_rule_name(enum heur_rule r);

/*
 * Packs cnt[t] copies of each type t of p (cnt NULL: all of p) with every
 * rule in turn, stopping early once a packing reaches `target` bins (0:
 * none) or the deadline passes (NFD always runs, so there is always a
 * packing). The best packing replaces *best if *best is empty or has more
 * bins; *ret_rule (may be NULL) says which rule found the final *best
 * (HEUR_NRULES if *best was kept). Deterministic. 0 or -ENOMEM.
 */
int heur_pack(const struct bpp *p, const uint32_t *cnt, uint32_t target,
    const struct deadline *dl, struct bpp_sol *best, enum heur_rule *ret_rule);

/* As heur_pack without minimum bin slack (the slow rule): for the many
 * residual packings a dive asks for. */
int heur_pack_fast(const struct bpp *p, const uint32_t *cnt, uint32_t target,
    const struct deadline *dl, struct bpp_sol *best);

/* One rule alone (for tests and benchmarks); *ret is replaced. */
int heur_run(const struct bpp *p, const uint32_t *cnt, enum heur_rule rule,
    const struct deadline *dl, struct bpp_sol *ret);

#endif
