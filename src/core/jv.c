/* jv.c - JSON path-aware getters over jansson values. */
#include "core/jv.h"

#include <inttypes.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

int
jv_parse(const char *buf, size_t len, json_t **ret, struct diag *d)
{
	json_error_t err;
	json_t *v;

	v = json_loadb(buf, len, JSON_REJECT_DUPLICATES, &err);
	if (!v) {
		diag_set(d, "%d:%d: %s", err.line, err.column, err.text);
		return -EINVAL;
	}
	*ret = v;
	return 0;
}

void
jv_path_key(char *out, size_t n, const char *parent, const char *key)
{
	if (parent && parent[0])
		snprintf(out, n, "%s.%s", parent, key);
	else
		snprintf(out, n, "%s", key);
}

void
jv_path_index(char *out, size_t n, const char *parent, size_t i)
{
	snprintf(out, n, "%s[%zu]", parent ? parent : "", i);
}

void
jv_describe(const json_t *v, char *out, size_t n)
{
	const char *s;

	switch (json_typeof(v)) {
	case JSON_OBJECT:
		snprintf(out, n, "an object");
		break;
	case JSON_ARRAY:
		snprintf(out, n, "an array");
		break;
	case JSON_STRING:
		s = json_string_value(v);
		if (strlen(s) > 40)
			snprintf(out, n, "\"%.37s...\"", s);
		else
			snprintf(out, n, "\"%s\"", s);
		break;
	case JSON_INTEGER:
		snprintf(
		    out, n, "%" JSON_INTEGER_FORMAT, json_integer_value(v));
		break;
	case JSON_REAL:
		snprintf(out, n, "%.17g", json_real_value(v));
		break;
	case JSON_TRUE:
		snprintf(out, n, "true");
		break;
	case JSON_FALSE:
		snprintf(out, n, "false");
		break;
	case JSON_NULL:
	default:
		snprintf(out, n, "null");
		break;
	}
}

static int
wrong(const json_t *v, const char *path, const char *expect, struct diag *d)
{
	char got[64];

	jv_describe(v, got, sizeof(got));
	diag_set(d, "%s: must be %s, got %s", path, expect, got);
	return -EINVAL;
}

int
jv_expect_object(const json_t *v, const char *path, struct diag *d)
{
	if (json_is_object(v))
		return 0;
	return wrong(v, path[0] ? path : "(top level)", "an object", d);
}

int
jv_expect_array(const json_t *v, const char *path, struct diag *d)
{
	if (json_is_array(v))
		return 0;
	return wrong(v, path[0] ? path : "(top level)", "an array", d);
}

int
jv_check_keys(const json_t *obj, const char *path, const char *const *allowed,
    struct diag *d)
{
	const char *key;
	json_t *val;
	char list[256], p[256];
	size_t off;

	json_object_foreach((json_t *)obj, key, val)
	{
		bool ok = false;

		for (size_t i = 0; allowed[i]; i++)
			if (strcmp(key, allowed[i]) == 0)
				ok = true;
		if (ok)
			continue;
		list[0] = '\0';
		off = 0;
		for (size_t i = 0; allowed[i] && off < sizeof(list); i++)
			off += (size_t)snprintf(list + off, sizeof(list) - off,
			    "%s%s", i ? ", " : "", allowed[i]);
		jv_path_key(p, sizeof(p), path, key);
		diag_set(d, "%s: unknown key (expected one of: %s)", p, list);
		return -EINVAL;
	}
	return 0;
}

static void
int_expectation(int64_t min, int64_t max, char *out, size_t n)
{
	/* Bounds beyond 2^40 are "unbounded" in words; they are still checked. */
	const int64_t big = INT64_C(1) << 40;

	if (min == 1 && max >= big)
		snprintf(out, n, "a positive integer");
	else if (min == 0 && max >= big)
		snprintf(out, n, "a non-negative integer");
	else
		snprintf(out, n, "an integer from %" PRId64 " to %" PRId64, min,
		    max);
}

