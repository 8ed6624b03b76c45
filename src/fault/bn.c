/* bn.c - Bayesian networks: lifetime, name lookups, evidence strings. */
#include "fault/bn.h"

#include "core/mem.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

int
bn_new(struct bn **ret)
{
	struct bn *b = calloc(1, sizeof(*b));

	if (!b)
		return -ENOMEM;
	strmap_init(&b->index);
	*ret = b;
	return 0;
}

struct bn *
bn_free(struct bn *b)
{
	if (!b)
		return NULL;
	for (uint32_t i = 0; i < b->n_vars; i++) {
		struct bn_var *v = &b->vars[i];

		for (uint32_t s = 0; v->states && s < v->n_states; s++)
			free(v->states[s]);
		free(v->states);
		free(v->parents);
		free(v->cpt);
		free(v->name);
	}
	free(b->vars);
	free(b->warnings);
	free(b->name);
	strmap_done(&b->index);
	free(b);
	return NULL;
}

int
bn_find_var(const struct bn *b, const char *name, uint32_t *ret)
{
	return strmap_get(&b->index, name, ret);
}

int
bn_find_state(const struct bn *b, uint32_t v, const char *name, uint32_t *ret)
{
	const struct bn_var *var = &b->vars[v];

	/* State lists are short: a scan beats a map per variable. */
	for (uint32_t s = 0; s < var->n_states; s++) {
		if (strcmp(var->states[s], name) == 0) {
			*ret = s;
			return 0;
		}
	}
	return -ENOENT;
}

/* Appends "sep item" to out[0..n) at *off; "..." once it no longer fits. */
static void
list_add(char *out, size_t n, size_t *off, const char *item, bool first)
{
	size_t need = strlen(item) + (first ? 0 : 2);

	if (*off >= n)
		return;
	if (*off + need + 4 >= n) {
		if (*off + 4 < n)
			*off += (size_t)snprintf(
			    out + *off, n - *off, "%s...", first ? "" : ", ");
		*off = n;
		return;
	}
	*off += (size_t)snprintf(
	    out + *off, n - *off, "%s%s", first ? "" : ", ", item);
}

void
bn_state_list(const struct bn *b, uint32_t v, char *out, size_t n)
{
	size_t off = 0;

	if (n == 0)
		return;
	out[0] = '\0';
	for (uint32_t s = 0; s < b->vars[v].n_states; s++)
		list_add(out, n, &off, b->vars[v].states[s], s == 0);
}

void
bn_var_list(const struct bn *b, char *out, size_t n)
{
	size_t off = 0;

	if (n == 0)
		return;
	out[0] = '\0';
	for (uint32_t i = 0; i < b->n_vars; i++)
		list_add(out, n, &off, b->vars[i].name, i == 0);
}

/* Copies s[0..len) without surrounding blanks into out (NUL-terminated). */
static void
trim_copy(const char *s, size_t len, char *out, size_t n)
{
	while (len > 0 && (*s == ' ' || *s == '\t'))
		s++, len--;
	while (len > 0 && (s[len - 1] == ' ' || s[len - 1] == '\t'))
		len--;
	if (len >= n)
		len = n - 1;
	memcpy(out, s, len);
	out[len] = '\0';
}

int
bn_evidence_parse(
    const struct bn *b, const char *text, int32_t *ev, struct diag *d)
{
	char name[BN_NAME_MAX + 2], state[BN_NAME_MAX + 2], list[400];
	int32_t *tmp;
	const char *p = text ? text : "";
	uint32_t v, s;

	tmp = malloc((b->n_vars ? b->n_vars : 1) * sizeof(*tmp));
	if (!tmp)
		return -ENOMEM;
	for (uint32_t i = 0; i < b->n_vars; i++)
		tmp[i] = -1;
	if (strcmp(p, "-") == 0)
		p = "";
	while (*p) {
		const char *end = strchr(p, ';'), *eq;
		size_t len = end ? (size_t)(end - p) : strlen(p);

		trim_copy(p, len, name, sizeof(name));
		if (name[0] == '\0')
			goto next;
		eq = memchr(p, '=', len);
		if (!eq) {
			diag_set(d, "evidence '%s': expected VAR=state", name);
			free(tmp);
			return -EINVAL;
		}
		trim_copy(p, (size_t)(eq - p), name, sizeof(name));
		trim_copy(
		    eq + 1, len - (size_t)(eq - p) - 1, state, sizeof(state));
		if (bn_find_var(b, name, &v) < 0) {
			bn_var_list(b, list, sizeof(list));
			diag_set(d,
			    "evidence: unknown variable '%s' (valid: %s)", name,
			    list);
			free(tmp);
			return -ENOENT;
		}
		if (bn_find_state(b, v, state, &s) < 0) {
			bn_state_list(b, v, list, sizeof(list));
			diag_set(d,
			    "evidence: %s has no state '%s' (valid: %s)", name,
			    state, list);
			free(tmp);
			return -ENOENT;
		}
		if (tmp[v] >= 0 && tmp[v] != (int32_t)s) {
			diag_set(d, "evidence: %s given twice (%s and %s)",
			    name, b->vars[v].states[tmp[v]], state);
			free(tmp);
			return -EINVAL;
		}
		tmp[v] = (int32_t)s;
	next:
		p += len;
		if (*p == ';')
			p++;
	}
	memcpy(ev, tmp, b->n_vars * sizeof(*ev));
	free(tmp);
	return 0;
}
