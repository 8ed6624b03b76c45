/* test_place_conformance.c - every registered allocation strategy over shared scenarios. */
#include "core/rng.h"
#include "model/cluster.h"
#include "place/place.h"
#include "tap.h"

/*
 * For each strategy and many random clusters (mixed sizes, overcommit,
 * maintenance hosts, labels, affinity and anti-affinity groups), place VMs
 * one at a time and check the properties every strategy promises:
 * the chosen host passes every hard constraint, the N+1 reserve included
 * on half the clusters (so nothing is ever over-committed), -ENOSPC comes exactly when no host can take the VM, a
 * refusal explains every host, and the same seed gives the same placements.
 */

#define ROUNDS 300

static struct cluster *
random_cluster(struct rng *r, uint32_t *ret_nv)
{
	static const char *const groups[] = { "g0", "g1", "g2" };
	struct cluster *c;
	struct labels zone[2] = { { 0 }, { 0 } };
	uint32_t nh = 1 + (uint32_t)rng_below(r, 30);
	uint32_t nv = (uint32_t)rng_below(r, 5 * nh + 2);
	char name[32];

	labels_set(&zone[0], "zone", "a");
	labels_set(&zone[1], "zone", "b");
	cluster_new(&c);
	for (uint32_t i = 0; i < nh; i++) {
		struct host_spec s = { .name = name };

		snprintf(name, sizeof(name), "h%u", i);
		s.cap = (struct res){ { rng_range(r, 500, 16000),
		    rng_range(r, 512, 65536), rng_range(r, 0, 500),
		    rng_range(r, 0, 10000) } };
		for (int d = 0; d < RES_NDIM; d++)
			s.overcommit_milli[d] = rng_below(r, 3)
			    ? 1000
			    : (uint32_t)rng_range(r, 1000, 4000);
		s.state = rng_below(r, 10) == 0 ? HOST_MAINTENANCE : HOST_UP;
		s.perf_milli = (uint32_t)rng_range(r, 500, 2000);
		s.labels = &zone[rng_below(r, 2)];
		cluster_add_host(c, &s, NULL);
	}
	for (uint32_t i = 0; i < nv; i++) {
		struct vm_spec s = { .name = name };

		snprintf(name, sizeof(name), "v%u", i);
		s.demand = (struct res){ { rng_range(r, 100, 4000),
		    rng_range(r, 128, 16384), rng_range(r, 0, 100),
		    rng_range(r, 0, 2000) } };
		s.priority = (int32_t)rng_range(r, -5, 5);
		s.perf = (enum perf_class)rng_below(r, PERF_NCLASSES);
		if (rng_below(r, 6) == 0)
			s.affinity = groups[rng_below(r, 3)];
		if (rng_below(r, 4) == 0)
			s.anti_affinity = groups[rng_below(r, 3)];
		if (rng_below(r, 8) == 0)
		s.requires = &zone[rng_below(r, 2)];
		cluster_add_vm(c, &s, NULL);
	}
	labels_done(&zone[0]);
	labels_done(&zone[1]);
	*ret_nv = nv;
	return c;
}

struct outcome {
	uint32_t placed, refused, victims;
	bool constraint_ok, nospc_exact, explained, victims_ok;
	uint64_t hash;
};

