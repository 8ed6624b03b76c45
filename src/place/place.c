/* place.c - decisions, the configured-strategy wrapper, the refusal path. */
#include "place/place.h"

#include "core/mem.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

void
place_decision_init(struct place_decision *d)
{
	memset(d, 0, sizeof(*d));
	d->host = HOST_NONE;
}

void
place_decision_done(struct place_decision *d)
{
	free(d->victims);
	place_decision_init(d);
}

int
place_decision_add_victim(struct place_decision *d, vm_id v)
{
	int r = mem_grow(&d->victims, &d->cap_victims, d->n_victims + 1,
	    sizeof(*d->victims));

	if (r < 0)
		return r;
	d->victims[d->n_victims++] = v;
	return 0;
}

const struct place_ops *
place_find(const char *name)
{
	const struct place_ops *const *all;
	uint32_t n;

	all = place_registry(&n);
	for (uint32_t i = 0; i < n; i++)
		if (strcmp(all[i]->name, name) == 0)
			return all[i];
	return NULL;
}

void
place_names(char *out, size_t n)
{
	const struct place_ops *const *all;
	size_t off = 0;
	uint32_t cnt;

	out[0] = '\0';
	all = place_registry(&cnt);
	for (uint32_t i = 0; i < cnt && off < n; i++)
		off += (size_t)snprintf(
		    out + off, n - off, "%s%s", i ? ", " : "", all[i]->name);
}

int
place_refuse(const struct cluster *c, vm_id v, struct why *why)
{
	if (why)
		cluster_explain(c, v, why);
	return -ENOSPC;
}

int
placer_new(const char *name, const char *params, uint64_t seed,
    struct placer **ret, struct diag *d)
{
	const struct place_ops *ops = place_find(name);
	struct placer *p;
	char names[256];
	int r;

	if (!ops) {
		place_names(names, sizeof(names));
		diag_set(d, "unknown allocation strategy '%s' (valid: %s)",
		    name, names);
		return -ENOENT;
	}
	p = calloc(1, sizeof(*p));
	if (!p)
		return -ENOMEM;
	p->ops = ops;
	r = params_init(&p->params, ops->params, ops->n_params, d);
	if (r < 0)
		goto fail;
	r = params_set_list(&p->params, params, d);
	if (r < 0) {
		diag_prefix(d, "%s", name);
		r = -EINVAL;
		goto fail;
	}
	r = ops->init ? ops->init(&p->params, seed, &p->state) : 0;
	if (r < 0) {
		diag_set(d, "%s: cannot initialise: %s", name, strerror(-r));
		goto fail;
	}
	*ret = p;
	return 0;
fail:
	params_done(&p->params);
	free(p);
	return r;
}

struct placer *
placer_free(struct placer *p)
{
	if (!p)
		return NULL;
	if (p->ops->fini)
		p->ops->fini(p->state);
	params_done(&p->params);
	free(p);
	return NULL;
}

int
placer_place(struct placer *p, const struct cluster *c, vm_id v,
    struct place_decision *ret, struct why *why)
{
	ret->host = HOST_NONE;
	ret->n_victims = 0;
	return p->ops->place(p->state, c, v, ret, why);
}
