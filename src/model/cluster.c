/* cluster.c - hosts, VMs and groups, kept consistent with the fit index. */
#include "model/cluster.h"

#include "core/mem.h"

#include <assert.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

int
cluster_new(struct cluster **ret)
{
	struct cluster *c = calloc(1, sizeof(*c));

	if (!c)
		return -ENOMEM;
	strmap_init(&c->host_names);
	strmap_init(&c->vm_names);
	strmap_init(&c->group_names);
	fitidx_init(&c->idx);
	fitorder_init(&c->order);
	*ret = c;
	return 0;
}

struct cluster *
cluster_free(struct cluster *c)
{
	if (!c)
		return NULL;
	for (uint32_t i = 0; i < c->n_hosts; i++) {
		free(c->hosts[i].name);
		labels_done(&c->hosts[i].labels);
	}
	for (uint32_t i = 0; i < c->n_vms; i++) {
		free(c->vms[i].name);
		labels_done(&c->vms[i].requires);
	}
	for (uint32_t i = 0; i < c->n_groups; i++) {
		free(c->groups[i].key);
		u32map_done(&c->groups[i].hosts);
	}
	free(c->hosts);
	free(c->vms);
	free(c->groups);
	strmap_done(&c->host_names);
	strmap_done(&c->vm_names);
	strmap_done(&c->group_names);
	fitidx_done(&c->idx);
	fitorder_done(&c->order);
	for (int d = 0; d < RES_NDIM; d++) {
		free(c->heap[d]);
		free(c->heap_pos[d]);
	}
	free(c);
	return NULL;
}

static void index_host(struct cluster *c, host_id h);

/* Copies the u32map src into the empty dst. */
static int
u32map_copy(struct u32map *dst, const struct u32map *src)
{
	uint32_t it = 0, k, v;
	int r;

	while (u32map_next(src, &it, &k, &v)) {
		r = u32map_set(dst, k, v);
		if (r < 0)
			return r;
	}
	return 0;
}

int
cluster_clone(const struct cluster *c, struct cluster **ret)
{
	struct cluster *n = calloc(1, sizeof(*n));
	int r = -ENOMEM;

	if (!n)
		return -ENOMEM;
	/* Scalars (and any switch added later) by assignment; everything
	 * that owns memory is replaced below. */
	*n = *c;
	n->hosts = NULL;
	n->vms = NULL;
	n->groups = NULL;
	n->n_hosts = n->cap_hosts = n->n_vms = n->cap_vms = 0;
	n->n_groups = n->cap_groups = 0;
	n->n_plus_one = false;
	n->heap_cap = 0;
	for (int d = 0; d < RES_NDIM; d++)
		n->heap[d] = n->heap_pos[d] = NULL;
	strmap_init(&n->host_names);
	strmap_init(&n->vm_names);
	strmap_init(&n->group_names);
	fitidx_init(&n->idx);
	fitorder_init(&n->order);
	if (c->n_hosts &&
	    (mem_grow(&n->hosts, &n->cap_hosts, c->n_hosts, sizeof(*n->hosts)) <
		    0 ||
		fitidx_resize(&n->idx, c->n_hosts) < 0 ||
		fitorder_resize(&n->order, c->n_hosts) < 0))
		goto fail;
	for (uint32_t i = 0; i < c->n_hosts; i++) {
		struct host *h = &n->hosts[i];

		*h = c->hosts[i];
		h->name = NULL;
		memset(&h->labels, 0, sizeof(h->labels));
		n->n_hosts++;
		h->name = strdup(c->hosts[i].name);
		if (!h->name ||
		    labels_copy(&h->labels, &c->hosts[i].labels) < 0 ||
		    strmap_put(&n->host_names, h->name, i) < 0)
			goto fail;
		index_host(n, i);
	}
	if (c->n_vms &&
	    mem_grow(&n->vms, &n->cap_vms, c->n_vms, sizeof(*n->vms)) < 0)
		goto fail;
	for (uint32_t i = 0; i < c->n_vms; i++) {
		struct vm *v = &n->vms[i];

		*v = c->vms[i];
		v->name = NULL;
		memset(&v->requires, 0, sizeof(v->requires));
		n->n_vms++;
		v->name = strdup(c->vms[i].name);
		if (!v->name ||
		    labels_copy(&v->requires, &c->vms[i].requires) < 0)
			goto fail;
		/* A deleted VM keeps its name for reports, not for lookups. */
		if (v->state != VM_DELETED &&
		    strmap_put(&n->vm_names, v->name, i) < 0)
			goto fail;
	}
	if (c->n_groups &&
	    mem_grow(&n->groups, &n->cap_groups, c->n_groups,
		sizeof(*n->groups)) < 0)
		goto fail;
	for (uint32_t i = 0; i < c->n_groups; i++) {
		struct group *g = &n->groups[i];

		memset(g, 0, sizeof(*g));
		u32map_init(&g->hosts);
		n->n_groups++;
		g->n_placed = c->groups[i].n_placed;
		g->anti = c->groups[i].anti;
		g->key = strdup(c->groups[i].key);
		if (!g->key)
			goto fail;
		g->name = g->key + 2;
		if (u32map_copy(&g->hosts, &c->groups[i].hosts) < 0 ||
		    strmap_put(&n->group_names, g->key, i) < 0)
			goto fail;
	}
	/* The N+1 heaps are rebuilt rather than shared. */
	if (c->n_plus_one && cluster_set_n_plus_one(n, true) < 0)
		goto fail;
	*ret = n;
	return 0;
fail:
	cluster_free(n);
	return r;
}

