/* cmd_place.c - `vmgr place`: place a scenario's VMs offline and explain. */
#include "cli/cli.h"
#include "cli/run.h"

#include "model/explain.h"

#include <getopt.h>
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>

#define INLINE_HOSTS_MAX 4 /* refusals over more hosts print a summary */

/* Parses the options `place` and `why-not` share; positional arguments are
 * left in argv[optind..]. EXIT_OK, EXIT_USAGE, or -1 after --help. */
int
run_parse_opts(struct cli *cli, const char *cmd, const char *usage, int argc,
    char **argv, struct run_opts *o, bool *json)
{
	static const struct option longopts[] = {
		{ "strategy", required_argument, NULL, 's' },
		{ "params", required_argument, NULL, 'p' },
		{ "seed", required_argument, NULL, 'S' },
		{ "json", no_argument, NULL, 'j' },
		{ "help", no_argument, NULL, 'h' },
		{ 0 },
	};
	char *end;
	int c;

	optind = 0;
	while ((c = getopt_long(argc, argv, "s:p:jh", longopts, NULL)) != -1) {
		switch (c) {
		case 's':
			o->strategy = optarg;
			break;
		case 'p':
			o->params = optarg;
			break;
		case 'S':
			errno = 0;
			o->seed = strtoull(optarg, &end, 10);
			if (errno || *end || end == optarg || optarg[0] == '-')
				return cli_fail(cli, cmd, EXIT_USAGE,
				    "--seed: expected a non-negative integer, "
				    "got '%s'",
				    optarg);
			o->seed_set = true;
			break;
		case 'j':
			*json = true;
			break;
		case 'h':
			fprintf(cli->out, "usage: vmgr %s %s\n", cmd, usage);
			return -1;
		default:
			return EXIT_USAGE;
		}
	}
	return EXIT_OK;
}

/* "pm0: cpu needs 1000m, 0m free, memory ...; pm1: in maintenance" */
static void
inline_reasons(
    const struct cluster *c, vm_id v, const struct why *w, char *out, size_t n)
{
	size_t off = 0;
	char cause[256];

	out[0] = '\0';
	for (uint32_t i = 0; i < w->n && off < n; i++) {
		bool same = i > 0 && w->v[i - 1].host == w->v[i].host;

		explain_cause(c, v, &w->v[i], cause, sizeof(cause));
		if (same)
			off +=
			    (size_t)snprintf(out + off, n - off, ", %s", cause);
		else
			off += (size_t)snprintf(out + off, n - off, "%s%s: %s",
			    i ? "; " : "", cluster_host(c, w->v[i].host)->name,
			    cause);
	}
}

static json_t *
victims_json(const struct cluster *c, const struct place_decision *dec)
{
	json_t *a = json_array();

	for (uint32_t k = 0; a && k < dec->n_victims; k++)
		json_array_append_new(
		    a, json_string(cluster_vm(c, dec->victims[k])->name));
	return a;
}

static int
place_all(struct cli *cli, struct run *run, bool json)
{
	struct cluster *c = run->s->cluster;
	json_t *j = NULL, *placed = NULL, *refused = NULL;
	struct place_decision dec;
	uint32_t n_placed = 0, n = run->s->n_arrivals;
	struct why w;
	char text[4096];
	int r, rc = EXIT_OK;

	if (json) {
		j = json_object();
		placed = json_array();
		refused = json_array();
		if (!j || !placed || !refused) {
			json_decref(j);
			json_decref(placed);
			json_decref(refused);
			return cli_fail(
			    cli, "place", EXIT_FAIL, "out of memory");
		}
		json_object_set_new(j, "strategy", json_string(run->strategy));
	}
	place_decision_init(&dec);
	why_init(&w);
	for (uint32_t i = 0; i < n; i++) {
		vm_id v = run->order[i];
		const char *name = cluster_vm(c, v)->name;

		why_clear(&w);
		r = run_step(run, i, &dec, &w);
		if (r == 0) {
			const char *host = cluster_host(c, dec.host)->name;

			n_placed++;
			if (j && dec.n_victims)
				json_array_append_new(placed,
				    json_pack("{s:s, s:s, s:o}", "vm", name,
					"host", host, "preempted",
					victims_json(c, &dec)));
			else if (j)
				json_array_append_new(placed,
				    json_pack("{s:s, s:s}", "vm", name, "host",
					host));
			else
				fprintf(cli->out, "%s -> %s\n", name, host);
			for (uint32_t k = 0; !j && k < dec.n_victims; k++)
				fprintf(cli->out,
				    "  preempted %s (back to the queue)\n",
				    cluster_vm(c, dec.victims[k])->name);
			continue;
		}
		if (r != -ENOSPC) {
			rc = cli_fail(cli, "place", EXIT_FAIL,
			    "%s: strategy %s chose a host the cluster refuses "
			    "(%s)",
			    name, run->strategy, strerror(-r));
			break;
		}
		explain_summary(c, v, &w, text, sizeof(text));
		if (j) {
			json_array_append_new(refused,
			    json_pack("{s:s, s:s, s:o}", "vm", name, "summary",
				text, "reasons", explain_json_all(c, v, &w)));
		} else if (c->n_hosts > 0 && c->n_hosts <= INLINE_HOSTS_MAX) {
			inline_reasons(c, v, &w, text, sizeof(text));
			fprintf(
			    cli->out, "%s: refused \u2014 %s\n", name, text);
		} else {
			fprintf(cli->out, "%s: %s\n", name, text);
		}
	}
	why_done(&w);
	place_decision_done(&dec);
	if (j) {
		json_object_set_new(j, "placements", placed);
		json_object_set_new(j, "refused", refused);
		if (rc == EXIT_OK)
			return cli_print_json(cli, j);
		json_decref(j);
		return rc;
	}
	if (rc == EXIT_OK)
		fprintf(cli->out,
		    "placed %" PRIu32 " of %" PRIu32 " VMs with %s; %" PRIu32
		    " refused\n",
		    n_placed, n, run->strategy, n - n_placed);
	return rc;
}

int
cmd_place(struct cli *cli, int argc, char **argv)
{
	static const char usage[] =
	    "SCENARIO [--strategy S] [--params K=V,..] [--seed N] [--json]";
	struct run_opts o = { 0 };
	struct run run;
	bool json = false;
	int rc;

	rc = run_parse_opts(cli, "place", usage, argc, argv, &o, &json);
	if (rc != EXIT_OK)
		return rc < 0 ? EXIT_OK : rc;
	if (optind != argc - 1)
		return cli_fail(cli, "place", EXIT_USAGE,
		    "expected one scenario file (see 'vmgr help place')");
	o.path = argv[optind];
	rc = run_open(cli, "place", &o, &run);
	if (rc != EXIT_OK)
		return rc;
	rc = place_all(cli, &run, json);
	run_close(&run);
	return rc;
}
