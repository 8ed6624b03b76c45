/* cmd_plan.c - `vmgr plan`: the optimal placement of a scenario's new VMs
 * and a consolidation of its running ones, with bound, gap and an ordered
 * migration list. */
#include "cli/cli.h"

#include "cli/http.h"
#include "core/cleanup.h"
#include "decide/replan.h"
#include "model/scenario.h"

#include <getopt.h>
#include <inttypes.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#define DEFAULT_STRATEGY "first-fit"
#define DEFAULT_LIMIT_S 10.0
#define LIMIT_MAX_S 86400.0

struct plan_opts {
	const char *path;
	const char *strategy;
	double limit_s;
	uint32_t max_migrations;
	uint32_t target_hosts;
	bool json, verbose, apply;
};

static const char usage_text[] =
    "usage: vmgr plan SCENARIO [--time-limit S] [--max-migrations K] "
    "[--target-hosts N] [--strategy S] [--json] [--verbose]\n"
    "       vmgr plan [--time-limit S] [--max-migrations K] "
    "[--target-hosts N] [--apply] [--json]   (the cluster of vmgrd)\n";

static int
parse_u32(struct cli *cli, const char *opt, const char *s, uint32_t *ret)
{
	char *end;
	unsigned long long v;

	errno = 0;
	v = strtoull(s, &end, 10);
	if (errno || *end || end == s || s[0] == '-' || v >= UINT32_MAX)
		return cli_fail(cli, "plan", EXIT_USAGE,
		    "%s: expected a non-negative integer, got '%s'", opt, s);
	*ret = (uint32_t)v;
	return EXIT_OK;
}

static int
parse_opts(struct cli *cli, int argc, char **argv, struct plan_opts *o)
{
	static const struct option longopts[] = {
		{ "time-limit", required_argument, NULL, 't' },
		{ "max-migrations", required_argument, NULL, 'k' },
		{ "target-hosts", required_argument, NULL, 'T' },
		{ "strategy", required_argument, NULL, 's' },
		{ "json", no_argument, NULL, 'j' },
		{ "verbose", no_argument, NULL, 'v' },
		{ "apply", no_argument, NULL, 'a' },
		{ "help", no_argument, NULL, 'h' },
		{ 0 },
	};
	char *end;
	int c, rc;

	optind = 0;
	o->limit_s = DEFAULT_LIMIT_S;
	o->max_migrations = ASSIGN_UNLIMITED;
	while ((c = getopt_long(argc, argv, "s:jvh", longopts, NULL)) != -1) {
		switch (c) {
		case 't':
			errno = 0;
			o->limit_s = strtod(optarg, &end);
			if (errno || *end || end == optarg ||
			    !(o->limit_s > 0) || o->limit_s > LIMIT_MAX_S)
				return cli_fail(cli, "plan", EXIT_USAGE,
				    "--time-limit: expected seconds in "
				    "(0, %.0f], got '%s'",
				    LIMIT_MAX_S, optarg);
			break;
		case 'k':
			rc = parse_u32(cli, "--max-migrations", optarg,
			    &o->max_migrations);
			if (rc != EXIT_OK)
				return rc;
			break;
		case 'T':
			rc = parse_u32(
			    cli, "--target-hosts", optarg, &o->target_hosts);
			if (rc != EXIT_OK)
				return rc;
			if (o->target_hosts == 0)
				return cli_fail(cli, "plan", EXIT_USAGE,
				    "--target-hosts: expected at least 1");
			break;
		case 's':
			o->strategy = optarg;
			break;
		case 'j':
			o->json = true;
			break;
		case 'v':
			o->verbose = true;
			break;
		case 'a':
			o->apply = true;
			break;
		case 'h':
			fputs(usage_text, cli->out);
			return -1;
		default:
			return EXIT_USAGE;
		}
	}
	if (optind < argc - 1)
		return cli_fail(cli, "plan", EXIT_USAGE,
		    "expected one scenario file, or none to plan vmgrd's "
		    "cluster (see 'vmgr help plan')");
	o->path = optind == argc - 1 ? argv[optind] : NULL;
	if (o->path && o->apply)
		return cli_fail(cli, "plan", EXIT_USAGE,
		    "--apply: only for vmgrd's cluster (no scenario file)");
	if (!o->path && (o->strategy || o->verbose))
		return cli_fail(cli, "plan", EXIT_USAGE,
		    "%s: only with a scenario file (vmgrd plans with its own "
		    "strategy, quietly)",
		    o->strategy ? "--strategy" : "--verbose");
	return EXIT_OK;
}

static const char *
hname(const struct cluster *c, host_id h)
{
	return h == HOST_NONE ? "-" : cluster_host(c, h)->name;
}

