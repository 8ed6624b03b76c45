/* test_bn.c - BIF reader, evidence strings, junction tree vs VE vs brute force. */
#include "core/rng.h"
#include "fault/bif.h"
#include "fault/jtree.h"
#include "fault/ve.h"
#include "tap.h"

#include <math.h>

static const char asia[] =
    "network unknown {\n}\n"
    "variable asia {\n  type discrete [ 2 ] { yes, no };\n}\n"
    "variable tub {\n  type discrete [ 2 ] { yes, no };\n}\n"
    "variable smoke {\n  type discrete [ 2 ] { yes, no };\n}\n"
    "variable lung {\n  type discrete [ 2 ] { yes, no };\n}\n"
    "variable either {\n  type discrete [ 2 ] { yes, no };\n}\n"
    "probability ( asia ) {\n  table 0.01, 0.99;\n}\n"
    "probability ( tub | asia ) {\n  (yes) 0.05, 0.95;\n  (no) 0.01, "
    "0.99;\n}\n"
    "probability ( smoke ) {\n  table 0.5, 0.5;\n}\n"
    "probability ( lung | smoke ) {\n  (yes) 0.1, 0.9;\n  (no) 0.01, "
    "0.99;\n}\n"
    "probability ( either | lung, tub ) {\n  (yes, yes) 1.0, 0.0;\n"
    "  (no, yes) 1.0, 0.0;\n  (yes, no) 1.0, 0.0;\n  (no, no) 0.0, "
    "1.0;\n}\n";

static int
parse(const char *text, struct bn **ret, struct diag *d)
{
	return bif_parse(text, strlen(text), ret, d);
}

/* The parse fails with a message that starts with where and holds what. */
static void
bad(const char *text, const char *where, const char *what, const char *name)
{
	struct bn *b = NULL;
	struct diag d = { 0 };
	int r = parse(text, &b, &d);

	ok(r < 0 && !b && strncmp(d.msg, where, strlen(where)) == 0 &&
		strstr(d.msg, what),
	    "%s: %s", name, d.msg);
	bn_free(b);
}

