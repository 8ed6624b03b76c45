/* api.c - HTTP+JSON routes over libmicrohttpd in external-poll mode; the loop's thread. */
#include "agent/api.h"

#include "agent/migrate.h"
#include "agent/spec.h"
#include "core/clock.h"
#include "core/mem.h"

#include <arpa/inet.h>
#include <microhttpd.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <time.h>
#include <unistd.h>

struct req {
	char *body;
	size_t len, cap;
	bool too_big, suspended, waited;
	uint64_t wait_until_ns;
	struct MHD_Connection *conn;
	struct req *next_wait;
	struct api_server *srv;
};

struct api_server {
	struct api *api;
	struct MHD_Daemon *mhd;
	struct loop_watch w;
	bool need_token;
};

struct api {
	struct agent *agent;
	struct loop *loop;
	const struct log *log;
	struct api_server unix_srv, tcp_srv;
	char *unix_path, *token;
	uint16_t tcp_port;
	struct req *waiters;
	bool wake;
	struct loop_tick tick;
};

static uint64_t
mono_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * NS_PER_S + (uint64_t)ts.tv_nsec;
}

json_t *
api_error_body(const char *raw)
{
	char msg[sizeof(((struct diag *)0)->msg)];
	json_t *o;
	size_t n;

	/* Messages quote input (jansson's included), maybe cut mid-character:
	 * keep them ASCII so they are always valid JSON strings. */
	snprintf(msg, sizeof(msg), "%s", raw);
	for (char *c = msg; *c; c++)
		if ((unsigned char)*c >= 0x80 || (unsigned char)*c < 0x20)
			*c = '?';
	o = json_pack("{s:s}", "error", msg);
	n = strcspn(msg, ": ");

	/* A diagnostic led by a JSON path names the field. */
	if (o && n > 0 && n < 128 && msg[n] == ':' && msg[n + 1] == ' ') {
		char field[128];
		bool path = true;

		memcpy(field, msg, n);
		field[n] = '\0';
		for (size_t i = 0; i < n; i++)
			if (!((field[i] >= 'a' && field[i] <= 'z') ||
				(field[i] >= '0' && field[i] <= '9') ||
				strchr("_.[]()", field[i])))
				path = false;
		if (path)
			json_object_set_new(o, "field", json_string(field));
	}
	return o;
}

static int
error(json_t **ret, int status, const char *msg)
{
	*ret = api_error_body(msg);
	return status;
}

static int
create_status(int r)
{
	switch (r) {
	case -EEXIST:
	case -ENOSPC:
	case -EBUSY:
	case -EADDRINUSE:
		return 409;
	case -EINVAL:
	case -ENOENT:
	case -EOPNOTSUPP:
	case -EACCES:
	case -EMSGSIZE:
		return 400;
	default:
		return 500;
	}
}

static int
op_status(int r)
{
	switch (r) {
	case -ENOENT:
		return 404;
	case -EINVAL:
		return 409;
	case -EREMOTEIO:
		return 502; /* QEMU refused */
	default:
		return 500;
	}
}

/* POST /v1/vms/NAME/migrate: 202 and the VM (state migrating). */
static int
route_migrate(struct agent *a, const char *name, const char *body,
    size_t body_len, json_t **ret)
{
	struct migrate_req m;
	struct diag d = { 0 };
	int r;

	if (!body || body_len == 0)
		return error(ret, 400,
		    "(body): {\"uri\":\"tcp:HOST:PORT\"} is required");
	r = migrate_req_parse(body, body_len, &m, &d);
	if (r < 0) {
		if (r == -EMSGSIZE)
			return error(ret, 413, d.msg);
		if (d.msg[0] >= '0' && d.msg[0] <= '9')
			diag_prefix(&d, "(body)");
		return error(ret, r == -ENOMEM ? 500 : 400, d.msg);
	}
	r = agent_vm_migrate_opts(a, name, &m, &d);
	if (r < 0)
		return error(
		    ret, op_status(r), d.msg[0] ? d.msg : strerror(-r));
	r = agent_vm_show(a, name, ret);
	return r < 0 ? error(ret, 500, strerror(-r)) : 202;
}

