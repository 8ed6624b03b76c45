/* fuzz_uplink_reply.c - libFuzzer target: what the uplink reads from outside: a manager's replies, and the PSI file. */
#include "agent/uplink.h"

#include <assert.h>
#include <stddef.h>
#include <stdint.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct diag d = { 0 };
	struct uplink_reg_reply rr;
	uint64_t ack = 0;
	double psi = -1;
	int r;

	r = uplink_register_reply_parse((const char *)data, size, &rr, &d);
	assert(r == 0 || (r == -EPROTO && d.msg[0]));
	if (r == 0)
		assert(rr.heartbeat_ms >= UPLINK_MIN_HEARTBEAT_MS &&
		    rr.heartbeat_ms <= UPLINK_MAX_HEARTBEAT_MS &&
		    (rr.lease_ms == 0 ||
			(rr.lease_ms >= rr.heartbeat_ms &&
			    rr.lease_ms <= UPLINK_MAX_LEASE_MS)));
	r = uplink_heartbeat_reply_parse((const char *)data, size, &ack, &d);
	assert(r == 0 || (r == -EPROTO && d.msg[0]));
	if (r == 0)
		assert(ack <= (UINT64_C(1) << 53));
	r = uplink_psi_some_avg10((const char *)data, size, &psi);
	assert(r == 0 ? psi >= 0 && psi <= 100 : r == -EINVAL);
	return 0;
}
