/* plan_vbp.c - benchmark: the shared .vbp vector instances (Panigrahy
 * classes, Caprara/Falkenauer triplets) packed by `vmgr pack --optimal`'s
 * solver: share reaching the known optimum within the limit, per class
 * and dimension count. */
#include "data.h"
#include "model/instance.h"
#include "plan/binpack.h"

#include <getopt.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

struct grp {
	char name[48];
	uint32_t n, reached, proven, refused;
	double sum_s, max_s, over;
};

static struct grp *
grp_get(struct grp *g, uint32_t *n, const char *name)
{
	for (uint32_t i = 0; i < *n; i++)
		if (strcmp(g[i].name, name) == 0)
			return &g[i];
	memset(&g[*n], 0, sizeof(g[*n]));
	snprintf(g[*n].name, sizeof(g[*n].name), "%s", name);
	return &g[(*n)++];
}

static void
emit(const char *c, const char *metric, double v)
{
	printf("{\"bench\":\"plan_vbp\",\"case\":\"%s\",\"metric\":\"%s\","
	       "\"value\":%.4g}\n",
	    c, metric, v);
}

static void
report(const struct grp *g)
{
	uint32_t solved = g->n - g->refused;

	emit(g->name, "instances", g->n);
	emit(g->name, "refused_by_reader", g->refused);
	emit(g->name, "known_optimum_share",
	    g->n ? (double)g->reached / g->n : 0);
	emit(g->name, "known_optimum_share_of_valid",
	    solved ? (double)g->reached / solved : 0);
	emit(g->name, "proven_optimal_share",
	    g->n ? (double)g->proven / g->n : 0);
	emit(g->name, "mean_s", solved ? g->sum_s / solved : 0);
	emit(g->name, "max_s", g->max_s);
	fprintf(stderr,
	    "%-22s %5u %5u %7.1f%% %7.1f%% %7.1f%% %8.3f %8.3f %7.2f\n",
	    g->name, g->n, g->refused, g->n ? 100.0 * g->reached / g->n : 0,
	    solved ? 100.0 * g->reached / solved : 0,
	    g->n ? 100.0 * g->proven / g->n : 0, solved ? g->sum_s / solved : 0,
	    g->max_s,
	    solved > g->reached ? g->over / (solved - g->reached) : 0);
}

