/* bincomp.c - bin completion search with a per-dimension waste budget. */
#include "plan/bincomp.h"

#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

#define COMPLETIONS_MAX \
	512u /* tried per bin; more makes the search
			      * incomplete (UNKNOWN instead of INFEASIBLE) */
#define DEPTH_MAX 256u /* distinct types in one bin */
#define BINS_MAX 50000u /* recursion depth: one level per bin */

struct comp {
	uint32_t off, n; /* entries in the level's arena */
	double waste;
};

struct level {
	struct comp *c;
	uint32_t n, cap;
	uint32_t *typ, *cnt; /* arena */
	uint32_t used, cap_arena;
};

struct bc {
	const struct bpp *p;
	const struct deadline *dl;
	uint32_t *rem, *take;
	int64_t budget[INSTANCE_DIMS_MAX];
	int64_t load[INSTANCE_DIMS_MAX];
	int64_t minpos[INSTANCE_DIMS_MAX]; /* smallest positive size left */
	uint64_t nodes, limit;
	bool incomplete, stop, cut;
	uint32_t cap_n; /* completions wanted at most (counting seeds) */
	bool counting;
	/* the bins chosen so far, as (type, count) entries */
	uint32_t *sol_typ, *sol_cnt, *sol_off, n_bins, n_ent;
	struct level *lv;
	uint32_t k;
	uint32_t first; /* the largest remaining type at this level */
};

static bool
fits(const struct bc *b, uint32_t t)
{
	const int64_t *s = bpp_size(b->p, t);

	for (uint32_t j = 0; j < b->p->d; j++)
		if (b->load[j] + s[j] > b->p->cap[j])
			return false;
	return true;
}

static int
record(struct bc *b, struct level *l)
{
	const struct bpp *p = b->p;
	struct comp *c;
	uint32_t n = 0;
	double w = 0;

	for (uint32_t j = 0; j < p->d; j++) {
		int64_t waste = p->cap[j] - b->load[j];

		if (waste > b->budget[j])
			return 0;
		w += (double)waste / (double)p->cap[j];
	}
	/* Maximal: no remaining item fits any more. */
	for (uint32_t t = 0; t < p->m; t++)
		if (b->rem[t] > b->take[t] && fits(b, t))
			return 0;
	if (l->n >= b->cap_n) {
		/* Counting seeds: enough to know this seed is no better. */
		if (!b->counting)
			b->incomplete = true;
		b->cut = true;
		b->stop = true;
		return 0;
	}
	for (uint32_t t = 0; t < p->m; t++)
		n += b->take[t] > 0;
	if (l->n == l->cap) {
		uint32_t nc = l->cap ? l->cap * 2 : 16;
		struct comp *ncomp = realloc(l->c, nc * sizeof(*ncomp));

		if (!ncomp)
			return -ENOMEM;
		l->c = ncomp;
		l->cap = nc;
	}
	if (l->used + n > l->cap_arena) {
		uint32_t nc = l->cap_arena ? l->cap_arena : 64;
		uint32_t *a, *bb;

		while (nc < l->used + n)
			nc *= 2;
		a = realloc(l->typ, nc * sizeof(*a));
		if (a)
			l->typ = a;
		bb = realloc(l->cnt, nc * sizeof(*bb));
		if (bb)
			l->cnt = bb;
		if (!a || !bb)
			return -ENOMEM;
		l->cap_arena = nc;
	}
	c = &l->c[l->n++];
	c->off = l->used;
	c->n = n;
	c->waste = w;
	for (uint32_t t = 0; t < p->m; t++)
		if (b->take[t]) {
			l->typ[l->used] = t;
			l->cnt[l->used++] = b->take[t];
		}
	return 0;
}

/*
 * After adding c copies of size s, a dimension whose room exceeds the
 * waste budget yet is smaller than every remaining positive size can
 * never be filled enough: no completion below this node is acceptable.
 */
static bool
dead_end(const struct bc *b, const int64_t *s, uint32_t c)
{
	for (uint32_t j = 0; j < b->p->d; j++) {
		int64_t left = b->p->cap[j] - b->load[j] - (int64_t)c * s[j];

		if (left > b->budget[j] && left < b->minpos[j])
			return true;
	}
	return false;
}

/* Enumerates completions adding types >= from; the current set is itself
 * a candidate. */
