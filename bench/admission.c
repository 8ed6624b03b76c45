/* admission.c - benchmark: batch admission by dynamic programming (the
 * knapsack policy) against FCFS and greedy priority, with and without
 * backfilling, on random queues and on queues derived from the Alibaba
 * GPU-cluster trace (pods' CPU, memory and QoS class). Each policy's pick
 * is carried out by first fit, committing in pick order (stopping at the
 * first refusal when the pick is strict); the measure is the value
 * admitted: priority weight x share of the cluster, the knapsack's own
 * default value. */
#include "core/rng.h"
#include "data.h"
#include "place/place.h"
#include "sched/sched.h"

#include <getopt.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define QUEUE_MAX 4096

struct pod {
	int64_t cpu, mem;
	int32_t prio;
};

static const struct {
	const char *name, *params;
} policies[] = {
	{ "knapsack", NULL },
	{ "fcfs", NULL },
	{ "fcfs", "backfill=true" },
	{ "priority", NULL },
	{ "priority", "backfill=true" },
};
#define N_POL (sizeof(policies) / sizeof(policies[0]))

/* The knapsack's default worth: (priority + 1001) x thousandths of the
 * cluster's capacity (mean over cpu and memory), at least 1. */
static double
worth(const struct pod *p, double tot_cpu, double tot_mem)
{
	double share =
	    1000.0 * ((double)p->cpu / tot_cpu + (double)p->mem / tot_mem) / 2;

	return (double)(p->prio + 1001) *
	    (share < 1 ? 1 : (double)(uint64_t)(share + 0.5));
}

/*
 * One round: hosts (cpu, mem each), the running pods `run` (placed first
 * by first fit, to make the cluster busy), and the waiting `q`. Returns
 * the value each policy admits in val[]; the DP's pick time in *dp_s.
 */
static int
round_run(const struct pod *hosts, uint32_t nh, const struct pod *run,
    uint32_t nr, const struct pod *q, uint32_t nq, double *val, double *dp_s)
{
	double tot_cpu = 0, tot_mem = 0;

	for (uint32_t h = 0; h < nh; h++) {
		tot_cpu += (double)hosts[h].cpu;
		tot_mem += (double)hosts[h].mem;
	}
	for (size_t k = 0; k < N_POL; k++) {
		struct cluster *c;
		struct placer *pl = NULL;
		struct scheduler *s = NULL;
		struct sched_entry e[QUEUE_MAX];
		struct sched_queue sq = { e, nq };
		struct sched_pick pick;
		struct place_decision dec;
		struct diag d;
		char name[32];
		double t0;
		vm_id first_q = 0;

		cluster_new(&c);
		for (uint32_t h = 0; h < nh; h++) {
			struct host_spec hs = { .name = name,
				.cap = {
				    { hosts[h].cpu, hosts[h].mem, 0, 0 } } };

			snprintf(name, sizeof(name), "h%u", h);
			cluster_add_host(c, &hs, NULL);
		}
		placer_new("first-fit", NULL, 1, &pl, &d);
		place_decision_init(&dec);
		for (uint32_t i = 0; i < nr + nq; i++) {
			const struct pod *p = i < nr ? &run[i] : &q[i - nr];
			struct vm_spec vs = { .name = name,
				.perf = PERF_NORMAL,
				.demand = { { p->cpu, p->mem, 0, 0 } },
				.priority = p->prio };
			vm_id v;

			snprintf(name, sizeof(name), "v%u", i);
			cluster_add_vm(c, &vs, &v);
			if (i == nr)
				first_q = v;
			if (i < nr && placer_place(pl, c, v, &dec, NULL) == 0)
				cluster_reserve(c, v, dec.host);
		}
		for (uint32_t i = 0; i < nq; i++)
			e[i] = (struct sched_entry){ first_q + i, i, i };
		scheduler_new(policies[k].name, policies[k].params, 1, &s, &d);
		sched_pick_init(&pick);
		t0 = data_now();
		scheduler_pick(s, c, &sq, 0, 0, &pick);
		if (k == 0)
			*dp_s = data_now() - t0;
		val[k] = 0;
		for (uint32_t i = 0; i < pick.n; i++) {
			vm_id v = e[pick.idx[i]].vm;

			if (placer_place(pl, c, v, &dec, NULL) == 0 &&
			    cluster_reserve(c, v, dec.host) == 0)
				val[k] +=
				    worth(&q[pick.idx[i]], tot_cpu, tot_mem);
			else if (pick.strict)
				break;
		}
		sched_pick_done(&pick);
		place_decision_done(&dec);
		scheduler_free(s);
		placer_free(pl);
		cluster_free(c);
	}
	return 0;
}

