/* test_qmp.c - the QMP client against a fake QEMU on a socketpair, malformed messages included. */
#include "agent/qmp.h"
#include "tap.h"

#include <errno.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

struct seen {
	char names[16][32];
	int n;
};

static void
on_event(void *ud, const struct qmp_msg *m)
{
	struct seen *s = ud;

	if (s->n < 16)
		snprintf(s->names[s->n++], sizeof(s->names[0]), "%s", m->event);
}

static struct qmp *
client(int *peer, struct seen *s)
{
	int sv[2];
	struct qmp *q = NULL;

	if (socketpair(AF_UNIX, SOCK_STREAM, 0, sv) < 0)
		return NULL;
	*peer = sv[1];
	if (qmp_new(sv[0], on_event, s, &q) < 0)
		return NULL;
	return q;
}

static void
say(int fd, const char *s)
{
	if (write(fd, s, strlen(s)) != (ssize_t)strlen(s))
		printf("# short write\n");
}

static void
heard(int fd, char *buf, size_t n)
{
	ssize_t r = read(fd, buf, n - 1);

	buf[r > 0 ? r : 0] = '\0';
}

static const char greeting[] =
    "{\"QMP\": {\"version\": {\"qemu\": {\"micro\": 22, \"minor\": 2, "
    "\"major\": 7}, \"package\": \"\"}, \"capabilities\": [\"oob\"]}}\r\n";

static void
test_session(void)
{
	struct seen s = { 0 };
	struct diag d = { 0 };
	char buf[512];
	json_t *ret = NULL;
	int peer, r;
	struct qmp *q = client(&peer, &s);

	say(peer, greeting);
	say(peer, "{\"return\": {}, \"id\": 0}\r\n");
	r = qmp_handshake(q, 1000, &d);
	is_int(r, 0, "handshake: greeting then capabilities (%s)", d.msg);
	heard(peer, buf, sizeof(buf));
	ok(strstr(buf, "\"execute\":\"qmp_capabilities\"") != NULL,
	    "the client sent qmp_capabilities: %s", buf);

	/* An event arrives before the answer; a late answer is ignored. */
	say(peer,
	    "{\"timestamp\": {\"seconds\": 1, \"microseconds\": 5}, "
	    "\"event\": \"STOP\"}\r\n");
	say(peer, "{\"return\": {}, \"id\": 77}\r\n");
	say(peer, "{\"return\": [{\"thread-id\": 42}], \"id\": 1}\r\n");
	r = qmp_execute(q, "query-cpus-fast", NULL, 1000, &ret, &d);
	is_int(r, 0, "execute returns the answer with its id");
	ok(json_is_array(ret) &&
		json_integer_value(
		    json_object_get(json_array_get(ret, 0), "thread-id")) == 42,
	    "the return value is handed over");
	json_decref(ret);
	is_int(s.n, 0, "events are not delivered inside execute");
	r = qmp_dispatch(q, &d);
	is_int(r, 0, "dispatch: nothing more to read");
	ok(s.n == 1 && strcmp(s.names[0], "STOP") == 0,
	    "dispatch delivers the queued STOP event");

	/* QEMU refuses a command. */
	say(peer,
	    "{\"error\": {\"class\": \"GenericError\", \"desc\": "
	    "\"nope\"}, \"id\": 2}\n");
	r = qmp_execute(q, "bogus", NULL, 1000, NULL, &d);
	is_int(r, -EREMOTEIO, "an error answer is -EREMOTEIO");
	is_str(d.msg, "GenericError: nope", "with class and description");

	/* An event split over two writes arrives once, when complete. */
	say(peer, "{\"event\": \"GUEST_PAN");
	r = qmp_dispatch(q, &d);
	ok(r == 0 && s.n == 1, "half an event is kept back");
	say(peer, "ICKED\", \"data\": {\"action\": \"pause\"}}\n\n");
	r = qmp_dispatch(q, &d);
	ok(r == 0 && s.n == 2 && strcmp(s.names[1], "GUEST_PANICKED") == 0,
	    "the completed event is delivered (blank lines tolerated)");

	/* Silence and then a closed peer. */
	r = qmp_execute(q, "query-status", NULL, 50, NULL, &d);
	is_int(r, -ETIMEDOUT, "a silent peer times out");
	close(peer);
	r = qmp_dispatch(q, &d);
	is_int(r, -EPIPE, "a closed peer is -EPIPE on dispatch (%s)", d.msg);
	r = qmp_execute(q, "query-status", NULL, 100, NULL, &d);
	ok(r == -EPIPE, "and on execute (got %d)", r);
	qmp_free(q);
}

static void
test_malformed(void)
{
	static const char *const bad[] = {
		"not json\n",
		"[1, 2]\n",
		"{\"foo\": 1}\n",
		"{\"event\": 5}\n",
		"{\"event\": \"\"}\n",
		"{\"event\": \"X\", \"data\": [1]}\n",
		"{\"event\": \"X\", \"timestamp\": {\"seconds\": \"a\"}}\n",
		"{\"return\": {}, \"id\": -1}\n",
		"{\"return\": {}, \"id\": \"x\"}\n",
		"{\"error\": \"x\"}\n",
		"{\"error\": {\"class\": 1, \"desc\": \"d\"}}\n",
		"{\"QMP\": 1}\n",
		"{\"a\": 1, \"a\": 2}\n",
		"\"just a string\"\n",
	};

	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		struct seen s = { 0 };
		struct diag d = { 0 };
		int peer, r;
		struct qmp *q = client(&peer, &s);

		say(peer, bad[i]);
		r = qmp_dispatch(q, &d);
		ok(r == -EPROTO && strstr(d.msg, "malformed QMP"),
		    "malformed %zu is -EPROTO: %s", i, d.msg);
		qmp_free(q);
		close(peer);
	}
	{
		struct seen s = { 0 };
		struct diag d = { 0 };
		int peer, r = 0;
		struct qmp *q = client(&peer, &s);
		char chunk[65536];

		/* A message longer than the limit, without a newline. */
		memset(chunk, 'x', sizeof(chunk));
		for (int i = 0; i < 20 && r == 0; i++) {
			say(peer, "");
			if (write(peer, chunk, sizeof(chunk)) < 0)
				break;
			r = qmp_dispatch(q, &d);
		}
		is_int(r, -EPROTO, "an endless line is -EPROTO: %s", d.msg);
		qmp_free(q);
		close(peer);
	}
	{
		struct seen s = { 0 };
		struct diag d = { 0 };
		int peer;
		struct qmp *q = client(&peer, &s);

		say(peer, "{\"return\": {}}\n");
		is_int(qmp_handshake(q, 500, &d), -EPROTO,
		    "a handshake without a greeting is -EPROTO");
		qmp_free(q);
		close(peer);
	}
	{
		struct qmp_msg m;
		struct diag d = { 0 };
		const char *ev = "{\"event\":\"WATCHDOG\",\"data\":{\"action\":"
				 "\"reset\"},\"timestamp\":{\"seconds\":2,"
				 "\"microseconds\":3}}";

		is_int(qmp_msg_parse(ev, strlen(ev), &m, &d), 0,
		    "parse a WATCHDOG event");
		ok(m.kind == QMP_EVENT && strcmp(m.event, "WATCHDOG") == 0 &&
			m.ts_us == 2000003 &&
			strcmp(json_string_value(
				   json_object_get(m.data, "action")),
			    "reset") == 0,
		    "with its data and timestamp");
		qmp_msg_done(&m);
	}
}

int
main(void)
{
	test_session();
	test_malformed();
	return tap_done();
}
