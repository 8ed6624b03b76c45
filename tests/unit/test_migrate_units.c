/* test_migrate_units.c - the pure parts of live migration and of the manager link: requests, URIs, query-migrate, replies, bodies. */
#include "agent/migrate.h"
#include "agent/qemu.h"
#include "agent/spec.h"
#include "agent/uplink.h"
#include "tap.h"

#include <string.h>

static void
req_err(const char *json, const char *want)
{
	struct migrate_req m;
	struct diag d = { 0 };
	int r = migrate_req_parse(json, strlen(json), &m, &d);

	ok(r < 0 && strstr(d.msg, want), "refused: %s -> %s", json, d.msg);
}

static void
test_request(void)
{
	const char *full = "{\"uri\":\"tcp:10.0.0.2:49152\","
			   "\"max_downtime_ms\":100,\"max_bandwidth_mibps\":"
			   "512,\"timeout_ms\":30000}";
	const char *min = "{\"uri\":\"tcp:[::1]:5000\"}";
	struct migrate_req m;
	struct diag d = { 0 };
	int r;

	r = migrate_req_parse(full, strlen(full), &m, &d);
	is_int(r, 0, "a full request parses (%s)", d.msg);
	ok(strcmp(m.uri, "tcp:10.0.0.2:49152") == 0 &&
		m.max_downtime_ms == 100 && m.max_bandwidth_mibps == 512 &&
		m.timeout_ms == 30000,
	    "every field is read");
	r = migrate_req_parse(min, strlen(min), &m, &d);
	ok(r == 0 && m.max_downtime_ms == MIGRATE_DEFAULT_DOWNTIME_MS &&
		m.max_bandwidth_mibps == 0 &&
		m.timeout_ms == MIGRATE_DEFAULT_TIMEOUT_MS,
	    "defaults (%s)", d.msg);
	req_err("{}", "uri: required");
	req_err("{\"uri\":5}", "uri: must be");
	req_err("{\"uri\":\"unix:/tmp/x\"}", "uri: must be tcp:HOST:PORT");
	req_err("{\"uri\":\"tcp:host\"}", "uri: must be tcp:HOST:PORT");
	req_err("{\"uri\":\"tcp::80\"}", "uri: must be tcp:HOST:PORT");
	req_err("{\"uri\":\"tcp:a:0\"}", "uri: must be tcp:HOST:PORT");
	req_err("{\"uri\":\"tcp:a:65536\"}", "uri: must be tcp:HOST:PORT");
	req_err("{\"uri\":\"tcp:a:80,ipv4\"}", "uri: must be tcp:HOST:PORT");
	req_err("{\"uri\":\"tcp:a b:80\"}", "uri: must be tcp:HOST:PORT");
	req_err("{\"uri\":\"tcp:[zz]:80\"}", "uri: must be tcp:HOST:PORT");
	req_err("{\"uri\":\"tcp:-x:80\"}", "uri: must be tcp:HOST:PORT");
	req_err("{\"uri\":\"tcp:a:80\",\"max_downtime_ms\":0}",
	    "max_downtime_ms: must be");
	req_err("{\"uri\":\"tcp:a:80\",\"timeout_ms\":10}", "timeout_ms");
	req_err("{\"uri\":\"tcp:a:80\",\"speed\":1}", "speed: unknown key");
	req_err("[1]", "must be an object");
	req_err("{\"uri\":", "1:");
	{
		char big[MIGRATE_MAX_BYTES + 10];

		memset(big, ' ', sizeof(big));
		r = migrate_req_parse(big, sizeof(big), &m, &d);
		is_int(r, -EMSGSIZE, "a request over the limit: -EMSGSIZE");
	}
	is_int(migrate_uri_check("tcp:host-1.example:1", NULL), 0,
	    "a host name is a target");
	is_int(
	    migrate_req_init(&m, "tcp:127.0.0.1:2", &d), 0, "migrate_req_init");
}

static void
stats(const char *json, int want, const char *status, const char *what)
{
	struct migrate_stats s;
	struct diag d = { 0 };
	json_t *v = json_loads(json, 0, NULL);
	int r = migrate_stats_from_json(v, &s, &d);

	ok(r == want && (r < 0 || strcmp(s.status, status) == 0),
	    "%s: %d %s %s", what, r, r == 0 ? s.status : "", d.msg);
	json_decref(v);
}