static bool
name_ok(const char *s)
{
	size_t n;

	if (!s)
		return false;
	n = strlen(s);
	if (n == 0 || n > CLUSTER_NAME_MAX)
		return false;
	for (size_t i = 0; i < n; i++)
		if ((unsigned char)s[i] < 0x20 || s[i] == 0x7f)
			return false;
	return true;
}

/* --- N+1 heaps: per dimension, hosts by ha_alloc + up_free, max on top. */

static inline int64_t
heap_key(const struct cluster *c, int d, host_id h)
{
	return c->hosts[h].ha_alloc.v[d] + c->hosts[h].up_free.v[d];
}

static void
heap_swap(struct cluster *c, int d, uint32_t i, uint32_t j)
{
	uint32_t *hp = c->heap[d], *pos = c->heap_pos[d], t = hp[i];

	hp[i] = hp[j];
	hp[j] = t;
	pos[hp[i]] = i;
	pos[hp[j]] = j;
}

static void
heap_down(struct cluster *c, int d, uint32_t i)
{
	uint32_t n = c->n_hosts;

	for (;;) {
		uint32_t l = 2 * i + 1, r = l + 1, m = i;

		if (l < n &&
		    heap_key(c, d, c->heap[d][l]) >
			heap_key(c, d, c->heap[d][m]))
			m = l;
		if (r < n &&
		    heap_key(c, d, c->heap[d][r]) >
			heap_key(c, d, c->heap[d][m]))
			m = r;
		if (m == i)
			return;
		heap_swap(c, d, i, m);
		i = m;
	}
}

/* Restores the heap after host h's key changed either way. */
static void
heap_fix(struct cluster *c, int d, host_id h)
{
	uint32_t i = c->heap_pos[d][h];

	while (i > 0 &&
	    heap_key(c, d, c->heap[d][i]) >
		heap_key(c, d, c->heap[d][(i - 1) / 2])) {
		heap_swap(c, d, i, (i - 1) / 2);
		i = (i - 1) / 2;
	}
	heap_down(c, d, i);
}

/* The largest key in dimension d over hosts other than t (0 if none). */
static int64_t
heap_max_except(const struct cluster *c, int d, host_id t)
{
	const uint32_t *hp = c->heap[d];
	int64_t best = 0, k;

	if (c->n_hosts == 0)
		return 0;
	if (hp[0] != t)
		return heap_key(c, d, hp[0]);
	for (uint32_t i = 1; i <= 2 && i < c->n_hosts; i++) {
		k = heap_key(c, d, hp[i]);
		if (k > best)
			best = k;
	}
	return best;
}

/* Makes the heaps hold cap hosts; they grow by an eighth, like the index,
 * to keep the memory per host low. 0 or -ENOMEM (heaps unchanged). */
static int
heap_grow(struct cluster *c, uint32_t need)
{
	uint64_t cap = c->heap_cap ? c->heap_cap : 4;

	if (!c->n_plus_one || need <= c->heap_cap)
		return 0;
	while (cap < need)
		cap += cap / 8 + 1;
	for (int d = 0; d < RES_NDIM; d++) {
		uint32_t *a = realloc(c->heap[d], cap * sizeof(uint32_t));

		if (!a)
			return -ENOMEM;
		c->heap[d] = a;
		a = realloc(c->heap_pos[d], cap * sizeof(uint32_t));
		if (!a)
			return -ENOMEM;
		c->heap_pos[d] = a;
	}
	c->heap_cap = (uint32_t)cap;
	return 0;
}

