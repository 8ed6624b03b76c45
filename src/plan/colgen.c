/* colgen.c - pattern LP by column generation (Clp), knapsack pricing,
 * diving and a CBC pass over the pattern pool. Pure but for the solvers'
 * own use of the clock, which the deadline bounds. */
#include "plan/colgen.h"

#include "core/rng.h"
#include "plan/heur.h"

#include <Cbc_C_Interface.h>
#include <Clp_C_Interface.h>
#include <float.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define EPS 1e-9
#define RC_EPS 1e-7 /* a pattern improves the LP if it is worth > 1 + this */
#define LB_EPS 1e-6 /* slack when rounding an LP value up to a bound */
#define COLS_MAX 200000u
#define DP_BITS_MAX (UINT64_C(1) << 27) /* 16 MiB of keep bits */
#define DP_CAP_FIRST 5000u /* above: the Pareto list prices first */
#define PARETO_STATES_MAX (1u << 22)
#define BB_NODES_MAX 2000000u /* per exact pricing call */
#define BB_NODES_MAX_VEC 100000u /* several dimensions: greedy first */
#define PRICE_KEEP 8u /* improving patterns kept per pricing call */
#define DIVE_DEPTH_MAX 100000u
#define SMOOTH_ALPHA 0.5 /* weight of the stability center */
#define TIGHT_PATTERNS_MAX 5000u /* more: not worth an exact cover */
#define TIGHT_NODES_MAX 1000000u
#define MIP_COLS_MAX 20000u /* CBC's preprocessing outlasts deadlines */

/* One pattern: types and copies, in a pool. */
struct pool {
	uint32_t n, cap;
	uint32_t *off; /* n + 1 */
	uint32_t nnz, cap_nnz;
	uint32_t *typ, *cnt;
	uint64_t *hash; /* n */
	uint32_t *slot; /* open-addressing table of pattern ids */
	uint32_t n_slots;
};

struct pattern {
	uint32_t n;
	uint32_t *typ, *cnt; /* m each (scratch) */
	double value;
};

struct cg {
	const struct bpp *p;
	const struct deadline *dl;
	struct rng rng;
	Clp_Simplex *lp;
	struct pool pool;
	double *pi; /* duals priced at, m */
	double *pi_out, *pi_center; /* the master's; the stability center */
	double *rowlo; /* m */
	uint32_t *r; /* residual demand, m */
	/* pricing scratch */
	struct pattern keep[PRICE_KEEP];
	uint32_t n_keep;
	uint32_t *take; /* m */
	uint32_t *items; /* eligible types, by efficiency */
	double *eff;
	uint64_t *dp_bits;
	double *dp;
	int *col_rows; /* m: one column for Clp */
	double *col_el;
	uint32_t *bin_typ, *bin_cnt; /* m: one bin as a pattern */
	uint64_t nodes;
	bool node_limit_hit;
	uint32_t iterations;
};

static uint64_t
pat_hash(uint32_t n, const uint32_t *typ, const uint32_t *cnt)
{
	uint64_t h = 0x9e3779b97f4a7c15ULL;

	for (uint32_t i = 0; i < n; i++) {
		h ^= ((uint64_t)typ[i] << 32) | cnt[i];
		h *= 0xbf58476d1ce4e5b9ULL;
		h ^= h >> 29;
	}
	return h;
}

static void
pool_done(struct pool *pl)
{
	free(pl->off);
	free(pl->typ);
	free(pl->cnt);
	free(pl->hash);
	free(pl->slot);
	memset(pl, 0, sizeof(*pl));
}

static bool
pool_same(const struct pool *pl, uint32_t j, uint32_t n, const uint32_t *typ,
    const uint32_t *cnt)
{
	uint32_t o = pl->off[j];

	if (pl->off[j + 1] - o != n)
		return false;
	return memcmp(&pl->typ[o], typ, n * sizeof(*typ)) == 0 &&
	    memcmp(&pl->cnt[o], cnt, n * sizeof(*cnt)) == 0;
}

static int
pool_rehash(struct pool *pl, uint32_t n_slots)
{
	uint32_t *slot = malloc(n_slots * sizeof(*slot));

	if (!slot)
		return -ENOMEM;
	for (uint32_t i = 0; i < n_slots; i++)
		slot[i] = UINT32_MAX;
	for (uint32_t j = 0; j < pl->n; j++) {
		uint32_t i = (uint32_t)(pl->hash[j] & (n_slots - 1));

		while (slot[i] != UINT32_MAX)
			i = (i + 1) & (n_slots - 1);
		slot[i] = j;
	}
	free(pl->slot);
	pl->slot = slot;
	pl->n_slots = n_slots;
	return 0;
}

/* Adds a pattern (types ascending) unless present. 1 added, 0 present,
 * -ENOMEM, -E2BIG past COLS_MAX. */
static int
pool_add(struct pool *pl, uint32_t n, const uint32_t *typ, const uint32_t *cnt)
{
	uint64_t h = pat_hash(n, typ, cnt);
	uint32_t i;
	void *np;

	if (pl->n_slots) {
		for (i = (uint32_t)(h & (pl->n_slots - 1));
		     pl->slot[i] != UINT32_MAX; i = (i + 1) & (pl->n_slots - 1))
			if (pl->hash[pl->slot[i]] == h &&
			    pool_same(pl, pl->slot[i], n, typ, cnt))
				return 0;
	}
	if (pl->n >= COLS_MAX)
		return -E2BIG;
	if (pl->n + 1 >= pl->cap) {
		uint32_t nc = pl->cap ? pl->cap * 2 : 256;

		np = realloc(pl->off, (nc + 1) * sizeof(*pl->off));
		if (!np)
			return -ENOMEM;
		pl->off = np;
		np = realloc(pl->hash, nc * sizeof(*pl->hash));
		if (!np)
			return -ENOMEM;
		pl->hash = np;
		if (pl->cap == 0)
			pl->off[0] = 0;
		pl->cap = nc;
	}
	if (pl->nnz + n > pl->cap_nnz) {
		uint32_t nc = pl->cap_nnz ? pl->cap_nnz : 1024;

		while (nc < pl->nnz + n)
			nc *= 2;
		np = realloc(pl->typ, nc * sizeof(*pl->typ));
		if (!np)
			return -ENOMEM;
		pl->typ = np;
		np = realloc(pl->cnt, nc * sizeof(*pl->cnt));
		if (!np)
			return -ENOMEM;
		pl->cnt = np;
		pl->cap_nnz = nc;
	}
	memcpy(&pl->typ[pl->nnz], typ, n * sizeof(*typ));
	memcpy(&pl->cnt[pl->nnz], cnt, n * sizeof(*cnt));
	pl->nnz += n;
	pl->hash[pl->n] = h;
	pl->off[pl->n + 1] = pl->nnz;
	pl->n++;
	if (pl->n * 2 > pl->n_slots) {
		int r = pool_rehash(pl, pl->n_slots ? pl->n_slots * 4 : 1024);

		return r < 0 ? r : 1;
	}
	i = (uint32_t)(h & (pl->n_slots - 1));
	while (pl->slot[i] != UINT32_MAX)
		i = (i + 1) & (pl->n_slots - 1);
	pl->slot[i] = pl->n - 1;
	return 1;
}

