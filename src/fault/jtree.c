/* jtree.c - junction-tree compilation (triangulation, cliques) and Hugin propagation. */
#include "fault/jtree.h"

#include <assert.h>
#include <math.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

struct clique {
	uint32_t *vars; /* network variable indexes */
	uint32_t n_vars;
	uint64_t off; /* first entry in the potential arrays */
	uint64_t size; /* entries: the product of the variables' state counts */
	uint32_t parent; /* UINT32_MAX for a root */
	/* Toward the parent (non-roots only): the separator's entries and the
	 * separator index of every entry of this clique and of the parent. */
	uint64_t sep_off, sep_size;
	uint32_t *map_self, *map_parent;
};

struct jtree {
	const struct bn *bn;
	struct clique *cl;
	uint32_t n_cl;
	uint32_t *order; /* cliques, every parent before its children */
	double *init; /* product of the CPTs assigned to each clique */
	double *pot; /* the potentials of the current query */
	double *sep_old, *sep_new; /* separator tables */
	uint64_t total, sep_total;
	/* Per variable: the smallest clique holding it, the stride and the
	 * state count there, and where its posterior is kept. */
	uint32_t *home;
	uint64_t *stride;
	double *marg;
	uint64_t *marg_off;
	uint32_t *elim_order; /* the chosen heuristic's elimination order */
	struct jtree_stats stats;
};

/* A set of variables as a bitset row. */
struct graph {
	uint32_t n, words;
	uint64_t *adj; /* n rows of `words` words */
};

static inline bool
bit_get(const uint64_t *row, uint32_t i)
{
	return (row[i >> 6] >> (i & 63)) & 1;
}

static inline void
bit_set(uint64_t *row, uint32_t i)
{
	row[i >> 6] |= UINT64_C(1) << (i & 63);
}

static inline void
bit_clear(uint64_t *row, uint32_t i)
{
	row[i >> 6] &= ~(UINT64_C(1) << (i & 63));
}

static inline uint64_t *
row_of(const struct graph *g, uint32_t v)
{
	return g->adj + (size_t)v * g->words;
}

static void
add_edge(struct graph *g, uint32_t a, uint32_t b)
{
	if (a == b)
		return;
	bit_set(row_of(g, a), b);
	bit_set(row_of(g, b), a);
}

/* The moral graph: parents married, directions dropped. */
static int
moralize(const struct bn *b, struct graph *g)
{
	g->n = b->n_vars;
	g->words = (b->n_vars + 63) / 64;
	g->adj = calloc((size_t)g->n * g->words, sizeof(*g->adj));
	if (!g->adj)
		return -ENOMEM;
	for (uint32_t v = 0; v < b->n_vars; v++) {
		const struct bn_var *x = &b->vars[v];

		for (uint32_t i = 0; i < x->n_parents; i++) {
			add_edge(g, v, x->parents[i]);
			for (uint32_t j = i + 1; j < x->n_parents; j++)
				add_edge(g, x->parents[i], x->parents[j]);
		}
	}
	return 0;
}

enum heuristic {
	H_MIN_FILL,
	H_MIN_WEIGHT,
	H_WEIGHTED_FILL,
	H_N,
};

static const char *const heuristic_names[H_N] = { "min-fill", "min-weight",
	"weighted-min-fill" };

/* An elimination: the order and the clique each step creates. */
struct elim {
	uint32_t *order; /* step -> variable */
	uint32_t *pos; /* variable -> step */
	uint32_t **clq; /* step -> [eliminated var, its neighbours...] */
	uint32_t *clq_n;
	double cost; /* sum of clique sizes */
};

static void
elim_done(struct elim *e, uint32_t n)
{
	for (uint32_t i = 0; e->clq && i < n; i++)
		free(e->clq[i]);
	free(e->clq);
	free(e->clq_n);
	free(e->order);
	free(e->pos);
	memset(e, 0, sizeof(*e));
}

/* Score of eliminating v now: smaller is better, compared as (a, b). */
static void
score(const struct bn *b, const struct graph *g, const bool *gone,
    enum heuristic h, uint32_t v, uint32_t *nb, double ret[2])
{
	const uint64_t *rv = row_of(g, v);
	double fill = 0, wfill = 0, weight = log((double)b->vars[v].n_states);
	uint32_t d = 0;

