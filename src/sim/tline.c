/* tline.c - line input over zlib (plain/gzip files) and libarchive (tar members); directory listings. */
#include "sim/tline.h"

#include "core/mem.h"

#include <archive.h>
#include <archive_entry.h>
#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <zlib.h>

#define TLINE_CHUNK ((size_t)64 << 10)

struct tline_arch {
	struct archive *ar;
	char *path;
	uint32_t n_files;
	const char *cur;
};

int
tline_open_file(struct tline *l, const char *path, struct diag *d)
{
	gzFile gz;

	snprintf(l->where, sizeof(l->where), "%s", path);
	l->lineno = 0;
	gz = gzopen(path, "rb");
	if (!gz) {
		int r = errno > 0 ? -errno : -ENOMEM;

		diag_set(d, "%s: cannot open: %s", path, strerror(-r));
		return r;
	}
	gzbuffer(gz, 128 << 10);
	l->gz = gz;
	return 0;
}

void
tline_open_member(struct tline *l, struct tline_arch *a)
{
	snprintf(l->where, sizeof(l->where), "%s:%s", a->path,
	    a->cur ? a->cur : "?");
	l->lineno = 0;
	l->arch = a;
}

/* Reads up to n bytes: the count, 0 at the end, or -EIO with d set. */
static int
fill(struct tline *l, char *out, size_t n, struct diag *d)
{
	if (l->gz) {
		int errnum = Z_OK;
		int got = gzread(l->gz, out, (unsigned)n);
		const char *msg;

		if (got > 0)
			return got;
		msg = gzerror(l->gz, &errnum);
		if (got == 0 && (errnum == Z_OK || errnum == Z_STREAM_END))
			return 0;
		/* zlib leads its message with the path we name already. */
		if (strncmp(msg, l->where, strlen(l->where)) == 0 &&
		    strncmp(msg + strlen(l->where), ": ", 2) == 0)
			msg += strlen(l->where) + 2;
		diag_set(d, "%s: read error after line %llu: %s", l->where,
		    (unsigned long long)l->lineno,
		    errnum == Z_ERRNO ? strerror(errno) : msg);
		return -EIO;
	}
	if (l->arch) {
		la_ssize_t got = archive_read_data(l->arch->ar, out, n);
		const char *msg;

		if (got >= 0)
			return (int)got;
		msg = archive_error_string(l->arch->ar);
		diag_set(d, "%s: read error after line %llu: %s", l->where,
		    (unsigned long long)l->lineno, msg ? msg : "unknown");
		return -EIO;
	}
	return 0;
}

int
tline_next(struct tline *l, const char **ret, size_t *ret_len, struct diag *d)
{
	for (;;) {
		char *s = l->buf + l->start;
		size_t have = l->end - l->start, len;
		char *nl = have ? memchr(s, '\n', have) : NULL;
		int got;

		if (nl || (l->eof && have)) {
			len = nl ? (size_t)(nl - s) : have;
			l->start += nl ? len + 1 : len;
			if (l->discard) {
				/* The tail of an over-long line. */
				l->discard = false;
				continue;
			}
			if (len && s[len - 1] == '\r')
				len--;
			l->lineno++;
			*ret = s;
			*ret_len = len;
			return 1;
		}
		if (l->eof)
			return 0;
		if (l->discard) {
			l->start = l->end = 0;
		} else if (have > TLINE_MAX) {
			l->lineno++;
			l->discard = true;
			l->start = l->end = 0;
			diag_set(d, "%s:%llu: line longer than %zu bytes",
			    l->where, (unsigned long long)l->lineno,
			    (size_t)TLINE_MAX);
			return -E2BIG;
		}
		if (l->start) {
			memmove(l->buf, l->buf + l->start, have);
			l->start = 0;
			l->end = have;
		}
		if (l->end == l->cap) {
			size_t ncap = l->cap ? l->cap * 2 : TLINE_CHUNK;
			char *nb;

			if (ncap > TLINE_MAX + 1)
				ncap = TLINE_MAX + 1;
			nb = realloc(l->buf, ncap);
			if (!nb) {
				diag_set(d, "%s: out of memory", l->where);
				return -ENOMEM;
			}
			l->buf = nb;
			l->cap = ncap;
		}
		got = fill(l, l->buf + l->end, l->cap - l->end, d);
		if (got < 0) {
			l->eof = true;
			l->start = l->end = 0;
			return got;
		}
		if (got == 0)
			l->eof = true;
		l->end += (size_t)got;
	}
}

void
tline_close(struct tline *l)
{
	if (!l)
		return;
	if (l->gz)
		gzclose(l->gz);
	free(l->buf);
	l->gz = NULL;
	l->arch = NULL;
	l->buf = NULL;
	l->cap = l->start = l->end = 0;
	l->eof = l->discard = false;
}

