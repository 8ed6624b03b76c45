/* main.c - vmgr: dispatch a verb from the command table. */
#include "cli/cli.h"

#include <stdio.h>
#include <string.h>

static int cmd_help(struct cli *cli, int argc, char **argv);

static const struct cli_cmd commands[] = {
    {"help", "[VERB]", "show the verbs, or one verb's usage", cmd_help},
    {"place", "SCENARIO [--strategy S] [--params K=V,..] [--seed N] [--json]",
	"place a scenario's VMs and explain every refusal", cmd_place},
    {"strategies", "[--json]", "list the registered strategies",
	cmd_strategies},
    {"pack",
	"INSTANCE [--strategy S] [--order arrival|decreasing] [--json] | "
	"--optimal INSTANCE [--time-limit S] [--json]",
	"pack a BPPLIB or .vbp instance, by a strategy or optimally", cmd_pack},
    {"plan",
	"SCENARIO [--time-limit S] [--max-migrations K] [--target-hosts N] "
	"[--strategy S] [--json]",
	"optimal placement and consolidation, with bound, gap and migrations",
	cmd_plan},
};

static void
usage(struct cli *cli, FILE *f)
{
	fprintf(f, "usage: %s VERB [ARGS]\n\nverbs:\n", cli->prog);
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
	struct cli cli = {.prog = "vmgr", .out = stdout, .err = stderr};

	log_init(&cli.log, cli.prog, stderr, LOGL_WARN);
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