int
cluster_set_n_plus_one(struct cluster *c, bool on)
{
	if (!on) {
		for (int d = 0; d < RES_NDIM; d++) {
			free(c->heap[d]);
			free(c->heap_pos[d]);
			c->heap[d] = c->heap_pos[d] = NULL;
		}
		c->n_plus_one = false;
		c->heap_cap = 0;
		return 0;
	}
	if (c->n_plus_one)
		return 0;
	c->n_plus_one = true;
	if (heap_grow(c, c->n_hosts ? c->n_hosts : 1) < 0) {
		cluster_set_n_plus_one(c, false);
		return -ENOMEM;
	}
	for (int d = 0; d < RES_NDIM; d++) {
		for (uint32_t i = 0; i < c->n_hosts; i++)
			c->heap[d][i] = c->heap_pos[d][i] = i;
		for (uint32_t i = c->n_hosts / 2; i-- > 0;)
			heap_down(c, d, i);
	}
	return 0;
}

void
cluster_host_leaf(const struct cluster *c, host_id h, struct fitleaf *ret)
{
	const struct host *hs = &c->hosts[h];
	double load = 0, s = 0, u;

	host_free_res(hs, &ret->free);
	for (int d = 0; d < RES_NDIM; d++) {
		if (hs->limit.v[d] > 0) {
			ret->inv_lim[d] = 1.0 / (double)hs->limit.v[d];
			s += (double)ret->free.v[d] * ret->inv_lim[d];
			u = (double)hs->alloc.v[d] * ret->inv_lim[d];
			if (u > load)
				load = u;
		} else {
			ret->inv_lim[d] = 0;
		}
	}
	ret->s = s;
	ret->perf = hs->perf_milli;
	ret->load = load;
}

/* Refreshes everything derived from host h: its index leaf (unavailable
 * unless up), its share of the cluster's free sum, its N+1 heap keys. */
static void
index_host(struct cluster *c, host_id h)
{
	struct host *hs = &c->hosts[h];
	struct fitleaf leaf;

	cluster_host_leaf(c, h, &leaf);
	for (int d = 0; d < RES_NDIM; d++) {
		int64_t now = hs->state == HOST_UP ? leaf.free.v[d] : 0;

		c->up_free.v[d] += now - hs->up_free.v[d];
		hs->up_free.v[d] = now;
	}
	fitidx_set(&c->idx, h, hs->state == HOST_UP ? &leaf : NULL);
	fitorder_set(&c->order, h, hs->state == HOST_UP ? &leaf : NULL);
	if (c->order.off)
		fitidx_keep_rows(&c->idx); /* best fit's fallback wants them */
	for (int d = 0; c->n_plus_one && d < RES_NDIM; d++)
		heap_fix(c, d, h);
}

int
cluster_add_host(struct cluster *c, const struct host_spec *s, host_id *ret)
{
	struct host h = { 0 };
	int r;

	if (!name_ok(s->name) || !res_valid(&s->cap) ||
	    s->state >= HOST_NSTATES || s->perf_milli > HOST_PERF_MAX)
		return -EINVAL;
	if (strmap_get(&c->host_names, s->name, NULL) == 0)
		return -EEXIST;
	if (c->n_hosts >= CLUSTER_HOSTS_MAX)
		return -E2BIG;
	for (int d = 0; d < RES_NDIM; d++)
		h.overcommit_milli[d] = s->overcommit_milli[d]
		    ? s->overcommit_milli[d]
		    : RES_RATIO_ONE;
	r = res_scale(&s->cap, h.overcommit_milli, &h.limit);
	if (r < 0)
		return r;
	r = mem_grow(
	    &c->hosts, &c->cap_hosts, c->n_hosts + 1, sizeof(*c->hosts));
	if (r < 0)
		return r;
	r = heap_grow(c, c->n_hosts + 1);
	if (r < 0)
		return r;
	r = fitidx_resize(&c->idx, c->n_hosts + 1);
	if (r < 0)
		return r;
	r = fitorder_resize(&c->order, c->n_hosts + 1);
	if (r < 0)
		return r;
	h.name = strdup(s->name);
	if (!h.name)
		return -ENOMEM;
	if (s->labels && labels_copy(&h.labels, s->labels) < 0) {
		free(h.name);
		return -ENOMEM;
	}
	h.cap = s->cap;
	h.state = s->state;
	h.perf_milli = s->perf_milli ? s->perf_milli : HOST_PERF_ONE;
	h.first_vm = VM_NONE;
	r = strmap_put(&c->host_names, h.name, c->n_hosts);
	if (r < 0) {
		free(h.name);
		labels_done(&h.labels);
		return r;
	}
	c->hosts[c->n_hosts] = h;
	if (c->n_plus_one) {
		for (int d = 0; d < RES_NDIM; d++) {
			c->heap[d][c->n_hosts] = c->n_hosts;
			c->heap_pos[d][c->n_hosts] = c->n_hosts;
		}
	}
	if (ret)
		*ret = c->n_hosts;
	c->n_hosts++;
	index_host(c, c->n_hosts - 1);
	return 0;
}

