/* test_sched_dp.c - batch admission DP against exhaustive search, the
 * knapsack policy, and weighted interval scheduling against brute force. */
#include "core/rng.h"
#include "sched/batchdp.h"
#include "sched/interval.h"
#include "sched/sched.h"
#include "tap.h"

static bool
fits_all(const struct batchdp_item *it, uint32_t n, uint32_t mask,
    const struct res *cap)
{
	int64_t load[RES_NDIM] = { 0 };

	for (uint32_t i = 0; i < n; i++)
		if (mask >> i & 1)
			for (int k = 0; k < RES_NDIM; k++)
				load[k] += it[i].need.v[k];
	for (int k = 0; k < RES_NDIM; k++)
		if (load[k] > cap->v[k])
			return false;
	return true;
}

static void
test_single_bin(void)
{
	struct rng r;
	uint32_t bad = 0, inexact = 0, trials = 0;

	rng_init(&r, 5);
	for (int t = 0; t < 400; t++) {
		struct batchdp_item it[12];
		uint32_t n = 1 + (uint32_t)rng_below(&r, 12);
		struct res cap = { { rng_range(&r, 1, 16) * 500,
		    rng_range(&r, 1, 32) * 512, 0, 0 } };
		struct batchdp_result res;
		uint64_t best = 0, got = 0;

		for (uint32_t i = 0; i < n; i++) {
			it[i].need = (struct res){ { rng_range(&r, 1, 8) * 250,
			    rng_range(&r, 1, 16) * 256, 0, 0 } };
			it[i].value = (uint64_t)rng_range(&r, 1, 2001);
		}
		for (uint32_t mask = 0; mask < (1u << n); mask++) {
			uint64_t v = 0;

			if (!fits_all(it, n, mask, &cap))
				continue;
			for (uint32_t i = 0; i < n; i++)
				if (mask >> i & 1)
					v += it[i].value;
			if (v > best)
				best = v;
		}
		if (batchdp_select(it, n, &cap, 1, 0, &res) < 0) {
			bad++;
			continue;
		}
		{
			uint32_t mask = 0;

			for (uint32_t i = 0; i < n; i++)
				if (res.bin[i] == 0) {
					mask |= 1u << i;
					got += it[i].value;
				}
			if (!fits_all(it, n, mask, &cap) || got != res.value ||
			    got != best)
				bad++;
		}
		inexact += !res.exact;
		trials++;
		batchdp_result_done(&res);
	}
	is_int(bad, 0,
	    "one host: the DP's choice fits and equals exhaustive "
	    "search (%u trials)",
	    trials);
	is_int(inexact, 0, "and says it is exact");
}

static void
test_scaled_and_multi(void)
{
	struct rng r;
	uint32_t bad = 0, scaled = 0;

	rng_init(&r, 6);
	for (int t = 0; t < 200; t++) {
		struct batchdp_item it[40];
		struct res cap[3];
		uint32_t n = 1 + (uint32_t)rng_below(&r, 40);
		struct batchdp_result res;
		int64_t load[3][RES_NDIM] = { { 0 } };

		for (int b = 0; b < 3; b++)
			cap[b] = (struct res){ { rng_range(&r, 1000, 64000),
			    rng_range(&r, 1000, 262144), 0, 0 } };
		for (uint32_t i = 0; i < n; i++) {
			it[i].need = (struct res){ { rng_range(&r, 1, 9000),
			    rng_range(&r, 1, 40000), 0, 0 } };
			it[i].value = (uint64_t)rng_range(&r, 1, 100);
		}
		/* A tiny budget forces coarse grids. */
		if (batchdp_select(it, n, cap, 3, 4096, &res) < 0) {
			bad++;
			continue;
		}
		for (uint32_t i = 0; i < n; i++)
			if (res.bin[i] != UINT32_MAX)
				for (int k = 0; k < RES_NDIM; k++)
					load[res.bin[i]][k] += it[i].need.v[k];
		for (int b = 0; b < 3; b++)
			for (int k = 0; k < RES_NDIM; k++)
				if (load[b][k] > cap[b].v[k])
					bad++;
		scaled += res.scaled;
		if (res.exact)
			bad++; /* three hosts with room: never exact */
		batchdp_result_done(&res);
	}
	is_int(bad, 0, "rounded grids and several hosts: what is chosen fits");
	ok(scaled > 100, "the small budget did coarsen (%u)", scaled);
}

