/* detect.c - the configured-detector wrapper: lookup, params, monotone time. */
#include "fault/detect.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

const struct detect_ops *
detect_find(const char *name)
{
	const struct detect_ops *const *all;
	uint32_t n;

	all = detect_registry(&n);
	for (uint32_t i = 0; i < n; i++)
		if (strcmp(all[i]->name, name) == 0)
			return all[i];
	return NULL;
}

int
detector_new(
    const char *name, const char *params, struct detector **ret, struct diag *d)
{
	const struct detect_ops *ops = detect_find(name);
	const struct detect_ops *const *all;
	struct detector *x;
	char names[256];
	size_t off = 0;
	uint32_t n;
	int r;

	if (!ops) {
		all = detect_registry(&n);
		names[0] = '\0';
		for (uint32_t i = 0; i < n && off < sizeof(names); i++)
			off +=
			    (size_t)snprintf(names + off, sizeof(names) - off,
				"%s%s", i ? ", " : "", all[i]->name);
		diag_set(d, "unknown failure detector '%s' (valid: %s)", name,
		    names);
		return -ENOENT;
	}
	x = calloc(1, sizeof(*x));
	if (!x)
		return -ENOMEM;
	x->ops = ops;
	r = params_init(&x->params, ops->params, ops->n_params, d);
	if (r < 0)
		goto fail;
	r = params_set_list(&x->params, params, d);
	if (r < 0) {
		diag_prefix(d, "%s", name);
		r = -EINVAL;
		goto fail;
	}
	r = ops->init(&x->params, &x->state);
	if (r < 0) {
		diag_set(d, "%s: cannot initialise: %s", name, strerror(-r));
		goto fail;
	}
	*ret = x;
	return 0;
fail:
	params_done(&x->params);
	free(x);
	return r;
}

struct detector *
detector_free(struct detector *x)
{
	if (!x)
		return NULL;
	if (x->ops->fini)
		x->ops->fini(x->state);
	params_done(&x->params);
	free(x);
	return NULL;
}

int
detector_heartbeat(struct detector *x, uint64_t t_ns)
{
	if (x->started && t_ns < x->last_ns)
		return -EINVAL;
	x->ops->heartbeat(x->state, t_ns);
	x->last_ns = t_ns;
	x->started = true;
	return 0;
}

double
detector_level(const struct detector *x, uint64_t now_ns)
{
	if (!x->started || now_ns <= x->last_ns)
		return 0;
	return x->ops->level(x->state, now_ns);
}

bool
detector_suspect(const struct detector *x, uint64_t now_ns)
{
	if (!x->started)
		return false;
	return now_ns >= detector_deadline(x);
}

uint64_t
detector_deadline(const struct detector *x)
{
	return x->started ? x->ops->deadline(x->state) : UINT64_MAX;
}
