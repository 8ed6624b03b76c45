/* cmd_strategies.c - `vmgr strategies`: the registered strategies. */
#include "cli/cli.h"

#include "place/place.h"

#include <string.h>

static json_t *
params_json(const struct param_spec *spec, uint32_t n)
{
	static const char *const types[] = {
	    "int", "number", "bool", "enum", "string"};
	json_t *a = json_array();

	for (uint32_t i = 0; a && i < n; i++)
		json_array_append_new(a,
		    json_pack("{s:s, s:s, s:s, s:s}", "name", spec[i].name,
			"type", types[spec[i].type], "default", spec[i].def,
			"help", spec[i].help ? spec[i].help : ""));
	return a;
}

int
cmd_strategies(struct cli *cli, int argc, char **argv)
{
	const struct place_ops *const *all;
	bool json = false;
	uint32_t n;
	json_t *j, *a;

	for (int i = 1; i < argc; i++) {
		if (strcmp(argv[i], "--json") == 0)
			json = true;
		else
			return cli_fail(cli, "strategies", EXIT_USAGE,
			    "unknown argument '%s'", argv[i]);
	}
	all = place_registry(&n);
	if (!json) {
		fprintf(cli->out, "allocation:\n");
		for (uint32_t i = 0; i < n; i++) {
			fprintf(cli->out, "  %-12s %s\n", all[i]->name,
			    all[i]->summary);
			for (uint32_t k = 0; k < all[i]->n_params; k++)
				fprintf(cli->out, "  %-12s   %s=%s  %s\n", "",
				    all[i]->params[k].name,
				    all[i]->params[k].def,
				    all[i]->params[k].help);
		}
		return EXIT_OK;
	}
	j = json_object();
	a = json_array();
	for (uint32_t i = 0; j && a && i < n; i++)
		json_array_append_new(a,
		    json_pack("{s:s, s:s, s:o}", "name", all[i]->name,
			"summary", all[i]->summary, "params",
			params_json(all[i]->params, all[i]->n_params)));
	if (!j || !a) {
		json_decref(j);
		json_decref(a);
		return cli_fail(cli, "strategies", EXIT_FAIL, "out of memory");
	}
	json_object_set_new(j, "allocation", a);
	return cli_print_json(cli, j);
}
