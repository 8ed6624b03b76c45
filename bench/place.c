/* place.c - bench: allocation decisions per second, indexed strategies vs a linear scan. */
#include "place/place.h"
#include "bench_util.h"
#include "core/rng.h"
#include "linear_scan.h"

#include <stdlib.h>
#include <string.h>

/*
 * Hosts of three shapes; VM sizes from the Azure 2017 flavour mix (vCPU and
 * memory from flav_map.txt, weighted by how often each flavour arrives in
 * the first lines of v1.dev.txt.gz; disk and network derived from the vCPU
 * count). The cluster is filled to steady state, then each step is one
 * departure (a random running VM) and one arrival placed by the strategy;
 * decisions per second count arrivals over the whole loop, departures
 * included. The baseline is the same rule by a scan of every host
 * (tests/linear_scan.h), on an identical cluster, in the same run,
 * alternating; figures are medians of 3 rounds.
 */

#define DATA "../shared/data/azure_v1_vm_arrivals"
#define ROUNDS 3
#define MAX_FLAVORS 64

struct flavor {
	struct res x;
	double weight;
};

struct mix {
	struct flavor f[MAX_FLAVORS];
	int n;
	double total;
	const char *source;
};

static void
load_mix(const char *dir, struct mix *m)
{
	char path[512], line[65536], letter;
	int cpus;
	double gb;
	FILE *f;

	memset(m, 0, sizeof(*m));
	snprintf(path, sizeof(path), "%s/flav_map.txt", dir);
	f = fopen(path, "r");
	if (f) {
		while (m->n < 26 &&
		    fscanf(f, "%d,%lf %c", &cpus, &gb, &letter) == 3) {
			struct flavor *fl = &m->f[letter - 'a'];

			if (letter < 'a' || letter > 'z')
				continue;
			fl->x = (struct res){ { cpus * 1000LL,
			    (int64_t)(gb * 1024), 32LL * cpus, 250LL * cpus } };
			if (letter - 'a' + 1 > m->n)
				m->n = letter - 'a' + 1;
		}
		fclose(f);
	}
	snprintf(path, sizeof(path),
	    "gzip -dc %s/v1.dev.txt.gz 2>/dev/null | head -n 400", dir);
	f = m->n ? popen(path, "r") : NULL;
	while (f && fgets(line, sizeof(line), f))
		for (char *p = strchr(line, ' '); p && *p; p++)
			if (*p >= 'a' && *p < 'a' + m->n)
				m->f[*p - 'a'].weight += 1;
	if (f)
		pclose(f);
	for (int i = 0; i < m->n; i++)
		m->total += m->f[i].weight;
	m->source = "azure-2017 flavour mix";
	if (m->n == 0 || m->total == 0) {
		/* No data here: an even mix of common shapes. */
		static const int shapes[][2] = { { 1, 2 }, { 2, 4 }, { 2, 8 },
			{ 4, 8 }, { 4, 16 }, { 8, 32 }, { 16, 64 } };

		m->n = (int)(sizeof(shapes) / sizeof(shapes[0]));
		m->total = m->n;
		for (int i = 0; i < m->n; i++)
			m->f[i] = (struct flavor){ { { shapes[i][0] * 1000LL,
						       shapes[i][1] * 1024LL,
						       32LL * shapes[i][0],
						       250LL * shapes[i][0] } },
				1 };
		m->source = "built-in even mix (no Azure data found)";
	}
}

static const struct res *
draw(const struct mix *m, struct rng *r)
{
	double u = rng_unit(r) * m->total;

	for (int i = 0; i < m->n; i++) {
		if (u < m->f[i].weight)
			return &m->f[i].x;
		u -= m->f[i].weight;
	}
	return &m->f[m->n - 1].x;
}

/*
 * VMs are created once, up front: `running` holds those placed, `pool` the
 * pending ones. A departure releases a running VM into the pool; an arrival
 * takes a random pooled VM. So the timed loop is decisions and departures
 * only, not name allocation.
 */
struct world {
	struct cluster *c;
	vm_id *running, *pool;
	uint32_t n_running, n_pool;
	struct rng r;
};

static vm_id
take_pooled(struct world *w)
{
	uint32_t i = (uint32_t)rng_below(&w->r, w->n_pool);
	vm_id v = w->pool[i];

	w->pool[i] = w->pool[--w->n_pool];
	return v;
}

