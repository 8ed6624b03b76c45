/* util.c - the CLI's file reading, JSON printing and error reporting. */
#include "cli/cli.h"

#include "core/cleanup.h"

#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

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
