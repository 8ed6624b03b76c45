/* main.c - vmgr: global options, then a verb from the command table. */
#include "cli/cli.h"
#include "vmgr/vmgr.h"

#include <curl/curl.h>

#include <stdio.h>
#include <string.h>

static int cmd_help(struct cli *cli, int argc, char **argv);

static const struct cli_cmd commands[] = {
	/* clang-format off */
	{ "help", "[VERB]", "show the verbs, or one verb's usage", cmd_help },
	{ "diagnose", "--bif FILE [--evidence 'VAR=state;VAR=state'] [--json]",
	  "every posterior of a Bayesian network given evidence", cmd_diagnose },
	{ "place", "SCENARIO [--strategy S] [--params K=V,..] [--seed N] [--json]",
	  "place a scenario's VMs and explain every refusal", cmd_place },
	{ "sim", "--trace FORMAT:PATH [--hosts SPEC] [--allocation S] [--schedule S] [--seed N] [--report DIR] [--json] [--compare S1,S2,..] (vmgr sim --help: all)",
	  "replay a trace through the decision engine and report", cmd_sim },
	{ "vm", "create NAME --cpu-milli N --memory-mib N [--priority P] [--workload W] [--no-ha] [--stopped] | create --from SCENARIO | list | show NAME | start NAME | stop NAME | delete NAME | migrate NAME HOST | console NAME [-f] [--since N]  [--json]",
	  "manage VMs on vmgrd", cmd_vm },
	{ "host", "list | drain NAME | undrain NAME  [--json]",
	  "manage vmgrd's hosts", cmd_host },
	{ "events", "[-f] [--since SEQ] [--json]",
	  "what vmgrd did and why (-f: follow)", cmd_events },
	{ "pack", "INSTANCE [--strategy S] [--order arrival|decreasing] [--json] | --optimal INSTANCE [--time-limit S] [--json]",
	  "pack a BPPLIB or .vbp instance, by a strategy or optimally", cmd_pack },
	{ "plan", "SCENARIO [--time-limit S] [--max-migrations K] [--target-hosts N] [--strategy S] [--json] | [--time-limit S] [--max-migrations K] [--target-hosts N] [--apply] [--json] (vmgrd)",
	  "optimal placement and consolidation, with bound, gap and migrations", cmd_plan },
	{ "strategies", "[--json]",
	  "list the registered strategies and presets", cmd_strategies },
	{ "why-not", "[SCENARIO] VM HOST [--strategy S] [--params K=V,..] [--seed N] [--json]",
	  "explain why a VM does or does not go to a host (offline with a scenario, else on vmgrd)", cmd_why_not },
	/* clang-format on */
};

static void
usage(struct cli *cli, FILE *f)
{
	fprintf(f,
	    "usage: %s [--socket PATH | --url URL [--token-file F]] VERB "
	    "[ARGS]\n\nverbs:\n",
	    cli->prog);
	for (size_t i = 0; i < ELEMENTSOF(commands); i++)
		fprintf(
		    f, "  %-11s %s\n", commands[i].name, commands[i].summary);
	fprintf(f, "\n'%s help VERB' shows a verb's arguments.\n", cli->prog);
}

static int
cmd_help(struct cli *cli, int argc, char **argv)
{
	if (argc < 2) {
		usage(cli, cli->out);
		return EXIT_OK;
	}
	for (size_t i = 0; i < ELEMENTSOF(commands); i++) {
		if (strcmp(commands[i].name, argv[1]) == 0) {
			fprintf(cli->out, "usage: %s %s %s\n  %s\n", cli->prog,
			    commands[i].name, commands[i].args,
			    commands[i].summary);
			return EXIT_OK;
		}
	}
	return cli_fail(cli, "help", EXIT_USAGE, "unknown verb '%s'", argv[1]);
}

int
main(int argc, char **argv)
{
	struct cli cli = { .prog = "vmgr", .out = stdout, .err = stderr };

	curl_global_init(CURL_GLOBAL_DEFAULT);

	log_init(&cli.log, cli.prog, stderr, LOGL_WARN);
	/* Global options (for the online verbs) come before the verb. */
	while (argc > 2 && argv[1][0] == '-' && argv[1][1] == '-' &&
	    (!strcmp(argv[1], "--socket") || !strcmp(argv[1], "--url") ||
		!strcmp(argv[1], "--token-file"))) {
		if (!strcmp(argv[1], "--socket"))
			cli.socket = argv[2];
		else if (!strcmp(argv[1], "--url"))
			cli.url = argv[2];
		else
			cli.token_file = argv[2];
		argv[2] = argv[0];
		argv += 2;
		argc -= 2;
	}
	if (argc < 2) {
		usage(&cli, stderr);
		return EXIT_USAGE;
	}
	if (strcmp(argv[1], "--help") == 0 || strcmp(argv[1], "-h") == 0)
		return cmd_help(&cli, 1, argv);
	for (size_t i = 0; i < ELEMENTSOF(commands); i++)
		if (strcmp(commands[i].name, argv[1]) == 0)
			return commands[i].run(&cli, argc - 1, argv + 1);
	fprintf(stderr, "%s: unknown verb '%s'\n", cli.prog, argv[1]);
	usage(&cli, stderr);
	return EXIT_USAGE;
}