/* The id of the affinity (or, with anti, anti-affinity) group `name`,
 * created if new; GROUP_NONE for a NULL name. 0, -EINVAL or -ENOMEM. */
static int
group_get(struct cluster *c, const char *name, bool anti, group_id *ret)
{
	char key[CLUSTER_NAME_MAX + 3];
	struct group *g;
	int r;

	if (!name) {
		*ret = GROUP_NONE;
		return 0;
	}
	if (!name_ok(name))
		return -EINVAL;
	snprintf(key, sizeof(key), "%c:%s", anti ? 'x' : 'a', name);
	if (strmap_get(&c->group_names, key, ret) == 0)
		return 0;
	r = mem_grow(
	    &c->groups, &c->cap_groups, c->n_groups + 1, sizeof(*c->groups));
	if (r < 0)
		return r;
	g = &c->groups[c->n_groups];
	memset(g, 0, sizeof(*g));
	g->key = strdup(key);
	if (!g->key)
		return -ENOMEM;
	g->name = g->key + 2;
	g->anti = anti;
	u32map_init(&g->hosts);
	r = strmap_put(&c->group_names, g->key, c->n_groups);
	if (r < 0) {
		free(g->key);
		g->key = NULL;
		return r;
	}
	*ret = c->n_groups++;
	return 0;
}

int
cluster_add_vm(struct cluster *c, const struct vm_spec *s, vm_id *ret)
{
	struct vm v = { 0 };
	int r;

	if (!name_ok(s->name) || !res_valid(&s->demand) ||
	    s->perf >= PERF_NCLASSES || s->priority < VM_PRIORITY_MIN ||
	    s->priority > VM_PRIORITY_MAX)
		return -EINVAL;
	if ((s->affinity && !name_ok(s->affinity)) ||
	    (s->anti_affinity && !name_ok(s->anti_affinity)))
		return -EINVAL;
	if (strmap_get(&c->vm_names, s->name, NULL) == 0)
		return -EEXIST;
	if (c->n_vms >= CLUSTER_VMS_MAX)
		return -E2BIG;
	r = mem_grow(&c->vms, &c->cap_vms, c->n_vms + 1, sizeof(*c->vms));
	if (r < 0)
		return r;
	/* Groups created here outlive a later failure harmlessly: an empty
	 * group constrains nothing. */
	r = group_get(c, s->affinity, false, &v.affinity);
	if (r < 0)
		return r;
	r = group_get(c, s->anti_affinity, true, &v.anti_affinity);
	if (r < 0)
		return r;
	v.name = strdup(s->name);
	if (!v.name)
		return -ENOMEM;
	if (s->requires && labels_copy(&v.requires, s->requires) < 0) {
		free(v.name);
		return -ENOMEM;
	}
	v.demand = s->demand;
	v.priority = s->priority;
	v.perf = s->perf;
	v.ha = s->ha;
	v.state = VM_PENDING;
	v.host = HOST_NONE;
	v.next_on_host = v.prev_on_host = VM_NONE;
	r = strmap_put(&c->vm_names, v.name, c->n_vms);
	if (r < 0) {
		free(v.name);
		labels_done(&v.requires);
		return r;
	}
	c->vms[c->n_vms] = v;
	if (ret)
		*ret = c->n_vms;
	c->n_vms++;
	return 0;
}

int
cluster_find_host(const struct cluster *c, const char *name, host_id *ret)
{
	return strmap_get(&c->host_names, name, ret);
}

int
cluster_find_vm(const struct cluster *c, const char *name, vm_id *ret)
{
	return strmap_get(&c->vm_names, name, ret);
}

const char *
cluster_group_name(const struct cluster *c, group_id g)
{
	return g < c->n_groups ? c->groups[g].name : "?";
}

uint32_t
cluster_group_on_host(const struct cluster *c, group_id g, host_id h)
{
	uint32_t n = 0;

	if (g < c->n_groups)
		u32map_get(&c->groups[g].hosts, h, &n);
	return n;
}

/* What a check assumes beyond the cluster as it is. */
struct check_opts {
	bool ignore_reserve;
	const vm_id *victims; /* running on the host checked */
	uint32_t n_victims;
};

