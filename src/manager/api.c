/* api.c - the manager's REST routes over libmicrohttpd, one thread per connection. */
#include "manager/api.h"

#include "core/cleanup.h"
#include "core/error.h"

#include <arpa/inet.h>
#include <microhttpd.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

struct mapi {
	struct manager *m;
	struct mapi_config cfg;
	char unix_path[108];
	char token[256];
	struct MHD_Daemon *ux, *tcp;
	int ux_fd;
	uint16_t port;
};

/* Per-request state: the body as it arrives. */
struct req {
	char *body;
	size_t n;
	bool too_big;
};

static int
status_of(int r)
{
	switch (r) {
	case -EINVAL:
	case -EPROTO:
		return 400;
	case -EACCES:
		return 401;
	case -ENOENT:
		return 404;
	case -EEXIST:
	case -EBUSY:
	case -E2BIG:
		return 409;
	case -EOPNOTSUPP:
		return 501;
	default:
		return 500;
	}
}

/* {"error": message, "field": the path the message starts with, if any}.
 * Messages quote what the client sent, which need not be UTF-8: anything
 * outside printable ASCII becomes '?', so the body is always valid JSON. */
static char *
error_body(const char *raw)
{
	char msg[600], field[128] = "";
	size_t i;

	for (i = 0; raw[i] && i < sizeof(msg) - 1; i++)
		msg[i] = (unsigned char)raw[i] >= 0x20 &&
			(unsigned char)raw[i] < 0x7f
		    ? raw[i]
		    : '?';
	msg[i] = '\0';
	const char *colon = strstr(msg, ": ");
	json_t *j;
	char *s;

	if (colon && (size_t)(colon - msg) < sizeof(field) &&
	    !memchr(msg, ' ', (size_t)(colon - msg)))
		snprintf(field, sizeof(field), "%.*s", (int)(colon - msg), msg);
	j = json_pack(
	    "{s:s, s:s?}", "error", msg, "field", field[0] ? field : NULL);
	s = j ? json_dumps(j, JSON_COMPACT) : NULL;
	json_decref(j);
	return s;
}

static int
reply(int r, json_t *j, struct diag *d, int ok_status, char **ret_body)
{
	if (r < 0) {
		*ret_body = error_body(d->msg[0] ? d->msg : strerror(-r));
		return status_of(r);
	}
	*ret_body = json_dumps(j, JSON_COMPACT);
	json_decref(j);
	return *ret_body ? ok_status : 500;
}

static uint64_t
num_arg(const char *(*arg)(void *, const char *), void *ud, const char *key,
    uint64_t def, uint64_t max)
{
	const char *s = arg ? arg(ud, key) : NULL;
	char *end;
	unsigned long long v;

	if (!s || !*s)
		return def;
	v = strtoull(s, &end, 10);
	if (*end || v > max)
		return def;
	return v;
}