static int
route_vm(struct agent *a, const char *method, const char *name, const char *op,
    const char *body, size_t body_len, json_t **ret)
{
	struct diag d = { 0 };
	int r;

	if (!op) {
		if (strcmp(method, "GET") == 0) {
			r = agent_vm_show(a, name, ret);
			if (r == -ENOENT)
				return error(ret, 404, "no such VM");
			return r < 0 ? error(ret, 500, strerror(-r)) : 200;
		}
		if (strcmp(method, "DELETE") == 0) {
			r = agent_vm_delete(a, name, &d);
			if (r < 0)
				return error(ret, op_status(r), d.msg);
			*ret = json_pack("{s:s}", "deleted", name);
			return 200;
		}
		return error(ret, 405, "method not allowed on a VM");
	}
	if (strcmp(method, "POST") != 0)
		return error(ret, 405, "VM operations are POST");
	if (strcmp(op, "pause") == 0)
		r = agent_vm_pause(a, name, &d);
	else if (strcmp(op, "resume") == 0)
		r = agent_vm_resume(a, name, &d);
	else if (strcmp(op, "stop") == 0)
		r = agent_vm_stop(a, name, &d);
	else if (strcmp(op, "kill") == 0)
		r = agent_vm_kill(a, name, &d);
	else if (strcmp(op, "migrate") == 0)
		return route_migrate(a, name, body, body_len, ret);
	else
		return error(ret, 404,
		    "unknown operation (pause, resume, stop, kill, migrate)");
	if (r < 0)
		return error(
		    ret, op_status(r), d.msg[0] ? d.msg : strerror(-r));
	r = agent_vm_show(a, name, ret);
	return r < 0 ? error(ret, 500, strerror(-r)) : 200;
}

/* Parses a decimal query argument into [0, max]; absent: def. */
static int
num_arg(const char *(*arg)(void *, const char *), void *ud, const char *key,
    uint64_t max, uint64_t def, uint64_t *ret, json_t **body)
{
	const char *s = arg ? arg(ud, key) : NULL;
	char *end, msg[160];
	unsigned long long v;

	*ret = def;
	if (!s)
		return 0;
	v = strtoull(s, &end, 10);
	if (!*s || *end || s[0] == '-' || v > max) {
		snprintf(msg, sizeof(msg),
		    "%s: must be an integer from 0 to %llu, got \"%.40s\"", key,
		    (unsigned long long)max, s);
		return error(body, 400, msg);
	}
	*ret = v;
	return 0;
}