static int
gen(struct bc *b, struct level *l, uint32_t from, uint32_t depth)
{
	const struct bpp *p = b->p;
	int r;

	if (++b->nodes > b->limit ||
	    ((b->nodes & 1023) == 0 && deadline_passed(b->dl))) {
		b->incomplete = true;
		b->stop = true;
		return 0;
	}
	r = record(b, l);
	if (r < 0 || b->stop)
		return r;
	if (depth >= DEPTH_MAX) {
		b->incomplete = true;
		return 0;
	}
	for (uint32_t t = from; t < p->m; t++) {
		const int64_t *s = bpp_size(p, t);
		uint32_t kmax = b->rem[t] - b->take[t];

		for (uint32_t j = 0; j < p->d && kmax > 0; j++) {
			int64_t left = p->cap[j] - b->load[j];

			if (s[j] > 0 && (uint64_t)(left / s[j]) < kmax)
				kmax = (uint32_t)(left / s[j]);
		}
		for (uint32_t c = kmax; c >= 1; c--) {
			if (dead_end(b, s, c))
				continue;
			b->take[t] += c;
			for (uint32_t j = 0; j < p->d; j++)
				b->load[j] += (int64_t)c * s[j];
			r = gen(b, l, t + 1, depth + 1);
			for (uint32_t j = 0; j < p->d; j++)
				b->load[j] -= (int64_t)c * s[j];
			b->take[t] -= c;
			if (r < 0 || b->stop)
				return r;
		}
	}
	return 0;
}

static int
cmp_comp(const void *x, const void *y)
{
	const struct comp *a = x, *c = y;

	if (a->waste != c->waste)
		return a->waste < c->waste ? -1 : 1;
	return a->off < c->off ? -1 : a->off > c->off;
}

/* The completions of a bin opened by one copy of `seed` into l (at most
 * cap of them). */
static int
completions(
    struct bc *b, struct level *l, uint32_t seed, uint32_t cap, bool counting)
{
	const struct bpp *p = b->p;
	int r;

	l->n = 0;
	l->used = 0;
	b->cap_n = cap;
	b->counting = counting;
	b->cut = false;
	b->stop = false;
	memset(b->load, 0, sizeof(b->load));
	b->take[seed] = 1;
	for (uint32_t j = 0; j < p->d; j++)
		b->load[j] = bpp_size(p, seed)[j];
	/* The largest item as seed needs only smaller partners (types are
	 * sorted); any other seed may take larger ones too. */
	r = gen(b, l, seed == b->first ? seed : 0, 0);
	b->take[seed] = 0;
	b->stop = false;
	return r;
}

/* True when the waste budget is below one bin: completions are few, and
 * choosing the item with the fewest (fail first) pays. */
static bool
tight(const struct bc *b)
{
	double w = 0;

	for (uint32_t j = 0; j < b->p->d; j++)
		w += (double)b->budget[j] / (double)b->p->cap[j];
	return w < 1.0;
}

/* 1 found, 0 not found below this level, <0 error. Taking another
 * completion than a level's first costs one of `disc` discrepancies. */
static int
search(struct bc *b, uint32_t bins_left, uint32_t disc)
{
	const struct bpp *p = b->p;
	struct level *l;
	uint32_t t0 = 0, seed;
	int r;

	while (t0 < p->m && b->rem[t0] == 0)
		t0++;
	if (t0 == p->m)
		return 1;
	if (bins_left == 0)
		return 0;
	if (b->n_bins >= BINS_MAX) {
		b->incomplete = true;
		return 0;
	}
	for (uint32_t j = 0; j < p->d; j++) {
		b->minpos[j] = INT64_MAX;
		for (uint32_t t = t0; t < p->m; t++) {
			int64_t x = bpp_size(p, t)[j];

			if (b->rem[t] && x > 0 && x < b->minpos[j])
				b->minpos[j] = x;
		}
	}
	l = &b->lv[b->n_bins];
	b->first = t0;
	seed = t0;
	if (tight(b)) {
		/* Fail first: the item with the fewest completions opens the
		 * bin; one with none ends this branch at once. */
		uint32_t best = COMPLETIONS_MAX + 1;

		for (uint32_t t = t0; t < p->m && best > 1; t++) {
			if (!b->rem[t])
				continue;
			r = completions(b, l, t, best, true);
			if (r < 0)
				return r;
			if (b->nodes > b->limit)
				break;
			if (!b->cut && l->n < best) {
				best = l->n;
				seed = t;
			}
		}
		if (best == 0)
			return 0;
	}
	r = completions(b, l, seed, COMPLETIONS_MAX, false);
	if (r < 0)
		return r;
	if (l->n > 1)
		qsort(l->c, l->n, sizeof(*l->c), cmp_comp);
	for (uint32_t i = 0; i < l->n; i++) {
		const struct comp *c = &l->c[i];
		int64_t waste[INSTANCE_DIMS_MAX];

		if (b->nodes > b->limit || deadline_passed(b->dl)) {
			b->incomplete = true;
			return 0;
		}
		if (i > 0 && disc == 0) {
			b->incomplete = true;
			return 0;
		}
		for (uint32_t j = 0; j < p->d; j++) {
			int64_t load = 0;

			for (uint32_t e = 0; e < c->n; e++)
				load += (int64_t)l->cnt[c->off + e] *
				    bpp_size(p, l->typ[c->off + e])[j];
			waste[j] = p->cap[j] - load;
			b->budget[j] -= waste[j];
		}
		for (uint32_t e = 0; e < c->n; e++) {
			b->rem[l->typ[c->off + e]] -= l->cnt[c->off + e];
			b->sol_typ[b->n_ent + e] = l->typ[c->off + e];
			b->sol_cnt[b->n_ent + e] = l->cnt[c->off + e];
		}
		b->n_ent += c->n;
		b->sol_off[++b->n_bins] = b->n_ent;
		r = search(b, bins_left - 1,
		    i > 0 && disc != UINT32_MAX ? disc - 1 : disc);
		if (r != 0)
			return r;
		b->n_bins--;
		b->n_ent -= c->n;
		for (uint32_t e = 0; e < c->n; e++)
			b->rem[l->typ[c->off + e]] += l->cnt[c->off + e];
		for (uint32_t j = 0; j < p->d; j++)
			b->budget[j] += waste[j];
	}
	return 0;
}

