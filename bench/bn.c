/* bn.c - exact inference speed: every posterior given evidence, junction tree vs VE per variable. */
#include "fault/bif.h"
#include "fault/jtree.h"
#include "fault/ve.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <zlib.h>

/*
 * For every shared bnlearn network and each of its reference cases
 * (bnlearn_bif/reference_cases.tsv.gz): the time to compute every
 * variable's posterior and P(evidence) with the compiled junction tree,
 * and with the baseline, variable elimination run once per variable from
 * scratch (same elimination order). The two alternate within a case; each
 * case reports medians; each network the median over its cases. Compile
 * time is reported apart: it happens once per network.
 *
 * usage: bench_bn [DATA_DIR]   (default: ../shared/data/bnlearn_bif)
 */
#define JT_MIN_REPS 21
#define JT_MIN_S 0.2
#define VE_MAX_REPS 5
#define VE_MAX_S 3.0
#define MAX_CASES 64

static double
now_s(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static char *
read_gz(const char *path, size_t *ret_len)
{
	gzFile f = gzopen(path, "rb");
	size_t len = 0, cap = 1 << 16;
	char *buf, *nb;
	int got;

	if (!f)
		return NULL;
	buf = malloc(cap + 1);
	while (buf && (got = gzread(f, buf + len, (unsigned)(cap - len))) > 0) {
		len += (size_t)got;
		if (len == cap) {
			nb = realloc(buf, cap * 2 + 1);
			if (!nb) {
				free(buf);
				buf = NULL;
				break;
			}
			buf = nb;
			cap *= 2;
		}
	}
	gzclose(f);
	if (buf) {
		buf[len] = '\0';
		*ret_len = len;
	}
	return buf;
}

static int
cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return x < y ? -1 : x > y;
}

static double
median(double *v, unsigned n)
{
	qsort(v, n, sizeof(*v), cmp_double);
	return n % 2 ? v[n / 2] : (v[n / 2 - 1] + v[n / 2]) / 2;
}

/* All posteriors by VE, one variable at a time. */
static int
ve_all(
    const struct bn *b, const int32_t *ev, const uint32_t *order, double *out)
{
	for (uint32_t v = 0; v < b->n_vars; v++) {
		int r = ve_marginal(b, ev, order, v, out, NULL);

		if (r < 0)
			return r;
	}
	return 0;
}

struct net_result {
	double jt_ms[MAX_CASES], ve_ms[MAX_CASES];
	unsigned n, n_ve;
};

static int
bench_net(const char *dir, const char *name, char **evidence, unsigned ncase,
    struct net_result *res)
{
	char path[4096];
	struct jtree_stats st;
	struct jtree *t = NULL;
	struct bn *b = NULL;
	struct diag d = { 0 };
	double t0, compile_ms, out[1024];
	int32_t *ev;
	size_t len;
	char *buf;
	bool ve_ok = true;