static void
test_stats(void)
{
	const char *done =
	    "{\"status\":\"completed\",\"setup-time\":1,\"downtime\":31,"
	    "\"total-time\":535,\"ram\":{\"transferred\":94162238,"
	    "\"remaining\":0}}";
	struct migrate_stats s;
	struct diag d = { 0 };
	json_t *v = json_loads(done, 0, NULL);

	is_int(migrate_stats_from_json(v, &s, &d), 0, "completed parses");
	ok(s.has_times && s.total_ms == 535 && s.downtime_ms == 31 &&
		s.setup_ms == 1 && s.transferred_bytes == 94162238 &&
		strcmp(s.status, "completed") == 0 && !s.error[0],
	    "its figures");
	json_decref(v);
	v = json_loads("{\"status\":\"failed\",\"error-desc\":\"Failed to "
		       "connect\\n\"}",
	    0, NULL);
	ok(migrate_stats_from_json(v, &s, &d) == 0 &&
		strcmp(s.error, "Failed to connect?") == 0,
	    "failed with its reason, control characters replaced");
	json_decref(v);
	stats("{}", 0, "none", "no migration yet: none");
	stats("{\"status\":\"active\",\"ram\":{}}", 0, "active", "active");
	stats("[]", -EPROTO, "", "not an object");
	stats("{\"status\":5}", -EPROTO, "", "status not a string");
	stats("{\"status\":\"ACTIVE\"}", -EPROTO, "", "odd characters");
	stats("{\"status\":\"active\",\"total-time\":-1}", -EPROTO, "",
	    "negative time");
	stats("{\"status\":\"active\",\"ram\":[]}", -EPROTO, "",
	    "ram not an object");
	stats("{\"status\":\"failed\",\"error-desc\":1}", -EPROTO, "",
	    "error-desc not a string");
	ok(migrate_status_final("completed") &&
		migrate_status_final("failed") &&
		migrate_status_final("cancelled") &&
		!migrate_status_final("active") &&
		!migrate_status_final("cancelling"),
	    "final states");
}

static void
test_ports(void)
{
	uint16_t lo = 0, hi = 0;

	ok(migrate_ports_parse("49152-49215", &lo, &hi) == 0 && lo == 49152 &&
		hi == 49215,
	    "a port range");
	ok(migrate_ports_parse("5000", &lo, &hi) == 0 && lo == 5000 &&
		hi == 5000,
	    "one port");
	ok(migrate_ports_parse("0-10", &lo, &hi) < 0 &&
		migrate_ports_parse("10-5", &lo, &hi) < 0 &&
		migrate_ports_parse("1-70000", &lo, &hi) < 0 &&
		migrate_ports_parse("a", &lo, &hi) < 0 &&
		migrate_ports_parse("1-", &lo, &hi) < 0,
	    "bad ranges refused");
}

static void
test_incoming_argv(void)
{
	const char *js = "{\"name\":\"t\",\"vcpus\":1,\"memory_mib\":64,"
			 "\"kernel\":\"/k\",\"incoming\":true}";
	struct qemu_opts o = { .binary = "qemu-system-x86_64",
		.accel = ACCEL_TCG,
		.incoming = true };
	struct qemu_args a = { 0 };
	struct diag d = { 0 };
	struct spec s;
	bool incoming = false, defer = false, paused = false;
	json_t *j;

	is_int(spec_parse(js, strlen(js), &s, &d), 0, "incoming spec parses");
	ok(s.incoming, "incoming is read");
	j = spec_to_json(&s);
	ok(json_is_true(json_object_get(j, "incoming")), "and written");
	json_decref(j);
	is_int(qemu_argv_build(&s, &o, 3, 4, &a), 0, "argv");
	for (uint32_t i = 0; i < a.n; i++) {
		if (strcmp(a.v[i], "-incoming") == 0) {
			incoming = true;
			defer = i + 1 < a.n && strcmp(a.v[i + 1], "defer") == 0;
		}
		if (strcmp(a.v[i], "-S") == 0)
			paused = true;
	}
	ok(incoming && defer && !paused,
	    "an incoming VM gets -incoming defer and no -S");
	qemu_args_done(&a);
	spec_done(&s);
	js = "{\"name\":\"t\",\"vcpus\":1,\"memory_mib\":64,\"incoming\":1}";
	ok(spec_parse(js, strlen(js), &s, &d) < 0 &&
		strstr(d.msg, "incoming: must be"),
	    "incoming must be a boolean (%s)", d.msg);
}

static void
reply_case(bool reg, const char *txt, int want, uint64_t value)
{
	struct diag d = { 0 };
	struct uplink_reg_reply rr = { 0 };
	uint64_t ack = 0;
	int r;

	if (reg)
		r = uplink_register_reply_parse(txt, strlen(txt), &rr, &d);
	else
		r = uplink_heartbeat_reply_parse(txt, strlen(txt), &ack, &d);
	ok(r == want && (r < 0 || (reg ? rr.heartbeat_ms : ack) == value),
	    "%s reply %s -> %d %s", reg ? "register" : "heartbeat", txt, r,
	    d.msg);
}

