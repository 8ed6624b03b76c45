/* plan_bpp.c - benchmark: BPPLIB solved to proven optimality (`vmgr pack
 * --optimal`'s solver), per family: share proven optimal within the time
 * limit, mean and max time, mean gap on the rest. */
#include "data.h"
#include "model/instance.h"
#include "plan/binpack.h"

#include <getopt.h>
#include <math.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static const struct {
	const char *prefix, *archive;
} archives[] = {
	{ "Falkenauer", "falkenauer.tar.gz" },
	{ "Hard28", "hard28.tar.gz" },
	{ "Scholl", "scholl.tar.gz" },
	{ "Schwerin", "schwerin.tar.gz" },
	{ "Waescher", "waescher.tar.gz" },
	{ "Randomly_Generated", "randomly_generated_seeds0-6.tar.gz" },
};
#define N_ARCHIVES (sizeof(archives) / sizeof(archives[0]))

struct fam {
	char name[64];
	uint32_t n, proven, reached, unsolved;
	double sum_s, max_s, gap_rest, over_opt_rest, max_ratio;
};

struct opts {
	double limit_s;
	const char *family;
	uint32_t every, max;
	uint64_t seed;
	bool per_instance;
};

static struct fam *
fam_get(struct fam *f, uint32_t *n, const char *name)
{
	for (uint32_t i = 0; i < *n; i++)
		if (strcmp(f[i].name, name) == 0)
			return &f[i];
	memset(&f[*n], 0, sizeof(f[*n]));
	snprintf(f[*n].name, sizeof(f[*n].name), "%s", name);
	return &f[(*n)++];
}

static void
emit(const char *fam, const char *metric, double v)
{
	printf("{\"bench\":\"plan_bpp\",\"case\":\"%s\",\"metric\":\"%s\","
	       "\"value\":%.4g}\n",
	    fam, metric, v);
}

static void
report(struct fam *f, const struct opts *o)
{
	double mean = f->n ? f->sum_s / f->n : 0;
	double share = f->n ? (double)f->proven / f->n : 0;

	emit(f->name, "instances", f->n);
	emit(f->name, "proven_optimal_share", share);
	emit(f->name, "known_optimum_share",
	    f->n ? (double)f->reached / f->n : 0);
	emit(f->name, "mean_s", mean);
	emit(f->name, "max_s", f->max_s);
	emit(f->name, "mean_gap_rest",
	    f->unsolved ? f->gap_rest / f->unsolved : 0);
	emit(f->name, "max_time_over_limit", f->max_ratio);
	fprintf(stderr, "%-26s %5u %7.1f%% %7.1f%% %8.3f %8.3f %8.2f %8.2f\n",
	    f->name, f->n, 100 * share, f->n ? 100.0 * f->reached / f->n : 0,
	    mean, f->max_s, f->unsolved ? f->gap_rest / f->unsolved : 0,
	    f->unsolved ? f->over_opt_rest / f->unsolved : 0);
	(void)o;
}

