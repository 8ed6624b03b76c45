/* qmp.h - a small QMP client: greeting, capabilities, commands, async events. */
#ifndef AGENT_QMP_H
#define AGENT_QMP_H

#include "core/diag.h"

#include <jansson.h>
#include <stdint.h>

/* Hard limits on what a peer can make us hold. */
#define QMP_MAX_MSG (1u << 20) /* bytes in one message */
#define QMP_MAX_QUEUED 256 /* events waiting for qmp_dispatch */

enum qmp_kind {
	QMP_GREETING,
	QMP_RETURN,
	QMP_ERROR,
	QMP_EVENT,
};

/*
 * One message from QEMU. `root` is owned; the other pointers borrow from it.
 * For QMP_RETURN `ret` is the "return" value; for QMP_ERROR `err_class` and
 * `err_desc` are set; for QMP_EVENT `event` and `data` (may be NULL) and the
 * timestamp. `id` is the command id echoed back, or -1.
 */
struct qmp_msg {
	enum qmp_kind kind;
	json_t *root;
	const json_t *ret;
	const char *err_class, *err_desc;
	const char *event;
	const json_t *data;
	int64_t id;
	uint64_t ts_us;
};

/*
 * Parses one message (without its line terminator). 0 and *ret filled (the
 * caller then owns ret->root: qmp_msg_done), or -EPROTO with d saying what
 * was wrong: not JSON, not an object, no known member, a member of the wrong
 * type. *ret untouched on failure.
 */
int
qmp_msg_parse(const char *buf, size_t len, struct qmp_msg *ret, struct diag *d);

/* Releases m->root (NULL-safe on a zeroed message). */
void qmp_msg_done(struct qmp_msg *m);

struct qmp;

/* Called for every event, from qmp_dispatch only (never inside
 * qmp_execute), so the callback may itself call qmp_execute. */
typedef void (*qmp_event_fn)(void *ud, const struct qmp_msg *ev);

/* A client on a connected stream socket; takes ownership of fd (closed by
 * qmp_free, also on failure) and makes it non-blocking. 0, -ENOMEM. */
int qmp_new(int fd, qmp_event_fn cb, void *ud, struct qmp **ret);

/* Closes the socket and drops queued events. NULL-safe; returns NULL. */
struct qmp *qmp_free(struct qmp *q);

/* The socket, for a loop watch (readable: call qmp_dispatch). */
int qmp_fd(const struct qmp *q);

/*
 * Reads the greeting and negotiates capabilities, waiting at most
 * timeout_ms. 0; -ETIMEDOUT; -EPIPE when the peer closed; -EPROTO on a
 * malformed or unexpected message; -EREMOTEIO when QEMU refused. d says why.
 */
int qmp_handshake(struct qmp *q, int timeout_ms, struct diag *d);

/*
 * Runs one command (args may be NULL; borrowed) and waits at most timeout_ms
 * for its answer; events that arrive meanwhile are queued for qmp_dispatch.
 * 0 and *ret_return (owned by the caller; may be NULL to discard), or
 * -ETIMEDOUT, -EPIPE, -EPROTO, -EREMOTEIO (QEMU answered with an error:
 * "Class: description" in d), -ENOMEM.
 */
int qmp_execute(struct qmp *q, const char *cmd, json_t *args, int timeout_ms,
    json_t **ret_return, struct diag *d);

/*
 * Delivers queued events, then reads whatever is available without
 * blocking and delivers its events. 0 (nothing more now), -EPIPE (peer
 * closed), -EPROTO (malformed message: the connection should be dropped;
 * d says why), -errno from read.
 */
int qmp_dispatch(struct qmp *q, struct diag *d);

#endif
