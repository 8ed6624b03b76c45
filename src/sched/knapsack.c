/* knapsack.c - batch admission by dynamic programming: start the waiting
 * VMs worth the most (priority-weighted) that fit the free capacity. */
#include "sched/batchdp.h"
#include "sched/registry.h"

#include <stdlib.h>

static const char *const value_choices[] = { "priority", "priority-size",
	NULL };

static const struct param_spec knap_params[] = {
	{ "value", PARAM_ENUM, "priority-size", 0, 0, value_choices,
	    "what a VM is worth: its priority weight (priority + 1001), or "
	    "that "
	    "weight times its size (its share of the cluster, in "
	    "thousandths)" },
	{ "window", PARAM_INT, "256", 1, BATCHDP_ITEMS_MAX, NULL,
	    "how many of the oldest waiting VMs the DP considers" },
	{ "backfill", PARAM_BOOL, "true", 0, 0, NULL,
	    "after the chosen set, offer the other waiting VMs (highest worth "
	    "first) for whatever room the placement leaves" },
	{ "work", PARAM_INT, "4194304", 4096, 1073741824.0, NULL,
	    "DP budget per decision: candidates x capacity states; beyond it "
	    "sizes are rounded (still safe, no longer exact)" },
};

struct knap {
	bool by_size, backfill;
	uint32_t window;
	uint64_t work;
};

static int
knap_init(const struct params *p, uint64_t seed, void **ret_state)
{
	struct knap *k = malloc(sizeof(*k));

	(void)seed;
	if (!k)
		return -ENOMEM;
	k->by_size = params_enum(p, "value") == 1;
	k->backfill = params_bool(p, "backfill");
	k->window = (uint32_t)params_int(p, "window");
	k->work = (uint64_t)params_int(p, "work");
	*ret_state = k;
	return 0;
}

static void
knap_fini(void *state)
{
	free(state);
}

/* Priority weight in 1..2001, times the VM's share of the cluster's up
 * capacity (thousandths, at least 1) with by_size. */
static uint64_t
worth(const struct cluster *c, const struct vm *vm, const double *total,
    bool by_size)
{
	uint64_t w = (uint64_t)(vm->priority - VM_PRIORITY_MIN + 1);
	double share = 0;
	int dims = 0;

	if (!by_size)
		return w;
	(void)c;
	for (int k = 0; k < RES_NDIM; k++)
		if (total[k] > 0) {
			share += (double)vm->demand.v[k] / total[k];
			dims++;
		}
	share = dims ? 1000.0 * share / dims : 0;
	return w * (share < 1 ? 1 : (uint64_t)(share + 0.5));
}

struct chosen {
	double size;
	uint32_t idx;
};

static int
cmp_chosen(const void *a, const void *b)
{
	const struct chosen *x = a, *y = b;

	if (x->size != y->size)
		return x->size > y->size ? -1 : 1;
	return x->idx < y->idx ? -1 : x->idx > y->idx;
}

static int
knap_pick(void *state, const struct cluster *c, const struct sched_queue *q,
    uint64_t now_ns, uint32_t max, struct sched_pick *ret)
{
	const struct knap *k = state;
	uint32_t n = q->n < k->window ? q->n : k->window, nb = 0, nc = 0;
	struct batchdp_item *items = malloc((n ? n : 1) * sizeof(*items));
	struct res *cap = malloc((c->n_hosts ? c->n_hosts : 1) * sizeof(*cap));
	struct chosen *ch = malloc((n ? n : 1) * sizeof(*ch));
	struct batchdp_result res;
	double total[RES_NDIM] = { 0 };
	int r = -ENOMEM;

	(void)now_ns;
	if (!items || !cap || !ch)
		goto out;
	for (host_id h = 0; h < c->n_hosts; h++) {
		const struct host *hs = cluster_host(c, h);

		if (hs->state != HOST_UP)
			continue;
		host_free_res(hs, &cap[nb++]);
		for (int d = 0; d < RES_NDIM; d++)
			total[d] += (double)hs->limit.v[d];
	}
	/* The oldest `window` waiting VMs (the queue is in arrival order). */
	for (uint32_t i = 0; i < n; i++) {
		const struct vm *vm = cluster_vm(c, q->v[i].vm);

		items[i].need = vm->demand;
		items[i].value = worth(c, vm, total, k->by_size);
	}
	r = batchdp_select(items, n, cap, nb, k->work, &res);
	if (r < 0)
		goto out;
	/* Largest first, so a first-fit placer packs the chosen set the way
	 * the DP found room for it as often as it can. */
	for (uint32_t i = 0; i < n; i++) {
		double size = 0;

		if (res.bin[i] == UINT32_MAX)
			continue;
		for (int d = 0; d < RES_NDIM; d++)
			if (total[d] > 0)
				size += (double)items[i].need.v[d] / total[d];
		ch[nc++] = (struct chosen){ size, i };
	}
	qsort(ch, nc, sizeof(*ch), cmp_chosen);
	for (uint32_t i = 0; i < nc && i < max && r == 0; i++)
		r = sched_pick_add(ret, ch[i].idx);
	if (k->backfill && nc < max) {
		/* The placer may not reproduce the DP's packing exactly:
		 * offer the rest, most worth first, for the room left. */
		uint32_t nb2 = 0;

		for (uint32_t i = 0; i < n; i++)
			if (res.bin[i] == UINT32_MAX)
				ch[nb2++] =
				    (struct chosen){ (double)items[i].value,
					    i };
		qsort(ch, nb2, sizeof(*ch), cmp_chosen);
		for (uint32_t i = 0; i < nb2 && nc + i < max && r == 0; i++)
			r = sched_pick_add(ret, ch[i].idx);
	}
	ret->strict = false;
	batchdp_result_done(&res);
out:
	free(items);
	free(cap);
	free(ch);
	return r;
}

const struct sched_ops sched_knapsack = {
	.name = "knapsack",
	.summary =
	    "batch admission by dynamic programming: the waiting VMs "
	    "worth the most (priority-weighted) that fit the free capacity",
	.params = knap_params,
	.n_params = ELEMENTSOF(knap_params),
	.init = knap_init,
	.fini = knap_fini,
	.pick = knap_pick,
};