static void
plan_text(struct cli *cli, const struct cluster *c, const struct scenario *s,
    const struct replan *rp, bool migr_mode)
{
	const struct assign_result *res = &rp->res;
	const struct migrate_plan *mp = &rp->mp;
	int order_rc = rp->order_rc;
	vm_id blocked = rp->blocked;
	const bool *freed = rp->freed;
	FILE *f = cli->out;

	if (migr_mode)
		fprintf(f,
		    "plan: %" PRIu32 " migration%s, %" PRIu32
		    " hosts in use; bound %.0f migrations, gap %.1f%% (%s, "
		    "%.2f s)\n",
		    res->migrations, res->migrations == 1 ? "" : "s",
		    res->hosts_used, res->bound, 100 * res->gap,
		    assign_status_name(res->status), res->seconds);
	else
		fprintf(f,
		    "plan: cost %g (%" PRIu32 " host%s in use), bound %g, gap "
		    "%.1f%% (%s, %.2f s)\n",
		    res->cost, res->hosts_used, res->hosts_used == 1 ? "" : "s",
		    res->bound, 100 * res->gap, assign_status_name(res->status),
		    res->seconds);
	fprintf(f, "  bounds: LP relaxation ");
	if (res->lp_bound >= 0)
		fprintf(f, "%.3f", res->lp_bound);
	else
		fprintf(f, "-");
	fprintf(f, ", combinatorial ");
	if (res->comb_bound >= 0)
		fprintf(f, "%.3f", res->comb_bound);
	else
		fprintf(f, "-");
	fprintf(f, "; warm start ");
	if (res->warm_objective >= 0)
		fprintf(f, "%g", res->warm_objective);
	else
		fprintf(f, "-");
	fprintf(f, "; %" PRIu32 " variables, %" PRIu32 " rows\n", res->vars,
	    res->rows);
	for (uint32_t i = 0; i < s->n_arrivals; i++) {
		vm_id v = s->arrivals[i];

		if (res->target[v] != HOST_NONE)
			fprintf(f, "%s -> %s\n", cluster_vm(c, v)->name,
			    hname(c, res->target[v]));
	}
	if (order_rc != 0)
		fprintf(f,
		    "migrations: no safe order found, even parking VMs on "
		    "spare hosts (%s waits on capacity that never frees)\n",
		    cluster_vm(c, blocked)->name);
	for (uint32_t i = 0; i < mp->n; i++)
		fprintf(f, "migrate %" PRIu32 ": %s %s -> %s%s\n",
		    mp->v[i].batch + 1, cluster_vm(c, mp->v[i].vm)->name,
		    hname(c, mp->v[i].from), hname(c, mp->v[i].to),
		    mp->v[i].temporary ? " (temporary)" : "");
	for (uint32_t i = 0; i < s->n_arrivals; i++)
		if (res->target[s->arrivals[i]] == HOST_NONE)
			fprintf(f,
			    "%s: unplaced (no host can take it in any plan "
			    "found)\n",
			    cluster_vm(c, s->arrivals[i])->name);
	if (rp->n_freed > 0) {
		fprintf(f, "freed:");
		for (host_id h = 0; h < c->n_hosts; h++)
			if (freed[h])
				fprintf(f, " %s", hname(c, h));
		fprintf(f, "\n");
	}
}

/* Prints the plan vmgrd returned (POST or GET /v1/plans). */
static void
online_text(struct cli *cli, const json_t *st)
{
	const json_t *p = json_object_get(st, "plan"), *a;
	FILE *f = cli->out;
	size_t i;
	json_t *e;

	fprintf(f,
	    "plan %lld (%s): cost %g (%lld host%s in use), bound %g, gap "
	    "%.1f%%, %.2f s\n",
	    (long long)json_integer_value(json_object_get(st, "id")),
	    json_string_value(json_object_get(p, "status")),
	    json_number_value(json_object_get(p, "cost")),
	    (long long)json_integer_value(json_object_get(p, "hosts_used")),
	    json_integer_value(json_object_get(p, "hosts_used")) == 1 ? ""
								      : "s",
	    json_number_value(json_object_get(p, "bound")),
	    100 * json_number_value(json_object_get(p, "gap")),
	    json_number_value(json_object_get(p, "seconds")));
	json_array_foreach(json_object_get(p, "migrations"), i, e)
	    fprintf(f, "migrate %lld: %s %s -> %s%s\n",
		(long long)json_integer_value(json_object_get(e, "step")),
		json_string_value(json_object_get(e, "vm")),
		json_string_value(json_object_get(e, "from")),
		json_string_value(json_object_get(e, "to")),
		json_is_true(json_object_get(e, "temporary")) ? " (temporary)"
							      : "");
	a = json_object_get(p, "freed_hosts");
	if (json_array_size(a) > 0) {
		fprintf(f, "freed:");
		json_array_foreach(a, i, e)
		    fprintf(f, " %s", json_string_value(e));
		fprintf(f, "\n");
	}
}

/* vmgr plan without a scenario: vmgrd plans its own cluster; with
 * --apply, waits until the migrations have run (or one failed). */
