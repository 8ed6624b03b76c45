/* util.c - the CLI's file reading, JSON printing and error reporting. */
#include "cli/cli.h"

#include "core/cleanup.h"

#include <stdarg.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <zlib.h>

/* Inflates the gzip data in[0..n) (one or more members) into a new
 * NUL-terminated buffer of at most max bytes. */
static int
gunzip(const char *path, const unsigned char *in, size_t n, size_t max,
    char **ret, size_t *ret_len, struct diag *d)
{
	_cleanup_free_ char *buf = NULL;
	size_t cap = n * 4 < 65536 ? 65536 : n * 4, len = 0;
	z_stream z = { 0 };
	int zr = Z_OK;
	char *nb;

	if (cap > max + 1)
		cap = max + 1;
	buf = malloc(cap + 1);
	if (!buf || inflateInit2(&z, 16 + MAX_WBITS) != Z_OK) {
		diag_set(d, "%s: out of memory", path);
		return -ENOMEM;
	}
	z.next_in = (unsigned char *)(uintptr_t)in;
	for (;;) {
		size_t chunk_in = n - (size_t)(z.next_in - in);

		z.avail_in =
		    chunk_in > UINT32_MAX ? UINT32_MAX : (uInt)chunk_in;
		if (len == cap) {
			size_t ncap = cap * 2 > max + 1 ? max + 1 : cap * 2;

			if (ncap <= len) {
				inflateEnd(&z);
				diag_set(d,
				    "%s: inflates to more than the limit of "
				    "%zu MiB",
				    path, max >> 20);
				return -EFBIG;
			}
			nb = realloc(buf, ncap + 1);
			if (!nb) {
				inflateEnd(&z);
				diag_set(d, "%s: out of memory", path);
				return -ENOMEM;
			}
			buf = nb;
			cap = ncap;
		}
		z.next_out = (unsigned char *)buf + len;
		z.avail_out =
		    (uInt)(cap - len > UINT32_MAX ? UINT32_MAX : cap - len);
		zr = inflate(&z, Z_NO_FLUSH);
		len = (size_t)((char *)z.next_out - buf);
		if (len > max) {
			inflateEnd(&z);
			diag_set(d,
			    "%s: inflates to more than the limit of "
			    "%zu MiB",
			    path, max >> 20);
			return -EFBIG;
		}
		if (zr == Z_STREAM_END) {
			/* Another member may follow (gzip -c a b > c). */
			if ((size_t)(z.next_in - in) >= n)
				break;
			if (inflateReset(&z) != Z_OK)
				break;
			continue;
		}
		if (zr == Z_BUF_ERROR && z.avail_in == 0) {
			inflateEnd(&z);
			diag_set(d, "%s: gzip data ends early", path);
			return -EINVAL;
		}
		if (zr != Z_OK && zr != Z_BUF_ERROR) {
			inflateEnd(&z);
			diag_set(d, "%s: not valid gzip data: %s", path,
			    z.msg ? z.msg : "inflate failed");
			return zr == Z_MEM_ERROR ? -ENOMEM : -EINVAL;
		}
	}
	inflateEnd(&z);
	buf[len] = '\0';
	*ret = take_ptr(buf);
	*ret_len = len;
	return 0;
}

int
cli_read_file(
    const char *path, size_t max, char **ret, size_t *ret_len, struct diag *d)
{
	_cleanup_fclose_ FILE *f = NULL;
	_cleanup_free_ char *buf = NULL;
	size_t len = 0, cap = 0, got;
	bool is_stdin = strcmp(path, "-") == 0;
	char *nb;

	f = is_stdin ? fdopen(dup(0), "r") : fopen(path, "re");
	if (!f) {
		int r = neg_errno();

		diag_set(d, "%s: cannot open: %s", path, strerror(-r));
		return r;
	}
	for (;;) {
		if (cap - len < 65536) {
			size_t ncap = cap ? cap * 2 : 65536;

			if (ncap > max + 1)
				ncap = max + 1;
			if (ncap <= len) {
				diag_set(d,
				    "%s: larger than the limit of %zu MiB",
				    path, max >> 20);
				return -EFBIG;
			}
			nb = realloc(buf, ncap + 1);
			if (!nb) {
				diag_set(d, "%s: out of memory", path);
				return -ENOMEM;
			}
			buf = nb;
			cap = ncap;
		}
		got = fread(buf + len, 1, cap - len, f);
		len += got;
		if (got == 0) {
			if (ferror(f)) {
				int r = neg_errno();

				diag_set(d, "%s: cannot read: %s", path,
				    strerror(-r));
				return r;
			}
			break;
		}
		if (len > max) {
			diag_set(d, "%s: larger than the limit of %zu MiB",
			    path, max >> 20);
			return -EFBIG;
		}
	}
	if (!buf) {
		buf = malloc(1);
		if (!buf)
			return -ENOMEM;
	}
	buf[len] = '\0';
	if (len >= 2 && (unsigned char)buf[0] == 0x1f &&
	    (unsigned char)buf[1] == 0x8b)
		return gunzip(path, (const unsigned char *)buf, len, max, ret,
		    ret_len, d);
	*ret = take_ptr(buf);
	*ret_len = len;
	return 0;
}

int
cli_print_json(struct cli *cli, json_t *j)
{
	char *s;

	if (!j)
		return cli_fail(cli, "json", EXIT_FAIL, "out of memory");
	s = json_dumps(j, JSON_COMPACT | JSON_PRESERVE_ORDER);
	json_decref(j);
	if (!s)
		return cli_fail(cli, "json", EXIT_FAIL, "out of memory");
	fprintf(cli->out, "%s\n", s);
	free(s);
	return EXIT_OK;
}

int
cli_fail(struct cli *cli, const char *cmd, int code, const char *fmt, ...)
{
	char buf[1024];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(buf, sizeof(buf), fmt, ap);
	va_end(ap);
	fprintf(cli->err, "%s %s: %s\n", cli->prog, cmd, buf);
	return code;
}
