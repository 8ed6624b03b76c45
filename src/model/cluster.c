/* cluster.c - hosts, VMs and groups, kept consistent with the fit index. */
#include "model/cluster.h"

#include "core/mem.h"

#include <assert.h>
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
		free(c->groups[i].name);
		u32map_done(&c->groups[i].hosts);
	}
	free(c->hosts);
	free(c->vms);
	free(c->groups);
	strmap_done(&c->host_names);
	strmap_done(&c->vm_names);
	strmap_done(&c->group_names);
	fitidx_done(&c->idx);
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
	strmap_init(&n->host_names);
	strmap_init(&n->vm_names);
	strmap_init(&n->group_names);
	fitidx_init(&n->idx);
	if (c->n_hosts &&
	    (mem_grow(&n->hosts, &n->cap_hosts, c->n_hosts, sizeof(*n->hosts)) <
		    0 ||
		fitidx_resize(&n->idx, c->n_hosts) < 0))
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
		g->name = strdup(c->groups[i].name);
		if (!g->name ||
		    u32map_copy(&g->hosts, &c->groups[i].hosts) < 0 ||
		    strmap_put(&n->group_names, g->name, i) < 0)
			goto fail;
	}
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

/* Refreshes h's leaf: its free vector if up, unavailable otherwise. */
static void
index_host(struct cluster *c, host_id h)
{
	const struct host *hs = &c->hosts[h];
	struct res free;

	if (hs->state != HOST_UP) {
		fitidx_set(&c->idx, h, NULL);
		return;
	}
	host_free_res(hs, &free);
	fitidx_set(&c->idx, h, &free);
}

int
cluster_add_host(struct cluster *c, const struct host_spec *s, host_id *ret)
{
	struct host h = {0};
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
	r = fitidx_resize(&c->idx, c->n_hosts + 1);
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
	index_host(c, c->n_hosts);
	if (ret)
		*ret = c->n_hosts;
	c->n_hosts++;
	return 0;
}

/* The id of group `name`, created if new. 0 or -ENOMEM/-EINVAL. */
static int
group_get(struct cluster *c, const char *name, group_id *ret)
{
	struct group *g;
	int r;

	if (!name) {
		*ret = GROUP_NONE;
		return 0;
	}
	if (!name_ok(name))
		return -EINVAL;
	if (strmap_get(&c->group_names, name, ret) == 0)
		return 0;
	r = mem_grow(
	    &c->groups, &c->cap_groups, c->n_groups + 1, sizeof(*c->groups));
	if (r < 0)
		return r;
	g = &c->groups[c->n_groups];
	memset(g, 0, sizeof(*g));
	g->name = strdup(name);
	if (!g->name)
		return -ENOMEM;
	u32map_init(&g->hosts);
	r = strmap_put(&c->group_names, g->name, c->n_groups);
	if (r < 0) {
		free(g->name);
		g->name = NULL;
		return r;
	}
	*ret = c->n_groups++;
	return 0;
}

int
cluster_add_vm(struct cluster *c, const struct vm_spec *s, vm_id *ret)
{
	struct vm v = {0};
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
	r = group_get(c, s->affinity, &v.affinity);
	if (r < 0)
		return r;
	r = group_get(c, s->anti_affinity, &v.anti_affinity);
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

int
cluster_check(const struct cluster *c, vm_id v, host_id h, struct why *why)
{
	const struct host *hs = &c->hosts[h];
	const struct vm *vm = &c->vms[v];
	struct why_reason r = {.host = h};
	bool here = vm->host == h, ok = true;
	struct res free;
	uint32_t n;
	int l;

	if (hs->state != HOST_UP && !here) {
		r.kind = WHY_STATE;
		r.detail = hs->state;
		why_add(why, &r);
		ok = false;
	}
	l = labels_unmet(&hs->labels, &vm->requires);
	if (l >= 0) {
		r.kind = WHY_LABEL;
		r.detail = (uint32_t)l;
		why_add(why, &r);
		ok = false;
	}
	if (vm->affinity != GROUP_NONE) {
		const struct group *g = &c->groups[vm->affinity];
		uint32_t others = g->n_placed - (vm->host != HOST_NONE);

		n = cluster_group_on_host(c, vm->affinity, h) - here;
		if (others > 0 && n == 0) {
			r.kind = WHY_AFFINITY;
			r.detail = vm->affinity;
			why_add(why, &r);
			ok = false;
		}
	}
	if (vm->anti_affinity != GROUP_NONE) {
		n = cluster_group_on_host(c, vm->anti_affinity, h) - here;
		if (n > 0) {
			r.kind = WHY_ANTI_AFFINITY;
			r.detail = vm->anti_affinity;
			why_add(why, &r);
			ok = false;
		}
	}
	if (!here) {
		host_free_res(hs, &free);
		for (int d = 0; d < RES_NDIM; d++) {
			if (vm->demand.v[d] <= free.v[d])
				continue;
			r.kind = WHY_CAPACITY;
			r.dim = (enum res_dim)d;
			r.need = vm->demand.v[d];
			r.free = free.v[d];
			r.detail = 0;
			why_add(why, &r);
			ok = false;
		}
	}
	return ok ? 0 : -ENOSPC;
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

int
cluster_first_fit(
    const struct cluster *c, const struct res *need, host_id from, host_id *ret)
{
	uint32_t i;

	if (from >= c->n_hosts || fitidx_first(&c->idx, need, from, &i) < 0 ||
	    i >= c->n_hosts)
		return -ENOSPC;
	*ret = i;
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

int
cluster_reserve(struct cluster *c, vm_id v, host_id h)
{
	struct vm *vm = &c->vms[v];
	struct host *hs = &c->hosts[h];
	struct res alloc;
	int r;

	if (vm->host != HOST_NONE ||
	    (vm->state != VM_PENDING && vm->state != VM_QUEUED))
		return -EINVAL;
	r = cluster_check(c, v, h, NULL);
	if (r < 0)
		return r;
	r = res_add(&hs->alloc, &vm->demand, &alloc);
	assert(r == 0); /* cluster_check saw alloc + demand <= limit */
	r = group_move(c, vm->affinity, h, +1);
	if (r < 0)
		return r;
	r = group_move(c, vm->anti_affinity, h, +1);
	if (r < 0) {
		group_move(c, vm->affinity, h, -1);
		return r;
	}
	hs->alloc = alloc;
	hs->n_vms++;
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
	return fitidx_bytes(&c->idx);
}