/* Members of group g among the victims. */
static uint32_t
victims_in(const struct cluster *c, group_id g, const struct check_opts *o)
{
	uint32_t n = 0;

	for (uint32_t i = 0; i < o->n_victims; i++) {
		const struct vm *x = &c->vms[o->victims[i]];

		n += x->affinity == g || x->anti_affinity == g;
	}
	return n;
}

static void
add_reason(struct why *why, host_id h, enum why_kind kind, int dim,
    int64_t need, int64_t free, uint32_t detail)
{
	struct why_reason r = { .host = h,
		.kind = kind,
		.dim = (enum res_dim)dim,
		.need = need,
		.free = free,
		.detail = detail };

	why_add(why, &r);
}

static int
check(const struct cluster *c, vm_id v, host_id h, const struct check_opts *o,
    struct why *why)
{
	const struct host *hs = &c->hosts[h];
	const struct vm *vm = &c->vms[v];
	bool here = vm->host == h, ok = true;
	struct res free, gain = { { 0 } }, ha_gain = { { 0 } };
	uint32_t n;
	int l;

	for (uint32_t i = 0; i < o->n_victims; i++) {
		const struct vm *x = &c->vms[o->victims[i]];

		if (x->host != h || o->victims[i] == v)
			return -EINVAL;
		for (int d = 0; d < RES_NDIM; d++) {
			gain.v[d] += x->demand.v[d];
			if (x->ha)
				ha_gain.v[d] += x->demand.v[d];
		}
	}
	if (hs->state != HOST_UP && !here) {
		add_reason(why, h, WHY_STATE, 0, 0, 0, hs->state);
		ok = false;
	}
	l = labels_unmet(&hs->labels, &vm->requires);
	if (l >= 0) {
		add_reason(why, h, WHY_LABEL, 0, 0, 0, (uint32_t)l);
		ok = false;
	}
	if (vm->affinity != GROUP_NONE) {
		const struct group *g = &c->groups[vm->affinity];
		uint32_t gone = victims_in(c, vm->affinity, o);
		uint32_t others = g->n_placed - (vm->host != HOST_NONE) - gone;

		n = cluster_group_on_host(c, vm->affinity, h) - here - gone;
		if (others > 0 && n == 0) {
			add_reason(why, h, WHY_AFFINITY, 0, 0, 0, vm->affinity);
			ok = false;
		}
	}
	if (vm->anti_affinity != GROUP_NONE) {
		n = cluster_group_on_host(c, vm->anti_affinity, h) - here -
		    victims_in(c, vm->anti_affinity, o);
		if (n > 0) {
			add_reason(why, h, WHY_ANTI_AFFINITY, 0, 0, 0,
			    vm->anti_affinity);
			ok = false;
		}
	}
	if (here)
		return ok ? 0 : -ENOSPC;
	host_free_res(hs, &free);
	for (int d = 0; d < RES_NDIM; d++) {
		if (vm->demand.v[d] > free.v[d] + gain.v[d]) {
			add_reason(why, h, WHY_CAPACITY, d, vm->demand.v[d],
			    free.v[d] + gain.v[d], 0);
			ok = false;
		}
	}
	if (!c->n_plus_one || o->ignore_reserve || hs->state != HOST_UP)
		return ok ? 0 : -ENOSPC;
	/*
	 * After the placement, no host's failure may ask more of the others
	 * than they have free. With x the demand, F the cluster's free sum and
	 * g the room the victims give back:
	 *   this host:   ha_h - ha_gain + (ha ? x : 0) <= F - free_h
	 *   other hosts: max(ha + up_free) <= F + g - x
	 */
	for (int d = 0; d < RES_NDIM; d++) {
		int64_t x = vm->demand.v[d], F = c->up_free.v[d];
		int64_t allowed = F + gain.v[d] - heap_max_except(c, d, h);

		int64_t self = F - free.v[d] - hs->ha_alloc.v[d] + ha_gain.v[d];

		/* This host's own condition binds x only for an HA VM; for
		 * any VM it must hold afterwards (it may already be broken,
		 * say after another host went down). */
		if (vm->ha && self < allowed)
			allowed = self;
		if (x > allowed || self < 0) {
			add_reason(why, h, WHY_RESERVE, d, x,
			    self < 0 || allowed < 0 ? 0 : allowed, 0);
			ok = false;
		}
	}
	return ok ? 0 : -ENOSPC;
}

int
cluster_check(const struct cluster *c, vm_id v, host_id h, struct why *why)
{
	struct check_opts o = { 0 };

	return check(c, v, h, &o, why);
}

int
cluster_check_failover(
    const struct cluster *c, vm_id v, host_id h, struct why *why)
{
	struct check_opts o = { .ignore_reserve = true };

	return check(c, v, h, &o, why);
}