static void
report(const char *cas, double (*v)[N_POL], uint32_t n, double *dp_s)
{
	double med[N_POL], col[4096];

	for (size_t k = 0; k < N_POL; k++) {
		for (uint32_t i = 0; i < n; i++)
			col[i] = v[i][k];
		med[k] = data_median(col, n);
	}
	for (size_t k = 1; k < N_POL; k++) {
		double ratio_sum = 0;

		for (uint32_t i = 0; i < n; i++)
			ratio_sum += v[i][k] > 0 ? v[i][0] / v[i][k] : 1;
		printf("{\"bench\":\"admission\",\"case\":\"%s\",\"metric\":"
		       "\"value_admitted_median\",\"value\":%.0f,\"baseline\":"
		       "\"%s%s%s\",\"baseline_value\":%.0f,\"ratio\":%.3f,"
		       "\"mean_ratio\":%.3f}\n",
		    cas, med[0], policies[k].name,
		    policies[k].params ? " " : "",
		    policies[k].params ? policies[k].params : "", med[k],
		    med[k] > 0 ? med[0] / med[k] : 0, ratio_sum / n);
	}
	printf("{\"bench\":\"admission\",\"case\":\"%s\",\"metric\":"
	       "\"dp_pick_ms_median\",\"value\":%.3f}\n",
	    cas, 1000 * data_median(dp_s, n));
	fprintf(stderr,
	    "%-28s knapsack %9.0f | fcfs %9.0f  +bf %9.0f | "
	    "priority %9.0f  +bf %9.0f | DP/best %.3f\n",
	    cas, med[0], med[1], med[2], med[3], med[4],
	    med[0] /
		(med[2] > med[4] ? (med[2] > med[1] ? med[2] : med[1])
				 : (med[4] > med[3] ? med[4] : med[3])));
}

static void
random_queues(uint32_t rounds)
{
	static double v[4096][N_POL], dp_s[4096];
	struct pod hosts[8], run[64], q[128];
	struct rng r;

	rng_init(&r, 1);
	for (uint32_t it = 0; it < rounds; it++) {
		uint32_t nr = 0;

		for (int h = 0; h < 8; h++)
			hosts[h] = (struct pod){ 32000, 131072, 0 };
		/* Busy: about 60% of the cluster runs already. */
		while (nr < 64) {
			run[nr++] = (struct pod){ rng_range(&r, 1, 8) * 1000,
				rng_range(&r, 1, 32) * 1024, 0 };
			if (nr >= 24)
				break;
		}
		for (int i = 0; i < 100; i++)
			q[i] = (struct pod){ rng_range(&r, 1, 16) * 1000,
				rng_range(&r, 1, 64) * 1024,
				(int32_t)rng_range(&r, 0, 3) * 100 };
		round_run(hosts, 8, run, nr, q, 100, v[it], &dp_s[it]);
	}
	report("random/hosts=8/queue=100", v, rounds, dp_s);
}

/* Alibaba pods: cpu_milli, memory_mib, qos -> priority. */
static uint32_t
read_pods(struct pod *out, uint32_t max)
{
	char cmd[4200], line[1024];
	FILE *f;
	uint32_t n = 0;

	snprintf(cmd, sizeof(cmd),
	    "gzip -dc '%s/alibaba_gpu_v2023/openb_pod_list_default.csv.gz'",
	    data_dir());
	f = popen(cmd, "r");
	if (!f)
		return 0;
	while (n < max && fgets(line, sizeof(line), f)) {
		char *fld[12], *p = line;
		int k = 0;

		while (k < 12 && p) {
			fld[k++] = p;
			p = strchr(p, ',');
			if (p)
				*p++ = '\0';
		}
		if (k < 8 || strcmp(fld[0], "name") == 0)
			continue;
		out[n].cpu = atoll(fld[1]);
		out[n].mem = atoll(fld[2]);
		out[n].prio = strcmp(fld[6], "Guaranteed") == 0 ? 300
		    : strcmp(fld[6], "LS") == 0			? 200
		    : strcmp(fld[6], "Burstable") == 0		? 100
								: 0;
		if (out[n].cpu <= 0 || out[n].mem <= 0)
			continue;
		n++;
	}
	pclose(f);
	return n;
}

static void
trace_queues(uint32_t rounds)
{
	static struct pod pods[10000];
	static double v[4096][N_POL], dp_s[4096];
	struct pod hosts[8];
	uint32_t n = read_pods(pods, 10000), it = 0;

	if (n < 300) {
		fprintf(stderr, "no Alibaba pod trace: trace queues skipped\n");
		return;
	}
	/* 8 nodes of the trace's most common shape: 96 cores, 384 GiB. */
	for (int h = 0; h < 8; h++)
		hosts[h] = (struct pod){ 96000, 393216, 0 };
	for (uint32_t off = 0; off + 140 <= n && it < rounds; off += 140, it++)
		/* The 40 pods before the window are running; the next 100
		 * (by creation time) wait. */
		round_run(hosts, 8, &pods[off], 40, &pods[off + 40], 100, v[it],
		    &dp_s[it]);
	if (it)
		report("alibaba/hosts=8/queue=100", v, it, dp_s);
}

int
main(int argc, char **argv)
{
	uint32_t rounds = 50;
	int c;

	while ((c = getopt(argc, argv, "r:")) != -1) {
		if (c == 'r')
			rounds = (uint32_t)atoi(optarg);
		else {
			fprintf(stderr, "usage: bench_admission [-r ROUNDS]\n");
			return 2;
		}
	}
	if (rounds == 0 || rounds > 4096)
		rounds = 50;
	fprintf(stderr,
	    "batch admission: median value admitted over %u "
	    "rounds (first fit places each pick)\n",
	    rounds);
	random_queues(rounds);
	trace_queues(rounds);
	return 0;
}
