/* test_place_rules.c - each indexed strategy chooses what a full scan of its rule chooses. */
#include "core/rng.h"
#include "linear_scan.h"
#include "place/place.h"
#include "tap.h"

static const struct {
	const char *name;
	enum linear_rule rule;
} rules[] = {
	{ "first-fit", LINEAR_FIRST_FIT }, { "best-fit", LINEAR_BEST_FIT },
	{ "worst-fit", LINEAR_WORST_FIT },
	{ "dot-product", LINEAR_DOT_PRODUCT },
	{ "performance", LINEAR_PERFORMANCE },
	{ "priority", LINEAR_BEST_FIT }, /* when nothing needs preempting */
};

/*
 * Hosts of random shapes, speeds and overcommit (heterogeneous), or racks
 * of one to three hardware shapes, as real clusters are: best fit then
 * answers from its per-shape order rather than the index. One in twenty
 * hosts is in maintenance either way.
 */
static struct cluster *
make_cluster(struct rng *r, uint32_t nh, bool racks)
{
	static const struct res shapes[] = {
		{ { 32000, 262144, 1000, 20000 } },
		{ { 48000, 393216, 2000, 25000 } },
		{ { 64000, 131072, 1500, 40000 } },
	};
	uint32_t n_shapes = 1 + (uint32_t)rng_below(r, 3);
	struct cluster *c;
	char name[32];

	cluster_new(&c);
	for (uint32_t i = 0; i < nh; i++) {
		struct host_spec s = { .name = name };

		snprintf(name, sizeof(name), "h%u", i);
		if (racks) {
			s.cap = shapes[(uint64_t)i * n_shapes / nh];
			s.overcommit_milli[RES_CPU] = 2000;
		} else {
			s.cap = (struct res){ { rng_range(r, 2000, 64000),
			    rng_range(r, 2048, 262144), rng_range(r, 100, 2000),
			    rng_range(r, 1000, 40000) } };
			s.overcommit_milli[RES_CPU] =
			    (uint32_t)rng_range(r, 1000, 4000);
			s.perf_milli = (uint32_t)rng_range(r, 500, 2500);
		}
		s.state = rng_below(r, 20) == 0 ? HOST_MAINTENANCE : HOST_UP;
		cluster_add_host(c, &s, NULL);
	}
	return c;
}

int
main(void)
{
	for (size_t k = 0; k < sizeof(rules) / sizeof(rules[0]); k++) {
		uint64_t decisions = 0, agree = 0, refusals = 0;
		bool same_outcome = true;

		for (uint64_t seed = 1; seed <= 40; seed++) {
			struct rng r;
			struct cluster *c;
			struct placer *p = NULL;
			struct place_decision dec;
			struct diag d;
			uint32_t nh;

			rng_init(&r, seed);
			nh = 1 + (uint32_t)rng_below(&r, seed % 4 ? 60 : 700);
			c = make_cluster(&r, nh, seed % 2 == 0);
			if (seed % 3 == 0)
				cluster_set_n_plus_one(c, true);
			placer_new(rules[k].name, NULL, seed, &p, &d);
			place_decision_init(&dec);
			for (uint32_t i = 0; i < 6 * nh; i++) {
				struct vm_spec s = { .name = (char[24]){ 0 } };
				vm_id v;
				host_id want = HOST_NONE;
				int rc, lr;

				snprintf((char *)s.name, 24, "v%u", i);
				s.demand =
				    (struct res){ { rng_range(&r, 100, 8000),
					rng_range(&r, 128, 32768),
					rng_range(&r, 0, 200),
					rng_range(&r, 0, 4000) } };
				s.perf = (enum perf_class)rng_below(&r, 3);
				s.ha = rng_below(&r, 2);
				cluster_add_vm(c, &s, &v);
				lr = linear_place(rules[k].rule, c, v, &want);
				rc = placer_place(p, c, v, &dec, NULL);
				decisions++;
				if (rc == 0 && dec.n_victims) {
					/* priority preempted: not comparable */
					for (uint32_t j = 0; j < dec.n_victims;
					     j++)
						cluster_release(c,
						    dec.victims[j], VM_QUEUED);
					cluster_reserve(c, v, dec.host);
					agree++;
					continue;
				}
				if ((rc == 0) != (lr == 0)) {
					same_outcome = false;
					continue;
				}
				if (rc != 0) {
					refusals++;
					agree++;
					continue;
				}
				/* Equal best scores (ties) may differ in host only
				 * by rounding; compare the scores themselves. */
				if (fabs(linear_score(
					     rules[k].rule, c, v, dec.host) -
					linear_score(
					    rules[k].rule, c, v, want)) <= 1e-9)
					agree++;
				else
					tap_diag("%s seed %" PRIu64
						 " vm %u: chose %u, scan %u",
					    rules[k].name, seed, i, dec.host,
					    want);
				cluster_reserve(c, v, dec.host);
			}
			place_decision_done(&dec);
			placer_free(p);
			cluster_free(c);
		}
		ok(same_outcome, "%s: places exactly when a scan finds a host",
		    rules[k].name);
		ok(agree == decisions,
		    "%s: %" PRIu64 " of %" PRIu64
		    " decisions score as well as the scan (%" PRIu64
		    " refusals)",
		    rules[k].name, agree, decisions, refusals);
	}
	return tap_done();
}
