/* qmp.c - QMP client over a non-blocking socket; single-threaded, owned by one VM. */
#include "agent/qmp.h"

#include "core/clock.h"
#include "core/error.h"
#include "core/jv.h"

#include <fcntl.h>
#include <poll.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

struct qmp {
	int fd;
	qmp_event_fn cb;
	void *ud;
	char *rx; /* unparsed bytes */
	size_t rx_len, rx_cap;
	int64_t next_id;
	struct qmp_msg queue[QMP_MAX_QUEUED];
	uint32_t q_head, q_len;
	uint64_t dropped;
};

static int
protocol(struct diag *d, const char *what)
{
	diag_set(d, "malformed QMP message: %s", what);
	return -EPROTO;
}

int
qmp_msg_parse(const char *buf, size_t len, struct qmp_msg *ret, struct diag *d)
{
	struct qmp_msg m = { .id = -1 };
	json_error_t err;
	json_t *v, *x;

	if (len > QMP_MAX_MSG)
		return protocol(d, "longer than the limit");
	m.root = json_loadb(buf, len, JSON_REJECT_DUPLICATES, &err);
	if (!m.root) {
		diag_set(d, "malformed QMP message: not JSON (%d:%d: %s)",
		    err.line, err.column, err.text);
		return -EPROTO;
	}
	if (!json_is_object(m.root)) {
		json_decref(m.root);
		return protocol(d, "not an object");
	}
	if ((x = json_object_get(m.root, "id"))) {
		if (!json_is_integer(x) || json_integer_value(x) < 0) {
			json_decref(m.root);
			return protocol(d, "id is not a non-negative integer");
		}
		m.id = json_integer_value(x);
	}
	if ((v = json_object_get(m.root, "QMP"))) {
		if (!json_is_object(v) ||
		    !json_is_object(json_object_get(v, "version"))) {
			json_decref(m.root);
			return protocol(d, "greeting without a version object");
		}
		m.kind = QMP_GREETING;
	} else if ((v = json_object_get(m.root, "return"))) {
		m.kind = QMP_RETURN;
		m.ret = v;
	} else if ((v = json_object_get(m.root, "error"))) {
		const json_t *c = json_object_get(v, "class");
		const json_t *s = json_object_get(v, "desc");

		if (!json_is_object(v) || !json_is_string(c) ||
		    !json_is_string(s)) {
			json_decref(m.root);
			return protocol(
			    d, "error without class and desc strings");
		}
		m.kind = QMP_ERROR;
		m.err_class = json_string_value(c);
		m.err_desc = json_string_value(s);
	} else if ((v = json_object_get(m.root, "event"))) {
		const json_t *ts = json_object_get(m.root, "timestamp");
		const json_t *data = json_object_get(m.root, "data");

		if (!json_is_string(v) || json_string_value(v)[0] == '\0') {
			json_decref(m.root);
			return protocol(d, "event name is not a string");
		}
		if (data && !json_is_object(data)) {
			json_decref(m.root);
			return protocol(d, "event data is not an object");
		}
		m.kind = QMP_EVENT;
		m.event = json_string_value(v);
		m.data = data;
		if (ts) {
			const json_t *s = json_object_get(ts, "seconds");
			const json_t *us = json_object_get(ts, "microseconds");

			if (!json_is_object(ts) || !json_is_integer(s) ||
			    !json_is_integer(us) || json_integer_value(s) < 0 ||
			    json_integer_value(us) < 0) {
				json_decref(m.root);
				return protocol(d, "event timestamp malformed");
			}
			/* -1/-1 is QEMU's "no time"; large values saturate. */
			if (json_integer_value(s) < INT64_C(1) << 40)
				m.ts_us =
				    (uint64_t)json_integer_value(s) * 1000000u +
				    (uint64_t)(json_integer_value(us) %
					1000000);
		}
	} else {
		json_decref(m.root);
		return protocol(d, "neither greeting, return, error nor event");
	}
	*ret = m;
	return 0;
}

void
qmp_msg_done(struct qmp_msg *m)
{
	if (m && m->root) {
		json_decref(m->root);
		m->root = NULL;
	}
}

