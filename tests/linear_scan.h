/* linear_scan.h - allocation rules by scanning every host: test oracle and bench baseline. */
#ifndef TESTS_LINEAR_SCAN_H
#define TESTS_LINEAR_SCAN_H

#include "model/cluster.h"

#include <math.h>
#include <string.h>

/*
 * The same rules as the strategies in src/place/, written the plain way:
 * visit every host, keep those cluster_check accepts, score each with the
 * textbook formula, keep the best (lowest id on ties). Independent of the
 * index and of the strategies' bound functions, so tests can compare the two
 * and benchmarks can time them side by side. Scores are maximised.
 */
enum linear_rule {
	LINEAR_FIRST_FIT,
	LINEAR_BEST_FIT,
	LINEAR_WORST_FIT,
	LINEAR_DOT_PRODUCT,
	LINEAR_PERFORMANCE, /* with the strategy's default parameters */
};

static inline double
linear_score(enum linear_rule rule, const struct cluster *c, vm_id v, host_id h)
{
	const struct host *hs = cluster_host(c, h);
	const struct res *x = &cluster_vm(c, v)->demand;
	double s = 0, u = 0, w, t;

	for (int d = 0; d < RES_NDIM; d++) {
		double lim = (double)hs->limit.v[d];
		double free = (double)(hs->limit.v[d] - hs->alloc.v[d]);

		if (hs->limit.v[d] == 0)
			continue;
		switch (rule) {
		case LINEAR_BEST_FIT:
			s -= (free - (double)x->v[d]) / lim;
			break;
		case LINEAR_WORST_FIT:
			s += (free - (double)x->v[d]) / lim;
			break;
		case LINEAR_DOT_PRODUCT:
			s += ((double)x->v[d] / lim) * (free / lim);
			break;
		case LINEAR_PERFORMANCE:
			u = fmax(u, (double)(hs->alloc.v[d] + x->v[d]) / lim);
			break;
		default:
			break;
		}
	}
	if (rule == LINEAR_FIRST_FIT)
		return -(double)h;
	if (rule != LINEAR_PERFORMANCE)
		return s;
	/* Defaults: target 0.8, headroom 0.2, perf_weight 1, spread 1, hot 10. */
	switch (cluster_vm(c, v)->perf) {
	case PERF_HIGH:
		w = 1.0, t = 0.6;
		break;
	case PERF_LOW:
		w = -0.5, t = 1.0;
		break;
	default:
		w = 0.5, t = 0.8;
		break;
	}
	return w * hs->perf_milli / 1000.0 - u - 10.0 * fmax(0.0, u - t);
}

/* 0 and *ret, or -ENOSPC: the best host by a full scan. */
static inline int
linear_place(
    enum linear_rule rule, const struct cluster *c, vm_id v, host_id *ret)
{
	host_id best = HOST_NONE;
	double bs = 0, s;

	for (host_id h = 0; h < c->n_hosts; h++) {
		if (cluster_check(c, v, h, NULL) != 0)
			continue;
		if (rule == LINEAR_FIRST_FIT) {
			*ret = h;
			return 0;
		}
		s = linear_score(rule, c, v, h);
		if (best == HOST_NONE || s > bs) {
			best = h;
			bs = s;
		}
	}
	if (best == HOST_NONE)
		return -ENOSPC;
	*ret = best;
	return 0;
}

#endif
