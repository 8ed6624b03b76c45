/* fitorder.c - per-shape treaps of hosts by relative free room, max-augmented. */
#include "model/fitorder.h"

#include <assert.h>
#include <stdlib.h>
#include <string.h>

#define NIL FITORDER_NIL

/* Heap priority of a node: a bijective hash of its id (so no two equal),
 * fixed, so the tree's shape depends on the keys alone. */
static inline uint32_t
prio(uint32_t i)
{
	i ^= i >> 16;
	i *= 0x7feb352dU;
	i ^= i >> 15;
	i *= 0x846ca68bU;
	i ^= i >> 16;
	return i;
}

/* s as an unsigned integer in the same order (IEEE 754 bits, the sign
 * folded), so that a node is 4-byte aligned and 36 bytes. */
static inline uint64_t
key_of(double s)
{
	uint64_t u;

	memcpy(&u, &s, sizeof(u));
	return u >> 63 ? ~u : u | (UINT64_C(1) << 63);
}

static inline double
s_of(const struct fitorder_node *n)
{
	uint64_t u = (uint64_t)n->key_hi << 32 | n->key_lo;
	double s;

	u = u >> 63 ? u & ~(UINT64_C(1) << 63) : ~u;
	memcpy(&s, &u, sizeof(s));
	return s;
}

/* Whether node a's key (s, id) is below node b's. */
static inline bool
less(const struct fitorder *o, uint32_t a, uint32_t b)
{
	const struct fitorder_node *x = &o->nodes[a], *y = &o->nodes[b];

	if (x->key_hi != y->key_hi)
		return x->key_hi < y->key_hi;
	if (x->key_lo != y->key_lo)
		return x->key_lo < y->key_lo;
	return a < b;
}

/* The link that holds t: its parent's child field or the shape's root. */
static inline uint32_t *
link_of(struct fitorder *o, struct fitorder_shape *sh, uint32_t t)
{
	uint32_t p = o->nodes[t].p;

	if (p == NIL)
		return &sh->root;
	return o->nodes[p].l == t ? &o->nodes[p].l : &o->nodes[p].r;
}

/* Hangs c (may be NIL) on *link, which belongs to node owner (NIL: a
 * root). */
static inline void
hang(struct fitorder *o, uint32_t *link, uint32_t owner, uint32_t c)
{
	*link = c;
	if (c != NIL)
		o->nodes[c].p = owner;
}

/* The least code whose value is >= v (see struct fitorder_node). */
static uint16_t
room_code(int64_t v)
{
	int e = 1;

	if (v < 2048)
		return v < 0 ? 0 : (uint16_t)v;
	/* The least e with ceil(v / 2^e) <= 2047; then the quotient has 11
	 * significant bits, 1024 <= m <= 2047, and the code is 1024 e + m. */
	while (((v - 1) >> e) + 1 > 2047)
		e++; /* ends by e = 53, as v < 2^63: codes stay below 56320 */
	return (uint16_t)(1024 * e + (((v - 1) >> e) + 1));
}

/* Recomputes t's maxima from its own free room and its children's;
 * whether they changed. */
static bool
order_pull(struct fitorder *o, uint32_t t)
{
	struct fitorder_node *n = &o->nodes[t];
	bool changed = false;

	for (int d = 0; d < RES_NDIM; d++) {
		uint16_t m = n->own[d];

		if (n->l != NIL && o->nodes[n->l].max[d] > m)
			m = o->nodes[n->l].max[d];
		if (n->r != NIL && o->nodes[n->r].max[d] > m)
			m = o->nodes[n->r].max[d];
		changed |= n->max[d] != m;
		n->max[d] = m;
	}
	return changed;
}

/*
 * The nodes an update walks, deepest last. A treap's depth is O(log n)
 * expected (about 2 ln n; 40 for a million hosts); an insert deeper than
 * this, or a longer walk, would take keys lined up against the hashed
 * priorities, and turns the order off rather than overflow (see give_up).
 * So queries, which recurse down the tree, stay shallow too.
 */
#define WALK_MAX 512

struct walk {
	uint32_t n;
	uint32_t at[WALK_MAX];
};

static inline bool
walk_push(struct walk *w, uint32_t t)
{
	if (w->n == WALK_MAX)
		return false;
	w->at[w->n++] = t;
	return true;
}

/* Pulls the walked nodes deepest first. */
static void
walk_pull(struct fitorder *o, const struct walk *w)
{
	for (uint32_t k = w->n; k-- > 0;)
		order_pull(o, w->at[k]);
}

/* Drops the whole order: queries answer -ENOTSUP from now on. */
static void
give_up(struct fitorder *o)
{
	free(o->nodes);
	free(o->shape);
	o->nodes = NULL;
	o->shape = NULL;
	o->n_alloc = 0;
	o->off = true;
}

/* Joins treaps a and b, every key of a below every key of b, into *link,
 * which belongs to owner. false (order off) when the walk overflows. */
static bool
merge(
    struct fitorder *o, uint32_t a, uint32_t b, uint32_t owner, uint32_t *link)
{
	struct walk w;

