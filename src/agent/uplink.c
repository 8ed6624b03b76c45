/* uplink.c - registration and heartbeats to a manager on libcurl's multi interface; the loop's thread. */
#include "agent/uplink.h"

#include "core/clock.h"
#include "core/jv.h"
#include "core/mem.h"

#include <curl/curl.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/timerfd.h>
#include <time.h>
#include <unistd.h>

#define DEFAULT_TIMEOUT_MS 5000
#define DEFAULT_RETRY_MAX_MS 5000
#define FIRST_RETRY_MS 250

enum req_kind {
	REQ_NONE,
	REQ_REGISTER,
	REQ_HEARTBEAT,
};

/* One socket libcurl asked us to watch. */
struct sockw {
	struct loop_watch w;
	struct uplink *u;
	curl_socket_t fd;
	struct sockw *next;
};

struct uplink {
	struct agent *agent;
	struct loop *loop;
	const struct log *log;
	char *base, *name, *url, *agent_token, *hb_url, *reg_url;
	char *pressure_file;
	uint32_t cpu_milli;
	uint64_t memory_mib;
	uint32_t timeout_ms, retry_max_ms, retry_ms;
	CURLM *multi;
	CURL *easy; /* the request in flight, or NULL */
	enum req_kind kind;
	uint32_t beat_events; /* events carried by the beat in flight */
	struct curl_slist *headers;
	struct sockw *socks;
	int curl_tfd, sched_tfd, lease_tfd;
	struct loop_watch w_curl, w_sched, w_lease;
	uint64_t lease_until_ns; /* 0: no lease held */
	uint64_t next_ns, sent_ns;
	char *reply;
	size_t reply_len;
	bool reply_too_big, warned, subscribed, curl_inited;
	/* Unacknowledged events, oldest first (a ring). */
	json_t *pending[UPLINK_MAX_PENDING];
	uint64_t pending_seq[UPLINK_MAX_PENDING];
	uint32_t p_head, p_len;
	struct uplink_stats st;
};

static uint64_t
mono_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * NS_PER_S + (uint64_t)ts.tv_nsec;
}

/* ---- pure parts ---------------------------------------------------- */

static int
reply_object(const char *buf, size_t len, json_t **ret, struct diag *d)
{
	json_error_t err;
	json_t *v;

	if (len > UPLINK_MAX_REPLY) {
		diag_set(d, "(reply): larger than %u bytes", UPLINK_MAX_REPLY);
		return -EPROTO;
	}
	v = json_loadb(buf, len, JSON_REJECT_DUPLICATES, &err);
	if (!v) {
		diag_set(d, "(reply): not JSON (%d:%d: %s)", err.line,
		    err.column, err.text);
		return -EPROTO;
	}
	if (!json_is_object(v)) {
		json_decref(v);
		diag_set(d, "(reply): must be a JSON object");
		return -EPROTO;
	}
	*ret = v;
	return 0;
}

int
uplink_register_reply_parse(
    const char *buf, size_t len, struct uplink_reg_reply *ret, struct diag *d)
{
	json_t *v;
	int64_t ms, lease = 0;
	bool fenced = false;
	int r = reply_object(buf, len, &v, d);

	if (r < 0)
		return r;
	r = jv_get_int(v, "heartbeat_ms", "", UPLINK_MIN_HEARTBEAT_MS,
	    UPLINK_MAX_HEARTBEAT_MS, &ms, d);
	if (r == -ENOENT)
		diag_set(d, "heartbeat_ms: required in the reply");
	if (r == 0) {
		r = jv_get_int(
		    v, "lease_ms", "", ms, UPLINK_MAX_LEASE_MS, &lease, d);
		if (r == -ENOENT)
			r = 0;
	}
	if (r == 0) {
		r = jv_get_bool(v, "fenced", "", &fenced, d);
		if (r == -ENOENT)
			r = 0;
	}
	json_decref(v);
	if (r < 0)
		return -EPROTO;
	*ret =
	    (struct uplink_reg_reply){ (uint32_t)ms, (uint32_t)lease, fenced };
	return 0;
}

