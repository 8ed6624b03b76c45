/* tline.h - line-at-a-time input for the trace readers: plain or gzip files, tar archive members, sorted directory listings. */
#ifndef SIM_TLINE_H
#define SIM_TLINE_H

#include "core/diag.h"

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/*
 * Hard limits on what a trace file can make a reader allocate or walk.
 * A line longer than TLINE_MAX is an error (the rest of it is discarded
 * if the caller goes on); a directory or an archive with more than
 * TLINE_ENTRIES_MAX entries is refused.
 */
#define TLINE_MAX ((size_t)1 << 20)
#define TLINE_ENTRIES_MAX (UINT32_C(1) << 20)
#define TLINE_WHERE_MAX 512

struct tline_arch;

/*
 * A line reader. Embedded in its owner: zero it, open it with
 * tline_open_file or tline_open_member, read with tline_next, then
 * tline_close (also after a failed open, and NULL-safe). `where` names the
 * input in messages ("dir/file.gz" or "archive.tar.gz:member"); `lineno` is
 * the number of the line tline_next returned last (1-based).
 */
struct tline {
	char where[TLINE_WHERE_MAX];
	uint64_t lineno;
	/* private */
	void *gz;
	struct tline_arch *arch;
	char *buf;
	size_t cap, start, end;
	bool eof, discard;
};

/* Opens a plain or gzip-compressed file (zlib tells them apart). 0, or
 * -errno with "path: cannot open: why" in d. */
int tline_open_file(struct tline *l, const char *path, struct diag *d);

/*
 * Reads the next line: 1 with *ret and *ret_len set (no newline, no trailing
 * CR; valid until the next call; may contain NUL bytes), 0 at the end of
 * the input, or -errno with "where:line: why" in d: -E2BIG for a line
 * longer than TLINE_MAX (the next call resumes after it), -EIO for a read
 * or decompression error (sticky).
 */
int
tline_next(struct tline *l, const char **ret, size_t *ret_len, struct diag *d);

/* Closes the input (not the archive a member belongs to); NULL-safe. */
void tline_close(struct tline *l);

/*
 * Archives (tar, optionally gzip/zstd/xz/bzip2-compressed; libarchive
 * tells them apart). tline_arch_open: 0 and *ret or -errno with d set.
 * tline_arch_next skips to the next regular file: 1 and its path in *ret
 * (valid until the next call), 0 at the end, -errno with d set (-E2BIG past
 * TLINE_ENTRIES_MAX files). tline_open_member reads the current member as
 * lines through l; the member's data is gone once tline_arch_next moves
 * on. tline_arch_close is NULL-safe and returns NULL.
 */
int tline_arch_open(const char *path, struct tline_arch **ret, struct diag *d);
int tline_arch_next(struct tline_arch *a, const char **ret, struct diag *d);
void tline_open_member(struct tline *l, struct tline_arch *a);
struct tline_arch *tline_arch_close(struct tline_arch *a);

/* The archive's path as given to tline_arch_open. */
const char *tline_arch_path(const struct tline_arch *a);

/* True when the path names a tar archive by its suffix: .tar, .tar.gz,
 * .tgz, .tar.zst, .tzst, .tar.xz, .tar.bz2. */
bool tline_is_archive_name(const char *path);

/* What a path is: -ENOENT (with d set) when it does not exist. */
enum tline_kind {
	TLINE_FILE,
	TLINE_DIR,
};
int tline_stat(const char *path, enum tline_kind *ret, struct diag *d);

/*
 * The entries of directory `path` other than those starting with '.', as
 * full paths "path/name", sorted by name (strcmp). 0 with *ret (an array
 * of *ret_n strings, free with tline_list_free) or -errno with d set
 * (-E2BIG past TLINE_ENTRIES_MAX entries).
 */
int
tline_list_dir(const char *path, char ***ret, uint32_t *ret_n, struct diag *d);
void tline_list_free(char **list, uint32_t n);

/* The part of a path after its last '/'. */
const char *tline_basename(const char *path);

#endif