	w.n = 0; /* not the whole array: it is written before it is read */
	while (a != NIL && b != NIL) {
		if (!walk_push(&w, prio(a) > prio(b) ? a : b))
			return false;
		if (prio(a) > prio(b)) {
			hang(o, link, owner, a);
			owner = a;
			link = &o->nodes[a].r;
			a = o->nodes[a].r;
		} else {
			hang(o, link, owner, b);
			owner = b;
			link = &o->nodes[b].l;
			b = o->nodes[b].l;
		}
	}
	hang(o, link, owner, a != NIL ? a : b);
	walk_pull(o, &w);
	return true;
}

/* Removes node i from the treap of shape sh. false (order off) when a
 * walk overflows. */
static bool
erase(struct fitorder *o, struct fitorder_shape *sh, uint32_t i)
{
	uint32_t t = o->nodes[i].p;

	if (!merge(o, o->nodes[i].l, o->nodes[i].r, t, link_of(o, sh, i)))
		return false;
	/* Up the parents, while the maxima change. */
	while (t != NIL && order_pull(o, t))
		t = o->nodes[t].p;
	return true;
}

/* Inserts the detached node i (key and own room set) into the treap of
 * shape sh. false (order off) when a walk overflows. */
static bool
insert(struct fitorder *o, struct fitorder_shape *sh, uint32_t i)
{
	struct fitorder_node *n = &o->nodes[i];
	uint32_t *link = &sh->root, t = sh->root, owner = NIL;
	uint32_t *ll = &n->l, *rl = &n->r, lo = i, ro = i, depth = 0;
	struct walk w;

	w.n = 0;
	/* Down to where i's priority puts it; every node passed gains i.
	 * Both children are fetched while the key is compared: the walk is
	 * a chain of cache misses otherwise. */
	while (t != NIL && prio(t) > prio(i)) {
		struct fitorder_node *m = &o->nodes[t];

		if (++depth > WALK_MAX)
			return false;
		if (m->l != NIL)
			__builtin_prefetch(&o->nodes[m->l]);
		if (m->r != NIL)
			__builtin_prefetch(&o->nodes[m->r]);
		for (int d = 0; d < RES_NDIM; d++)
			if (n->own[d] > m->max[d])
				m->max[d] = n->own[d];
		owner = t;
		link = less(o, i, t) ? &m->l : &m->r;
		t = *link;
	}
	/* Split what hangs there into keys below and above i. */
	while (t != NIL) {
		if (!walk_push(&w, t))
			return false;
		if (less(o, t, i)) {
			hang(o, ll, lo, t);
			lo = t;
			ll = &o->nodes[t].r;
			t = o->nodes[t].r;
		} else {
			hang(o, rl, ro, t);
			ro = t;
			rl = &o->nodes[t].l;
			t = o->nodes[t].l;
		}
	}
	*ll = *rl = NIL;
	walk_pull(o, &w);
	order_pull(o, i);
	hang(o, link, owner, i);
	return true;
}

void
fitorder_init(struct fitorder *o)
{
	memset(o, 0, sizeof(*o));
}

void
fitorder_done(struct fitorder *o)
{
	free(o->nodes);
	free(o->shape);
	memset(o, 0, sizeof(*o));
}

/* Grows the arrays to cap hosts. 0 or -ENOMEM (arrays still valid). */
static int
grow(struct fitorder *o, uint32_t cap)
{
	struct fitorder_node *nodes;
	uint8_t *shape;

	/* n_alloc moves only when both arrays have the room. */
	nodes = realloc(o->nodes, (size_t)cap * sizeof(*nodes));
	if (!nodes)
		return -ENOMEM;
	o->nodes = nodes;
	shape = realloc(o->shape, cap);
	if (!shape)
		return -ENOMEM;
	o->shape = shape;
	memset(o->shape + o->n_alloc, FITORDER_NONE, cap - o->n_alloc);
	o->n_alloc = cap;
	return 0;
}

int
fitorder_resize(struct fitorder *o, uint32_t n)
{
	uint64_t cap = o->cap ? o->cap : 4;
	int r;

	if (n <= o->cap)
		return 0;
	while (cap < n)
		cap += cap / 16 + 1; /* a sixteenth: bytes per host are tight */
	if (cap > (UINT32_C(1) << 30))
		return -ENOMEM;
	if (o->on && !o->off) {
		r = grow(o, (uint32_t)cap);
		if (r < 0)
			return r;
	}
	o->cap = (uint32_t)cap;
	return 0;
}

int
fitorder_start(struct fitorder *o)
{
	int r;

	if (o->on || o->off)
		return 0;
	r = grow(o, o->cap);
	if (r < 0)
		return r;
	o->on = true;
	return 0;
}

/* The shape with 1/limit inv_lim, made if new (reusing an empty one);
 * FITORDER_NONE when all are taken. */
