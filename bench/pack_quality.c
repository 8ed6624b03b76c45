/* pack_quality.c - benchmark: every registered allocation strategy, in
 * arrival and decreasing order, packing the shared BPPLIB families and the
 * 3-dimensional .vbp sets (`vmgr pack`): bins above the known optimum and
 * the share packed optimally, per family. New strategies in the registry
 * show up here by themselves. */
#include "cli/pack.h"
#include "data.h"
#include "place/place.h"

#include <getopt.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define STRATS_MAX 32
#define FAMS_MAX 16

struct cell {
	uint32_t n, at_opt, failed;
	double above;
};

struct fam {
	char name[48];
	struct cell c[STRATS_MAX][2];
};

static struct fam fams[FAMS_MAX];
static uint32_t n_fams;

static struct fam *
fam_get(const char *name)
{
	for (uint32_t i = 0; i < n_fams; i++)
		if (strcmp(fams[i].name, name) == 0)
			return &fams[i];
	if (n_fams == FAMS_MAX)
		return NULL;
	memset(&fams[n_fams], 0, sizeof(fams[n_fams]));
	snprintf(fams[n_fams].name, sizeof(fams[n_fams].name), "%s", name);
	return &fams[n_fams++];
}

static const struct place_ops *const *strats;
static uint32_t n_strats;

/* Packs one instance with every strategy and order. */
static void
run(const char *fam_name, const struct instance *in, uint64_t opt)
{
	struct fam *f = fam_get(fam_name);

	if (!f)
		return;
	for (uint32_t s = 0; s < n_strats && s < STRATS_MAX; s++)
		for (int o = 0; o < 2; o++) {
			struct cell *c = &f->c[s][o];
			struct diag d;
			uint32_t bins;

			c->n++;
			if (pack_with_strategy(in, strats[s]->name, NULL, 1,
				o ? PACK_DECREASING : PACK_ARRIVAL, &bins,
				&d) < 0) {
				c->failed++;
				continue;
			}
			if (bins == opt)
				c->at_opt++;
			c->above += (double)bins - (double)opt;
		}
}

static int
bpplib(const char *only, uint32_t every, bool random_too)
{
	static const struct {
		const char *prefix, *archive;
	} arch[] = {
		{ "Falkenauer", "falkenauer.tar.gz" },
		{ "Hard28", "hard28.tar.gz" },
		{ "Scholl", "scholl.tar.gz" },
		{ "Schwerin", "schwerin.tar.gz" },
		{ "Waescher", "waescher.tar.gz" },
		{ "Randomly_Generated", "randomly_generated_seeds0-6.tar.gz" },
	};
	char *dirs[6] = { 0 }, path[4096];
	struct tsv t;
	uint32_t seen = 0;

	snprintf(path, sizeof(path), "%s/bpplib/bounds.tsv", data_dir());
	if (tsv_read(path, &t) < 0) {
		fprintf(stderr, "no BPPLIB data at %s: skipped\n", path);
		return 0;
	}
	for (uint32_t i = 1; i < t.n_rows; i++) {
		const char *family = t.rows[i][0], *name = t.rows[i][1];
		struct instance *in = NULL;
		struct diag d;
		char top[48], *buf;
		size_t len;
		uint32_t a;

		if (t.n_fields[i] < 7 || (only && !strstr(family, only)))
			continue;
		for (a = 0; a < 6; a++)
			if (strncmp(family, arch[a].prefix,
				strlen(arch[a].prefix)) == 0)
				break;
		if (a == 6 || (a == 5 && !random_too))
			continue;
		if (seen++ % every)
			continue;
		if (!dirs[a]) {
			snprintf(path, sizeof(path), "%s/bpplib/%s", data_dir(),
			    arch[a].archive);
			if (data_unpack(path, &dirs[a]) < 0)
				continue;
		}
		snprintf(
		    path, sizeof(path), "%s/%s/%s.txt", dirs[a], family, name);
		if (data_read(path, &buf, &len) < 0)
			continue;
		if (instance_parse(buf, len, INSTANCE_BPPLIB, &in, &d) == 0) {
			snprintf(top, sizeof(top), "%s", family);
			if (strchr(top, '/'))
				*strchr(top, '/') = '\0';
			run(top, in, strtoull(t.rows[i][5], NULL, 10));
			instance_free(in);
		}
		free(buf);
		if (seen % 200 == 0)
			fprintf(stderr, "  %u BPPLIB instances\n", seen);
	}
	for (int a = 0; a < 6; a++) {
		data_remove(dirs[a]);
		free(dirs[a]);
	}
	tsv_done(&t);
	return 0;
}

/* The 3-dimensional .vbp instances with a known optimum (d <= 4 is what
 * the resource vector holds; the shared sets have d = 3, 5, 10). */
