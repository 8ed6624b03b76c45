/* migrate.c - migration request, URI and query-migrate parsing (pure: no I/O). */
#include "agent/migrate.h"

#include "core/jv.h"

#include <arpa/inet.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static bool
host_char(char c)
{
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
	    (c >= '0' && c <= '9') || c == '-' || c == '.';
}

int
migrate_uri_check(const char *uri, struct diag *d)
{
	const char *host, *colon, *p;
	char buf[MIGRATE_URI_MAX + 1];
	size_t hlen;
	unsigned long port;
	char *end;

	if (strncmp(uri, "tcp:", 4) != 0)
		goto bad;
	host = uri + 4;
	colon = strrchr(host, ':');
	if (!colon || colon == host)
		goto bad;
	hlen = (size_t)(colon - host);
	if (hlen >= sizeof(buf))
		goto bad;
	if (host[0] == '[') {
		struct in6_addr a6;

		if (hlen < 3 || host[hlen - 1] != ']')
			goto bad;
		memcpy(buf, host + 1, hlen - 2);
		buf[hlen - 2] = '\0';
		if (inet_pton(AF_INET6, buf, &a6) != 1)
			goto bad;
	} else {
		for (p = host; p < colon; p++)
			if (!host_char(*p))
				goto bad;
		if (host[0] == '-' || host[0] == '.')
			goto bad;
	}
	p = colon + 1;
	if (*p < '0' || *p > '9')
		goto bad;
	port = strtoul(p, &end, 10);
	if (*end || port < 1 || port > 65535)
		goto bad;
	return 0;
bad:
	diag_set(d,
	    "uri: must be tcp:HOST:PORT (an incoming VM's incoming_uri), "
	    "got \"%.80s\"",
	    uri);
	return -EINVAL;
}

int
migrate_req_init(struct migrate_req *ret, const char *uri, struct diag *d)
{
	struct migrate_req m = {
		.max_downtime_ms = MIGRATE_DEFAULT_DOWNTIME_MS,
		.timeout_ms = MIGRATE_DEFAULT_TIMEOUT_MS,
	};
	int r;

	if (strlen(uri) > MIGRATE_URI_MAX) {
		diag_set(d, "uri: longer than %d bytes", MIGRATE_URI_MAX);
		return -EINVAL;
	}
	r = migrate_uri_check(uri, d);
	if (r < 0)
		return r;
	snprintf(m.uri, sizeof(m.uri), "%s", uri);
	*ret = m;
	return 0;
}

static int
opt_u32(const json_t *v, const char *key, int64_t min, int64_t max,
    uint32_t *ret, struct diag *d)
{
	int64_t x;
	int r = jv_get_int(v, key, "", min, max, &x, d);

	if (r == -ENOENT)
		return 0;
	if (r < 0)
		return r;
	*ret = (uint32_t)x;
	return 0;
}

int
migrate_req_from_json(const json_t *v, struct migrate_req *ret, struct diag *d)
{
	static const char *const keys[] = { "uri", "max_downtime_ms",
		"max_bandwidth_mibps", "timeout_ms", NULL };
	struct migrate_req m;
	const char *uri;
	int r;

	if ((r = jv_expect_object(v, "", d)) < 0 ||
	    (r = jv_check_keys(v, "", keys, d)) < 0)
		return r;
	r = jv_get_str(v, "uri", "", MIGRATE_URI_MAX, &uri, d);
	if (r == -ENOENT) {
		diag_set(d, "uri: required (the target's incoming_uri)");
		return -EINVAL;
	}
	if (r < 0)
		return r;
	if ((r = migrate_req_init(&m, uri, d)) < 0)
		return r;
	if ((r = opt_u32(
		 v, "max_downtime_ms", 1, 600000, &m.max_downtime_ms, d)) < 0 ||
	    (r = opt_u32(v, "max_bandwidth_mibps", 1, 1 << 20,
		 &m.max_bandwidth_mibps, d)) < 0 ||
	    (r = opt_u32(v, "timeout_ms", 1000, 86400000, &m.timeout_ms, d)) <
		0)
		return r;
	*ret = m;
	return 0;
}

