/* pack.c - an instance as a cluster, packed by an allocation strategy. */
#include "cli/pack.h"

#include "model/cluster.h"
#include "place/place.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

const char *
pack_order_name(enum pack_order o)
{
	return o == PACK_DECREASING ? "decreasing" : "arrival";
}

int
pack_order_parse(const char *s, enum pack_order *ret)
{
	if (strcmp(s, "arrival") == 0)
		*ret = PACK_ARRIVAL;
	else if (strcmp(s, "decreasing") == 0)
		*ret = PACK_DECREASING;
	else
		return -ENOENT;
	return 0;
}

uint64_t
pack_lower_bound(const struct instance *in)
{
	uint64_t best = 0;

	for (uint32_t k = 0; k < in->dims; k++) {
		uint64_t total = 0, c = (uint64_t)in->cap[k], b;

		for (uint32_t t = 0; t < in->n_types; t++)
			total +=
			    (uint64_t)instance_size(in, t)[k] * in->counts[t];
		b = total / c + (total % c != 0);
		if (b > best)
			best = b;
	}
	return best;
}

struct keyed {
	double key;
	uint32_t t;
};

static int
cmp_keyed(const void *a, const void *b)
{
	const struct keyed *x = a, *y = b;

	if (x->key != y->key)
		return x->key > y->key ? -1 : 1;
	return x->t < y->t ? -1 : x->t > y->t;
}

static void
to_res(const struct instance *in, const int64_t *v, struct res *r)
{
	memset(r, 0, sizeof(*r));
	for (uint32_t k = 0; k < in->dims; k++)
		r->v[k] = v[k];
}

int
pack_with_strategy(const struct instance *in, const char *strategy,
    const char *params, uint64_t seed, enum pack_order order,
    uint32_t *ret_bins, struct diag *d)
{
	struct cluster *c = NULL;
	struct placer *pl = NULL;
	struct keyed *ord = NULL;
	struct place_decision dec;
	uint32_t bins = 0, item = 0;
	char name[32];
	int r;

	place_decision_init(&dec);
	if (in->dims > PACK_DIMS_MAX) {
		diag_set(d,
		    "the instance has %u dimensions; allocation strategies "
		    "work on the %u of the resource vector (cpu, memory, "
		    "disk, net): use --optimal, which packs any number",
		    in->dims, PACK_DIMS_MAX);
		return -EINVAL;
	}
	r = placer_new(strategy, params, seed, &pl, d);
	if (r < 0)
		return r;
	r = cluster_new(&c);
	if (r < 0)
		goto nomem;
	for (uint32_t b = 0; b < in->n_items; b++) {
		struct host_spec hs = { .name = name, .state = HOST_UP };

		snprintf(name, sizeof(name), "bin%u", b);
		to_res(in, in->cap, &hs.cap);
		r = cluster_add_host(c, &hs, NULL);
		if (r < 0)
			goto nomem;
	}
	ord = malloc((in->n_types ? in->n_types : 1) * sizeof(*ord));
	if (!ord)
		goto nomem;
	for (uint32_t t = 0; t < in->n_types; t++) {
		double w = 0;

		for (uint32_t k = 0; k < in->dims; k++)
			w += (double)instance_size(in, t)[k] /
			    (double)in->cap[k];
		ord[t] = (struct keyed){ order == PACK_DECREASING ? w : 0, t };
	}
	qsort(ord, in->n_types, sizeof(*ord), cmp_keyed);
	for (uint32_t i = 0; i < in->n_types; i++) {
		uint32_t t = ord[i].t;

		for (uint32_t k = 0; k < in->counts[t]; k++, item++) {
			struct vm_spec vs = { .name = name,
				.perf = PERF_NORMAL };
			vm_id v;

			snprintf(name, sizeof(name), "item%u", item);
			to_res(in, instance_size(in, t), &vs.demand);
			r = cluster_add_vm(c, &vs, &v);
			if (r < 0)
				goto nomem;
			r = placer_place(pl, c, v, &dec, NULL);
			if (r == 0 && dec.n_victims > 0) {
				diag_set(d,
				    "strategy %s preempted VMs to place item "
				    "%u; packing needs a strategy that does "
				    "not preempt",
				    strategy, item + 1);
				r = -EINVAL;
				goto out;
			}
			if (r == 0)
				r = cluster_reserve(c, v, dec.host);
			if (r < 0) {
				diag_set(d,
				    "strategy %s could not place item %u "
				    "(%s), though an empty bin holds it",
				    strategy, item + 1, strerror(-r));
				r = -EINVAL;
				goto out;
			}
		}
	}
	for (host_id h = 0; h < c->n_hosts; h++)
		if (cluster_host(c, h)->n_vms > 0)
			bins++;
	*ret_bins = bins;
	r = 0;
	goto out;
nomem:
	diag_set(d, "out of memory");
	r = -ENOMEM;
out:
	place_decision_done(&dec);
	free(ord);
	cluster_free(c);
	placer_free(pl);
	return r;
}