static void
test_parser(void)
{
	struct bn *b = NULL;
	struct diag d = { 0 };
	uint32_t v, s;
	int32_t ev[8];
	int r;

	r = parse(asia, &b, &d);
	is_int(r, 0, "asia parses (%s)", d.msg);
	is_int(b->n_vars, 5, "five variables");
	ok(bn_find_var(b, "either", &v) == 0 && b->vars[v].n_parents == 2 &&
		b->vars[v].n_cfg == 4,
	    "either has two parents, four rows");
	ok(b->vars[v].cpt[2 * 2 + 0] == 1.0 && b->vars[v].cpt[3 * 2 + 1] == 1.0,
	    "rows are stored by parent configuration, last parent fastest");
	is_int(b->n_warnings, 0, "rows that sum to 1 raise no warning");
	r = bn_evidence_parse(b, " asia = yes ; ; smoke=no", ev, &d);
	ok(r == 0 && ev[0] == 0 && ev[2] == 1 && ev[1] == -1,
	    "evidence with blanks and empty items");
	r = bn_evidence_parse(b, "lung", ev, &d);
	ok(r == -EINVAL && strstr(d.msg, "expected VAR=state"),
	    "evidence without '=': %s", d.msg);
	r = bn_evidence_parse(b, "lung=maybe", ev, &d);
	ok(r == -ENOENT && strstr(d.msg, "(valid: yes, no)"),
	    "unknown state lists the valid ones: %s", d.msg);
	r = bn_evidence_parse(b, "x=yes", ev, &d);
	ok(r == -ENOENT && strstr(d.msg, "asia, tub, smoke, lung, either"),
	    "unknown variable lists the valid ones: %s", d.msg);
	r = bn_evidence_parse(b, "asia=yes;asia=no", ev, &d);
	is_int(r, -EINVAL, "contradicting evidence: %s", d.msg);
	b = bn_free(b);

	/* States with '=' and other punctuation, split at the first '='. */
	r = parse("variable co2 { type discrete [3] { <5, 5-12, >=7.5 }; }\n"
		  "probability ( co2 ) { table 0.2 0.3 0.5; }",
	    &b, &d);
	is_int(r, 0, "odd state names, values without commas (%s)", d.msg);
	r = b ? bn_evidence_parse(b, "co2=>=7.5", ev, &d) : -1;
	ok(r == 0 && ev[0] == 2, "evidence 'co2=>=7.5' names state '>=7.5'");
	ok(b && bn_find_state(b, 0, "5-12", &s) == 0 && s == 1, "state lookup");
	b = bn_free(b);

	/* A conditional table: the child's states vary slowest. */
	r = parse("variable a { type discrete [2] { t, f }; }\n"
		  "variable b { type discrete [2] { t, f }; }\n"
		  "probability ( a ) { table 0.3, 0.7; }\n"
		  "probability ( b | a ) { table 0.9, 0.2, 0.1, 0.8; }",
	    &b, &d);
	ok(r == 0 && b->vars[1].cpt[0] == 0.9 && b->vars[1].cpt[1] == 0.1 &&
		b->vars[1].cpt[2] == 0.2 && b->vars[1].cpt[3] == 0.8,
	    "conditional table in pgmpy's order");
	b = bn_free(b);

	/* Defaults, properties, comments, declarations after use. */
	r = parse("// comment\nnetwork \"n\" { property \"x; y\"; }\n"
		  "probability ( b | a ) { (t) 0.5, 0.5; default 0.1, 0.9; "
		  "property p = (1, 2); }\n"
		  "/* block\n comment */ variable a { property label = x; "
		  "type discrete [2] { t, f }; }\n"
		  "variable b { type discrete [2] { t, f }; }\n"
		  "probability ( a ) { table 0.3, 0.7; }",
	    &b, &d);
	ok(r == 0 && b->vars[1].cpt[2] == 0.1 && strcmp(b->name, "n") == 0,
	    "default row, properties, comments, forward use (%s)", d.msg);
	b = bn_free(b);

	/* Near-1 rows are normalised and reported; far ones refused. */
	r = parse("variable a { type discrete [2] { t, f }; }\n"
		  "probability ( a ) {\n  table 0.3, 0.6999999; }",
	    &b, &d);
	ok(r == 0 && b->n_warnings == 1 && b->warnings[0].line == 3 &&
		fabs(b->vars[0].cpt[0] + b->vars[0].cpt[1] - 1) < 1e-15,
	    "row summing to 0.9999999 normalised and reported at line 3");
	b = bn_free(b);
	bad("variable a { type discrete [2] { t, f }; }\n"
	    "probability ( a ) { table 0.3, 0.6; }",
	    "2:21: ", "sums to 0.9; expected 1", "row far from 1");
	bad("variable a { type discrete [2] { t, f }; }\n"
	    "probability ( a ) { table 0.3, -0.6; }",
	    "2:32: ", "probability -0.6 is outside [0, 1]", "negative value");
	bad("variable a { type discrete [2] { t, f } }",
	    "1:41: ", "expected ';', got '}'", "missing ';'");
	bad("variable a { type discrete [3] { t, f }; }",
	    "1:39: ", "declares 3 states but lists 2", "state count");
	bad("variable a { type discrete [2] { t, t }; }", "1:", "twice",
	    "duplicate state");
	bad("variable a { type discrete [2] { t, f }; }\nvariable a {",
	    "2:1: ", "declared twice", "duplicate variable");
	bad("variable a { type discrete [2] { t, f }; }\n"
	    "probability ( a | z ) { table 0.5, 0.5; }",
	    "2:19: ", "unknown variable 'z' (declared: a)", "unknown parent");
	bad("variable a { type discrete [2] { t, f }; }\n"
	    "variable b { type discrete [2] { t, f }; }\n"
	    "probability ( a | b ) { (t) 0.5, 0.5; }\n"
	    "probability ( b ) { table 0.5, 0.5; }",
	    "3:1: ", "no row for (b=f)", "missing row");
	bad("variable a { type discrete [2] { t, f }; }\n"
	    "variable b { type discrete [2] { t, f }; }\n"
	    "probability ( a | b ) { (x) 0.5, 0.5; }",
	    "3:26: ", "b has no state 'x' (valid: t, f)", "unknown row state");
	bad("variable a { type discrete [2] { t, f }; }\n"
	    "variable b { type discrete [2] { t, f }; }\n"
	    "probability ( a | b ) { table 0.5, 0.5; }\n"
	    "probability ( b | a ) { table 0.5, 0.5, 0.5, 0.5; }",
	    "3:31: ", "has 2 values, expected 4", "short table");
	bad("variable a { type discrete [2] { t, f }; }\n"
	    "variable b { type discrete [2] { t, f }; }\n"
	    "probability ( a | b ) { table 0.5, 0.5, 0.5, 0.5; }\n"
	    "probability ( b | a ) { table 0.5, 0.5, 0.5, 0.5; }",
	    "", "cycle", "cycle");
	bad("variable a { type discrete [2] { t, f }; }",
	    "1:43: ", "expected a probability block for a",
	    "no probability block");
	bad("", "1:1: ", "expected at least one 'variable'", "empty file");
	bad("variable a { type discrete [2] { t, f }; }\nprobability ( a ",
	    "2:17: ", "expected '{', got end of file", "truncated block");
	bad("/* open", "1:1: ", "comment not closed", "open comment");
	bad("varible a {}", "1:1: ",
	    "expected 'network', 'variable' or 'probability', got 'varible'",
	    "misspelt keyword");
	bad("variable a { type discrete [0] { }; }",
	    "1:29: ", "number of states from 1 to", "zero states");
	bad("variable a { type discrete [2] { t, f }; }\n"
	    "probability ( a ) { table 0.5, 0.5; table 0.5, 0.5; }",
	    "2:37: ", "two tables", "two tables");
}