int
migrate_req_parse(
    const char *buf, size_t len, struct migrate_req *ret, struct diag *d)
{
	json_t *v;
	int r;

	if (len > MIGRATE_MAX_BYTES) {
		diag_set(d, "(body): larger than %u bytes", MIGRATE_MAX_BYTES);
		return -EMSGSIZE;
	}
	r = jv_parse(buf, len, &v, d);
	if (r < 0)
		return r;
	r = migrate_req_from_json(v, ret, d);
	json_decref(v);
	return r;
}

/* A non-negative integer member; absent: 0 and *present false. */
static int
stat_u64(const json_t *o, const char *key, const char *path, uint64_t *ret,
    bool *present, struct diag *d)
{
	const json_t *x = json_object_get(o, key);

	if (present)
		*present = x != NULL;
	if (!x) {
		*ret = 0;
		return 0;
	}
	if (!json_is_integer(x) || json_integer_value(x) < 0) {
		diag_set(d,
		    "query-migrate: %s%s%s is not a non-negative integer", path,
		    path[0] ? "." : "", key);
		return -EPROTO;
	}
	*ret = (uint64_t)json_integer_value(x);
	return 0;
}

int
migrate_stats_from_json(
    const json_t *v, struct migrate_stats *ret, struct diag *d)
{
	struct migrate_stats s = { .status = "none" };
	const json_t *x, *ram;
	bool has_total = false;
	int r;

	if (!json_is_object(v)) {
		diag_set(d, "query-migrate: the answer is not an object");
		return -EPROTO;
	}
	if ((x = json_object_get(v, "status"))) {
		const char *st = json_string_value(x);

		if (!st || !st[0] || strlen(st) >= sizeof(s.status)) {
			diag_set(d,
			    "query-migrate: status is not a short "
			    "string");
			return -EPROTO;
		}
		for (const char *c = st; *c; c++) {
			if (!((*c >= 'a' && *c <= 'z') || *c == '-')) {
				diag_set(d,
				    "query-migrate: status has characters "
				    "outside a-z and '-'");
				return -EPROTO;
			}
		}
		snprintf(s.status, sizeof(s.status), "%s", st);
	}
	if ((r = stat_u64(v, "total-time", "", &s.total_ms, &has_total, d)) <
		0 ||
	    (r = stat_u64(v, "downtime", "", &s.downtime_ms, NULL, d)) < 0 ||
	    (r = stat_u64(v, "setup-time", "", &s.setup_ms, NULL, d)) < 0)
		return r;
	s.has_times = has_total;
	if ((ram = json_object_get(v, "ram"))) {
		if (!json_is_object(ram)) {
			diag_set(d, "query-migrate: ram is not an object");
			return -EPROTO;
		}
		if ((r = stat_u64(ram, "transferred", "ram",
			 &s.transferred_bytes, NULL, d)) < 0)
			return r;
	}
	if ((x = json_object_get(v, "error-desc"))) {
		if (!json_is_string(x)) {
			diag_set(
			    d, "query-migrate: error-desc is not a string");
			return -EPROTO;
		}
		snprintf(s.error, sizeof(s.error), "%s", json_string_value(x));
		/* It goes into events and logs: printable ASCII only. */
		for (char *c = s.error; *c; c++)
			if ((unsigned char)*c < 0x20 ||
			    (unsigned char)*c >= 0x7f)
				*c = '?';
	}
	*ret = s;
	return 0;
}

bool
migrate_status_final(const char *status)
{
	return strcmp(status, "completed") == 0 ||
	    strcmp(status, "failed") == 0 || strcmp(status, "cancelled") == 0;
}

int
migrate_ports_parse(const char *s, uint16_t *ret_lo, uint16_t *ret_hi)
{
	unsigned long lo, hi;
	char *end;

	if (*s < '0' || *s > '9')
		return -EINVAL;
	lo = strtoul(s, &end, 10);
	hi = lo;
	if (*end == '-') {
		if (end[1] < '0' || end[1] > '9')
			return -EINVAL;
		hi = strtoul(end + 1, &end, 10);
	}
	if (*end || lo < 1 || hi > 65535 || lo > hi)
		return -EINVAL;
	*ret_lo = (uint16_t)lo;
	*ret_hi = (uint16_t)hi;
	return 0;
}
