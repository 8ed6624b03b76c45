/* fuzz_trace_azure.c - libFuzzer target: Azure flavour map, interval map, flavour and duration lines, lifetimes. */
#include "fuzz_trace_common.h"

#include "sim/trace_parse.h"

#include <stdlib.h>

/*
 * Each input line starts with a letter choosing its parser: "F" a
 * flav_map.txt line, "I" a v1.interval_map.txt line, "S" a flavour
 * sequence line, "D" the duration line for the last "S" line.
 */
struct ctx {
	struct trace_azure_flavours flav;
	struct trace_azure_bins *bins;
	struct trace_azure_line line;
	bool have_line;
	struct rng rng;
};

static void
check_durs(struct ctx *c)
{
	for (uint32_t k = 0; k < c->line.n; k++) {
		const struct trace_azure_item *it = &c->line.items[k];
		uint64_t left = k % 2 ? UINT64_MAX : (uint64_t)k * 300;
		uint64_t lo, ns;

		if (it->bound)
			continue;
		assert(it->bin <= c->bins->n_bins);
		ns =
		    trace_parse_azure_lifetime(c->bins, it->bin, left, &c->rng);
		lo = c->bins->lo_s[it->bin < c->bins->n_bins ? it->bin
							     : c->bins->n_bins];
		assert(ns >= lo * TRACE_NS_PER_S);
		if (it->bin + 1 <= c->bins->n_bins && it->bin < c->bins->n_bins)
			assert(
			    ns < c->bins->lo_s[it->bin + 1] * TRACE_NS_PER_S ||
			    ns == lo * TRACE_NS_PER_S);
	}
}

static void
line(void *arg, const char *s, size_t n)
{
	struct ctx *c = arg;
	struct diag d = { 0 };
	int r;

	if (n < 1)
		return;
	switch (s[0]) {
	case 'F':
		r = trace_parse_azure_flavour(s + 1, n - 1, &c->flav, &d);
		assert(r == 0 || ((r == -EINVAL || r == -EEXIST) && d.msg[0]));
		break;
	case 'I':
		r = trace_parse_azure_interval(s + 1, n - 1, c->bins, &d);
		assert(r == 0 || ((r == -EINVAL || r == -E2BIG) && d.msg[0]));
		break;
	case 'S':
		r = trace_parse_azure_seq(s + 1, n - 1, &c->flav, &c->line, &d);
		assert(r == 0 || (r == -EINVAL && d.msg[0]));
		c->have_line = r == 0;
		if (r == 0)
			for (uint32_t k = 0; k < c->line.n; k++)
				assert(c->line.items[k].bound ||
				    c->flav.known[c->line.items[k].flavour]);
		break;
	case 'D':
		if (!c->have_line ||
		    trace_parse_azure_bins_done(c->bins, &d) < 0)
			break;
		r = trace_parse_azure_durs(s + 1, n - 1, c->bins, &c->line, &d);
		assert(r == 0 || (r == -EINVAL && d.msg[0]));
		if (r == 0)
			check_durs(c);
		break;
	default:
		break;
	}
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct ctx c = { 0 };

	c.bins = calloc(1, sizeof(*c.bins));
	if (!c.bins)
		return 0;
	rng_init(&c.rng, 1);
	fuzz_lines(data, size, line, &c);
	trace_parse_azure_line_free(&c.line);
	free(c.bins);
	return 0;
}
