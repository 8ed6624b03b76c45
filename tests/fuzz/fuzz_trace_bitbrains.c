/* fuzz_trace_bitbrains.c - libFuzzer target: Bitbrains header, rows and resampling on arbitrary bytes. */
#include "fuzz_trace_common.h"

#include "sim/trace_parse.h"

struct ctx {
	uint64_t lines;
	struct trace_bb_vm vm;
};

static void
line(void *arg, const char *s, size_t n)
{
	struct ctx *c = arg;
	struct trace_bb_row row;
	struct diag d = { 0 };
	int r;

	if (c->lines++ == 0) {
		r = trace_parse_bitbrains_header(s, n, &d);
		assert(r == 0 || (r == -EINVAL && d.msg[0]));
		if (r == 0)
			return;
	}
	r = trace_parse_bitbrains_row(s, n, &row, &d);
	assert(r == 0 || (r == -EINVAL && d.msg[0]));
	if (r < 0)
		return;
	assert(
	    row.cpu_pct >= 0 && row.mem_prov_kb >= 0 && row.mem_used_kb >= 0);
	r = trace_parse_bitbrains_add(&c->vm, &row, &d);
	assert(r == 0 || ((r == -EINVAL || r == -E2BIG) && d.msg[0]));
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct ctx c = { 0 };
	struct trace_samples out = { 0 };
	struct trace_rec rec;
	struct diag d = { 0 };
	int r;

	fuzz_lines(data, size, line, &c);
	r = trace_parse_bitbrains_finish(&c.vm, &rec, &out, &d);
	if (r == 0) {
		assert(
		    rec.n_samples >= 1 && rec.n_samples <= TRACE_SAMPLES_MAX);
		assert(rec.depart_ns ==
		    (uint64_t)rec.n_samples * TRACE_BB_STEP_S * TRACE_NS_PER_S);
		assert(
		    rec.demand.v[RES_CPU] >= 0 && rec.demand.v[RES_MEM] >= 0);
		assert(rec.cpu_use && rec.mem_use);
	} else {
		assert(c.vm.n_rows == 0 && r == -EINVAL);
	}
	trace_parse_bitbrains_reset(&c.vm);
	trace_parse_bitbrains_free(&c.vm);
	trace_parse_samples_free(&out);
	return 0;
}
