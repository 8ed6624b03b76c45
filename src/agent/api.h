/* api.h - the agent's HTTP+JSON API (libmicrohttpd) on a UNIX socket and, with a token, on TCP. */
#ifndef AGENT_API_H
#define AGENT_API_H

#include "agent/agent.h"
#include "agent/loop.h"
#include "core/diag.h"
#include "core/log.h"

#include <jansson.h>
#include <stdint.h>

#define API_MAX_BODY (64u * 1024) /* bytes in a request body: 413 beyond */
#define API_MAX_CONNS 64 /* connections at once, both sockets each */
#define API_MAX_WAIT_MS 25000 /* longest long-poll on /v1/events */

struct api_config {
	const char *unix_path; /* NULL: no UNIX socket */
	const char *tcp; /* "ADDR:PORT" (PORT 0: any) or NULL */
	const char *token; /* bearer token, required with tcp */
	const struct log *log;
};

struct api;

/*
 * Serves agent a (borrowed) on loop (borrowed) in the loop's thread: the
 * UNIX socket is created (mode 0660, replacing a stale one) and the TCP
 * socket bound. 0, or -errno with d saying which socket failed.
 * docs/agent.md lists the routes.
 */
int api_new(struct agent *a, struct loop *loop, const struct api_config *cfg,
    struct api **ret, struct diag *d);

/* Closes both sockets, answers waiting long-polls, removes the UNIX socket
 * file. NULL-safe; returns NULL. */
struct api *api_free(struct api *api);

/* The bound TCP port (after PORT 0), or 0 without TCP. */
uint16_t api_tcp_port(const struct api *api);

/*
 * Maps a request to a status and a JSON body (pure apart from calling the
 * agent), for tests and for both sockets: method, url (path only), query
 * argument lookup, body. *ret_body owned by the caller. Returns the HTTP
 * status; -EAGAIN when a GET /v1/events should wait (no events yet).
 */
int api_route(struct agent *a, const char *method, const char *url,
    const char *(*arg)(void *ud, const char *key), void *ud, const char *body,
    size_t body_len, json_t **ret_body);

/* The JSON error body {"error": msg, "field": F}: F is the JSON path a
 * diagnostic starts with ("cpu.policy: ..."), or absent. Bytes outside
 * printable ASCII become '?'. New reference (NULL only without memory). */
json_t *api_error_body(const char *msg);

#endif
