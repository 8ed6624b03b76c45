/* plan_ilp.c - benchmark: the assignment ILP (`vmgr plan`) on random
 * clusters of growing size: cost against the first-fit warm start, the
 * proven gap, and how closely the wall-clock limit is kept. */
#include "core/clock.h"
#include "core/rng.h"
#include "data.h"
#include "place/place.h"
#include "plan/assign.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

struct size {
	uint32_t hosts, vms;
	double limit_s;
};

int
main(int argc, char **argv)
{
	static const struct size sizes[] = {
		{ 10, 30, 2 },
		{ 20, 60, 2 },
		{ 50, 150, 5 },
		{ 100, 300, 5 },
		{ 200, 600, 10 },
		{ 500, 1500, 10 },
	};
	uint32_t reps = argc > 1 ? (uint32_t)atoi(argv[1]) : 3;
	struct clock clk;

	clock_init_monotonic(&clk);
	fprintf(stderr, "%-12s %5s %9s %9s %9s %8s %8s %7s\n", "case", "rep",
	    "ff_cost", "ilp_cost", "bound", "gap", "status", "t/limit");
	for (size_t k = 0; k < sizeof(sizes) / sizeof(sizes[0]); k++) {
		double worst = 0, gap_sum = 0, gain_sum = 0;

		for (uint32_t rep = 0; rep < reps; rep++) {
			struct rng r;
			struct cluster *c;
			struct placer *pl = NULL;
			struct place_decision dec;
			struct assign_opts ao = { 0 };
			struct assign_result res;
			struct diag d;
			vm_id *batch = malloc(sizes[k].vms * sizeof(*batch));
			host_id *warm;
			double *cost = malloc(sizes[k].hosts * sizeof(*cost));
			double ff = 0, t0, secs;
			bool *used;
			char name[32];

			rng_init(&r, 1000 * k + rep);
			cluster_new(&c);
			for (uint32_t h = 0; h < sizes[k].hosts; h++) {
				/* Three host shapes, cost roughly by size. */
				int shape = (int)rng_below(&r, 3);
				struct host_spec hs = { .name = name,
					.cap = { { (16 << shape) * 1000,
					    (64 << shape) * 1024, 0, 0 } } };

				snprintf(name, sizeof(name), "h%u", h);
				cluster_add_host(c, &hs, NULL);
				cost[h] = 10.0 * (1 << shape) * 0.8 +
				    (double)rng_below(&r, 5);
			}
			for (uint32_t v = 0; v < sizes[k].vms; v++) {
				struct vm_spec vs = { .name = name,
					.perf = PERF_NORMAL,
					.demand = { { rng_range(&r, 1, 16) *
						500,
					    rng_range(&r, 1, 32) * 1024, 0,
					    0 } },
					.anti_affinity = rng_below(&r, 10) == 0
					    ? "spread"
					    : NULL };

				snprintf(name, sizeof(name), "v%u", v);
				cluster_add_vm(c, &vs, &batch[v]);
			}
			/* The warm start: first fit, as `vmgr plan` does. */
			warm = malloc(c->n_vms * sizeof(*warm));
			used = calloc(c->n_hosts, sizeof(*used));
			placer_new("first-fit", NULL, 1, &pl, &d);
			place_decision_init(&dec);
			for (uint32_t v = 0; v < sizes[k].vms; v++) {
				warm[v] = HOST_NONE;
				if (placer_place(pl, c, batch[v], &dec, NULL) ==
					0 &&
				    cluster_reserve(c, batch[v], dec.host) == 0)
					warm[v] = dec.host;
			}
			for (uint32_t v = 0; v < sizes[k].vms; v++)
				if (warm[v] != HOST_NONE) {
					used[warm[v]] = true;
					cluster_release(
					    c, batch[v], VM_PENDING);
				}
			for (uint32_t h = 0; h < c->n_hosts; h++)
				ff += used[h] ? cost[h] : 0;
			ao.clk = &clk;
			ao.limit_ns = (uint64_t)(sizes[k].limit_s * 1e9);
			ao.host_cost = cost;
			ao.warm = warm;
			t0 = data_now();
			if (assign_solve(c, batch, sizes[k].vms, &ao, &res) ==
			    0) {
				secs = data_now() - t0;
				if (secs / sizes[k].limit_s > worst)
					worst = secs / sizes[k].limit_s;
				gap_sum += res.gap;
				gain_sum += ff > 0 ? res.cost / ff : 1;
				fprintf(stderr,
				    "%5u/%-6u %5u %9.0f %9.0f %9.0f %7.1f%% "
				    "%8s %7.3f\n",
				    sizes[k].hosts, sizes[k].vms, rep, ff,
				    res.cost, res.bound, 100 * res.gap,
				    assign_status_name(res.status),
				    secs / sizes[k].limit_s);
				assign_result_done(&res);
			}
			place_decision_done(&dec);
			placer_free(pl);
			free(warm);
			free(used);
			free(cost);
			free(batch);
			cluster_free(c);
		}
		printf("{\"bench\":\"plan_ilp\",\"case\":\"hosts=%u/vms=%u\","
		       "\"metric\":\"cost_vs_first_fit\",\"value\":%.4f,"
		       "\"baseline\":\"first-fit\",\"baseline_value\":1,"
		       "\"ratio\":%.4f}\n",
		    sizes[k].hosts, sizes[k].vms, gain_sum / reps,
		    gain_sum / reps);
		printf("{\"bench\":\"plan_ilp\",\"case\":\"hosts=%u/vms=%u\","
		       "\"metric\":\"mean_gap\",\"value\":%.4f}\n",
		    sizes[k].hosts, sizes[k].vms, gap_sum / reps);
		printf("{\"bench\":\"plan_ilp\",\"case\":\"hosts=%u/vms=%u\","
		       "\"metric\":\"max_time_over_limit\",\"value\":%.4f,"
		       "\"limit_s\":%.0f}\n",
		    sizes[k].hosts, sizes[k].vms, worst, sizes[k].limit_s);
		fflush(stdout);
	}
	return 0;
}
