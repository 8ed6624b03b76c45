/* fuzz_trace_alibaba.c - libFuzzer target: Alibaba pod and node lists (parsers, then the whole pod reader). */
#include "fuzz_trace_common.h"

#include "sim/trace_parse.h"

struct ctx {
	uint64_t lines;
	bool pods_ok, nodes_ok;
	struct trace_ali_cols pods, nodes;
};

static void
line(void *arg, const char *s, size_t n)
{
	struct ctx *c = arg;
	struct trace_ali_pod p;
	struct diag d = { 0 };
	struct res cap;
	int r;

	if (c->lines++ == 0) {
		r = trace_parse_alibaba_header(s, n, &c->pods, &d);
		assert(r == 0 || (r == -EINVAL && d.msg[0]));
		c->pods_ok = r == 0;
		r = trace_parse_alibaba_node_header(s, n, &c->nodes, &d);
		assert(r == 0 || (r == -EINVAL && d.msg[0]));
		c->nodes_ok = r == 0;
		return;
	}
	if (c->pods_ok) {
		r = trace_parse_alibaba_pod(s, n, &c->pods, &p, &d);
		assert(r == 0 || (r == -EINVAL && d.msg[0]));
		if (r == 0) {
			assert(p.name[0] && p.delete_ns >= p.create_ns);
			assert(p.priority >= 0 && p.priority <= 3);
			assert(p.demand.v[RES_CPU] >= 0 &&
			    p.demand.v[RES_MEM] >= 0);
		}
	}
	if (c->nodes_ok) {
		r = trace_parse_alibaba_node(s, n, &c->nodes, &cap, &d);
		assert(r == 0 || (r == -EINVAL && d.msg[0]));
		if (r == 0)
			assert(cap.v[RES_CPU] >= 0 && cap.v[RES_MEM] >= 0);
	}
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct ctx c = { 0 };

	fuzz_lines(data, size, line, &c);
	fuzz_reader("alibaba", data, size);
	return 0;
}
