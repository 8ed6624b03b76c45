/* cmd_place.c - `vmgr place`: place a scenario's VMs offline and explain. */
#include "cli/cli.h"

#include "core/cleanup.h"
#include "model/explain.h"
#include "model/scenario.h"
#include "place/place.h"

#include <getopt.h>
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>

#define DEFAULT_STRATEGY "first-fit"
#define INLINE_HOSTS_MAX 4 /* refusals over more hosts print a summary */

struct place_opts {
	const char *path;
	const char *strategy;
	const char *params;
	uint64_t seed;
	bool seed_set;
	bool json;
};

static int
parse_opts(struct cli *cli, int argc, char **argv, struct place_opts *o)
{
	static const struct option longopts[] = {
	    {"strategy", required_argument, NULL, 's'},
	    {"params", required_argument, NULL, 'p'},
	    {"seed", required_argument, NULL, 'S'},
	    {"json", no_argument, NULL, 'j'},
	    {"help", no_argument, NULL, 'h'},
	    {0},
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
				return cli_fail(cli, "place", EXIT_USAGE,
				    "--seed: expected a non-negative integer, "
				    "got '%s'",
				    optarg);
			o->seed_set = true;
			break;
		case 'j':
			o->json = true;
			break;
		case 'h':
			fprintf(cli->out,
			    "usage: vmgr place SCENARIO [--strategy S] "
			    "[--params K=V,..] [--seed N] [--json]\n");
			return -1;
		default:
			return EXIT_USAGE;
		}
	}
	if (optind != argc - 1)
		return cli_fail(cli, "place", EXIT_USAGE,
		    "expected one scenario file (see 'vmgr help place')");
	o->path = argv[optind];
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

static int
run(struct cli *cli, const struct place_opts *o, struct scenario *s,
    struct placer *p, const char *strategy)
{
	struct cluster *c = s->cluster;
	json_t *j = NULL, *placed = NULL, *refused = NULL;
	struct place_decision dec;
	uint32_t n_placed = 0;
	struct why w;
	char text[4096];
	int r, rc = EXIT_OK;

	if (o->json) {
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
		json_object_set_new(j, "strategy", json_string(strategy));
	}
	place_decision_init(&dec);
	why_init(&w);
	for (uint32_t i = 0; i < s->n_arrivals; i++) {
		vm_id v = s->arrivals[i];
		const struct vm *vm = cluster_vm(c, v);

		why_clear(&w);
		r = placer_place(p, c, v, &dec, &w);
		if (r == 0) {
			for (uint32_t k = 0; k < dec.n_victims; k++)
				cluster_release(c, dec.victims[k], VM_QUEUED);
			r = cluster_reserve(c, v, dec.host);
			if (r < 0) {
				rc = cli_fail(cli, "place", EXIT_FAIL,
				    "strategy %s chose %s for %s, which cannot "
				    "take it (%s)",
				    strategy, cluster_host(c, dec.host)->name,
				    vm->name, strerror(-r));
				break;
			}
			n_placed++;
			if (j)
				json_array_append_new(placed,
				    json_pack("{s:s, s:s}", "vm", vm->name,
					"host",
					cluster_host(c, dec.host)->name));
			else
				fprintf(cli->out, "%s -> %s\n", vm->name,
				    cluster_host(c, dec.host)->name);
			continue;
		}
		if (r != -ENOSPC) {
			rc = cli_fail(cli, "place", EXIT_FAIL, "%s: %s",
			    vm->name, strerror(-r));
			break;
		}
		explain_summary(c, v, &w, text, sizeof(text));
		if (j) {
			json_array_append_new(refused,
			    json_pack("{s:s, s:s, s:o}", "vm", vm->name,
				"summary", text, "reasons",
				explain_json_all(c, v, &w)));
		} else if (c->n_hosts > 0 && c->n_hosts <= INLINE_HOSTS_MAX) {
			inline_reasons(c, v, &w, text, sizeof(text));
			fprintf(cli->out, "%s: refused \u2014 %s\n", vm->name,
			    text);
		} else {
			fprintf(cli->out, "%s: %s\n", vm->name, text);
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
		    n_placed, s->n_arrivals, strategy,
		    s->n_arrivals - n_placed);
	return rc;
}

int
cmd_place(struct cli *cli, int argc, char **argv)
{
	struct place_opts o = {0};
	_cleanup_free_ char *buf = NULL;
	struct scenario *s = NULL;
	struct placer *p = NULL;
	const char *strategy, *params;
	struct diag d = {0};
	size_t len;
	int r, rc;

	rc = parse_opts(cli, argc, argv, &o);
	if (rc != EXIT_OK)
		return rc < 0 ? EXIT_OK : rc;
	r = cli_read_file(o.path, CLI_FILE_MAX, &buf, &len, &d);
	if (r < 0)
		return cli_fail(cli, "place", EXIT_FAIL, "%s", d.msg);
	r = scenario_parse(buf, len, &s, &d);
	if (r < 0)
		return cli_fail(cli, "place", EXIT_FAIL, "%s:%s%s", o.path,
		    d.msg[0] >= '0' && d.msg[0] <= '9' ? "" : " ", d.msg);
	strategy = o.strategy	 ? o.strategy
	    : s->allocation.name ? s->allocation.name
				 : DEFAULT_STRATEGY;
	params = o.params ? o.params : o.strategy ? NULL : s->allocation.params;
	r = placer_new(strategy, params, o.seed_set ? o.seed : s->seed, &p, &d);
	if (r < 0) {
		rc = o.strategy || o.params
		    ? cli_fail(cli, "place", EXIT_USAGE, "%s", d.msg)
		    : cli_fail(cli, "place", EXIT_FAIL, "%s: allocation: %s",
			  o.path, d.msg);
		scenario_free(s);
		return rc;
	}
	rc = run(cli, &o, s, p, strategy);
	placer_free(p);
	scenario_free(s);
	return rc;
}
