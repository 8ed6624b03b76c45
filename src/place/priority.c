/* priority.c - priority-based placement with preemption of lower-priority VMs. */
#include "place/registry.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

/*
 * A VM that fits somewhere goes where best fit puts it. When nothing fits,
 * the strategy looks for the smallest set of strictly lower-priority VMs on
 * one host whose preemption makes room under every constraint; among sets of
 * equal size it takes the one that loses the least work, measured as the
 * share of the host the victims hold (sum over dimensions of demand/limit),
 * then the lowest host id. Sets are searched exactly (by increasing size)
 * when a host has at most EXACT_MAX candidates; beyond that, greedily
 * (lowest priority and largest first), then pruned of victims not needed.
 * Callers placing a batch should present it highest priority first
 * (`batch_by_priority`).
 */
#define EXACT_MAX 16
#define CAND_MAX 4096

struct cand {
	vm_id v;
	int32_t prio;
	double size; /* share of the host it holds */
};

struct choice {
	host_id host;
	uint32_t k;
	double loss;
	vm_id set[EXACT_MAX];
	vm_id *big; /* greedy sets beyond EXACT_MAX, owned */
};

static double
share(const struct host *hs, const struct res *x)
{
	double s = 0;

	for (int d = 0; d < RES_NDIM; d++)
		if (hs->limit.v[d] > 0)
			s += (double)x->v[d] / (double)hs->limit.v[d];
	return s;
}

static int
by_prio_then_size(const void *a, const void *b)
{
	const struct cand *x = a, *y = b;

	if (x->prio != y->prio)
		return x->prio < y->prio ? -1 : 1;
	if (x->size != y->size)
		return x->size > y->size ? -1 : 1;
	return x->v < y->v ? -1 : x->v > y->v;
}

/* Exact: the cheapest passing subset of size k < best->k, smallest k first. */
static bool
exact(const struct cluster *c, vm_id v, host_id h, const struct cand *cd,
    uint32_t n, struct choice *best)
{
	vm_id set[EXACT_MAX];
	bool found = false;

	for (uint32_t k = 1; k <= n && k <= best->k && !found; k++) {
		/* Gosper's hack walks the n-bit masks with k bits set. */
		for (uint32_t m = (1u << k) - 1; m < (1u << n);) {
			uint32_t j = 0, t, low;
			double loss = 0;

			for (uint32_t i = 0; i < n; i++) {
				if (m & (1u << i)) {
					set[j++] = cd[i].v;
					loss += cd[i].size;
				}
			}
			if ((k < best->k || loss < best->loss) &&
			    cluster_check_preempt(c, v, h, set, k, NULL) == 0) {
				free(best->big);
				best->big = NULL;
				best->host = h;
				best->k = k;
				best->loss = loss;
				memcpy(best->set, set, k * sizeof(*set));
				found = true;
			}
			low = m & -m;
			t = m + low;
			m = t | (((m ^ t) / low) >> 2);
		}
	}
	return found;
}

/* Greedy for hosts with many candidates; sets best when it wins. */
static int
greedy(const struct cluster *c, vm_id v, host_id h, const struct cand *cd,
    uint32_t n, struct choice *best)
{
	vm_id *set = malloc(n * sizeof(*set));
	uint32_t k = 0;
	double loss = 0;
	bool ok = false;

	if (!set)
		return -ENOMEM;
	for (uint32_t i = 0; i < n && !ok; i++) {
		set[k++] = cd[i].v;
		ok = cluster_check_preempt(c, v, h, set, k, NULL) == 0;
	}
	if (ok) {
		/* Drop victims the others make unnecessary, last added first. */
		for (uint32_t i = k; i-- > 0 && k > 1;) {
			vm_id drop = set[i];

			memmove(
			    &set[i], &set[i + 1], (k - i - 1) * sizeof(*set));
			if (cluster_check_preempt(c, v, h, set, k - 1, NULL) ==
			    0) {
				k--;
			} else {
				memmove(&set[i + 1], &set[i],
				    (k - i - 1) * sizeof(*set));
				set[i] = drop;
			}
		}
		for (uint32_t i = 0; i < k; i++)
			loss += share(
			    cluster_host(c, h), &cluster_vm(c, set[i])->demand);
	}
	if (!ok || k > best->k || (k == best->k && loss >= best->loss)) {
		free(set);
		return 0;
	}
	free(best->big);
	best->big = NULL;
	best->host = h;
	best->k = k;
	best->loss = loss;
	if (k <= EXACT_MAX) {
		memcpy(best->set, set, k * sizeof(*set));
		free(set);
	} else {
		best->big = set;
	}
	return 0;
}

static int
preempt(const struct cluster *c, vm_id v, struct place_decision *ret)
{
	const struct vm *vm = cluster_vm(c, v);
	struct choice best = { .host = HOST_NONE, .k = UINT32_MAX };
	struct cand *cd;
	int r = 0;

	if (vm->priority <= cluster_min_running_priority(c))
		return -ENOSPC; /* nothing runs below it */
	cd = malloc(CAND_MAX * sizeof(*cd));
	if (!cd)
		return -ENOMEM;
	for (host_id h = 0; h < c->n_hosts; h++) {
		const struct host *hs = cluster_host(c, h);
		struct res room;
		uint32_t n = 0;

		if (hs->state != HOST_UP)
			continue;
		host_free_res(hs, &room);
		for (vm_id x = hs->first_vm; x != VM_NONE && n < CAND_MAX;
		     x = cluster_vm(c, x)->next_on_host) {
			const struct vm *xv = cluster_vm(c, x);

			if (xv->priority >= vm->priority)
				continue;
			cd[n++] = (struct cand){ x, xv->priority,
				share(hs, &xv->demand) };
			res_add(&room, &xv->demand, &room);
		}
		if (n == 0 || !res_fits(&vm->demand, &room))
			continue;
		qsort(cd, n, sizeof(*cd), by_prio_then_size);
		if (n <= EXACT_MAX)
			exact(c, v, h, cd, n, &best);
		else if ((r = greedy(c, v, h, cd, n, &best)) < 0)
			break;
	}
	/* Ties in size and loss keep the earlier host. */
	free(cd);
	if (r == 0 && best.host != HOST_NONE) {
		const vm_id *set = best.big ? best.big : best.set;

		ret->host = best.host;
		for (uint32_t i = 0; i < best.k && r == 0; i++)
			r = place_decision_add_victim(ret, set[i]);
	} else if (r == 0) {
		r = -ENOSPC;
	}
	free(best.big);
	return r;
}

static int
pr_place(void *state, const struct cluster *c, vm_id v,
    struct place_decision *ret, struct why *why)
{
	int r;

	(void)state;
	if (cluster_find_tightest(c, v, &ret->host) == 0)
		return 0;
	r = preempt(c, v, ret);
	if (r != -ENOSPC)
		return r;
	return place_refuse(c, v, why);
}

const struct place_ops place_priority = {
	.name = "priority",
	.summary = "priority-based: best fit, else preempt the fewest "
		   "lower-priority VMs on one host (least work lost)",
	.batch_by_priority = true,
	.place = pr_place,
};