int
uplink_heartbeat_reply_parse(
    const char *buf, size_t len, uint64_t *ret_ack, struct diag *d)
{
	json_t *v;
	int64_t ack;
	int r = reply_object(buf, len, &v, d);

	if (r < 0)
		return r;
	r = jv_get_int(v, "ack", "", 0, INT64_C(1) << 53, &ack, d);
	json_decref(v);
	if (r == -ENOENT)
		diag_set(d, "ack: required in the reply");
	if (r < 0)
		return -EPROTO;
	*ret_ack = (uint64_t)ack;
	return 0;
}

uint64_t
uplink_meminfo_mib(const char *meminfo)
{
	const char *p = meminfo;

	while (p && *p) {
		if (strncmp(p, "MemTotal:", 9) == 0) {
			unsigned long long kib = strtoull(p + 9, NULL, 10);

			return kib / 1024;
		}
		p = strchr(p, '\n');
		if (p)
			p++;
	}
	return 0;
}

json_t *
uplink_register_body(const char *name, const char *url, const char *agent_token,
    uint32_t cpu_milli, uint64_t memory_mib)
{
	return json_pack("{s:s, s:s, s:o, s:I, s:I, s:{}}", "name", name, "url",
	    url, "token", agent_token ? json_string(agent_token) : json_null(),
	    "cpu_milli", (json_int_t)cpu_milli, "memory_mib",
	    (json_int_t)memory_mib, "labels");
}

json_t *
uplink_vm_entry(const json_t *summary)
{
	const char *name = json_string_value(json_object_get(summary, "name"));
	const char *state =
	    json_string_value(json_object_get(summary, "state"));
	const char *hb =
	    json_string_value(json_object_get(summary, "heartbeat"));

	if (!name || !state)
		return NULL;
	return json_pack("{s:s, s:s, s:b, s:b}", "name", name, "state", state,
	    "booted", json_is_true(json_object_get(summary, "booted")),
	    "heartbeat", hb && strcmp(hb, "ok") == 0);
}

/* ---- the event queue ---------------------------------------------- */

static void
pending_drop_front(struct uplink *u)
{
	json_decref(u->pending[u->p_head]);
	u->pending[u->p_head] = NULL;
	u->p_head = (u->p_head + 1) % UPLINK_MAX_PENDING;
	u->p_len--;
}

static void
on_agent_event(void *ud, const struct agent_event *ev)
{
	struct uplink *u = ud;
	json_t *arr = NULL, *rec;
	uint64_t last;

	/* The very record GET /v1/events serves: same JSON, same seq. */
	if (agent_events_since(u->agent, ev->seq - 1, 1, &arr, &last) < 0)
		return;
	rec = json_array_get(arr, 0);
	if (rec) {
		if (u->p_len == UPLINK_MAX_PENDING) {
			pending_drop_front(u);
			if (u->st.dropped++ == 0)
				log_warn(u->log,
				    "manager: %u events unacknowledged; "
				    "dropping the oldest",
				    UPLINK_MAX_PENDING);
		}
		uint32_t i = (u->p_head + u->p_len) % UPLINK_MAX_PENDING;

		u->pending[i] = json_incref(rec);
		u->pending_seq[i] = ev->seq;
		u->p_len++;
	}
	json_decref(arr);
}

/* ---- scheduling ---------------------------------------------------- */

static void
arm(int tfd, uint64_t at_ns)
{
	struct itimerspec its = { { 0, 0 }, { 0, 0 } };

	if (at_ns == 0)
		at_ns = 1; /* 0 would disarm */
	its.it_value.tv_sec = (time_t)(at_ns / NS_PER_S);
	its.it_value.tv_nsec = (long)(at_ns % NS_PER_S);
	timerfd_settime(tfd, TFD_TIMER_ABSTIME, &its, NULL);
}

static void
schedule(struct uplink *u, uint64_t at_ns)
{
	u->next_ns = at_ns;
	arm(u->sched_tfd, at_ns);
}

static size_t
on_body(char *ptr, size_t size, size_t nmemb, void *ud)
{
	struct uplink *u = ud;
	size_t n = size * nmemb;

	if (u->reply_len + n > UPLINK_MAX_REPLY) {
		u->reply_too_big = true;
		return 0; /* aborts the transfer: CURLE_WRITE_ERROR */
	}
	memcpy(u->reply + u->reply_len, ptr, n);
	u->reply_len += n;
	u->reply[u->reply_len] = '\0';
	return n;
}

