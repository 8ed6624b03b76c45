/* bounds.c - L1, Martello-Toth L2, surrogate and clique bounds. */
#include "plan/bounds.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#define SURROGATE_CAP (INT64_C(1) << 30)
#define CLIQUE_TYPES_MAX 20000u /* the greedy clique is O(m * clique) */

struct sc {
	int64_t s;
	uint32_t c;
};

static int
cmp_sc(const void *a, const void *b)
{
	const struct sc *x = a, *y = b;

	return x->s < y->s ? -1 : x->s > y->s;
}

/* ceil(a / b) for a >= 0, b > 0. */
static uint64_t
ceil_div(uint64_t a, uint64_t b)
{
	return a / b + (a % b != 0);
}

/* The first index in v[0..n) (sorted by size) with size > x. */
static uint32_t
upper(const struct sc *v, uint32_t n, int64_t x)
{
	uint32_t lo = 0, hi = n;

	while (lo < hi) {
		uint32_t mid = lo + (hi - lo) / 2;

		if (v[mid].s > x)
			hi = mid;
		else
			lo = mid + 1;
	}
	return lo;
}

/* The first index with size >= x. */
static uint32_t
lower(const struct sc *v, uint32_t n, int64_t x)
{
	uint32_t lo = 0, hi = n;

	while (lo < hi) {
		uint32_t mid = lo + (hi - lo) / 2;

		if (v[mid].s >= x)
			hi = mid;
		else
			lo = mid + 1;
	}
	return lo;
}

int
bounds_l2_1d(
    const int64_t *s, const uint32_t *c, uint32_t n, int64_t cap, uint64_t *ret)
{
	struct sc *v = malloc((n ? n : 1) * sizeof(*v));
	uint64_t *pc = malloc(((size_t)n + 1) * sizeof(*pc)); /* counts */
	uint64_t *ps = malloc(((size_t)n + 1) * sizeof(*ps)); /* sizes */
	uint64_t best = 0;
	uint32_t half_end; /* first index with 2s > cap */

	if (!v || !pc || !ps) {
		free(v);
		free(pc);
		free(ps);
		return -ENOMEM;
	}
	for (uint32_t i = 0; i < n; i++)
		v[i] = (struct sc){ s[i], c[i] };
	qsort(v, n, sizeof(*v), cmp_sc);
	pc[0] = ps[0] = 0;
	for (uint32_t i = 0; i < n; i++) {
		pc[i + 1] = pc[i] + v[i].c;
		ps[i + 1] = ps[i] + (uint64_t)v[i].s * v[i].c;
	}
	half_end = upper(v, n, cap / 2);
	/* K = 0 and every distinct size K <= C/2. */
	for (uint32_t i = 0; i <= half_end; i++) {
		int64_t k;
		uint32_t j1, j3;
		uint64_t n1, n2, s2, s3, l, room;

		if (i == half_end)
			k = 0; /* once, after the sizes */
		else if (i > 0 && v[i].s == v[i - 1].s)
			continue;
		else
			k = v[i].s;
		j1 = upper(v, n, cap - k); /* items > C - K from here */
		j3 = lower(v, n, k); /* items >= K from here */
		n1 = pc[n] - pc[j1];
		n2 = pc[j1] - pc[half_end];
		s2 = ps[j1] - ps[half_end];
		s3 = ps[half_end] - ps[j3];
		room = n2 * (uint64_t)cap - s2;
		l = n1 + n2 +
		    (s3 > room ? ceil_div(s3 - room, (uint64_t)cap) : 0);
		if (l > best)
			best = l;
	}
	free(v);
	free(pc);
	free(ps);
	*ret = best;
	return 0;
}

/* L2 of the surrogate sizes sum_k lam[k] * s_k / C_k, capacity 2^30. */
static int
surrogate_l2(const struct bpp *p, const double *lam, uint64_t *ret)
{
	int64_t *s = malloc((p->m ? p->m : 1) * sizeof(*s));
	int r;

	if (!s)
		return -ENOMEM;
	for (uint32_t t = 0; t < p->m; t++) {
		double x = 0;

		for (uint32_t k = 0; k < p->d; k++)
			x += lam[k] * (double)bpp_size(p, t)[k] /
			    (double)p->cap[k];
		/* Round down with a margin for floating-point error: smaller
		 * items keep the surrogate a relaxation. */
		x = floor(x * (double)SURROGATE_CAP * (1.0 - 1e-12)) - 1.0;
		s[t] = x < 0			? 0
		    : x > (double)SURROGATE_CAP ? SURROGATE_CAP
						: (int64_t)x;
	}
	r = bounds_l2_1d(s, p->b, p->m, SURROGATE_CAP, ret);
	free(s);
	return r;
}