int
cluster_check_preempt(const struct cluster *c, vm_id v, host_id h,
    const vm_id *victims, uint32_t n, struct why *why)
{
	struct check_opts o = { .victims = victims, .n_victims = n };

	return check(c, v, h, &o, why);
}

uint32_t
cluster_explain(const struct cluster *c, vm_id v, struct why *why)
{
	uint32_t fit = 0;

	for (host_id h = 0; h < c->n_hosts; h++)
		if (cluster_check(c, v, h, why) == 0)
			fit++;
	return fit;
}

/*
 * The fit index, started by the first query that wants it: like the
 * best-fit order it is a cache inside the cluster, the one thing a query
 * changes (the cluster is not thread-safe anyway), so a cluster that never
 * asks never pays for its updates. NULL without memory for it: callers
 * then scan the hosts.
 */
static const struct fitidx *
idx_ready(const struct cluster *c)
{
	struct cluster *m = (struct cluster *)c;

	if (c->idx.on)
		return &c->idx;
	if (fitidx_start(&m->idx) < 0)
		return NULL;
	for (host_id h = 0; h < c->n_hosts; h++)
		index_host(m, h);
	return &c->idx;
}

/* Whether up host h has room for need (what the index answers). */
static bool
has_room(const struct cluster *c, host_id h, const struct res *need)
{
	struct res free;

	host_free_res(&c->hosts[h], &free);
	return c->hosts[h].state == HOST_UP && res_fits(need, &free);
}

int
cluster_first_fit(
    const struct cluster *c, const struct res *need, host_id from, host_id *ret)
{
	const struct fitidx *x = idx_ready(c);
	uint32_t i;

	if (from >= c->n_hosts)
		return -ENOSPC;
	if (!x) {
		for (i = from; i < c->n_hosts && !has_room(c, i, need); i++)
			;
	} else if (fitidx_first(x, need, from, &i) < 0) {
		return -ENOSPC;
	}
	if (i >= c->n_hosts)
		return -ENOSPC;
	*ret = i;
	return 0;
}

/*
 * Narrows a search for v before it starts: a placed affinity group leaves
 * one candidate host; an N+1 reserve that v would overdraw on any host but
 * the one holding a dimension's maximum key leaves that host. Returns 0
 * (search everything), 1 (only *only) or -ENOSPC (nothing can pass).
 */
static int
narrow(const struct cluster *c, const struct vm *vm, host_id *only)
{
	host_id one = HOST_NONE;
	uint32_t it = 0, h, n;

	if (vm->affinity != GROUP_NONE &&
	    c->groups[vm->affinity].n_placed > (vm->host != HOST_NONE)) {
		while (u32map_next(&c->groups[vm->affinity].hosts, &it, &h, &n))
			if (h != vm->host || n > 1)
				one = h;
	}
	for (int d = 0; c->n_plus_one && c->n_hosts > 0 && d < RES_NDIM; d++) {
		host_id top = c->heap[d][0];

		if (vm->demand.v[d] <= c->up_free.v[d] - heap_key(c, d, top))
			continue;
		/* Only the top host itself escapes (it is not an "other"). */
		if (one != HOST_NONE && one != top)
			return -ENOSPC;
		one = top;
	}
	if (one == HOST_NONE)
		return 0;
	*only = one;
	return 1;
}

struct accept_ctx {
	const struct cluster *c;
	vm_id v;
};

static bool
accept_host(uint32_t h, void *ctx)
{
	const struct accept_ctx *a = ctx;

	return cluster_check(a->c, a->v, h, NULL) == 0;
}

int
cluster_find_first(const struct cluster *c, vm_id v, host_id from, host_id *ret)
{
	struct accept_ctx a = { c, v };
	const struct fitidx *x;
	host_id only;
	uint32_t h;
	int r;

	if (from >= c->n_hosts)
		return -ENOSPC;
	r = narrow(c, &c->vms[v], &only);
	if (r < 0)
		return r;
	if (r == 1) {
		if (only < from || cluster_check(c, v, only, NULL) < 0)
			return -ENOSPC;
		*ret = only;
		return 0;
	}
	x = idx_ready(c);
	if (!x) {
		for (h = from; h < c->n_hosts; h++)
			if (cluster_check(c, v, h, NULL) == 0)
				break;
	} else if (fitidx_first_if(
		       x, &c->vms[v].demand, from, accept_host, &a, &h) < 0) {
		return -ENOSPC;
	}
	if (h >= c->n_hosts)
		return -ENOSPC;
	*ret = h;
	return 0;
}

/* narrow() and its one host checked: 1 and *ret when that decides the
 * search, -ENOSPC when nothing can pass, 0 to search everything. */