static void
build(struct world *w, uint32_t hosts, const struct mix *m, uint64_t seed)
{
	static const struct res shapes[3] = {
		{ { 48000, 393216, 4000, 25000 } },
		{ { 64000, 524288, 4000, 25000 } },
		{ { 96000, 786432, 8000, 50000 } }
	};
	struct place_decision dec;
	struct placer *p = NULL;
	struct diag d;
	uint32_t misses = 0, n_vms;
	char name[32];

	memset(w, 0, sizeof(*w));
	rng_init(&w->r, seed);
	cluster_new(&w->c);
	/* Racks of one hardware generation each: a third of each shape. */
	for (uint32_t h = 0; h < hosts; h++) {
		struct host_spec s = { .name = name,
			.cap = shapes[(uint64_t)h * 3 / hosts] };

		snprintf(name, sizeof(name), "h%u", h);
		s.overcommit_milli[RES_CPU] = 2000;
		cluster_add_host(w->c, &s, NULL);
	}
	/* Enough VMs to fill every host, plus a pool of arrivals. */
	n_vms = hosts * 120;
	w->running = malloc(n_vms * sizeof(*w->running));
	w->pool = malloc(n_vms * sizeof(*w->pool));
	for (uint32_t i = 0; i < n_vms; i++) {
		struct vm_spec s = { .name = name, .demand = *draw(m, &w->r) };

		snprintf(name, sizeof(name), "v%u", i);
		cluster_add_vm(w->c, &s, &w->pool[w->n_pool++]);
	}
	/* Fill with best fit until 500 arrivals in a row find no room. */
	placer_new("best-fit", NULL, seed, &p, &d);
	place_decision_init(&dec);
	while (misses < 500 && w->n_pool > 0) {
		vm_id v = take_pooled(w);

		if (placer_place(p, w->c, v, &dec, NULL) == 0 &&
		    cluster_reserve(w->c, v, dec.host) == 0) {
			w->running[w->n_running++] = v;
			misses = 0;
		} else {
			misses++;
			w->pool[w->n_pool++] = v;
		}
	}
	place_decision_done(&dec);
	placer_free(p);
}

static void
destroy(struct world *w)
{
	cluster_free(w->c);
	free(w->running);
	free(w->pool);
}

/* *dst = a deep copy of src (the cluster and the VM lists), so that every
 * strategy starts from the same steady state without filling it again
 * (filling 100,000 hosts takes minutes). Exits on lack of memory. */
static void
copy_world(struct world *dst, const struct world *src, uint32_t n_vms)
{
	*dst = *src;
	dst->running = malloc(n_vms * sizeof(*dst->running));
	dst->pool = malloc(n_vms * sizeof(*dst->pool));
	if (!dst->running || !dst->pool || cluster_clone(src->c, &dst->c) < 0) {
		fprintf(stderr, "bench place: out of memory\n");
		exit(1);
	}
	memcpy(
	    dst->running, src->running, src->n_running * sizeof(*dst->running));
	memcpy(dst->pool, src->pool, src->n_pool * sizeof(*dst->pool));
}

/* Steady state: depart one, place one; returns decisions per second. */
struct rates {
	double decisions_per_s; /* timing the decision and its commit only */
	double loop_per_s; /* arrivals per second of the whole loop */
};

/* Steady state: depart one, place one. The decision (strategy + commit)
 * is timed on its own; the departure around it is not a decision. */
static struct rates
run(struct world *w, const char *strategy, int linear_rule, double budget_s,
    uint32_t max_decisions)
{
	struct place_decision dec;
	struct placer *p = NULL;
	struct rates rt;
	struct diag d;
	uint32_t n = 0;
	double t0, t, in_decisions = 0;

	if (linear_rule < 0)
		placer_new(strategy, NULL, 1, &p, &d);
	place_decision_init(&dec);
	t0 = bench_now();
	do {
		for (int k = 0; k < 64 && n < max_decisions; k++, n++) {
			uint32_t i = (uint32_t)rng_below(&w->r, w->n_running);
			double td;
			vm_id v;
			host_id h;
			int rc;

			cluster_release(w->c, w->running[i], VM_PENDING);
			w->pool[w->n_pool++] = w->running[i];
			w->running[i] = w->running[--w->n_running];
			v = take_pooled(w);
			td = bench_now();
			if (linear_rule < 0) {
				rc = placer_place(p, w->c, v, &dec, NULL);
				h = dec.host;
			} else {
				rc = linear_place(
				    (enum linear_rule)linear_rule, w->c, v, &h);
			}
			rc = rc == 0 ? cluster_reserve(w->c, v, h) : rc;
			in_decisions += bench_now() - td;
			if (rc == 0)
				w->running[w->n_running++] = v;
			else
				w->pool[w->n_pool++] = v;
		}
		t = bench_now() - t0;
	} while (t < budget_s && n < max_decisions);
	place_decision_done(&dec);
	placer_free(p);
	rt.decisions_per_s = n / in_decisions;
	rt.loop_per_s = n / t;
	return rt;
}