/* P(all variables) by enumeration: brute force for small networks. */
static void
brute(const struct bn *b, const int32_t *ev, double **marg, double *ret_pe)
{
	uint32_t x[16] = { 0 }, n = b->n_vars;
	double pe = 0;

	for (uint32_t v = 0; v < n; v++)
		for (uint32_t s = 0; s < b->vars[v].n_states; s++)
			marg[v][s] = 0;
	for (;;) {
		double p = 1;
		bool consistent = true;

		for (uint32_t v = 0; v < n && consistent; v++) {
			const struct bn_var *bv = &b->vars[v];
			uint32_t cfg = 0;

			if (ev[v] >= 0 && x[v] != (uint32_t)ev[v])
				consistent = false;
			for (uint32_t k = 0; k < bv->n_parents; k++)
				cfg = cfg * b->vars[bv->parents[k]].n_states +
				    x[bv->parents[k]];
			p *= bv->cpt[cfg * bv->n_states + x[v]];
		}
		if (consistent) {
			pe += p;
			for (uint32_t v = 0; v < n; v++)
				marg[v][x[v]] += p;
		}
		uint32_t v = 0;

		while (v < n && ++x[v] == b->vars[v].n_states)
			x[v++] = 0;
		if (v == n)
			break;
	}
	*ret_pe = pe;
	for (uint32_t v = 0; v < n; v++)
		for (uint32_t s = 0; s < b->vars[v].n_states && pe > 0; s++)
			marg[v][s] /= pe;
}

/* A random DAG over n variables of 2-3 states written as BIF text. */
static char *
random_bif(struct rng *g, uint32_t n)
{
	size_t cap = 1 << 16, off = 0;
	char *t = malloc(cap);
	uint32_t card[16], par[16][3], np[16];

	for (uint32_t v = 0; v < n; v++) {
		card[v] = 2 + (uint32_t)rng_below(g, 2);
		np[v] = 0;
		for (uint32_t k = 0; k < 3 && v > 0; k++) {
			uint32_t p = (uint32_t)rng_below(g, v);
			bool dup = false;

			for (uint32_t j = 0; j < np[v]; j++)
				dup |= par[v][j] == p;
			if (!dup && rng_below(g, 3))
				par[v][np[v]++] = p;
		}
		off += (size_t)snprintf(t + off, cap - off,
		    "variable v%u { type discrete [%u] { s0, s1%s }; }\n", v,
		    card[v], card[v] == 3 ? ", s2" : "");
	}
	for (uint32_t v = n; v-- > 0;) {
		uint32_t rows = 1;

		off += (size_t)snprintf(t + off, cap - off,
		    "probability ( v%u%s", v, np[v] ? " |" : "");
		for (uint32_t k = 0; k < np[v]; k++) {
			off += (size_t)snprintf(t + off, cap - off, "%s v%u",
			    k ? "," : "", par[v][k]);
			rows *= card[par[v][k]];
		}
		off += (size_t)snprintf(t + off, cap - off, " ) { table");
		/* Child-major table: draw rows, then write column by
		 * column. Some zeros make evidence impossible at times. */
		double tab[27][3];

		for (uint32_t r = 0; r < rows; r++) {
			double sum = 0;

			for (uint32_t s = 0; s < card[v]; s++) {
				tab[r][s] = rng_below(g, 6) ? rng_unit(g) : 0;
				sum += tab[r][s];
			}
			if (sum == 0)
				tab[r][0] = sum = 1;
			for (uint32_t s = 0; s < card[v]; s++)
				tab[r][s] /= sum;
		}
		for (uint32_t s = 0; s < card[v]; s++)
			for (uint32_t r = 0; r < rows; r++)
				off += (size_t)snprintf(t + off, cap - off,
				    "%s %.17g", s + r ? "," : "", tab[r][s]);
		off += (size_t)snprintf(t + off, cap - off, "; }\n");
	}
	return t;
}

