/* fuzz_qmp.c - libFuzzer target: QMP messages, alone and as a stream through the client. */
#include "agent/qmp.h"

#include <assert.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void
on_event(void *ud, const struct qmp_msg *m)
{
	(void)ud;
	assert(m->kind == QMP_EVENT && m->event && m->event[0]);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct qmp_msg m;
	struct diag d = { 0 };
	struct qmp *q = NULL;
	int r, sv[2];

	r = qmp_msg_parse((const char *)data, size, &m, &d);
	assert(r == 0 || (r == -EPROTO && d.msg[0]));
	if (r == 0) {
		assert(m.root);
		if (m.kind == QMP_ERROR)
			assert(m.err_class && m.err_desc);
		if (m.kind == QMP_EVENT)
			assert(m.event);
		qmp_msg_done(&m);
	}
	/* The same bytes as a stream: the client must never crash. */
	if (size > 60000 || socketpair(AF_UNIX, SOCK_STREAM, 0, sv) < 0)
		return 0;
	if (write(sv[1], data, size) != (ssize_t)size) {
		close(sv[0]);
		close(sv[1]);
		return 0;
	}
	close(sv[1]);
	if (qmp_new(sv[0], on_event, NULL, &q) == 0) {
		r = qmp_dispatch(q, &d);
		assert(r == -EPIPE || r == -EPROTO || r == 0);
		qmp_free(q);
	}
	return 0;
}
