/* instance.h - bin-packing instances: BPPLIB (1-D) and .vbp (vector) files. */
#ifndef MODEL_INSTANCE_H
#define MODEL_INSTANCE_H

#include "core/diag.h"

#include <stddef.h>
#include <stdint.h>

/* Hard limits on what a file can make us allocate or compute with. */
#define INSTANCE_DIMS_MAX 32u /* dimensions of a .vbp instance */
#define INSTANCE_ITEMS_MAX (UINT32_C(1) << 20) /* items, counting copies */
#define INSTANCE_VALUE_MAX INT64_C(1000000000000) /* a capacity or size */

enum instance_format {
	INSTANCE_AUTO, /* decide from the text (see instance_parse) */
	INSTANCE_BPPLIB, /* n / capacity / n weights, one per line */
	INSTANCE_VBP, /* d / d capacities / m / m lines of d sizes + count */
};

/*
 * A packing instance: bins of capacity cap[0..dims) and item types, each
 * with a size vector and a count (BPPLIB files give one type per weight,
 * count 1). Every size is <= the capacity in its dimension, so every item
 * fits an empty bin. Owned by whoever made it; instance_free.
 */
struct instance {
	enum instance_format format;
	uint32_t dims;
	int64_t cap[INSTANCE_DIMS_MAX];
	uint32_t n_types;
	uint32_t cap_types, cap_counts; /* allocated slots */
	int64_t *sizes; /* n_types * dims, type t at sizes[t * dims] */
	uint32_t *counts; /* n_types */
	uint32_t n_items; /* sum of counts */
};

/* "bpplib", "vbp" ("auto" for INSTANCE_AUTO). */
const char *instance_format_name(enum instance_format f);

/*
 * Parses buf[0..len) (need not be NUL-terminated) in format fmt. With
 * INSTANCE_AUTO, a file whose second line holds several numbers, or whose
 * fourth line holds two (a size and a count), is .vbp; otherwise BPPLIB.
 * Lines end in LF or CRLF; blank lines are skipped; numbers are decimal
 * integers separated by spaces or tabs. On failure -EINVAL (or -ENOMEM,
 * -E2BIG past a hard limit) and d holds "LINE:COL: what was expected"
 * (columns count bytes from 1); *ret is set on success only and owned by
 * the caller.
 */
int instance_parse(const char *buf, size_t len, enum instance_format fmt,
    struct instance **ret, struct diag *d);

/* An empty instance of `dims` dimensions with capacities cap[0..dims), for
 * programs that build instances. -EINVAL for dims outside
 * 1..INSTANCE_DIMS_MAX or a capacity outside 1..INSTANCE_VALUE_MAX;
 * -ENOMEM. */
int instance_new(uint32_t dims, const int64_t *cap, struct instance **ret);

/* Appends a type of `count` copies with sizes size[0..dims). -EINVAL for a
 * size outside 0..cap or a count of 0, -E2BIG past INSTANCE_ITEMS_MAX,
 * -ENOMEM; unchanged on failure. */
int instance_add(struct instance *in, const int64_t *size, uint32_t count);

/* The size vector of type t (t < n_types). */
static inline const int64_t *
instance_size(const struct instance *in, uint32_t t)
{
	return &in->sizes[(size_t)t * in->dims];
}

/* NULL-safe; returns NULL. */
struct instance *instance_free(struct instance *in);

#endif