int
mapi_route(struct manager *m, const struct mapi_config *cfg, const char *method,
    const char *url, const char *(*arg)(void *ud, const char *key), void *ud,
    const char *body, size_t body_len, const char *token, bool trusted,
    char **ret_body, bool *ret_text)
{
	bool get = strcmp(method, "GET") == 0,
	     post = strcmp(method, "POST") == 0,
	     del = strcmp(method, "DELETE") == 0;
	struct diag d = { 0 };
	json_t *j = NULL, *in = NULL;
	char name[128], verb[32];
	int r, n = 0;

	*ret_text = false;
	if (!get && !post && !del) {
		*ret_body = error_body("method not allowed");
		return 405;
	}
	/* Agents authenticate with their own token; everything else that
	 * changes state needs the API token on TCP. */
	if (!get && !trusted && strncmp(url, "/v1/hosts/", 10) != 0 &&
	    (!cfg->token || !token || strcmp(token, cfg->token) != 0)) {
		*ret_body =
		    error_body("a mutating request needs the bearer token");
		return 401;
	}
	if (post && body_len > 0) {
		json_error_t e;

		in = json_loadb(body, body_len, JSON_REJECT_DUPLICATES, &e);
		if (!in) {
			char msg[256];

			snprintf(msg, sizeof(msg),
			    "body: not JSON at line %d, column %d: %s", e.line,
			    e.column, e.text);
			*ret_body = error_body(msg);
			return 400;
		}
	}
	if (get && strcmp(url, "/v1/health") == 0) {
		r = manager_health(m, &j);
		n = reply(r, j, &d, 200, ret_body);
	} else if (get && strcmp(url, "/metrics") == 0) {
		r = manager_metrics(m, ret_body);
		*ret_text = true;
		n = r < 0 ? 500 : 200;
	} else if (get && strcmp(url, "/v1/strategies") == 0) {
		r = manager_strategies(m, &j);
		n = reply(r, j, &d, 200, ret_body);
	} else if (get && strcmp(url, "/v1/vms") == 0) {
		r = manager_vm_list(m, &j);
		n = reply(r, j, &d, 200, ret_body);
	} else if (post && strcmp(url, "/v1/vms") == 0) {
		if (!in) {
			*ret_body = error_body("body: missing (a VM as JSON)");
			n = 400;
		} else {
			r = manager_vm_create(m, in, &j, &d);
			n = reply(r, j, &d, 201, ret_body);
		}
	} else if (get && strcmp(url, "/v1/hosts") == 0) {
		r = manager_host_list(m, &j);
		n = reply(r, j, &d, 200, ret_body);
	} else if (post && strcmp(url, "/v1/hosts/register") == 0) {
		r = in ? manager_host_register(m, in, token, &j, &d) : -EINVAL;
		if (!in)
			diag_set(&d, "body: missing");
		n = reply(r, j, &d, 200, ret_body);
	} else if (get && strcmp(url, "/v1/why-not") == 0) {
		const char *vm = arg ? arg(ud, "vm") : NULL;
		const char *host = arg ? arg(ud, "host") : NULL;

		if (!vm || !host) {
			*ret_body =
			    error_body("vm, host: query arguments required");
			n = 400;
		} else {
			r = manager_why_not(m, vm, host, &j, &d);
			n = reply(r, j, &d, 200, ret_body);
		}
	} else if (get && strcmp(url, "/v1/plans") == 0) {
		r = manager_plan_show(m, &j);
		n = reply(r, j, &d, 200, ret_body);
	} else if (post && strcmp(url, "/v1/plans") == 0) {
		r = manager_plan(m, in, &j, &d);
		n = reply(r, j, &d, 201, ret_body);
	} else if (get && strcmp(url, "/v1/events") == 0) {
		r = manager_events(m, num_arg(arg, ud, "since", 0, UINT64_MAX),
		    (uint32_t)num_arg(arg, ud, "max", 100, 1000),
		    (uint32_t)num_arg(arg, ud, "wait_ms", 0, MAPI_MAX_WAIT_MS),
		    &j);
		n = reply(r, j, &d, 200, ret_body);
	} else if (sscanf(url, "/v1/vms/%127[^/]/%31s", name, verb) == 2 &&
	    get && strcmp(verb, "console") == 0) {
		r = manager_vm_console(m, name,
		    num_arg(arg, ud, "since", 0, UINT64_MAX >> 1),
		    (uint32_t)num_arg(arg, ud, "max", 65536, 65536), &j, &d);
		n = reply(r, j, &d, 200, ret_body);
	} else if (sscanf(url, "/v1/vms/%127[^/]/%31s", name, verb) == 2 &&
	    post) {
		if (strcmp(verb, "start") == 0)
			r = manager_vm_start(m, name, &j, &d);
		else if (strcmp(verb, "stop") == 0)
			r = manager_vm_stop(m, name, &j, &d);
		else if (strcmp(verb, "migrate") == 0) {
			const char *to =
			    json_string_value(json_object_get(in, "host"));

			if (!to) {
				diag_set(
				    &d, "host: required (the target host)");
				r = -EINVAL;
			} else {
				r = manager_vm_migrate(m, name, to, &j, &d);
			}
		} else {
			diag_set(&d,
			    "no such action '%s' (start, stop, migrate)", verb);
			r = -ENOENT;
		}
		n = reply(r, j, &d, 200, ret_body);
	} else if (sscanf(url, "/v1/vms/%127[^/]", name) == 1 &&
	    !strchr(url + 8, '/')) {
		if (get)
			r = manager_vm_show(m, name, &j, &d);
		else if (del)
			r = manager_vm_delete(m, name, &j, &d);
		else {
			diag_set(&d, "use GET or DELETE on a VM");
			r = -EINVAL;
		}
		n = reply(r, j, &d, 200, ret_body);
	} else if (sscanf(url, "/v1/hosts/%127[^/]/%31s", name, verb) == 2 &&
	    post) {
		if (strcmp(verb, "heartbeat") == 0)
			r = in
			    ? manager_host_heartbeat(m, name, in, token, &j, &d)
			    : (diag_set(&d, "body: missing"), -EINVAL);
		else if (strcmp(verb, "drain") == 0 ||
		    strcmp(verb, "undrain") == 0) {
			if (!trusted &&
			    (!cfg->token || !token ||
				strcmp(token, cfg->token) != 0)) {
				json_decref(in);
				*ret_body =
				    error_body("a mutating request needs the "
					       "bearer token");
				return 401;
			}
			r = manager_host_drain(
			    m, name, strcmp(verb, "drain") == 0, &j, &d);
		} else {
			diag_set(&d,
			    "no such action '%s' (drain, undrain, heartbeat)",
			    verb);
			r = -ENOENT;
		}
		n = reply(r, j, &d, 200, ret_body);
	} else {
		*ret_body = error_body("no such route");
		n = 404;
	}
	json_decref(in);
	if (!*ret_body)
		n = 500;
	return n;
}

