/* label.h - key=value labels on hosts and the labels a VM requires. */
#ifndef MODEL_LABEL_H
#define MODEL_LABEL_H

#include <stdint.h>

#define LABEL_MAX 64 /* labels per host or VM */
#define LABEL_LEN_MAX 63 /* bytes per key or value */

struct label {
	char *key; /* owned */
	char *value; /* owned */
};

/* A small owned set; embedded, zero-initialised is empty. */
struct labels {
	struct label *v;
	uint32_t n;
};

/* Adds a copy of key=value (replacing key's value). 0, -ENOMEM, or -E2BIG
 * beyond LABEL_MAX. */
int labels_set(struct labels *l, const char *key, const char *value);

/* The value of key, or NULL. */
const char *labels_get(const struct labels *l, const char *key);

/* Index in `want` of the first label `have` lacks (or has with another
 * value), or -1 when have satisfies all of want. */
int labels_unmet(const struct labels *have, const struct labels *want);

/* Deep copy of src into *dst (dst must be empty). 0 or -ENOMEM. */
int labels_copy(struct labels *dst, const struct labels *src);

/* Frees what l owns and leaves it empty. */
void labels_done(struct labels *l);

#endif
