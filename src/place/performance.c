/* performance.c - performance-based placement: fast hosts for demanding VMs, no hot hosts. */
#include "place/registry.h"

#include <math.h>
#include <stdlib.h>

/*
 * score(h) = w_class * perf_h - spread * u_h - hot * max(0, u_h - t_class)
 * where perf_h is the host's speed (1.0 = reference), u_h its utilisation
 * after taking the VM (the largest share of any dimension's limit) and:
 *   class   w_class            t_class
 *   high    perf_weight        target - headroom   (headroom for bursts)
 *   normal  perf_weight / 2    target
 *   low     -perf_weight / 2   min(1, target + headroom)  (leaves fast
 *                                                          hosts free)
 * The spread term prefers cooler hosts; the hot term makes running past the
 * class's target costly. Bound per subtree: w * perf_max (or 0 when w < 0)
 * minus the same penalties at the subtree's lowest current load.
 */
static const struct param_spec perf_params[] = {
	{ "target", PARAM_DOUBLE, "0.8", 0.05, 1.0, NULL,
	    "utilisation a host should not exceed" },
	{ "headroom", PARAM_DOUBLE, "0.2", 0.0, 0.9, NULL,
	    "extra room kept free for high-class VMs" },
	{ "perf_weight", PARAM_DOUBLE, "1.0", 0.0, 100.0, NULL,
	    "weight of host speed in the score" },
	{ "spread", PARAM_DOUBLE, "1.0", 0.0, 100.0, NULL,
	    "weight of utilisation (spreads load)" },
	{ "hot", PARAM_DOUBLE, "10.0", 0.0, 1000.0, NULL,
	    "penalty per unit of utilisation above the target" },
};

struct perf_state {
	double target, headroom, perf_weight, spread, hot;
};

struct perf_ctx {
	const struct perf_state *p;
	const struct cluster *c;
	const struct res *x;
	double w, t;
};

static int
perf_init(const struct params *p, uint64_t seed, void **ret_state)
{
	struct perf_state *s = malloc(sizeof(*s));

	(void)seed;
	if (!s)
		return -ENOMEM;
	s->target = params_double(p, "target");
	s->headroom = params_double(p, "headroom");
	s->perf_weight = params_double(p, "perf_weight");
	s->spread = params_double(p, "spread");
	s->hot = params_double(p, "hot");
	*ret_state = s;
	return 0;
}

static void
perf_fini(void *state)
{
	free(state);
}

static double
penalty(const struct perf_ctx *k, double u)
{
	return k->p->spread * u + k->p->hot * fmax(0.0, u - k->t);
}

static double
perf_bound(const struct fitnode *n, void *ctx)
{
	const struct perf_ctx *k = ctx;
	double speed = k->w > 0 ? k->w * n->perf_max / HOST_PERF_ONE : 0.0;

	/* Utilisation after the VM is at least the current load, and the
	 * penalty grows with utilisation. */
	return speed - penalty(k, fmax(0.0, (double)n->load_min));
}

static double
perf_score(host_id h, void *ctx)
{
	const struct perf_ctx *k = ctx;
	const struct host *hs = cluster_host(k->c, h);
	double u = 0;

	for (int d = 0; d < RES_NDIM; d++) {
		double ud;

		if (hs->limit.v[d] == 0)
			continue;
		ud = (double)(hs->alloc.v[d] + k->x->v[d]) /
		    (double)hs->limit.v[d];
		if (ud > u)
			u = ud;
	}
	return k->w * hs->perf_milli / HOST_PERF_ONE - penalty(k, u);
}

static int
perf_place(void *state, const struct cluster *c, vm_id v,
    struct place_decision *ret, struct why *why)
{
	const struct perf_state *p = state;
	const struct vm *vm = cluster_vm(c, v);
	struct perf_ctx k = { p, c, &vm->demand, 0, 0 };
	struct cluster_scorer s = { perf_bound, perf_score, &k };

	switch (vm->perf) {
	case PERF_HIGH:
		k.w = p->perf_weight;
		k.t = p->target - p->headroom;
		break;
	case PERF_LOW:
		k.w = -p->perf_weight / 2;
		k.t = fmin(1.0, p->target + p->headroom);
		break;
	default:
		k.w = p->perf_weight / 2;
		k.t = p->target;
		break;
	}
	if (cluster_find_best(c, v, &s, &ret->host) == 0)
		return 0;
	return place_refuse(c, v, why);
}

const struct place_ops place_performance = {
	.name = "performance",
	.summary = "performance-based: fast hosts for high-class VMs, slow "
		   "ones for low, load spread below a target utilisation",
	.params = perf_params,
	.n_params = ELEMENTSOF(perf_params),
	.init = perf_init,
	.fini = perf_fini,
	.place = perf_place,
};