static const char *
query(void *ud, const char *key)
{
	return MHD_lookup_connection_value(ud, MHD_GET_ARGUMENT_KIND, key);
}

static enum MHD_Result
handler(void *cls, struct MHD_Connection *c, const char *url,
    const char *method, const char *version, const char *upload,
    size_t *upload_size, void **con_cls)
{
	struct mapi *a = cls;
	struct req *rq = *con_cls;
	struct MHD_Response *resp;
	const char *auth, *token = NULL;
	const union MHD_ConnectionInfo *ci;
	char *body = NULL;
	bool text, trusted;
	enum MHD_Result ret;
	int status;

	(void)version;
	if (!rq) {
		rq = calloc(1, sizeof(*rq));
		if (!rq)
			return MHD_NO;
		*con_cls = rq;
		return MHD_YES;
	}
	if (*upload_size) {
		if (rq->n + *upload_size > MAPI_MAX_BODY) {
			rq->too_big = true;
		} else if (!rq->too_big) {
			char *nb = realloc(rq->body, rq->n + *upload_size + 1);

			if (!nb)
				return MHD_NO;
			memcpy(nb + rq->n, upload, *upload_size);
			rq->n += *upload_size;
			nb[rq->n] = '\0';
			rq->body = nb;
		}
		*upload_size = 0;
		return MHD_YES;
	}
	ci = MHD_get_connection_info(c, MHD_CONNECTION_INFO_DAEMON);
	trusted = ci && ci->daemon == a->ux;
	auth = MHD_lookup_connection_value(
	    c, MHD_HEADER_KIND, MHD_HTTP_HEADER_AUTHORIZATION);
	if (auth && strncmp(auth, "Bearer ", 7) == 0)
		token = auth + 7;
	if (rq->too_big) {
		status = 413;
		body = error_body("body: larger than 64 KiB");
		text = false;
	} else {
		status = mapi_route(a->m, &a->cfg, method, url, query, c,
		    rq->body, rq->n, token, trusted, &body, &text);
	}
	if (!body)
		return MHD_NO;
	resp = MHD_create_response_from_buffer(
	    strlen(body), body, MHD_RESPMEM_MUST_FREE);
	if (!resp) {
		free(body);
		return MHD_NO;
	}
	MHD_add_response_header(resp, MHD_HTTP_HEADER_CONTENT_TYPE,
	    text ? "text/plain; version=0.0.4" : "application/json");
	ret = MHD_queue_response(c, (unsigned)status, resp);
	MHD_destroy_response(resp);
	return ret;
}

static void
done(void *cls, struct MHD_Connection *c, void **con_cls,
    enum MHD_RequestTerminationCode toe)
{
	struct req *rq = *con_cls;

	(void)cls;
	(void)c;
	(void)toe;
	if (rq) {
		free(rq->body);
		free(rq);
	}
	*con_cls = NULL;
}

