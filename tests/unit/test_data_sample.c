/* test_data_sample.c - a small sample of the shared BPPLIB and .vbp
 * instances solved to their known optimum (skips without the data; the
 * full tables come from bench_plan_bpp and bench_plan_vbp). */
#include "../bench/data.h"
#include "core/clock.h"
#include "plan/binpack.h"
#include "tap.h"

#include <unistd.h>

struct sample {
	const char *archive, *path;
	uint32_t opt;
};

/* Quick ones from every family (known optima from bounds.tsv and the
 * *_summary_known.csv files). */
static const struct sample bpp[] = {
	{ "falkenauer.tar.gz", "Falkenauer/Falkenauer U/Falkenauer_u120_00.txt",
	    48 },
	{ "falkenauer.tar.gz", "Falkenauer/Falkenauer_T/Falkenauer_t60_00.txt",
	    20 },
	{ "scholl.tar.gz", "Scholl/Scholl_1/N1C1W1_A.txt", 25 },
	{ "scholl.tar.gz", "Scholl/Scholl_2/N1W1B1R0.txt", 18 },
	{ "schwerin.tar.gz", "Schwerin/Schwerin_1/Schwerin1_BPP1.txt", 18 },
	{ "waescher.tar.gz", "Waescher/Waescher_TEST0005.txt", 28 },
	{ "hard28.tar.gz", "Hard28/Hard28_BPP814.txt", 81 },
};

static const struct sample vbp[] = {
	{ "Triplet_instances.tar.gz",
	    "Triplet_instances_multidim/Caprara/classC_60_3_2.vbp", 20 },
	{ "Panigrahy_instances.tar.gz",
	    "Panigrahy_instances_multidim/class2/class2_40_5_3.vbp", 0 },
};

static void
solve(const char *dir, const struct sample *s, enum instance_format f,
    uint32_t opt)
{
	char path[4096], *buf;
	size_t len;
	struct instance *in = NULL;
	struct diag d;
	struct clock clk;
	struct binpack_opts o = { .seed = 1 };
	struct binpack_result res;

	snprintf(path, sizeof(path), "%s/%s", dir, s->path);
	if (data_read(path, &buf, &len) < 0) {
		ok(0, "%s: readable", s->path);
		return;
	}
	ok(instance_parse(buf, len, f, &in, &d) == 0, "%s parses", s->path);
	free(buf);
	if (!in)
		return;
	clock_init_monotonic(&clk);
	o.clk = &clk;
	o.limit_ns = 20 * NS_PER_S;
	if (binpack_solve(in, &o, &res) == 0) {
		is_int(res.bins, opt, "%s: the known optimum", s->path);
		ok(bpp_sol_valid(res.problem, &res.sol), "%s: valid packing",
		    s->path);
		ok(res.lower_bound <= opt, "%s: bound %lu <= optimum", s->path,
		    (unsigned long)res.lower_bound);
		binpack_result_done(&res);
	} else {
		ok(0, "%s: solves", s->path);
	}
	instance_free(in);
}

/* The OPT column of a *_summary_known.csv for an instance name. */
static uint32_t
known_opt(const char *csv, const char *path)
{
	struct tsv t;
	const char *base = strrchr(path, '/');
	char name[256];
	uint32_t opt = 0;

	snprintf(name, sizeof(name), "%s", base ? base + 1 : path);
	if (strrchr(name, '.'))
		*strrchr(name, '.') = '\0';
	if (tsv_read(csv, &t) < 0)
		return 0;
	for (uint32_t i = 1; i < t.n_rows; i++)
		if (t.n_fields[i] > 2 && strcmp(t.rows[i][0], name) == 0)
			opt = (uint32_t)strtoul(t.rows[i][2], NULL, 10);
	tsv_done(&t);
	return opt;
}

int
main(void)
{
	char path[4096], *dir = NULL;
	const char *last = NULL;

	snprintf(path, sizeof(path), "%s/bpplib/bounds.tsv", data_dir());
	if (access(path, R_OK) != 0)
		return tap_skip_all("no shared BPPLIB data (../shared/data)");
	for (size_t i = 0; i < ELEMENTSOF(bpp); i++) {
		if (!last || strcmp(last, bpp[i].archive)) {
			data_remove(dir);
			free(dir);
			dir = NULL;
			snprintf(path, sizeof(path), "%s/bpplib/%s", data_dir(),
			    bpp[i].archive);
			if (data_unpack(path, &dir) < 0) {
				ok(0, "unpack %s", bpp[i].archive);
				continue;
			}
			last = bpp[i].archive;
		}
		solve(dir, &bpp[i], INSTANCE_BPPLIB, bpp[i].opt);
	}
	last = NULL;
	for (size_t i = 0; i < ELEMENTSOF(vbp); i++) {
		char csv[4096];
		uint32_t opt;

		data_remove(dir);
		free(dir);
		dir = NULL;
		snprintf(path, sizeof(path), "%s/vbp_vectorpack/%s", data_dir(),
		    vbp[i].archive);
		snprintf(csv, sizeof(csv),
		    "%s/vbp_vectorpack/%s_summary_known.csv", data_dir(),
		    strncmp(vbp[i].archive, "Triplet", 7) == 0 ? "Triplet"
							       : "Panigrahy");
		opt = vbp[i].opt ? vbp[i].opt : known_opt(csv, vbp[i].path);
		if (data_unpack(path, &dir) < 0) {
			ok(0, "unpack %s", vbp[i].archive);
			continue;
		}
		ok(opt > 0, "%s: known optimum %u", vbp[i].path, opt);
		solve(dir, &vbp[i], INSTANCE_VBP, opt);
	}
	data_remove(dir);
	free(dir);
	return tap_done();
}