int
bincomp_solve(const struct bpp *p, uint32_t k, uint64_t nodes,
    const struct deadline *dl, struct bpp_sol *ret,
    enum bincomp_result *ret_result)
{
	struct bc b = { .p = p, .dl = dl, .limit = nodes, .k = k };
	static const uint32_t lds[] = { 0, 1, 2, 3, 5, 8, UINT32_MAX };
	uint32_t levels = k < BINS_MAX ? k : BINS_MAX;
	size_t m = p->m ? p->m : 1;
	int r = -ENOMEM;

	*ret_result = BINCOMP_UNKNOWN;
	for (uint32_t j = 0; j < p->d; j++) {
		int64_t total = 0;

		for (uint32_t t = 0; t < p->m; t++)
			total += bpp_size(p, t)[j] * (int64_t)p->b[t];
		b.budget[j] = (int64_t)k * p->cap[j] - total;
		if (b.budget[j] < 0) {
			*ret_result = BINCOMP_INFEASIBLE;
			return 0;
		}
	}
	b.rem = malloc(m * sizeof(*b.rem));
	b.take = calloc(m, sizeof(*b.take));
	b.sol_typ = malloc((p->n ? p->n : 1) * sizeof(*b.sol_typ));
	b.sol_cnt = malloc((p->n ? p->n : 1) * sizeof(*b.sol_cnt));
	b.sol_off = calloc((size_t)levels + 2, sizeof(*b.sol_off));
	b.lv = calloc((size_t)levels + 1, sizeof(*b.lv));
	if (!b.rem || !b.take || !b.sol_typ || !b.sol_cnt || !b.sol_off ||
	    !b.lv)
		goto out;
	/* Limited discrepancy search first (few detours from the fullest
	 * completions find most packings fast), then the complete search,
	 * which alone can prove infeasibility. */
	for (uint32_t i = 0; i < ELEMENTSOF(lds); i++) {
		uint64_t spent = b.nodes;

		memcpy(b.rem, p->b, p->m * sizeof(*b.rem));
		b.limit =
		    spent + (lds[i] == UINT32_MAX ? nodes - spent : nodes / 16);
		if (b.limit > nodes)
			b.limit = nodes;
		b.incomplete = false;
		b.stop = false;
		b.n_bins = b.n_ent = 0;
		r = search(&b, k, lds[i]);
		if (r != 0 || b.nodes >= nodes || deadline_passed(dl))
			break;
		/* restore the budget tracking of an unfinished pass */
		for (uint32_t j = 0; j < p->d; j++) {
			int64_t total = 0;

			for (uint32_t t = 0; t < p->m; t++)
				total += bpp_size(p, t)[j] * (int64_t)p->b[t];
			b.budget[j] = (int64_t)k * p->cap[j] - total;
		}
	}
	if (r < 0)
		goto out;
	if (r == 1) {
		uint32_t mult_one = 1;
		uint32_t *mult =
		    malloc((b.n_bins ? b.n_bins : 1) * sizeof(*mult));

		if (!mult) {
			r = -ENOMEM;
			goto out;
		}
		for (uint32_t i = 0; i < b.n_bins; i++)
			mult[i] = mult_one;
		r = bpp_sol_from_patterns(
		    p, b.n_bins, b.sol_off, b.sol_typ, b.sol_cnt, mult, ret);
		free(mult);
		if (r < 0)
			goto out;
		*ret_result = BINCOMP_FOUND;
	} else if (!b.incomplete) {
		*ret_result = BINCOMP_INFEASIBLE;
	}
	r = 0;
out:
	if (b.lv)
		for (uint32_t i = 0; i <= levels; i++) {
			free(b.lv[i].c);
			free(b.lv[i].typ);
			free(b.lv[i].cnt);
		}
	free(b.lv);
	free(b.rem);
	free(b.take);
	free(b.sol_typ);
	free(b.sol_cnt);
	free(b.sol_off);
	return r;
}
