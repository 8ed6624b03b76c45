/* strmap.h - open-addressing hash map from borrowed strings to uint32_t. */
#ifndef CORE_STRMAP_H
#define CORE_STRMAP_H

#include <stdint.h>

/*
 * Keys are borrowed: each key string must outlive its entry (vmgr keys the
 * map by the name stored in the object it indexes). Linear probing with
 * backward-shift deletion, load factor at most 1/2. Embedded:
 * strmap_init / strmap_done.
 */
struct strmap {
	const char **keys;
	uint32_t *vals;
	uint32_t *hashes;
	uint32_t cap; /* power of two, or 0 */
	uint32_t n;
};

void strmap_init(struct strmap *m);
void strmap_done(struct strmap *m);

/* 0 and *ret set, or -ENOENT. ret may be NULL to test membership. */
int strmap_get(const struct strmap *m, const char *key, uint32_t *ret);

/* Inserts key -> val. 0, -EEXIST (map unchanged) or -ENOMEM. */
int strmap_put(struct strmap *m, const char *key, uint32_t val);

/* Removes key. 0 or -ENOENT. */
int strmap_del(struct strmap *m, const char *key);

/* A 32-bit hash of s (FNV-1a, then mixed). */
uint32_t strmap_hash(const char *s);

#endif