static void
test_inference(void)
{
	struct rng g;
	double worst = 0, worst_ve = 0, worst_pe = 0;
	unsigned nets = 300, queries = 0, impossible = 0, failed = 0;

	rng_init(&g, 11);
	for (unsigned i = 0; i < nets; i++) {
		uint32_t n = 2 + (uint32_t)rng_below(&g, 9);
		char *text = random_bif(&g, n);
		struct bn *b = NULL;
		struct jtree *t = NULL;
		struct diag d = { 0 };
		double *marg[16], buf[16][3], out[3];

		for (uint32_t v = 0; v < 16; v++)
			marg[v] = buf[v];
		if (parse(text, &b, &d) < 0 || jtree_new(b, &t, &d) < 0) {
			failed++;
			tap_diag("net %u: %s", i, d.msg);
			free(text);
			bn_free(b);
			continue;
		}
		for (int q = 0; q < 4; q++) {
			int32_t ev[16];
			double pe, lp, lpv;
			int r;

			for (uint32_t v = 0; v < n; v++)
				ev[v] = rng_below(&g, 3) == 0
				    ? (int32_t)rng_below(
					  &g, b->vars[v].n_states)
				    : -1;
			brute(b, ev, marg, &pe);
			r = jtree_query(t, ev, &lp);
			queries++;
			if (pe == 0) {
				impossible++;
				if (r != -EDOM)
					failed++;
				continue;
			}
			if (r < 0) {
				failed++;
				continue;
			}
			worst_pe = fmax(worst_pe, fabs(exp(lp) - pe));
			for (uint32_t v = 0; v < n; v++) {
				const double *m = jtree_marginal(t, v);

				for (uint32_t s = 0; s < b->vars[v].n_states;
				     s++)
					worst = fmax(
					    worst, fabs(m[s] - marg[v][s]));
				if (ve_marginal(b, ev,
					jtree_elimination_order(t), v, out,
					&lpv) < 0) {
					failed++;
					continue;
				}
				for (uint32_t s = 0; s < b->vars[v].n_states;
				     s++)
					worst_ve = fmax(worst_ve,
					    fabs(out[s] - marg[v][s]));
				worst_pe = fmax(worst_pe, fabs(exp(lpv) - pe));
			}
		}
		jtree_free(t);
		bn_free(b);
		free(text);
	}
	tap_diag("%u random networks, %u queries (%u impossible)", nets,
	    queries, impossible);
	is_int(failed, 0, "every random network compiles and answers");
	ok(worst < 1e-12, "junction tree = enumeration (worst %.2g)", worst);
	ok(worst_ve < 1e-12, "VE = enumeration (worst %.2g)", worst_ve);
	ok(worst_pe < 1e-12, "P(evidence) agrees (worst %.2g)", worst_pe);
	ok(impossible > 0, "impossible evidence was exercised (-EDOM)");
}

static void
test_query_errors(void)
{
	struct bn *b = NULL;
	struct jtree *t = NULL;
	struct diag d = { 0 };
	int32_t ev[5] = { -1, -1, -1, -1, -1 };
	struct jtree_stats st;

	parse(asia, &b, &d);
	jtree_new(b, &t, &d);
	ev[0] = 7;
	is_int(jtree_query(t, ev, NULL), -EINVAL, "state out of range");
	ev[0] = -1;
	ev[3] = 0; /* lung = yes */
	ev[4] = 1; /* either = no: impossible */
	is_int(jtree_query(t, ev, NULL), -EDOM, "impossible evidence: -EDOM");
	ev[4] = -1;
	is_int(jtree_query(t, ev, NULL), 0, "a later query works again");
	jtree_stats(t, &st);
	ok(st.n_cliques >= 2 && st.total_size > 0 && st.heuristic,
	    "stats: %u cliques, %llu entries, %s", st.n_cliques,
	    (unsigned long long)st.total_size, st.heuristic);
	jtree_free(t);
	bn_free(b);
}

int
main(void)
{
	test_parser();
	test_inference();
	test_query_errors();
	return tap_done();
}
