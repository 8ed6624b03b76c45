/* resource.c - resource vector arithmetic and formatting. */
#include "model/resource.h"

#include <inttypes.h>
#include <stdio.h>
#include <string.h>

__extension__ typedef __int128 i128;

static const char *const dim_names[RES_NDIM] = { "cpu", "memory", "disk",
	"net" };
static const char *const dim_keys[RES_NDIM] = { "cpu_milli", "memory_mib",
	"disk_gib", "net_mbps" };
static const char *const dim_units[RES_NDIM] = { "m", " MiB", " GiB",
	" Mbit/s" };

const char *
res_dim_name(enum res_dim d)
{
	return d < RES_NDIM ? dim_names[d] : "?";
}

const char *
res_dim_key(enum res_dim d)
{
	return d < RES_NDIM ? dim_keys[d] : "?";
}

const char *
res_dim_unit(enum res_dim d)
{
	return d < RES_NDIM ? dim_units[d] : "";
}

int
res_dim_parse(const char *name, enum res_dim *ret)
{
	for (int d = 0; d < RES_NDIM; d++) {
		if (strcmp(name, dim_names[d]) == 0) {
			*ret = (enum res_dim)d;
			return 0;
		}
	}
	return -ENOENT;
}

bool
res_valid(const struct res *a)
{
	for (int d = 0; d < RES_NDIM; d++)
		if (a->v[d] < 0 || a->v[d] > RES_VALUE_MAX)
			return false;
	return true;
}

int
res_add(const struct res *a, const struct res *b, struct res *ret)
{
	struct res t;

	for (int d = 0; d < RES_NDIM; d++) {
		if (__builtin_add_overflow(a->v[d], b->v[d], &t.v[d]) ||
		    t.v[d] > RES_VALUE_MAX || t.v[d] < 0)
			return -EOVERFLOW;
	}
	*ret = t;
	return 0;
}

int
res_sub(const struct res *a, const struct res *b, struct res *ret)
{
	struct res t;

	for (int d = 0; d < RES_NDIM; d++) {
		if (__builtin_sub_overflow(a->v[d], b->v[d], &t.v[d]) ||
		    t.v[d] < 0)
			return -ERANGE;
	}
	*ret = t;
	return 0;
}

int
res_scale(const struct res *cap, const uint32_t ratio_milli[RES_NDIM],
    struct res *ret)
{
	struct res t;
	i128 prod;

	for (int d = 0; d < RES_NDIM; d++) {
		if (ratio_milli[d] == 0 || ratio_milli[d] > RES_RATIO_MAX)
			return -EINVAL;
		if (cap->v[d] < 0 || cap->v[d] > RES_VALUE_MAX)
			return -EOVERFLOW;
		/* 2^62 x 10^5 fits easily in 128 bits. */
		prod = (i128)cap->v[d] * ratio_milli[d] / RES_RATIO_ONE;
		if (prod > RES_VALUE_MAX)
			return -EOVERFLOW;
		t.v[d] = (int64_t)prod;
	}
	*ret = t;
	return 0;
}

_Static_assert(RES_NDIM == 4, "res_fits compares four dimensions");

bool
res_fits(const struct res *need, const struct res *free)
{
	return need->v[0] <= free->v[0] && need->v[1] <= free->v[1] &&
	    need->v[2] <= free->v[2] && need->v[3] <= free->v[3];
}

int
res_first_short(const struct res *need, const struct res *free)
{
	for (int d = 0; d < RES_NDIM; d++)
		if (need->v[d] > free->v[d])
			return d;
	return -1;
}

void
res_format_value(enum res_dim d, int64_t v, char *out, size_t n)
{
	snprintf(out, n, "%" PRId64 "%s", v, res_dim_unit(d));
}

void
res_format(const struct res *a, char *out, size_t n)
{
	size_t off = 0;
	char v[48];

	out[0] = '\0';
	for (int d = 0; d < RES_NDIM && off < n; d++) {
		res_format_value((enum res_dim)d, a->v[d], v, sizeof(v));
		off += (size_t)snprintf(out + off, n - off, "%s%s %s",
		    d ? ", " : "", res_dim_name((enum res_dim)d), v);
	}
}