/* Adds pattern j of the pool to the LP as a column of cost 1. */
static void
lp_add_col(struct cg *cg, uint32_t j)
{
	const struct pool *pl = &cg->pool;
	uint32_t o = pl->off[j], n = pl->off[j + 1] - o;
	CoinBigIndex st[2] = { 0, (CoinBigIndex)n };
	double lo = 0, up = DBL_MAX, obj = 1;

	for (uint32_t e = 0; e < n; e++) {
		cg->col_rows[e] = (int)pl->typ[o + e];
		cg->col_el[e] = pl->cnt[o + e];
	}
	Clp_addColumns(cg->lp, 1, &lo, &up, &obj, st, cg->col_rows, cg->col_el);
}

/* Adds a pattern to the pool and the LP. 1 new, 0 known, <0 error. */
static int
add_pattern(struct cg *cg, uint32_t n, const uint32_t *typ, const uint32_t *cnt)
{
	int r = pool_add(&cg->pool, n, typ, cnt);

	if (r == 1)
		lp_add_col(cg, cg->pool.n - 1);
	return r;
}

/* Types of a bin (a list of type ids, any order) as a sorted pattern. */
static int
add_bin(struct cg *cg, const uint32_t *types, uint32_t n)
{
	uint32_t *take = cg->take, k = 0;
	uint32_t *typ = cg->bin_typ, *cnt = cg->bin_cnt;

	for (uint32_t i = 0; i < n; i++)
		take[types[i]]++;
	for (uint32_t i = 0; i < n; i++) {
		uint32_t t = types[i];

		if (take[t]) {
			typ[k] = t;
			cnt[k++] = take[t];
			take[t] = 0;
		}
	}
	/* sort by type (insertion: bins are small) */
	for (uint32_t i = 1; i < k; i++) {
		uint32_t a = typ[i], b = cnt[i], j = i;

		for (; j > 0 && typ[j - 1] > a; j--) {
			typ[j] = typ[j - 1];
			cnt[j] = cnt[j - 1];
		}
		typ[j] = a;
		cnt[j] = b;
	}
	return add_pattern(cg, k, typ, cnt);
}

static int
add_solution(struct cg *cg, const struct bpp_sol *s)
{
	for (uint32_t i = 0; i < s->n_bins; i++) {
		int r =
		    add_bin(cg, &s->type[s->off[i]], s->off[i + 1] - s->off[i]);

		if (r < 0 && r != -E2BIG)
			return r;
	}
	return 0;
}

/* ---- pricing ---------------------------------------------------------- */

static void
keep_pattern(struct cg *cg, double value)
{
	const struct bpp *p = cg->p;
	struct pattern *k;

	if (cg->n_keep < PRICE_KEEP) {
		k = &cg->keep[cg->n_keep++];
	} else {
		/* Replace the weakest kept. */
		k = &cg->keep[0];
		for (uint32_t i = 1; i < PRICE_KEEP; i++)
			if (cg->keep[i].value < k->value)
				k = &cg->keep[i];
	}
	k->n = 0;
	for (uint32_t t = 0; t < p->m; t++)
		if (cg->take[t]) {
			k->typ[k->n] = t;
			k->cnt[k->n++] = cg->take[t];
		}
	k->value = value;
}

struct bb {
	struct cg *cg;
	uint32_t n; /* eligible items */
	int64_t load[INSTANCE_DIMS_MAX];
	double best;
};

/* Upper bound on what items[j..] can add: fractional knapsack on the sum
 * of normalised room (a surrogate of the d capacities). */
static double
bb_bound(const struct bb *b, uint32_t j)
{
	const struct cg *cg = b->cg;
	const struct bpp *p = cg->p;
	double room = 0, v = 0;

	for (uint32_t k = 0; k < p->d; k++)
		room += (double)(p->cap[k] - b->load[k]) / (double)p->cap[k];
	for (; j < b->n && room > EPS; j++) {
		uint32_t t = cg->items[j];
		double w = p->w[t], q = cg->r[t];

		if (w * q <= room) {
			v += cg->pi[t] * q;
			room -= w * q;
		} else {
			v += cg->pi[t] * room / w;
			room = 0;
		}
	}
	return v;
}

static void
bb_dfs(struct bb *b, uint32_t j, double value)
{
	struct cg *cg = b->cg;
	const struct bpp *p = cg->p;
	uint32_t t, kmax;
	const int64_t *sz;

	if (value > b->best + EPS) {
		b->best = value;
		keep_pattern(cg, value);
	}
	if (j >= b->n)
		return;
	if (++cg->nodes > (cg->p->d > 1 ? BB_NODES_MAX_VEC : BB_NODES_MAX)) {
		cg->node_limit_hit = true;
		return;
	}
	if ((cg->nodes & 4095) == 0 && deadline_passed(cg->dl)) {
		cg->node_limit_hit = true;
		return;
	}
	if (value + bb_bound(b, j) <= b->best + EPS)
		return;
	t = cg->items[j];
	sz = bpp_size(p, t);
	kmax = cg->r[t];
	for (uint32_t k = 0; k < p->d && kmax > 0; k++) {
		int64_t left = p->cap[k] - b->load[k];

		if (sz[k] > 0 && (uint64_t)(left / sz[k]) < kmax)
			kmax = (uint32_t)(left / sz[k]);
	}
	for (uint32_t c = kmax + 1; c-- > 0;) {
		for (uint32_t k = 0; k < p->d; k++)
			b->load[k] += (int64_t)c * sz[k];
		cg->take[t] = c;
		bb_dfs(b, j + 1, value + c * cg->pi[t]);
		cg->take[t] = 0;
		for (uint32_t k = 0; k < p->d; k++)
			b->load[k] -= (int64_t)c * sz[k];
		if (cg->node_limit_hit)
			return;
	}
}

struct eff_key {
	double e;
	uint32_t t;
};

static int
cmp_eff(const void *a, const void *b)
{
	const struct eff_key *x = a, *y = b;

	if (x->e != y->e)
		return x->e > y->e ? -1 : 1;
	return x->t < y->t ? -1 : x->t > y->t;
}

/* Branch and bound over the eligible types by decreasing pi / size.
 * Returns the best value found (> 1 only if an improving pattern exists
 * among those searched); *exact says whether the search completed. */
static int
price_bb(struct cg *cg, double *ret_value, bool *exact)
{
	const struct bpp *p = cg->p;
	struct eff_key *k = malloc((p->m ? p->m : 1) * sizeof(*k));
	struct bb b = { .cg = cg };
	double base = 0;
	uint32_t n = 0;

	if (!k)
		return -ENOMEM;
	memset(cg->take, 0, p->m * sizeof(*cg->take));
	for (uint32_t t = 0; t < p->m; t++) {
		if (cg->r[t] == 0 || cg->pi[t] <= EPS)
			continue;
		if (p->w[t] <= 0) {
			/* Zero-size items ride along for free. */
			cg->take[t] = cg->r[t];
			base += cg->pi[t] * cg->r[t];
			continue;
		}
		k[n++] = (struct eff_key){ cg->pi[t] / p->w[t], t };
	}
	qsort(k, n, sizeof(*k), cmp_eff);
	for (uint32_t i = 0; i < n; i++)
		cg->items[i] = k[i].t;
	free(k);
	b.n = n;
	b.best = 1.0 + RC_EPS; /* only improving patterns are of interest */
	cg->nodes = 0;
	cg->node_limit_hit = false;
	cg->n_keep = 0;
	bb_dfs(&b, 0, base);
	*ret_value = b.best;
	*exact = !cg->node_limit_hit;
	return 0;
}

