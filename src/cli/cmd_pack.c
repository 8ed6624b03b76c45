/* cmd_pack.c - `vmgr pack`: pack a BPPLIB or .vbp instance, by a strategy
 * or to proven optimality. */
#include "cli/cli.h"

#include "cli/pack.h"
#include "core/cleanup.h"
#include "core/clock.h"
#include "model/instance.h"
#include "place/place.h"
#include "plan/binpack.h"

#include <getopt.h>
#include <inttypes.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#define DEFAULT_STRATEGY "first-fit"
#define DEFAULT_LIMIT_S 10.0
#define LIMIT_MAX_S 86400.0

struct pack_opts {
	const char *path;
	const char *strategy;
	const char *params;
	enum pack_order order;
	bool order_set;
	uint64_t seed;
	bool optimal;
	double limit_s;
	bool limit_set;
	bool json;
};

static const char usage_text[] =
    "usage: vmgr pack INSTANCE [--strategy S] [--params K=V,..] "
    "[--order arrival|decreasing] [--seed N] [--json]\n"
    "       vmgr pack --optimal INSTANCE [--time-limit S] [--seed N] "
    "[--json]\n";

static int
parse_opts(struct cli *cli, int argc, char **argv, struct pack_opts *o)
{
	static const struct option longopts[] = {
		{ "strategy", required_argument, NULL, 's' },
		{ "params", required_argument, NULL, 'p' },
		{ "order", required_argument, NULL, 'o' },
		{ "seed", required_argument, NULL, 'S' },
		{ "optimal", no_argument, NULL, 'O' },
		{ "time-limit", required_argument, NULL, 't' },
		{ "json", no_argument, NULL, 'j' },
		{ "help", no_argument, NULL, 'h' },
		{ 0 },
	};
	char *end;
	int c;

	optind = 0;
	o->limit_s = DEFAULT_LIMIT_S;
	while (
	    (c = getopt_long(argc, argv, "s:p:o:jh", longopts, NULL)) != -1) {
		switch (c) {
		case 's':
			o->strategy = optarg;
			break;
		case 'p':
			o->params = optarg;
			break;
		case 'o':
			if (pack_order_parse(optarg, &o->order) < 0)
				return cli_fail(cli, "pack", EXIT_USAGE,
				    "--order: expected arrival or decreasing, "
				    "got '%s'",
				    optarg);
			o->order_set = true;
			break;
		case 'S':
			errno = 0;
			o->seed = strtoull(optarg, &end, 10);
			if (errno || *end || end == optarg || optarg[0] == '-')
				return cli_fail(cli, "pack", EXIT_USAGE,
				    "--seed: expected a non-negative integer, "
				    "got '%s'",
				    optarg);
			break;
		case 'O':
			o->optimal = true;
			break;
		case 't':
			errno = 0;
			o->limit_s = strtod(optarg, &end);
			if (errno || *end || end == optarg ||
			    !(o->limit_s > 0) || o->limit_s > LIMIT_MAX_S)
				return cli_fail(cli, "pack", EXIT_USAGE,
				    "--time-limit: expected seconds in "
				    "(0, %.0f], got '%s'",
				    LIMIT_MAX_S, optarg);
			o->limit_set = true;
			break;
		case 'j':
			o->json = true;
			break;
		case 'h':
			fputs(usage_text, cli->out);
			return -1;
		default:
			return EXIT_USAGE;
		}
	}
	if (optind != argc - 1)
		return cli_fail(cli, "pack", EXIT_USAGE,
		    "expected one instance file (see 'vmgr help pack')");
	if (o->optimal && (o->strategy || o->params || o->order_set))
		return cli_fail(cli, "pack", EXIT_USAGE,
		    "--optimal takes no --strategy, --params or --order");
	if (!o->optimal && o->limit_set)
		return cli_fail(cli, "pack", EXIT_USAGE,
		    "--time-limit applies to --optimal only");
	o->path = argv[optind];
	return EXIT_OK;
}

static bool
has_suffix(const char *s, const char *suf)
{
	size_t n = strlen(s), k = strlen(suf);

	return n >= k && strcmp(s + n - k, suf) == 0;
}

static int
run_strategy(
    struct cli *cli, const struct pack_opts *o, const struct instance *in)
{
	const char *strategy = o->strategy ? o->strategy : DEFAULT_STRATEGY;
	struct diag d = { 0 };
	uint32_t bins;
	uint64_t lb = pack_lower_bound(in);
	int r;

	struct placer *check = NULL;