	for (uint32_t w = 0; w < g->words; w++) {
		uint64_t x = rv[w];

		while (x) {
			uint32_t u = w * 64 + (uint32_t)__builtin_ctzll(x);

			x &= x - 1;
			if (!gone[u])
				nb[d++] = u;
		}
	}
	for (uint32_t i = 0; i < d; i++) {
		weight += log((double)b->vars[nb[i]].n_states);
		for (uint32_t j = i + 1; j < d; j++) {
			if (bit_get(row_of(g, nb[i]), nb[j]))
				continue;
			fill += 1;
			wfill += (double)b->vars[nb[i]].n_states *
			    b->vars[nb[j]].n_states;
		}
	}
	switch (h) {
	case H_MIN_FILL:
		ret[0] = fill;
		ret[1] = weight;
		break;
	case H_MIN_WEIGHT:
		ret[0] = weight;
		ret[1] = fill;
		break;
	default:
		ret[0] = wfill;
		ret[1] = weight;
		break;
	}
}

/* Greedy elimination of the moral graph m by heuristic h into e. */
static int
eliminate(
    const struct bn *b, const struct graph *m, enum heuristic h, struct elim *e)
{
	uint32_t n = m->n, *nb = NULL, *nb2 = NULL;
	struct graph g = *m;
	double(*sc)[2] = NULL;
	bool *gone = NULL, *dirty = NULL;
	int r = -ENOMEM;

	memset(e, 0, sizeof(*e));
	g.adj = malloc((size_t)n * g.words * sizeof(*g.adj));
	sc = malloc(n * sizeof(*sc));
	gone = calloc(n, sizeof(*gone));
	dirty = calloc(n, sizeof(*dirty));
	nb = malloc(n * sizeof(*nb));
	nb2 = malloc(n * sizeof(*nb2));
	e->order = malloc(n * sizeof(*e->order));
	e->pos = malloc(n * sizeof(*e->pos));
	e->clq = calloc(n, sizeof(*e->clq));
	e->clq_n = calloc(n, sizeof(*e->clq_n));
	if (!g.adj || !sc || !gone || !dirty || !nb || !nb2 || !e->order ||
	    !e->pos || !e->clq || !e->clq_n)
		goto fail;
	memcpy(g.adj, m->adj, (size_t)n * g.words * sizeof(*g.adj));
	for (uint32_t v = 0; v < n; v++)
		score(b, &g, gone, h, v, nb, sc[v]);
	for (uint32_t step = 0; step < n; step++) {
		uint32_t best = UINT32_MAX, d = 0;
		double size = b->vars[0].n_states;

		for (uint32_t v = 0; v < n; v++) {
			if (gone[v])
				continue;
			if (dirty[v]) {
				score(b, &g, gone, h, v, nb, sc[v]);
				dirty[v] = false;
			}
			if (best == UINT32_MAX || sc[v][0] < sc[best][0] ||
			    (sc[v][0] == sc[best][0] && sc[v][1] < sc[best][1]))
				best = v;
		}
		/* Neighbours still in the graph form the clique. */
		for (uint32_t w = 0; w < g.words; w++) {
			uint64_t x = row_of(&g, best)[w];

			while (x) {
				uint32_t u =
				    w * 64 + (uint32_t)__builtin_ctzll(x);

				x &= x - 1;
				if (!gone[u])
					nb[d++] = u;
			}
		}
		e->clq[step] = malloc((d + 1) * sizeof(**e->clq));
		if (!e->clq[step])
			goto fail;
		e->clq[step][0] = best;
		memcpy(e->clq[step] + 1, nb, d * sizeof(*nb));
		e->clq_n[step] = d + 1;
		size = b->vars[best].n_states;
		for (uint32_t i = 0; i < d; i++) {
			size *= b->vars[nb[i]].n_states;
			for (uint32_t j = i + 1; j < d; j++)
				add_edge(&g, nb[i], nb[j]);
		}
		e->cost += size;
		e->order[step] = best;
		e->pos[best] = step;
		gone[best] = true;
		/* Fill-in changes the scores of the neighbours and of their
		 * neighbours. */
		for (uint32_t i = 0; i < d; i++) {
			uint32_t d2 = 0;

			dirty[nb[i]] = true;
			bit_clear(row_of(&g, nb[i]), best);
			for (uint32_t w = 0; w < g.words; w++) {
				uint64_t x = row_of(&g, nb[i])[w];

				while (x) {
					nb2[d2++] = w * 64 +
					    (uint32_t)__builtin_ctzll(x);
					x &= x - 1;
				}
			}
			for (uint32_t k = 0; k < d2; k++)
				dirty[nb2[k]] = true;
		}
	}
	r = 0;
fail:
	if (r < 0)
		elim_done(e, n);
	free(g.adj);
	free(sc);
	free(gone);
	free(dirty);
	free(nb);
	free(nb2);
	return r;
}

