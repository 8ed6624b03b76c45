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
    const struct sched_queue *q, uint64_t now_ns, struct sched_pick *ret)
{
	ret->n = 0;
	ret->strict = false;
	return s->ops->pick(s->state, c, q, now_ns, ret);
}

uint64_t
scheduler_slice_ns(const struct scheduler *s)
{
	return s->ops->slice_ns ? s->ops->slice_ns(s->state) : 0;
}

/* qsort takes no context, so a bottom-up merge sort (stable) does it. */
struct keyed {
	const struct sched_entry *e;
	uint32_t i;
};

int
sched_pick_sorted(const struct cluster *c, const struct sched_queue *q,
    int (*cmp)(const struct cluster *c, const struct sched_entry *a,
	const struct sched_entry *b),
    struct sched_pick *ret)
{
	size_t n = q->n ? q->n : 1;
	struct keyed *k = malloc(n * sizeof(*k)), *tmp = malloc(n * sizeof(*k));
	int r = 0;

	if (!k || !tmp) {
		r = -ENOMEM;
		goto out;
	}
	for (uint32_t i = 0; i < q->n; i++)
		k[i] = (struct keyed){ &q->v[i], i };
	for (uint32_t w = 1; w < q->n; w *= 2) {
		for (uint32_t lo = 0; lo < q->n; lo += 2 * w) {
			uint32_t mid = lo + w < q->n ? lo + w : q->n;
			uint32_t hi = lo + 2 * w < q->n ? lo + 2 * w : q->n;
			uint32_t a = lo, b = mid, o = lo;

			/* Take from the right run only when strictly smaller:
			 * equal keys keep their queue order. */
			while (a < mid && b < hi)
				tmp[o++] = cmp(c, k[b].e, k[a].e) < 0 ? k[b++]
								      : k[a++];
			while (a < mid)
				tmp[o++] = k[a++];
			while (b < hi)
				tmp[o++] = k[b++];
		}
		memcpy(k, tmp, q->n * sizeof(*k));
	}
	for (uint32_t i = 0; i < q->n && r == 0; i++)
		r = sched_pick_add(ret, k[i].i);
out:
	free(k);
	free(tmp);
	return r;
}
