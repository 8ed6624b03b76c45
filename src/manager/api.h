/* api.h - the manager's REST API (libmicrohttpd) on a UNIX socket and, with a token, on TCP. */
#ifndef MANAGER_API_H
#define MANAGER_API_H

#include "core/diag.h"
#include "manager/manager.h"

#include <stdint.h>

#define MAPI_MAX_BODY (64u * 1024) /* request body bytes: 413 beyond */
#define MAPI_MAX_CONNS 256 /* connections per socket */
#define MAPI_MAX_WAIT_MS 30000 /* longest events long-poll */

struct mapi_config {
	const char *unix_path; /* NULL: none; created mode 0660 */
	const char *tcp; /* "ADDR:PORT" (PORT 0: any) or NULL */
	const char *token; /* bearer token for mutating requests on TCP */
};

struct mapi;

/* Serves m (borrowed) on the configured sockets, one thread per
 * connection. 0, or -errno with d naming the socket. docs/api.md lists
 * the routes. */
int mapi_new(struct manager *m, const struct mapi_config *cfg,
    struct mapi **ret, struct diag *d);

/* Closes the sockets (removing the UNIX socket file); NULL-safe. */
struct mapi *mapi_free(struct mapi *a);

/* The bound TCP port, or 0. */
uint16_t mapi_tcp_port(const struct mapi *a);

/*
 * Routes one request (pure apart from calling the manager): returns the
 * HTTP status and sets *ret_body (owned) to JSON, or to text for
 * /metrics (*ret_text set true). arg looks up query arguments. `token` is
 * the bearer token presented (NULL: none); `trusted` is true on the UNIX
 * socket, where the socket's file mode is the authorisation.
 */
int
mapi_route(struct manager *m, const struct mapi_config *cfg, const char *method,
    const char *url, const char *(*arg)(void *ud, const char *key), void *ud,
    const char *body, size_t body_len, const char *token, bool trusted,
    char **ret_body, bool *ret_text);

#endif
