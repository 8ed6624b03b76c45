/* fitidx.c - max-per-dimension segment tree for first-fit queries. */
#include "model/fitidx.h"

#include <assert.h>
#include <stdlib.h>
#include <string.h>

static const struct res unavailable = {{-1, -1, -1, -1}};

void
fitidx_init(struct fitidx *x)
{
	memset(x, 0, sizeof(*x));
}

void
fitidx_done(struct fitidx *x)
{
	free(x->max);
	memset(x, 0, sizeof(*x));
}

static inline void
pull(struct res *max, uint32_t node)
{
	const struct res *a = &max[2 * node], *b = &max[2 * node + 1];

	for (int d = 0; d < RES_NDIM; d++)
		max[node].v[d] = a->v[d] > b->v[d] ? a->v[d] : b->v[d];
}

int
fitidx_resize(struct fitidx *x, uint32_t n)
{
	uint32_t size = x->size ? x->size : 1;
	struct res *m;

	while (size < n) {
		if (size >= (UINT32_C(1) << 30))
			return -ENOMEM;
		size *= 2;
	}
	if (size == x->size)
		return 0;
	m = malloc(2 * (size_t)size * sizeof(*m));
	if (!m)
		return -ENOMEM;
	for (uint32_t i = 0; i < size; i++)
		m[size + i] = i < x->size ? x->max[x->size + i] : unavailable;
	for (uint32_t node = size - 1; node >= 1; node--)
		pull(m, node);
	m[0] = unavailable;
	free(x->max);
	x->max = m;
	x->size = size;
	return 0;
}

void
fitidx_set(struct fitidx *x, uint32_t i, const struct res *free)
{
	uint32_t node;

	assert(i < x->size);
	node = x->size + i;
	x->max[node] = free ? *free : unavailable;
	for (node /= 2; node >= 1; node /= 2)
		pull(x->max, node);
}

static int64_t
first(const struct fitidx *x, uint32_t node, uint32_t lo, uint32_t hi,
    const struct res *need, uint32_t from)
{
	uint32_t mid;
	int64_t r;

	if (hi <= from || !res_fits(need, &x->max[node]))
		return -1;
	if (node >= x->size)
		return node - x->size;
	mid = lo + (hi - lo) / 2;
	r = first(x, 2 * node, lo, mid, need, from);
	if (r >= 0)
		return r;
	return first(x, 2 * node + 1, mid, hi, need, from);
}

int
fitidx_first(const struct fitidx *x, const struct res *need, uint32_t from,
    uint32_t *ret)
{
	int64_t r;

	if (x->size == 0 || from >= x->size)
		return -ENOSPC;
	r = first(x, 1, 0, x->size, need, from);
	if (r < 0)
		return -ENOSPC;
	*ret = (uint32_t)r;
	return 0;
}

size_t
fitidx_bytes(const struct fitidx *x)
{
	return 2 * (size_t)x->size * sizeof(struct res);
}