/* Index maps: for every entry of a table over vars[0..n) (last fastest),
 * the entry of a target whose stride for vars[k] is tstride[k]. */
static int
build_map(const struct bn *b, const uint32_t *vars, uint32_t n,
    const uint64_t *tstride, uint64_t size, uint32_t *out)
{
	uint32_t *ctr = calloc(n ? n : 1, sizeof(*ctr));
	uint64_t t = 0;

	if (!ctr)
		return -ENOMEM;
	for (uint64_t k = 0; k < size; k++) {
		out[k] = (uint32_t)t;
		for (uint32_t j = n; j-- > 0;) {
			uint32_t card = b->vars[vars[j]].n_states;

			t += tstride[j];
			if (++ctr[j] < card)
				break;
			t -= tstride[j] * card;
			ctr[j] = 0;
		}
	}
	free(ctr);
	return 0;
}

/* Position of variable v in clique c, or -1. */
static int
clique_pos(const struct clique *c, uint32_t v)
{
	for (uint32_t i = 0; i < c->n_vars; i++)
		if (c->vars[i] == v)
			return (int)i;
	return -1;
}

/* Stride of variable vars[k] in a table over vars (last fastest). */
static uint64_t
stride_in(const struct bn *b, const uint32_t *vars, uint32_t n, uint32_t k)
{
	uint64_t s = 1;

	for (uint32_t j = k + 1; j < n; j++)
		s *= b->vars[vars[j]].n_states;
	return s;
}

/* Joins the elimination cliques of e into a forest, absorbing a clique
 * into a child that contains it, and fills t->cl. */
static int
build_tree(struct jtree *t, const struct elim *e, uint32_t **ret_alias)
{
	const struct bn *b = t->bn;
	uint32_t n = b->n_vars, *parent, *alias, *first_child, *next_sib, *mark,
		 *newid, stamp = 0;
	int r = -ENOMEM;

	parent = malloc(n * sizeof(*parent));
	alias = malloc(n * sizeof(*alias));
	first_child = malloc(n * sizeof(*first_child));
	next_sib = malloc(n * sizeof(*next_sib));
	mark = calloc(n, sizeof(*mark));
	newid = malloc(n * sizeof(*newid));
	if (!parent || !alias || !first_child || !next_sib || !mark || !newid)
		goto done;
	for (uint32_t i = 0; i < n; i++) {
		uint32_t p = UINT32_MAX;

		for (uint32_t k = 1; k < e->clq_n[i]; k++)
			if (e->pos[e->clq[i][k]] < p)
				p = e->pos[e->clq[i][k]];
		parent[i] = p;
		alias[i] = i;
		first_child[i] = UINT32_MAX;
	}
	for (uint32_t i = n; i-- > 0;) {
		next_sib[i] = UINT32_MAX;
		if (parent[i] != UINT32_MAX) {
			next_sib[i] = first_child[parent[i]];
			first_child[parent[i]] = i;
		}
	}
	/* Children have smaller steps than parents, so when step j is seen
	 * every child of j is final. */
	for (uint32_t j = 0; j < n; j++) {
		uint32_t into = UINT32_MAX;

		for (uint32_t c = first_child[j];
		     c != UINT32_MAX && into == UINT32_MAX; c = next_sib[c]) {
			bool sub = true;

			stamp++;
			for (uint32_t k = 0; k < e->clq_n[c]; k++)
				mark[e->clq[c][k]] = stamp;
			for (uint32_t k = 0; k < e->clq_n[j] && sub; k++)
				sub = mark[e->clq[j][k]] == stamp;
			if (sub)
				into = c;
		}
		if (into == UINT32_MAX)
			continue;
		/* j disappears into its child `into`, which takes j's place. */
		alias[j] = into;
		for (uint32_t c = first_child[j], nx; c != UINT32_MAX; c = nx) {
			nx = next_sib[c];
			if (c == into)
				continue;
			parent[c] = into;
			next_sib[c] = first_child[into];
			first_child[into] = c;
		}
		parent[into] = parent[j];
		if (parent[j] != UINT32_MAX) {
			uint32_t p = parent[j];

			/* Replace j by into among p's children. */
			for (uint32_t *pp = &first_child[p]; *pp != UINT32_MAX;
			     pp = &next_sib[*pp]) {
				if (*pp == j) {
					*pp = into;
					break;
				}
			}
			next_sib[into] = next_sib[j];
		}
	}
	/* Resolve alias chains and number the surviving cliques. */
	for (uint32_t i = 0; i < n; i++) {
		uint32_t a = i;

		while (alias[a] != a)
			a = alias[a];
		alias[i] = a;
	}
	t->n_cl = 0;
	for (uint32_t i = 0; i < n; i++)
		newid[i] = alias[i] == i ? t->n_cl++ : UINT32_MAX;
	t->cl = calloc(t->n_cl, sizeof(*t->cl));
	if (!t->cl)
		goto done;
	for (uint32_t i = 0; i < n; i++) {
		struct clique *c;

		if (alias[i] != i)
			continue;
		c = &t->cl[newid[i]];
		c->n_vars = e->clq_n[i];
		c->vars = malloc(c->n_vars * sizeof(*c->vars));
		if (!c->vars)
			goto done;
		memcpy(c->vars, e->clq[i], c->n_vars * sizeof(*c->vars));
		c->parent = parent[i] == UINT32_MAX ? UINT32_MAX
						    : newid[alias[parent[i]]];
	}
	for (uint32_t i = 0; i < n; i++)
		alias[i] = newid[alias[i]];
	*ret_alias = alias;
	alias = NULL;
	r = 0;
done:
	free(parent);
	free(alias);
	free(first_child);
	free(next_sib);
	free(mark);
	free(newid);
	return r;
}

