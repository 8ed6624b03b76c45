/* fuzz_power.c - libFuzzer target: the SPECpower curve line parser. */
#include "sim/power.h"

#include <math.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct power_curve p;
	struct diag d = { 0 };
	char *line = malloc(size + 1);

	if (!line)
		return 0;
	memcpy(line, data, size);
	line[size] = '\0';
	if (power_curve_parse(line, &p, &d) == 0) {
		/* A parsed curve is finite and rises: so is every reading. */
		for (int i = 0; i <= 20; i++) {
			double w = power_watts(&p, i / 20.0);

			if (!isfinite(w) || w < p.watts[0] || w > p.watts[10])
				abort();
		}
	} else if (!d.msg[0]) {
		abort();
	}
	free(line);
	return 0;
}
