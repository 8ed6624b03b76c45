/* sched.c - picks, the configured-policy wrapper, sorting helper. */
#include "sched/sched.h"

#include "core/mem.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

void
sched_pick_init(struct sched_pick *p)
{
	memset(p, 0, sizeof(*p));
}

void
sched_pick_done(struct sched_pick *p)
{
	free(p->idx);
	sched_pick_init(p);
}

int
sched_pick_add(struct sched_pick *p, uint32_t i)
{
	int r = mem_grow(&p->idx, &p->cap, p->n + 1, sizeof(*p->idx));

	if (r < 0)
		return r;
	p->idx[p->n++] = i;
	return 0;
}

const struct sched_ops *
sched_find(const char *name)
{
	const struct sched_ops *const *all;
	uint32_t n;

	all = sched_registry(&n);
	for (uint32_t i = 0; i < n; i++)
		if (strcmp(all[i]->name, name) == 0)
			return all[i];
	return NULL;
}

int
scheduler_new(const char *name, const char *params, uint64_t seed,
    struct scheduler **ret, struct diag *d)
{
	const struct sched_ops *ops = sched_find(name);
	const struct sched_ops *const *all;
	struct scheduler *s;
	char names[256];
	size_t off = 0;
	uint32_t n;
	int r;

	if (!ops) {
		all = sched_registry(&n);
		names[0] = '\0';
		for (uint32_t i = 0; i < n && off < sizeof(names); i++)
			off +=
			    (size_t)snprintf(names + off, sizeof(names) - off,
				"%s%s", i ? ", " : "", all[i]->name);
		diag_set(d, "unknown scheduling policy '%s' (valid: %s)", name,
		    names);
		return -ENOENT;
	}
	s = calloc(1, sizeof(*s));
	if (!s)
		return -ENOMEM;
	s->ops = ops;
	r = params_init(&s->params, ops->params, ops->n_params, d);
	if (r < 0)
		goto fail;
	r = params_set_list(&s->params, params, d);
	if (r < 0) {
		diag_prefix(d, "%s", name);
		r = -EINVAL;
		goto fail;
	}
	r = ops->init ? ops->init(&s->params, seed, &s->state) : 0;
	if (r < 0) {
		diag_set(d, "%s: cannot initialise: %s", name, strerror(-r));
		goto fail;
	}
	*ret = s;
	return 0;
fail:
	params_done(&s->params);
	free(s);
	return r;
}

struct scheduler *
scheduler_free(struct scheduler *s)
{
	if (!s)
		return NULL;
	if (s->ops->fini)
		s->ops->fini(s->state);
	params_done(&s->params);
	free(s);
	return NULL;
}

int
scheduler_pick(struct scheduler *s, const struct cluster *c,
    const struct sched_queue *q, uint64_t now_ns, uint32_t max,
    struct sched_pick *ret)
{
	ret->n = 0;
	ret->strict = false;
	if (max == 0 || max > q->n)
		max = q->n ? q->n : 1;
	return s->ops->pick(s->state, c, q, now_ns, max, ret);
}

int
sched_pick_prefix(
    const struct sched_queue *q, uint32_t max, struct sched_pick *ret)
{
	int r = 0;

	for (uint32_t i = 0; i < q->n && i < max && r == 0; i++)
		r = sched_pick_add(ret, i);
	return r;
}

uint64_t
scheduler_slice_ns(const struct scheduler *s)
{
	return s->ops->slice_ns ? s->ops->slice_ns(s->state) : 0;
}

/* A queue entry with its index, so ties can fall back on queue order. */
struct keyed {
	const struct sched_entry *e;
	uint32_t i;
};

typedef int (*sched_cmp)(const struct cluster *c, const struct sched_entry *a,
    const struct sched_entry *b);

/* Total order: the policy's, then queue position. */
static inline bool
earlier(const struct cluster *c, sched_cmp cmp, const struct keyed *a,
    const struct keyed *b)
{
	int r = cmp(c, a->e, b->e);

	return r < 0 || (r == 0 && a->i < b->i);
}

/* Sifts down in a heap whose top is the latest (worst) entry. */
static void
worst_down(const struct cluster *c, sched_cmp cmp, struct keyed *h, uint32_t n,
    uint32_t i)
{
	for (;;) {
		uint32_t l = 2 * i + 1, r = l + 1, m = i;

		if (l < n && earlier(c, cmp, &h[m], &h[l]))
			m = l;
		if (r < n && earlier(c, cmp, &h[m], &h[r]))
			m = r;
		if (m == i)
			return;
		struct keyed t = h[i];
		h[i] = h[m];
		h[m] = t;
		i = m;
	}
}

int
sched_pick_sorted(const struct cluster *c, const struct sched_queue *q,
    sched_cmp cmp, uint32_t max, struct sched_pick *ret)
{
	uint32_t k = q->n < max ? q->n : max, n = 0;
	struct keyed *h;
	int r = 0;

	if (k == 0)
		return 0;
	h = malloc(k * sizeof(*h));
	if (!h)
		return -ENOMEM;
	/* Keep the best k in a heap topped by the worst of them. */
	for (uint32_t i = 0; i < q->n; i++) {
		struct keyed e = { &q->v[i], i };

		if (n < k) {
			h[n++] = e;
			if (n == k) /* k = min(queue, max): always reached */
				for (uint32_t j = n / 2; j-- > 0;)
					worst_down(c, cmp, h, n, j);
			continue;
		}
		if (earlier(c, cmp, &e, &h[0])) {
			h[0] = e;
			worst_down(c, cmp, h, n, 0);
		}
	}
	/* Pop the worst to the back: h ends sorted best first. */
	for (uint32_t m = n; m > 1; m--) {
		struct keyed t = h[0];

		h[0] = h[m - 1];
		h[m - 1] = t;
		worst_down(c, cmp, h, m - 1, 0);
	}
	for (uint32_t i = 0; i < n && r == 0; i++)
		r = sched_pick_add(ret, h[i].i);
	free(h);
	return r;
}
