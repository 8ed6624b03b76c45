/* run.c - load a scenario, resolve its strategies, replay its arrivals. */
#include "cli/run.h"

#include "decide/preset.h"

#include <stdlib.h>
#include <string.h>

static int
by_priority(const void *a, const void *b, void *ctx)
{
	const struct cluster *c = ctx;
	vm_id x = *(const vm_id *)a, y = *(const vm_id *)b;
	int32_t px = cluster_vm(c, x)->priority,
		py = cluster_vm(c, y)->priority;

	if (px != py)
		return px > py ? -1 : 1;
	return x < y ? -1 : x > y;
}

int
run_open(
    struct cli *cli, const char *cmd, const struct run_opts *o, struct run *ret)
{
	struct preset_choice pc;
	struct diag d = { 0 };
	size_t len;
	int r;

	memset(ret, 0, sizeof(*ret));
	r = cli_read_file(o->path, CLI_FILE_MAX, &ret->buf, &len, &d);
	if (r < 0)
		return cli_fail(cli, cmd, EXIT_FAIL, "%s", d.msg);
	r = scenario_parse(ret->buf, len, &ret->s, &d);
	if (r < 0) {
		run_close(ret);
		return cli_fail(cli, cmd, EXIT_FAIL, "%s:%s%s", o->path,
		    d.msg[0] >= '0' && d.msg[0] <= '9' ? "" : " ", d.msg);
	}
	r = preset_choose(ret->s, &pc, &d);
	if (r < 0) {
		run_close(ret);
		return cli_fail(cli, cmd, EXIT_FAIL, "%s: %s", o->path, d.msg);
	}
	ret->strategy = o->strategy ? o->strategy : pc.allocation;
	ret->scheduling = pc.scheduling;
	ret->preset = pc.preset;
	r = placer_new(ret->strategy,
	    o->params	      ? o->params
		: o->strategy ? NULL
			      : pc.allocation_params,
	    o->seed_set ? o->seed : ret->s->seed, &ret->p, &d);
	if (r < 0) {
		run_close(ret);
		if (o->strategy || o->params)
			return cli_fail(cli, cmd, EXIT_USAGE, "%s", d.msg);
		return cli_fail(
		    cli, cmd, EXIT_FAIL, "%s: allocation: %s", o->path, d.msg);
	}
	/* The arrival order the strategy wants for a batch. */
	ret->order = malloc((ret->s->n_arrivals ? ret->s->n_arrivals : 1) *
	    sizeof(*ret->order));
	if (!ret->order) {
		run_close(ret);
		return cli_fail(cli, cmd, EXIT_FAIL, "out of memory");
	}
	memcpy(ret->order, ret->s->arrivals,
	    ret->s->n_arrivals * sizeof(*ret->order));
	if (ret->p->ops->batch_by_priority)
		qsort_r(ret->order, ret->s->n_arrivals, sizeof(*ret->order),
		    by_priority, ret->s->cluster);
	return EXIT_OK;
}

void
run_close(struct run *r)
{
	placer_free(r->p);
	scenario_free(r->s);
	free(r->order);
	free(r->buf);
	memset(r, 0, sizeof(*r));
}

int
run_step(struct run *r, uint32_t i, struct place_decision *dec, struct why *why)
{
	struct cluster *c = r->s->cluster;
	vm_id v = r->order[i];
	int rc;

	rc = placer_place(r->p, c, v, dec, why);
	if (rc < 0)
		return rc;
	for (uint32_t k = 0; k < dec->n_victims; k++)
		cluster_release(c, dec->victims[k], VM_QUEUED);
	return cluster_reserve(c, v, dec->host);
}