/* Parent-first order of the cliques (each tree of the forest from its
 * root). */
static int
build_order(struct jtree *t)
{
	uint32_t *fc, *ns, head = 0, tail = 0;

	t->order = malloc(t->n_cl * sizeof(*t->order));
	fc = malloc(t->n_cl * sizeof(*fc));
	ns = malloc(t->n_cl * sizeof(*ns));
	if (!t->order || !fc || !ns) {
		free(fc);
		free(ns);
		return -ENOMEM;
	}
	for (uint32_t i = 0; i < t->n_cl; i++)
		fc[i] = UINT32_MAX;
	for (uint32_t i = 0; i < t->n_cl; i++) {
		uint32_t p = t->cl[i].parent;

		if (p == UINT32_MAX) {
			t->order[tail++] = i;
		} else {
			ns[i] = fc[p];
			fc[p] = i;
		}
	}
	while (head < tail) {
		uint32_t u = t->order[head++];

		for (uint32_t c = fc[u]; c != UINT32_MAX; c = ns[c])
			t->order[tail++] = c;
	}
	free(fc);
	free(ns);
	assert(tail == t->n_cl);
	return 0;
}

static int
too_big(struct diag *d, const char *what, uint64_t need)
{
	diag_set(d,
	    "the junction tree would need %llu %s entries (limit %llu): the "
	    "network is too densely connected for exact inference",
	    (unsigned long long)need, what, (unsigned long long)JTREE_SIZE_MAX);
	return -E2BIG;
}

