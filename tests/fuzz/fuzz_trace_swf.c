/* fuzz_trace_swf.c - libFuzzer target: SWF lines and jobs, then the whole SWF reader, on arbitrary bytes. */
#include "fuzz_trace_common.h"

#include "sim/trace_parse.h"

static void
line(void *arg, const char *s, size_t n)
{
	double f[TRACE_SWF_FIELDS];
	struct trace_rec rec;
	struct diag d = { 0 };
	const char *why = NULL;
	int r;

	(void)arg;
	r = trace_parse_swf_line(s, n, f, &d);
	assert(r == 0 || r == 1 || (r == -EINVAL && d.msg[0]));
	if (r != 1)
		return;
	r = trace_parse_swf_job(f, &rec, &why, &d);
	assert(r == 1 || (r == 0 && why) || (r == -EINVAL && d.msg[0]));
	if (r == 1) {
		assert(rec.depart_ns >= rec.arrive_ns);
		assert(rec.demand.v[RES_CPU] >= 1000);
		assert(rec.demand.v[RES_MEM] >= 0 &&
		    rec.demand.v[RES_MEM] <= RES_VALUE_MAX);
	}
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	fuzz_lines(data, size, line, NULL);
	fuzz_reader("swf", data, size);
	return 0;
}
