/* heur.c - packing heuristics over a residual demand vector (pure). */
#include "plan/heur.h"

#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

#define MBS_NODES_PER_BIN 20000u
#define MBS_DEPTH_MAX 256u /* distinct types tried in one bin */

static const char *const rule_names[HEUR_NRULES] = {
	[HEUR_NFD] = "nfd",
	[HEUR_FFD] = "ffd",
	[HEUR_FFD_MAX] = "ffd-max",
	[HEUR_BFD] = "bfd",
	[HEUR_DOT] = "dot-product",
	[HEUR_MBS] = "mbs",
};

const char *
heur_rule_name(enum heur_rule r)
{
	return r < HEUR_NRULES ? rule_names[r] : "none";
}

/* A packing under construction: bin loads and a bin per item. */
struct ws {
	const struct bpp *p;
	const uint32_t *cnt;
	uint32_t d, n, nb;
	int64_t *load; /* n bins max, d each */
	uint32_t *bin_of; /* per expanded item */
	uint32_t *first; /* first expanded item of each type */
	uint32_t *used; /* copies of each type placed so far */
	const struct deadline *dl;
};

static int
ws_init(struct ws *w, const struct bpp *p, const uint32_t *cnt,
    const struct deadline *dl)
{
	size_t m = p->m ? p->m : 1;

	memset(w, 0, sizeof(*w));
	w->p = p;
	w->cnt = cnt;
	w->d = p->d;
	w->dl = dl;
	for (uint32_t t = 0; t < p->m; t++)
		w->n += cnt[t];
	w->load = calloc((size_t)(w->n ? w->n : 1) * p->d, sizeof(*w->load));
	w->bin_of = malloc((w->n ? w->n : 1) * sizeof(*w->bin_of));
	w->first = malloc(m * sizeof(*w->first));
	w->used = calloc(m, sizeof(*w->used));
	if (!w->load || !w->bin_of || !w->first || !w->used)
		return -ENOMEM;
	for (uint32_t t = 0, i = 0; t < p->m; i += cnt[t], t++)
		w->first[t] = i;
	return 0;
}

static void
ws_done(struct ws *w)
{
	free(w->load);
	free(w->bin_of);
	free(w->first);
	free(w->used);
}

static void
ws_reset(struct ws *w)
{
	memset(w->load, 0, (size_t)(w->n ? w->n : 1) * w->d * sizeof(*w->load));
	memset(w->used, 0, (w->p->m ? w->p->m : 1) * sizeof(*w->used));
	w->nb = 0;
}

static bool
fits(const struct ws *w, uint32_t bin, uint32_t t)
{
	const int64_t *l = &w->load[(size_t)bin * w->d];
	const int64_t *s = bpp_size(w->p, t);

	for (uint32_t k = 0; k < w->d; k++)
		if (l[k] + s[k] > w->p->cap[k])
			return false;
	return true;
}

static void
put(struct ws *w, uint32_t bin, uint32_t t)
{
	int64_t *l = &w->load[(size_t)bin * w->d];
	const int64_t *s = bpp_size(w->p, t);

	for (uint32_t k = 0; k < w->d; k++)
		l[k] += s[k];
	w->bin_of[w->first[t] + w->used[t]++] = bin;
	if (bin >= w->nb)
		w->nb = bin + 1;
}

/* Normalised room left in bin after adding t (t may be UINT32_MAX). */
static double
room_after(const struct ws *w, uint32_t bin, uint32_t t)
{
	const int64_t *l = &w->load[(size_t)bin * w->d];
	double r = 0;

	for (uint32_t k = 0; k < w->d; k++) {
		int64_t x = w->p->cap[k] - l[k];

		if (t != UINT32_MAX)
			x -= bpp_size(w->p, t)[k];
		r += (double)x / (double)w->p->cap[k];
	}
	return r;
}

static int
emit(struct ws *w, struct bpp_sol *ret)
{
	return bpp_sol_from_bins(w->p, w->cnt, w->bin_of, w->nb, ret);
}

static void
nfd(struct ws *w, const uint32_t *ord)
{
	uint32_t cur = 0;

	for (uint32_t i = 0; i < w->p->m; i++) {
		uint32_t t = ord[i];

		for (uint32_t c = 0; c < w->cnt[t]; c++) {
			if (w->nb > 0 && !fits(w, cur, t))
				cur++;
			put(w, cur, t);
		}
	}
}

/* First fit (best = false) or best fit over the bins, items by ord. */
static int
item_fit(struct ws *w, const uint32_t *ord, bool best)
{
	for (uint32_t i = 0; i < w->p->m; i++) {
		uint32_t t = ord[i], from = 0;

		if ((i & 63) == 0 && deadline_passed(w->dl))
			return -ETIMEDOUT;
		for (uint32_t c = 0; c < w->cnt[t]; c++) {
			uint32_t pick = w->nb;
			double pick_room = 0;

			/* One type can hold most of the items. */
			if ((c & 1023) == 1023 && deadline_passed(w->dl))
				return -ETIMEDOUT;

			/* A copy of t never fits a bin its twin skipped:
			 * loads only grow. */
			for (uint32_t b = best ? 0 : from; b < w->nb; b++) {
				double r;

				if (!fits(w, b, t))
					continue;
				if (!best) {
					pick = b;
					break;
				}
				r = room_after(w, b, t);
				if (pick == w->nb || r < pick_room) {
					pick = b;
					pick_room = r;
				}
			}
			put(w, pick, t);
			from = pick;
		}
	}
	return 0;
}

