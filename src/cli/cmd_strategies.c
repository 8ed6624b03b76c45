/* cmd_strategies.c - `vmgr strategies`: every registered strategy, by family. */
#include "cli/cli.h"

#include "decide/preset.h"
#include "fault/detect.h"
#include "place/place.h"
#include "sched/sched.h"

#include <string.h>

/* What `strategies` shows of any family's ops table. */
struct entry {
	const char *name, *summary;
	const struct param_spec *params;
	uint32_t n_params;
};

struct family {
	const char *name;
	struct entry v[64];
	uint32_t n;
};

static void
collect(struct family *f, uint32_t *ret_n)
{
	const struct place_ops *const *p;
	const struct sched_ops *const *s;
	const struct detect_ops *const *fd;
	uint32_t n;

	f[0].name = "allocation";
	p = place_registry(&n);
	for (uint32_t i = 0; i < n && f[0].n < ELEMENTSOF(f[0].v); i++)
		f[0].v[f[0].n++] = (struct entry){ p[i]->name, p[i]->summary,
			p[i]->params, p[i]->n_params };
	f[1].name = "scheduling";
	s = sched_registry(&n);
	for (uint32_t i = 0; i < n && f[1].n < ELEMENTSOF(f[1].v); i++)
		f[1].v[f[1].n++] = (struct entry){ s[i]->name, s[i]->summary,
			s[i]->params, s[i]->n_params };
	f[2].name = "detection";
	fd = detect_registry(&n);
	for (uint32_t i = 0; i < n && f[2].n < ELEMENTSOF(f[2].v); i++)
		f[2].v[f[2].n++] = (struct entry){ fd[i]->name, fd[i]->summary,
			fd[i]->params, fd[i]->n_params };
	*ret_n = 3;
}

static json_t *
params_json(const struct param_spec *spec, uint32_t n)
{
	static const char *const types[] = { "int", "number", "bool", "enum",
		"string" };
	json_t *a = json_array();

	for (uint32_t i = 0; a && i < n; i++)
		json_array_append_new(a,
		    json_pack("{s:s, s:s, s:s, s:s}", "name", spec[i].name,
			"type", types[spec[i].type], "default", spec[i].def,
			"help", spec[i].help ? spec[i].help : ""));
	return a;
}

static void
print_presets(struct cli *cli)
{
	const struct preset *p;
	uint32_t n;

	p = preset_list(&n);
	fprintf(cli->out, "\npresets (allocation + scheduling):\n");
	for (uint32_t i = 0; i < n; i++)
		fprintf(cli->out, "  %-12s %s + %s: %s\n", p[i].name,
		    p[i].allocation, p[i].scheduling, p[i].summary);
}

static json_t *
presets_json(void)
{
	const struct preset *p;
	json_t *a = json_array();
	uint32_t n;

	p = preset_list(&n);
	for (uint32_t i = 0; a && i < n; i++)
		json_array_append_new(a,
		    json_pack("{s:s, s:s, s:s, s:s}", "name", p[i].name,
			"allocation", p[i].allocation, "scheduling",
			p[i].scheduling, "summary", p[i].summary));
	return a;
}

int
cmd_strategies(struct cli *cli, int argc, char **argv)
{
	struct family fam[3] = { { 0 } };
	bool json = false;
	uint32_t nf;
	json_t *j;

	for (int i = 1; i < argc; i++) {
		if (strcmp(argv[i], "--json") == 0)
			json = true;
		else
			return cli_fail(cli, "strategies", EXIT_USAGE,
			    "unknown argument '%s'", argv[i]);
	}
	collect(fam, &nf);
	if (!json) {
		for (uint32_t f = 0; f < nf; f++) {
			fprintf(
			    cli->out, "%s%s:\n", f ? "\n" : "", fam[f].name);
			for (uint32_t i = 0; i < fam[f].n; i++) {
				const struct entry *e = &fam[f].v[i];

				fprintf(cli->out, "  %-12s %s\n", e->name,
				    e->summary);
				for (uint32_t k = 0; k < e->n_params; k++)
					fprintf(cli->out,
					    "  %-12s   %s=%s  %s\n", "",
					    e->params[k].name, e->params[k].def,
					    e->params[k].help);
			}
		}
		print_presets(cli);
		return EXIT_OK;
	}
	j = json_object();
	for (uint32_t f = 0; j && f < nf; f++) {
		json_t *a = json_array();

		for (uint32_t i = 0; a && i < fam[f].n; i++) {
			const struct entry *e = &fam[f].v[i];

			json_array_append_new(a,
			    json_pack("{s:s, s:s, s:o}", "name", e->name,
				"summary", e->summary, "params",
				params_json(e->params, e->n_params)));
		}
		json_object_set_new(j, fam[f].name, a);
	}
	if (j)
		json_object_set_new(j, "presets", presets_json());
	return cli_print_json(cli, j);
}
