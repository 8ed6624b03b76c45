/* params.h - typed key=value parameters, validated against a spec table. */
#ifndef CORE_PARAMS_H
#define CORE_PARAMS_H

#include "core/diag.h"

#include <stdbool.h>
#include <stdint.h>

enum param_type {
	PARAM_INT,
	PARAM_DOUBLE,
	PARAM_BOOL,
	PARAM_ENUM,
	PARAM_STRING,
};

/*
 * One parameter a strategy accepts. A strategy's table is `const` and lives
 * beside its ops. `def` is the default in the same text form a user types;
 * min/max bound PARAM_INT and PARAM_DOUBLE; `choices` (NULL-terminated) lists
 * PARAM_ENUM's values.
 */
struct param_spec {
	const char *name;
	enum param_type type;
	const char *def;
	double min, max;
	const char *const *choices;
	const char *help;
};

union param_value {
	int64_t i;
	double d;
	bool b;
	uint32_t e; /* index into choices */
	char *s; /* owned */
};

/* A validated set of values, one per spec entry. Embedded: params_init /
 * params_done. The spec table is borrowed and must outlive the params. */
struct params {
	const struct param_spec *spec;
	uint32_t n;
	union param_value *vals;
};

/* Fills p with every default of spec[0..n). 0, -ENOMEM, or -EINVAL when a
 * default itself is invalid (a programming error, reported in d). */
int params_init(struct params *p, const struct param_spec *spec, uint32_t n,
    struct diag *d);

/* Frees what p owns; p may be zeroed or half-initialised. */
void params_done(struct params *p);

/* Sets one parameter from text. -ENOENT "unknown parameter 'x' (valid: ..)"
 * or -EINVAL "x: must be ..., got 'v'"; p unchanged on failure. */
int params_set(
    struct params *p, const char *key, const char *value, struct diag *d);

/* Applies a comma-separated "k=v,k=v" list (empty or NULL: nothing). Stops
 * at the first bad entry; entries before it stay applied. */
int params_set_list(struct params *p, const char *list, struct diag *d);

/* Typed getters. `name` must be in the spec with that type (asserted). */
int64_t params_int(const struct params *p, const char *name);
double params_double(const struct params *p, const char *name);
bool params_bool(const struct params *p, const char *name);
uint32_t params_enum(const struct params *p, const char *name);
const char *params_str(const struct params *p, const char *name);

#endif
