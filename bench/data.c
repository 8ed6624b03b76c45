/* data.c - unpacking archives, reading tables and files for benchmarks. */
#include "data.h"

#include <errno.h>
#include <ftw.h>
#include <spawn.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

extern char **environ;

const char *
data_dir(void)
{
	const char *e = getenv("VMGR_DATA");

	return e && *e ? e : VMGR_SOURCE_ROOT "/../shared/data";
}

int
data_unpack(const char *archive, char **ret)
{
	char tmpl[] = "/tmp/vmgr-bench-XXXXXX";
	char a0[] = "tar", a1[] = "-xzf", a3[] = "-C";
	char *arch = strdup(archive);
	char *argv[] = { a0, a1, arch, a3, tmpl, NULL };
	pid_t pid;
	int st, r;

	if (!arch)
		return -ENOMEM;
	if (!mkdtemp(tmpl)) {
		r = -errno;
		free(arch);
		fprintf(stderr, "mkdtemp: %s\n", strerror(errno));
		return r;
	}
	r = posix_spawnp(&pid, "tar", NULL, NULL, argv, environ);
	free(arch);
	argv[2] = NULL;
	if (r != 0) {
		fprintf(stderr, "tar: %s\n", strerror(r));
		data_remove(tmpl);
		return -r;
	}
	if (waitpid(pid, &st, 0) < 0 || !WIFEXITED(st) ||
	    WEXITSTATUS(st) != 0) {
		fprintf(stderr, "tar -xzf %s failed\n", archive);
		data_remove(tmpl);
		return -EIO;
	}
	*ret = strdup(tmpl);
	return *ret ? 0 : -ENOMEM;
}

static int
rm_one(const char *path, const struct stat *sb, int flag, struct FTW *ftw)
{
	(void)sb;
	(void)flag;
	(void)ftw;
	return remove(path);
}

void
data_remove(const char *dir)
{
	if (dir && strncmp(dir, "/tmp/vmgr-bench-", 16) == 0)
		nftw(dir, rm_one, 16, FTW_DEPTH | FTW_PHYS);
}

int
data_read(const char *path, char **ret, size_t *ret_len)
{
	FILE *f = fopen(path, "rb");
	char *buf = NULL;
	size_t len = 0, cap = 0, got;

	if (!f)
		return -errno;
	do {
		if (cap - len < 65536) {
			char *nb = realloc(buf, cap * 2 + 65536 + 1);

			if (!nb) {
				free(buf);
				fclose(f);
				return -ENOMEM;
			}
			buf = nb;
			cap = cap * 2 + 65536;
		}
		got = fread(buf + len, 1, cap - len, f);
		len += got;
	} while (got > 0);
	fclose(f);
	buf[len] = '\0';
	*ret = buf;
	*ret_len = len;
	return 0;
}

int
tsv_read(const char *path, struct tsv *t)
{
	size_t len;
	char *line;
	int r;

	memset(t, 0, sizeof(*t));
	r = data_read(path, &t->buf, &len);
	if (r < 0)
		return r;
	for (line = t->buf; line && *line;) {
		char *nl = strchr(line, '\n'), *f;
		char ***rows =
		    realloc(t->rows, (t->n_rows + 1) * sizeof(*rows));
		uint32_t *nf =
		    realloc(t->n_fields, (t->n_rows + 1) * sizeof(*nf));
		char **fields = NULL;
		uint32_t n = 0;

		if (rows)
			t->rows = rows;
		if (nf)
			t->n_fields = nf;
		if (!rows || !nf)
			return -ENOMEM;
		if (nl)
			*nl = '\0';
		if (nl && nl > line && nl[-1] == '\r')
			nl[-1] = '\0';
		for (f = line;;) {
			char *tab = strchr(f, '\t');
			char **nfld = realloc(fields, (n + 1) * sizeof(*nfld));

			if (!nfld)
				return -ENOMEM;
			fields = nfld;
			fields[n++] = f;
			if (!tab)
				break;
			*tab = '\0';
			f = tab + 1;
		}
		t->rows[t->n_rows] = fields;
		t->n_fields[t->n_rows++] = n;
		line = nl ? nl + 1 : NULL;
	}
	return 0;
}

void
tsv_done(struct tsv *t)
{
	for (uint32_t i = 0; i < t->n_rows; i++)
		free(t->rows[i]);
	free(t->rows);
	free(t->n_fields);
	free(t->buf);
	memset(t, 0, sizeof(*t));
}

double
data_now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static int
cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return x < y ? -1 : x > y;
}

double
data_median(double *v, size_t n)
{
	if (n == 0)
		return 0;
	qsort(v, n, sizeof(*v), cmp_double);
	return n % 2 ? v[n / 2] : (v[n / 2 - 1] + v[n / 2]) / 2;
}
