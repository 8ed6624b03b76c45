/* batchdp.c - 0/1 knapsack DP over a mixed-radix grid of capacities. */
#include "sched/batchdp.h"

#include <stdlib.h>
#include <string.h>

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

static bool
fits(const struct res *need, const struct res *cap)
{
	for (int k = 0; k < RES_NDIM; k++)
		if (need->v[k] > cap->v[k])
			return false;
	return true;
}

/* items x states, saturating. */
static uint64_t
work_of(const uint64_t *g, int nd, uint32_t n)
{
	uint64_t s = n;

	for (int k = 0; k < nd; k++) {
		if (s > UINT64_MAX / (g[k] + 1))
			return UINT64_MAX;
		s *= g[k] + 1;
	}
	return s;
}

/*
 * One bin: the best subset of cand[0..nc) within cap. Sets take[i] for
 * chosen candidates. 0 or -ENOMEM.
 */
static int
dp_bin(const struct batchdp_item *items, const uint32_t *cand, uint32_t nc,
    const struct res *cap, uint64_t work, bool *take, uint64_t *ret_value,
    bool *ret_scaled)
{
	uint32_t *e = malloc((nc ? nc : 1) * sizeof(*e)), ne = 0;
	uint64_t unit[RES_NDIM], g[RES_NDIM], stride[RES_NDIM], S = 1;
	int dim[RES_NDIM], nd = 0;
	int64_t *val = NULL, *wq = NULL;
	uint64_t *bits = NULL, *off = NULL;
	int64_t coord[RES_NDIM];
	int r = -ENOMEM;

	*ret_value = 0;
	if (!e)
		return -ENOMEM;
	for (uint32_t i = 0; i < nc; i++) {
		take[i] = false;
		if (fits(&items[cand[i]].need, cap))
			e[ne++] = i;
	}
	if (ne == 0) {
		r = 0;
		goto out;
	}
	for (int k = 0; k < RES_NDIM; k++) {
		uint64_t gg = (uint64_t)cap->v[k];
		bool used = false;

		for (uint32_t j = 0; j < ne; j++) {
			uint64_t w = (uint64_t)items[cand[e[j]]].need.v[k];

			if (w) {
				used = true;
				gg = gcd64(gg, w);
			}
		}
		if (!used)
			continue;
		dim[nd] = k;
		unit[nd] = gg;
		g[nd] = (uint64_t)cap->v[k] / gg;
		nd++;
	}
	/* Coarsen the largest grid dimension until the work fits. */
	while (work_of(g, nd, ne) > work) {
		int big = 0;

		for (int k = 1; k < nd; k++)
			if (g[k] > g[big])
				big = k;
		if (g[big] == 0)
			break;
		unit[big] *= 2;
		g[big] = (uint64_t)cap->v[dim[big]] / unit[big];
		*ret_scaled = true;
	}
	for (int k = 0; k < nd; k++) {
		stride[k] = S;
		S *= g[k] + 1;
	}
	val = calloc(S, sizeof(*val));
	wq = malloc((size_t)ne * (nd ? nd : 1) * sizeof(*wq));
	off = malloc(ne * sizeof(*off));
	bits = calloc((ne * S + 63) / 64, sizeof(*bits));
	if (!val || !wq || !off || !bits)
		goto out;
	for (uint32_t j = 0; j < ne; j++) {
		off[j] = 0;
		for (int k = 0; k < nd; k++) {
			uint64_t w = (uint64_t)items[cand[e[j]]].need.v[dim[k]];

			/* Round up: a coarse grid never over-fills the bin. */
			wq[(size_t)j * nd + k] =
			    (int64_t)((w + unit[k] - 1) / unit[k]);
			off[j] += (uint64_t)wq[(size_t)j * nd + k] * stride[k];
		}
	}
	for (uint32_t j = 0; j < ne; j++) {
		const int64_t *w = &wq[(size_t)j * nd];
		int64_t v = (int64_t)items[cand[e[j]]].value;
		bool too_big = false;

		for (int k = 0; k < nd; k++)
			too_big |= w[k] > (int64_t)g[k];
		if (too_big)
			continue; /* only after coarsening */
		for (int k = 0; k < nd; k++)
			coord[k] = (int64_t)g[k];
		for (uint64_t s = S; s-- > 0;) {
			bool ok = true;

			for (int k = 0; k < nd && ok; k++)
				ok = coord[k] >= w[k];
			if (ok && val[s - off[j]] + v > val[s]) {
				val[s] = val[s - off[j]] + v;
				bits[(j * S + s) / 64] |= UINT64_C(1)
				    << ((j * S + s) % 64);
			}
			/* Step the mixed-radix coordinates down by one. */
			for (int k = 0; k < nd; k++) {
				if (coord[k]-- > 0)
					break;
				coord[k] = (int64_t)g[k];
			}
		}
	}
	{
		uint64_t s = S - 1;

		*ret_value = (uint64_t)val[s];
		for (uint32_t j = ne; j-- > 0;)
			if (bits[(j * S + s) / 64] >> ((j * S + s) % 64) & 1) {
				take[e[j]] = true;
				s -= off[j];
			}
	}
	r = 0;
out:
	free(e);
	free(val);
	free(wq);
	free(off);
	free(bits);
	return r;
}