int
tline_arch_open(const char *path, struct tline_arch **ret, struct diag *d)
{
	struct tline_arch *a = calloc(1, sizeof(*a));

	if (!a || !(a->path = mem_strdup(path)) ||
	    !(a->ar = archive_read_new())) {
		tline_arch_close(a);
		diag_set(d, "%s: out of memory", path);
		return -ENOMEM;
	}
	archive_read_support_filter_all(a->ar);
	archive_read_support_format_tar(a->ar);
	if (archive_read_open_filename(a->ar, path, 128 << 10) != ARCHIVE_OK) {
		const char *msg = archive_error_string(a->ar);
		int e = archive_errno(a->ar);

		diag_set(d, "%s: cannot open as an archive: %s", path,
		    msg ? msg : "unknown error");
		tline_arch_close(a);
		return e > 0 ? -e : -EINVAL;
	}
	*ret = a;
	return 0;
}

int
tline_arch_next(struct tline_arch *a, const char **ret, struct diag *d)
{
	for (;;) {
		struct archive_entry *e;
		int r = archive_read_next_header(a->ar, &e);
		const char *msg;

		if (r == ARCHIVE_EOF) {
			a->cur = NULL;
			return 0;
		}
		if (r != ARCHIVE_OK && r != ARCHIVE_WARN) {
			msg = archive_error_string(a->ar);
			diag_set(d, "%s: not a readable tar archive: %s",
			    a->path, msg ? msg : "unknown error");
			a->cur = NULL;
			return -EINVAL;
		}
		if (archive_entry_filetype(e) != AE_IFREG)
			continue;
		if (++a->n_files > TLINE_ENTRIES_MAX) {
			diag_set(d, "%s: more than %u files in the archive",
			    a->path, (unsigned)TLINE_ENTRIES_MAX);
			return -E2BIG;
		}
		a->cur = archive_entry_pathname(e);
		if (!a->cur)
			a->cur = "?";
		*ret = a->cur;
		return 1;
	}
}

struct tline_arch *
tline_arch_close(struct tline_arch *a)
{
	if (!a)
		return NULL;
	if (a->ar)
		archive_read_free(a->ar);
	free(a->path);
	free(a);
	return NULL;
}

const char *
tline_arch_path(const struct tline_arch *a)
{
	return a->path;
}

static bool
ends_with(const char *s, const char *suffix)
{
	size_t n = strlen(s), m = strlen(suffix);

	return n >= m && strcmp(s + n - m, suffix) == 0;
}

bool
tline_is_archive_name(const char *path)
{
	static const char *const suffixes[] = { ".tar", ".tar.gz", ".tgz",
		".tar.zst", ".tzst", ".tar.xz", ".tar.bz2" };

	for (size_t i = 0; i < ELEMENTSOF(suffixes); i++)
		if (ends_with(path, suffixes[i]))
			return true;
	return false;
}

int
tline_stat(const char *path, enum tline_kind *ret, struct diag *d)
{
	struct stat st;

	if (stat(path, &st) < 0) {
		int r = neg_errno();

		diag_set(d, "%s: %s", path, strerror(-r));
		return r;
	}
	if (S_ISDIR(st.st_mode)) {
		*ret = TLINE_DIR;
		return 0;
	}
	if (S_ISREG(st.st_mode)) {
		*ret = TLINE_FILE;
		return 0;
	}
	diag_set(d, "%s: not a regular file or a directory", path);
	return -EINVAL;
}

static int
cmp_str(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

void
tline_list_free(char **list, uint32_t n)
{
	for (uint32_t i = 0; list && i < n; i++)
		free(list[i]);
	free(list);
}

int
tline_list_dir(const char *path, char ***ret, uint32_t *ret_n, struct diag *d)
{
	DIR *dir = opendir(path);
	char **list = NULL;
	uint32_t n = 0, cap = 0;
	struct dirent *e;
	int r = 0;

	if (!dir) {
		r = neg_errno();
		diag_set(d, "%s: cannot list: %s", path, strerror(-r));
		return r;
	}
	while ((e = readdir(dir))) {
		size_t len;

		if (e->d_name[0] == '.')
			continue;
		if (n >= TLINE_ENTRIES_MAX) {
			diag_set(d, "%s: more than %u entries", path,
			    (unsigned)TLINE_ENTRIES_MAX);
			r = -E2BIG;
			break;
		}
		if (mem_grow(&list, &cap, n + 1, sizeof(*list)) < 0) {
			r = -ENOMEM;
			break;
		}
		len = strlen(path) + strlen(e->d_name) + 2;
		list[n] = malloc(len);
		if (!list[n]) {
			r = -ENOMEM;
			break;
		}
		snprintf(list[n], len, "%s/%s", path, e->d_name);
		n++;
	}
	closedir(dir);
	if (r < 0) {
		if (r == -ENOMEM)
			diag_set(d, "%s: out of memory", path);
		tline_list_free(list, n);
		return r;
	}
	if (n)
		qsort(list, n, sizeof(*list), cmp_str);
	*ret = list;
	*ret_n = n;
	return 0;
}

const char *
tline_basename(const char *path)
{
	const char *s = strrchr(path, '/');

	return s ? s + 1 : path;
}
