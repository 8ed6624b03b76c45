/* label.c - small owned label sets. */
#include "model/label.h"

#include "core/error.h"

#include <stdlib.h>
#include <string.h>

int
labels_set(struct labels *l, const char *key, const char *value)
{
	struct label *nv;
	char *k, *v;

	for (uint32_t i = 0; i < l->n; i++) {
		if (strcmp(l->v[i].key, key) == 0) {
			v = strdup(value);
			if (!v)
				return -ENOMEM;
			free(l->v[i].value);
			l->v[i].value = v;
			return 0;
		}
	}
	if (l->n >= LABEL_MAX)
		return -E2BIG;
	nv = realloc(l->v, (l->n + 1) * sizeof(*l->v));
	if (!nv)
		return -ENOMEM;
	l->v = nv;
	k = strdup(key);
	v = strdup(value);
	if (!k || !v) {
		free(k);
		free(v);
		return -ENOMEM;
	}
	l->v[l->n].key = k;
	l->v[l->n].value = v;
	l->n++;
	return 0;
}

const char *
labels_get(const struct labels *l, const char *key)
{
	for (uint32_t i = 0; i < l->n; i++)
		if (strcmp(l->v[i].key, key) == 0)
			return l->v[i].value;
	return NULL;
}

int
labels_unmet(const struct labels *have, const struct labels *want)
{
	const char *v;

	for (uint32_t i = 0; i < want->n; i++) {
		v = labels_get(have, want->v[i].key);
		if (!v || strcmp(v, want->v[i].value) != 0)
			return (int)i;
	}
	return -1;
}

int
labels_copy(struct labels *dst, const struct labels *src)
{
	int r;

	for (uint32_t i = 0; i < src->n; i++) {
		r = labels_set(dst, src->v[i].key, src->v[i].value);
		if (r < 0) {
			labels_done(dst);
			return r;
		}
	}
	return 0;
}

void
labels_done(struct labels *l)
{
	for (uint32_t i = 0; i < l->n; i++) {
		free(l->v[i].key);
		free(l->v[i].value);
	}
	free(l->v);
	l->v = NULL;
	l->n = 0;
}
