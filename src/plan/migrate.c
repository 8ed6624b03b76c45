/* migrate.c - a safe order for a set of migrations, parking to break
 * cycles (pure). */
#include "plan/migrate.h"

#include "core/mem.h"
#include "plan/pstate.h"

#include <stdlib.h>
#include <string.h>

struct unit {
	uint32_t first, n; /* members in the unit list */
	host_id src, dst;
	double size; /* normalised demand, to pick what parks */
	bool done, parked;
};

void
migrate_plan_init(struct migrate_plan *p)
{
	memset(p, 0, sizeof(*p));
}

void
migrate_plan_done(struct migrate_plan *p)
{
	free(p->v);
	migrate_plan_init(p);
}

static int
add_step(
    struct migrate_plan *p, vm_id v, host_id from, host_id to, bool temporary)
{
	int r = mem_grow(&p->v, &p->cap, p->n + 1, sizeof(*p->v));

	if (r < 0)
		return r;
	p->v[p->n++] = (struct migrate_step){ .vm = v,
		.from = from,
		.to = to,
		.batch = p->batches,
		.temporary = temporary };
	return 0;
}

/* Moves unit u to h in s if every member fits there; otherwise leaves s
 * as it was. True when moved. */
static bool
try_unit(struct pstate *s, const vm_id *mem, const struct unit *u, host_id h)
{
	uint32_t placed = 0;
	bool ok = true;

	if (u->n == 1)
		return pstate_check(s, mem[u->first], h) == PSTATE_OK &&
		    pstate_move(s, mem[u->first], h) == 0;
	/* A group leaves its source together, then arrives together. */
	for (uint32_t i = 0; i < u->n; i++)
		pstate_move(s, mem[u->first + i], HOST_NONE);
	for (; placed < u->n && ok; placed++) {
		vm_id v = mem[u->first + placed];

		ok = pstate_check(s, v, h) == PSTATE_OK &&
		    pstate_move(s, v, h) == 0;
		if (!ok)
			break;
	}
	if (!ok) {
		for (uint32_t i = 0; i < u->n; i++)
			pstate_move(s, mem[u->first + i], u->src);
	}
	return ok;
}

static int
record(struct migrate_plan *p, const vm_id *mem, const struct unit *u,
    host_id to, bool temporary)
{
	for (uint32_t i = 0; i < u->n; i++) {
		int r = add_step(p, mem[u->first + i], u->src, to, temporary);

		if (r < 0)
			return r;
	}
	p->batches++;
	if (temporary)
		p->temporary += u->n;
	return 0;
}

static double
room(const struct pstate *s, host_id h)
{
	const struct host *hs = cluster_host(s->c, h);
	struct res f;
	double x = 0;

	pstate_free(s, h, &f);
	for (int d = 0; d < RES_NDIM; d++)
		if (hs->limit.v[d] > 0)
			x += (double)f.v[d] / (double)hs->limit.v[d];
	return x;
}

/* Parks one waiting unit on the roomiest host that takes it. 1 parked,
 * 0 nothing can park. */
static int
park(struct pstate *s, const vm_id *mem, struct unit *u, uint32_t nu,
    struct migrate_plan *p)
{
	const struct cluster *c = s->c;

	for (;;) {
		struct unit *best = NULL;
		host_id pick = HOST_NONE;
		double pick_room = -1;
		int r;

		for (uint32_t i = 0; i < nu; i++)
			if (!u[i].done && !u[i].parked &&
			    (!best || u[i].size < best->size))
				best = &u[i];
		if (!best)
			return 0;
		for (host_id h = 0; h < c->n_hosts; h++) {
			double x;

			if (h == best->src || h == best->dst ||
			    cluster_host(c, h)->state != HOST_UP)
				continue;
			x = room(s, h);
			if (x <= pick_room)
				continue;
			if (!try_unit(s, mem, best, h))
				continue;
			/* Undo the trial; keep the roomiest that works. */
			for (uint32_t i = 0; i < best->n; i++)
				pstate_move(s, mem[best->first + i], best->src);
			pick = h;
			pick_room = x;
		}
		best->parked = true; /* tried: never again */
		if (pick == HOST_NONE)
			continue;
		if (!try_unit(s, mem, best, pick))
			continue;
		r = record(p, mem, best, pick, true);
		if (r < 0)
			return r;
		best->src = pick;
		return 1;
	}
}