/* Sizes, offsets, separators and their index maps. */
static int
layout(struct jtree *t, struct diag *d)
{
	const struct bn *b = t->bn;
	uint64_t *ts = NULL;
	uint32_t maxv = 1;
	int r = 0;

	t->total = t->sep_total = 0;
	for (uint32_t i = 0; i < t->n_cl; i++) {
		struct clique *c = &t->cl[i];

		c->size = 1;
		for (uint32_t k = 0; k < c->n_vars; k++) {
			c->size *= b->vars[c->vars[k]].n_states;
			if (c->size > JTREE_SIZE_MAX)
				return too_big(d, "clique", c->size);
		}
		c->off = t->total;
		t->total += c->size;
		if (t->total > JTREE_SIZE_MAX)
			return too_big(d, "clique", t->total);
		if (c->n_vars > maxv)
			maxv = c->n_vars;
		if (c->n_vars > t->stats.max_clique_vars)
			t->stats.max_clique_vars = c->n_vars;
		if (c->size > t->stats.max_clique_size)
			t->stats.max_clique_size = c->size;
	}
	t->stats.n_cliques = t->n_cl;
	t->stats.total_size = t->total;
	ts = malloc(maxv * sizeof(*ts));
	if (!ts)
		return -ENOMEM;
	for (uint32_t i = 0; i < t->n_cl && r == 0; i++) {
		struct clique *c = &t->cl[i], *p;
		uint32_t *sv, ns = 0;

		if (c->parent == UINT32_MAX)
			continue;
		p = &t->cl[c->parent];
		sv = malloc(c->n_vars * sizeof(*sv));
		if (!sv) {
			r = -ENOMEM;
			break;
		}
		for (uint32_t k = 0; k < c->n_vars; k++)
			if (clique_pos(p, c->vars[k]) >= 0)
				sv[ns++] = c->vars[k];
		c->sep_off = t->sep_total;
		c->sep_size = 1;
		for (uint32_t k = 0; k < ns; k++)
			c->sep_size *= b->vars[sv[k]].n_states;
		t->sep_total += c->sep_size;
		if (t->sep_total > JTREE_SIZE_MAX) {
			free(sv);
			r = too_big(d, "separator", t->sep_total);
			break;
		}
		c->map_self = malloc(c->size * sizeof(*c->map_self));
		c->map_parent = malloc(p->size * sizeof(*c->map_parent));
		if (!c->map_self || !c->map_parent) {
			free(sv);
			r = -ENOMEM;
			break;
		}
		for (uint32_t k = 0; k < c->n_vars; k++) {
			int at = -1;

			for (uint32_t j = 0; j < ns; j++)
				if (sv[j] == c->vars[k])
					at = (int)j;
			ts[k] = at < 0 ? 0 : stride_in(b, sv, ns, (uint32_t)at);
		}
		r = build_map(b, c->vars, c->n_vars, ts, c->size, c->map_self);
		for (uint32_t k = 0; k < p->n_vars && r == 0; k++) {
			int at = -1;

			for (uint32_t j = 0; j < ns; j++)
				if (sv[j] == p->vars[k])
					at = (int)j;
			ts[k] = at < 0 ? 0 : stride_in(b, sv, ns, (uint32_t)at);
		}
		if (r == 0)
			r = build_map(
			    b, p->vars, p->n_vars, ts, p->size, c->map_parent);
		free(sv);
	}
	free(ts);
	return r;
}

/* Multiplies every CPT into the clique its family was eliminated in, and
 * picks each variable's home clique. */
static int
init_potentials(struct jtree *t, const struct elim *e, const uint32_t *alias)
{
	const struct bn *b = t->bn;
	uint64_t maxsize = 1, *ts = NULL;
	uint32_t *map = NULL, maxv = 1;
	int r = -ENOMEM;

	for (uint32_t i = 0; i < t->n_cl; i++) {
		if (t->cl[i].size > maxsize)
			maxsize = t->cl[i].size;
		if (t->cl[i].n_vars > maxv)
			maxv = t->cl[i].n_vars;
	}
	t->init = malloc((t->total ? t->total : 1) * sizeof(*t->init));
	t->pot = malloc((t->total ? t->total : 1) * sizeof(*t->pot));
	t->sep_old = malloc((t->sep_total ? t->sep_total : 1) * sizeof(double));
	t->sep_new = malloc((t->sep_total ? t->sep_total : 1) * sizeof(double));
	map = malloc(maxsize * sizeof(*map));
	ts = malloc(maxv * sizeof(*ts));
	if (!t->init || !t->pot || !t->sep_old || !t->sep_new || !map || !ts)
		goto done;
	for (uint64_t k = 0; k < t->total; k++)
		t->init[k] = 1.0;
	for (uint32_t v = 0; v < b->n_vars; v++) {
		const struct bn_var *x = &b->vars[v];
		uint32_t first = e->pos[v];
		struct clique *c;

		for (uint32_t k = 0; k < x->n_parents; k++)
			if (e->pos[x->parents[k]] < first)
				first = e->pos[x->parents[k]];
		c = &t->cl[alias[first]];
		/* The CPT's strides: child fastest, then the parents with
		 * the last one fastest. */
		for (uint32_t k = 0; k < c->n_vars; k++) {
			uint32_t u = c->vars[k];

			ts[k] = 0;
			if (u == v) {
				ts[k] = 1;
				continue;
			}
			for (uint32_t j = 0; j < x->n_parents; j++) {
				if (x->parents[j] != u)
					continue;
				ts[k] = x->n_states;
				for (uint32_t q = j + 1; q < x->n_parents; q++)
					ts[k] *=
					    b->vars[x->parents[q]].n_states;
			}
		}
		r = build_map(b, c->vars, c->n_vars, ts, c->size, map);
		if (r < 0)
			goto done;
		for (uint64_t k = 0; k < c->size; k++)
			t->init[c->off + k] *= x->cpt[map[k]];
	}
	r = -ENOMEM;
	t->home = malloc(b->n_vars * sizeof(*t->home));
	t->stride = malloc(b->n_vars * sizeof(*t->stride));
	t->marg_off = malloc(b->n_vars * sizeof(*t->marg_off));
	if (!t->home || !t->stride || !t->marg_off)
		goto done;
	{
		uint64_t moff = 0;

		for (uint32_t v = 0; v < b->n_vars; v++) {
			t->home[v] = UINT32_MAX;
			t->marg_off[v] = moff;
			moff += b->vars[v].n_states;
		}
		t->marg = malloc(moff * sizeof(*t->marg));
		if (!t->marg)
			goto done;
	}
	for (uint32_t i = 0; i < t->n_cl; i++) {
		const struct clique *c = &t->cl[i];

		for (uint32_t k = 0; k < c->n_vars; k++) {
			uint32_t v = c->vars[k];

			if (t->home[v] != UINT32_MAX &&
			    t->cl[t->home[v]].size <= c->size)
				continue;
			t->home[v] = i;
			t->stride[v] = stride_in(b, c->vars, c->n_vars, k);
		}
	}
	r = 0;
done:
	free(map);
	free(ts);
	return r;
}