int
api_route(struct agent *a, const char *method, const char *url,
    const char *(*arg)(void *ud, const char *key), void *ud, const char *body,
    size_t body_len, json_t **ret)
{
	char name[SPEC_NAME_MAX + 2];
	const char *rest;
	size_t n;
	int r;

	*ret = NULL;
	if (strcmp(url, "/v1/agent") == 0) {
		const char *why = "", *acc;

		if (strcmp(method, "GET") != 0)
			return error(ret, 405, "GET only");
		acc = agent_accel(a, &why);
		*ret = json_pack("{s:s, s:s}", "accel", acc, "accel_why", why);
		return 200;
	}
	if (strcmp(url, "/v1/events") == 0) {
		uint64_t since, wait, max, last;
		json_t *evs;

		if (strcmp(method, "GET") != 0)
			return error(ret, 405, "GET only");
		if ((r = num_arg(
			 arg, ud, "since", UINT64_MAX >> 1, 0, &since, ret)) ||
		    (r = num_arg(
			 arg, ud, "wait_ms", API_MAX_WAIT_MS, 0, &wait, ret)) ||
		    (r = num_arg(
			 arg, ud, "max", AGENT_EVENT_RING, 256, &max, ret)))
			return r;
		if (agent_events_since(a, since, (uint32_t)max, &evs, &last) <
		    0)
			return error(ret, 500, "out of memory");
		if (json_array_size(evs) == 0 && wait > 0) {
			json_decref(evs);
			return -EAGAIN;
		}
		*ret = json_pack(
		    "{s:o, s:I}", "events", evs, "last", (json_int_t)last);
		return 200;
	}
	if (strcmp(url, "/v1/vms") == 0) {
		struct spec s;
		struct diag d = { 0 };

		if (strcmp(method, "GET") == 0) {
			json_t *list;

			if (agent_vm_list(a, &list) < 0)
				return error(ret, 500, "out of memory");
			*ret = json_pack("{s:o}", "vms", list);
			return 200;
		}
		if (strcmp(method, "POST") != 0)
			return error(ret, 405, "GET or POST only");
		if (!body || body_len == 0)
			return error(ret, 400, "(body): a VM spec is required");
		r = spec_parse(body, body_len, &s, &d);
		if (r < 0) {
			if (r == -EMSGSIZE)
				return error(ret, 413, d.msg);
			/* jansson's "line:col: text" is about the body. */
			if (d.msg[0] >= '0' && d.msg[0] <= '9')
				diag_prefix(&d, "(body)");
			return error(ret, r == -ENOMEM ? 500 : 400, d.msg);
		}
		r = agent_vm_create(a, &s, &d);
		if (r < 0) {
			spec_done(&s);
			return error(ret, create_status(r),
			    d.msg[0] ? d.msg : strerror(-r));
		}
		r = agent_vm_show(a, s.name, ret);
		spec_done(&s);
		return r < 0 ? error(ret, 500, strerror(-r)) : 201;
	}
	if (strncmp(url, "/v1/vms/", 8) != 0)
		return error(ret, 404, "no such route");
	rest = url + 8;
	n = strcspn(rest, "/");
	if (n == 0 || n > SPEC_NAME_MAX)
		return error(ret, 404, "no such VM");
	memcpy(name, rest, n);
	name[n] = '\0';
	rest += n;
	if (*rest == '\0')
		return route_vm(a, method, name, NULL, body, body_len, ret);
	rest++;
	if (!*rest || strchr(rest, '/'))
		return error(ret, 404, "no such route");
	if (strcmp(rest, "console") == 0) {
		uint64_t since, max;
		struct diag d = { 0 };

		if (strcmp(method, "GET") != 0)
			return error(ret, 405, "GET only");
		if ((r = num_arg(
			 arg, ud, "since", UINT64_MAX >> 1, 0, &since, ret)) ||
		    (r = num_arg(arg, ud, "max", AGENT_CONSOLE_READ_MAX,
			 AGENT_CONSOLE_READ_MAX, &max, ret)))
			return r;
		r = agent_vm_console(a, name, since, (size_t)max, ret, &d);
		if (r == -ENOENT)
			return error(ret, 404, "no such VM");
		return r < 0 ? error(ret, 500, d.msg[0] ? d.msg : strerror(-r))
			     : 200;
	}
	return route_vm(a, method, name, rest, body, body_len, ret);
}

static enum MHD_Result
send_json(struct MHD_Connection *c, int status, json_t *body)
{
	struct MHD_Response *resp;
	enum MHD_Result r;
	char *txt = body ? json_dumps(body, JSON_COMPACT) : NULL;
	size_t len;

	json_decref(body);
	if (!txt)
		txt = mem_strdup("{\"error\":\"out of memory\"}");
	if (!txt)
		return MHD_NO;
	len = strlen(txt);
	txt[len] = '\0';
	/* A trailing newline makes curl output and NDJSON tools happy. */
	{
		char *t = realloc(txt, len + 2);

		if (t) {
			txt = t;
			txt[len++] = '\n';
			txt[len] = '\0';
		}
	}
	resp = MHD_create_response_from_buffer(len, txt, MHD_RESPMEM_MUST_FREE);
	if (!resp) {
		free(txt);
		return MHD_NO;
	}
	MHD_add_response_header(resp, "Content-Type", "application/json");
	r = MHD_queue_response(c, (unsigned)status, resp);
	MHD_destroy_response(resp);
	return r;
}