static void
test_uplink(void)
{
	json_t *b, *sum, *e;
	char *txt;

	reply_case(true, "{\"heartbeat_ms\":1000}", 0, 1000);
	reply_case(true, "{\"heartbeat_ms\":200,\"extra\":[1]}", 0, 200);
	reply_case(true, "{}", -EPROTO, 0);
	reply_case(true, "{\"heartbeat_ms\":5}", -EPROTO, 0);
	reply_case(true, "{\"heartbeat_ms\":\"1000\"}", -EPROTO, 0);
	reply_case(true, "[]", -EPROTO, 0);
	reply_case(true, "not json", -EPROTO, 0);
	reply_case(true, "", -EPROTO, 0);
	reply_case(true, "{\"heartbeat_ms\":250,\"lease_ms\":2000}", 0, 250);
	reply_case(true, "{\"heartbeat_ms\":250,\"lease_ms\":100}", -EPROTO,
	    0); /* a lease shorter than the heartbeat period */
	reply_case(true, "{\"heartbeat_ms\":250,\"fenced\":1}", -EPROTO, 0);
	{
		struct uplink_reg_reply rr;
		struct diag d = { 0 };
		const char *t =
		    "{\"heartbeat_ms\":250,\"lease_ms\":2000,\"fenced\":true}";

		ok(uplink_register_reply_parse(t, strlen(t), &rr, &d) == 0 &&
			rr.heartbeat_ms == 250 && rr.lease_ms == 2000 &&
			rr.fenced,
		    "register reply with lease and fenced");
		t = "{\"heartbeat_ms\":250}";
		ok(uplink_register_reply_parse(t, strlen(t), &rr, &d) == 0 &&
			rr.lease_ms == 0 && !rr.fenced,
		    "no lease, not fenced by default");
	}
	reply_case(false, "{\"ack\":42}", 0, 42);
	reply_case(false, "{\"ack\":0}", 0, 0);
	reply_case(false, "{\"ack\":-1}", -EPROTO, 0);
	reply_case(false, "{\"ack\":1.5}", -EPROTO, 0);
	reply_case(false, "{\"ok\":true}", -EPROTO, 0);
	reply_case(false, "{\"ack\":1,\"ack\":2}", -EPROTO, 0);
	is_int(uplink_meminfo_mib("MemFree: 1 kB\nMemTotal:       24684136 "
				  "kB\nSwap: 0 kB\n"),
	    24105, "MemTotal in MiB");
	is_int(uplink_meminfo_mib("nothing\n"), 0, "no MemTotal: 0");
	{
		static const char psi[] =
		    "some avg10=42.50 avg60=10.00 avg300=1.00 total=99\n"
		    "full avg10=7.00 avg60=1.00 avg300=0.00 total=9\n";
		static const char *const bad[] = { "",
			"full avg10=7.00 avg60=1.00\n",
			"some avg10=abc avg60=1.00\n", "some avg10=101.0 x\n",
			"some avg10=1.2.3 x\n", "xsome avg10=5.00\n" };
		double v = -1;

		int r = uplink_psi_some_avg10(psi, strlen(psi), &v);

		ok(r == 0 && v == 42.5, "PSI: some avg10 read (%.2f)", v);
		v = -1;
		ok(uplink_psi_some_avg10(psi + 50, strlen(psi) - 50, &v) ==
			-EINVAL,
		    "PSI: only the full line: -EINVAL");
		for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
			ok(uplink_psi_some_avg10(bad[i], strlen(bad[i]), &v) ==
				-EINVAL,
			    "PSI: bad text %zu refused", i);
	}
	b = uplink_register_body(
	    "h1", "http://10.0.0.1:8470", NULL, 2000, 24105);
	txt = json_dumps(b, JSON_COMPACT | JSON_SORT_KEYS);
	is_str(txt,
	    "{\"cpu_milli\":2000,\"labels\":{},\"memory_mib\":24105,"
	    "\"name\":\"h1\",\"token\":null,\"url\":\"http://10.0.0.1:8470\"}",
	    "the registration body");
	free(txt);
	json_decref(b);
	b = uplink_register_body("h1", "u", "tok", 1000, 1);
	is_str(json_string_value(json_object_get(b, "token")), "tok",
	    "the agent's token when it has one");
	json_decref(b);
	sum = json_pack("{s:s, s:s, s:b, s:s, s:i}", "name", "a", "state",
	    "running", "booted", 1, "heartbeat", "ok", "pid", 5);
	e = uplink_vm_entry(sum);
	txt = json_dumps(e, JSON_COMPACT | JSON_SORT_KEYS);
	is_str(txt,
	    "{\"booted\":true,\"heartbeat\":true,\"name\":\"a\",\"state\":"
	    "\"running\"}",
	    "a heartbeat's VM entry");
	free(txt);
	json_decref(e);
	json_object_set_new(sum, "heartbeat", json_string("lost"));
	e = uplink_vm_entry(sum);
	ok(json_is_false(json_object_get(e, "heartbeat")),
	    "a lost heartbeat is false");
	json_decref(e);
	json_object_del(sum, "state");
	ok(uplink_vm_entry(sum) == NULL, "a summary without state: NULL");
	json_decref(sum);
}

int
main(void)
{
	test_request();
	test_stats();
	test_ports();
	test_incoming_argv();
	test_uplink();
	return tap_done();
}
