/* http.h - the CLI's client for vmgrd's API: a UNIX socket or TCP with a token. */
#ifndef CLI_HTTP_H
#define CLI_HTTP_H

#include "cli/cli.h"

#include <jansson.h>

/* Exit codes of the online verbs beyond cli.h's (docs/cli.md). */
enum {
	EXIT_NOTFOUND = 3, /* the daemon knows no such VM or host */
	EXIT_UNREACHABLE = 4, /* the daemon did not answer */
};

/* Where the daemon is: --socket / $VMGR_SOCKET (default ./var/vmgrd.sock),
 * or --url / $VMGR_URL with --token-file / $VMGR_TOKEN. */
struct http_target {
	const char *socket;
	const char *url;
	char token[256];
};

/* Fills t from the environment and defaults (command-line values already
 * in t win). 0, or EXIT_USAGE after saying why. */
int http_target_init(
    struct cli *cli, struct http_target *t, const char *token_file);

/*
 * METHOD path with an optional JSON body; *ret the reply as JSON (new
 * reference; NULL for a non-JSON body such as /metrics, then *ret_text).
 * Returns the HTTP status, or -errno (the daemon is unreachable: said on
 * cli->err).
 */
int http_call(struct cli *cli, const struct http_target *t, const char *method,
    const char *path, const json_t *body, long timeout_ms, json_t **ret,
    char **ret_text);

/* Maps a reply to an exit code, printing the error for a 4xx/5xx as
 * "vmgr CMD: message". */
int http_exit(struct cli *cli, const char *cmd, int status, const json_t *j);

#endif
