/* synthetic.c - a generated workload: Poisson arrivals, exponential lifetimes, common flavours. */
#include "sim/source.h"

#include "core/clock.h"
#include "core/params.h"
#include "core/rng.h"

#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static const struct param_spec synth_params[] = {
	{ "vms", PARAM_INT, "1000", 1, 100000000, NULL, "VMs to generate" },
	{ "rate", PARAM_DOUBLE, "1", 1e-6, 1e9, NULL, "arrivals per second" },
	{ "life", PARAM_DOUBLE, "3600", 1e-3, 1e9, NULL,
	    "mean lifetime, seconds" },
	{ "prio", PARAM_INT, "1", 1, 2001, NULL, "priority levels" },
};

/* vCPU, GiB: the shapes public clouds sell most, drawn evenly. */
static const int flavours[][2] = { { 1, 2 }, { 2, 4 }, { 2, 8 }, { 4, 8 },
	{ 4, 16 }, { 8, 32 }, { 16, 64 } };

struct synth {
	struct rng r;
	uint64_t left, n;
	double rate, life, t;
	int64_t prio;
	struct trace_rec rec;
};

static int
synth_next(void *ctx, const struct trace_rec **ret, struct diag *d)
{
	struct synth *s = ctx;
	uint32_t f;

	(void)d;
	if (s->left == 0)
		return 0;
	s->left--;
	s->t += rng_exp(&s->r, 1.0 / s->rate);
	f = (uint32_t)rng_below(&s->r, ELEMENTSOF(flavours));
	memset(&s->rec, 0, sizeof(s->rec));
	snprintf(s->rec.name, sizeof(s->rec.name), "vm%" PRIu64, s->n++);
	s->rec.arrive_ns = (uint64_t)(s->t * 1e9);
	s->rec.depart_ns =
	    s->rec.arrive_ns + 1 + (uint64_t)(rng_exp(&s->r, s->life) * 1e9);
	s->rec.demand = (struct res){ { flavours[f][0] * 1000LL,
	    flavours[f][1] * 1024LL, 0, 0 } };
	s->rec.priority = (int32_t)rng_below(&s->r, (uint64_t)s->prio);
	*ret = &s->rec;
	return 1;
}

static void
synth_close(void *ctx)
{
	free(ctx);
}

static int
synth_open(const char *params, const struct trace_opts *o, struct source *ret,
    struct diag *d)
{
	struct params p;
	struct synth *s;
	int r;

	r = params_init(&p, synth_params, ELEMENTSOF(synth_params), d);
	if (r < 0)
		return r;
	r = params_set_list(&p, params, d);
	if (r < 0) {
		diag_prefix(d, "synthetic");
		params_done(&p);
		return -EINVAL;
	}
	s = calloc(1, sizeof(*s));
	if (!s) {
		params_done(&p);
		return -ENOMEM;
	}
	rng_init(&s->r, o->seed);
	s->left = (uint64_t)params_int(&p, "vms");
	if (o->max_recs && o->max_recs < s->left)
		s->left = o->max_recs;
	s->rate = params_double(&p, "rate");
	s->life = params_double(&p, "life");
	s->prio = params_int(&p, "prio");
	params_done(&p);
	*ret = (struct source){ s, synth_next, NULL, synth_close };
	return 0;
}

static int
trace_src_next(void *ctx, const struct trace_rec **ret, struct diag *d)
{
	return trace_next(ctx, ret, d);
}

static uint64_t
trace_src_skipped(void *ctx)
{
	return trace_skipped(ctx, NULL);
}

static void
trace_src_close(void *ctx)
{
	trace_close(ctx);
}

int
source_open(const char *spec, const struct trace_opts *o, struct source *ret,
    struct diag *d)
{
	struct trace *t;
	int r;

	if (strncmp(spec, "synthetic:", 10) == 0)
		return synth_open(spec + 10, o, ret, d);
	if (strcmp(spec, "synthetic") == 0)
		return synth_open("", o, ret, d);
	r = trace_open(spec, o, &t, d);
	if (r < 0)
		return r;
	*ret = (struct source){ t, trace_src_next, trace_src_skipped,
		trace_src_close };
	return 0;
}

void
source_close(struct source *s)
{
	if (s->close)
		s->close(s->ctx);
	memset(s, 0, sizeof(*s));
}
