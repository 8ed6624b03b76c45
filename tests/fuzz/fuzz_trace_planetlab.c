/* fuzz_trace_planetlab.c - libFuzzer target: the PlanetLab sample parser on every line of arbitrary bytes. */
#include "fuzz_trace_common.h"

#include "sim/trace_parse.h"

static void
line(void *arg, const char *s, size_t n)
{
	uint64_t *count = arg;
	struct diag d = { 0 };
	uint16_t pct = 999;
	struct res dem;
	int r;

	r = trace_parse_planetlab_line(s, n, &pct, &d);
	if (r == 0) {
		assert(pct <= 100);
	} else {
		assert(r == -EINVAL);
		assert(strncmp(d.msg, "expected an integer CPU percentage",
			   34) == 0);
	}
	trace_parse_planetlab_demand((*count)++, &dem);
	assert(dem.v[RES_CPU] >= 500 && dem.v[RES_MEM] >= 613);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	uint64_t count = 0;

	fuzz_lines(data, size, line, &count);
	return 0;
}