static const char *
conn_arg(void *ud, const char *key)
{
	return MHD_lookup_connection_value(ud, MHD_GET_ARGUMENT_KIND, key);
}

/* Constant-time comparison of the presented bearer token. */
static bool
token_ok(const struct api *api, struct MHD_Connection *c)
{
	const char *h = MHD_lookup_connection_value(
	    c, MHD_HEADER_KIND, MHD_HTTP_HEADER_AUTHORIZATION);
	size_t n = strlen(api->token), m;
	unsigned diff = 0;

	if (!h || strncmp(h, "Bearer ", 7) != 0)
		return false;
	h += 7;
	m = strlen(h);
	for (size_t i = 0; i < n; i++)
		diff |= (unsigned)(api->token[i] ^ (i < m ? h[i] : 0));
	return diff == 0 && m == n;
}

static enum MHD_Result
handle(void *cls, struct MHD_Connection *c, const char *url, const char *method,
    const char *version, const char *upload, size_t *upload_size,
    void **con_cls)
{
	struct api_server *srv = cls;
	struct api *api = srv->api;
	struct req *rq = *con_cls;
	json_t *body = NULL;
	int status;

	(void)version;
	if (!rq) {
		rq = calloc(1, sizeof(*rq));
		if (!rq)
			return MHD_NO;
		rq->conn = c;
		rq->srv = srv;
		*con_cls = rq;
		return MHD_YES;
	}
	if (*upload_size) {
		if (!rq->too_big && rq->len + *upload_size > API_MAX_BODY) {
			rq->too_big = true;
			free(rq->body);
			rq->body = NULL;
		}
		if (!rq->too_big) {
			if (rq->len + *upload_size + 1 > rq->cap) {
				size_t cap = rq->len + *upload_size + 1;
				char *p = realloc(rq->body, cap);

				if (!p)
					return MHD_NO;
				rq->body = p;
				rq->cap = cap;
			}
			memcpy(rq->body + rq->len, upload, *upload_size);
			rq->len += *upload_size;
			rq->body[rq->len] = '\0';
		}
		*upload_size = 0;
		return MHD_YES;
	}
	if (srv->need_token && !token_ok(api, c))
		return send_json(c, 401,
		    api_error_body("Authorization: a valid bearer token is "
				   "required"));
	if (rq->too_big) {
		char msg[96];

		snprintf(msg, sizeof(msg),
		    "(body): larger than the limit of %u bytes", API_MAX_BODY);
		return send_json(c, 413, api_error_body(msg));
	}
	status = api_route(
	    api->agent, method, url, conn_arg, c, rq->body, rq->len, &body);
	if (status == -EAGAIN) {
		uint64_t wait = 0;
		const char *w = conn_arg(c, "wait_ms");
		uint64_t now = mono_ns();

		if (w)
			wait = strtoull(w, NULL, 10);
		if (!rq->waited) {
			rq->waited = true;
			rq->wait_until_ns = now + wait * NS_PER_MS;
		}
		if (now < rq->wait_until_ns) {
			rq->suspended = true;
			rq->next_wait = api->waiters;
			api->waiters = rq;
			MHD_suspend_connection(c);
			return MHD_YES;
		}
		/* Timed out: an empty answer with the current position. */
		{
			json_t *evs;
			uint64_t last;

			agent_events_since(
			    api->agent, UINT64_MAX >> 1, 0, &evs, &last);
			body = json_pack("{s:o, s:I}", "events", evs, "last",
			    (json_int_t)last);
			status = 200;
		}
	}
	return send_json(c, status, body);
}

static void
completed(void *cls, struct MHD_Connection *c, void **con_cls,
    enum MHD_RequestTerminationCode toe)
{
	struct api_server *srv = cls;
	struct req *rq = *con_cls;