int
main(int argc, char **argv)
{
	static const uint32_t sizes[] = { 1000, 10000, 100000 };
	/* For profiling one case: --hosts N, --strategy S. */
	const char *only = NULL;
	uint32_t only_hosts = 0;
	static const struct {
		const char *name;
		int rule;
	} strategies[] = {
		{ "first-fit", LINEAR_FIRST_FIT },
		{ "best-fit", LINEAR_BEST_FIT },
		{ "worst-fit", LINEAR_WORST_FIT },
		{ "dot-product", LINEAR_DOT_PRODUCT },
		{ "performance", LINEAR_PERFORMANCE },
		{ "random", -1 },
		{ "priority", -1 },
	};
	struct mix m;
	char cas[128];

	for (int i = 1; i + 1 < argc; i += 2) {
		if (strcmp(argv[i], "--hosts") == 0)
			only_hosts = (uint32_t)strtoul(argv[i + 1], NULL, 10);
		else if (strcmp(argv[i], "--strategy") == 0)
			only = argv[i + 1];
		else {
			fprintf(stderr,
			    "usage: bench_place [--hosts N] "
			    "[--strategy S]\n");
			return 2;
		}
	}
	load_mix(DATA, &m);
	fprintf(
	    stderr, "place: VM sizes from %s (%d flavours)\n", m.source, m.n);
	for (size_t si = 0; si < sizeof(sizes) / sizeof(sizes[0]); si++) {
		uint32_t hosts = sizes[si];
		enum { NS = sizeof(strategies) / sizeof(strategies[0]) };
		double fast[NS][ROUNDS], slow[NS][ROUNDS], loop[NS][ROUNDS];
		double bytes[NS] = { 0 };
		struct world base, w;

		if (only_hosts && hosts != only_hosts)
			continue;

		for (int round = 0; round < ROUNDS; round++) {
			build(&base, hosts, &m, 42 + round);
			if (round == 0) {
				snprintf(cas, sizeof(cas),
				    "steady-state/hosts=%u", hosts);
				bench_emit("place", cas, "running_vms",
				    base.n_running, NULL, 0);
			}
			for (size_t k = 0; k < NS; k++) {
				struct rates rt;

				fast[k][round] = slow[k][round] = 0;
				loop[k][round] = 0;
				if (only && strcmp(only, strategies[k].name))
					continue;

				copy_world(&w, &base, hosts * 120);
				rt = run(
				    &w, strategies[k].name, -1, 0.4, 2000000);
				fast[k][round] = rt.decisions_per_s;
				loop[k][round] = rt.loop_per_s;
				/* Indexes start on first use: what this
				 * strategy made the cluster keep. */
				bytes[k] =
				    (double)cluster_index_bytes(w.c) / hosts;
				destroy(&w);
				if (strategies[k].rule < 0)
					continue;
				copy_world(&w, &base, hosts * 120);
				rt = run(
				    &w, NULL, strategies[k].rule, 0.4, 200000);
				slow[k][round] = rt.decisions_per_s;
				destroy(&w);
			}
			destroy(&base);
		}
		for (size_t k = 0; k < NS; k++) {
			double f = bench_median(fast[k], ROUNDS);

			if (only && strcmp(only, strategies[k].name))
				continue;

			snprintf(cas, sizeof(cas), "%s/hosts=%u",
			    strategies[k].name, hosts);
			bench_emit("place", cas, "loop_arrivals_per_s",
			    bench_median(loop[k], ROUNDS), NULL, 0);
			bench_emit("place", cas, "index_bytes_per_host",
			    bytes[k], NULL, 0);
			if (strategies[k].rule >= 0) {
				double sl = bench_median(slow[k], ROUNDS);

				bench_emit("place", cas, "decisions_per_s", f,
				    "linear-scan", sl);
				fprintf(stderr,
				    "place: %-24s %12.0f /s  scan %10.0f /s  "
				    "x%.1f\n",
				    cas, f, sl, f / sl);
			} else {
				bench_emit("place", cas, "decisions_per_s", f,
				    NULL, 0);
				fprintf(
				    stderr, "place: %-24s %12.0f /s\n", cas, f);
			}
		}
	}
	return 0;
}