/* Starts one POST; body consumed. 0 or -errno (nothing in flight). */
static int
post(struct uplink *u, enum req_kind kind, const char *url, json_t *body)
{
	char *txt = body ? json_dumps(body, JSON_COMPACT) : NULL;
	CURL *e;

	json_decref(body);
	if (!txt)
		return -ENOMEM;
	e = curl_easy_init();
	if (!e) {
		free(txt);
		return -ENOMEM;
	}
	u->reply_len = 0;
	u->reply[0] = '\0';
	u->reply_too_big = false;
	if (curl_easy_setopt(e, CURLOPT_URL, url) != CURLE_OK ||
	    curl_easy_setopt(e, CURLOPT_PROTOCOLS_STR, "http,https") !=
		CURLE_OK ||
	    curl_easy_setopt(e, CURLOPT_POSTFIELDSIZE, (long)strlen(txt)) !=
		CURLE_OK ||
	    curl_easy_setopt(e, CURLOPT_COPYPOSTFIELDS, txt) != CURLE_OK ||
	    curl_easy_setopt(e, CURLOPT_HTTPHEADER, u->headers) != CURLE_OK ||
	    curl_easy_setopt(e, CURLOPT_WRITEFUNCTION, on_body) != CURLE_OK ||
	    curl_easy_setopt(e, CURLOPT_WRITEDATA, u) != CURLE_OK ||
	    curl_easy_setopt(e, CURLOPT_NOSIGNAL, 1L) != CURLE_OK ||
	    curl_easy_setopt(e, CURLOPT_TIMEOUT_MS, (long)u->timeout_ms) !=
		CURLE_OK ||
	    curl_easy_setopt(e, CURLOPT_CONNECTTIMEOUT_MS,
		(long)u->timeout_ms) != CURLE_OK ||
	    curl_multi_add_handle(u->multi, e) != CURLM_OK) {
		curl_easy_cleanup(e);
		free(txt);
		return -EIO;
	}
	free(txt);
	u->easy = e;
	u->kind = kind;
	u->sent_ns = mono_ns();
	return 0;
}

int
uplink_psi_some_avg10(const char *buf, size_t len, double *ret)
{
	static const char key[] = "some avg10=";
	size_t k = sizeof(key) - 1;

	for (size_t i = 0; i + k < len; i++) {
		char num[32], *end;
		size_t n = 0;
		double v;

		if ((i > 0 && buf[i - 1] != '\n') || memcmp(buf + i, key, k))
			continue;
		for (i += k; i < len && n < sizeof(num) - 1 &&
		     ((buf[i] >= '0' && buf[i] <= '9') || buf[i] == '.');
		     i++)
			num[n++] = buf[i];
		num[n] = '\0';
		v = strtod(num, &end);
		if (n == 0 || *end || !(v >= 0 && v <= 100))
			return -EINVAL;
		*ret = v;
		return 0;
	}
	return -EINVAL;
}

/* This host's memory pressure, or -1 when the PSI file cannot be read. */
static double
memory_pressure(const struct uplink *u)
{
	char buf[1024];
	ssize_t n;
	double v;
	int fd = open(u->pressure_file, O_RDONLY | O_CLOEXEC);

	if (fd < 0)
		return -1;
	n = read(fd, buf, sizeof(buf));
	close(fd);
	if (n <= 0 || uplink_psi_some_avg10(buf, (size_t)n, &v) < 0)
		return -1;
	return v;
}

static json_t *
heartbeat_body(struct uplink *u)
{
	double pressure = memory_pressure(u);
	json_t *body;
	json_t *vms = NULL, *list = NULL, *evs = json_array(), *v;
	size_t i;

	if (!evs || agent_vm_list(u->agent, &list) < 0 ||
	    !(vms = json_array())) {
		json_decref(evs);
		json_decref(list);
		return NULL;
	}
	json_array_foreach(list, i, v)
	{
		json_t *e = uplink_vm_entry(v);

		if (e)
			json_array_append_new(vms, e);
	}
	json_decref(list);
	u->beat_events = 0;
	for (uint32_t k = 0; k < u->p_len && k < UPLINK_MAX_PER_BEAT; k++) {
		json_array_append(
		    evs, u->pending[(u->p_head + k) % UPLINK_MAX_PENDING]);
		u->beat_events++;
	}
	body = json_pack("{s:I, s:o, s:o}", "seq", (json_int_t)++u->st.seq,
	    "vms", vms, "events", evs);
	if (body && pressure >= 0)
		json_object_set_new(
		    body, "memory_pressure", json_real(pressure));
	return body;
}