static void
test_policy(void)
{
	struct cluster *c;
	struct host_spec h = { .name = "h", .cap = { { 4000, 8192, 0, 0 } } };
	struct scheduler *s = NULL;
	struct sched_entry q[3];
	struct sched_queue sq = { q, 3 };
	struct sched_pick p;
	struct diag d;
	/* FCFS admits the big low-priority head; the DP prefers the two
	 * high-priority VMs that together fill the host. */
	struct vm_spec a = { .name = "big",
		.demand = { { 3000, 4096, 0, 0 } },
		.priority = 0,
		.perf = PERF_NORMAL };
	struct vm_spec b = { .name = "x",
		.demand = { { 2000, 4096, 0, 0 } },
		.priority = 500,
		.perf = PERF_NORMAL };
	struct vm_spec e = { .name = "y",
		.demand = { { 2000, 4096, 0, 0 } },
		.priority = 500,
		.perf = PERF_NORMAL };

	cluster_new(&c);
	cluster_add_host(c, &h, NULL);
	cluster_add_vm(c, &a, NULL);
	cluster_add_vm(c, &b, NULL);
	cluster_add_vm(c, &e, NULL);
	for (uint32_t i = 0; i < 3; i++)
		q[i] = (struct sched_entry){ i, 0, i };
	ok(scheduler_new("knapsack", "backfill=false", 1, &s, &d) == 0,
	    "knapsack builds");
	sched_pick_init(&p);
	ok(scheduler_pick(s, c, &sq, 0, 0, &p) == 0, "picks");
	ok(p.n == 2 && !p.strict &&
		((p.idx[0] == 1 && p.idx[1] == 2) ||
		    (p.idx[0] == 2 && p.idx[1] == 1)),
	    "the two high-priority VMs, not the big head");
	sched_pick_done(&p);
	scheduler_free(s);
	ok(scheduler_new("knapsack", NULL, 1, &s, &d) == 0, "with backfill");
	sched_pick_init(&p);
	ok(scheduler_pick(s, c, &sq, 0, 0, &p) == 0 && p.n == 3 &&
		p.idx[0] != 0 && p.idx[1] != 0 && p.idx[2] == 0,
	    "the chosen two first, then the rest for the room left");
	sched_pick_done(&p);
	scheduler_free(s);
	ok(scheduler_new("knapsack", "value=priority,window=2,backfill=false",
	       1, &s, &d) == 0,
	    "params parse");
	sched_pick_init(&p);
	ok(scheduler_pick(s, c, &sq, 0, 0, &p) == 0 && p.n == 1 &&
		p.idx[0] == 1,
	    "a window of two sees only the first two");
	sched_pick_done(&p);
	scheduler_free(s);
	cluster_free(c);
}

static void
test_intervals(void)
{
	struct rng r;
	uint32_t bad = 0;
	struct interval_req bad_req = { 5, 5, 1 };
	uint32_t idx[16], n;
	uint64_t w;

	rng_init(&r, 8);
	for (int t = 0; t < 500; t++) {
		struct interval_req q[12];
		uint32_t m = (uint32_t)rng_below(&r, 13);
		uint64_t best = 0;

		for (uint32_t i = 0; i < m; i++) {
			uint64_t s = rng_below(&r, 50);

			q[i] = (struct interval_req){ s,
				s + 1 + rng_below(&r, 20), rng_below(&r, 10) };
		}
		for (uint32_t mask = 0; mask < (1u << m); mask++) {
			uint64_t v = 0;
			bool okm = true;

			for (uint32_t i = 0; i < m && okm; i++)
				for (uint32_t j = i + 1; j < m && okm; j++)
					if ((mask >> i & 1) &&
					    (mask >> j & 1) &&
					    q[i].start_ns < q[j].end_ns &&
					    q[j].start_ns < q[i].end_ns)
						okm = false;
			if (!okm)
				continue;
			for (uint32_t i = 0; i < m; i++)
				if (mask >> i & 1)
					v += q[i].weight;
			if (v > best)
				best = v;
		}
		if (interval_schedule(q, m, idx, &n, &w) < 0 || w != best) {
			bad++;
			continue;
		}
		{
			uint64_t sum = 0;

			for (uint32_t i = 0; i < n; i++) {
				sum += q[idx[i]].weight;
				if (i > 0 &&
				    q[idx[i - 1]].end_ns > q[idx[i]].start_ns)
					bad++;
			}
			if (sum != w)
				bad++;
		}
	}
	is_int(bad, 0,
	    "weighted interval scheduling equals brute force, "
	    "chosen reservations in order and disjoint");
	ok(interval_schedule(&bad_req, 1, idx, &n, &w) == -EINVAL,
	    "an empty reservation is refused");
	ok(interval_schedule(NULL, 0, idx, &n, &w) == 0 && n == 0 && w == 0,
	    "no reservations, nothing chosen");
}

int
main(void)
{
	test_single_bin();
	test_scaled_and_multi();
	test_policy();
	test_intervals();
	return tap_done();
}
