/* data.h - benchmark helpers for the shared third-party data: archives
 * unpacked to a temporary directory, TSV tables, whole files. */
#ifndef BENCH_DATA_H
#define BENCH_DATA_H

#include <stddef.h>
#include <stdint.h>

/* The shared data directory: $VMGR_DATA, else ../shared/data beside the
 * source tree. */
const char *data_dir(void);

/* Unpacks ARCHIVE (tar.gz) under a new temporary directory; *ret is its
 * path (malloc'd). 0, or -errno with a message on stderr. */
int data_unpack(const char *archive, char **ret);

/* Removes a directory tree made by data_unpack. */
void data_remove(const char *dir);

/* Reads a whole file into a NUL-terminated malloc'd buffer. */
int data_read(const char *path, char **ret, size_t *ret_len);

/* A table of tab-separated text: rows of fields (the first row included). */
struct tsv {
	char *buf;
	char ***rows;
	uint32_t *n_fields;
	uint32_t n_rows;
};

int tsv_read(const char *path, struct tsv *ret);
void tsv_done(struct tsv *t);

/* Elapsed monotonic seconds. */
double data_now(void);

/* Median of v[0..n) (sorts v). */
double data_median(double *v, size_t n);

#endif