static uint64_t
gcd64(uint64_t a, uint64_t b)
{
	while (b) {
		uint64_t t = a % b;

		a = b;
		b = t;
	}
	return a;
}

/* One dimension: 0/1 knapsack DP over binary-split copies. Returns
 * -E2BIG when capacity x splits exceeds the budget (use branch and
 * bound instead). */
static int
price_dp(struct cg *cg, double *ret_value)
{
	const struct bpp *p = cg->p;
	uint64_t g = (uint64_t)p->cap[0], cap, nsplit = 0, words;
	uint32_t *st, *sq, ns = 0;
	double base = 0;

	memset(cg->take, 0, p->m * sizeof(*cg->take));
	for (uint32_t t = 0; t < p->m; t++) {
		uint64_t s = (uint64_t)bpp_size(p, t)[0], q;

		if (cg->r[t] == 0 || cg->pi[t] <= EPS || s == 0)
			continue;
		g = gcd64(g, s);
		q = (uint64_t)p->cap[0] / s;
		if (q > cg->r[t])
			q = cg->r[t];
		for (uint64_t c = 1; q > 0; c *= 2) {
			q -= c < q ? c : q;
			nsplit++;
		}
	}
	cap = (uint64_t)p->cap[0] / g;
	if (nsplit == 0 || cap > DP_BITS_MAX ||
	    nsplit * (cap + 1) > DP_BITS_MAX)
		return -E2BIG;
	words = (nsplit * (cap + 1) + 63) / 64;
	st = malloc(nsplit * sizeof(*st));
	sq = malloc(nsplit * sizeof(*sq));
	free(cg->dp_bits);
	free(cg->dp);
	cg->dp_bits = calloc(words, sizeof(*cg->dp_bits));
	cg->dp = calloc(cap + 1, sizeof(*cg->dp));
	if (!st || !sq || !cg->dp_bits || !cg->dp) {
		free(st);
		free(sq);
		return -ENOMEM;
	}
	for (uint32_t t = 0; t < p->m; t++) {
		uint64_t s = (uint64_t)bpp_size(p, t)[0], q;

		if (cg->r[t] == 0 || cg->pi[t] <= EPS)
			continue;
		if (s == 0) {
			cg->take[t] = cg->r[t];
			base += cg->pi[t] * cg->r[t];
			continue;
		}
		q = (uint64_t)p->cap[0] / s;
		if (q > cg->r[t])
			q = cg->r[t];
		for (uint64_t c = 1; q > 0; c *= 2) {
			uint64_t take = c < q ? c : q;

			st[ns] = t;
			sq[ns++] = (uint32_t)take;
			q -= take;
		}
	}
	for (uint32_t j = 0; j < ns; j++) {
		uint64_t wq = (uint64_t)bpp_size(p, st[j])[0] / g * sq[j];
		double vq = cg->pi[st[j]] * sq[j];
		uint64_t row = (uint64_t)j * (cap + 1);

		for (uint64_t w = cap; w >= wq && w + 1 > 0; w--) {
			double v = cg->dp[w - wq] + vq;

			if (v > cg->dp[w] + 1e-12) {
				cg->dp[w] = v;
				cg->dp_bits[(row + w) / 64] |= UINT64_C(1)
				    << ((row + w) % 64);
			}
			if (w == 0)
				break;
		}
	}
	{
		uint64_t w = cap;

		for (uint32_t j = ns; j-- > 0;) {
			uint64_t row = (uint64_t)j * (cap + 1);

			if (cg->dp_bits[(row + w) / 64] >> ((row + w) % 64) &
			    1) {
				cg->take[st[j]] += sq[j];
				w -=
				    (uint64_t)bpp_size(p, st[j])[0] / g * sq[j];
			}
		}
	}
	*ret_value = cg->dp[cap] + base;
	cg->n_keep = 0;
	if (*ret_value > 1.0 + RC_EPS)
		keep_pattern(cg, *ret_value);
	free(st);
	free(sq);
	return 0;
}

/* Finds improving patterns for the duals in cg->pi (kept in cg->keep).
 * *ret_value is the best value seen; *exact when it is the true maximum
 * (or proves that none exceeds 1). */
/* A Pareto state: load, value, and how it was reached (for the pattern). */
struct pstate_kp {
	int64_t w;
	double v;
	uint32_t item; /* split item added last, or UINT32_MAX */
	uint32_t parent; /* state index in the arena */
};

/*
 * One dimension, large capacity: the 0/1 knapsack over binary-split
 * copies by Nemhauser and Ullmann's list of non-dominated (load, value)
 * states, which stays far smaller than the capacity when items are large
 * (Scholl's HARD instances: C = 100,000, four items a bin). Exact.
 * -E2BIG when the states would exceed PARETO_STATES_MAX (use the DP).
 */
static int
price_pareto(struct cg *cg, double *ret_value)
{
	const struct bpp *p = cg->p;
	int64_t cap = p->cap[0];
	uint32_t *st = NULL, *sq = NULL, ns = 0, n_arena = 0, cap_arena;
	uint32_t *cur = NULL, *nxt = NULL, n_cur, best;
	struct pstate_kp *ar = NULL;
	double base = 0;
	int r = -ENOMEM;

	memset(cg->take, 0, p->m * sizeof(*cg->take));
	cap_arena = 1u << 16;
	st = malloc((size_t)p->m * 40 * sizeof(*st));
	sq = malloc((size_t)p->m * 40 * sizeof(*sq));
	ar = malloc(cap_arena * sizeof(*ar));
	cur = malloc(cap_arena * sizeof(*cur));
	nxt = malloc(cap_arena * sizeof(*nxt));
	if (!st || !sq || !ar || !cur || !nxt)
		goto out;
	for (uint32_t t = 0; t < p->m; t++) {
		uint64_t s = (uint64_t)bpp_size(p, t)[0], q;

		if (cg->r[t] == 0 || cg->pi[t] <= EPS)
			continue;
		if (s == 0) {
			cg->take[t] = cg->r[t];
			base += cg->pi[t] * cg->r[t];
			continue;
		}
		q = (uint64_t)cap / s;
		if (q > cg->r[t])
			q = cg->r[t];
		for (uint64_t c = 1; q > 0; c *= 2) {
			uint64_t take = c < q ? c : q;

			st[ns] = t;
			sq[ns++] = (uint32_t)take;
			q -= take;
		}
	}
	ar[n_arena++] = (struct pstate_kp){ 0, 0, UINT32_MAX, UINT32_MAX };
	cur[0] = 0;
	n_cur = 1;
	for (uint32_t j = 0; j < ns; j++) {
		int64_t wq = bpp_size(p, st[j])[0] * (int64_t)sq[j];
		double vq = cg->pi[st[j]] * sq[j];
		uint32_t a = 0, b = 0, n = 0;
		double top = -1;

		/* Merge cur (sorted by load) with cur + item, keeping only
		 * states worth more than every lighter one. */
		if (n_arena + n_cur > PARETO_STATES_MAX) {
			r = -E2BIG;
			goto out;
		}
		if (n_arena + n_cur > cap_arena || 2 * n_cur > cap_arena) {
			uint32_t nc = cap_arena;
			void *x;

			while (nc < n_arena + n_cur || nc < 2 * n_cur)
				nc *= 2;
			x = realloc(ar, nc * sizeof(*ar));
			if (!x)
				goto out;
			ar = x;
			x = realloc(nxt, nc * sizeof(*nxt));
			if (!x)
				goto out;
			nxt = x;
			x = realloc(cur, nc * sizeof(*cur));
			if (!x)
				goto out;
			cur = x;
			cap_arena = nc;
		}
		while (a < n_cur || b < n_cur) {
			int64_t wa = a < n_cur ? ar[cur[a]].w : INT64_MAX;
			int64_t wb = b < n_cur ? ar[cur[b]].w + wq : INT64_MAX;
			uint32_t id;
			double v;
			int64_t w;

			if (wb > cap && wa == INT64_MAX)
				break;
			if (wa <= wb) {
				id = cur[a++];
				if (ar[id].v > top + 1e-12) {
					nxt[n++] = id;
					top = ar[id].v;
				}
				continue;
			}
			w = wb;
			v = ar[cur[b]].v + vq;
			if (w > cap) {
				b = n_cur; /* heavier ones overflow too */
				continue;
			}
			if (v > top + 1e-12) {
				ar[n_arena] =
				    (struct pstate_kp){ w, v, j, cur[b] };
				nxt[n++] = n_arena++;
				top = v;
			}
			b++;
		}
		{
			uint32_t *x = cur;

			cur = nxt;
			nxt = x;
			n_cur = n;
		}
	}
	best = cur[n_cur - 1]; /* the heaviest kept state is worth the most */
	*ret_value = ar[best].v + base;
	for (uint32_t id = best; ar[id].item != UINT32_MAX; id = ar[id].parent)
		cg->take[st[ar[id].item]] += sq[ar[id].item];
	cg->n_keep = 0;
	if (*ret_value > 1.0 + RC_EPS)
		keep_pattern(cg, *ret_value);
	r = 0;
out:
	free(st);
	free(sq);
	free(ar);
	free(cur);
	free(nxt);
	return r;
}

