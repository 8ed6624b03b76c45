/* cmd_plan.c - `vmgr plan`: the optimal placement of a scenario's new VMs
 * and a consolidation of its running ones, with bound, gap and an ordered
 * migration list. */
#include "cli/cli.h"

#include "core/cleanup.h"
#include "core/clock.h"
#include "model/scenario.h"
#include "place/place.h"
#include "plan/assign.h"
#include "plan/consolidate.h"
#include "plan/migrate.h"

#include <getopt.h>
#include <inttypes.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#define DEFAULT_STRATEGY "first-fit"
#define DEFAULT_LIMIT_S 10.0
#define LIMIT_MAX_S 86400.0

struct plan_opts {
	const char *path;
	const char *strategy;
	double limit_s;
	uint32_t max_migrations;
	uint32_t target_hosts;
	bool json, verbose;
};

static const char usage_text[] =
    "usage: vmgr plan SCENARIO [--time-limit S] [--max-migrations K] "
    "[--target-hosts N] [--strategy S] [--json] [--verbose]\n";

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
		case 'h':
			fputs(usage_text, cli->out);
			return -1;
		default:
			return EXIT_USAGE;
		}
	}
	if (optind != argc - 1)
		return cli_fail(cli, "plan", EXIT_USAGE,
		    "expected one scenario file (see 'vmgr help plan')");
	o->path = argv[optind];
	return EXIT_OK;
}

/*
 * The warm start: the allocation strategy places the arrivals in order
 * (committed one by one, then undone), the running VMs stay; then the
 * greedy consolidation empties what hosts it can within the budget.
 */
static int
warm_start(struct cli *cli, struct scenario *s, const char *strategy,
    const struct plan_opts *o, host_id *warm)
{
	struct cluster *c = s->cluster;
	struct placer *pl = NULL;
	struct place_decision dec;
	struct diag d = { 0 };
	host_id *greedy;
	uint32_t migr;
	int r;

	r = placer_new(strategy, o->strategy ? NULL : s->allocation.params,
	    s->seed, &pl, &d);
	if (r < 0)
		return cli_fail(cli, "plan",
		    o->strategy ? EXIT_USAGE : EXIT_FAIL, "%s", d.msg);
	for (vm_id v = 0; v < c->n_vms; v++)
		warm[v] = cluster_vm(c, v)->host;
	place_decision_init(&dec);
	for (uint32_t i = 0; i < s->n_arrivals; i++) {
		vm_id v = s->arrivals[i];

		if (placer_place(pl, c, v, &dec, NULL) == 0 &&
		    dec.n_victims == 0 && cluster_reserve(c, v, dec.host) == 0)
			warm[v] = dec.host;
	}
	place_decision_done(&dec);
	placer_free(pl);
	for (uint32_t i = 0; i < s->n_arrivals; i++)
		if (warm[s->arrivals[i]] != HOST_NONE)
			cluster_release(c, s->arrivals[i], VM_PENDING);
	greedy = malloc((c->n_vms ? c->n_vms : 1) * sizeof(*greedy));
	if (!greedy)
		return cli_fail(cli, "plan", EXIT_FAIL, "out of memory");
	r = consolidate_greedy(
	    c, warm, o->max_migrations, s->n_plus_one, greedy, &migr);
	if (r == 0)
		memcpy(warm, greedy, c->n_vms * sizeof(*warm));
	free(greedy);
	return r < 0 ? cli_fail(cli, "plan", EXIT_FAIL, "out of memory")
		     : EXIT_OK;
}

static const char *
hname(const struct cluster *c, host_id h)
{
	return h == HOST_NONE ? "-" : cluster_host(c, h)->name;
}

static json_t *
plan_json(const struct cluster *c, const struct scenario *s,
    const struct assign_result *res, const struct migrate_plan *mp,
    int order_rc, vm_id blocked, const bool *freed)
{
	json_t *j = json_object(), *pl = json_array(), *mg = json_array();
	json_t *un = json_array(), *fr = json_array();

	if (!j || !pl || !mg || !un || !fr) {
		json_decref(j);
		json_decref(pl);
		json_decref(mg);
		json_decref(un);
		json_decref(fr);
		return NULL;
	}
	json_object_set_new(
	    j, "status", json_string(assign_status_name(res->status)));
	json_object_set_new(j, "cost", json_real(res->cost));
	json_object_set_new(j, "bound", json_real(res->bound));
	json_object_set_new(j, "gap", json_real(res->gap));
	json_object_set_new(j, "hosts_used", json_integer(res->hosts_used));
	json_object_set_new(
	    j, "migrations_count", json_integer(res->migrations));
	json_object_set_new(j, "unplaced_count", json_integer(res->unplaced));
	json_object_set_new(j, "lp_bound", json_real(res->lp_bound));
	json_object_set_new(
	    j, "combinatorial_bound", json_real(res->comb_bound));
	json_object_set_new(
	    j, "warm_start_cost", json_real(res->warm_objective));
	json_object_set_new(
	    j, "seconds", json_real(round(res->seconds * 1000) / 1000));
	json_object_set_new(j, "variables", json_integer(res->vars));
	json_object_set_new(j, "rows", json_integer(res->rows));
	for (uint32_t i = 0; i < s->n_arrivals; i++) {
		vm_id v = s->arrivals[i];

		if (res->target[v] == HOST_NONE)
			json_array_append_new(
			    un, json_string(cluster_vm(c, v)->name));
		else
			json_array_append_new(pl,
			    json_pack("{s:s, s:s}", "vm",
				cluster_vm(c, v)->name, "host",
				hname(c, res->target[v])));
	}
	for (uint32_t i = 0; i < mp->n; i++)
		json_array_append_new(mg,
		    json_pack("{s:s, s:s, s:s, s:i, s:b}", "vm",
			cluster_vm(c, mp->v[i].vm)->name, "from",
			hname(c, mp->v[i].from), "to", hname(c, mp->v[i].to),
			"step", (int)mp->v[i].batch + 1, "temporary",
			mp->v[i].temporary));
	for (host_id h = 0; h < c->n_hosts; h++)
		if (freed[h])
			json_array_append_new(fr, json_string(hname(c, h)));
	json_object_set_new(j, "placements", pl);
	json_object_set_new(j, "migrations", mg);
	json_object_set_new(j, "migration_order",
	    json_string(order_rc == 0 ? "safe" : "impossible"));
	if (order_rc != 0)
		json_object_set_new(
		    j, "blocked", json_string(cluster_vm(c, blocked)->name));
	json_object_set_new(j, "unplaced", un);
	json_object_set_new(j, "freed_hosts", fr);
	return j;
}

