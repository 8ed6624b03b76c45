/* replan.c - one optimal re-plan: warm start by a strategy, the assignment ILP, a safe migration order, and its JSON. */
#include "decide/replan.h"

#include "core/clock.h"
#include "place/place.h"
#include "plan/consolidate.h"

#include <errno.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

/*
 * The warm start: the allocation strategy places the batch in order
 * (committed one by one, then undone), the running VMs stay; then the
 * greedy consolidation empties what hosts it can within the budget.
 */
static int
warm_start(struct cluster *c, const vm_id *batch, uint32_t n_batch,
    const struct replan_opts *o, host_id *warm, struct diag *d)
{
	struct placer *pl = NULL;
	struct place_decision dec;
	host_id *greedy;
	uint32_t migr;
	int r;

	r = placer_new(o->strategy, o->params, o->seed, &pl, d);
	if (r < 0)
		return r;
	for (vm_id v = 0; v < c->n_vms; v++)
		warm[v] = cluster_vm(c, v)->host;
	place_decision_init(&dec);
	for (uint32_t i = 0; i < n_batch; i++) {
		vm_id v = batch[i];

		if (placer_place(pl, c, v, &dec, NULL) == 0 &&
		    dec.n_victims == 0 && cluster_reserve(c, v, dec.host) == 0)
			warm[v] = dec.host;
	}
	place_decision_done(&dec);
	placer_free(pl);
	for (uint32_t i = 0; i < n_batch; i++)
		if (warm[batch[i]] != HOST_NONE)
			cluster_release(c, batch[i], VM_PENDING);
	greedy = malloc((c->n_vms ? c->n_vms : 1) * sizeof(*greedy));
	if (!greedy)
		return -ENOMEM;
	r = consolidate_greedy(
	    c, warm, o->max_migrations, o->n_plus_one, greedy, &migr);
	if (r == 0)
		memcpy(warm, greedy, c->n_vms * sizeof(*warm));
	free(greedy);
	return r < 0 ? r : 0;
}

int
replan_run(struct cluster *c, const vm_id *batch, uint32_t n_batch,
    const struct replan_opts *o, struct replan *ret, struct diag *d)
{
	struct assign_opts ao = { 0 };
	struct clock clk;
	host_id *warm;
	int r;

	memset(ret, 0, sizeof(*ret));
	migrate_plan_init(&ret->mp);
	warm = malloc((c->n_vms ? c->n_vms : 1) * sizeof(*warm));
	ret->freed = calloc(c->n_hosts ? c->n_hosts : 1, sizeof(*ret->freed));
	if (!warm || !ret->freed) {
		free(warm);
		replan_done(ret);
		return -ENOMEM;
	}
	r = warm_start(c, batch, n_batch, o, warm, d);
	if (r < 0) {
		if (r == -ENOMEM)
			diag_set(d, "out of memory");
		goto fail;
	}
	clock_init_monotonic(&clk);
	ao.clk = &clk;
	ao.limit_ns = (uint64_t)llround(o->limit_s * 1e9);
	ao.n_plus_one = o->n_plus_one;
	ao.consolidate = true;
	ao.max_migrations = o->max_migrations;
	ao.target_hosts = o->target_hosts;
	ao.warm = warm;
	ao.verbose = o->verbose;
	r = assign_solve(c, batch, n_batch, &ao, &ret->res);
	if (r < 0) {
		diag_set(d, "cannot plan: %s", strerror(-r));
		goto fail;
	}
	ret->order_rc = migrate_order(
	    c, ret->res.target, o->n_plus_one, &ret->mp, &ret->blocked);
	if (ret->order_rc < 0 && ret->order_rc != -EDEADLK) {
		r = ret->order_rc;
		diag_set(d, "cannot order the migrations: %s", strerror(-r));
		goto fail;
	}
	for (host_id h = 0; h < c->n_hosts; h++)
		ret->freed[h] = cluster_host(c, h)->n_vms > 0;
	for (vm_id v = 0; v < c->n_vms; v++)
		if (ret->res.target[v] != HOST_NONE)
			ret->freed[ret->res.target[v]] = false;
	for (host_id h = 0; h < c->n_hosts; h++)
		ret->n_freed += ret->freed[h];
	free(warm);
	return 0;
fail:
	free(warm);
	replan_done(ret);
	return r;
}

void
replan_done(struct replan *r)
{
	migrate_plan_done(&r->mp);
	assign_result_done(&r->res);
	free(r->freed);
	r->freed = NULL;
}

static const char *
hname(const struct cluster *c, host_id h)
{
	return h == HOST_NONE ? "-" : cluster_host(c, h)->name;
}

json_t *
replan_json(const struct cluster *c, const vm_id *batch, uint32_t n_batch,
    const struct replan *r)
{
	const struct assign_result *res = &r->res;
	const struct migrate_plan *mp = &r->mp;
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
	for (uint32_t i = 0; i < n_batch; i++) {
		vm_id v = batch[i];

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
		if (r->freed[h])
			json_array_append_new(fr, json_string(hname(c, h)));
	json_object_set_new(j, "placements", pl);
	json_object_set_new(j, "migrations", mg);
	json_object_set_new(j, "migration_order",
	    json_string(r->order_rc == 0 ? "safe" : "impossible"));
	if (r->order_rc != 0)
		json_object_set_new(
		    j, "blocked", json_string(cluster_vm(c, r->blocked)->name));
	json_object_set_new(j, "unplaced", un);
	json_object_set_new(j, "freed_hosts", fr);
	return j;
}