int
jtree_new(const struct bn *b, struct jtree **ret, struct diag *d)
{
	struct elim e[H_N], *best = NULL;
	struct graph m = { 0 };
	uint32_t *alias = NULL;
	struct jtree *t;
	int r;

	memset(e, 0, sizeof(e));
	if (b->n_vars == 0) {
		diag_set(d, "the network has no variables");
		return -EINVAL;
	}
	t = calloc(1, sizeof(*t));
	if (!t)
		return -ENOMEM;
	t->bn = b;
	r = moralize(b, &m);
	for (int h = 0; h < H_N && r == 0; h++) {
		r = eliminate(b, &m, (enum heuristic)h, &e[h]);
		if (r == 0 && (!best || e[h].cost < best->cost)) {
			best = &e[h];
			t->stats.heuristic = heuristic_names[h];
		}
	}
	if (r == 0)
		r = build_tree(t, best, &alias);
	if (r == 0)
		r = build_order(t);
	if (r == 0)
		r = layout(t, d);
	if (r == 0)
		r = init_potentials(t, best, alias);
	if (r == 0) {
		t->elim_order = best->order;
		best->order = NULL;
	}
	for (int h = 0; h < H_N; h++)
		elim_done(&e[h], b->n_vars);
	free(m.adj);
	free(alias);
	if (r < 0) {
		if (r == -ENOMEM)
			diag_set(d, "out of memory compiling the network");
		jtree_free(t);
		return r;
	}
	*ret = t;
	return 0;
}

struct jtree *
jtree_free(struct jtree *t)
{
	if (!t)
		return NULL;
	for (uint32_t i = 0; t->cl && i < t->n_cl; i++) {
		free(t->cl[i].vars);
		free(t->cl[i].map_self);
		free(t->cl[i].map_parent);
	}
	free(t->cl);
	free(t->order);
	free(t->init);
	free(t->pot);
	free(t->sep_old);
	free(t->sep_new);
	free(t->home);
	free(t->stride);
	free(t->marg);
	free(t->marg_off);
	free(t->elim_order);
	free(t);
	return NULL;
}

/* Zeroes the entries of v's home clique that disagree with state s. */
static void
enter_evidence(struct jtree *t, uint32_t v, uint32_t s)
{
	const struct clique *c = &t->cl[t->home[v]];
	uint64_t st = t->stride[v], card = t->bn->vars[v].n_states;
	double *p = t->pot + c->off;

	for (uint64_t base = 0; base < c->size; base += st * card)
		for (uint64_t x = 0; x < card; x++)
			if (x != s)
				memset(p + base + x * st, 0, st * sizeof(*p));
}