/* Starts what is due: a registration or a heartbeat. */
static void
kick(struct uplink *u)
{
	int r;

	if (u->easy || mono_ns() < u->next_ns)
		return;
	if (!u->st.registered) {
		r = post(u, REQ_REGISTER, u->reg_url,
		    uplink_register_body(u->name, u->url, u->agent_token,
			u->cpu_milli, u->memory_mib));
	} else {
		r = post(u, REQ_HEARTBEAT, u->hb_url, heartbeat_body(u));
	}
	if (r < 0) {
		log_warn(u->log, "manager: cannot start a request: %s",
		    strerror(-r));
		schedule(u, mono_ns() + (uint64_t)u->retry_max_ms * NS_PER_MS);
	}
}

/* A failure worth one warning until the next success. */
static void
failure(struct uplink *u, const char *what, CURLcode res, long code,
    const char *detail)
{
	char why[300];

	if (res != CURLE_OK)
		snprintf(why, sizeof(why), "%s", curl_easy_strerror(res));
	else if (code != 200)
		snprintf(why, sizeof(why), "HTTP %ld", code);
	else
		snprintf(why, sizeof(why), "%s", detail);
	if (!u->warned)
		log_warn(u->log, "manager %s: %s failed: %s (retrying)",
		    u->base, what, why);
	else
		log_debug(
		    u->log, "manager %s: %s failed: %s", u->base, what, why);
	u->warned = true;
}

/* The lease runs until from_ns + lease_ms (a request the manager
 * acknowledged was sent at from_ns). */
static void
lease_renew(struct uplink *u, uint64_t from_ns)
{
	if (!u->st.lease_ms)
		return;
	u->lease_until_ns = from_ns + (uint64_t)u->st.lease_ms * NS_PER_MS;
	u->st.lease_held = true;
	arm(u->lease_tfd, u->lease_until_ns);
}

/* The lease is gone: kill what another host may now run. */
static void
lease_lost(struct uplink *u, const char *why)
{
	struct itimerspec off = { { 0, 0 }, { 0, 0 } };
	uint32_t n;

	u->lease_until_ns = 0;
	u->st.lease_held = false;
	timerfd_settime(u->lease_tfd, 0, &off, NULL);
	n = agent_self_fence(u->agent, why);
	if (n) {
		u->st.self_fences++;
		log_warn(u->log, "manager %s: self-fenced %u VM%s: %s", u->base,
		    n, n == 1 ? "" : "s", why);
	}
}

static void
on_lease_tfd(struct loop_watch *w, uint32_t revents)
{
	struct uplink *u = w->ud;
	uint64_t n;
	char why[128];

	(void)revents;
	if (read(u->lease_tfd, &n, sizeof(n)) < 0) {
		/* EAGAIN: re-armed meanwhile. */
	}
	if (!u->lease_until_ns || mono_ns() < u->lease_until_ns)
		return;
	snprintf(why, sizeof(why),
	    "no acknowledgement from the manager for %u ms (the lease)",
	    u->st.lease_ms);
	lease_lost(u, why);
}