static bool
conflict(const struct bpp *p, uint32_t a, uint32_t b)
{
	for (uint32_t k = 0; k < p->d; k++)
		if (bpp_size(p, a)[k] + bpp_size(p, b)[k] > p->cap[k])
			return true;
	return false;
}

struct keyed {
	double key;
	uint32_t t;
};

static int
cmp_keyed_desc(const void *a, const void *b)
{
	const struct keyed *x = a, *y = b;

	if (x->key != y->key)
		return x->key > y->key ? -1 : 1;
	return x->t < y->t ? -1 : x->t > y->t;
}

static int
clique(const struct bpp *p, uint64_t *ret)
{
	struct keyed *ord;
	uint32_t *cl, n = 0;

	*ret = 0;
	if (p->m == 0 || p->m > CLIQUE_TYPES_MAX)
		return 0;
	ord = malloc(p->m * sizeof(*ord));
	cl = malloc(p->m * sizeof(*cl));
	if (!ord || !cl) {
		free(ord);
		free(cl);
		return -ENOMEM;
	}
	for (uint32_t t = 0; t < p->m; t++) {
		double mx = 0;

		for (uint32_t k = 0; k < p->d; k++) {
			double f =
			    (double)bpp_size(p, t)[k] / (double)p->cap[k];

			if (f > mx)
				mx = f;
		}
		ord[t] = (struct keyed){ mx, t };
	}
	qsort(ord, p->m, sizeof(*ord), cmp_keyed_desc);
	for (uint32_t i = 0; i < p->m; i++) {
		uint32_t t = ord[i].t;
		bool ok = true;

		for (uint32_t j = 0; j < n && ok; j++)
			ok = conflict(p, t, cl[j]);
		if (!ok)
			continue;
		cl[n++] = t;
		/* Copies of t conflict with each other only if two of them
		 * overflow a dimension; the clique then takes them all. */
		*ret += p->b[t] > 1 && conflict(p, t, t) ? p->b[t] : 1;
	}
	free(ord);
	free(cl);
	return 0;
}

int
bounds_compute(const struct bpp *p, struct bounds *ret)
{
	struct bounds b = { 0 };
	double lam[INSTANCE_DIMS_MAX], tot[INSTANCE_DIMS_MAX], sum = 0;
	int64_t *s1 = malloc((p->m ? p->m : 1) * sizeof(*s1));
	uint64_t v;
	int r = 0;

	if (!s1)
		return -ENOMEM;
	for (uint32_t k = 0; k < p->d; k++) {
		uint64_t total = 0;

		for (uint32_t t = 0; t < p->m; t++) {
			s1[t] = bpp_size(p, t)[k];
			total += (uint64_t)s1[t] * p->b[t];
		}
		v = ceil_div(total, (uint64_t)p->cap[k]);
		if (v > b.l1)
			b.l1 = v;
		r = bounds_l2_1d(s1, p->b, p->m, p->cap[k], &v);
		if (r < 0)
			goto out;
		if (v > b.l2)
			b.l2 = v;
		tot[k] = (double)total / (double)p->cap[k];
		sum += tot[k];
	}
	if (p->d > 1) {
		for (uint32_t k = 0; k < p->d; k++)
			lam[k] = 1.0 / p->d;
		r = surrogate_l2(p, lam, &b.aggregate);
		if (r < 0)
			goto out;
		if (sum > 0) {
			for (uint32_t k = 0; k < p->d; k++)
				lam[k] = tot[k] / sum;
			r = surrogate_l2(p, lam, &v);
			if (r < 0)
				goto out;
			if (v > b.aggregate)
				b.aggregate = v;
		}
	} else {
		b.aggregate = b.l2;
	}
	r = clique(p, &b.clique);
	if (r < 0)
		goto out;
	b.best = b.l1;
	if (b.l2 > b.best)
		b.best = b.l2;
	if (b.aggregate > b.best)
		b.best = b.aggregate;
	if (b.clique > b.best)
		b.best = b.clique;
	*ret = b;
out:
	free(s1);
	return r;
}
