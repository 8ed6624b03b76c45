/* fuzz_agent_spec.c - libFuzzer target: the agent's VM spec parser and API error bodies. */
#include "agent/api.h"
#include "agent/spec.h"

#include <assert.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct spec s;
	struct diag d = { 0 };
	json_t *e;
	int r;

	r = spec_parse((const char *)data, size, &s, &d);
	assert(r == 0 || r == -ENOMEM ||
	    ((r == -EINVAL || r == -EMSGSIZE) && d.msg[0]));
	if (r == 0) {
		json_t *j = spec_to_json(&s);
		struct spec again;
		char *txt = j ? json_dumps(j, JSON_COMPACT) : NULL;

		/* What parsed prints and parses back to the same. */
		assert(s.vcpus >= 1 && s.memory_mib >= 16 && s.name[0]);
		if (txt) {
			assert(spec_parse(txt, strlen(txt), &again, &d) == 0);
			assert(again.vcpus == s.vcpus &&
			    again.memory_mib == s.memory_mib &&
			    again.cpu.policy == s.cpu.policy &&
			    strcmp(again.name, s.name) == 0);
			spec_done(&again);
		}
		free(txt);
		json_decref(j);
		spec_done(&s);
	} else {
		e = api_error_body(d.msg);
		assert(e);
		json_decref(e);
	}
	return 0;
}
