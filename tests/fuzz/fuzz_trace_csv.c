/* fuzz_trace_csv.c - libFuzzer target: vmgr's trace CSV (header, rows, samples), then the whole reader. */
#include "fuzz_trace_common.h"

#include "sim/trace_parse.h"

struct ctx {
	bool header;
	struct trace_csv_cols cols;
	struct trace_samples smp;
};

static void
line(void *arg, const char *s, size_t n)
{
	struct ctx *c = arg;
	struct trace_rec rec;
	struct diag d = { 0 };
	int r;

	if (trace_parse_csv_skip(s, n))
		return;
	if (!c->header) {
		r = trace_parse_csv_header(s, n, &c->cols, &d);
		assert(r == 0 || (r == -EINVAL && d.msg[0]));
		c->header = r == 0;
		return;
	}
	r = trace_parse_csv_row(s, n, &c->cols, &rec, &c->smp, &d);
	assert(r == 0 || ((r == -EINVAL || r == -E2BIG) && d.msg[0]));
	if (r < 0)
		return;
	assert(rec.depart_ns >= rec.arrive_ns);
	assert(rec.name[0] && strlen(rec.name) < sizeof(rec.name));
	assert(rec.n_samples == 0 || (rec.cpu_use && rec.step_ns > 0));
	if (rec.n_samples && rec.depart_ns != TRACE_FOREVER)
		assert((rec.depart_ns - rec.arrive_ns) / rec.step_ns >=
		    rec.n_samples);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct ctx c = { 0 };

	fuzz_lines(data, size, line, &c);
	trace_parse_samples_free(&c.smp);
	fuzz_reader("csv", data, size);
	return 0;
}