static int
decided(const struct cluster *c, vm_id v, host_id *ret)
{
	host_id only;
	int r = narrow(c, &c->vms[v], &only);

	if (r <= 0)
		return r;
	if (cluster_check(c, v, only, NULL) < 0)
		return -ENOSPC;
	*ret = only;
	return 1;
}

/* cluster_find_best without the index: every host scored. */
static int
best_by_scan(const struct cluster *c, vm_id v, const struct cluster_scorer *s,
    host_id *ret)
{
	host_id best = HOST_NONE;
	double top = 0, sc;

	for (host_id h = 0; h < c->n_hosts; h++) {
		if (cluster_check(c, v, h, NULL) < 0)
			continue;
		sc = s->score(h, s->ctx);
		if (best == HOST_NONE || sc > top) {
			best = h;
			top = sc;
		}
	}
	if (best == HOST_NONE)
		return -ENOSPC;
	*ret = best;
	return 0;
}

/* cluster_find_best once narrow() left every host open. */
static int
best_search(const struct cluster *c, vm_id v, const struct cluster_scorer *s,
    host_id *ret)
{
	struct accept_ctx a = { c, v };
	const struct fitidx *x;
	struct fitidx_query q = {
		.need = &c->vms[v].demand,
		.bound = s->bound,
		.score = s->score,
		.ctx = s->ctx,
		.accept = accept_host,
		.actx = &a,
	};
	uint32_t h;

	x = idx_ready(c);
	if (!x)
		return best_by_scan(c, v, s, ret);
	if (fitidx_best(x, &q, &h) < 0 || h >= c->n_hosts)
		return -ENOSPC;
	*ret = h;
	return 0;
}

int
cluster_find_best(const struct cluster *c, vm_id v,
    const struct cluster_scorer *s, host_id *ret)
{
	int r = decided(c, v, ret);

	if (r != 0)
		return r < 0 ? r : 0;
	return best_search(c, v, s, ret);
}

/* Best fit's bound and score for the index's branch and bound. */
struct tight {
	const struct cluster *c;
	const struct res *x;
	struct fit_rows rows;
};

static double
tight_bound(const struct fitnode *n, void *ctx)
{
	const struct tight *t = ctx;
	double lo = fitnode_s_min_fit(n, &t->rows);

	/* s_min - sum_d x_d * max(1/limit_d): no host below leaves less. */
	for (int d = 0; d < RES_NDIM; d++)
		lo -= (double)t->x->v[d] * n->inv_lim_max[d];
	return -lo;
}

static double
tight_score(host_id h, void *ctx)
{
	const struct tight *t = ctx;
	struct fitleaf l;

	cluster_host_leaf(t->c, h, &l);
	return fit_tight_score(l.s, l.inv_lim, t->x);
}

/* Starts the best-fit order and fills it. The order is a cache inside the
 * cluster, built by the first query that wants it: the one thing a query
 * changes (the cluster is not thread-safe anyway). Without memory for it
 * the query falls back to the index. */
static void
order_start(struct cluster *c)
{
	if (fitorder_start(&c->order) < 0)
		return;
	for (host_id h = 0; h < c->n_hosts; h++)
		index_host(c, h);
}

int
cluster_find_tightest(const struct cluster *c, vm_id v, host_id *ret)
{
	struct accept_ctx a = { c, v };
	struct tight t = { c, &c->vms[v].demand, { 0, 0 } };
	struct cluster_scorer s = { tight_bound, tight_score, &t };
	uint32_t h;
	int r;

	r = decided(c, v, ret);
	if (r != 0)
		return r < 0 ? r : 0;
	if (!c->order.on && !c->order.off)
		order_start((struct cluster *)c);
	r = fitorder_tightest(
	    &c->order, &c->vms[v].demand, accept_host, &a, &h);
	if (r == -ENOTSUP) {
		fit_rows_of(&c->idx, t.x, &t.rows);
		return best_search(c, v, &s, ret);
	}
	if (r < 0 || h >= c->n_hosts)
		return -ENOSPC;
	*ret = h;
	return 0;
}

static int
group_move(struct cluster *c, group_id g, host_id h, int delta)
{
	struct group *gr;
	uint32_t n = 0;
	int r;

	if (g == GROUP_NONE)
		return 0;
	gr = &c->groups[g];
	u32map_get(&gr->hosts, h, &n);
	if (delta > 0) {
		r = u32map_set(&gr->hosts, h, n + 1);
		if (r < 0)
			return r;
		gr->n_placed++;
		return 0;
	}
	assert(n > 0 && gr->n_placed > 0);
	if (n == 1)
		u32map_del(&gr->hosts, h);
	else
		u32map_set(&gr->hosts, h, n - 1); /* existing key: no alloc */
	gr->n_placed--;
	return 0;
}

