/* u32map.c - integer-keyed open addressing with backward-shift deletion. */
#include "core/u32map.h"

#include "core/error.h"

#include <assert.h>
#include <stdlib.h>
#include <string.h>

static inline uint32_t
hash32(uint32_t x)
{
	x ^= x >> 16;
	x *= 0x7feb352du;
	x ^= x >> 15;
	x *= 0x846ca68bu;
	x ^= x >> 16;
	return x;
}

void
u32map_init(struct u32map *m)
{
	memset(m, 0, sizeof(*m));
}

void
u32map_done(struct u32map *m)
{
	free(m->keys);
	free(m->vals);
	memset(m, 0, sizeof(*m));
}

static int
find_slot(const struct u32map *m, uint32_t key, uint32_t *ret)
{
	uint32_t mask = m->cap - 1;

	for (uint32_t i = hash32(key) & mask;; i = (i + 1) & mask) {
		if (m->keys[i] == key) {
			*ret = i;
			return 0;
		}
		if (m->keys[i] == U32MAP_EMPTY) {
			*ret = i;
			return -ENOENT;
		}
	}
}

int
u32map_get(const struct u32map *m, uint32_t key, uint32_t *ret)
{
	uint32_t i;

	if (m->n == 0 || find_slot(m, key, &i) < 0)
		return -ENOENT;
	if (ret)
		*ret = m->vals[i];
	return 0;
}

static int
rehash(struct u32map *m, uint32_t ncap)
{
	struct u32map n = { 0 };
	uint32_t slot;

	n.keys = malloc((size_t)ncap * sizeof(*n.keys));
	n.vals = malloc((size_t)ncap * sizeof(*n.vals));
	if (!n.keys || !n.vals) {
		free(n.keys);
		free(n.vals);
		return -ENOMEM;
	}
	memset(n.keys, 0xff, (size_t)ncap * sizeof(*n.keys));
	n.cap = ncap;
	for (uint32_t i = 0; i < m->cap; i++) {
		if (m->keys[i] == U32MAP_EMPTY)
			continue;
		find_slot(&n, m->keys[i], &slot);
		n.keys[slot] = m->keys[i];
		n.vals[slot] = m->vals[i];
		n.n++;
	}
	u32map_done(m);
	*m = n;
	return 0;
}

int
u32map_set(struct u32map *m, uint32_t key, uint32_t val)
{
	uint32_t i;
	int r;

	assert(key != U32MAP_EMPTY);
	if (m->cap && find_slot(m, key, &i) == 0) {
		m->vals[i] = val;
		return 0;
	}
	if ((uint64_t)(m->n + 1) * 2 > m->cap) {
		if (m->cap >= (UINT32_C(1) << 31))
			return -ENOMEM;
		r = rehash(m, m->cap ? m->cap * 2 : 8);
		if (r < 0)
			return r;
	}
	find_slot(m, key, &i);
	m->keys[i] = key;
	m->vals[i] = val;
	m->n++;
	return 0;
}

int
u32map_del(struct u32map *m, uint32_t key)
{
	uint32_t mask = m->cap - 1, i, j, home;

	if (m->n == 0 || find_slot(m, key, &i) < 0)
		return -ENOENT;
	for (j = (i + 1) & mask; m->keys[j] != U32MAP_EMPTY;
	     j = (j + 1) & mask) {
		home = hash32(m->keys[j]) & mask;
		if (((j - home) & mask) >= ((j - i) & mask)) {
			m->keys[i] = m->keys[j];
			m->vals[i] = m->vals[j];
			i = j;
		}
	}
	m->keys[i] = U32MAP_EMPTY;
	m->n--;
	return 0;
}

int
u32map_next(const struct u32map *m, uint32_t *iter, uint32_t *ret_key,
    uint32_t *ret_val)
{
	for (; *iter < m->cap; (*iter)++) {
		if (m->keys[*iter] != U32MAP_EMPTY) {
			*ret_key = m->keys[*iter];
			*ret_val = m->vals[*iter];
			(*iter)++;
			return 1;
		}
	}
	return 0;
}
