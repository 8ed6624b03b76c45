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
	uint32_t ms = 0;
	uint64_t ack = 0;
	int r;

	r = uplink_register_reply_parse((const char *)data, size, &ms, &d);
	assert(r == 0 || (r == -EPROTO && d.msg[0]));
	if (r == 0)
		assert(ms >= UPLINK_MIN_HEARTBEAT_MS &&
		    ms <= UPLINK_MAX_HEARTBEAT_MS);
	r = uplink_heartbeat_reply_parse((const char *)data, size, &ack, &d);
	assert(r == 0 || (r == -EPROTO && d.msg[0]));
	if (r == 0)
		assert(ack <= (UINT64_C(1) << 53));
	return 0;
}
