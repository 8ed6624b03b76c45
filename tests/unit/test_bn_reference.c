/* test_bn_reference.c - the BN engine against bnlearn's reference posteriors (shared data). */
#include "fault/bif.h"
#include "fault/jtree.h"
#include "tap.h"

#include <math.h>
#include <zlib.h>

#define TOL 1e-6
#define GZ_MAX ((size_t)64 << 20)

/* Reads a gzip (or plain) file whole; NULL if it cannot. */
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
			if (cap >= GZ_MAX) {
				free(buf);
				buf = NULL;
				break;
			}
			cap *= 2;
			nb = realloc(buf, cap + 1);
			if (!nb) {
				free(buf);
				buf = NULL;
			}
			buf = nb;
		}
	}
	gzclose(f);
	if (buf) {
		buf[len] = '\0';
		*ret_len = len;
	}
	return buf;
}

/* Splits line (modified in place) at tabs into at most n fields. */
static int
split(char *line, char **f, int n)
{
	int k = 0;

	f[k++] = line;
	for (char *p = line; *p && k < n; p++) {
		if (*p == '\t') {
			*p = '\0';
			f[k++] = p + 1;
		}
	}
	return k;
}

struct net {
	char name[64];
	struct bn *bn;
	struct jtree *jt;
	int32_t *ev;
	char evidence[4096];
	int loaded_case;
};

static int
load(struct net *n, const char *dir, const char *name)
{
	char path[4096];
	struct diag d = { 0 };
	size_t len;
	char *buf;
	int r;

	n->bn = bn_free(n->bn);
	n->jt = jtree_free(n->jt);
	free(n->ev);
	n->ev = NULL;
	n->loaded_case = -1;
	snprintf(n->name, sizeof(n->name), "%s", name);
	snprintf(path, sizeof(path), "%s/%s.bif.gz", dir, name);
	buf = read_gz(path, &len);
	if (!buf) {
		ok(0, "%s: cannot read %s", name, path);
		return -1;
	}
	r = bif_parse(buf, len, &n->bn, &d);
	free(buf);
	if (!ok(r == 0, "%s: parses (%s)", name, r ? d.msg : "ok"))
		return -1;
	if (n->bn->n_warnings)
		tap_diag("%s: %u CPT rows normalised (first: line %u, sum "
			 "%.10g)",
		    name, n->bn->n_warnings, n->bn->warnings[0].line,
		    n->bn->warnings[0].sum);
	r = jtree_new(n->bn, &n->jt, &d);
	if (!ok(r == 0, "%s: compiles (%s)", name, r ? d.msg : "ok"))
		return -1;
	n->ev = malloc(n->bn->n_vars * sizeof(*n->ev));
	return n->ev ? 0 : -1;
}

/* Runs the query of one case (cached while the case does not change). */
static int
query(struct net *n, int cas, const char *evidence, double *ret_log_p)
{
	struct diag d = { 0 };
	static double log_p;
	int r;

	if (n->loaded_case == cas && strcmp(n->evidence, evidence) == 0) {
		*ret_log_p = log_p;
		return 0;
	}
	r = bn_evidence_parse(n->bn, evidence, n->ev, &d);
	if (r < 0) {
		ok(0, "%s case %d: evidence '%s': %s", n->name, cas, evidence,
		    d.msg);
		return r;
	}
	r = jtree_query(n->jt, n->ev, &log_p);
	if (r < 0) {
		ok(0, "%s case %d: query fails (%d)", n->name, cas, r);
		return r;
	}
	n->loaded_case = cas;
	snprintf(n->evidence, sizeof(n->evidence), "%s", evidence);
	*ret_log_p = log_p;
	return 0;
}

int
main(int argc, char **argv)
{
	char path[4096], *cases, *margs, *line, *save = NULL, *f[8];
	const char *dir = argc > 1 ? argv[1] : "";
	struct net n = { .loaded_case = -1 };
	size_t len;
	char cur[64] = "", key[128] = "";
	double worst = 0, worst_all = 0;
	unsigned checked = 0, cases_seen = 0;
	bool bad_net = false;

	snprintf(path, sizeof(path), "%s/reference_cases.tsv.gz", dir);
	cases = read_gz(path, &len);
	snprintf(path, sizeof(path), "%s/reference_marginals.tsv.gz", dir);
	margs = read_gz(path, &len);
	if (!cases || !margs) {
		free(cases);
		free(margs);
		return tap_skip_all("shared data bnlearn_bif/ not present");
	}
	/* P(evidence) of every case. */
	for (line = strtok_r(cases, "\n", &save); line;
	     line = strtok_r(NULL, "\n", &save)) {
		double log_p, want;
		int cas;

		if (split(line, f, 8) < 6 || strcmp(f[0], "network") == 0)
			continue;
		if (strcmp(f[0], cur) != 0) {
			snprintf(cur, sizeof(cur), "%s", f[0]);
			bad_net = load(&n, dir, cur) < 0;
		}
		if (bad_net)
			continue;
		cas = atoi(f[1]);
		if (query(&n, cas, f[3], &log_p) < 0)
			continue;
		want = strtod(f[4], NULL);
		cases_seen++;
		if (!ok(fabs(exp(log_p) - want) <= TOL,
			"%s case %d: P(evidence) = %.12g (reference %.12g)",
			cur, cas, exp(log_p), want))
			tap_diag("evidence %s", f[3]);
	}
	/* Every marginal of every case. */
	cur[0] = '\0';
	save = NULL;
	for (line = strtok_r(margs, "\n", &save); line;
	     line = strtok_r(NULL, "\n", &save)) {
		uint32_t v, s;
		double log_p, want, got;
		int cas;

		if (split(line, f, 8) < 6 || strcmp(f[0], "network") == 0)
			continue;
		if (strcmp(f[0], cur) != 0) {
			if (cur[0])
				ok(worst <= TOL,
				    "%s: %u marginals within %g (worst %.3g)",
				    cur, checked, TOL, worst);
			snprintf(cur, sizeof(cur), "%s", f[0]);
			bad_net = load(&n, dir, cur) < 0;
			worst = 0;
			checked = 0;
		}
		if (bad_net)
			continue;
		cas = atoi(f[1]);
		if (query(&n, cas, f[2], &log_p) < 0)
			continue;
		if (bn_find_var(n.bn, f[3], &v) < 0 ||
		    bn_find_state(n.bn, v, f[4], &s) < 0) {
			ok(0, "%s case %d: unknown %s=%s", cur, cas, f[3],
			    f[4]);
			continue;
		}
		want = strtod(f[5], NULL);
		got = jtree_marginal(n.jt, v)[s];
		if (fabs(got - want) > worst) {
			worst = fabs(got - want);
			snprintf(key, sizeof(key), "%s case %d %s=%s", cur, cas,
			    f[3], f[4]);
		}
		if (fabs(got - want) > TOL)
			tap_diag(
			    "%s case %d: P(%s=%s) = %.12g, reference %.12g",
			    cur, cas, f[3], f[4], got, want);
		if (worst > worst_all)
			worst_all = worst;
		checked++;
	}
	if (cur[0])
		ok(worst <= TOL, "%s: %u marginals within %g (worst %.3g)", cur,
		    checked, TOL, worst);
	tap_diag("%u cases; worst marginal error %.3g (%s)", cases_seen,
	    worst_all, key);
	ok(cases_seen >= 70, "every reference case was checked (%u)",
	    cases_seen);
	n.bn = bn_free(n.bn);
	n.jt = jtree_free(n.jt);
	free(n.ev);
	free(cases);
	free(margs);
	return tap_done();
}
