/* migrate.h - live migration: the request, the target URI and QEMU's query-migrate answer (pure). */
#ifndef AGENT_MIGRATE_H
#define AGENT_MIGRATE_H

#include "core/diag.h"

#include <jansson.h>
#include <stdbool.h>
#include <stdint.h>

#define MIGRATE_URI_MAX 255
#define MIGRATE_MAX_BYTES 4096 /* a request document */
#define MIGRATE_DEFAULT_DOWNTIME_MS 300 /* QEMU's own default */
#define MIGRATE_DEFAULT_TIMEOUT_MS 600000

/* What POST /v1/vms/NAME/migrate asks for (docs/agent.md, "Migration"). */
struct migrate_req {
	char uri[MIGRATE_URI_MAX + 1]; /* "tcp:HOST:PORT" */
	uint32_t max_downtime_ms; /* QEMU downtime-limit, 1..600000 */
	uint32_t max_bandwidth_mibps; /* 0: QEMU's default (128 MiB/s) */
	uint32_t timeout_ms; /* then migrate_cancel: the VM keeps running */
};

/*
 * Checks a migration target: "tcp:HOST:PORT" where HOST is an IPv4
 * address, a host name (letters, digits, '-', '.') or "[IPv6]" and PORT
 * 1-65535; nothing else (no options after a comma). 0, or -EINVAL with
 * "uri: ..." in d.
 */
int migrate_uri_check(const char *uri, struct diag *d);

/*
 * Fills ret from a JSON object {"uri": ..., "max_downtime_ms": N,
 * "max_bandwidth_mibps": N, "timeout_ms": N} (only "uri" required; the
 * others get the defaults above). Unknown keys and bad values are -EINVAL
 * with the JSON path in d. ret untouched on failure.
 */
int
migrate_req_from_json(const json_t *v, struct migrate_req *ret, struct diag *d);

/* The same from text of at most MIGRATE_MAX_BYTES (-EMSGSIZE beyond). */
int migrate_req_parse(
    const char *buf, size_t len, struct migrate_req *ret, struct diag *d);

/* A request with only the URI set and every default. 0 or -EINVAL. */
int migrate_req_init(struct migrate_req *ret, const char *uri, struct diag *d);

/* What query-migrate says, as far as the agent uses it. */
struct migrate_stats {
	char status[32]; /* "setup", "active", "completed", "failed" ... */
	bool has_times;
	uint64_t total_ms, downtime_ms, setup_ms;
	uint64_t transferred_bytes; /* ram.transferred */
	char error[256]; /* error-desc when failed, else "" */
};

/*
 * Reads QEMU's query-migrate return value (a peer's message: validated,
 * never trusted). An object without "status" is status "none" (QEMU's
 * answer before any migration). 0, or -EPROTO with d saying which member
 * was malformed; ret untouched on failure.
 */
int migrate_stats_from_json(
    const json_t *v, struct migrate_stats *ret, struct diag *d);

/* True for a status after which nothing more happens: completed, failed,
 * cancelled. */
bool migrate_status_final(const char *status);

/* Parses a port range "LO-HI" (or one port "P") with 1 <= LO <= HI <=
 * 65535. 0 or -EINVAL. */
int migrate_ports_parse(const char *s, uint16_t *ret_lo, uint16_t *ret_hi);

#endif
