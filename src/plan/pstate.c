/* pstate.c - what-if placements with the cluster's hard constraints. */
#include "plan/pstate.h"

#include <stdlib.h>
#include <string.h>

static const char *const why_names[] = { "ok", "state", "label", "affinity",
	"anti-affinity", "capacity", "reserve" };

const char *
pstate_why_name(enum pstate_why w)
{
	return (size_t)w < ELEMENTSOF(why_names) ? why_names[w] : "?";
}

int
pstate_init(struct pstate *s, const struct cluster *c, bool n_plus_one)
{
	size_t nh = c->n_hosts ? c->n_hosts : 1, nv = c->n_vms ? c->n_vms : 1;
	size_t ng = c->n_groups ? c->n_groups : 1;

	memset(s, 0, sizeof(*s));
	s->c = c;
	s->n_plus_one = n_plus_one;
	s->alloc = calloc(nh, sizeof(*s->alloc));
	s->ha = calloc(nh, sizeof(*s->ha));
	s->at = malloc(nv * sizeof(*s->at));
	s->on = calloc(ng, sizeof(*s->on));
	s->placed = calloc(ng, sizeof(*s->placed));
	if (!s->alloc || !s->ha || !s->at || !s->on || !s->placed) {
		pstate_done(s);
		return -ENOMEM;
	}
	for (uint32_t g = 0; g < c->n_groups; g++)
		u32map_init(&s->on[g]);
	for (vm_id v = 0; v < c->n_vms; v++) {
		s->at[v] = HOST_NONE;
		if (cluster_vm(c, v)->host != HOST_NONE &&
		    pstate_move(s, v, cluster_vm(c, v)->host) < 0) {
			pstate_done(s);
			return -ENOMEM;
		}
	}
	return 0;
}

void
pstate_done(struct pstate *s)
{
	if (s->on)
		for (uint32_t g = 0; g < s->c->n_groups; g++)
			u32map_done(&s->on[g]);
	free(s->alloc);
	free(s->ha);
	free(s->at);
	free(s->on);
	free(s->placed);
	memset(s, 0, sizeof(*s));
}

static uint32_t
on_host(const struct pstate *s, group_id g, host_id h)
{
	uint32_t n = 0;

	u32map_get(&s->on[g], h, &n);
	return n;
}

static int
group_add(struct pstate *s, group_id g, host_id h, int delta)
{
	uint32_t n;

	if (g == GROUP_NONE)
		return 0;
	n = on_host(s, g, h);
	if (delta > 0) {
		int r = u32map_set(&s->on[g], h, n + 1);

		if (r < 0)
			return r;
		s->placed[g]++;
	} else {
		if (n <= 1)
			u32map_del(&s->on[g], h);
		else
			u32map_set(&s->on[g], h, n - 1);
		s->placed[g]--;
	}
	return 0;
}

static void
res_acc(struct res *a, const struct res *b, int sign)
{
	for (int d = 0; d < RES_NDIM; d++)
		a->v[d] += sign * b->v[d];
}

int
pstate_move(struct pstate *s, vm_id v, host_id h)
{
	const struct vm *vm = cluster_vm(s->c, v);
	host_id from = s->at[v];
	int r;

	if (from == h)
		return 0;
	if (h != HOST_NONE) {
		/* Grow the maps first: the only step that can fail. */
		r = group_add(s, vm->affinity, h, +1);
		if (r < 0)
			return r;
		r = group_add(s, vm->anti_affinity, h, +1);
		if (r < 0) {
			group_add(s, vm->affinity, h, -1);
			return r;
		}
		res_acc(&s->alloc[h], &vm->demand, +1);
		if (vm->ha)
			res_acc(&s->ha[h], &vm->demand, +1);
	}
	if (from != HOST_NONE) {
		group_add(s, vm->affinity, from, -1);
		group_add(s, vm->anti_affinity, from, -1);
		res_acc(&s->alloc[from], &vm->demand, -1);
		if (vm->ha)
			res_acc(&s->ha[from], &vm->demand, -1);
	}
	s->at[v] = h;
	return 0;
}

void
pstate_free(const struct pstate *s, host_id h, struct res *ret)
{
	const struct host *hs = cluster_host(s->c, h);

	for (int d = 0; d < RES_NDIM; d++) {
		int64_t f = hs->limit.v[d] - s->alloc[h].v[d];

		ret->v[d] = f > 0 ? f : 0;
	}
}

bool
pstate_reserve_ok(const struct pstate *s)
{
	const struct cluster *c = s->c;
	int64_t total[RES_NDIM] = { 0 };

	if (!s->n_plus_one)
		return true;
	for (host_id h = 0; h < c->n_hosts; h++) {
		struct res f;

		if (cluster_host(c, h)->state != HOST_UP)
			continue;
		pstate_free(s, h, &f);
		for (int d = 0; d < RES_NDIM; d++)
			total[d] += f.v[d];
	}
	for (host_id h = 0; h < c->n_hosts; h++) {
		struct res f;

		if (cluster_host(c, h)->state != HOST_UP)
			continue;
		pstate_free(s, h, &f);
		for (int d = 0; d < RES_NDIM; d++)
			if (s->ha[h].v[d] > total[d] - f.v[d])
				return false;
	}
	return true;
}

enum pstate_why
pstate_check(struct pstate *s, vm_id v, host_id h)
{
	const struct cluster *c = s->c;
	const struct vm *vm = cluster_vm(c, v);
	const struct host *hs = cluster_host(c, h);
	bool here = s->at[v] == h, placed = s->at[v] != HOST_NONE;
	enum pstate_why w = PSTATE_OK;

	if (here)
		return PSTATE_OK;
	if (hs->state != HOST_UP)
		return PSTATE_STATE;
	if (labels_unmet(&hs->labels, &vm->requires) >= 0)
		return PSTATE_LABEL;
	if (vm->affinity != GROUP_NONE) {
		uint32_t others = s->placed[vm->affinity] - placed;

		if (others > 0 && on_host(s, vm->affinity, h) == 0)
			return PSTATE_AFFINITY;
	}
	if (vm->anti_affinity != GROUP_NONE &&
	    on_host(s, vm->anti_affinity, h) > 0)
		return PSTATE_ANTI_AFFINITY;
	for (int d = 0; d < RES_NDIM; d++)
		if (s->alloc[h].v[d] + vm->demand.v[d] > hs->limit.v[d])
			return PSTATE_CAPACITY;
	if (s->n_plus_one) {
		/* Try it: the invariant is global. Moving back reuses the
		 * map slots just freed, so it cannot fail. */
		host_id from = s->at[v];

		if (pstate_move(s, v, h) < 0)
			return PSTATE_RESERVE;
		if (!pstate_reserve_ok(s))
			w = PSTATE_RESERVE;
		pstate_move(s, v, from);
	}
	return w;
}