static void
register_done(struct uplink *u, CURLcode res, long code)
{
	struct diag d = { 0 };
	struct uplink_reg_reply rr;
	uint64_t now = mono_ns();

	if (res == CURLE_OK && code == 200 &&
	    uplink_register_reply_parse(u->reply, u->reply_len, &rr, &d) == 0) {
		u->st.registered = true;
		u->st.heartbeat_ms = rr.heartbeat_ms;
		u->st.lease_ms = rr.lease_ms;
		u->st.registrations++;
		u->retry_ms = FIRST_RETRY_MS;
		u->warned = false;
		if (rr.fenced)
			lease_lost(
			    u, "the manager had declared this host failed");
		lease_renew(u, u->sent_ns);
		log_info(u->log,
		    "manager %s: registered as %s (heartbeat every %u ms, "
		    "lease %u ms)",
		    u->base, u->name, rr.heartbeat_ms, rr.lease_ms);
		schedule(u, now); /* the first heartbeat at once */
		return;
	}
	u->st.register_failures++;
	failure(u, "registration", res, code, d.msg);
	schedule(u, now + (uint64_t)u->retry_ms * NS_PER_MS);
	u->retry_ms = u->retry_ms * 2 > u->retry_max_ms ? u->retry_max_ms
							: u->retry_ms * 2;
}

static void
heartbeat_done(struct uplink *u, CURLcode res, long code)
{
	struct diag d = { 0 };
	uint64_t ack = 0, period = (uint64_t)u->st.heartbeat_ms * NS_PER_MS;

	if (res == CURLE_OK && code == 404) {
		/* The manager forgot us (declared us dead, or lost its
		 * store): what we run may be restarted elsewhere, so the
		 * lease is gone; register again; the events wait. */
		u->st.registered = false;
		u->st.forgotten++;
		lease_lost(u, "the manager does not know this host");
		log_info(u->log,
		    "manager %s: host %s unknown; registering again", u->base,
		    u->name);
		schedule(u, mono_ns());
		return;
	}
	if (res == CURLE_OK && code == 200 &&
	    uplink_heartbeat_reply_parse(u->reply, u->reply_len, &ack, &d) ==
		0) {
		u->st.heartbeats_ok++;
		u->warned = false;
		lease_renew(u, u->sent_ns);
		while (u->p_len && u->pending_seq[u->p_head] <= ack)
			pending_drop_front(u);
		if (ack > u->st.acked)
			u->st.acked = ack;
		/* A backlog beyond one beat goes out at once. */
		if (u->beat_events == UPLINK_MAX_PER_BEAT && u->p_len &&
		    u->pending_seq[u->p_head] > ack) {
			schedule(u, mono_ns());
			return;
		}
		schedule(u, u->sent_ns + period);
		return;
	}
	u->st.heartbeat_failures++;
	failure(u, "heartbeat", res, code, d.msg);
	schedule(u, u->sent_ns + period);
}

static void
check_done(struct uplink *u)
{
	CURLMsg *msg;
	int left;

	while ((msg = curl_multi_info_read(u->multi, &left))) {
		CURL *e = msg->easy_handle;
		CURLcode res = msg->data.result;
		enum req_kind kind = u->kind;
		long code = 0;

		if (msg->msg != CURLMSG_DONE)
			continue;
		curl_easy_getinfo(e, CURLINFO_RESPONSE_CODE, &code);
		curl_multi_remove_handle(u->multi, e);
		curl_easy_cleanup(e);
		if (e != u->easy)
			continue;
		u->easy = NULL;
		u->kind = REQ_NONE;
		if (res == CURLE_WRITE_ERROR && u->reply_too_big)
			res = CURLE_FILESIZE_EXCEEDED;
		if (kind == REQ_REGISTER)
			register_done(u, res, code);
		else
			heartbeat_done(u, res, code);
	}
	kick(u);
}

/* ---- libcurl on the loop -------------------------------------------- */

static void
on_sock(struct loop_watch *w, uint32_t revents)
{
	struct sockw *sw = w->ud;
	struct uplink *u = sw->u;
	int flags = 0, running;

	if (revents & EPOLLIN)
		flags |= CURL_CSELECT_IN;
	if (revents & EPOLLOUT)
		flags |= CURL_CSELECT_OUT;
	if (revents & (EPOLLERR | EPOLLHUP))
		flags |= CURL_CSELECT_ERR;
	/* May free sw (CURL_POLL_REMOVE): it is not touched after. */
	curl_multi_socket_action(u->multi, sw->fd, flags, &running);
	check_done(u);
}