struct bkey {
	double room;
	uint32_t b;
};

static int
cmp_bkey(const void *a, const void *b)
{
	const struct bkey *x = a, *y = b;

	if (x->room != y->room)
		return x->room > y->room ? -1 : 1;
	return x->b < y->b ? -1 : x->b > y->b;
}

int
batchdp_select(const struct batchdp_item *items, uint32_t n,
    const struct res *cap, uint32_t n_bins, uint64_t work,
    struct batchdp_result *ret)
{
	struct batchdp_result res = { 0 };
	struct bkey *ord = NULL;
	uint32_t *cand = NULL, nc, with_room = 0;
	bool *take = NULL;
	double tot[RES_NDIM] = { 0 };
	int r = -ENOMEM;

	if (n > BATCHDP_ITEMS_MAX)
		return -EINVAL;
	for (uint32_t i = 0; i < n; i++)
		if (items[i].value == 0 || !res_valid(&items[i].need))
			return -EINVAL;
	if (!work)
		work = BATCHDP_WORK_DEFAULT;
	res.bin = malloc((n ? n : 1) * sizeof(*res.bin));
	cand = malloc((n ? n : 1) * sizeof(*cand));
	take = malloc((n ? n : 1) * sizeof(*take));
	ord = malloc((n_bins ? n_bins : 1) * sizeof(*ord));
	if (!res.bin || !cand || !take || !ord)
		goto fail;
	for (uint32_t i = 0; i < n; i++)
		res.bin[i] = UINT32_MAX;
	for (uint32_t b = 0; b < n_bins; b++)
		for (int k = 0; k < RES_NDIM; k++)
			tot[k] += (double)cap[b].v[k];
	for (uint32_t b = 0; b < n_bins; b++) {
		double room = 0;
		bool any = false;

		for (int k = 0; k < RES_NDIM; k++)
			if (tot[k] > 0)
				room += (double)cap[b].v[k] / tot[k];
		ord[b] = (struct bkey){ room, b };
		for (uint32_t i = 0; i < n && !any; i++)
			any = fits(&items[i].need, &cap[b]);
		with_room += any;
	}
	qsort(ord, n_bins, sizeof(*ord), cmp_bkey);
	/* The budget is for the whole call: shared by the hosts with room. */
	if (with_room > 1)
		work = work / with_room > BATCHDP_WORK_MIN ? work / with_room
							   : BATCHDP_WORK_MIN;
	for (uint32_t bi = 0; bi < n_bins; bi++) {
		uint64_t v;

		nc = 0;
		for (uint32_t i = 0; i < n; i++)
			if (res.bin[i] == UINT32_MAX)
				cand[nc++] = i;
		if (nc == 0)
			break;
		r = dp_bin(items, cand, nc, &cap[ord[bi].b], work, take, &v,
		    &res.scaled);
		if (r < 0)
			goto fail;
		for (uint32_t j = 0; j < nc; j++)
			if (take[j]) {
				res.bin[cand[j]] = ord[bi].b;
				res.chosen++;
				res.value += items[cand[j]].value;
			}
	}
	res.exact = !res.scaled && with_room <= 1;
	free(cand);
	free(take);
	free(ord);
	*ret = res;
	return 0;
fail:
	free(res.bin);
	free(cand);
	free(take);
	free(ord);
	return r;
}

void
batchdp_result_done(struct batchdp_result *r)
{
	free(r->bin);
	memset(r, 0, sizeof(*r));
}