static int
plan_online(struct cli *cli, const struct plan_opts *o)
{
	struct http_target t = { .socket = cli->socket, .url = cli->url };
	json_t *body = json_object(), *reply = NULL;
	const char *state;
	int rc, st;

	rc = http_target_init(cli, &t, cli->token_file);
	if (rc != EXIT_OK || !body) {
		json_decref(body);
		return rc != EXIT_OK ? rc : EXIT_FAIL;
	}
	json_object_set_new(body, "time_limit_s", json_real(o->limit_s));
	if (o->max_migrations != ASSIGN_UNLIMITED)
		json_object_set_new(
		    body, "max_migrations", json_integer(o->max_migrations));
	if (o->target_hosts)
		json_object_set_new(
		    body, "target_hosts", json_integer(o->target_hosts));
	json_object_set_new(body, "apply", json_boolean(o->apply));
	st = http_call(cli, &t, "POST", "/v1/plans", body,
	    (long)(o->limit_s * 1000) + 30000, &reply, NULL);
	json_decref(body);
	rc = http_exit(cli, "plan", st, reply);
	if (rc != EXIT_OK) {
		json_decref(reply);
		return rc;
	}
	if (!o->json)
		online_text(cli, reply);
	/* Follow the application to its end. */
	while (o->apply &&
	    (state = json_string_value(json_object_get(reply, "state"))) &&
	    strcmp(state, "applying") == 0) {
		struct timespec ts = { 0, 200 * 1000000L };

		nanosleep(&ts, NULL);
		json_decref(reply);
		reply = NULL;
		st = http_call(
		    cli, &t, "GET", "/v1/plans", NULL, 10000, &reply, NULL);
		rc = http_exit(cli, "plan", st, reply);
		if (rc != EXIT_OK) {
			json_decref(reply);
			return rc;
		}
	}
	state = json_string_value(json_object_get(reply, "state"));
	if (o->json)
		rc = cli_print_json(cli, json_incref(reply));
	else if (o->apply)
		fprintf(cli->out, "applied: %s%s%s\n", state ? state : "?",
		    json_object_get(reply, "error") ? ": " : "",
		    json_object_get(reply, "error")
			? json_string_value(json_object_get(reply, "error"))
			: "");
	else
		fprintf(cli->out,
		    "not applied ('vmgr plan --apply' runs "
		    "a new plan's migrations)\n");
	if (rc == EXIT_OK && o->apply && state && strcmp(state, "failed") == 0)
		rc = EXIT_FAIL;
	json_decref(reply);
	return rc;
}

int
cmd_plan(struct cli *cli, int argc, char **argv)
{
	struct plan_opts o = { 0 };
	_cleanup_free_ char *buf = NULL;
	struct scenario *s = NULL;
	struct replan_opts ro = { 0 };
	struct replan rp;
	struct diag d = { 0 };
	size_t len;
	int r, rc;

	rc = parse_opts(cli, argc, argv, &o);
	if (rc != EXIT_OK)
		return rc < 0 ? EXIT_OK : rc;
	if (!o.path)
		return plan_online(cli, &o);
	r = cli_read_file(o.path, CLI_FILE_MAX, &buf, &len, &d);
	if (r < 0)
		return cli_fail(cli, "plan", EXIT_FAIL, "%s", d.msg);
	r = scenario_parse(buf, len, &s, &d);
	if (r < 0)
		return cli_fail(cli, "plan", EXIT_FAIL, "%s:%s%s", o.path,
		    d.msg[0] >= '0' && d.msg[0] <= '9' ? "" : " ", d.msg);
	ro.strategy = o.strategy ? o.strategy
	    : s->allocation.name ? s->allocation.name
				 : DEFAULT_STRATEGY;
	ro.params = o.strategy ? NULL : s->allocation.params;
	ro.seed = s->seed;
	ro.limit_s = o.limit_s;
	ro.max_migrations = o.max_migrations;
	ro.target_hosts = o.target_hosts;
	ro.n_plus_one = s->n_plus_one;
	ro.verbose = o.verbose;
	r = replan_run(s->cluster, s->arrivals, s->n_arrivals, &ro, &rp, &d);
	if (r < 0) {
		bool bad_opt = o.strategy && (r == -EINVAL || r == -ENOENT);

		rc = bad_opt
		    ? cli_fail(cli, "plan", EXIT_USAGE, "%s", d.msg)
		    : cli_fail(cli, "plan", EXIT_FAIL, "%s: %s", o.path, d.msg);
		scenario_free(s);
		return rc;
	}
	if (o.json)
		rc = cli_print_json(cli,
		    replan_json(s->cluster, s->arrivals, s->n_arrivals, &rp));
	else
		plan_text(cli, s->cluster, s, &rp, o.target_hosts > 0);
	if (rp.res.status == ASSIGN_INFEASIBLE && rc == EXIT_OK)
		rc = cli_fail(cli, "plan", EXIT_FAIL, "%s: no plan meets %s",
		    o.path,
		    o.target_hosts ? "the host target within the migration "
				     "budget"
				   : "every constraint");
	replan_done(&rp);
	scenario_free(s);
	return rc;
}
