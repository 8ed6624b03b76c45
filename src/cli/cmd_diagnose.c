/* cmd_diagnose.c - `vmgr diagnose`: every posterior of a BIF network given evidence. */
#include "cli/cli.h"

#include "core/cleanup.h"
#include "fault/bif.h"
#include "fault/jtree.h"

#include <getopt.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

struct diagnose_opts {
	const char *bif;
	const char *evidence;
	bool json;
};

static int
parse_opts(struct cli *cli, int argc, char **argv, struct diagnose_opts *o)
{
	static const struct option longopts[] = {
		{ "bif", required_argument, NULL, 'b' },
		{ "evidence", required_argument, NULL, 'e' },
		{ "json", no_argument, NULL, 'j' },
		{ "help", no_argument, NULL, 'h' },
		{ 0 },
	};
	int c;

	optind = 0;
	while ((c = getopt_long(argc, argv, "b:e:jh", longopts, NULL)) != -1) {
		switch (c) {
		case 'b':
			o->bif = optarg;
			break;
		case 'e':
			o->evidence = optarg;
			break;
		case 'j':
			o->json = true;
			break;
		case 'h':
			fprintf(cli->out,
			    "usage: vmgr diagnose --bif FILE "
			    "[--evidence 'VAR=state;VAR=state'] [--json]\n");
			return -1;
		default:
			return EXIT_USAGE;
		}
	}
	if (optind != argc)
		return cli_fail(cli, "diagnose", EXIT_USAGE,
		    "unexpected argument '%s' (see 'vmgr help diagnose')",
		    argv[optind]);
	if (!o->bif)
		return cli_fail(cli, "diagnose", EXIT_USAGE,
		    "expected --bif FILE (see 'vmgr help diagnose')");
	return EXIT_OK;
}

static void
print_warnings(struct cli *cli, const char *path, const struct bn *b)
{
	for (uint32_t i = 0; i < b->n_warnings; i++) {
		const struct bn_warning *w = &b->warnings[i];

		fprintf(cli->err,
		    "%s diagnose: %s:%u:%u: warning: a row of %s sums to "
		    "%.10g; normalised\n",
		    cli->prog, path, w->line, w->col, b->vars[w->var].name,
		    w->sum);
	}
}

static int
print_text(struct cli *cli, const struct bn *b, const struct jtree *t,
    const int32_t *ev, double log_p)
{
	size_t width = 0;

	for (uint32_t v = 0; v < b->n_vars; v++)
		if (strlen(b->vars[v].name) > width)
			width = strlen(b->vars[v].name);
	fprintf(cli->out, "P(evidence) = %.10g\n", exp(log_p));
	for (uint32_t v = 0; v < b->n_vars; v++) {
		const double *m = jtree_marginal(t, v);

		fprintf(cli->out, "%-*s ", (int)width, b->vars[v].name);
		for (uint32_t s = 0; s < b->vars[v].n_states; s++)
			fprintf(cli->out, "%s%s %.6f", s ? "  " : "",
			    b->vars[v].states[s], m[s]);
		fprintf(cli->out, "%s\n", ev[v] >= 0 ? "  (observed)" : "");
	}
	return EXIT_OK;
}

static int
print_json(
    struct cli *cli, const struct bn *b, const struct jtree *t, double log_p)
{
	json_t *j = json_object(), *all = json_object();
	char *s;

	if (!j || !all) {
		json_decref(j);
		json_decref(all);
		return cli_fail(cli, "diagnose", EXIT_FAIL, "out of memory");
	}
	json_object_set_new(j, "p_evidence", json_real(exp(log_p)));
	for (uint32_t v = 0; v < b->n_vars; v++) {
		const double *m = jtree_marginal(t, v);
		json_t *o = json_object();

		for (uint32_t k = 0; o && k < b->vars[v].n_states; k++)
			json_object_set_new(
			    o, b->vars[v].states[k], json_real(m[k]));
		json_object_set_new(all, b->vars[v].name, o);
	}
	json_object_set_new(j, "marginals", all);
	s = json_dumps(
	    j, JSON_COMPACT | JSON_PRESERVE_ORDER | JSON_REAL_PRECISION(12));
	json_decref(j);
	if (!s)
		return cli_fail(cli, "diagnose", EXIT_FAIL, "out of memory");
	fprintf(cli->out, "%s\n", s);
	free(s);
	return EXIT_OK;
}

int
cmd_diagnose(struct cli *cli, int argc, char **argv)
{
	struct diagnose_opts o = { 0 };
	_cleanup_free_ char *buf = NULL;
	_cleanup_free_ int32_t *ev = NULL;
	struct jtree *t = NULL;
	struct bn *b = NULL;
	struct diag d = { 0 };
	double log_p = 0;
	size_t len;
	int r, rc;

	rc = parse_opts(cli, argc, argv, &o);
	if (rc != EXIT_OK)
		return rc < 0 ? EXIT_OK : rc;
	r = cli_read_file(o.bif, CLI_FILE_MAX, &buf, &len, &d);
	if (r < 0)
		return cli_fail(cli, "diagnose", EXIT_FAIL, "%s", d.msg);
	r = bif_parse(buf, len, &b, &d);
	if (r < 0)
		return cli_fail(
		    cli, "diagnose", EXIT_FAIL, "%s:%s", o.bif, d.msg);
	print_warnings(cli, o.bif, b);
	ev = malloc(b->n_vars * sizeof(*ev));
	if (!ev) {
		bn_free(b);
		return cli_fail(cli, "diagnose", EXIT_FAIL, "out of memory");
	}
	r = bn_evidence_parse(b, o.evidence, ev, &d);
	if (r < 0) {
		rc = cli_fail(cli, "diagnose",
		    r == -ENOMEM ? EXIT_FAIL : EXIT_USAGE, "%s",
		    r == -ENOMEM ? "out of memory" : d.msg);
		bn_free(b);
		return rc;
	}
	r = jtree_new(b, &t, &d);
	if (r < 0) {
		bn_free(b);
		return cli_fail(cli, "diagnose", EXIT_FAIL, "%s: %s", o.bif,
		    diag_has(&d) ? d.msg : strerror(-r));
	}
	r = jtree_query(t, ev, &log_p);
	if (r == -EDOM)
		rc = cli_fail(cli, "diagnose", EXIT_FAIL,
		    "the evidence is impossible in this network "
		    "(P(evidence) = 0)");
	else if (r < 0)
		rc = cli_fail(
		    cli, "diagnose", EXIT_FAIL, "inference: %s", strerror(-r));
	else if (o.json)
		rc = print_json(cli, b, t, log_p);
	else
		rc = print_text(cli, b, t, ev, log_p);
	jtree_free(t);
	bn_free(b);
	return rc;
}