/* Bin-centric: fill each bin with the remaining item whose normalised
 * size vector is best aligned with the room left. */
static int
dot_fill(struct ws *w)
{
	const struct bpp *p = w->p;
	uint32_t placed = 0;

	while (placed < w->n) {
		uint32_t bin = w->nb;

		if (deadline_passed(w->dl))
			return -ETIMEDOUT;
		for (;;) {
			uint32_t pick = UINT32_MAX;
			double pick_v = -1;
			const int64_t *l = &w->load[(size_t)bin * w->d];

			for (uint32_t t = 0; t < p->m; t++) {
				double v = 0;

				if (w->used[t] >= w->cnt[t] || !fits(w, bin, t))
					continue;
				for (uint32_t k = 0; k < w->d; k++)
					v += (double)bpp_size(p, t)[k] *
					    (double)(p->cap[k] - l[k]) /
					    ((double)p->cap[k] * p->cap[k]);
				if (v > pick_v) {
					pick_v = v;
					pick = t;
				}
			}
			if (pick == UINT32_MAX)
				break;
			put(w, bin, pick);
			placed++;
		}
	}
	return 0;
}

/* Minimum bin slack: DFS for the subset that fills the bin best. */
struct mbs {
	struct ws *w;
	uint32_t *take, *best_take; /* copies per type in this bin */
	double best_room;
	uint32_t nodes;
	int64_t load[INSTANCE_DIMS_MAX];
};

static double
mbs_room(const struct mbs *s)
{
	double r = 0;

	for (uint32_t k = 0; k < s->w->d; k++)
		r += (double)(s->w->p->cap[k] - s->load[k]) /
		    (double)s->w->p->cap[k];
	return r;
}

/* Tries k copies of each type from `from` on (most copies first), one
 * level per type, so the depth is bounded by MBS_DEPTH_MAX. */
static void
mbs_dfs(struct mbs *s, uint32_t from, uint32_t depth)
{
	const struct bpp *p = s->w->p;
	double room = mbs_room(s);

	if (room < s->best_room - 1e-12) {
		s->best_room = room;
		memcpy(s->best_take, s->take, p->m * sizeof(*s->take));
	}
	if (s->best_room <= 1e-12 || depth >= MBS_DEPTH_MAX)
		return;
	for (uint32_t t = from; t < p->m; t++) {
		const int64_t *sz = bpp_size(p, t);
		uint32_t avail, kmax;

		if (s->nodes >= MBS_NODES_PER_BIN || s->best_room <= 1e-12)
			return;
		avail = s->w->cnt[t] - s->w->used[t] - s->take[t];
		kmax = avail;
		for (uint32_t k = 0; k < s->w->d && kmax > 0; k++) {
			int64_t left = p->cap[k] - s->load[k];

			if (sz[k] > 0 && (uint64_t)(left / sz[k]) < kmax)
				kmax = (uint32_t)(left / sz[k]);
		}
		for (uint32_t c = kmax; c >= 1; c--) {
			s->nodes++;
			s->take[t] += c;
			for (uint32_t k = 0; k < s->w->d; k++)
				s->load[k] += (int64_t)c * sz[k];
			mbs_dfs(s, t + 1, depth + 1);
			for (uint32_t k = 0; k < s->w->d; k++)
				s->load[k] -= (int64_t)c * sz[k];
			s->take[t] -= c;
			if (s->nodes >= MBS_NODES_PER_BIN ||
			    s->best_room <= 1e-12)
				return;
		}
	}
}

static int
mbs_fill(struct ws *w)
{
	const struct bpp *p = w->p;
	struct mbs s = { .w = w };
	uint32_t placed = 0, head = 0;
	int r = 0;

	s.take = calloc(p->m ? p->m : 1, sizeof(*s.take));
	s.best_take = calloc(p->m ? p->m : 1, sizeof(*s.best_take));
	if (!s.take || !s.best_take) {
		r = -ENOMEM;
		goto out;
	}
	while (placed < w->n) {
		uint32_t bin = w->nb;

		if (deadline_passed(w->dl)) {
			r = -ETIMEDOUT;
			goto out;
		}
		while (w->used[head] >= w->cnt[head])
			head++;
		memset(s.take, 0, p->m * sizeof(*s.take));
		memset(s.load, 0, sizeof(s.load));
		/* The largest remaining item opens the bin (MBS'). */
		s.take[head] = 1;
		for (uint32_t k = 0; k < w->d; k++)
			s.load[k] = bpp_size(p, head)[k];
		s.best_room = 1e300;
		s.nodes = 0;
		mbs_dfs(&s, head, 0);
		for (uint32_t t = 0; t < p->m; t++)
			for (uint32_t c = 0; c < s.best_take[t]; c++) {
				put(w, bin, t);
				placed++;
			}
	}
out:
	free(s.take);
	free(s.best_take);
	return r;
}