static uint8_t
shape_of(struct fitorder *o, const double *inv_lim)
{
	uint32_t empty = FITORDER_NONE;

	for (uint32_t k = 0; k < o->n_shapes; k++) {
		if (memcmp(o->shapes[k].inv_lim, inv_lim,
			sizeof(o->shapes[k].inv_lim)) == 0)
			return (uint8_t)k;
		if (o->shapes[k].n == 0 && empty == FITORDER_NONE)
			empty = k;
	}
	if (empty == FITORDER_NONE) {
		if (o->n_shapes == FITORDER_MAX_SHAPES)
			return FITORDER_NONE;
		empty = o->n_shapes++;
	}
	memcpy(o->shapes[empty].inv_lim, inv_lim,
	    sizeof(o->shapes[empty].inv_lim));
	o->shapes[empty].root = NIL;
	o->shapes[empty].n = 0;
	return (uint8_t)empty;
}

void
fitorder_set(struct fitorder *o, uint32_t i, const struct fitleaf *l)
{
	struct fitorder_shape *sh;
	uint64_t key;
	uint8_t k;

	assert(i < o->cap);
	if (!o->on || o->off)
		return;
	if (o->shape[i] != FITORDER_NONE) {
		sh = &o->shapes[o->shape[i]];
		if (!erase(o, sh, i)) {
			give_up(o);
			return;
		}
		sh->n--;
		o->shape[i] = FITORDER_NONE;
	}
	if (!l)
		return;
	k = shape_of(o, l->inv_lim);
	if (k == FITORDER_NONE) {
		/* One shape too many: the order cannot answer any more. */
		give_up(o);
		return;
	}
	sh = &o->shapes[k];
	key = key_of(l->s);
	o->nodes[i].key_hi = (uint32_t)(key >> 32);
	o->nodes[i].key_lo = (uint32_t)key;
	o->nodes[i].l = o->nodes[i].r = o->nodes[i].p = NIL;
	for (int d = 0; d < RES_NDIM; d++)
		o->nodes[i].own[d] = room_code(l->free.v[d]);
	if (!insert(o, sh, i)) {
		give_up(o);
		return;
	}
	sh->n++;
	o->shape[i] = k;
}

static inline bool
holds(const uint16_t *room, const uint16_t *need)
{
	for (int d = 0; d < RES_NDIM; d++)
		if (room[d] < need[d])
			return false;
	return true;
}

/* The leftmost node below t, in key order, whose room may hold need
 * (codes) and whose key is above node after's (NIL: any key); NIL if
 * none. Subtrees whose maxima cannot hold need are skipped, so this
 * descends much like first fit. */
static uint32_t
next_holding(
    const struct fitorder *o, const uint16_t *need, uint32_t t, uint32_t after)
{
	while (t != NIL && holds(o->nodes[t].max, need)) {
		uint32_t got;

		if (after != NIL && !less(o, after, t)) {
			t = o->nodes[t].r; /* t and its left are not above */
			continue;
		}
		got = next_holding(o, need, o->nodes[t].l, after);
		if (got != NIL)
			return got;
		if (holds(o->nodes[t].own, need))
			return t;
		t = o->nodes[t].r;
	}
	return NIL;
}

int
fitorder_tightest(const struct fitorder *o, const struct res *need,
    bool (*accept)(uint32_t leaf, void *actx), void *actx, uint32_t *ret)
{
	uint32_t cand[FITORDER_MAX_SHAPES];
	double score[FITORDER_MAX_SHAPES];
	uint16_t code[RES_NDIM];

	if (!o->on || o->off)
		return -ENOTSUP;
	for (int d = 0; d < RES_NDIM; d++)
		code[d] = room_code(need->v[d]);
	/* Each shape's candidate is its first host in key order that may
	 * hold need, which scores at least as well as any later one. The
	 * best candidate is checked; a refused one gives way to the next
	 * host of its shape. So accept runs once in the common case. */
	for (uint32_t k = 0; k < o->n_shapes; k++) {
		cand[k] = next_holding(o, code, o->shapes[k].root, NIL);
		if (cand[k] != NIL)
			score[k] = fit_tight_score(s_of(&o->nodes[cand[k]]),
			    o->shapes[k].inv_lim, need);
	}
	for (;;) {
		uint32_t b = FITORDER_MAX_SHAPES, h;

		for (uint32_t k = 0; k < o->n_shapes; k++)
			if (cand[k] != NIL &&
			    (b == FITORDER_MAX_SHAPES || score[k] > score[b] ||
				(score[k] == score[b] && cand[k] < cand[b])))
				b = k;
		if (b == FITORDER_MAX_SHAPES)
			return -ENOSPC;
		h = cand[b];
		if (accept(h, actx)) {
			*ret = h;
			return 0;
		}
		cand[b] = next_holding(o, code, o->shapes[b].root, h);
		if (cand[b] != NIL)
			score[b] = fit_tight_score(s_of(&o->nodes[cand[b]]),
			    o->shapes[b].inv_lim, need);
	}
}

size_t
fitorder_bytes(const struct fitorder *o)
{
	return (size_t)o->n_alloc * (1 + sizeof(*o->nodes));
}