static void
plan_text(struct cli *cli, const struct cluster *c, const struct scenario *s,
    const struct assign_result *res, const struct migrate_plan *mp,
    int order_rc, vm_id blocked, const bool *freed, bool migr_mode)
{
	FILE *f = cli->out;
	uint32_t n = 0;

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
	for (host_id h = 0; h < c->n_hosts; h++)
		n += freed[h];
	if (n > 0) {
		fprintf(f, "freed:");
		for (host_id h = 0; h < c->n_hosts; h++)
			if (freed[h])
				fprintf(f, " %s", hname(c, h));
		fprintf(f, "\n");
	}
}

int
cmd_plan(struct cli *cli, int argc, char **argv)
{
	struct plan_opts o = { 0 };
	_cleanup_free_ char *buf = NULL;
	_cleanup_free_ host_id *warm = NULL;
	_cleanup_free_ bool *freed = NULL;
	struct scenario *s = NULL;
	struct assign_result res = { 0 };
	struct assign_opts ao = { 0 };
	struct migrate_plan mp;
	struct clock clk;
	struct diag d = { 0 };
	const char *strategy;
	vm_id blocked = 0;
	size_t len;
	int r, rc, order_rc;

	rc = parse_opts(cli, argc, argv, &o);
	if (rc != EXIT_OK)
		return rc < 0 ? EXIT_OK : rc;
	r = cli_read_file(o.path, CLI_FILE_MAX, &buf, &len, &d);
	if (r < 0)
		return cli_fail(cli, "plan", EXIT_FAIL, "%s", d.msg);
	r = scenario_parse(buf, len, &s, &d);
	if (r < 0)
		return cli_fail(cli, "plan", EXIT_FAIL, "%s:%s%s", o.path,
		    d.msg[0] >= '0' && d.msg[0] <= '9' ? "" : " ", d.msg);
	strategy = o.strategy	 ? o.strategy
	    : s->allocation.name ? s->allocation.name
				 : DEFAULT_STRATEGY;
	warm =
	    malloc((s->cluster->n_vms ? s->cluster->n_vms : 1) * sizeof(*warm));
	freed = calloc(
	    s->cluster->n_hosts ? s->cluster->n_hosts : 1, sizeof(*freed));
	if (!warm || !freed) {
		scenario_free(s);
		return cli_fail(cli, "plan", EXIT_FAIL, "out of memory");
	}
	rc = warm_start(cli, s, strategy, &o, warm);
	if (rc != EXIT_OK) {
		scenario_free(s);
		return rc;
	}
	clock_init_monotonic(&clk);
	ao.clk = &clk;
	ao.limit_ns = (uint64_t)llround(o.limit_s * 1e9);
	ao.n_plus_one = s->n_plus_one;
	ao.consolidate = true;
	ao.max_migrations = o.max_migrations;
	ao.target_hosts = o.target_hosts;
	ao.warm = warm;
	ao.verbose = o.verbose;
	r = assign_solve(s->cluster, s->arrivals, s->n_arrivals, &ao, &res);
	if (r < 0) {
		scenario_free(s);
		return cli_fail(cli, "plan", EXIT_FAIL, "%s: cannot plan: %s",
		    o.path, strerror(-r));
	}
	migrate_plan_init(&mp);
	order_rc =
	    migrate_order(s->cluster, res.target, s->n_plus_one, &mp, &blocked);
	if (order_rc < 0 && order_rc != -EDEADLK) {
		rc = cli_fail(cli, "plan", EXIT_FAIL,
		    "%s: cannot order the migrations: %s", o.path,
		    strerror(-order_rc));
		goto out;
	}
	for (host_id h = 0; h < s->cluster->n_hosts; h++)
		freed[h] = cluster_host(s->cluster, h)->n_vms > 0;
	for (vm_id v = 0; v < s->cluster->n_vms; v++)
		if (res.target[v] != HOST_NONE)
			freed[res.target[v]] = false;
	if (o.json)
		rc = cli_print_json(cli,
		    plan_json(
			s->cluster, s, &res, &mp, order_rc, blocked, freed));
	else
		plan_text(cli, s->cluster, s, &res, &mp, order_rc, blocked,
		    freed, o.target_hosts > 0);
	if (res.status == ASSIGN_INFEASIBLE && rc == EXIT_OK)
		rc = cli_fail(cli, "plan", EXIT_FAIL, "%s: no plan meets %s",
		    o.path,
		    o.target_hosts ? "the host target within the migration "
				     "budget"
				   : "every constraint");
out:
	migrate_plan_done(&mp);
	assign_result_done(&res);
	scenario_free(s);
	return rc;
}