/*
 * Several dimensions: greedy fills first (items by decreasing dual per
 * normalised size, per largest dimension, and by dual alone, each taken
 * as often as it fits), which find improving patterns in most rounds at a
 * tiny fraction of branch and bound's cost. Keeps the improving ones;
 * *ret_value is the best value found.
 */
static int
price_greedy(struct cg *cg, double *ret_value)
{
	const struct bpp *p = cg->p;
	struct eff_key *k = malloc((p->m ? p->m : 1) * sizeof(*k));
	double best = 0;

	if (!k)
		return -ENOMEM;
	cg->n_keep = 0;
	for (int rule = 0; rule < 3; rule++) {
		int64_t load[INSTANCE_DIMS_MAX] = { 0 };
		uint32_t n = 0;
		double v = 0;

		for (uint32_t t = 0; t < p->m; t++) {
			double size = 0;

			if (cg->r[t] == 0 || cg->pi[t] <= EPS)
				continue;
			for (uint32_t j = 0; j < p->d; j++) {
				double f = (double)bpp_size(p, t)[j] /
				    (double)p->cap[j];

				if (rule == 0)
					size += f;
				else if (f > size)
					size = f;
			}
			k[n++] = (struct eff_key){ rule == 2 ? cg->pi[t]
				    : size > 0		     ? cg->pi[t] / size
							     : 1e300,
				t };
		}
		qsort(k, n, sizeof(*k), cmp_eff);
		memset(cg->take, 0, p->m * sizeof(*cg->take));
		for (uint32_t i = 0; i < n; i++) {
			uint32_t t = k[i].t, c = cg->r[t];
			const int64_t *sz = bpp_size(p, t);

			for (uint32_t j = 0; j < p->d && c > 0; j++) {
				int64_t left = p->cap[j] - load[j];

				if (sz[j] > 0 && (uint64_t)(left / sz[j]) < c)
					c = (uint32_t)(left / sz[j]);
			}
			if (c == 0)
				continue;
			cg->take[t] = c;
			v += c * cg->pi[t];
			for (uint32_t j = 0; j < p->d; j++)
				load[j] += (int64_t)c * sz[j];
		}
		if (v > 1.0 + RC_EPS)
			keep_pattern(cg, v);
		if (v > best)
			best = v;
	}
	free(k);
	*ret_value = best;
	return 0;
}

static int
price(struct cg *cg, double *ret_value, bool *exact)
{
	int r;

	if (cg->p->d > 1) {
		r = price_greedy(cg, ret_value);
		if (r < 0 || cg->n_keep > 0) {
			*exact = false;
			return r;
		}
	}

	if (cg->p->d == 1) {
		/* Large capacities: the Pareto list first (it is exact);
		 * small ones, or a list that grows too long: the DP. */
		r = (uint64_t)cg->p->cap[0] > DP_CAP_FIRST
		    ? price_pareto(cg, ret_value)
		    : -E2BIG;
		if (r == -E2BIG)
			r = price_dp(cg, ret_value);
		if (r != -E2BIG) {
			*exact = true;
			return r;
		}
	}
	return price_bb(cg, ret_value, exact);
}

/* ---- the LP ----------------------------------------------------------- */

enum cg_end {
	CG_CONVERGED, /* no improving pattern: LP optimal (if exact) */
	CG_STOPPED, /* deadline or pool full */
};

/*
 * Column generation on the residual demand cg->r until no pattern
 * improves. *ret_z is the LP value, *ret_exact whether optimality is
 * proven, *ret_farley the best Farley bound seen (0 if none).
 */
/* The value of kept pattern k under duals pi. */
static double
pat_value(const struct pattern *k, const double *pi)
{
	double v = 0;

	for (uint32_t e = 0; e < k->n; e++)
		v += pi[k->typ[e]] * k->cnt[e];
	return v;
}

static int
cg_optimize(struct cg *cg, double *ret_z, bool *ret_exact, double *ret_farley,
    enum cg_end *ret_end)
{
	const struct bpp *p = cg->p;
	double best_lb = 0;
	bool have_center = false;
	int r;

	for (uint32_t t = 0; t < p->m; t++)
		cg->rowlo[t] = cg->r[t];
	Clp_chgRowLower(cg->lp, cg->rowlo);
	Clp_dual(cg->lp, 0);
	for (;;) {
		double z;
		const double *dual;
		bool smooth = have_center;
		int added = 0;

		if (Clp_status(cg->lp) != 0)
			Clp_primal(cg->lp, 0);
		if (Clp_status(cg->lp) != 0) {
			/* Numerical trouble: start over from scratch. */
			Clp_initialSolve(cg->lp);
			if (Clp_status(cg->lp) != 0)
				return -EIO;
		}
		z = Clp_objectiveValue(cg->lp);
		*ret_z = z;
		dual = Clp_dualRowSolution(cg->lp);
		for (uint32_t t = 0; t < p->m; t++)
			cg->pi_out[t] = dual[t] > 0 ? dual[t] : 0;
		for (;;) {
			double v, rhs = 0;
			bool exact;

			if (deadline_passed(cg->dl)) {
				*ret_exact = false;
				*ret_farley = best_lb;
				*ret_end = CG_STOPPED;
				return 0;
			}
			/* Wentges smoothing: price at a point between the
			 * duals with the best Lagrangian bound so far and the
			 * master's, which damps the duals' oscillation. */
			for (uint32_t t = 0; t < p->m; t++) {
				cg->pi[t] = smooth
				    ? SMOOTH_ALPHA * cg->pi_center[t] +
					(1 - SMOOTH_ALPHA) * cg->pi_out[t]
				    : cg->pi_out[t];
				rhs += cg->pi[t] * cg->r[t];
			}
			r = price(cg, &v, &exact);
			if (r < 0)
				return r;
			cg->iterations++;
			/* Any nonnegative duals scaled by the best pattern's
			 * value are feasible: a Lagrangian (Farley) bound. */
			if (exact && rhs / (v > 1.0 ? v : 1.0) > best_lb) {
				best_lb = rhs / (v > 1.0 ? v : 1.0);
				memcpy(cg->pi_center, cg->pi,
				    p->m * sizeof(*cg->pi));
				have_center = true;
			}
			for (uint32_t i = 0; i < cg->n_keep; i++) {
				if (pat_value(&cg->keep[i], cg->pi_out) <=
				    1.0 + RC_EPS)
					continue; /* not improving the master */
				r = add_pattern(cg, cg->keep[i].n,
				    cg->keep[i].typ, cg->keep[i].cnt);
				if (r == -E2BIG) {
					*ret_exact = false;
					*ret_farley = best_lb;
					*ret_end = CG_STOPPED;
					return 0;
				}
				if (r < 0)
					return r;
				added += r;
			}
			if (added > 0)
				break;
			if (smooth) {
				/* Mis-pricing: try the master's own duals. */
				smooth = false;
				continue;
			}
			/* Nothing improves at the master's duals (or only
			 * known patterns, within tolerances): converged. */
			*ret_exact = exact;
			*ret_farley = best_lb;
			*ret_end = CG_CONVERGED;
			return 0;
		}
		Clp_primal(cg->lp, 0);
	}
}