int
qmp_new(int fd, qmp_event_fn cb, void *ud, struct qmp **ret)
{
	struct qmp *q = calloc(1, sizeof(*q));
	int fl;

	if (!q) {
		close(fd);
		return -ENOMEM;
	}
	q->fd = fd;
	q->cb = cb;
	q->ud = ud;
	fl = fcntl(fd, F_GETFL);
	if (fl >= 0)
		fcntl(fd, F_SETFL, fl | O_NONBLOCK);
	*ret = q;
	return 0;
}

struct qmp *
qmp_free(struct qmp *q)
{
	if (!q)
		return NULL;
	if (q->fd >= 0)
		close(q->fd);
	while (q->q_len) {
		qmp_msg_done(&q->queue[q->q_head]);
		q->q_head = (q->q_head + 1) % QMP_MAX_QUEUED;
		q->q_len--;
	}
	free(q->rx);
	free(q);
	return NULL;
}

int
qmp_fd(const struct qmp *q)
{
	return q->fd;
}

static uint64_t
now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * NS_PER_S + (uint64_t)ts.tv_nsec;
}

static int
ms_left(uint64_t deadline_ns)
{
	uint64_t t = now_ns();

	if (t >= deadline_ns)
		return 0;
	return (int)((deadline_ns - t + NS_PER_MS - 1) / NS_PER_MS);
}

/* Reads what is available into rx. 1 got bytes, 0 nothing, -EPIPE, -errno. */
static int
fill(struct qmp *q, struct diag *d)
{
	ssize_t n;

	if (q->rx_cap - q->rx_len < 4096) {
		size_t cap = q->rx_cap ? q->rx_cap * 2 : 8192;
		char *p;

		if (cap > QMP_MAX_MSG + 8192)
			cap = QMP_MAX_MSG + 8192;
		if (cap - q->rx_len == 0)
			return protocol(d, "longer than the limit");
		p = realloc(q->rx, cap);
		if (!p)
			return -ENOMEM;
		q->rx = p;
		q->rx_cap = cap;
	}
	n = read(q->fd, q->rx + q->rx_len, q->rx_cap - q->rx_len);
	if (n < 0 && (errno == EAGAIN || errno == EINTR))
		return 0;
	if (n < 0 && errno != ECONNRESET)
		return neg_errno();
	if (n <= 0) {
		diag_set(d, "QMP peer closed the connection");
		return -EPIPE;
	}
	q->rx_len += (size_t)n;
	return 1;
}

/* Takes one complete line from rx. 1 and *ret, 0 when none, -EPROTO. */
static int
next_msg(struct qmp *q, struct qmp_msg *ret, struct diag *d)
{
	for (;;) {
		char *nl = q->rx_len ? memchr(q->rx, '\n', q->rx_len) : NULL;
		size_t len, skip;
		int r;

		if (!nl) {
			if (q->rx_len > QMP_MAX_MSG)
				return protocol(d, "longer than the limit");
			return 0;
		}
		len = (size_t)(nl - q->rx);
		skip = len + 1;
		if (len && q->rx[len - 1] == '\r')
			len--;
		if (len == 0) { /* blank line: tolerated */
			memmove(q->rx, q->rx + skip, q->rx_len - skip);
			q->rx_len -= skip;
			continue;
		}
		r = qmp_msg_parse(q->rx, len, ret, d);
		memmove(q->rx, q->rx + skip, q->rx_len - skip);
		q->rx_len -= skip;
		return r < 0 ? r : 1;
	}
}

static void
enqueue(struct qmp *q, struct qmp_msg *m)
{
	if (q->q_len == QMP_MAX_QUEUED) {
		qmp_msg_done(&q->queue[q->q_head]);
		q->q_head = (q->q_head + 1) % QMP_MAX_QUEUED;
		q->q_len--;
		q->dropped++;
	}
	q->queue[(q->q_head + q->q_len) % QMP_MAX_QUEUED] = *m;
	q->q_len++;
}

