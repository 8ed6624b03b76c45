/* cmd_why_not.c - `vmgr why-not SCENARIO VM HOST`: explain one VM-host pair. */
#include "cli/cli.h"
#include "cli/http.h"
#include "cli/run.h"

#include "model/explain.h"

#include <getopt.h>
#include <string.h>

/*
 * Replays the scenario's placements up to the VM's own turn, so the answer
 * describes the cluster as the VM found it, then checks the pair. A VM the
 * scenario already places ("host") is checked against the cluster as the
 * file states it.
 */
/* VM HOST without a scenario: ask vmgrd about its own cluster. */
static int
why_not_online(struct cli *cli, const char *vm, const char *host, bool json)
{
	struct http_target t = { .socket = cli->socket, .url = cli->url };
	char path[256];
	json_t *reply = NULL, *reasons, *r;
	size_t i;
	int rc, st;

	rc = http_target_init(cli, &t, cli->token_file);
	if (rc != EXIT_OK)
		return rc;
	snprintf(path, sizeof(path), "/v1/why-not?vm=%s&host=%s", vm, host);
	st = http_call(cli, &t, "GET", path, NULL, 10000, &reply, NULL);
	rc = http_exit(cli, "why-not", st, reply);
	if (rc != EXIT_OK || json) {
		if (rc == EXIT_OK)
			return cli_print_json(cli, reply);
		json_decref(reply);
		return rc;
	}
	if (json_is_true(json_object_get(reply, "fits"))) {
		const char *on =
		    json_string_value(json_object_get(reply, "placed_on"));

		fprintf(cli->out, "%s can go to %s%s%s.\n", vm, host,
		    on ? "; it runs on " : "", on ? on : "");
	} else {
		fprintf(cli->out, "%s cannot go to %s:\n", vm, host);
		reasons = json_object_get(reply, "reasons");
		json_array_foreach(reasons, i, r) fprintf(cli->out, "  %s\n",
		    json_string_value(json_object_get(r, "text")));
	}
	json_decref(reply);
	return EXIT_OK;
}

int
cmd_why_not(struct cli *cli, int argc, char **argv)
{
	static const char usage[] = "SCENARIO VM HOST [--strategy S] [--params "
				    "K=V,..] [--seed N] [--json]";
	struct run_opts o = { 0 };
	struct place_decision dec;
	const char *vname, *hname, *chosen = NULL;
	struct cluster *c;
	struct run run;
	bool json = false, fits;
	struct why w;
	host_id h;
	vm_id v;
	int rc;

	rc = run_parse_opts(cli, "why-not", usage, argc, argv, &o, &json);
	if (rc != EXIT_OK)
		return rc < 0 ? EXIT_OK : rc;
	if (optind == argc - 2)
		return why_not_online(
		    cli, argv[optind], argv[optind + 1], json);
	if (optind != argc - 3)
		return cli_fail(cli, "why-not", EXIT_USAGE,
		    "expected SCENARIO VM HOST, or VM HOST for vmgrd (see "
		    "'vmgr help why-not')");
	o.path = argv[optind];
	vname = argv[optind + 1];
	hname = argv[optind + 2];
	rc = run_open(cli, "why-not", &o, &run);
	if (rc != EXIT_OK)
		return rc;
	c = run.s->cluster;
	if (cluster_find_vm(c, vname, &v) < 0) {
		run_close(&run);
		return cli_fail(cli, "why-not", EXIT_FAIL,
		    "%s: no VM named '%s'", o.path, vname);
	}
	if (cluster_find_host(c, hname, &h) < 0) {
		run_close(&run);
		return cli_fail(cli, "why-not", EXIT_FAIL,
		    "%s: no host named '%s'", o.path, hname);
	}
	place_decision_init(&dec);
	why_init(&w);
	for (uint32_t i = 0; i < run.s->n_arrivals; i++) {
		if (run.order[i] == v) {
			/* What the strategy does with it, after the check. */
			fits = cluster_check(c, v, h, &w) == 0;
			if (placer_place(run.p, c, v, &dec, NULL) == 0)
				chosen = cluster_host(c, dec.host)->name;
			goto answer;
		}
		run_step(&run, i, &dec, NULL);
	}
	fits = cluster_check(c, v, h, &w) == 0;
	if (cluster_vm(c, v)->host != HOST_NONE)
		chosen = cluster_host(c, cluster_vm(c, v)->host)->name;
answer:
	if (json) {
		json_t *j = json_pack("{s:s, s:s, s:s, s:b, s:s?, s:o}", "vm",
		    vname, "host", hname, "strategy", run.strategy, "fits",
		    fits, "placed_on", chosen, "reasons",
		    explain_json_all(c, v, &w));

		rc = cli_print_json(cli, j);
	} else if (!fits) {
		char cause[256];

		fprintf(cli->out, "%s cannot go to %s:\n", vname, hname);
		for (uint32_t i = 0; i < w.n; i++) {
			explain_cause(c, v, &w.v[i], cause, sizeof(cause));
			fprintf(cli->out, "  %s\n", cause);
		}
		if (chosen)
			fprintf(cli->out, "%s placed it on %s.\n", run.strategy,
			    chosen);
		else
			fprintf(cli->out, "%s finds no host for it.\n",
			    run.strategy);
	} else if (chosen && strcmp(chosen, hname) == 0) {
		fprintf(cli->out, "%s goes to %s: %s chose it.\n", vname, hname,
		    run.strategy);
	} else {
		fprintf(cli->out, "%s can go to %s; %s prefers %s.\n", vname,
		    hname, run.strategy, chosen ? chosen : "no host");
	}
	why_done(&w);
	place_decision_done(&dec);
	run_close(&run);
	return rc;
}