	(void)c;
	(void)toe;
	if (!rq)
		return;
	for (struct req **p = &srv->api->waiters; *p; p = &(*p)->next_wait) {
		if (*p == rq) {
			*p = rq->next_wait;
			break;
		}
	}
	free(rq->body);
	free(rq);
	*con_cls = NULL;
}

/* Resumes waiters that have events or whose time is up; then runs MHD. */
static void
api_tick(struct loop_tick *t)
{
	struct api *api = t->ud;
	uint64_t now = mono_ns();

	for (struct req **p = &api->waiters; *p;) {
		struct req *rq = *p;

		if (api->wake || now >= rq->wait_until_ns) {
			*p = rq->next_wait;
			rq->suspended = false;
			MHD_resume_connection(rq->conn);
			continue;
		}
		p = &rq->next_wait;
	}
	api->wake = false;
	if (api->unix_srv.mhd)
		MHD_run(api->unix_srv.mhd);
	if (api->tcp_srv.mhd)
		MHD_run(api->tcp_srv.mhd);
}

static void
on_mhd(struct loop_watch *w, uint32_t revents)
{
	struct api_server *srv = w->ud;

	(void)revents;
	MHD_run(srv->mhd);
}

static void
on_event(void *ud, const struct agent_event *ev)
{
	struct api *api = ud;

	(void)ev;
	api->wake = true; /* long-polls resume in the tick, outside MHD */
}

static int
start_server(
    struct api *api, struct api_server *srv, int fd, bool token, struct diag *d)
{
	const union MHD_DaemonInfo *info;
	int r;

	srv->api = api;
	srv->need_token = token;
	srv->mhd = MHD_start_daemon(MHD_USE_EPOLL | MHD_ALLOW_SUSPEND_RESUME, 0,
	    NULL, NULL, handle, srv, MHD_OPTION_LISTEN_SOCKET, fd,
	    MHD_OPTION_CONNECTION_LIMIT, (unsigned)API_MAX_CONNS,
	    MHD_OPTION_CONNECTION_TIMEOUT, (unsigned)60,
	    MHD_OPTION_NOTIFY_COMPLETED, completed, srv, MHD_OPTION_END);
	if (!srv->mhd) {
		close(fd);
		diag_set(d, "libmicrohttpd refused to start");
		return -EIO;
	}
	info = MHD_get_daemon_info(srv->mhd, MHD_DAEMON_INFO_EPOLL_FD);
	if (!info) {
		diag_set(d, "libmicrohttpd has no epoll fd");
		return -EIO;
	}
	srv->w = (struct loop_watch){
		.fd = info->epoll_fd, .events = EPOLLIN, .cb = on_mhd, .ud = srv
	};
	r = loop_add(api->loop, &srv->w);
	if (r < 0)
		diag_set(d, "epoll: %s", strerror(-r));
	return r;
}

static int
unix_socket(const char *path, struct diag *d)
{
	struct sockaddr_un sa = { .sun_family = AF_UNIX };
	int fd;

	if (strlen(path) >= sizeof(sa.sun_path)) {
		diag_set(d, "socket path too long: %s", path);
		return -ENAMETOOLONG;
	}
	strcpy(sa.sun_path, path);
	unlink(path);
	fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (fd < 0)
		return neg_errno();
	if (bind(fd, (struct sockaddr *)&sa, sizeof(sa)) < 0 ||
	    chmod(path, 0660) < 0 || listen(fd, 64) < 0) {
		int r = neg_errno();

		diag_set(d, "%s: %s", path, strerror(errno));
		close(fd);
		return r;
	}
	return fd;
}

