/* resource.h - resource vectors with named dimensions, overflow-checked. */
#ifndef MODEL_RESOURCE_H
#define MODEL_RESOURCE_H

#include "core/error.h"

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* The dimensions every host offers and every VM asks for, in report order. */
enum res_dim {
	RES_CPU, /* millicores: 1000 = one core */
	RES_MEM, /* MiB */
	RES_DISK, /* GiB */
	RES_NET, /* Mbit/s */
	RES_NDIM,
};

/*
 * Every component of a valid vector is in [0, RES_VALUE_MAX]. The bound
 * (2^62) leaves room so that sums of two valid values and differences never
 * wrap; operations that would leave the range return -EOVERFLOW instead.
 */
#define RES_VALUE_MAX (INT64_C(1) << 62)

/* Overcommit ratios are integers in thousandths: 1000 means 1.0. */
#define RES_RATIO_ONE 1000u
#define RES_RATIO_MAX 100000u /* 100x */

struct res {
	int64_t v[RES_NDIM];
};

/* Short name ("cpu", "memory", "disk", "net"). */
const char *res_dim_name(enum res_dim d);

/* The JSON key a scenario uses ("cpu_milli", "memory_mib", ...). */
const char *res_dim_key(enum res_dim d);

/* Unit suffix for people ("m", " MiB", " GiB", " Mbit/s"). */
const char *res_dim_unit(enum res_dim d);

/* Looks up a short name; 0 and *ret, or -ENOENT. */
int res_dim_parse(const char *name, enum res_dim *ret);

/* True when every component is in [0, RES_VALUE_MAX]. */
bool res_valid(const struct res *a);

/* *ret = a + b. -EOVERFLOW if a component leaves the range (ret unchanged). */
int res_add(const struct res *a, const struct res *b, struct res *ret);

/* *ret = a - b. -ERANGE if a component would go negative (ret unchanged). */
int res_sub(const struct res *a, const struct res *b, struct res *ret);

/* *ret = floor(cap[d] * ratio_milli[d] / 1000) per dimension. -EINVAL for a
 * ratio of 0 or above RES_RATIO_MAX, -EOVERFLOW if the result leaves range. */
int res_scale(const struct res *cap, const uint32_t ratio_milli[RES_NDIM],
    struct res *ret);

/* True when need fits in free in every dimension. */
bool res_fits(const struct res *need, const struct res *free);

/* The first dimension where need exceeds free, or -1 if it fits. */
int res_first_short(const struct res *need, const struct res *free);

/* Formats one component for people: "1000m", "512 MiB". */
void res_format_value(enum res_dim d, int64_t v, char *out, size_t n);

/* Formats a whole vector: "cpu 1000m, memory 512 MiB, disk 0 GiB, net 0 Mbit/s". */
void res_format(const struct res *a, char *out, size_t n);

#endif