static int
on_curl_socket(CURL *e, curl_socket_t s, int what, void *userp, void *socketp)
{
	struct uplink *u = userp;
	struct sockw *sw = socketp;
	uint32_t ev = 0;

	(void)e;
	if (what == CURL_POLL_REMOVE) {
		if (sw) {
			loop_del(u->loop, &sw->w);
			for (struct sockw **p = &u->socks; *p;
			     p = &(*p)->next) {
				if (*p == sw) {
					*p = sw->next;
					break;
				}
			}
			curl_multi_assign(u->multi, s, NULL);
			free(sw);
		}
		return 0;
	}
	if (what & CURL_POLL_IN)
		ev |= EPOLLIN;
	if (what & CURL_POLL_OUT)
		ev |= EPOLLOUT;
	if (!sw) {
		sw = calloc(1, sizeof(*sw));
		if (!sw)
			return -1;
		sw->u = u;
		sw->fd = s;
		sw->w = (struct loop_watch){
			.fd = s, .events = ev, .cb = on_sock, .ud = sw
		};
		if (loop_add(u->loop, &sw->w) < 0) {
			free(sw);
			return -1;
		}
		sw->next = u->socks;
		u->socks = sw;
		curl_multi_assign(u->multi, s, sw);
		return 0;
	}
	return loop_mod(u->loop, &sw->w, ev) < 0 ? -1 : 0;
}

static int
on_curl_timer(CURLM *m, long timeout_ms, void *userp)
{
	struct uplink *u = userp;
	struct itimerspec its = { { 0, 0 }, { 0, 0 } };

	(void)m;
	if (timeout_ms >= 0)
		arm(u->curl_tfd, mono_ns() + (uint64_t)timeout_ms * NS_PER_MS);
	else
		timerfd_settime(u->curl_tfd, 0, &its, NULL);
	return 0;
}

static void
on_curl_tfd(struct loop_watch *w, uint32_t revents)
{
	struct uplink *u = w->ud;
	uint64_t n;
	int running;

	(void)revents;
	if (read(u->curl_tfd, &n, sizeof(n)) < 0) {
		/* EAGAIN: re-armed meanwhile; nothing to read. */
	}
	curl_multi_socket_action(u->multi, CURL_SOCKET_TIMEOUT, 0, &running);
	check_done(u);
}

static void
on_sched_tfd(struct loop_watch *w, uint32_t revents)
{
	struct uplink *u = w->ud;
	uint64_t n;

	(void)revents;
	if (read(u->sched_tfd, &n, sizeof(n)) < 0) {
		/* EAGAIN: re-armed meanwhile. */
	}
	kick(u);
}

/* ---- setup ---------------------------------------------------------- */

static char *
read_small(const char *path)
{
	FILE *f = fopen(path, "re");
	char *buf = malloc(65536);
	size_t n = 0;

	if (f && buf)
		n = fread(buf, 1, 65535, f);
	if (f)
		fclose(f);
	if (buf)
		buf[n] = '\0';
	return buf;
}

static int
check_config(const struct uplink_config *cfg, struct diag *d)
{
	const char *n = cfg->host_name;

	if (!cfg->manager_url ||
	    (strncmp(cfg->manager_url, "http://", 7) &&
		strncmp(cfg->manager_url, "https://", 8))) {
		diag_set(d, "--manager: must be an http:// or https:// URL");
		return -EINVAL;
	}
	if (strlen(cfg->manager_url) > 512) {
		diag_set(d, "--manager: longer than 512 bytes");
		return -EINVAL;
	}
	if (!cfg->manager_token || !cfg->manager_token[0]) {
		diag_set(d, "--manager-token-file: a token is required");
		return -EINVAL;
	}
	for (const char *c = cfg->manager_token; *c; c++) {
		if ((unsigned char)*c <= 0x20 || (unsigned char)*c >= 0x7f) {
			diag_set(d,
			    "--manager-token-file: the token must be "
			    "printable ASCII without spaces");
			return -EINVAL;
		}
	}
	if (!n || !n[0] || strlen(n) > UPLINK_HOST_NAME_MAX) {
		diag_set(
		    d, "--host-name: 1 to %d characters", UPLINK_HOST_NAME_MAX);
		return -EINVAL;
	}
	for (const char *c = n; *c; c++) {
		if (!((*c >= 'a' && *c <= 'z') || (*c >= 'A' && *c <= 'Z') ||
			(*c >= '0' && *c <= '9') || *c == '-' || *c == '_' ||
			(*c == '.' && c != n))) {
			diag_set(d,
			    "--host-name: letters, digits, '-', '_' or '.' "
			    "(not first), got \"%s\"",
			    n);
			return -EINVAL;
		}
	}
	if (!cfg->advertise_url || !cfg->advertise_url[0] ||
	    strlen(cfg->advertise_url) > 512) {
		diag_set(d,
		    "--advertise: the URL where the manager reaches this "
		    "agent's API is required");
		return -EINVAL;
	}
	return 0;
}

