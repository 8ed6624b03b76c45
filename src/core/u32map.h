/* u32map.h - open-addressing hash map from uint32_t keys to uint32_t. */
#ifndef CORE_U32MAP_H
#define CORE_U32MAP_H

#include <stdint.h>

/*
 * Key UINT32_MAX is reserved (it marks an empty slot). Linear probing with
 * backward-shift deletion, load factor at most 1/2. Embedded:
 * u32map_init / u32map_done.
 */
struct u32map {
	uint32_t *keys;
	uint32_t *vals;
	uint32_t cap; /* power of two, or 0 */
	uint32_t n;
};

#define U32MAP_EMPTY UINT32_MAX

void u32map_init(struct u32map *m);
void u32map_done(struct u32map *m);

/* 0 and *ret set (ret may be NULL), or -ENOENT. */
int u32map_get(const struct u32map *m, uint32_t key, uint32_t *ret);

/* Sets key -> val, replacing any value. 0 or -ENOMEM (map unchanged). */
int u32map_set(struct u32map *m, uint32_t key, uint32_t val);

/* Removes key. 0 or -ENOENT. */
int u32map_del(struct u32map *m, uint32_t key);

/* Iteration: for (i = 0; u32map_next(m, &i, &k, &v);) visits every entry. */
int u32map_next(const struct u32map *m, uint32_t *iter, uint32_t *ret_key,
    uint32_t *ret_val);

#endif
