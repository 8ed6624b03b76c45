/* strmap.c - string-keyed open addressing with backward-shift deletion. */
#include "core/strmap.h"

#include "core/error.h"

#include <stdlib.h>
#include <string.h>

uint32_t
strmap_hash(const char *s)
{
	uint32_t h = 2166136261u;

	for (; *s; s++) {
		h ^= (unsigned char)*s;
		h *= 16777619u;
	}
	h ^= h >> 16;
	h *= 0x7feb352du;
	h ^= h >> 15;
	return h;
}

void
strmap_init(struct strmap *m)
{
	memset(m, 0, sizeof(*m));
}

void
strmap_done(struct strmap *m)
{
	free(m->keys);
	free(m->vals);
	free(m->hashes);
	memset(m, 0, sizeof(*m));
}

static int
find_slot(const struct strmap *m, const char *key, uint32_t h, uint32_t *ret)
{
	uint32_t mask = m->cap - 1;

	for (uint32_t i = h & mask;; i = (i + 1) & mask) {
		if (!m->keys[i]) {
			*ret = i;
			return -ENOENT;
		}
		if (m->hashes[i] == h && strcmp(m->keys[i], key) == 0) {
			*ret = i;
			return 0;
		}
	}
}

int
strmap_get(const struct strmap *m, const char *key, uint32_t *ret)
{
	uint32_t i;

	if (m->n == 0)
		return -ENOENT;
	if (find_slot(m, key, strmap_hash(key), &i) < 0)
		return -ENOENT;
	if (ret)
		*ret = m->vals[i];
	return 0;
}

static int
rehash(struct strmap *m, uint32_t ncap)
{
	struct strmap n = { 0 };
	uint32_t slot;

	n.keys = calloc(ncap, sizeof(*n.keys));
	n.vals = calloc(ncap, sizeof(*n.vals));
	n.hashes = calloc(ncap, sizeof(*n.hashes));
	n.cap = ncap;
	if (!n.keys || !n.vals || !n.hashes) {
		strmap_done(&n);
		return -ENOMEM;
	}
	for (uint32_t i = 0; i < m->cap; i++) {
		if (!m->keys[i])
			continue;
		find_slot(&n, m->keys[i], m->hashes[i], &slot);
		n.keys[slot] = m->keys[i];
		n.vals[slot] = m->vals[i];
		n.hashes[slot] = m->hashes[i];
		n.n++;
	}
	strmap_done(m);
	*m = n;
	return 0;
}

int
strmap_put(struct strmap *m, const char *key, uint32_t val)
{
	uint32_t h = strmap_hash(key), i;
	int r;

	if ((uint64_t)(m->n + 1) * 2 > m->cap) {
		if (m->cap >= (UINT32_C(1) << 31))
			return -ENOMEM;
		r = rehash(m, m->cap ? m->cap * 2 : 16);
		if (r < 0)
			return r;
	}
	if (find_slot(m, key, h, &i) == 0)
		return -EEXIST;
	m->keys[i] = key;
	m->vals[i] = val;
	m->hashes[i] = h;
	m->n++;
	return 0;
}

int
strmap_del(struct strmap *m, const char *key)
{
	uint32_t mask = m->cap - 1, i, j, home;

	if (m->n == 0 || find_slot(m, key, strmap_hash(key), &i) < 0)
		return -ENOENT;
	/* Backward shift: pull later entries of the run into the hole. */
	for (j = (i + 1) & mask; m->keys[j]; j = (j + 1) & mask) {
		home = m->hashes[j] & mask;
		if (((j - home) & mask) >= ((j - i) & mask)) {
			m->keys[i] = m->keys[j];
			m->vals[i] = m->vals[j];
			m->hashes[i] = m->hashes[j];
			i = j;
		}
	}
	m->keys[i] = NULL;
	m->n--;
	return 0;
}