int
main(int argc, char **argv)
{
	static const struct option longopts[] = {
		{ "limit", required_argument, NULL, 'l' },
		{ "class", required_argument, NULL, 'c' },
		{ "every", required_argument, NULL, 'e' },
		{ "per-instance", no_argument, NULL, 'p' },
		{ 0 },
	};
	static const char *const sets[2][3] = {
		{ "Panigrahy", "Panigrahy_instances.tar.gz",
		    "Panigrahy_instances_multidim" },
		{ "Triplet", "Triplet_instances.tar.gz",
		    "Triplet_instances_multidim" },
	};
	double limit_s = 10;
	const char *only = NULL;
	uint32_t every = 1, seen = 0, n_grp = 0;
	bool per = false;
	struct grp grp[128];
	struct grp total[2];
	struct clock clk;
	char path[4096];
	int c, rc = 0;

	while ((c = getopt_long(argc, argv, "", longopts, NULL)) != -1) {
		switch (c) {
		case 'l':
			limit_s = atof(optarg);
			break;
		case 'c':
			only = optarg;
			break;
		case 'e':
			every = (uint32_t)atoi(optarg);
			break;
		case 'p':
			per = true;
			break;
		default:
			fprintf(stderr,
			    "usage: bench_plan_vbp [--limit S] "
			    "[--class SUBSTR] [--every N] "
			    "[--per-instance]\n");
			return 2;
		}
	}
	if (every == 0)
		every = 1;
	memset(total, 0, sizeof(total));
	snprintf(total[0].name, sizeof(total[0].name), "Panigrahy");
	snprintf(total[1].name, sizeof(total[1].name), "Triplet");
	clock_init_monotonic(&clk);
	fprintf(stderr,
	    ".vbp instances with a known optimum, --optimal, %.0f s limit\n",
	    limit_s);
	for (int s = 0; s < 2; s++) {
		struct tsv t;
		char *dir = NULL;

		snprintf(path, sizeof(path),
		    "%s/vbp_vectorpack/%s_summary_known.csv", data_dir(),
		    sets[s][0]);
		if (tsv_read(path, &t) < 0) {
			fprintf(stderr,
			    "bench plan_vbp: no data at %s: skipped\n", path);
			return 0;
		}
		snprintf(path, sizeof(path), "%s/vbp_vectorpack/%s", data_dir(),
		    sets[s][1]);
		if (data_unpack(path, &dir) < 0) {
			tsv_done(&t);
			return 1;
		}
		for (uint32_t i = 1; i < t.n_rows; i++) {
			const char *name = t.rows[i][0];
			long opt;
			char cls[48], sub[48], key[64], *buf;
			size_t len;
			struct instance *in = NULL;
			struct diag d;
			struct binpack_opts bo = { .clk = &clk,
				.limit_ns = (uint64_t)(limit_s * 1e9),
				.seed = 1 };
			struct binpack_result res;
			struct grp *g;
			uint32_t dims = 0;
			double t0, secs;
			const char *p1, *p2;

			if (t.n_fields[i] < 3)
				continue;
			opt = strtol(t.rows[i][2], NULL, 10);
			if (opt < 0 || (only && !strstr(name, only)))
				continue;
			if (seen++ % every)
				continue;
			/* class2_40_5_3: class, items, dims, index */
			p1 = strchr(name, '_');
			p2 = p1 ? strchr(p1 + 1, '_') : NULL;
			if (!p1 || !p2)
				continue;
			snprintf(
			    cls, sizeof(cls), "%.*s", (int)(p1 - name), name);
			dims = (uint32_t)atoi(p2 + 1);
			if (s == 0)
				snprintf(sub, sizeof(sub), "%s", cls);
			else
				snprintf(sub, sizeof(sub), "%s",
				    strcmp(cls, "classC") == 0 ? "Caprara"
							       : "Falkenauer");
			snprintf(key, sizeof(key), "%s/d=%u", cls, dims);
			g = grp_get(grp, &n_grp, key);
			snprintf(path, sizeof(path), "%s/%s/%s/%s.vbp", dir,
			    sets[s][2], sub, name);
			if (data_read(path, &buf, &len) < 0) {
				fprintf(stderr, "%s: cannot read\n", path);
				rc = 1;
				continue;
			}
			g->n++;
			total[s].n++;
			if (instance_parse(buf, len, INSTANCE_VBP, &in, &d) <
			    0) {
				/* The Caprara triplets have a few negative
				 * sizes: the reader refuses them. */
				g->refused++;
				total[s].refused++;
				if (per)
					fprintf(stderr, "%s: refused: %s\n",
					    name, d.msg);
				free(buf);
				continue;
			}
			free(buf);
			t0 = data_now();
			if (binpack_solve(in, &bo, &res) < 0) {
				fprintf(stderr, "%s: solver failed\n", name);
				instance_free(in);
				rc = 1;
				continue;
			}
			secs = data_now() - t0;
			for (int k = 0; k < 2; k++) {
				struct grp *x = k ? &total[s] : g;

				x->sum_s += secs;
				if (secs > x->max_s)
					x->max_s = secs;
				if ((long)res.bins == opt)
					x->reached++;
				else
					x->over +=
					    (double)res.bins - (double)opt;
				if (res.optimal)
					x->proven++;
			}
			if ((long)res.bins < opt ||
			    !bpp_sol_valid(res.problem, &res.sol)) {
				fprintf(stderr,
				    "%s: INVALID: %u bins, opt %ld\n", name,
				    res.bins, opt);
				rc = 1;
			}
			if (per)
				printf(
				    "{\"bench\":\"plan_vbp\",\"case\":\"%s\","
				    "\"metric\":\"seconds\",\"value\":%.3f,"
				    "\"bins\":%u,\"lower_bound\":%lu,"
				    "\"opt\":%ld,\"optimal\":%s,"
				    "\"heuristic_bins\":%u}\n",
				    name, secs, res.bins,
				    (unsigned long)res.lower_bound, opt,
				    res.optimal ? "true" : "false",
				    res.heuristic_bins);
			fflush(stdout);
			binpack_result_done(&res);
			instance_free(in);
		}
		data_remove(dir);
		free(dir);
		tsv_done(&t);
	}
	fprintf(stderr, "%-22s %5s %5s %8s %8s %8s %8s %8s %7s\n", "class", "n",
	    "refus", "opt", "opt/valid", "proven", "mean_s", "max_s", "over");
	for (uint32_t i = 0; i < n_grp; i++)
		report(&grp[i]);
	report(&total[0]);
	report(&total[1]);
	{
		struct grp all = { .name = "all" };

		for (int s = 0; s < 2; s++) {
			all.n += total[s].n;
			all.reached += total[s].reached;
			all.proven += total[s].proven;
			all.refused += total[s].refused;
			all.sum_s += total[s].sum_s;
			all.over += total[s].over;
			if (total[s].max_s > all.max_s)
				all.max_s = total[s].max_s;
		}
		report(&all);
	}
	return rc;
}