struct keyed {
	double key;
	uint32_t t;
};

static int
cmp_keyed(const void *a, const void *b)
{
	const struct keyed *x = a, *y = b;

	if (x->key != y->key)
		return x->key > y->key ? -1 : 1;
	return x->t < y->t ? -1 : x->t > y->t;
}

/* ord = types by decreasing largest normalised dimension. */
static int
order_max(const struct bpp *p, uint32_t *ord)
{
	struct keyed *k = malloc((p->m ? p->m : 1) * sizeof(*k));

	if (!k)
		return -ENOMEM;
	for (uint32_t t = 0; t < p->m; t++) {
		double mx = 0;

		for (uint32_t j = 0; j < p->d; j++) {
			double f =
			    (double)bpp_size(p, t)[j] / (double)p->cap[j];

			if (f > mx)
				mx = f;
		}
		k[t] = (struct keyed){ mx, t };
	}
	qsort(k, p->m, sizeof(*k), cmp_keyed);
	for (uint32_t t = 0; t < p->m; t++)
		ord[t] = k[t].t;
	free(k);
	return 0;
}

static int
run_rule(struct ws *w, enum heur_rule rule, const uint32_t *ord_sum,
    const uint32_t *ord_max)
{
	ws_reset(w);
	switch (rule) {
	case HEUR_NFD:
		nfd(w, ord_sum);
		return 0;
	case HEUR_FFD:
		return item_fit(w, ord_sum, false);
	case HEUR_FFD_MAX:
		return item_fit(w, ord_max, false);
	case HEUR_BFD:
		return item_fit(w, ord_sum, true);
	case HEUR_DOT:
		return dot_fill(w);
	case HEUR_MBS:
		return mbs_fill(w);
	case HEUR_NRULES:
		break;
	}
	return -EINVAL;
}

static int
pack(const struct bpp *p, const uint32_t *cnt, uint32_t target,
    const struct deadline *dl, int only, bool fast, struct bpp_sol *best,
    enum heur_rule *ret_rule)
{
	struct deadline none;
	struct ws w;
	uint32_t *ord_sum = malloc((p->m ? p->m : 1) * sizeof(*ord_sum));
	uint32_t *ord_max = malloc((p->m ? p->m : 1) * sizeof(*ord_max));
	enum heur_rule found = HEUR_NRULES;
	int r;

	if (!dl) {
		deadline_init(&none, NULL, 0);
		dl = &none;
	}
	if (!cnt)
		cnt = p->b;
	r = ws_init(&w, p, cnt, dl);
	if (r < 0 || !ord_sum || !ord_max) {
		r = -ENOMEM;
		goto out;
	}
	for (uint32_t t = 0; t < p->m; t++)
		ord_sum[t] = t;
	r = order_max(p, ord_max);
	if (r < 0)
		goto out;
	for (int rule = 0; rule < HEUR_NRULES; rule++) {
		if ((only >= 0 && rule != only) || (fast && rule == HEUR_MBS))
			continue;
		if (only < 0 && rule != HEUR_NFD &&
		    (deadline_passed(dl) ||
			(target && best->off && best->n_bins <= target)))
			break;
		/* NFD ignores the deadline: there must be a packing. */
		r = run_rule(&w, (enum heur_rule)rule, ord_sum, ord_max);
		if (r == -ETIMEDOUT)
			break;
		if (r < 0)
			goto out;
		if (!best->off || w.nb < best->n_bins) {
			r = emit(&w, best);
			if (r < 0)
				goto out;
			found = (enum heur_rule)rule;
		}
	}
	r = 0;
	if (ret_rule)
		*ret_rule = found;
out:
	ws_done(&w);
	free(ord_sum);
	free(ord_max);
	return r;
}

int
heur_pack(const struct bpp *p, const uint32_t *cnt, uint32_t target,
    const struct deadline *dl, struct bpp_sol *best, enum heur_rule *ret_rule)
{
	return pack(p, cnt, target, dl, -1, false, best, ret_rule);
}

int
heur_pack_fast(const struct bpp *p, const uint32_t *cnt, uint32_t target,
    const struct deadline *dl, struct bpp_sol *best)
{
	return pack(p, cnt, target, dl, -1, true, best, NULL);
}

int
heur_run(const struct bpp *p, const uint32_t *cnt, enum heur_rule rule,
    const struct deadline *dl, struct bpp_sol *ret)
{
	bpp_sol_done(ret);
	return pack(p, cnt, 0, dl, (int)rule, false, ret, NULL);
}