	snprintf(path, sizeof(path), "%s/%s.bif.gz", dir, name);
	buf = read_gz(path, &len);
	if (!buf || bif_parse(buf, len, &b, &d) < 0) {
		fprintf(
		    stderr, "bn: %s: %s\n", path, buf ? d.msg : "unreadable");
		free(buf);
		return -1;
	}
	free(buf);
	t0 = now_s();
	if (jtree_new(b, &t, &d) < 0) {
		fprintf(stderr, "bn: %s: %s\n", name, d.msg);
		bn_free(b);
		return -1;
	}
	compile_ms = (now_s() - t0) * 1e3;
	jtree_stats(t, &st);
	printf("{\"bench\":\"bn\",\"case\":\"%s/compile\",\"metric\":"
	       "\"compile_ms\",\"value\":%.4g,\"variables\":%u,\"cliques\":%u,"
	       "\"max_clique_vars\":%u,\"table_entries\":%llu,"
	       "\"heuristic\":\"%s\"}\n",
	    name, compile_ms, b->n_vars, st.n_cliques, st.max_clique_vars,
	    (unsigned long long)st.total_size, st.heuristic);
	ev = malloc(b->n_vars * sizeof(*ev));
	res->n = res->n_ve = 0;
	for (unsigned c = 0; c < ncase && ev; c++) {
		double jt[4096], ve[VE_MAX_REPS], start = now_s(), s;
		unsigned nj = 0, nv = 0, nobs = 0;

		if (bn_evidence_parse(b, evidence[c], ev, &d) < 0) {
			fprintf(stderr, "bn: %s case %u: %s\n", name, c, d.msg);
			continue;
		}
		for (uint32_t v = 0; v < b->n_vars; v++)
			nobs += ev[v] >= 0;
		/* Alternate: a batch of tree queries, one VE pass, ... */
		while ((nj < JT_MIN_REPS || now_s() - start < JT_MIN_S) &&
		    nj < 4000) {
			s = now_s();
			if (jtree_query(t, ev, NULL) < 0)
				break;
			jt[nj++] = (now_s() - s) * 1e3;
			if (ve_ok && nv < VE_MAX_REPS && nj % 10 == 1 &&
			    now_s() - start < VE_MAX_S) {
				s = now_s();
				if (ve_all(b, ev, jtree_elimination_order(t),
					out) < 0)
					ve_ok = false;
				else
					ve[nv++] = (now_s() - s) * 1e3;
			}
		}
		if (nj == 0)
			continue;
		res->jt_ms[res->n] = median(jt, nj);
		fprintf(stderr,
		    "  %-10s case %u: %2u observed, tree %.4f ms (%u runs)",
		    name, c, nobs, res->jt_ms[res->n], nj);
		if (nv) {
			res->ve_ms[res->n_ve++] = median(ve, nv);
			fprintf(stderr, ", VE per variable %.2f ms (%u runs)",
			    res->ve_ms[res->n_ve - 1], nv);
		}
		fprintf(stderr, "\n");
		res->n++;
	}
	free(ev);
	jtree_free(t);
	bn_free(b);
	return 0;
}

int
main(int argc, char **argv)
{
	const char *dir = argc > 1 ? argv[1] : "../shared/data/bnlearn_bif";
	char path[4096], *cases, *line, *save = NULL, cur[64] = "";
	char *evidence[MAX_CASES];
	unsigned ncase = 0;
	size_t len;

	snprintf(path, sizeof(path), "%s/reference_cases.tsv.gz", dir);
	cases = read_gz(path, &len);
	if (!cases) {
		fprintf(stderr,
		    "bn: %s not found: shared data absent, nothing "
		    "measured\n",
		    path);
		return 0;
	}
	/* Cases come grouped by network; a line with a new network (or the
	 * end) runs the previous one. */
	for (line = strtok_r(cases, "\n", &save);;
	     line = strtok_r(NULL, "\n", &save)) {
		char *f[8] = { 0 }, *p = line;
		int nf = 0;

		while (p && nf < 8) {
			f[nf++] = p;
			p = strchr(p, '\t');
			if (p)
				*p++ = '\0';
		}
		if (line && nf >= 4 && strcmp(f[0], "network") == 0)
			continue;
		if (!line || strcmp(f[0], cur) != 0) {
			if (cur[0]) {
				struct net_result res;
				double jt, ve;

				fprintf(
				    stderr, "bn: %s, %u cases\n", cur, ncase);
				if (bench_net(
					dir, cur, evidence, ncase, &res) == 0 &&
				    res.n > 0) {
					jt = median(res.jt_ms, res.n);
					printf(
					    "{\"bench\":\"bn\",\"case\":\"%s/"
					    "all-posteriors\",\"metric\":"
					    "\"query_ms_median\",\"value\":"
					    "%.4g",
					    cur, jt);
					if (res.n_ve) {
						ve =
						    median(res.ve_ms, res.n_ve);
						printf(",\"baseline\":\"ve-per-"
						       "variable\",\"baseline_"
						       "value\":%.4g,\"ratio\":"
						       "%.1f",
						    ve, ve / jt);
					}
					printf(",\"cases\":%u}\n", res.n);
					fflush(stdout);
				}
			}
			if (!line)
				break;
			snprintf(cur, sizeof(cur), "%s", f[0]);
			ncase = 0;
		}
		if (nf >= 4 && ncase < MAX_CASES)
			evidence[ncase++] = f[3];
	}
	free(cases);
	return 0;
}
