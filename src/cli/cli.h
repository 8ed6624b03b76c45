/* cli.h - the vmgr command line: shared context, command table, helpers. */
#ifndef CLI_CLI_H
#define CLI_CLI_H

#include "core/diag.h"
#include "core/log.h"

#include <jansson.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>

/* Exit codes a script can rely on (docs/cli.md). */
enum {
	EXIT_OK = 0, /* the command did what was asked */
	EXIT_FAIL = 1, /* bad input file, refused operation, runtime error */
	EXIT_USAGE = 2, /* bad command line */
};

#define CLI_FILE_MAX ((size_t)256 << 20) /* largest input file read whole */

/* The one context of the vmgr program, passed to every command. */
struct cli {
	const char *prog;
	struct log log;
	FILE *out; /* results */
	FILE *err; /* errors and progress */
	/* Where the online verbs find vmgrd (global options; NULL: the
	 * environment or ./var/vmgrd.sock). */
	const char *socket, *url, *token_file;
};

struct cli_cmd {
	const char *name;
	const char *args; /* usage after the name */
	const char *summary; /* one line for `vmgr help` */
	int (*run)(struct cli *cli, int argc, char **argv);
};

/* Reads a whole file ("-" is stdin) into a NUL-terminated buffer *ret (owned
 * by the caller) of *ret_len bytes. Gzip data (magic 1f 8b) is inflated
 * transparently; `max` then bounds the inflated size too. On failure -errno
 * and d holds "<path>: <what went wrong>". */
int cli_read_file(
    const char *path, size_t max, char **ret, size_t *ret_len, struct diag *d);

/* Prints j compactly on one line to cli->out and drops the reference.
 * EXIT_OK, or EXIT_FAIL if j is NULL (out of memory). */
int cli_print_json(struct cli *cli, json_t *j);

/* Prints "vmgr CMD: message" to cli->err and returns code. */
int cli_fail(struct cli *cli, const char *cmd, int code, const char *fmt, ...)
    _printf_(4, 5);

int cmd_diagnose(struct cli *cli, int argc, char **argv);
int cmd_place(struct cli *cli, int argc, char **argv);
int cmd_why_not(struct cli *cli, int argc, char **argv);
int cmd_vm(struct cli *cli, int argc, char **argv);
int cmd_host(struct cli *cli, int argc, char **argv);
int cmd_events(struct cli *cli, int argc, char **argv);
int cmd_strategies(struct cli *cli, int argc, char **argv);
int cmd_pack(struct cli *cli, int argc, char **argv);
int cmd_plan(struct cli *cli, int argc, char **argv);

#endif