static int
tcp_socket(const char *spec, uint16_t *ret_port, struct diag *d)
{
	struct sockaddr_in sa = { .sin_family = AF_INET };
	socklen_t len = sizeof(sa);
	char host[64];
	const char *colon = strrchr(spec, ':');
	char *end;
	long port;
	int fd, one = 1;

	if (!colon || (size_t)(colon - spec) >= sizeof(host)) {
		diag_set(d, "--listen: expected ADDR:PORT, got '%s'", spec);
		return -EINVAL;
	}
	memcpy(host, spec, (size_t)(colon - spec));
	host[colon - spec] = '\0';
	port = strtol(colon + 1, &end, 10);
	if (!colon[1] || *end || port < 0 || port > 65535 ||
	    inet_pton(AF_INET, host, &sa.sin_addr) != 1) {
		diag_set(
		    d, "--listen: expected IPv4-ADDR:PORT, got '%s'", spec);
		return -EINVAL;
	}
	sa.sin_port = htons((uint16_t)port);
	fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (fd < 0)
		return neg_errno();
	setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
	if (bind(fd, (struct sockaddr *)&sa, sizeof(sa)) < 0 ||
	    listen(fd, 64) < 0 ||
	    getsockname(fd, (struct sockaddr *)&sa, &len) < 0) {
		int r = neg_errno();

		diag_set(d, "--listen %s: %s", spec, strerror(errno));
		close(fd);
		return r;
	}
	*ret_port = ntohs(sa.sin_port);
	return fd;
}

int
api_new(struct agent *a, struct loop *loop, const struct api_config *cfg,
    struct api **ret, struct diag *d)
{
	struct api *api;
	int fd, r;

	if (cfg->tcp && (!cfg->token || strlen(cfg->token) < 16)) {
		diag_set(d, "--listen needs a token of at least 16 characters");
		return -EINVAL;
	}
	api = calloc(1, sizeof(*api));
	if (!api)
		return -ENOMEM;
	api->agent = a;
	api->loop = loop;
	api->log = cfg->log;
	if (cfg->unix_path) {
		api->unix_path = mem_strdup(cfg->unix_path);
		fd = unix_socket(cfg->unix_path, d);
		if (fd < 0 || !api->unix_path) {
			api_free(api);
			return fd < 0 ? fd : -ENOMEM;
		}
		r = start_server(api, &api->unix_srv, fd, false, d);
		if (r < 0) {
			api_free(api);
			return r;
		}
	}
	if (cfg->tcp) {
		api->token = mem_strdup(cfg->token);
		fd = tcp_socket(cfg->tcp, &api->tcp_port, d);
		if (fd < 0 || !api->token) {
			api_free(api);
			return fd < 0 ? fd : -ENOMEM;
		}
		r = start_server(api, &api->tcp_srv, fd, true, d);
		if (r < 0) {
			api_free(api);
			return r;
		}
	}
	r = agent_subscribe(a, on_event, api);
	if (r < 0) {
		diag_set(d, "the agent has too many subscribers");
		api_free(api);
		return r;
	}
	api->tick = (struct loop_tick){ .cb = api_tick, .ud = api };
	loop_add_tick(loop, &api->tick);
	*ret = api;
	return 0;
}

uint16_t
api_tcp_port(const struct api *api)
{
	return api->tcp_port;
}

static void
stop_server(struct api *api, struct api_server *srv)
{
	if (!srv->mhd)
		return;
	loop_del(api->loop, &srv->w);
	MHD_stop_daemon(srv->mhd);
	srv->mhd = NULL;
}

struct api *
api_free(struct api *api)
{
	if (!api)
		return NULL;
	while (api->waiters) {
		struct req *rq = api->waiters;

		api->waiters = rq->next_wait;
		MHD_resume_connection(rq->conn);
	}
	if (api->tick.added) {
		loop_del_tick(api->loop, &api->tick);
		agent_unsubscribe(api->agent, on_event, api);
	}
	stop_server(api, &api->unix_srv);
	stop_server(api, &api->tcp_srv);
	if (api->unix_path)
		unlink(api->unix_path);
	free(api->unix_path);
	free(api->token);
	free(api);
	return NULL;
}
