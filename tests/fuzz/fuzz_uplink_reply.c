/* fuzz_uplink_reply.c - libFuzzer target: a manager's replies to registrations and heartbeats. */
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
	return 0;
}
