/* test_preempt.c - the priority strategy preempts a smallest, least-loss set. */
#include "core/rng.h"
#include "place/place.h"
#include "tap.h"

#include <math.h>

static double
loss_of(const struct cluster *c, host_id h, const vm_id *set, uint32_t k)
{
	const struct host *hs = cluster_host(c, h);
	double s = 0;

	for (uint32_t i = 0; i < k; i++)
		for (int d = 0; d < RES_NDIM; d++)
			if (hs->limit.v[d] > 0)
				s +=
				    (double)cluster_vm(c, set[i])->demand.v[d] /
				    (double)hs->limit.v[d];
	return s;
}

/* Every subset of every host's lower-priority VMs: the smallest passing
 * size and, at that size, the least loss. */
static bool
brute(const struct cluster *c, vm_id v, uint32_t *ret_k, double *ret_loss)
{
	uint32_t best_k = UINT32_MAX;
	double best_loss = 0;

	for (host_id h = 0; h < c->n_hosts; h++) {
		vm_id cand[16], set[16];
		uint32_t n = 0;

		if (cluster_host(c, h)->state != HOST_UP)
			continue;
		for (vm_id x = cluster_host(c, h)->first_vm; x != VM_NONE;
		     x = cluster_vm(c, x)->next_on_host)
			if (cluster_vm(c, x)->priority <
				cluster_vm(c, v)->priority &&
			    n < 16)
				cand[n++] = x;
		for (uint32_t m = 1; m < (1u << n); m++) {
			uint32_t k = 0;
			double l;

			for (uint32_t i = 0; i < n; i++)
				if (m & (1u << i))
					set[k++] = cand[i];
			if (k > best_k)
				continue;
			if (cluster_check_preempt(c, v, h, set, k, NULL) != 0)
				continue;
			l = loss_of(c, h, set, k);
			if (k < best_k || l < best_loss - 1e-12) {
				best_k = k;
				best_loss = l;
			}
		}
	}
	*ret_k = best_k;
	*ret_loss = best_loss;
	return best_k != UINT32_MAX;
}

int
main(void)
{
	uint32_t cases = 0, minimal = 0, found_when_possible = 0, possible = 0;
	bool lower_only = true;

	for (uint64_t seed = 1; seed <= 400; seed++) {
		struct rng r;
		struct cluster *c;
		struct placer *p = NULL;
		struct place_decision dec;
		struct diag d;
		uint32_t nh;
		char name[24];

		rng_init(&r, seed);
		nh = 1 + (uint32_t)rng_below(&r, 4);
		cluster_new(&c);
		for (uint32_t i = 0; i < nh; i++) {
			struct host_spec s = { .name = name };

			snprintf(name, sizeof(name), "h%u", i);
			s.cap = (struct res){ { 4000, 8192, 100, 1000 } };
			cluster_add_host(c, &s, NULL);
		}
		if (seed % 4 == 0)
			cluster_set_n_plus_one(c, true);
		placer_new("priority", NULL, seed, &p, &d);
		place_decision_init(&dec);
		for (uint32_t i = 0; i < 12 * nh; i++) {
			struct vm_spec s = { .name = name };
			vm_id v;
			uint32_t bk;
			double bl;
			bool can;
			int rc;

			snprintf(name, sizeof(name), "v%u", i);
			s.demand = (struct res){ { rng_range(&r, 200, 2500),
			    rng_range(&r, 256, 4096), rng_range(&r, 0, 30),
			    0 } };
			s.priority = (int32_t)rng_range(&r, 0, 9);
			s.ha = rng_below(&r, 2);
			s.anti_affinity = rng_below(&r, 5) == 0 ? "g" : NULL;
			cluster_add_vm(c, &s, &v);
			if (cluster_explain(c, v, NULL) > 0) {
				placer_place(p, c, v, &dec, NULL);
				cluster_reserve(c, v, dec.host);
				continue;
			}
			can = brute(c, v, &bk, &bl);
			rc = placer_place(p, c, v, &dec, NULL);
			cases++;
			possible += can;
			if (rc == 0 && can) {
				found_when_possible++;
				for (uint32_t j = 0; j < dec.n_victims; j++)
					if (cluster_vm(c, dec.victims[j])
						->priority >= s.priority)
						lower_only = false;
				if (dec.n_victims == bk &&
				    fabs(loss_of(c, dec.host, dec.victims,
					     dec.n_victims) -
					bl) < 1e-9)
					minimal++;
				for (uint32_t j = 0; j < dec.n_victims; j++)
					cluster_release(
					    c, dec.victims[j], VM_QUEUED);
				cluster_reserve(c, v, dec.host);
			} else if (rc == 0) {
				found_when_possible =
				    UINT32_MAX; /* impossible */
			}
		}
		place_decision_done(&dec);
		placer_free(p);
		cluster_free(c);
	}
	ok(cases > 500 && possible > 100,
	    "%u refusals before preemption, %u preemptible", cases, possible);
	is_int(found_when_possible, possible,
	    "preempts exactly when some set of lower-priority VMs makes room");
	ok(lower_only, "victims are all of strictly lower priority");
	is_int(minimal, possible,
	    "every preemption is a smallest set with the least work lost");
	return tap_done();
}
