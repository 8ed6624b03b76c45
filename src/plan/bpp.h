/* bpp.h - the bin-packing problem as the solvers see it, and its solutions. */
#ifndef PLAN_BPP_H
#define PLAN_BPP_H

#include "model/instance.h"

#include <stdbool.h>
#include <stdint.h>

/*
 * An instance with equal size vectors merged into one type, types sorted by
 * decreasing normalised size (sum over dimensions of size/capacity, ties by
 * the size vector itself, largest first), so "decreasing" orders need no
 * further sort. `orig` maps the instance's types to these. Owned; bpp_free.
 */
struct bpp {
	uint32_t d, m; /* dimensions, types */
	int64_t cap[INSTANCE_DIMS_MAX];
	int64_t *s; /* m * d */
	uint32_t *b; /* copies of each type */
	double *w; /* normalised size: sum_k s[k] / cap[k] */
	uint32_t n; /* items: sum of b */
	uint32_t *orig; /* instance type -> type here */
	uint32_t n_orig;
};

/* Builds the problem of in. 0, -ENOMEM. */
int bpp_from_instance(const struct instance *in, struct bpp **ret);

/* NULL-safe; returns NULL. */
struct bpp *bpp_free(struct bpp *p);

static inline const int64_t *
bpp_size(const struct bpp *p, uint32_t t)
{
	return &p->s[(size_t)t * p->d];
}

/*
 * A packing: bin i holds the types type[off[i] .. off[i+1]) (one entry per
 * item). Embedded: bpp_sol_init / bpp_sol_done.
 */
struct bpp_sol {
	uint32_t n_bins;
	uint32_t *off; /* n_bins + 1 */
	uint32_t *type; /* n entries */
};

void bpp_sol_init(struct bpp_sol *s);
void bpp_sol_done(struct bpp_sol *s);

/* *dst = a copy of src (dst is emptied first). 0 or -ENOMEM. */
int bpp_sol_copy(struct bpp_sol *dst, const struct bpp_sol *src);

/*
 * Builds a packing of cnt[t] copies of each type t (NULL: p->b) from a bin
 * number per item, items listed type by type (cnt[0] copies of type 0
 * first). Bins are renumbered densely in order of first use; empty bins
 * vanish. 0 or -ENOMEM (s unchanged).
 */
int bpp_sol_from_bins(const struct bpp *p, const uint32_t *cnt,
    const uint32_t *bin_of, uint32_t n_bins, struct bpp_sol *s);

/* Appends the bins of src to dst. 0 or -ENOMEM (dst unchanged). */
int bpp_sol_append(struct bpp_sol *dst, const struct bpp_sol *src);

/*
 * Builds a packing from patterns: pattern j puts cnt[e] copies of type
 * typ[e] for e in poff[j] .. poff[j+1], used mult[j] times. Patterns may
 * cover a type more often than b says; surplus copies are dropped (which
 * keeps every bin within capacity). -EINVAL if the patterns cover a type
 * too few times; 0 or -ENOMEM otherwise.
 */
int bpp_sol_from_patterns(const struct bpp *p, uint32_t n_pat,
    const uint32_t *poff, const uint32_t *typ, const uint32_t *cnt,
    const uint32_t *mult, struct bpp_sol *s);

/* True when s packs every item of p exactly once and no bin exceeds the
 * capacity in any dimension. */
bool bpp_sol_valid(const struct bpp *p, const struct bpp_sol *s);

#endif
