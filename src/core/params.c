/* params.c - parse and validate key=value parameters against a spec. */
#include "core/params.h"

#include "core/cleanup.h"
#include "core/error.h"
#include "core/mem.h"

#include <assert.h>
#include <inttypes.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static int
spec_index(const struct params *p, const char *name, uint32_t *ret)
{
	for (uint32_t i = 0; i < p->n; i++) {
		if (strcmp(p->spec[i].name, name) == 0) {
			*ret = i;
			return 0;
		}
	}
	return -ENOENT;
}

static void
list_names(const struct params *p, char *out, size_t n)
{
	size_t off = 0;

	out[0] = '\0';
	if (p->n == 0) {
		snprintf(out, n, "this strategy takes no parameters");
		return;
	}
	for (uint32_t i = 0; i < p->n && off < n; i++)
		off += (size_t)snprintf(out + off, n - off, "%s%s",
		    i ? ", " : "valid: ", p->spec[i].name);
}

static int
parse_value(const struct param_spec *s, const char *text,
    union param_value *ret, struct diag *d)
{
	char *end;

	switch (s->type) {
	case PARAM_INT: {
		long long x;

		errno = 0;
		x = strtoll(text, &end, 10);
		if (errno || end == text || *end || (double)x < s->min ||
		    (double)x > s->max) {
			diag_set(d,
			    "%s: must be an integer from %.0f to %.0f, got "
			    "'%s'",
			    s->name, s->min, s->max, text);
			return -EINVAL;
		}
		ret->i = x;
		return 0;
	}
	case PARAM_DOUBLE: {
		double x;

		errno = 0;
		x = strtod(text, &end);
		if (errno || end == text || *end || !isfinite(x) ||
		    x < s->min || x > s->max) {
			diag_set(d,
			    "%s: must be a number from %g to %g, got '%s'",
			    s->name, s->min, s->max, text);
			return -EINVAL;
		}
		ret->d = x;
		return 0;
	}
	case PARAM_BOOL:
		if (!strcmp(text, "true") || !strcmp(text, "1") ||
		    !strcmp(text, "yes") || !strcmp(text, "on")) {
			ret->b = true;
			return 0;
		}
		if (!strcmp(text, "false") || !strcmp(text, "0") ||
		    !strcmp(text, "no") || !strcmp(text, "off")) {
			ret->b = false;
			return 0;
		}
		diag_set(
		    d, "%s: must be true or false, got '%s'", s->name, text);
		return -EINVAL;
	case PARAM_ENUM: {
		char list[256];
		size_t off = 0;

		for (uint32_t i = 0; s->choices[i]; i++) {
			if (strcmp(text, s->choices[i]) == 0) {
				ret->e = i;
				return 0;
			}
		}
		list[0] = '\0';
		for (uint32_t i = 0; s->choices[i] && off < sizeof(list); i++)
			off += (size_t)snprintf(list + off, sizeof(list) - off,
			    "%s%s", i ? ", " : "", s->choices[i]);
		diag_set(
		    d, "%s: must be one of %s, got '%s'", s->name, list, text);
		return -EINVAL;
	}
	case PARAM_STRING:
		ret->s = strdup(text);
		return ret->s ? 0 : -ENOMEM;
	}
	return -EINVAL;
}

int
params_init(
    struct params *p, const struct param_spec *spec, uint32_t n, struct diag *d)
{
	int r;

	p->spec = spec;
	p->n = n;
	p->vals = calloc(n ? n : 1, sizeof(*p->vals));
	if (!p->vals)
		return -ENOMEM;
	for (uint32_t i = 0; i < n; i++) {
		r = parse_value(&spec[i], spec[i].def, &p->vals[i], d);
		if (r < 0) {
			params_done(p);
			return r;
		}
	}
	return 0;
}

void
params_done(struct params *p)
{
	if (p->vals)
		for (uint32_t i = 0; i < p->n; i++)
			if (p->spec[i].type == PARAM_STRING)
				free(p->vals[i].s);
	free(p->vals);
	p->vals = NULL;
	p->n = 0;
}

int
params_set(struct params *p, const char *key, const char *value, struct diag *d)
{
	union param_value v;
	char list[256];
	uint32_t i;
	int r;

	if (spec_index(p, key, &i) < 0) {
		list_names(p, list, sizeof(list));
		diag_set(d, "unknown parameter '%s' (%s)", key, list);
		return -ENOENT;
	}
	r = parse_value(&p->spec[i], value, &v, d);
	if (r < 0)
		return r;
	if (p->spec[i].type == PARAM_STRING)
		free(p->vals[i].s);
	p->vals[i] = v;
	return 0;
}

int
params_set_list(struct params *p, const char *list, struct diag *d)
{
	_cleanup_free_ char *copy = NULL;
	char *save = NULL, *tok, *eq;
	int r;

	if (!list || !list[0])
		return 0;
	copy = strdup(list);
	if (!copy)
		return -ENOMEM;
	for (tok = strtok_r(copy, ",", &save); tok;
	     tok = strtok_r(NULL, ",", &save)) {
		eq = strchr(tok, '=');
		if (!eq || eq == tok) {
			diag_set(d, "'%s': expected key=value", tok);
			return -EINVAL;
		}
		*eq = '\0';
		r = params_set(p, tok, eq + 1, d);
		if (r < 0)
			return r;
	}
	return 0;
}

static const union param_value *
get(const struct params *p, const char *name, enum param_type t)
{
	uint32_t i;
	int r = spec_index(p, name, &i);

	assert(r == 0);
	(void)r;
	assert(p->spec[i].type == t);
	return &p->vals[i];
}

int64_t
params_int(const struct params *p, const char *name)
{
	return get(p, name, PARAM_INT)->i;
}

double
params_double(const struct params *p, const char *name)
{
	return get(p, name, PARAM_DOUBLE)->d;
}

bool
params_bool(const struct params *p, const char *name)
{
	return get(p, name, PARAM_BOOL)->b;
}

uint32_t
params_enum(const struct params *p, const char *name)
{
	return get(p, name, PARAM_ENUM)->e;
}

const char *
params_str(const struct params *p, const char *name)
{
	return get(p, name, PARAM_STRING)->s;
}