static int
cg_init(struct cg *cg, const struct bpp *p, const struct deadline *dl,
    uint64_t seed)
{
	size_t m = p->m ? p->m : 1;
	CoinBigIndex st = 0;

	memset(cg, 0, sizeof(*cg));
	cg->p = p;
	cg->dl = dl;
	rng_init(&cg->rng, seed);
	cg->pi = calloc(m, sizeof(*cg->pi));
	cg->pi_out = calloc(m, sizeof(*cg->pi_out));
	cg->pi_center = calloc(m, sizeof(*cg->pi_center));
	cg->rowlo = calloc(m, sizeof(*cg->rowlo));
	cg->r = calloc(m, sizeof(*cg->r));
	cg->take = calloc(m, sizeof(*cg->take));
	cg->items = calloc(m, sizeof(*cg->items));
	cg->eff = calloc(m, sizeof(*cg->eff));
	cg->col_rows = calloc(m, sizeof(*cg->col_rows));
	cg->col_el = calloc(m, sizeof(*cg->col_el));
	cg->bin_typ = calloc(m, sizeof(*cg->bin_typ));
	cg->bin_cnt = calloc(m, sizeof(*cg->bin_cnt));
	if (!cg->pi || !cg->pi_out || !cg->pi_center || !cg->rowlo || !cg->r ||
	    !cg->take || !cg->items || !cg->eff || !cg->col_rows ||
	    !cg->col_el || !cg->bin_typ || !cg->bin_cnt)
		return -ENOMEM;
	for (uint32_t i = 0; i < PRICE_KEEP; i++) {
		cg->keep[i].typ = calloc(m, sizeof(uint32_t));
		cg->keep[i].cnt = calloc(m, sizeof(uint32_t));
		if (!cg->keep[i].typ || !cg->keep[i].cnt)
			return -ENOMEM;
	}
	cg->lp = Clp_newModel();
	if (!cg->lp)
		return -ENOMEM;
	Clp_setLogLevel(cg->lp, 0);
	{
		double *rowup = malloc(m * sizeof(*rowup));

		if (!rowup)
			return -ENOMEM;
		for (uint32_t t = 0; t < p->m; t++) {
			cg->r[t] = p->b[t];
			cg->rowlo[t] = p->b[t];
			rowup[t] = DBL_MAX;
		}
		Clp_loadProblem(cg->lp, 0, (int)p->m, &st, NULL, NULL, NULL,
		    NULL, NULL, cg->rowlo, rowup);
		free(rowup);
	}
	/* Every type alone, as many copies as fit: the LP is never
	 * infeasible. */
	for (uint32_t t = 0; t < p->m; t++) {
		uint32_t c = p->b[t];
		int r;

		for (uint32_t k = 0; k < p->d; k++) {
			int64_t s = bpp_size(p, t)[k];

			if (s > 0 && (uint64_t)(p->cap[k] / s) < c)
				c = (uint32_t)(p->cap[k] / s);
		}
		r = add_pattern(cg, 1, &t, &c);
		if (r < 0)
			return r;
	}
	return 0;
}

static void
cg_done(struct cg *cg)
{
	if (cg->lp)
		Clp_deleteModel(cg->lp);
	pool_done(&cg->pool);
	free(cg->pi);
	free(cg->pi_out);
	free(cg->pi_center);
	free(cg->rowlo);
	free(cg->r);
	free(cg->take);
	free(cg->items);
	free(cg->eff);
	free(cg->col_rows);
	free(cg->col_el);
	free(cg->bin_typ);
	free(cg->bin_cnt);
	free(cg->dp_bits);
	free(cg->dp);
	for (uint32_t i = 0; i < PRICE_KEEP; i++) {
		free(cg->keep[i].typ);
		free(cg->keep[i].cnt);
	}
}

/* ---- turning patterns into packings ----------------------------------- */

/* *ret = fixed patterns (ids with multiplicities) + rest; 0 or -errno. */
static int
compose(struct cg *cg, const uint32_t *ids, const uint32_t *mult,
    uint32_t n_fixed, const struct bpp_sol *rest, struct bpp_sol *ret)
{
	const struct pool *pl = &cg->pool;
	const struct bpp *p = cg->p;
	uint32_t *poff = malloc((n_fixed + 1) * sizeof(*poff));
	uint32_t nnz = 0, *typ, *cnt;
	struct bpp *q = NULL;
	struct bpp_sol a;
	int r = -ENOMEM;

	for (uint32_t i = 0; i < n_fixed; i++)
		nnz += pl->off[ids[i] + 1] - pl->off[ids[i]];
	typ = malloc((nnz ? nnz : 1) * sizeof(*typ));
	cnt = malloc((nnz ? nnz : 1) * sizeof(*cnt));
	q = calloc(1, sizeof(*q));
	bpp_sol_init(&a);
	if (!poff || !typ || !cnt || !q)
		goto out;
	poff[0] = 0;
	for (uint32_t i = 0, e = 0; i < n_fixed; i++) {
		for (uint32_t o = pl->off[ids[i]]; o < pl->off[ids[i] + 1];
		     o++, e++) {
			typ[e] = pl->typ[o];
			cnt[e] = pl->cnt[o];
		}
		poff[i + 1] = e;
	}
	/* The fixed part packs b - rest's items: build it against a copy
	 * of p whose demand is exactly that. */
	*q = *p;
	q->b = malloc((p->m ? p->m : 1) * sizeof(*q->b));
	if (!q->b)
		goto out;
	memcpy(q->b, p->b, p->m * sizeof(*q->b));
	q->n = p->n;
	for (uint32_t i = 0; i < rest->n_bins; i++)
		for (uint32_t e = rest->off[i]; e < rest->off[i + 1]; e++) {
			q->b[rest->type[e]]--;
			q->n--;
		}
	r = bpp_sol_from_patterns(q, n_fixed, poff, typ, cnt, mult, &a);
	if (r < 0)
		goto out;
	r = bpp_sol_append(&a, rest);
	if (r < 0)
		goto out;
	bpp_sol_done(ret);
	*ret = a;
	bpp_sol_init(&a);
out:
	bpp_sol_done(&a);
	if (q)
		free(q->b);
	free(q);
	free(poff);
	free(typ);
	free(cnt);
	return r;
}