static int
reserve(struct cluster *c, vm_id v, host_id h, bool failover)
{
	struct vm *vm = &c->vms[v];
	struct host *hs = &c->hosts[h];
	struct res alloc;
	int r;

	if (vm->host != HOST_NONE ||
	    (vm->state != VM_PENDING && vm->state != VM_QUEUED))
		return -EINVAL;
	r = failover ? cluster_check_failover(c, v, h, NULL)
		     : cluster_check(c, v, h, NULL);
	if (r < 0)
		return r;
	r = res_add(&hs->alloc, &vm->demand, &alloc);
	assert(r == 0); /* the check saw alloc + demand <= limit */
	r = group_move(c, vm->affinity, h, +1);
	if (r < 0)
		return r;
	r = group_move(c, vm->anti_affinity, h, +1);
	if (r < 0) {
		group_move(c, vm->affinity, h, -1);
		return r;
	}
	hs->alloc = alloc;
	if (vm->ha)
		res_add(&hs->ha_alloc, &vm->demand, &hs->ha_alloc);
	hs->n_vms++;
	c->running_by_prio[vm->priority - VM_PRIORITY_MIN]++;
	vm->host = h;
	vm->state = VM_RUNNING;
	vm->prev_on_host = VM_NONE;
	vm->next_on_host = hs->first_vm;
	if (hs->first_vm != VM_NONE)
		c->vms[hs->first_vm].prev_on_host = v;
	hs->first_vm = v;
	index_host(c, h);
	return 0;
}

int
cluster_reserve(struct cluster *c, vm_id v, host_id h)
{
	return reserve(c, v, h, false);
}

int
cluster_reserve_failover(struct cluster *c, vm_id v, host_id h)
{
	return reserve(c, v, h, true);
}

int
cluster_release(struct cluster *c, vm_id v, enum vm_state to)
{
	struct vm *vm = &c->vms[v];
	struct host *hs;
	int r;

	if (to == VM_RUNNING || to >= VM_NSTATES || vm->state == VM_DELETED)
		return -EINVAL;
	if (vm->host != HOST_NONE) {
		hs = &c->hosts[vm->host];
		r = res_sub(&hs->alloc, &vm->demand, &hs->alloc);
		assert(r == 0);
		if (vm->ha) {
			r = res_sub(&hs->ha_alloc, &vm->demand, &hs->ha_alloc);
			assert(r == 0);
		}
		(void)r;
		group_move(c, vm->affinity, vm->host, -1);
		group_move(c, vm->anti_affinity, vm->host, -1);
		if (vm->prev_on_host != VM_NONE)
			c->vms[vm->prev_on_host].next_on_host =
			    vm->next_on_host;
		else
			hs->first_vm = vm->next_on_host;
		if (vm->next_on_host != VM_NONE)
			c->vms[vm->next_on_host].prev_on_host =
			    vm->prev_on_host;
		hs->n_vms--;
		c->running_by_prio[vm->priority - VM_PRIORITY_MIN]--;
		index_host(c, vm->host);
		vm->host = HOST_NONE;
		vm->next_on_host = vm->prev_on_host = VM_NONE;
	}
	vm->state = to;
	return 0;
}

void
cluster_set_host_state(struct cluster *c, host_id h, enum host_state s)
{
	assert(h < c->n_hosts && s < HOST_NSTATES);
	c->hosts[h].state = s;
	index_host(c, h);
}

int
cluster_remove_vm(struct cluster *c, vm_id v)
{
	struct vm *vm = &c->vms[v];
	int r;

	r = cluster_release(c, v, VM_DELETED);
	if (r < 0)
		return r;
	/* The name stays for reports; only the lookup forgets it. */
	strmap_del(&c->vm_names, vm->name);
	labels_done(&vm->requires);
	return 0;
}

size_t
cluster_index_bytes(const struct cluster *c)
{
	size_t heaps = c->n_plus_one
	    ? (size_t)RES_NDIM * 2 * c->heap_cap * sizeof(uint32_t)
	    : 0;

	return fitidx_bytes(&c->idx) + fitorder_bytes(&c->order) + heaps;
}

int32_t
cluster_min_running_priority(const struct cluster *c)
{
	for (int32_t p = VM_PRIORITY_MIN; p <= VM_PRIORITY_MAX; p++)
		if (c->running_by_prio[p - VM_PRIORITY_MIN])
			return p;
	return VM_PRIORITY_MAX + 1;
}
