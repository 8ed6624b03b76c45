/* fuzz_migrate_req.c - libFuzzer target: migrate request bodies, target URIs and QEMU's query-migrate answers. */
#include "agent/migrate.h"

#include <assert.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct migrate_req m;
	struct migrate_stats st;
	struct diag d = { 0 };
	json_t *v;
	char uri[512];
	int r;

	r = migrate_req_parse((const char *)data, size, &m, &d);
	assert(r == 0 || d.msg[0]);
	if (r == 0) {
		assert(migrate_uri_check(m.uri, NULL) == 0);
		assert(m.max_downtime_ms >= 1 && m.timeout_ms >= 1000);
	}
	/* The bytes as a URI. */
	if (size < sizeof(uri)) {
		memcpy(uri, data, size);
		uri[size] = '\0';
		r = migrate_uri_check(uri, &d);
		assert(r == 0 || r == -EINVAL);
	}
	/* The same bytes as QEMU's query-migrate answer. */
	v = json_loadb((const char *)data, size, 0, NULL);
	if (v) {
		r = migrate_stats_from_json(v, &st, &d);
		assert(r == 0 || r == -EPROTO);
		if (r == 0) {
			assert(st.status[0] && strlen(st.status) < 32);
			for (const char *c = st.error; *c; c++)
				assert(*c >= 0x20 && *c < 0x7f);
		}
		json_decref(v);
	}
	return 0;
}