/* ---- diving ----------------------------------------------------------- */

/* Waste of pattern j as it would be fixed now: copies beyond the
 * residual demand dropped. */
static void
clipped_waste(const struct cg *cg, uint32_t j, int64_t *waste)
{
	const struct pool *pl = &cg->pool;
	const struct bpp *p = cg->p;

	for (uint32_t k = 0; k < p->d; k++)
		waste[k] = p->cap[k];
	for (uint32_t o = pl->off[j]; o < pl->off[j + 1]; o++) {
		uint32_t t = pl->typ[o];
		uint32_t c = pl->cnt[o] < cg->r[t] ? pl->cnt[o] : cg->r[t];

		for (uint32_t k = 0; k < p->d; k++)
			waste[k] -= (int64_t)c * bpp_size(p, t)[k];
	}
}

/* Can `mult` copies of pattern j be fixed within the waste budget? */
static bool
within_budget(
    const struct cg *cg, uint32_t j, uint32_t mult, const int64_t *budget)
{
	int64_t w[INSTANCE_DIMS_MAX];

	clipped_waste(cg, j, w);
	for (uint32_t k = 0; k < cg->p->d; k++)
		if ((int64_t)mult * w[k] > budget[k])
			return false;
	return true;
}

static void
spend_budget(const struct cg *cg, uint32_t j, uint32_t mult, int64_t *budget)
{
	int64_t w[INSTANCE_DIMS_MAX];

	clipped_waste(cg, j, w);
	for (uint32_t k = 0; k < cg->p->d; k++)
		budget[k] -= (int64_t)mult * w[k];
}

/*
 * One dive: repeatedly solve the residual LP, complete the fixed part with
 * the heuristics, and fix the patterns the LP uses (all with value >= 1,
 * else the largest fraction; with `randomise`, a fraction drawn in
 * proportion to its value). Improves *best. 0 or -errno.
 */
static int
dive(struct cg *cg, const uint64_t *lb, struct bpp_sol *best, bool randomise,
    bool one_at_a_time, bool *improved)
{
	const struct bpp *p = cg->p;
	uint32_t cap_fixed = 64, n_fixed = 0, bins_fixed = 0;
	uint32_t *ids = malloc(cap_fixed * sizeof(*ids));
	uint32_t *mult = malloc(cap_fixed * sizeof(*mult));
	struct bpp_sol rest;
	int r = 0;

	int64_t budget[INSTANCE_DIMS_MAX];

	bpp_sol_init(&rest);
	if (!ids || !mult) {
		r = -ENOMEM;
		goto out;
	}
	/* A packing into best - 1 bins wastes at most this in all: fixing
	 * a bin that wastes more cannot lead there. */
	for (uint32_t k = 0; k < p->d; k++) {
		int64_t total = 0;

		for (uint32_t t = 0; t < p->m; t++)
			total += bpp_size(p, t)[k] * (int64_t)p->b[t];
		budget[k] = (int64_t)(best->n_bins - 1) * p->cap[k] - total;
	}
	memcpy(cg->r, p->b, p->m * sizeof(*cg->r));
	for (uint32_t depth = 0; depth < DIVE_DEPTH_MAX; depth++) {
		double z, farley;
		bool exact;
		enum cg_end end;
		const double *x;
		uint32_t left = 0, pick = UINT32_MAX, before = n_fixed;
		double pick_x = 0, total_frac = 0;

		for (uint32_t t = 0; t < p->m; t++)
			left += cg->r[t];
		if (left == 0) {
			bpp_sol_done(&rest);
			if (bins_fixed < best->n_bins) {
				r = compose(
				    cg, ids, mult, n_fixed, &rest, best);
				if (r < 0)
					goto out;
				*improved = true;
			}
			break;
		}
		if (deadline_passed(cg->dl) || best->n_bins <= *lb)
			break;
		r = cg_optimize(cg, &z, &exact, &farley, &end);
		if (r < 0)
			goto out;
		if (end == CG_CONVERGED && exact &&
		    bins_fixed + (uint64_t)ceil(z - LB_EPS) >= best->n_bins)
			break; /* this dive cannot beat the incumbent */
		/* Complete the fixed part heuristically. */
		bpp_sol_done(&rest);
		r = heur_pack_fast(p, cg->r, 0, cg->dl, &rest);
		if (r < 0)
			goto out;
		if (bins_fixed + rest.n_bins < best->n_bins) {
			r = compose(cg, ids, mult, n_fixed, &rest, best);
			if (r < 0)
				goto out;
			*improved = true;
			if (best->n_bins <= *lb)
				break;
		}
		if (end != CG_CONVERGED)
			break;
		x = Clp_primalColumnSolution(cg->lp);
		if (one_at_a_time) {
			/* Fix one copy of the most used pattern (a little
			 * noise from the seed breaks ties between dives). */
			double top = 0;

			for (uint32_t j = 0; j < cg->pool.n; j++) {
				double v = x[j] *
				    (1 +
					(randomise ? 0.2 * rng_unit(&cg->rng)
						   : 0));

				if (x[j] > EPS && v > top) {
					top = v;
					pick = j;
				}
			}
			if (pick == UINT32_MAX)
				break;
		}
		for (uint32_t j = 0; j < cg->pool.n && !one_at_a_time; j++) {
			double xf = floor(x[j] + EPS);
			/* Clp's values are small; clamp anyway before the
			 * cast (a huge double cast to uint32_t is undefined). */
			uint32_t k = xf <= 0	 ? 0
			    : xf >= (double)p->n ? p->n
						 : (uint32_t)xf;
			double f = x[j] - floor(x[j] + EPS);

			if (!within_budget(cg, j, 1, budget))
				continue;
			if (k > 0) {
				if (n_fixed == cap_fixed) {
					void *a, *b;

					cap_fixed *= 2;
					a = realloc(
					    ids, cap_fixed * sizeof(*ids));
					if (a)
						ids = a;
					b = realloc(
					    mult, cap_fixed * sizeof(*mult));
					if (b)
						mult = b;
					if (!a || !b) {
						r = -ENOMEM;
						goto out;
					}
				}
				ids[n_fixed] = j;
				mult[n_fixed++] = k;
			}
			if (f > EPS) {
				total_frac += f;
				if (f > pick_x) {
					pick_x = f;
					pick = j;
				}
			}
		}
		if (n_fixed == before) {
			if (pick == UINT32_MAX)
				break; /* integral LP: fixed above, or nothing */
			if (randomise && total_frac > 0 && !one_at_a_time) {
				double u = rng_unit(&cg->rng) * total_frac;

				for (uint32_t j = 0; j < cg->pool.n; j++) {
					double f = x[j] - floor(x[j] + EPS);

					if (f <= EPS ||
					    !within_budget(cg, j, 1, budget))
						continue;
					pick = j;
					if ((u -= f) <= 0)
						break;
				}
			}
			if (n_fixed == cap_fixed) {
				void *a =
				    realloc(ids, 2 * cap_fixed * sizeof(*ids));
				void *b;

				if (a)
					ids = a;
				b = realloc(
				    mult, 2 * cap_fixed * sizeof(*mult));
				if (b)
					mult = b;
				if (!a || !b) {
					r = -ENOMEM;
					goto out;
				}
				cap_fixed *= 2;
			}
			ids[n_fixed] = pick;
			mult[n_fixed++] = 1;
		}
		/* Take the newly fixed patterns out of the residual demand
		 * (and their waste out of the budget). */
		for (uint32_t i = before; i < n_fixed; i++) {
			const struct pool *pl = &cg->pool;

			spend_budget(cg, ids[i], mult[i], budget);

			for (uint32_t o = pl->off[ids[i]];
			     o < pl->off[ids[i] + 1]; o++) {
				uint64_t c = (uint64_t)pl->cnt[o] * mult[i];
				uint32_t t = pl->typ[o];

				cg->r[t] -=
				    c < cg->r[t] ? (uint32_t)c : cg->r[t];
			}
			bins_fixed += mult[i];
		}
	}
out:
	bpp_sol_done(&rest);
	free(ids);
	free(mult);
	return r;
}