static struct MHD_Daemon *
start(struct mapi *a, int fd, uint16_t port, struct sockaddr_in *sin)
{
	unsigned flags = MHD_USE_THREAD_PER_CONNECTION |
	    MHD_USE_INTERNAL_POLLING_THREAD | MHD_USE_ERROR_LOG;

	if (fd >= 0)
		return MHD_start_daemon(flags, 0, NULL, NULL, handler, a,
		    MHD_OPTION_LISTEN_SOCKET, fd, MHD_OPTION_NOTIFY_COMPLETED,
		    done, a, MHD_OPTION_CONNECTION_LIMIT,
		    (unsigned)MAPI_MAX_CONNS, MHD_OPTION_CONNECTION_TIMEOUT,
		    (unsigned)60, MHD_OPTION_END);
	return MHD_start_daemon(flags, port, NULL, NULL, handler, a,
	    MHD_OPTION_SOCK_ADDR, sin, MHD_OPTION_NOTIFY_COMPLETED, done, a,
	    MHD_OPTION_CONNECTION_LIMIT, (unsigned)MAPI_MAX_CONNS,
	    MHD_OPTION_PER_IP_CONNECTION_LIMIT, (unsigned)MAPI_MAX_CONNS,
	    MHD_OPTION_CONNECTION_TIMEOUT, (unsigned)60, MHD_OPTION_END);
}

int
mapi_new(struct manager *m, const struct mapi_config *cfg, struct mapi **ret,
    struct diag *d)
{
	struct mapi *a = calloc(1, sizeof(*a));
	int r;

	if (!a)
		return -ENOMEM;
	a->m = m;
	a->cfg = *cfg;
	a->ux_fd = -1;
	if (cfg->token) {
		snprintf(a->token, sizeof(a->token), "%s", cfg->token);
		a->cfg.token = a->token;
	}
	if (cfg->unix_path) {
		struct sockaddr_un sun = { .sun_family = AF_UNIX };

		if (strlen(cfg->unix_path) >= sizeof(sun.sun_path)) {
			diag_set(d, "%s: socket path too long", cfg->unix_path);
			free(a);
			return -EINVAL;
		}
		snprintf(
		    a->unix_path, sizeof(a->unix_path), "%s", cfg->unix_path);
		snprintf(
		    sun.sun_path, sizeof(sun.sun_path), "%s", cfg->unix_path);
		unlink(cfg->unix_path);
		a->ux_fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
		if (a->ux_fd < 0 ||
		    bind(a->ux_fd, (struct sockaddr *)&sun, sizeof(sun)) < 0 ||
		    chmod(cfg->unix_path, 0660) < 0 ||
		    listen(a->ux_fd, 128) < 0) {
			r = neg_errno();
			diag_set(d, "%s: %s", cfg->unix_path, strerror(-r));
			mapi_free(a);
			return r;
		}
		a->ux = start(a, a->ux_fd, 0, NULL);
		if (!a->ux) {
			diag_set(d, "%s: cannot serve", cfg->unix_path);
			mapi_free(a);
			return -EIO;
		}
	}
	if (cfg->tcp) {
		struct sockaddr_in sin = { .sin_family = AF_INET };
		char addr[64];
		unsigned port;
		const union MHD_DaemonInfo *di;

		if (!cfg->token || !cfg->token[0]) {
			diag_set(d, "--listen needs a token (--token-file)");
			mapi_free(a);
			return -EINVAL;
		}
		if (sscanf(cfg->tcp, "%63[^:]:%u", addr, &port) != 2 ||
		    port > 65535 ||
		    inet_pton(AF_INET, addr, &sin.sin_addr) != 1) {
			diag_set(d, "%s: expected IPv4ADDR:PORT", cfg->tcp);
			mapi_free(a);
			return -EINVAL;
		}
		sin.sin_port = htons((uint16_t)port);
		a->tcp = start(a, -1, (uint16_t)port, &sin);
		if (!a->tcp) {
			diag_set(d, "%s: cannot listen", cfg->tcp);
			mapi_free(a);
			return -EADDRINUSE;
		}
		di = MHD_get_daemon_info(a->tcp, MHD_DAEMON_INFO_BIND_PORT);
		a->port = di ? di->port : (uint16_t)port;
	}
	*ret = a;
	return 0;
}

struct mapi *
mapi_free(struct mapi *a)
{
	if (!a)
		return NULL;
	if (a->ux)
		MHD_stop_daemon(a->ux);
	if (a->tcp)
		MHD_stop_daemon(a->tcp);
	if (a->ux_fd >= 0)
		close(a->ux_fd);
	if (a->unix_path[0])
		unlink(a->unix_path);
	free(a);
	return NULL;
}

uint16_t
mapi_tcp_port(const struct mapi *a)
{
	return a->port;
}
