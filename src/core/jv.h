/* jv.h - reading JSON (jansson) with errors that name the JSON path. */
#ifndef CORE_JV_H
#define CORE_JV_H

#include "core/diag.h"

#include <jansson.h>
#include <stdbool.h>
#include <stdint.h>

/*
 * Paths are written the way a person reads them: "vms[1].memory_mib".
 * Every getter returns -ENOENT without a diagnostic when the key is absent
 * (so callers can apply defaults) and -EINVAL with "<path>: must be ..., got
 * ..." when it is present but wrong. Values are borrowed from the json_t.
 */

/* Parses buf[0..len) as one JSON object or array. On failure -EINVAL and
 * "L:C: <what jansson found>" in d (line:column). *ret owned by the caller. */
int jv_parse(const char *buf, size_t len, json_t **ret, struct diag *d);

/* Writes "parent.key" (or "key" when parent is empty) into out. */
void jv_path_key(char *out, size_t n, const char *parent, const char *key);

/* Writes "parent[i]" into out. */
void jv_path_index(char *out, size_t n, const char *parent, size_t i);

/* Describes v for a message: -5, 1.5, "abc", true, null, an object, an array.
 * Long strings are cut with "...". */
void jv_describe(const json_t *v, char *out, size_t n);

/* 0 if v is an object, else -EINVAL and "<path>: must be an object, got ..". */
int jv_expect_object(const json_t *v, const char *path, struct diag *d);

/* 0 if v is an array, else -EINVAL with a diagnostic. */
int jv_expect_array(const json_t *v, const char *path, struct diag *d);

/* 0 if every key of obj is in the NULL-terminated list `allowed`, else
 * -EINVAL and "<path>.<key>: unknown key (expected one of: a, b, ...)". */
int jv_check_keys(const json_t *obj, const char *path,
    const char *const *allowed, struct diag *d);

/* Integer member `key` of obj within [min, max]. */
int jv_get_int(const json_t *obj, const char *key, const char *path,
    int64_t min, int64_t max, int64_t *ret, struct diag *d);

/* Number member (integer or real) within [min, max]; finite. */
int jv_get_num(const json_t *obj, const char *key, const char *path, double min,
    double max, double *ret, struct diag *d);

/* Non-empty string member of at most max_len bytes. */
int jv_get_str(const json_t *obj, const char *key, const char *path,
    size_t max_len, const char **ret, struct diag *d);

/* Boolean member. */
int jv_get_bool(const json_t *obj, const char *key, const char *path, bool *ret,
    struct diag *d);

/*
 * A JSON string of the bytes buf[0..n) as they are where they are UTF-8,
 * with every byte that is not part of a valid UTF-8 sequence (stray
 * continuation, overlong form, surrogate, above U+10FFFF, truncated)
 * replaced by '?': for text from outside (a guest's console). New
 * reference, NULL without memory.
 */
json_t *jv_string_lossy(const char *buf, size_t n);

#endif