/* Waits for the next message until the deadline. 0 and *ret, -errno. */
static int
wait_msg(
    struct qmp *q, uint64_t deadline_ns, struct qmp_msg *ret, struct diag *d)
{
	for (;;) {
		struct pollfd p = { .fd = q->fd, .events = POLLIN };
		int r = next_msg(q, ret, d);

		if (r < 0)
			return r;
		if (r > 0)
			return 0;
		r = fill(q, d);
		if (r < 0)
			return r;
		if (r > 0)
			continue;
		r = poll(&p, 1, ms_left(deadline_ns));
		if (r < 0 && errno != EINTR)
			return neg_errno();
		if (r == 0) {
			diag_set(d, "QMP peer silent");
			return -ETIMEDOUT;
		}
	}
}

static int
send_all(struct qmp *q, const char *buf, size_t len, uint64_t deadline_ns,
    struct diag *d)
{
	while (len) {
		ssize_t n = send(q->fd, buf, len, MSG_NOSIGNAL);

		if (n < 0 && (errno == EAGAIN || errno == EINTR)) {
			struct pollfd p = { .fd = q->fd, .events = POLLOUT };

			if (poll(&p, 1, ms_left(deadline_ns)) == 0) {
				diag_set(d, "QMP peer does not read");
				return -ETIMEDOUT;
			}
			continue;
		}
		if (n < 0) {
			diag_set(d, "QMP write: %s", strerror(errno));
			return errno == EPIPE ? -EPIPE : neg_errno();
		}
		buf += n;
		len -= (size_t)n;
	}
	return 0;
}

int
qmp_execute(struct qmp *q, const char *cmd, json_t *args, int timeout_ms,
    json_t **ret_return, struct diag *d)
{
	uint64_t deadline = now_ns() + (uint64_t)timeout_ms * NS_PER_MS;
	int64_t id = q->next_id++;
	json_t *req;
	char *txt;
	int r;

	req = json_pack("{s:s, s:I}", "execute", cmd, "id", (json_int_t)id);
	if (!req)
		return -ENOMEM;
	if (args && json_object_set(req, "arguments", args) < 0) {
		json_decref(req);
		return -ENOMEM;
	}
	txt = json_dumps(req, JSON_COMPACT);
	json_decref(req);
	if (!txt)
		return -ENOMEM;
	r = send_all(q, txt, strlen(txt), deadline, d);
	if (r == 0)
		r = send_all(q, "\n", 1, deadline, d);
	free(txt);
	if (r < 0)
		return r;
	for (;;) {
		struct qmp_msg m;

		r = wait_msg(q, deadline, &m, d);
		if (r < 0)
			return r;
		if (m.kind == QMP_EVENT) {
			enqueue(q, &m);
			continue;
		}
		if (m.id != id) {
			/* A late answer to a command that timed out, or a
			 * stray greeting: not ours. */
			qmp_msg_done(&m);
			continue;
		}
		if (m.kind == QMP_ERROR) {
			diag_set(d, "%s: %s", m.err_class, m.err_desc);
			qmp_msg_done(&m);
			return -EREMOTEIO;
		}
		if (ret_return)
			*ret_return = json_incref((json_t *)m.ret);
		qmp_msg_done(&m);
		return 0;
	}
}

int
qmp_handshake(struct qmp *q, int timeout_ms, struct diag *d)
{
	uint64_t deadline = now_ns() + (uint64_t)timeout_ms * NS_PER_MS;
	struct qmp_msg m;
	int r;

	r = wait_msg(q, deadline, &m, d);
	if (r < 0)
		return r;
	if (m.kind != QMP_GREETING) {
		qmp_msg_done(&m);
		return protocol(d, "expected the greeting first");
	}
	qmp_msg_done(&m);
	return qmp_execute(
	    q, "qmp_capabilities", NULL, ms_left(deadline) + 1, NULL, d);
}

int
qmp_dispatch(struct qmp *q, struct diag *d)
{
	for (;;) {
		struct qmp_msg m;
		int r;

		while (q->q_len) {
			m = q->queue[q->q_head];
			q->q_head = (q->q_head + 1) % QMP_MAX_QUEUED;
			q->q_len--;
			if (q->cb)
				q->cb(q->ud, &m);
			qmp_msg_done(&m);
		}
		r = next_msg(q, &m, d);
		if (r < 0)
			return r;
		if (r > 0) {
			if (m.kind == QMP_EVENT)
				enqueue(q, &m);
			else
				qmp_msg_done(&m); /* late answer */
			continue;
		}
		r = fill(q, d);
		if (r <= 0)
			return r;
	}
}