int
main(int argc, char **argv)
{
	static const struct option longopts[] = {
		{ "limit", required_argument, NULL, 'l' },
		{ "family", required_argument, NULL, 'f' },
		{ "every", required_argument, NULL, 'e' },
		{ "max", required_argument, NULL, 'm' },
		{ "seed", required_argument, NULL, 's' },
		{ "per-instance", no_argument, NULL, 'p' },
		{ 0 },
	};
	struct opts o = { .limit_s = 10, .every = 1 };
	char *dirs[N_ARCHIVES] = { 0 }, path[4096];
	struct fam fams[64], total[8];
	uint32_t n_fams = 0, n_total = 0, done = 0;
	struct tsv t;
	struct clock clk;
	int c, rc = 0;

	while ((c = getopt_long(argc, argv, "", longopts, NULL)) != -1) {
		switch (c) {
		case 'l':
			o.limit_s = atof(optarg);
			break;
		case 'f':
			o.family = optarg;
			break;
		case 'e':
			o.every = (uint32_t)atoi(optarg);
			break;
		case 'm':
			o.max = (uint32_t)atoi(optarg);
			break;
		case 's':
			o.seed = strtoull(optarg, NULL, 10);
			break;
		case 'p':
			o.per_instance = true;
			break;
		default:
			fprintf(stderr,
			    "usage: bench_plan_bpp [--limit S] [--family "
			    "SUBSTR] "
			    "[--every N] [--max N] [--seed N] "
			    "[--per-instance]\n");
			return 2;
		}
	}
	if (o.every == 0)
		o.every = 1;
	snprintf(path, sizeof(path), "%s/bpplib/bounds.tsv", data_dir());
	if (tsv_read(path, &t) < 0) {
		fprintf(stderr,
		    "bench plan_bpp: no BPPLIB data at %s: skipped\n", path);
		return 0;
	}
	clock_init_monotonic(&clk);
	fprintf(stderr, "BPPLIB, --optimal with a %.0f s limit per instance\n",
	    o.limit_s);
	for (uint32_t i = 1; i < t.n_rows; i++) {
		const char *family, *name;
		uint64_t opt;
		uint32_t a;
		char *buf;
		size_t len;
		struct instance *in = NULL;
		struct binpack_result res;
		struct binpack_opts bo = { .clk = &clk,
			.limit_ns = (uint64_t)(o.limit_s * 1e9),
			.seed = o.seed };
		struct diag d;
		double t0, secs;
		struct fam *f, *tf;
		char top[64];

		if (t.n_fields[i] < 7)
			continue;
		family = t.rows[i][0];
		name = t.rows[i][1];
		opt = strtoull(t.rows[i][5], NULL, 10);
		if (o.family && !strstr(family, o.family))
			continue;
		if ((i - 1) % o.every != 0)
			continue;
		if (o.max && done >= o.max)
			break;
		for (a = 0; a < N_ARCHIVES; a++)
			if (strncmp(family, archives[a].prefix,
				strlen(archives[a].prefix)) == 0)
				break;
		if (a == N_ARCHIVES)
			continue;
		if (!dirs[a]) {
			snprintf(path, sizeof(path), "%s/bpplib/%s", data_dir(),
			    archives[a].archive);
			if (data_unpack(path, &dirs[a]) < 0) {
				rc = 1;
				break;
			}
		}
		snprintf(
		    path, sizeof(path), "%s/%s/%s.txt", dirs[a], family, name);
		if (data_read(path, &buf, &len) < 0) {
			fprintf(stderr, "%s: cannot read\n", path);
			rc = 1;
			continue;
		}
		if (instance_parse(buf, len, INSTANCE_BPPLIB, &in, &d) < 0) {
			fprintf(stderr, "%s:%s\n", path, d.msg);
			free(buf);
			rc = 1;
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
		done++;
		f = fam_get(fams, &n_fams, family);
		snprintf(top, sizeof(top), "%s", family);
		if (strchr(top, '/'))
			*strchr(top, '/') = '\0';
		tf = fam_get(total, &n_total, top);
		for (int k = 0; k < 2; k++) {
			struct fam *x = k ? tf : f;

			x->n++;
			x->sum_s += secs;
			if (secs > x->max_s)
				x->max_s = secs;
			if (secs / o.limit_s > x->max_ratio)
				x->max_ratio = secs / o.limit_s;
			if (res.optimal)
				x->proven++;
			if (res.bins == opt)
				x->reached++;
			if (!res.optimal) {
				x->unsolved++;
				x->gap_rest +=
				    (double)res.bins - (double)res.lower_bound;
				x->over_opt_rest +=
				    (double)res.bins - (double)opt;
			}
		}
		if (res.bins < opt || !bpp_sol_valid(res.problem, &res.sol)) {
			fprintf(stderr,
			    "%s: INVALID result: %u bins, opt %lu\n", name,
			    res.bins, (unsigned long)opt);
			rc = 1;
		}
		if (o.per_instance)
			printf("{\"bench\":\"plan_bpp\",\"case\":\"%s/%s\","
			       "\"metric\":\"seconds\",\"value\":%.3f,"
			       "\"bins\":%u,\"lower_bound\":%lu,\"opt\":%lu,"
			       "\"optimal\":%s,\"heuristic_bins\":%u,"
			       "\"lp\":%.4f,\"dives\":%u,\"columns\":%u}\n",
			    family, name, secs, res.bins,
			    (unsigned long)res.lower_bound, (unsigned long)opt,
			    res.optimal ? "true" : "false", res.heuristic_bins,
			    res.colgen.lp, res.colgen.dives,
			    res.colgen.columns);
		fflush(stdout);
		binpack_result_done(&res);
		instance_free(in);
	}
	fprintf(stderr, "%-26s %5s %8s %8s %8s %8s %8s %8s\n", "family", "n",
	    "proven", "opt", "mean_s", "max_s", "gap_rest", "over_opt");
	for (uint32_t i = 0; i < n_fams; i++)
		report(&fams[i], &o);
	for (uint32_t i = 0; i < n_total; i++)
		report(&total[i], &o);
	for (uint32_t a = 0; a < N_ARCHIVES; a++) {
		data_remove(dirs[a]);
		free(dirs[a]);
	}
	tsv_done(&t);
	return rc;
}