int
jv_get_int(const json_t *obj, const char *key, const char *path, int64_t min,
    int64_t max, int64_t *ret, struct diag *d)
{
	const json_t *v = json_object_get(obj, key);
	char p[256], expect[96];
	int64_t x;

	if (!v)
		return -ENOENT;
	jv_path_key(p, sizeof(p), path, key);
	int_expectation(min, max, expect, sizeof(expect));
	if (!json_is_integer(v))
		return wrong(v, p, expect, d);
	x = (int64_t)json_integer_value(v);
	if (x < min)
		return wrong(v, p, expect, d);
	if (x > max) {
		/* The worded forms leave the upper bound out; add it. */
		if (strncmp(expect, "an integer from", 15) != 0)
			snprintf(expect + strlen(expect),
			    sizeof(expect) - strlen(expect),
			    " at most %" PRId64, max);
		return wrong(v, p, expect, d);
	}
	*ret = x;
	return 0;
}

int
jv_get_num(const json_t *obj, const char *key, const char *path, double min,
    double max, double *ret, struct diag *d)
{
	const json_t *v = json_object_get(obj, key);
	char p[256], expect[96];
	double x;

	if (!v)
		return -ENOENT;
	jv_path_key(p, sizeof(p), path, key);
	snprintf(expect, sizeof(expect), "a number from %g to %g", min, max);
	if (!json_is_number(v))
		return wrong(v, p, expect, d);
	x = json_number_value(v);
	if (!isfinite(x) || x < min || x > max)
		return wrong(v, p, expect, d);
	*ret = x;
	return 0;
}

int
jv_get_str(const json_t *obj, const char *key, const char *path, size_t max_len,
    const char **ret, struct diag *d)
{
	const json_t *v = json_object_get(obj, key);
	char p[256], expect[96];
	const char *s;

	if (!v)
		return -ENOENT;
	jv_path_key(p, sizeof(p), path, key);
	snprintf(expect, sizeof(expect),
	    "a non-empty string of at most %zu bytes", max_len);
	if (!json_is_string(v))
		return wrong(v, p, expect, d);
	s = json_string_value(v);
	if (s[0] == '\0' || strlen(s) > max_len)
		return wrong(v, p, expect, d);
	*ret = s;
	return 0;
}

int
jv_get_bool(const json_t *obj, const char *key, const char *path, bool *ret,
    struct diag *d)
{
	const json_t *v = json_object_get(obj, key);
	char p[256];

	if (!v)
		return -ENOENT;
	jv_path_key(p, sizeof(p), path, key);
	if (!json_is_boolean(v))
		return wrong(v, p, "true or false", d);
	*ret = json_is_true(v);
	return 0;
}

/* Length of the valid UTF-8 sequence at p (n bytes left), or 0. */
static size_t
utf8_len(const unsigned char *p, size_t n)
{
	uint32_t cp;
	size_t len;

	if (p[0] < 0x80)
		return 1;
	if (p[0] >= 0xc2 && p[0] <= 0xdf)
		len = 2, cp = p[0] & 0x1f;
	else if (p[0] >= 0xe0 && p[0] <= 0xef)
		len = 3, cp = p[0] & 0x0f;
	else if (p[0] >= 0xf0 && p[0] <= 0xf4)
		len = 4, cp = p[0] & 0x07;
	else
		return 0;
	if (len > n)
		return 0;
	for (size_t i = 1; i < len; i++) {
		if ((p[i] & 0xc0) != 0x80)
			return 0;
		cp = cp << 6 | (p[i] & 0x3f);
	}
	if ((len == 3 && (cp < 0x800 || (cp >= 0xd800 && cp <= 0xdfff))) ||
	    (len == 4 && (cp < 0x10000 || cp > 0x10ffff)))
		return 0;
	return len;
}

json_t *
jv_string_lossy(const char *buf, size_t n)
{
	const unsigned char *p = (const unsigned char *)buf;
	char *clean = malloc(n ? n : 1);
	json_t *s;

	if (!clean)
		return NULL;
	for (size_t i = 0; i < n;) {
		size_t k = utf8_len(p + i, n - i);

		if (k == 0) {
			clean[i++] = '?';
			continue;
		}
		memcpy(clean + i, p + i, k);
		i += k;
	}
	s = json_stringn(clean, n);
	free(clean);
	return s;
}