int
uplink_new(struct agent *a, struct loop *loop, const struct uplink_config *cfg,
    struct uplink **ret, struct diag *d)
{
	struct uplink *u;
	char *auth = NULL;
	size_t blen;
	int r;

	if ((r = check_config(cfg, d)) < 0)
		return r;
	u = calloc(1, sizeof(*u));
	if (!u)
		return -ENOMEM;
	u->agent = a;
	u->loop = loop;
	u->log = cfg->log;
	u->curl_tfd = u->sched_tfd = u->lease_tfd = -1;
	u->timeout_ms = cfg->request_timeout_ms ? cfg->request_timeout_ms
						: DEFAULT_TIMEOUT_MS;
	u->retry_max_ms =
	    cfg->retry_max_ms ? cfg->retry_max_ms : DEFAULT_RETRY_MAX_MS;
	u->retry_ms = FIRST_RETRY_MS;
	u->base = mem_strdup(cfg->manager_url);
	u->name = mem_strdup(cfg->host_name);
	u->url = mem_strdup(cfg->advertise_url);
	u->agent_token = cfg->agent_token ? mem_strdup(cfg->agent_token) : NULL;
	u->pressure_file = mem_strdup(
	    cfg->pressure_file ? cfg->pressure_file : "/proc/pressure/memory");
	u->reply = malloc(UPLINK_MAX_REPLY + 1);
	if (!u->base || !u->name || !u->url || !u->reply || !u->pressure_file ||
	    (cfg->agent_token && !u->agent_token))
		goto nomem;
	blen = strlen(u->base);
	while (blen && u->base[blen - 1] == '/')
		u->base[--blen] = '\0';
	if (asprintf(&u->reg_url, "%s/v1/hosts/register", u->base) < 0) {
		u->reg_url = NULL;
		goto nomem;
	}
	if (asprintf(&u->hb_url, "%s/v1/hosts/%s/heartbeat", u->base, u->name) <
	    0) {
		u->hb_url = NULL;
		goto nomem;
	}
	u->cpu_milli = cfg->cpu_milli;
	if (!u->cpu_milli) {
		long n = sysconf(_SC_NPROCESSORS_ONLN);

		u->cpu_milli = (uint32_t)(n > 0 ? n : 1) * 1000u;
	}
	u->memory_mib = cfg->memory_mib;
	if (!u->memory_mib) {
		char *mi = read_small("/proc/meminfo");

		u->memory_mib = mi ? uplink_meminfo_mib(mi) : 0;
		free(mi);
	}
	if (curl_global_init(CURL_GLOBAL_DEFAULT) != CURLE_OK) {
		diag_set(d, "libcurl: cannot initialise");
		uplink_free(u);
		return -EIO;
	}
	u->curl_inited = true;
	if (asprintf(&auth, "Authorization: Bearer %s", cfg->manager_token) < 0)
		goto nomem;
	u->headers = curl_slist_append(NULL, auth);
	free(auth);
	if (!u->headers ||
	    !curl_slist_append(u->headers, "Content-Type: application/json") ||
	    !curl_slist_append(u->headers, "Expect:"))
		goto nomem;
	u->multi = curl_multi_init();
	if (!u->multi)
		goto nomem;
	curl_multi_setopt(u->multi, CURLMOPT_SOCKETFUNCTION, on_curl_socket);
	curl_multi_setopt(u->multi, CURLMOPT_SOCKETDATA, u);
	curl_multi_setopt(u->multi, CURLMOPT_TIMERFUNCTION, on_curl_timer);
	curl_multi_setopt(u->multi, CURLMOPT_TIMERDATA, u);
	curl_multi_setopt(u->multi, CURLMOPT_MAX_TOTAL_CONNECTIONS, 2L);
	u->curl_tfd =
	    timerfd_create(CLOCK_MONOTONIC, TFD_NONBLOCK | TFD_CLOEXEC);
	u->sched_tfd =
	    timerfd_create(CLOCK_MONOTONIC, TFD_NONBLOCK | TFD_CLOEXEC);
	u->lease_tfd =
	    timerfd_create(CLOCK_MONOTONIC, TFD_NONBLOCK | TFD_CLOEXEC);
	if (u->curl_tfd < 0 || u->sched_tfd < 0 || u->lease_tfd < 0) {
		r = neg_errno();
		diag_set(d, "timerfd: %s", strerror(errno));
		uplink_free(u);
		return r;
	}
	u->w_curl = (struct loop_watch){
		.fd = u->curl_tfd, .events = EPOLLIN, .cb = on_curl_tfd, .ud = u
	};
	u->w_sched = (struct loop_watch){ .fd = u->sched_tfd,
		.events = EPOLLIN,
		.cb = on_sched_tfd,
		.ud = u };
	u->w_lease = (struct loop_watch){ .fd = u->lease_tfd,
		.events = EPOLLIN,
		.cb = on_lease_tfd,
		.ud = u };
	if ((r = loop_add(loop, &u->w_curl)) < 0 ||
	    (r = loop_add(loop, &u->w_sched)) < 0 ||
	    (r = loop_add(loop, &u->w_lease)) < 0) {
		diag_set(d, "epoll: %s", strerror(-r));
		uplink_free(u);
		return r;
	}
	r = agent_subscribe(a, on_agent_event, u);
	if (r < 0) {
		diag_set(d, "the agent has too many subscribers");
		uplink_free(u);
		return r;
	}
	u->subscribed = true;
	schedule(u, mono_ns());
	*ret = u;
	return 0;
nomem:
	uplink_free(u);
	return -ENOMEM;
}