/* ---- CBC over the pattern pool ----------------------------------------- */

/* Waste of pattern j in dimension k. */
static int64_t
pat_waste(const struct cg *cg, uint32_t j, uint32_t k)
{
	const struct pool *pl = &cg->pool;
	int64_t load = 0;

	for (uint32_t o = pl->off[j]; o < pl->off[j + 1]; o++)
		load += (int64_t)pl->cnt[o] * bpp_size(cg->p, pl->typ[o])[k];
	return cg->p->cap[k] - load;
}

/*
 * CBC on the pattern pool for a packing with fewer bins than *best. When
 * a packing into T = best - 1 bins leaves little room in all (less than
 * two bins' worth), every one of its bins wastes at most
 * T * capacity - total size: only such patterns are kept, and the rows
 * become equalities (an exact cover) - a much smaller problem.
 */
static int
pool_mip(struct cg *cg, struct bpp_sol *best, double seconds, bool *improved)
{
	const struct pool *pl = &cg->pool;
	const struct bpp *p = cg->p;
	uint32_t n = 0, nnz = 0;
	Cbc_Model *m;
	CoinBigIndex *st = malloc((pl->n + 1) * sizeof(*st));
	int *idx = malloc((pl->nnz ? pl->nnz : 1) * sizeof(*idx));
	double *el = malloc((pl->nnz ? pl->nnz : 1) * sizeof(*el));
	double *obj = malloc((pl->n ? pl->n : 1) * sizeof(*obj));
	double *rowlo = malloc((p->m ? p->m : 1) * sizeof(*rowlo));
	double *rowup = malloc((p->m ? p->m : 1) * sizeof(*rowup));
	uint32_t *sel = malloc((pl->n ? pl->n : 1) * sizeof(*sel));
	uint32_t *ids = malloc((pl->n ? pl->n : 1) * sizeof(*ids));
	uint32_t *mult = malloc((pl->n ? pl->n : 1) * sizeof(*mult));
	int64_t budget[INSTANCE_DIMS_MAX];
	double room = 0;
	bool tight;
	char secs[32];
	const double *x;
	uint32_t k = 0, bins = 0;
	int r = 0;

	if (!st || !idx || !el || !obj || !rowlo || !rowup || !sel || !ids ||
	    !mult) {
		r = -ENOMEM;
		goto out;
	}
	if (seconds < 0.05)
		goto out;
	for (uint32_t d = 0; d < p->d; d++) {
		int64_t total = 0;

		for (uint32_t t = 0; t < p->m; t++)
			total += bpp_size(p, t)[d] * (int64_t)p->b[t];
		budget[d] = (int64_t)(best->n_bins - 1) * p->cap[d] - total;
		room += (double)budget[d] / (double)p->cap[d];
	}
	tight = room < 2.0;
	st[0] = 0;
	if (!tight && pl->n > MIP_COLS_MAX)
		goto out;
	for (uint32_t j = 0; j < pl->n; j++) {
		bool keep = true;

		for (uint32_t d = 0; tight && keep && d < p->d; d++)
			keep = pat_waste(cg, j, d) <= budget[d];
		if (!keep)
			continue;
		for (uint32_t o = pl->off[j]; o < pl->off[j + 1]; o++) {
			idx[nnz] = (int)pl->typ[o];
			el[nnz++] = pl->cnt[o];
		}
		sel[n] = j;
		obj[n++] = 1;
		st[n] = (CoinBigIndex)nnz;
	}
	if (n > MIP_COLS_MAX)
		goto out;
	for (uint32_t t = 0; t < p->m; t++) {
		rowlo[t] = p->b[t];
		rowup[t] = tight ? p->b[t] : DBL_MAX;
	}
	m = Cbc_newModel();
	if (!m) {
		r = -ENOMEM;
		goto out;
	}
	Cbc_loadProblem(
	    m, (int)n, (int)p->m, st, idx, el, NULL, NULL, obj, rowlo, rowup);
	for (uint32_t j = 0; j < n; j++)
		Cbc_setInteger(m, (int)j);
	Cbc_setLogLevel(m, 0);
	Cbc_setParameter(m, "timeMode", "elapsed");
	/* CBC 2.10 can crash in CglPreProcess::postProcess when the time
	 * limit strikes (seen under ASan); without preprocessing it cannot. */
	Cbc_setParameter(m, "preprocess", "off");
	snprintf(secs, sizeof(secs), "%.3f", seconds);
	Cbc_setParameter(m, "seconds", secs);
	/* Root cut passes do not look at the clock: on the large vector
	 * pools they overran the limit by seconds (one dimension, measured
	 * over BPPLIB, never did). The exact cover of the tight case is
	 * small and its clique cuts pay. */
	if (!tight && p->d > 1)
		Cbc_setParameter(m, "cuts", "off");
	/* Only packings better than the incumbent are of interest. */
	Cbc_setCutoff(m, (double)best->n_bins - 0.5);
	Cbc_setAllowableGap(m, 0.5);
	Cbc_solve(m);
	x = Cbc_bestSolution(m);
	if (x) {
		for (uint32_t j = 0; j < n; j++) {
			double xr = floor(x[j] + 0.5);
			uint32_t c = xr <= 0	 ? 0
			    : xr >= (double)p->n ? p->n
						 : (uint32_t)xr;

			if (c) {
				ids[k] = sel[j];
				mult[k++] = c;
				bins += c;
			}
		}
		if (bins < best->n_bins) {
			struct bpp_sol none;

			bpp_sol_init(&none);
			r = compose(cg, ids, mult, k, &none, best);
			if (r == 0)
				*improved = true;
		}
	}
	Cbc_deleteModel(m);
out:
	free(st);
	free(idx);
	free(el);
	free(obj);
	free(rowlo);
	free(rowup);
	free(sel);
	free(ids);
	free(mult);
	return r;
}

/*
 * Adds to the pool every pattern that wastes at most budget[] in every
 * dimension (up to TIGHT_PATTERNS_MAX; depth-first over the types, a
 * branch dies when a dimension's room exceeds its budget yet is smaller
 * than every size left). With a budget of zero these are the exactly
 * full bins, among which any packing into the bound must be found.
 * Returns the number added, or -ENOMEM.
 */
struct tight {
	struct cg *cg;
	const int64_t *budget;
	int64_t load[INSTANCE_DIMS_MAX];
	int64_t minpos[INSTANCE_DIMS_MAX];
	uint32_t *typ, *cnt, n;
	uint64_t nodes;
	uint32_t added; /* patterns collected */
	/* collected patterns, added to the pool only if the enumeration
	 * completes (a partial one would just slow every later LP) */
	uint32_t *aoff, *atyp, *acnt, a_nnz, cap_nnz;
	int err;
};