static int
vbp(uint32_t every)
{
	static const char *const sets[2][3] = {
		{ "Panigrahy", "Panigrahy_instances.tar.gz",
		    "Panigrahy_instances_multidim" },
		{ "Triplet", "Triplet_instances.tar.gz",
		    "Triplet_instances_multidim" },
	};
	char path[4096];
	uint32_t seen = 0;

	for (int s = 0; s < 2; s++) {
		struct tsv t;
		char *dir = NULL;

		snprintf(path, sizeof(path),
		    "%s/vbp_vectorpack/%s_summary_known.csv", data_dir(),
		    sets[s][0]);
		if (tsv_read(path, &t) < 0)
			return 0;
		snprintf(path, sizeof(path), "%s/vbp_vectorpack/%s", data_dir(),
		    sets[s][1]);
		if (data_unpack(path, &dir) < 0) {
			tsv_done(&t);
			return 1;
		}
		for (uint32_t i = 1; i < t.n_rows; i++) {
			const char *name = t.rows[i][0], *p1, *p2;
			struct instance *in = NULL;
			struct diag d;
			char cls[48], fam[48], *buf;
			size_t len;
			long opt;

			if (t.n_fields[i] < 3)
				continue;
			opt = strtol(t.rows[i][2], NULL, 10);
			p1 = strchr(name, '_');
			p2 = p1 ? strchr(p1 + 1, '_') : NULL;
			if (opt < 0 || !p2 || atoi(p2 + 1) > (int)PACK_DIMS_MAX)
				continue;
			if (seen++ % every)
				continue;
			snprintf(
			    cls, sizeof(cls), "%.*s", (int)(p1 - name), name);
			snprintf(fam, sizeof(fam), "vbp-%s-d3", sets[s][0]);
			snprintf(path, sizeof(path), "%s/%s/%s/%s.vbp", dir,
			    sets[s][2],
			    s == 0			     ? cls
				: strcmp(cls, "classC") == 0 ? "Caprara"
							     : "Falkenauer",
			    name);
			if (data_read(path, &buf, &len) < 0)
				continue;
			if (instance_parse(buf, len, INSTANCE_VBP, &in, &d) ==
			    0) {
				run(fam, in, (uint64_t)opt);
				instance_free(in);
			}
			free(buf);
		}
		data_remove(dir);
		free(dir);
		tsv_done(&t);
	}
	return 0;
}

int
main(int argc, char **argv)
{
	static const struct option longopts[] = {
		{ "family", required_argument, NULL, 'f' },
		{ "every", required_argument, NULL, 'e' },
		{ "random", no_argument, NULL, 'r' },
		{ "no-vbp", no_argument, NULL, 'n' },
		{ 0 },
	};
	const char *only = NULL;
	uint32_t every = 1;
	bool random_too = false, no_vbp = false;
	int c;

	while ((c = getopt_long(argc, argv, "", longopts, NULL)) != -1) {
		switch (c) {
		case 'f':
			only = optarg;
			break;
		case 'e':
			every = (uint32_t)atoi(optarg);
			break;
		case 'r':
			random_too = true;
			break;
		case 'n':
			no_vbp = true;
			break;
		default:
			fprintf(stderr,
			    "usage: bench_pack_quality [--family SUBSTR] "
			    "[--every N] [--random] [--no-vbp]\n");
			return 2;
		}
	}
	if (every == 0)
		every = 1;
	strats = place_registry(&n_strats);
	fprintf(
	    stderr, "packing quality: %u strategies x 2 orders\n", n_strats);
	bpplib(only, every, random_too);
	if (!no_vbp && !only)
		vbp(every);
	fprintf(stderr, "%-20s %-14s %-10s %6s %10s %8s\n", "family",
	    "strategy", "order", "n", "above_opt", "at_opt");
	for (uint32_t f = 0; f < n_fams; f++)
		for (uint32_t s = 0; s < n_strats && s < STRATS_MAX; s++)
			for (int o = 0; o < 2; o++) {
				const struct cell *x = &fams[f].c[s][o];
				double above = x->n ? x->above / x->n : 0;
				double share =
				    x->n ? (double)x->at_opt / x->n : 0;
				const char *on = o ? "decreasing" : "arrival";

				printf("{\"bench\":\"pack_quality\",\"case\":"
				       "\"%s/%s/%s\",\"metric\":"
				       "\"bins_above_optimum\",\"value\":%.4g,"
				       "\"n\":%u,\"failed\":%u}\n",
				    strats[s]->name, on, fams[f].name, above,
				    x->n, x->failed);
				printf("{\"bench\":\"pack_quality\",\"case\":"
				       "\"%s/%s/%s\",\"metric\":"
				       "\"optimum_share\",\"value\":%.4g}\n",
				    strats[s]->name, on, fams[f].name, share);
				fprintf(stderr,
				    "%-20s %-14s %-10s %6u %10.3f %7.1f%%\n",
				    fams[f].name, strats[s]->name, on, x->n,
				    above, 100 * share);
			}
	return 0;
}
