/* fuzz_scenario.c - libFuzzer target: the scenario parser on arbitrary bytes. */
#include "model/scenario.h"

#include <assert.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct scenario *s = NULL;
	struct diag d = { 0 };
	int r;

	r = scenario_parse((const char *)data, size, &s, &d);
	/* Either a scenario or an error with a message, never both. */
	assert((r == 0) == (s != NULL));
	assert(r == 0 || r == -ENOMEM || (r == -EINVAL && d.msg[0]));
	if (s) {
		/* What parsed must be self-consistent. */
		for (host_id h = 0; h < s->cluster->n_hosts; h++)
			for (int k = 0; k < RES_NDIM; k++)
				assert(
				    cluster_host(s->cluster, h)->alloc.v[k] <=
				    cluster_host(s->cluster, h)->limit.v[k]);
		assert(s->n_arrivals <= s->cluster->n_vms);
	}
	scenario_free(s);
	return 0;
}