static void
tight_dfs(struct tight *w, uint32_t from)
{
	const struct bpp *p = w->cg->p;
	bool ok = w->n > 0;

	if (w->err || w->added >= TIGHT_PATTERNS_MAX ||
	    ++w->nodes > TIGHT_NODES_MAX)
		return;
	for (uint32_t k = 0; k < p->d && ok; k++)
		ok = p->cap[k] - w->load[k] <= w->budget[k];
	if (ok) {
		if (w->a_nnz + w->n > w->cap_nnz) {
			uint32_t nc = w->cap_nnz ? w->cap_nnz * 2 : 4096;
			uint32_t *a, *b;

			while (nc < w->a_nnz + w->n)
				nc *= 2;
			a = realloc(w->atyp, nc * sizeof(*a));
			if (a)
				w->atyp = a;
			b = realloc(w->acnt, nc * sizeof(*b));
			if (b)
				w->acnt = b;
			if (!a || !b) {
				w->err = -ENOMEM;
				return;
			}
			w->cap_nnz = nc;
		}
		memcpy(&w->atyp[w->a_nnz], w->typ, w->n * sizeof(*w->typ));
		memcpy(&w->acnt[w->a_nnz], w->cnt, w->n * sizeof(*w->cnt));
		w->a_nnz += w->n;
		w->aoff[++w->added] = w->a_nnz;
	}
	for (uint32_t t = from; t < p->m; t++) {
		const int64_t *s = bpp_size(p, t);
		uint32_t kmax = p->b[t];
		bool dead = false;

		for (uint32_t k = 0; k < p->d && kmax > 0; k++) {
			int64_t left = p->cap[k] - w->load[k];

			if (s[k] > 0 && (uint64_t)(left / s[k]) < kmax)
				kmax = (uint32_t)(left / s[k]);
		}
		for (uint32_t c = kmax; c >= 1 && !w->err; c--) {
			dead = false;
			for (uint32_t k = 0; k < p->d && !dead; k++) {
				int64_t left =
				    p->cap[k] - w->load[k] - (int64_t)c * s[k];

				dead =
				    left > w->budget[k] && left < w->minpos[k];
			}
			if (dead)
				continue;
			w->typ[w->n] = t;
			w->cnt[w->n++] = c;
			for (uint32_t k = 0; k < p->d; k++)
				w->load[k] += (int64_t)c * s[k];
			tight_dfs(w, t + 1);
			for (uint32_t k = 0; k < p->d; k++)
				w->load[k] -= (int64_t)c * s[k];
			w->n--;
		}
	}
}

static int
add_tight_patterns(struct cg *cg, uint64_t bins)
{
	const struct bpp *p = cg->p;
	int64_t budget[INSTANCE_DIMS_MAX];
	struct tight w = { .cg = cg, .budget = budget };
	double room = 0;

	for (uint32_t k = 0; k < p->d; k++) {
		int64_t total = 0;

		w.minpos[k] = INT64_MAX;
		for (uint32_t t = 0; t < p->m; t++) {
			int64_t x = bpp_size(p, t)[k];

			total += x * (int64_t)p->b[t];
			if (x > 0 && x < w.minpos[k])
				w.minpos[k] = x;
		}
		budget[k] = (int64_t)bins * p->cap[k] - total;
		if (budget[k] < 0)
			return 0;
		room += (double)budget[k] / (double)p->cap[k];
	}
	if (room >= 1.0)
		return 0; /* too many patterns would qualify */
	w.typ = cg->bin_typ;
	w.cnt = cg->bin_cnt;
	w.aoff = malloc((TIGHT_PATTERNS_MAX + 2) * sizeof(*w.aoff));
	if (!w.aoff)
		return -ENOMEM;
	w.aoff[0] = 0;
	tight_dfs(&w, 0);
	/* A cut-short enumeration is no exact cover: not worth the time. */
	if (!w.err && w.added < TIGHT_PATTERNS_MAX &&
	    w.nodes <= TIGHT_NODES_MAX) {
		for (uint32_t i = 0; i < w.added && !w.err; i++) {
			int r = add_pattern(cg, w.aoff[i + 1] - w.aoff[i],
			    &w.atyp[w.aoff[i]], &w.acnt[w.aoff[i]]);

			if (r < 0 && r != -E2BIG)
				w.err = r;
		}
	} else {
		w.added = 0;
	}
	free(w.aoff);
	free(w.atyp);
	free(w.acnt);
	return w.err ? w.err : (int)w.added;
}

int
colgen_solve(const struct bpp *p, uint64_t seed, const struct deadline *dl,
    uint64_t *lb, struct bpp_sol *best, struct colgen_stats *ret)
{
	struct colgen_stats st = { 0 };
	struct cg cg;
	double z = 0, farley = 0;
	bool exact = false, imp = false;
	enum cg_end end;
	int r;

	r = cg_init(&cg, p, dl, seed);
	if (r < 0)
		goto out;
	r = add_solution(&cg, best);
	if (r < 0)
		goto out;
	if (best->n_bins <= *lb)
		goto out;
	/* The root LP: its value is a bound for the whole instance. */
	r = cg_optimize(&cg, &z, &exact, &farley, &end);
	if (r < 0)
		goto out;
	st.lp = z;
	st.lp_exact = end == CG_CONVERGED && exact;
	if (st.lp_exact)
		st.lp_bound = (uint64_t)ceil(z - LB_EPS);
	if (farley > 0 && (uint64_t)ceil(farley - LB_EPS) > st.lp_bound)
		st.lp_bound = (uint64_t)ceil(farley - LB_EPS);
	if (st.lp_bound > *lb)
		*lb = st.lp_bound;
	/* Near-full instances: every bin of a packing into the bound is
	 * nearly full; enumerate those bins and let CBC cover exactly. */
	if (best->n_bins > *lb && !deadline_passed(dl)) {
		r = add_tight_patterns(&cg, *lb);
		if (r < 0)
			goto out;
		if (r > 0) {
			double left = deadline_left_s(dl);

			imp = false;
			r = pool_mip(
			    &cg, best, left < 1e8 ? left / 2 : 10, &imp);
			if (r < 0)
				goto out;
			st.improved_by_mip |= imp;
		}
	}
	for (uint32_t i = 0; best->n_bins > *lb && !deadline_passed(dl); i++) {
		imp = false;
		r = dive(&cg, lb, best, i > 1, i % 2 == 1, &imp);
		if (r < 0)
			goto out;
		st.dives++;
		st.improved_by_dive |= imp;
		if (best->n_bins <= *lb || deadline_passed(dl))
			break;
		if (i == 0 || (i % 4) == 0) {
			/* The pattern pool now holds what the dives priced:
			 * let CBC combine it, with part of the time left. */
			double left = deadline_left_s(dl);

			imp = false;
			r = pool_mip(
			    &cg, best, left < 1e8 ? left / 3 : 10, &imp);
			if (r < 0)
				goto out;
			st.improved_by_mip |= imp;
		}
		if ((!dl || !dl->limited) && i >= 16)
			break; /* without a limit, stop after a few dives */
	}
out:
	st.columns = cg.pool.n;
	st.iterations = cg.iterations;
	if (ret)
		*ret = st;
	cg_done(&cg);
	return r;
}