int
migrate_order(const struct cluster *c, const host_id *target, bool n_plus_one,
    struct migrate_plan *ret, vm_id *ret_blocked)
{
	size_t nv = c->n_vms ? c->n_vms : 1;
	vm_id *mem = malloc(nv * sizeof(*mem));
	struct unit *u = malloc(nv * sizeof(*u));
	uint32_t *unit_of_group = NULL, nu = 0, nm = 0, left;
	struct pstate s;
	int r = -ENOMEM;

	memset(&s, 0, sizeof(s));
	unit_of_group =
	    malloc((c->n_groups ? c->n_groups : 1) * sizeof(*unit_of_group));
	if (!mem || !u || !unit_of_group)
		goto out;
	for (uint32_t g = 0; g < c->n_groups; g++)
		unit_of_group[g] = UINT32_MAX;
	/* Units: single VMs, or an affinity group's moving members. Group
	 * members are collected in VM order, so a group's members are
	 * contiguous only after this pass; count first, then fill. */
	r = -EINVAL;
	for (vm_id v = 0; v < c->n_vms; v++) {
		const struct vm *vm = cluster_vm(c, v);

		if (vm->host == HOST_NONE)
			continue;
		if (target[v] == HOST_NONE || target[v] >= c->n_hosts)
			goto out;
		if (vm->affinity != GROUP_NONE) {
			/* Every placed member must share one target. */
			for (vm_id w = 0; w < v; w++)
				if (cluster_vm(c, w)->affinity ==
					vm->affinity &&
				    cluster_vm(c, w)->host != HOST_NONE &&
				    target[w] != target[v])
					goto out;
		}
	}
	for (vm_id v = 0; v < c->n_vms; v++) {
		const struct vm *vm = cluster_vm(c, v);
		group_id g = vm->affinity;

		if (vm->host == HOST_NONE || target[v] == vm->host)
			continue;
		if (g != GROUP_NONE && unit_of_group[g] != UINT32_MAX)
			continue; /* collected with its group */
		u[nu] = (struct unit){
			.first = nm, .src = vm->host, .dst = target[v]
		};
		for (vm_id w = v; w < c->n_vms; w++) {
			const struct vm *wm = cluster_vm(c, w);
			const struct host *hs = cluster_host(
			    c, wm->host == HOST_NONE ? 0 : wm->host);

			if (w != v &&
			    (g == GROUP_NONE || wm->affinity != g ||
				wm->host == HOST_NONE))
				continue;
			mem[nm++] = w;
			u[nu].n++;
			for (int d = 0; d < RES_NDIM; d++)
				if (hs->limit.v[d] > 0)
					u[nu].size += (double)wm->demand.v[d] /
					    (double)hs->limit.v[d];
		}
		if (g != GROUP_NONE)
			unit_of_group[g] = nu;
		nu++;
	}
	r = pstate_init(&s, c, n_plus_one);
	if (r < 0)
		goto out;
	left = nu;
	while (left > 0) {
		bool progress = false;

		for (uint32_t i = 0; i < nu; i++) {
			if (u[i].done || !try_unit(&s, mem, &u[i], u[i].dst))
				continue;
			r = record(ret, mem, &u[i], u[i].dst, false);
			if (r < 0)
				goto out;
			u[i].done = true;
			left--;
			progress = true;
		}
		if (progress)
			continue;
		r = park(&s, mem, u, nu, ret);
		if (r < 0)
			goto out;
		if (r == 0) {
			for (uint32_t i = 0; i < nu; i++)
				if (!u[i].done) {
					if (ret_blocked)
						*ret_blocked = mem[u[i].first];
					break;
				}
			r = -EDEADLK;
			goto out;
		}
	}
	r = 0;
out:
	if (s.c)
		pstate_done(&s);
	free(mem);
	free(u);
	free(unit_of_group);
	return r;
}
