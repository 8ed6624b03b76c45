/* link.h - the manager's HTTP client to an agent's API (libcurl), over TCP or a UNIX socket. */
#ifndef MANAGER_LINK_H
#define MANAGER_LINK_H

#include "core/diag.h"

#include <stdint.h>

/* Where an agent listens: "http://ADDR:PORT" (with a bearer token) or
 * "unix:/path/agent.sock". */
struct link_target {
	char url[256];
	char token[128];
};

struct link;

/* libcurl's global initialisation, once per process (thread-safe): call
 * it before starting threads that make links, so that no thread
 * initialises libcurl (and OpenSSL) behind another's back. link_new calls
 * it too. 0 or -EIO. */
int link_global_init(void);

/* A client (one per thread that calls agents). 0, -ENOMEM or -EIO. */
int link_new(struct link **ret);
struct link *link_free(struct link *l);

/*
 * One request: METHOD url-path (e.g. "/v1/vms") with an optional JSON body;
 * waits at most timeout_ms. 0 with *ret_status (HTTP status) and *ret_body
 * (owned, NUL-terminated, at most 1 MiB) set; -ETIMEDOUT, -ECONNREFUSED or
 * -EPROTO with d saying what failed.
 */
int link_call(struct link *l, const struct link_target *t, const char *method,
    const char *path, const char *body, uint32_t timeout_ms, long *ret_status,
    char **ret_body, struct diag *d);

#endif