int
jtree_query(struct jtree *t, const int32_t *ev, double *ret_log_p)
{
	const struct bn *b = t->bn;
	double log_p = 0;

	for (uint32_t v = 0; v < b->n_vars; v++)
		if (ev[v] >= 0 && (uint32_t)ev[v] >= b->vars[v].n_states)
			return -EINVAL;
	memcpy(t->pot, t->init, t->total * sizeof(*t->pot));
	for (uint32_t v = 0; v < b->n_vars; v++)
		if (ev[v] >= 0)
			enter_evidence(t, v, (uint32_t)ev[v]);
	/* Collect: children before parents. The parent takes each message
	 * scaled to sum to one (its sum goes to log_p); the separator keeps
	 * the unscaled message, so that after distribution every clique
	 * sums to one and nothing underflows along deep trees. */
	for (uint32_t i = t->n_cl; i-- > 0;) {
		const struct clique *c = &t->cl[t->order[i]];
		const double *pc = t->pot + c->off;
		double *sep = t->sep_old + c->sep_off, sum = 0, inv, *pp;
		const struct clique *p;

		if (c->parent == UINT32_MAX) {
			double *pr = t->pot + c->off;

			for (uint64_t k = 0; k < c->size; k++)
				sum += pr[k];
			if (!(sum > 0))
				return -EDOM;
			for (uint64_t k = 0; k < c->size; k++)
				pr[k] /= sum;
			log_p += log(sum);
			continue;
		}
		memset(sep, 0, c->sep_size * sizeof(*sep));
		for (uint64_t k = 0; k < c->size; k++)
			sep[c->map_self[k]] += pc[k];
		for (uint64_t k = 0; k < c->sep_size; k++)
			sum += sep[k];
		if (!(sum > 0))
			return -EDOM;
		log_p += log(sum);
		inv = 1 / sum;
		p = &t->cl[c->parent];
		pp = t->pot + p->off;
		for (uint64_t k = 0; k < p->size; k++)
			pp[k] *= sep[c->map_parent[k]] * inv;
	}
	/* Distribute: parents before children, each child times the ratio
	 * of the new separator to the one it sent. */
	for (uint32_t i = 0; i < t->n_cl; i++) {
		const struct clique *c = &t->cl[t->order[i]];
		double *old, *nw, *pc;
		const double *pp;

		if (c->parent == UINT32_MAX)
			continue;
		old = t->sep_old + c->sep_off;
		nw = t->sep_new + c->sep_off;
		pp = t->pot + t->cl[c->parent].off;
		pc = t->pot + c->off;
		memset(nw, 0, c->sep_size * sizeof(*nw));
		for (uint64_t k = 0; k < t->cl[c->parent].size; k++)
			nw[c->map_parent[k]] += pp[k];
		for (uint64_t k = 0; k < c->sep_size; k++)
			nw[k] = old[k] > 0 ? nw[k] / old[k] : 0;
		for (uint64_t k = 0; k < c->size; k++)
			pc[k] *= nw[c->map_self[k]];
	}
	for (uint32_t v = 0; v < b->n_vars; v++) {
		const struct clique *c = &t->cl[t->home[v]];
		uint64_t st = t->stride[v], card = b->vars[v].n_states;
		const double *p = t->pot + c->off;
		double *m = t->marg + t->marg_off[v], sum = 0;

		for (uint64_t x = 0; x < card; x++)
			m[x] = 0;
		for (uint64_t base = 0; base < c->size; base += st * card)
			for (uint64_t x = 0; x < card; x++)
				for (uint64_t k = 0; k < st; k++)
					m[x] += p[base + x * st + k];
		for (uint64_t x = 0; x < card; x++)
			sum += m[x];
		if (!(sum > 0))
			return -EDOM;
		for (uint64_t x = 0; x < card; x++)
			m[x] /= sum;
	}
	if (ret_log_p)
		*ret_log_p = log_p;
	return 0;
}

const double *
jtree_marginal(const struct jtree *t, uint32_t v)
{
	return t->marg + t->marg_off[v];
}

void
jtree_stats(const struct jtree *t, struct jtree_stats *ret)
{
	*ret = t->stats;
}

const uint32_t *
jtree_elimination_order(const struct jtree *t)
{
	return t->elim_order;
}
