/* consolidate.c - greedy host emptying on a what-if placement (pure). */
#include "plan/consolidate.h"

#include "plan/pstate.h"

#include <stdlib.h>
#include <string.h>

struct hkey {
	double load;
	host_id h;
};

static int
cmp_hkey(const void *a, const void *b)
{
	const struct hkey *x = a, *y = b;

	if (x->load != y->load)
		return x->load < y->load ? -1 : 1;
	return x->h < y->h ? -1 : x->h > y->h;
}

static double
load_of(const struct pstate *s, host_id h)
{
	const struct host *hs = cluster_host(s->c, h);
	double x = 0;

	for (int d = 0; d < RES_NDIM; d++)
		if (hs->limit.v[d] > 0)
			x += (double)s->alloc[h].v[d] / (double)hs->limit.v[d];
	return x;
}

int
consolidate_greedy(const struct cluster *c, const host_id *start,
    uint32_t max_migrations, bool n_plus_one, host_id *target,
    uint32_t *ret_migrations)
{
	size_t nh = c->n_hosts ? c->n_hosts : 1, nv = c->n_vms ? c->n_vms : 1;
	struct hkey *order = malloc(nh * sizeof(*order));
	uint32_t *count = calloc(nh, sizeof(*count));
	vm_id *moved = malloc(nv * sizeof(*moved));
	host_id *was = malloc(nv * sizeof(*was));
	uint32_t migrations = 0;
	struct pstate s;
	int r;

	if (!order || !count || !moved || !was) {
		r = -ENOMEM;
		goto out_free;
	}
	r = pstate_init(&s, c, n_plus_one);
	if (r < 0)
		goto out_free;
	if (start) {
		for (vm_id v = 0; v < c->n_vms; v++) {
			r = pstate_move(&s, v, start[v]);
			if (r < 0)
				goto out;
		}
	}
	for (vm_id v = 0; v < c->n_vms; v++)
		if (s.at[v] != HOST_NONE)
			count[s.at[v]]++;
	for (host_id h = 0; h < c->n_hosts; h++)
		order[h] = (struct hkey){ load_of(&s, h), h };
	qsort(order, c->n_hosts, sizeof(*order), cmp_hkey);
	for (host_id i = 0; i < c->n_hosts; i++) {
		host_id h = order[i].h;
		uint32_t n_moved = 0, cost = 0;
		bool ok = true;

		if (count[h] == 0)
			continue;
		for (vm_id v = 0; v < c->n_vms && ok; v++) {
			host_id pick = HOST_NONE;
			double pick_load = -1;

			if (s.at[v] != h)
				continue;
			if (cluster_vm(c, v)->host != HOST_NONE &&
			    cluster_vm(c, v)->host == h)
				cost++; /* leaving its running host */
			if (migrations + cost > max_migrations) {
				ok = false;
				break;
			}
			for (host_id g = 0; g < c->n_hosts; g++) {
				double l;

				if (g == h || count[g] == 0)
					continue;
				l = load_of(&s, g);
				if (l <= pick_load ||
				    pstate_check(&s, v, g) != PSTATE_OK)
					continue;
				pick = g;
				pick_load = l;
			}
			if (pick == HOST_NONE) {
				ok = false;
				break;
			}
			was[n_moved] = h;
			moved[n_moved++] = v;
			r = pstate_move(&s, v, pick);
			if (r < 0)
				goto out;
			count[pick]++;
		}
		if (!ok) {
			/* Put back what moved: the host stays in use. */
			while (n_moved-- > 0) {
				count[s.at[moved[n_moved]]]--;
				r = pstate_move(
				    &s, moved[n_moved], was[n_moved]);
				if (r < 0)
					goto out;
			}
			continue;
		}
		count[h] = 0;
		migrations += cost;
	}
	for (vm_id v = 0; v < c->n_vms; v++)
		target[v] = s.at[v];
	*ret_migrations = migrations;
	r = 0;
out:
	pstate_done(&s);
out_free:
	free(order);
	free(count);
	free(moved);
	free(was);
	return r;
}