	/* A bad strategy or parameter is a command-line error. */
	r = placer_new(strategy, o->params, o->seed, &check, &d);
	if (r < 0)
		return cli_fail(cli, "pack", EXIT_USAGE, "%s", d.msg);
	placer_free(check);
	r = pack_with_strategy(
	    in, strategy, o->params, o->seed, o->order, &bins, &d);
	if (r < 0)
		return cli_fail(
		    cli, "pack", EXIT_FAIL, "%s: %s", o->path, d.msg);
	if (o->json)
		return cli_print_json(cli,
		    json_pack("{s:I, s:I, s:s, s:s, s:I, s:I}", "bins",
			(json_int_t)bins, "lower_bound", (json_int_t)lb,
			"strategy", strategy, "order",
			pack_order_name(o->order), "items",
			(json_int_t)in->n_items, "dims", (json_int_t)in->dims));
	fprintf(cli->out,
	    "bins %" PRIu32 ", lower bound %" PRIu64 " (%s, %s order; %" PRIu32
	    " items, %" PRIu32 " dimension%s)\n",
	    bins, lb, strategy, pack_order_name(o->order), in->n_items,
	    in->dims, in->dims == 1 ? "" : "s");
	return EXIT_OK;
}

static int
run_optimal(
    struct cli *cli, const struct pack_opts *o, const struct instance *in)
{
	struct binpack_result res;
	struct binpack_opts bo = { 0 };
	struct clock clk;
	uint64_t t0;
	double secs;
	int r;

	clock_init_monotonic(&clk);
	bo.clk = &clk;
	bo.limit_ns = (uint64_t)llround(o->limit_s * 1e9);
	bo.seed = o->seed;
	t0 = clock_now(&clk);
	r = binpack_solve(in, &bo, &res);
	if (r < 0)
		return cli_fail(cli, "pack", EXIT_FAIL, "%s: cannot solve: %s",
		    o->path, strerror(-r));
	secs = (double)(clock_now(&clk) - t0) / 1e9;
	if (o->json) {
		json_t *b = json_pack("{s:I, s:I, s:I, s:I}", "l1",
		    (json_int_t)res.bounds.l1, "l2", (json_int_t)res.bounds.l2,
		    "aggregate", (json_int_t)res.bounds.aggregate, "clique",
		    (json_int_t)res.bounds.clique);

		if (b && res.ran_colgen && res.colgen.lp_bound)
			json_object_set_new(b, "lp",
			    json_integer((json_int_t)res.colgen.lp_bound));
		r = cli_print_json(cli,
		    json_pack("{s:I, s:I, s:b, s:f, s:o, s:s, s:I, s:I, s:I}",
			"bins", (json_int_t)res.bins, "lower_bound",
			(json_int_t)res.lower_bound, "optimal", res.optimal,
			"seconds", round(secs * 1000) / 1000, "bounds", b,
			"heuristic", heur_rule_name(res.heuristic),
			"heuristic_bins", (json_int_t)res.heuristic_bins,
			"items", (json_int_t)in->n_items, "dims",
			(json_int_t)in->dims));
		binpack_result_done(&res);
		return r;
	}
	fprintf(cli->out,
	    "bins %" PRIu32 ", lower bound %" PRIu64 ": %s (%.2f s)\n",
	    res.bins, res.lower_bound,
	    res.optimal ? "optimal" : "not proven optimal", secs);
	fprintf(cli->out,
	    "  bounds: L1 %" PRIu64 ", L2 %" PRIu64 ", aggregate %" PRIu64
	    ", clique %" PRIu64,
	    res.bounds.l1, res.bounds.l2, res.bounds.aggregate,
	    res.bounds.clique);
	if (res.ran_colgen && res.colgen.lp_bound)
		fprintf(cli->out, ", LP %" PRIu64 " (%.3f)",
		    res.colgen.lp_bound, res.colgen.lp);
	fprintf(cli->out, "\n  heuristic %s: %" PRIu32 " bins",
	    heur_rule_name(res.heuristic), res.heuristic_bins);
	if (res.ran_colgen)
		fprintf(cli->out,
		    "; column generation: %" PRIu32 " patterns, %" PRIu32
		    " pricing rounds, %" PRIu32 " dives",
		    res.colgen.columns, res.colgen.iterations,
		    res.colgen.dives);
	fprintf(cli->out, "\n");
	binpack_result_done(&res);
	return EXIT_OK;
}

int
cmd_pack(struct cli *cli, int argc, char **argv)
{
	struct pack_opts o = { 0 };
	_cleanup_free_ char *buf = NULL;
	struct instance *in = NULL;
	struct diag d = { 0 };
	size_t len;
	int r, rc;

	rc = parse_opts(cli, argc, argv, &o);
	if (rc != EXIT_OK)
		return rc < 0 ? EXIT_OK : rc;
	r = cli_read_file(o.path, CLI_FILE_MAX, &buf, &len, &d);
	if (r < 0)
		return cli_fail(cli, "pack", EXIT_FAIL, "%s", d.msg);
	r = instance_parse(buf, len,
	    has_suffix(o.path, ".vbp") ? INSTANCE_VBP : INSTANCE_AUTO, &in, &d);
	if (r < 0)
		return cli_fail(cli, "pack", EXIT_FAIL, "%s:%s", o.path, d.msg);
	rc = o.optimal ? run_optimal(cli, &o, in) : run_strategy(cli, &o, in);
	instance_free(in);
	return rc;
}