struct uplink *
uplink_free(struct uplink *u)
{
	if (!u)
		return NULL;
	if (u->subscribed)
		agent_unsubscribe(u->agent, on_agent_event, u);
	if (u->easy) {
		curl_multi_remove_handle(u->multi, u->easy);
		curl_easy_cleanup(u->easy);
	}
	if (u->multi) {
		/* Our socket list frees the watches; no callbacks now. */
		curl_multi_setopt(u->multi, CURLMOPT_SOCKETFUNCTION, NULL);
		curl_multi_setopt(u->multi, CURLMOPT_TIMERFUNCTION, NULL);
		curl_multi_cleanup(u->multi);
	}
	while (u->socks) {
		struct sockw *sw = u->socks;

		u->socks = sw->next;
		loop_del(u->loop, &sw->w);
		free(sw);
	}
	loop_del(u->loop, &u->w_curl);
	loop_del(u->loop, &u->w_sched);
	loop_del(u->loop, &u->w_lease);
	if (u->lease_tfd >= 0)
		close(u->lease_tfd);
	if (u->curl_tfd >= 0)
		close(u->curl_tfd);
	if (u->sched_tfd >= 0)
		close(u->sched_tfd);
	curl_slist_free_all(u->headers);
	if (u->curl_inited)
		curl_global_cleanup();
	while (u->p_len)
		pending_drop_front(u);
	free(u->base);
	free(u->name);
	free(u->url);
	free(u->agent_token);
	free(u->pressure_file);
	free(u->reg_url);
	free(u->hb_url);
	free(u->reply);
	free(u);
	return NULL;
}

int
uplink_flush(struct uplink *u, uint32_t timeout_ms)
{
	uint64_t deadline = mono_ns() + (uint64_t)timeout_ms * NS_PER_MS;

	if (u->st.registered && u->p_len && !u->easy)
		schedule(u, mono_ns());
	while (
	    mono_ns() < deadline && (u->easy || (u->st.registered && u->p_len)))
		loop_run_once(u->loop, 20);
	return u->p_len ? -ETIMEDOUT : 0;
}

void
uplink_get_stats(const struct uplink *u, struct uplink_stats *ret)
{
	*ret = u->st;
	ret->pending = u->p_len;
}