static void
run_one(const struct place_ops *ops, uint64_t seed, struct outcome *o)
{
	struct rng r;
	struct cluster *c;
	struct placer *p = NULL;
	struct place_decision dec;
	struct why w;
	uint32_t nv;
	struct diag d;

	memset(o, 0, sizeof(*o));
	o->constraint_ok = o->nospc_exact = o->explained = o->victims_ok = true;
	o->hash = 1469598103934665603ULL;
	rng_init(&r, seed);
	c = random_cluster(&r, &nv);
	if (seed % 2)
		cluster_set_n_plus_one(c, true);
	if (placer_new(ops->name, NULL, seed, &p, &d) < 0) {
		o->constraint_ok = false;
		cluster_free(c);
		return;
	}
	place_decision_init(&dec);
	why_init(&w);
	for (vm_id v = 0; v < nv; v++) {
		uint32_t fits = cluster_explain(c, v, NULL);
		int rc;

		why_clear(&w);
		rc = placer_place(p, c, v, &dec, &w);
		if (rc == 0) {
			for (uint32_t k = 0; k < dec.n_victims; k++) {
				const struct vm *x =
				    cluster_vm(c, dec.victims[k]);

				if (x->host != dec.host ||
				    x->priority >= cluster_vm(c, v)->priority)
					o->victims_ok = false;
				cluster_release(c, dec.victims[k], VM_QUEUED);
			}
			o->victims += dec.n_victims;
			if (dec.n_victims == 0 && fits == 0)
				o->nospc_exact = false;
			if (cluster_reserve(c, v, dec.host) != 0)
				o->constraint_ok = false;
			o->placed++;
			o->hash = (o->hash ^ dec.host) * 1099511628211ULL;
		} else {
			if (rc != -ENOSPC || fits != 0)
				o->nospc_exact = false;
			/* Every host has at least one reason. */
			for (host_id h = 0; h < c->n_hosts; h++) {
				bool seen = false;

				for (uint32_t i = 0; i < w.n; i++)
					if (w.v[i].host == h)
						seen = true;
				if (!seen)
					o->explained = false;
			}
			o->refused++;
			o->hash = (o->hash ^ 0xffffffffu) * 1099511628211ULL;
		}
	}
	for (host_id h = 0; h < c->n_hosts; h++)
		for (int dd = 0; dd < RES_NDIM; dd++)
			if (cluster_host(c, h)->alloc.v[dd] >
			    cluster_host(c, h)->limit.v[dd])
				o->constraint_ok = false;
	why_done(&w);
	place_decision_done(&dec);
	placer_free(p);
	cluster_free(c);
}

int
main(void)
{
	const struct place_ops *const *all;
	uint32_t n;

	all = place_registry(&n);
	ok(n > 0, "%u strategies registered", n);
	for (uint32_t i = 1; i < n; i++)
		ok(strcmp(all[i - 1]->name, all[i]->name) < 0,
		    "registry sorted: %s < %s", all[i - 1]->name, all[i]->name);
	for (uint32_t i = 0; i < n; i++) {
		const struct place_ops *ops = all[i];
		bool cons = true, exact = true, expl = true, det = true,
		     vic = true;
		uint64_t placed = 0, refused = 0, victims = 0;

		ok(place_find(ops->name) == ops, "%s: found by name",
		    ops->name);
		ok(ops->summary && ops->summary[0], "%s: has a summary",
		    ops->name);
		for (uint64_t seed = 1; seed <= ROUNDS; seed++) {
			struct outcome a, b;

			run_one(ops, seed, &a);
			run_one(ops, seed, &b);
			cons = cons && a.constraint_ok;
			exact = exact && a.nospc_exact;
			expl = expl && a.explained;
			vic = vic && a.victims_ok;
			det = det && a.hash == b.hash && a.placed == b.placed;
			placed += a.placed;
			victims += a.victims;
			refused += a.refused;
		}
		ok(cons, "%s: every placement passes every hard constraint",
		    ops->name);
		ok(exact, "%s: -ENOSPC exactly when no host fits", ops->name);
		ok(expl, "%s: every refusal explains every host", ops->name);
		ok(vic, "%s: victims are lower priority and on the chosen host",
		    ops->name);
		ok(det, "%s: same seed, same placements", ops->name);
		if (strcmp(ops->name, "priority") == 0)
			ok(victims > 0,
			    "%s: preempts when needed (%" PRIu64 " victims)",
			    ops->name, victims);
		else
			ok(victims == 0, "%s: never preempts", ops->name);
		ok(placed > 0 && refused > 0,
		    "%s: the scenarios exercise both outcomes (%" PRIu64
		    " placed, %" PRIu64 " refused)",
		    ops->name, placed, refused);
	}
	return tap_done();
}
