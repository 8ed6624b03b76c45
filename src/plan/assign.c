/* assign.c - the assignment ILP: model building, CBC with a warm start,
 * bounds, and a re-check of the plan (pure; CBC reads the clock within
 * the limit it is given). */
#include "plan/assign.h"

#include "core/mem.h"
#include "plan/bounds.h"
#include "plan/bpp.h"
#include "plan/consolidate.h"
#include "plan/deadline.h"
#include "plan/pstate.h"

#include <Cbc_C_Interface.h>
#include <Clp_C_Interface.h>
#include <float.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define VARS_MAX_DEFAULT 200000u
#define X_PER_SECOND 2000.0 /* assignment variables CBC starts on per second */
#define X_MIN 500u
#define LP_VARS_MAX 20000u /* the separate LP relaxation solve */
#define LINK_ROWS_MAX 30000u /* x <= y rows one by one up to this many x */
#define NAME_LEN 32

/* ---- a sparse model under construction --------------------------------- */

struct mb {
	uint32_t ncol, cap_col;
	double *lb, *ub, *obj;
	char *isint;
	uint32_t nrow, cap_row;
	double *rlo, *rup;
	uint32_t nnz, cap_nnz;
	uint32_t *ti, *tj;
	double *tv;
};

static void
mb_done(struct mb *m)
{
	free(m->lb);
	free(m->ub);
	free(m->obj);
	free(m->isint);
	free(m->rlo);
	free(m->rup);
	free(m->ti);
	free(m->tj);
	free(m->tv);
	memset(m, 0, sizeof(*m));
}

/* A new column; its index, or -ENOMEM. */
static int64_t
mb_col(struct mb *m, double lb, double ub, double obj, bool isint)
{
	uint32_t cap = m->cap_col;

	if (m->ncol >= INT32_MAX)
		return -E2BIG;
	if (mem_grow(&m->lb, &cap, m->ncol + 1, sizeof(*m->lb)) < 0)
		return -ENOMEM;
	cap = m->cap_col;
	if (mem_grow(&m->ub, &cap, m->ncol + 1, sizeof(*m->ub)) < 0)
		return -ENOMEM;
	cap = m->cap_col;
	if (mem_grow(&m->obj, &cap, m->ncol + 1, sizeof(*m->obj)) < 0)
		return -ENOMEM;
	cap = m->cap_col;
	if (mem_grow(&m->isint, &cap, m->ncol + 1, sizeof(*m->isint)) < 0)
		return -ENOMEM;
	m->cap_col = cap;
	m->lb[m->ncol] = lb;
	m->ub[m->ncol] = ub;
	m->obj[m->ncol] = obj;
	m->isint[m->ncol] = isint;
	return m->ncol++;
}

/* A new row lo <= sum v[i] x[j[i]] <= up; 0 or -ENOMEM. */
static int
mb_row(struct mb *m, uint32_t n, const uint32_t *j, const double *v, double lo,
    double up)
{
	uint32_t cap = m->cap_row;

	if (mem_grow(&m->rlo, &cap, m->nrow + 1, sizeof(*m->rlo)) < 0)
		return -ENOMEM;
	cap = m->cap_row;
	if (mem_grow(&m->rup, &cap, m->nrow + 1, sizeof(*m->rup)) < 0)
		return -ENOMEM;
	m->cap_row = cap;
	cap = m->cap_nnz;
	if (mem_grow(&m->ti, &cap, m->nnz + n + 1, sizeof(*m->ti)) < 0)
		return -ENOMEM;
	cap = m->cap_nnz;
	if (mem_grow(&m->tj, &cap, m->nnz + n + 1, sizeof(*m->tj)) < 0)
		return -ENOMEM;
	cap = m->cap_nnz;
	if (mem_grow(&m->tv, &cap, m->nnz + n + 1, sizeof(*m->tv)) < 0)
		return -ENOMEM;
	m->cap_nnz = cap;
	for (uint32_t i = 0; i < n; i++) {
		if (v[i] == 0)
			continue;
		m->ti[m->nnz] = m->nrow;
		m->tj[m->nnz] = j[i];
		m->tv[m->nnz++] = v[i];
	}
	m->rlo[m->nrow] = lo;
	m->rup[m->nrow] = up;
	m->nrow++;
	return 0;
}

/* The matrix column by column, as Clp and CBC load it. */
struct csc {
	CoinBigIndex *start;
	int *index;
	double *value;
};

static int
mb_csc(const struct mb *m, struct csc *c)
{
	c->start = calloc((size_t)m->ncol + 1, sizeof(*c->start));
	c->index = malloc((m->nnz ? m->nnz : 1) * sizeof(*c->index));
	c->value = malloc((m->nnz ? m->nnz : 1) * sizeof(*c->value));
	if (!c->start || !c->index || !c->value)
		return -ENOMEM;
	for (uint32_t e = 0; e < m->nnz; e++)
		c->start[m->tj[e] + 1]++;
	for (uint32_t j = 0; j < m->ncol; j++)
		c->start[j + 1] += c->start[j];
	for (uint32_t e = 0; e < m->nnz; e++) {
		CoinBigIndex at = c->start[m->tj[e]]++;

		c->index[at] = (int)m->ti[e];
		c->value[at] = m->tv[e];
	}
	for (uint32_t j = m->ncol; j > 0; j--)
		c->start[j] = c->start[j - 1];
	c->start[0] = 0;
	return 0;
}

static void
csc_done(struct csc *c)
{
	free(c->start);
	free(c->index);
	free(c->value);
}

/* ---- the problem ------------------------------------------------------- */

struct prob {
	const struct cluster *c;
	const struct assign_opts *o;
	bool mode_migr; /* target_hosts: minimise migrations */
	bool *scope, *batch;
	struct res *free0, *pin_ha;
	bool *forced;
	double *cost;
	struct u32map *pin_on; /* per group: pinned members per host */
	uint32_t n_running; /* running VMs in scope */
	/* variables */
	uint32_t *xoff; /* per VM, into xh/xcol (n_vms + 1) */
	host_id *xh;
	uint32_t *xcol;
	uint32_t nx, cap_x;
	int64_t *ycol, *ucol; /* per host / per VM, -1 if none */
	uint32_t *zoff; /* per group: into zh/zcol (n_groups + 1) */
	host_id *zh;
	uint32_t *zcol;
	uint32_t nz, cap_z;
	int64_t tcol[RES_NDIM];
	double P, eps; /* unplaced penalty, tie-break weight */
	struct mb m;
};

static bool
host_up(const struct cluster *c, host_id h)
{
	return cluster_host(c, h)->state == HOST_UP;
}

/* Can v (in scope) go to h at all, beside what stays pinned? */
static bool
eligible(const struct prob *p, vm_id v, host_id h)
{
	const struct cluster *c = p->c;
	const struct vm *vm = cluster_vm(c, v);
	const struct host *hs = cluster_host(c, h);
	uint32_t n;

	if (hs->state != HOST_UP && vm->host != h)
		return false;
	if (labels_unmet(&hs->labels, &vm->requires) >= 0)
		return false;
	for (int d = 0; d < RES_NDIM; d++)
		if (vm->demand.v[d] > p->free0[h].v[d])
			return false;
	if (vm->anti_affinity != GROUP_NONE &&
	    u32map_get(&p->pin_on[vm->anti_affinity], h, &n) == 0 && n > 0)
		return false;
	if (vm->affinity != GROUP_NONE && p->pin_on[vm->affinity].n > 0 &&
	    (u32map_get(&p->pin_on[vm->affinity], h, &n) < 0 || n == 0))
		return false;
	return true;
}

static int
add_x(struct prob *p, host_id h)
{
	uint32_t cap = p->cap_x;

	if (mem_grow(&p->xh, &cap, p->nx + 1, sizeof(*p->xh)) < 0)
		return -ENOMEM;
	cap = p->cap_x;
	if (mem_grow(&p->xcol, &cap, p->nx + 1, sizeof(*p->xcol)) < 0)
		return -ENOMEM;
	p->cap_x = cap;
	p->xh[p->nx++] = h;
	return 0;
}

/* The x column of (v, h), or -1. */
static int64_t
xcol_of(const struct prob *p, vm_id v, host_id h)
{
	for (uint32_t i = p->xoff[v]; i < p->xoff[v + 1]; i++)
		if (p->xh[i] == h)
			return p->xcol[i];
	return -1;
}

static void
prob_done(struct prob *p)
{
	if (p->pin_on)
		for (uint32_t g = 0; g < p->c->n_groups; g++)
			u32map_done(&p->pin_on[g]);
	free(p->pin_on);
	free(p->scope);
	free(p->batch);
	free(p->free0);
	free(p->pin_ha);
	free(p->forced);
	free(p->cost);
	free(p->xoff);
	free(p->xh);
	free(p->xcol);
	free(p->ycol);
	free(p->ucol);
	free(p->zoff);
	free(p->zh);
	free(p->zcol);
	mb_done(&p->m);
}

/* Pinned load, scope, eligibility: everything but the model. */
static int
prob_init(struct prob *p, const struct cluster *c, const vm_id *batch,
    uint32_t n_batch, const struct assign_opts *o)
{
	size_t nh = c->n_hosts ? c->n_hosts : 1, nv = c->n_vms ? c->n_vms : 1;
	size_t ng = c->n_groups ? c->n_groups : 1;

	memset(p, 0, sizeof(*p));
	p->c = c;
	p->o = o;
	p->mode_migr = o->target_hosts > 0;
	p->scope = calloc(nv, sizeof(*p->scope));
	p->batch = calloc(nv, sizeof(*p->batch));
	p->free0 = calloc(nh, sizeof(*p->free0));
	p->pin_ha = calloc(nh, sizeof(*p->pin_ha));
	p->forced = calloc(nh, sizeof(*p->forced));
	p->cost = malloc(nh * sizeof(*p->cost));
	p->pin_on = calloc(ng, sizeof(*p->pin_on));
	p->xoff = calloc(nv + 1, sizeof(*p->xoff));
	p->ycol = malloc(nh * sizeof(*p->ycol));
	p->ucol = malloc(nv * sizeof(*p->ucol));
	p->zoff = calloc(ng + 1, sizeof(*p->zoff));
	if (!p->scope || !p->batch || !p->free0 || !p->pin_ha || !p->forced ||
	    !p->cost || !p->pin_on || !p->xoff || !p->ycol || !p->ucol ||
	    !p->zoff)
		return -ENOMEM;
	for (uint32_t g = 0; g < c->n_groups; g++)
		u32map_init(&p->pin_on[g]);
	for (host_id h = 0; h < c->n_hosts; h++) {
		p->cost[h] = o->host_cost ? o->host_cost[h] : 1.0;
		if (!(p->cost[h] > 0) || !isfinite(p->cost[h]))
			return -EINVAL;
		p->free0[h] = cluster_host(c, h)->limit;
		p->ycol[h] = -1;
	}
	for (uint32_t i = 0; i < n_batch; i++) {
		vm_id v = batch[i];

		if (v >= c->n_vms || cluster_vm(c, v)->host != HOST_NONE ||
		    (cluster_vm(c, v)->state != VM_PENDING &&
			cluster_vm(c, v)->state != VM_QUEUED))
			return -EINVAL;
		p->scope[v] = p->batch[v] = true;
	}
	for (vm_id v = 0; v < c->n_vms; v++) {
		const struct vm *vm = cluster_vm(c, v);
		uint32_t n = 0;

		p->ucol[v] = -1;
		if (vm->host == HOST_NONE)
			continue;
		if (o->consolidate) {
			p->scope[v] = true;
			p->n_running++;
			continue;
		}
		/* Pinned: holds its host's capacity. */
		for (int d = 0; d < RES_NDIM; d++) {
			p->free0[vm->host].v[d] -= vm->demand.v[d];
			if (vm->ha)
				p->pin_ha[vm->host].v[d] += vm->demand.v[d];
		}
		p->forced[vm->host] = true;
		for (int k = 0; k < 2; k++) {
			group_id g = k ? vm->anti_affinity : vm->affinity;

			if (g == GROUP_NONE)
				continue;
			u32map_get(&p->pin_on[g], vm->host, &n);
			if (u32map_set(&p->pin_on[g], vm->host, n + 1) < 0)
				return -ENOMEM;
		}
	}
	for (host_id h = 0; h < c->n_hosts; h++)
		for (int d = 0; d < RES_NDIM; d++)
			if (p->free0[h].v[d] < 0)
				p->free0[h].v[d] = 0;
	if (o->warm)
		for (vm_id v = 0; v < c->n_vms; v++)
			if (o->warm[v] != HOST_NONE && o->warm[v] >= c->n_hosts)
				return -EINVAL;
	return 0;
}

struct hclass {
	host_id h;
};

/* Hosts that are interchangeable in the model: same limit, labels, cost,
 * up, nothing pinned, no scope VM running there. */
static int
cmp_host_class(const void *a, const void *b, void *arg)
{
	const struct prob *p = arg;
	host_id x = *(const host_id *)a, y = *(const host_id *)b;
	const struct host *hx = cluster_host(p->c, x),
			  *hy = cluster_host(p->c, y);
	int r = memcmp(&hx->limit, &hy->limit, sizeof(hx->limit));

	if (r)
		return r;
	if (p->cost[x] != p->cost[y])
		return p->cost[x] < p->cost[y] ? -1 : 1;
	if (hx->labels.n != hy->labels.n)
		return hx->labels.n < hy->labels.n ? -1 : 1;
	for (uint32_t i = 0; i < hx->labels.n; i++) {
		const char *v = labels_get(&hy->labels, hx->labels.v[i].key);

		if (!v)
			return 1;
		r = strcmp(hx->labels.v[i].value, v);
		if (r)
			return r;
	}
	return x < y ? -1 : x > y;
}

static bool
same_class(const struct prob *p, host_id x, host_id y)
{
	const struct host *hx = cluster_host(p->c, x),
			  *hy = cluster_host(p->c, y);

	if (memcmp(&hx->limit, &hy->limit, sizeof(hx->limit)) ||
	    p->cost[x] != p->cost[y] || hx->labels.n != hy->labels.n)
		return false;
	for (uint32_t i = 0; i < hx->labels.n; i++) {
		const char *v = labels_get(&hy->labels, hx->labels.v[i].key);

		if (!v || strcmp(v, hx->labels.v[i].value))
			return false;
	}
	return true;
}

static int
build(struct prob *p)
{
	const struct cluster *c = p->c;
	const struct assign_opts *o = p->o;
	struct mb *m = &p->m;
	uint32_t *cols = NULL, *hosts_cls = NULL, ncls = 0;
	double *vals = NULL, sum_cost = 0, min_cost = DBL_MAX;
	bool *running_here = NULL;
	uint32_t vars_max = o->vars_max ? o->vars_max : VARS_MAX_DEFAULT;

	/* CBC cannot be interrupted while it solves the root LP: keep the
	 * model to what it can start on within the limit. */
	if (o->clk && o->limit_ns) {
		double cap = X_PER_SECOND * (double)o->limit_ns / 1e9;

		if (cap < vars_max)
			vars_max = cap < X_MIN ? X_MIN : (uint32_t)cap;
	}
	size_t scratch;
	int64_t col;
	int r = -ENOMEM;

	running_here =
	    calloc(c->n_hosts ? c->n_hosts : 1, sizeof(*running_here));
	hosts_cls = malloc((c->n_hosts ? c->n_hosts : 1) * sizeof(*hosts_cls));
	if (!running_here || !hosts_cls)
		goto out;
	for (host_id h = 0; h < c->n_hosts; h++) {
		sum_cost += p->cost[h];
		if (p->cost[h] < min_cost)
			min_cost = p->cost[h];
	}
	if (p->mode_migr) {
		p->P = p->n_running + 2.0;
		p->eps = 1.0 / (2.0 * (sum_cost + 1.0));
	} else {
		p->P = sum_cost + 1.0;
		p->eps = (c->n_hosts ? min_cost : 1.0) /
		    (2.0 * (p->n_running + 1.0));
	}
	/* x: eligible pairs; affinity groups restricted to common hosts. */
	for (vm_id v = 0; v < c->n_vms; v++) {
		p->xoff[v] = p->nx;
		if (!p->scope[v])
			continue;
		if (cluster_vm(c, v)->host != HOST_NONE)
			running_here[cluster_vm(c, v)->host] = true;
		for (host_id h = 0; h < c->n_hosts; h++) {
			if (!eligible(p, v, h))
				continue;
			if (p->nx >= vars_max) {
				r = -E2BIG;
				goto out;
			}
			if (add_x(p, h) < 0)
				goto out;
		}
	}
	p->xoff[c->n_vms] = p->nx;
	for (uint32_t i = 0; i < p->nx; i++)
		p->xcol[i] = UINT32_MAX;
	/* Row scratch: the longest row is the N+1 total over every x. */
	scratch = (size_t)p->nx + c->n_vms + c->n_hosts + 8;
	cols = malloc(scratch * sizeof(*cols));
	vals = malloc(scratch * sizeof(*vals));
	if (!cols || !vals)
		goto out;
	for (vm_id v = 0; v < c->n_vms; v++) {
		host_id cur = cluster_vm(c, v)->host;

		for (uint32_t i = p->xoff[v]; i < p->xoff[v + 1]; i++) {
			double obj = 0;

			if (cur != HOST_NONE && p->xh[i] == cur)
				obj = p->mode_migr ? -1.0 : -p->eps;
			col = mb_col(m, 0, 1, obj, true);
			if (col < 0)
				goto out;
			p->xcol[i] = (uint32_t)col;
		}
		if (p->batch[v]) {
			col = mb_col(m, 0, 1, p->P, true);
			if (col < 0)
				goto out;
			p->ucol[v] = col;
		}
	}
	/* y: hosts that can be used. */
	for (host_id h = 0; h < c->n_hosts; h++) {
		bool any = p->forced[h];

		for (uint32_t i = 0; i < p->nx && !any; i++)
			any = p->xh[i] == h;
		if (!any)
			continue;
		col = mb_col(m, p->forced[h] ? 1 : 0, 1,
		    p->mode_migr ? p->eps * p->cost[h] : p->cost[h], true);
		if (col < 0)
			goto out;
		p->ycol[h] = col;
	}
	/* One placement per VM (or unplaced, for the batch). */
	for (vm_id v = 0; v < c->n_vms; v++) {
		uint32_t n = 0;

		if (!p->scope[v])
			continue;
		for (uint32_t i = p->xoff[v]; i < p->xoff[v + 1]; i++) {
			cols[n] = p->xcol[i];
			vals[n++] = 1;
		}
		if (p->ucol[v] >= 0) {
			cols[n] = (uint32_t)p->ucol[v];
			vals[n++] = 1;
		}
		if (mb_row(m, n, cols, vals, 1, 1) < 0)
			goto out;
	}
	/* Capacity per host and dimension, and x <= y. */
	for (host_id h = 0; h < c->n_hosts; h++) {
		uint32_t nxh = 0;

		if (p->ycol[h] < 0)
			continue;
		for (int d = 0; d < RES_NDIM; d++) {
			uint32_t n = 0;
			int64_t sum = 0;

			for (vm_id v = 0; v < c->n_vms; v++) {
				int64_t xc = xcol_of(p, v, h);

				if (xc < 0 ||
				    cluster_vm(c, v)->demand.v[d] == 0)
					continue;
				cols[n] = (uint32_t)xc;
				vals[n++] =
				    (double)cluster_vm(c, v)->demand.v[d];
				sum += cluster_vm(c, v)->demand.v[d];
			}
			if (sum <= p->free0[h].v[d])
				continue; /* cannot bind */
			cols[n] = (uint32_t)p->ycol[h];
			vals[n++] = -(double)p->free0[h].v[d];
			if (mb_row(m, n, cols, vals, -DBL_MAX, 0) < 0)
				goto out;
		}
		for (vm_id v = 0; v < c->n_vms; v++) {
			int64_t xc = xcol_of(p, v, h);

			if (xc < 0)
				continue;
			cols[nxh] = (uint32_t)xc;
			vals[nxh++] = 1;
			if (p->nx <= LINK_ROWS_MAX) {
				uint32_t j2[2] = { (uint32_t)xc,
					(uint32_t)p->ycol[h] };
				double v2[2] = { 1, -1 };

				if (mb_row(m, 2, j2, v2, -DBL_MAX, 0) < 0)
					goto out;
			}
		}
		if (p->nx > LINK_ROWS_MAX && nxh > 0) {
			cols[nxh] = (uint32_t)p->ycol[h];
			vals[nxh] = -(double)nxh;
			if (mb_row(m, nxh + 1, cols, vals, -DBL_MAX, 0) < 0)
				goto out;
		}
	}
	/* Affinity: the placed members share the one host whose z[g,h] is
	 * set (a batch member may stay unplaced instead). Anti-affinity: at
	 * most one member per host. */
	for (group_id g = 0; g < c->n_groups; g++) {
		uint32_t members = 0, nzg = 0;

		p->zoff[g] = p->nz;
		for (vm_id v = 0; v < c->n_vms; v++)
			members +=
			    p->scope[v] && cluster_vm(c, v)->affinity == g;
		for (host_id h = 0; h < c->n_hosts; h++) {
			uint32_t n_aff = 0, n = 0;

			for (vm_id v = 0; v < c->n_vms; v++) {
				int64_t xc;

				if (!p->scope[v])
					continue;
				xc = xcol_of(p, v, h);
				if (xc < 0)
					continue;
				if (cluster_vm(c, v)->affinity == g)
					n_aff++;
				if (cluster_vm(c, v)->anti_affinity == g) {
					cols[n] = (uint32_t)xc;
					vals[n++] = 1;
				}
			}
			if (n >= 2 && mb_row(m, n, cols, vals, -DBL_MAX, 1) < 0)
				goto out;
			if (members < 2 || n_aff == 0)
				continue;
			{
				uint32_t cap = p->cap_z;

				col = mb_col(m, 0, 1, 0, true);
				if (col < 0)
					goto out;
				if (mem_grow(&p->zh, &cap, p->nz + 1,
					sizeof(*p->zh)) < 0)
					goto out;
				cap = p->cap_z;
				if (mem_grow(&p->zcol, &cap, p->nz + 1,
					sizeof(*p->zcol)) < 0)
					goto out;
				p->cap_z = cap;
				p->zh[p->nz] = h;
				p->zcol[p->nz++] = (uint32_t)col;
				nzg++;
			}
			for (vm_id v = 0; v < c->n_vms; v++) {
				int64_t xc;
				uint32_t j2[2];
				double v2[2] = { 1, -1 };

				if (!p->scope[v] ||
				    cluster_vm(c, v)->affinity != g)
					continue;
				xc = xcol_of(p, v, h);
				if (xc < 0)
					continue;
				j2[0] = (uint32_t)xc;
				j2[1] = (uint32_t)col;
				if (mb_row(m, 2, j2, v2, -DBL_MAX, 0) < 0)
					goto out;
			}
		}
		if (nzg >= 2) {
			uint32_t n = 0;

			for (uint32_t i = p->zoff[g]; i < p->nz; i++) {
				cols[n] = p->zcol[i];
				vals[n++] = 1;
			}
			if (mb_row(m, n, cols, vals, -DBL_MAX, 1) < 0)
				goto out;
		}
	}
	p->zoff[c->n_groups] = p->nz;
	/* The migration budget, or the host-count target. */
	if (o->consolidate && o->max_migrations != ASSIGN_UNLIMITED &&
	    o->max_migrations < p->n_running) {
		uint32_t n = 0;

		for (vm_id v = 0; v < c->n_vms; v++) {
			host_id cur = cluster_vm(c, v)->host;
			int64_t xc;

			if (!p->scope[v] || cur == HOST_NONE)
				continue;
			xc = xcol_of(p, v, cur);
			if (xc >= 0) {
				cols[n] = (uint32_t)xc;
				vals[n++] = 1;
			}
		}
		if (mb_row(m, n, cols, vals,
			(double)(p->n_running - o->max_migrations),
			DBL_MAX) < 0)
			goto out;
	}
	if (p->mode_migr) {
		uint32_t n = 0;

		for (host_id h = 0; h < c->n_hosts; h++)
			if (p->ycol[h] >= 0) {
				cols[n] = (uint32_t)p->ycol[h];
				vals[n++] = 1;
			}
		if (mb_row(m, n, cols, vals, -DBL_MAX, o->target_hosts) < 0)
			goto out;
	}
	/* N+1: for up host h and dimension d,
	 *   HA(h) <= sum over other up hosts of their free capacity
	 * with free = free0 - placed there. With t_d = demand placed on up
	 * hosts, this is linear:
	 *   sum_v (ha_v - 1) d_v x[v,h] + t_d <= F_d - free0(h) - pinHA(h). */
	for (int d = 0; d < RES_NDIM; d++)
		p->tcol[d] = -1;
	if (o->n_plus_one) {
		for (int d = 0; d < RES_NDIM; d++) {
			double F = 0;
			uint32_t n = 0;

			col = mb_col(m, 0, DBL_MAX, 0, false);
			if (col < 0)
				goto out;
			p->tcol[d] = col;
			for (host_id h = 0; h < c->n_hosts; h++)
				if (host_up(c, h))
					F += (double)p->free0[h].v[d];
			cols[n] = (uint32_t)col;
			vals[n++] = 1;
			for (vm_id v = 0; v < c->n_vms; v++) {
				if (cluster_vm(c, v)->demand.v[d] == 0)
					continue;
				for (uint32_t i = p->xoff[v];
				     i < p->xoff[v + 1]; i++) {
					if (!host_up(c, p->xh[i]))
						continue;
					cols[n] = p->xcol[i];
					vals[n++] = -(double)cluster_vm(c, v)
							 ->demand.v[d];
				}
			}
			if (mb_row(m, n, cols, vals, 0, 0) < 0)
				goto out;
			for (host_id h = 0; h < c->n_hosts; h++) {
				if (!host_up(c, h))
					continue;
				n = 0;
				cols[n] = (uint32_t)col;
				vals[n++] = 1;
				for (vm_id v = 0; v < c->n_vms; v++) {
					int64_t xc = xcol_of(p, v, h);
					const struct vm *vm = cluster_vm(c, v);

					if (xc < 0 || vm->ha ||
					    vm->demand.v[d] == 0)
						continue;
					cols[n] = (uint32_t)xc;
					vals[n++] = -(double)vm->demand.v[d];
				}
				if (mb_row(m, n, cols, vals, -DBL_MAX,
					F - (double)p->free0[h].v[d] -
					    (double)p->pin_ha[h].v[d]) < 0)
					goto out;
			}
		}
	}
	/* Symmetry: open identical empty hosts in id order. */
	for (host_id h = 0; h < c->n_hosts; h++)
		if (p->ycol[h] >= 0 && !p->forced[h] && !running_here[h] &&
		    host_up(c, h))
			hosts_cls[ncls++] = h;
	qsort_r(hosts_cls, ncls, sizeof(*hosts_cls), cmp_host_class, p);
	for (uint32_t i = 1; i < ncls; i++) {
		host_id a = hosts_cls[i - 1], b = hosts_cls[i];
		bool same_x = true;

		if (!same_class(p, a, b))
			continue;
		/* Only if the same VMs may go to both. */
		for (vm_id v = 0; v < c->n_vms && same_x; v++)
			if (p->scope[v])
				same_x = (xcol_of(p, v, a) < 0) ==
				    (xcol_of(p, v, b) < 0);
		if (same_x) {
			uint32_t j2[2] = { (uint32_t)p->ycol[a],
				(uint32_t)p->ycol[b] };
			double v2[2] = { 1, -1 };

			if (mb_row(m, 2, j2, v2, 0, DBL_MAX) < 0)
				goto out;
		}
	}
	r = 0;
out:
	free(cols);
	free(vals);
	free(running_here);
	free(hosts_cls);
	return r;
}

/* ---- plans ------------------------------------------------------------- */

/* The plan in x (column values), or -EINVAL if x does not give every
 * scope VM at most one host. */
static int
plan_from_x(const struct prob *p, const double *x, host_id *target)
{
	const struct cluster *c = p->c;

	for (vm_id v = 0; v < c->n_vms; v++) {
		target[v] = cluster_vm(c, v)->host;
		if (!p->scope[v])
			continue;
		target[v] = HOST_NONE;
		for (uint32_t i = p->xoff[v]; i < p->xoff[v + 1]; i++) {
			if (x[p->xcol[i]] < 0.5)
				continue;
			if (target[v] != HOST_NONE)
				return -EINVAL;
			target[v] = p->xh[i];
		}
		if (target[v] == HOST_NONE && !p->batch[v])
			return -EINVAL;
	}
	return 0;
}

struct eval {
	bool valid;
	uint32_t unplaced, migrations, hosts_used;
	double cost;
};

/* Checks a plan against every hard constraint by placing it VM by VM on
 * a what-if copy (pinned VMs first), and measures it. */
static int
evaluate(const struct prob *p, const host_id *target, struct eval *e)
{
	const struct cluster *c = p->c;
	bool *used = calloc(c->n_hosts ? c->n_hosts : 1, sizeof(*used));
	struct pstate s;
	int r;

	memset(e, 0, sizeof(*e));
	if (!used)
		return -ENOMEM;
	r = pstate_init(&s, c, false);
	if (r < 0) {
		free(used);
		return r;
	}
	e->valid = true;
	/* VMs that move (or are new) leave first; those that stay keep
	 * their place, even on a host that is not up. */
	for (vm_id v = 0; v < c->n_vms; v++)
		if (p->scope[v] && target[v] != cluster_vm(c, v)->host)
			pstate_move(&s, v, HOST_NONE);
	for (vm_id v = 0; v < c->n_vms && e->valid; v++) {
		if (!p->scope[v])
			continue;
		if (target[v] == HOST_NONE) {
			if (!p->batch[v])
				e->valid = false;
			e->unplaced++;
			continue;
		}
		if (pstate_check(&s, v, target[v]) != PSTATE_OK) {
			e->valid = false;
			break;
		}
		r = pstate_move(&s, v, target[v]);
		if (r < 0)
			goto out;
		if (cluster_vm(c, v)->host != HOST_NONE &&
		    cluster_vm(c, v)->host != target[v])
			e->migrations++;
	}
	if (e->valid) {
		s.n_plus_one = p->o->n_plus_one;
		e->valid = pstate_reserve_ok(&s);
	}
	for (vm_id v = 0; v < c->n_vms; v++)
		if (s.at[v] != HOST_NONE)
			used[s.at[v]] = true;
	for (host_id h = 0; h < c->n_hosts; h++)
		if (used[h]) {
			e->hosts_used++;
			e->cost += p->cost[h];
		}
	if (p->o->target_hosts && e->hosts_used > p->o->target_hosts)
		e->valid = false;
	if (p->o->consolidate && p->o->max_migrations != ASSIGN_UNLIMITED &&
	    e->migrations > p->o->max_migrations)
		e->valid = false;
	r = 0;
out:
	pstate_done(&s);
	free(used);
	return r;
}

struct vkey {
	double size;
	vm_id v;
};

static int
cmp_vkey(const void *a, const void *b)
{
	const struct vkey *x = a, *y = b;

	if (x->size != y->size)
		return x->size > y->size ? -1 : 1;
	return x->v < y->v ? -1 : x->v > y->v;
}

/*
 * from[] with the unplaced batch VMs packed largest first, each on the
 * fullest host already in use that takes it, else on the unused host
 * with the lowest cost per unit of capacity (per_unit) or the lowest
 * cost that does: a cost-aware best fit decreasing, into out[]. Per unit
 * suits big VMs, cheapest suits spread (anti-affinity) groups.
 */
static int
cost_bfd(const struct prob *p, const host_id *from, bool per_unit, host_id *out)
{
	const struct cluster *c = p->c;
	struct vkey *vk = malloc((c->n_vms ? c->n_vms : 1) * sizeof(*vk));
	struct vkey *hk = malloc((c->n_hosts ? c->n_hosts : 1) * sizeof(*hk));
	bool *open = calloc(c->n_hosts ? c->n_hosts : 1, sizeof(*open));
	double maxlim[RES_NDIM] = { 0 };
	uint32_t nv = 0;
	struct pstate s;
	int r = -ENOMEM;

	if (!vk || !hk || !open)
		goto out_free;
	r = pstate_init(&s, c, p->o->n_plus_one);
	if (r < 0)
		goto out_free;
	for (vm_id v = 0; v < c->n_vms && r == 0; v++)
		r = pstate_move(&s, v, from[v]);
	if (r < 0)
		goto out;
	for (host_id h = 0; h < c->n_hosts; h++)
		for (int d = 0; d < RES_NDIM; d++)
			if ((double)cluster_host(c, h)->limit.v[d] > maxlim[d])
				maxlim[d] =
				    (double)cluster_host(c, h)->limit.v[d];
	for (host_id h = 0; h < c->n_hosts; h++) {
		double capn = 0;

		for (int d = 0; d < RES_NDIM; d++)
			if (maxlim[d] > 0)
				capn += (double)cluster_host(c, h)->limit.v[d] /
				    maxlim[d];
		hk[h] = (struct vkey){ per_unit
			    ? (capn > 0 ? -p->cost[h] / capn : 0)
			    : -p->cost[h],
			h };
	}
	/* Ascending cost (per capacity) = descending -cost. */
	qsort(hk, c->n_hosts, sizeof(*hk), cmp_vkey);
	for (vm_id v = 0; v < c->n_vms; v++) {
		if (s.at[v] != HOST_NONE)
			open[s.at[v]] = true;
		if (!p->batch[v] || s.at[v] != HOST_NONE)
			continue;
		vk[nv].size = 0;
		for (int d = 0; d < RES_NDIM; d++)
			if (maxlim[d] > 0)
				vk[nv].size +=
				    (double)cluster_vm(c, v)->demand.v[d] /
				    maxlim[d];
		vk[nv++].v = v;
	}
	qsort(vk, nv, sizeof(*vk), cmp_vkey);
	for (uint32_t i = 0; i < nv && r == 0; i++) {
		vm_id v = vk[i].v;
		host_id pick = HOST_NONE;
		double pick_room = 0;

		for (host_id h = 0; h < c->n_hosts; h++) {
			struct res f;
			double room = 0;

			if (!open[h] || pstate_check(&s, v, h) != PSTATE_OK)
				continue;
			pstate_free(&s, h, &f);
			for (int d = 0; d < RES_NDIM; d++)
				if (maxlim[d] > 0)
					room += (double)f.v[d] / maxlim[d];
			if (pick == HOST_NONE || room < pick_room) {
				pick = h;
				pick_room = room;
			}
		}
		for (host_id k = 0; pick == HOST_NONE && k < c->n_hosts; k++)
			if (!open[hk[k].v] &&
			    pstate_check(&s, v, hk[k].v) == PSTATE_OK)
				pick = hk[k].v;
		if (pick == HOST_NONE)
			continue;
		open[pick] = true;
		r = pstate_move(&s, v, pick);
	}
	if (r == 0)
		memcpy(out, s.at, c->n_vms * sizeof(*out));
out:
	pstate_done(&s);
out_free:
	free(vk);
	free(hk);
	free(open);
	return r;
}

/* from[] with every unplaced batch VM put on the first host that takes
 * it (VM order, every constraint including N+1), into out[]. */
static int
first_fit(const struct prob *p, const host_id *from, host_id *out)
{
	const struct cluster *c = p->c;
	struct pstate s;
	int r = pstate_init(&s, c, p->o->n_plus_one);

	if (r < 0)
		return r;
	for (vm_id v = 0; v < c->n_vms && r == 0; v++)
		r = pstate_move(&s, v, from[v]);
	for (vm_id v = 0; v < c->n_vms && r == 0; v++) {
		if (!p->batch[v] || s.at[v] != HOST_NONE)
			continue;
		for (host_id h = 0; h < c->n_hosts; h++)
			if (pstate_check(&s, v, h) == PSTATE_OK) {
				r = pstate_move(&s, v, h);
				break;
			}
	}
	if (r == 0)
		memcpy(out, s.at, c->n_vms * sizeof(*out));
	pstate_done(&s);
	return r;
}

static double
objective_of(const struct prob *p, const struct eval *e)
{
	return p->mode_migr ? (double)e->migrations : e->cost;
}

/* Lexicographic: fewer unplaced, then the objective. */
static bool
better(const struct prob *p, const struct eval *a, const struct eval *b)
{
	if (!b->valid)
		return a->valid;
	if (!a->valid)
		return false;
	if (a->unplaced != b->unplaced)
		return a->unplaced < b->unplaced;
	return objective_of(p, a) < objective_of(p, b) - 1e-9;
}

/*
 * The solver's objective value (or bound) B as a bound on this plan's
 * objective among plans with as many unplaced VMs u. Minimising cost the
 * solver adds P u and subtracts eps per VM that stays, so cost >= B - P u.
 * Minimising migrations m it minimises m - running + P u + eps' cost with
 * eps' cost < 1/2, so m > B + running - P u - 1/2.
 */
static double
bound_from(const struct prob *p, double solver_obj, uint32_t unplaced)
{
	double b = solver_obj - p->P * unplaced;

	if (p->mode_migr)
		b += p->n_running - 0.5;
	return b;
}

/*
 * A model bound above this proves that no plan leaves fewer than u batch
 * VMs unplaced. Minimising cost (P = total cost + 1), a plan with u - 1
 * unplaced has an objective of at most total cost + P (u - 1) = P u - 1.
 * Minimising migrations (P = running + 2), at most P (u - 1) + 1/2.
 */
static double
unplaced_threshold(const struct prob *p, uint32_t u)
{
	if (u == 0)
		return -DBL_MAX;
	if (p->mode_migr)
		return p->P * (u - 1) + 0.5;
	return p->P * u - 1 + 1e-6;
}

struct cover {
	double ratio, cap, cost;
};

/* Can host h hold anything in a plan: up, or keeping its VMs? */
static bool
usable(const struct prob *p, host_id h)
{
	if (p->forced[h] || host_up(p->c, h))
		return true;
	for (vm_id v = 0; v < p->c->n_vms; v++)
		if (p->scope[v] && cluster_vm(p->c, v)->host == h)
			return true;
	return false;
}

/* Fractional covering bound on host cost when every VM is placed: in each
 * dimension, the cheapest capacity (by cost per unit) that holds the
 * demand, on top of the hosts forced on; with identical hosts and nothing
 * pinned, also the bin-packing bounds times the host cost. */
static double
comb_bound(const struct prob *p)
{
	const struct cluster *c = p->c;
	struct cover *hs = malloc((c->n_hosts ? c->n_hosts : 1) * sizeof(*hs));
	double forced = 0, best = 0;
	bool identical = true;
	host_id first = HOST_NONE;

	if (!hs)
		return -1;
	for (host_id h = 0; h < c->n_hosts; h++) {
		if (p->forced[h])
			forced += p->cost[h];
		if (!usable(p, h) || p->forced[h])
			continue;
		if (first == HOST_NONE)
			first = h;
		else if (memcmp(&p->free0[h], &p->free0[first],
			     sizeof(p->free0[h])) ||
		    p->cost[h] != p->cost[first])
			identical = false;
	}
	for (int d = 0; d < RES_NDIM; d++) {
		double need = 0, got = 0;
		uint32_t n = 0;

		for (vm_id v = 0; v < c->n_vms; v++)
			if (p->scope[v])
				need += (double)cluster_vm(c, v)->demand.v[d];
		for (host_id h = 0; h < c->n_hosts; h++) {
			double cap = (double)p->free0[h].v[d];

			if (!usable(p, h))
				continue;
			if (p->forced[h]) {
				need -= cap;
				continue;
			}
			if (cap > 0)
				hs[n++] = (struct cover){ p->cost[h] / cap, cap,
					p->cost[h] };
		}
		while (need > 1e-9 && n > 0) {
			uint32_t k = 0;

			for (uint32_t i = 1; i < n; i++)
				if (hs[i].ratio < hs[k].ratio)
					k = i;
			if (hs[k].cap >= need) {
				got += hs[k].cost * need / hs[k].cap;
				need = 0;
			} else {
				got += hs[k].cost;
				need -= hs[k].cap;
			}
			hs[k] = hs[--n];
		}
		if (got > best)
			best = got;
	}
	free(hs);
	if (identical && forced == 0 && first != HOST_NONE) {
		int64_t cap[RES_NDIM];
		uint32_t dims = 0, map[RES_NDIM];
		struct instance *in = NULL;
		struct bpp *bp = NULL;
		struct bounds bd;

		for (int d = 0; d < RES_NDIM; d++)
			if (p->free0[first].v[d] > 0 &&
			    p->free0[first].v[d] <= INSTANCE_VALUE_MAX) {
				map[dims] = (uint32_t)d;
				cap[dims++] = p->free0[first].v[d];
			}
		if (dims > 0 && instance_new(dims, cap, &in) == 0) {
			bool ok = true;

			for (vm_id v = 0; v < c->n_vms && ok; v++) {
				int64_t s[RES_NDIM];

				if (!p->scope[v])
					continue;
				for (uint32_t k = 0; k < dims; k++)
					s[k] =
					    cluster_vm(c, v)->demand.v[map[k]];
				ok = instance_add(in, s, 1) == 0;
			}
			if (ok && bpp_from_instance(in, &bp) == 0 &&
			    bounds_compute(bp, &bd) == 0 &&
			    (double)bd.best * p->cost[first] > best)
				best = (double)bd.best * p->cost[first];
			bpp_free(bp);
			instance_free(in);
		}
	}
	return forced + best;
}

static bool
integral_costs(const struct prob *p)
{
	for (host_id h = 0; h < p->c->n_hosts; h++)
		if (p->cost[h] != floor(p->cost[h]))
			return false;
	return true;
}

const char *
assign_status_name(enum assign_status s)
{
	switch (s) {
	case ASSIGN_OPTIMAL:
		return "optimal";
	case ASSIGN_LIMIT:
		return "time limit";
	case ASSIGN_HEURISTIC:
		return "heuristic";
	case ASSIGN_INFEASIBLE:
		return "infeasible";
	}
	return "?";
}

void
assign_result_done(struct assign_result *r)
{
	free(r->target);
	memset(r, 0, sizeof(*r));
}

/* Sets CBC's column names (unique: a repeated name makes CBC drop the
 * warm start without a word) and the warm start from target. */
static int
warm_start(const struct prob *p, Cbc_Model *cbc, const host_id *target)
{
	const struct cluster *c = p->c;
	uint32_t n = 0, cap = p->m.ncol ? p->m.ncol : 1;
	int *idx = malloc(cap * sizeof(*idx));
	double *val = malloc(cap * sizeof(*val));
	bool *used = calloc(c->n_hosts ? c->n_hosts : 1, sizeof(*used));
	char name[NAME_LEN];

	if (!idx || !val || !used) {
		free(idx);
		free(val);
		free(used);
		return -ENOMEM;
	}
	for (vm_id v = 0; v < c->n_vms; v++)
		for (uint32_t i = p->xoff[v]; i < p->xoff[v + 1]; i++) {
			snprintf(name, sizeof(name), "x%u_%u", v, p->xh[i]);
			Cbc_setColName(cbc, (int)p->xcol[i], name);
		}
	for (host_id h = 0; h < c->n_hosts; h++)
		if (p->ycol[h] >= 0) {
			snprintf(name, sizeof(name), "y%u", h);
			Cbc_setColName(cbc, (int)p->ycol[h], name);
		}
	for (vm_id v = 0; v < c->n_vms; v++)
		if (p->ucol[v] >= 0) {
			snprintf(name, sizeof(name), "u%u", v);
			Cbc_setColName(cbc, (int)p->ucol[v], name);
		}
	for (group_id g = 0; g < c->n_groups; g++)
		for (uint32_t i = p->zoff[g]; i < p->zoff[g + 1]; i++) {
			snprintf(name, sizeof(name), "z%u_%u", g, p->zh[i]);
			Cbc_setColName(cbc, (int)p->zcol[i], name);
		}
	for (int d = 0; d < RES_NDIM; d++)
		if (p->tcol[d] >= 0) {
			snprintf(name, sizeof(name), "t%d", d);
			Cbc_setColName(cbc, (int)p->tcol[d], name);
		}
	if (target) {
		for (vm_id v = 0; v < c->n_vms; v++) {
			int64_t xc;

			if (!p->scope[v])
				continue;
			if (target[v] == HOST_NONE) {
				if (p->ucol[v] >= 0) {
					idx[n] = (int)p->ucol[v];
					val[n++] = 1;
				}
				continue;
			}
			xc = xcol_of(p, v, target[v]);
			if (xc < 0)
				goto skip; /* not expressible: no warm start */
			idx[n] = (int)xc;
			val[n++] = 1;
			used[target[v]] = true;
		}
		for (host_id h = 0; h < c->n_hosts; h++)
			if (p->ycol[h] >= 0 && (used[h] || p->forced[h])) {
				idx[n] = (int)p->ycol[h];
				val[n++] = 1;
			}
		for (group_id g = 0; g < c->n_groups; g++)
			for (uint32_t i = p->zoff[g]; i < p->zoff[g + 1]; i++)
				for (vm_id v = 0; v < c->n_vms; v++)
					if (p->scope[v] &&
					    cluster_vm(c, v)->affinity == g &&
					    target[v] == p->zh[i]) {
						idx[n] = (int)p->zcol[i];
						val[n++] = 1;
						break;
					}
		Cbc_setMIPStartI(cbc, (int)n, idx, val);
	}
skip:
	free(idx);
	free(val);
	free(used);
	return 0;
}

int
assign_solve(const struct cluster *c, const vm_id *batch, uint32_t n_batch,
    const struct assign_opts *o, struct assign_result *ret)
{
	struct assign_result res;
	struct prob p;
	struct deadline dl;
	struct csc csc = { 0 };
	struct eval cur_e, cand_e;
	host_id *cand = NULL;
	Clp_Simplex *lp = NULL;
	Cbc_Model *cbc = NULL;
	double solver_bound = -DBL_MAX;
	double lp_value = 0;
	bool have_model = false, have_lp = false, proven_inf = false;
	int r;

	memset(&res, 0, sizeof(res));
	deadline_init(&dl, o->clk, o->limit_ns);
	r = prob_init(&p, c, batch, n_batch, o);
	if (r < 0)
		goto fail;
	res.n_vms = c->n_vms;
	res.target = malloc((c->n_vms ? c->n_vms : 1) * sizeof(*res.target));
	cand = malloc((c->n_vms ? c->n_vms : 1) * sizeof(*cand));
	if (!res.target || !cand) {
		r = -ENOMEM;
		goto fail;
	}
	/* The incumbent: the warm start if it is valid, else the current
	 * placement with the batch unplaced. */
	for (vm_id v = 0; v < c->n_vms; v++)
		res.target[v] = cluster_vm(c, v)->host;
	r = evaluate(&p, res.target, &cur_e);
	if (r < 0)
		goto fail;
	res.warm_objective = -1;
	if (o->warm) {
		for (vm_id v = 0; v < c->n_vms; v++)
			cand[v] =
			    p.scope[v] ? o->warm[v] : cluster_vm(c, v)->host;
		r = evaluate(&p, cand, &cand_e);
		if (r < 0)
			goto fail;
		if (cand_e.valid)
			res.warm_objective = objective_of(&p, &cand_e);
		if (better(&p, &cand_e, &cur_e)) {
			memcpy(res.target, cand, c->n_vms * sizeof(*cand));
			cur_e = cand_e;
		}
	}
	/* A first fit of the batch, so there is a fair incumbent even
	 * without a warm start. */
	r = first_fit(&p, res.target, cand);
	if (r < 0)
		goto fail;
	r = evaluate(&p, cand, &cand_e);
	if (r < 0)
		goto fail;
	if (better(&p, &cand_e, &cur_e)) {
		memcpy(res.target, cand, c->n_vms * sizeof(*cand));
		cur_e = cand_e;
	}
	/* And a cost-aware best fit decreasing of the batch, followed (when
	 * running VMs may move) by the greedy emptying of hosts. */
	for (int rule = 0; rule < 2; rule++) {
		for (vm_id v = 0; v < c->n_vms; v++)
			cand[v] = cluster_vm(c, v)->host;
		r = cost_bfd(&p, cand, rule == 0, cand);
		if (r < 0)
			goto fail;
		r = evaluate(&p, cand, &cand_e);
		if (r < 0)
			goto fail;
		if (better(&p, &cand_e, &cur_e)) {
			memcpy(res.target, cand, c->n_vms * sizeof(*cand));
			cur_e = cand_e;
		}
	}
	/* Then empty what hosts the greedy can: new VMs move freely, running
	 * ones within the budget (none unless consolidating). */
	{
		uint32_t migr;

		r = consolidate_greedy(c, res.target,
		    o->consolidate ? o->max_migrations : 0, o->n_plus_one, cand,
		    &migr);
		if (r < 0)
			goto fail;
		r = evaluate(&p, cand, &cand_e);
		if (r < 0)
			goto fail;
		if (better(&p, &cand_e, &cur_e)) {
			memcpy(res.target, cand, c->n_vms * sizeof(*cand));
			cur_e = cand_e;
		}
	}
	res.status = ASSIGN_HEURISTIC;
	res.lp_bound = -1;
	r = build(&p);
	if (r == -E2BIG) {
		r = 0; /* too large for the ILP: heuristic + bounds */
	} else if (r < 0) {
		goto fail;
	} else {
		have_model = true;
	}
	res.vars = p.m.ncol;
	res.rows = p.m.nrow;
	if (have_model) {
		r = mb_csc(&p.m, &csc);
		if (r < 0)
			goto fail;
	}
	if (have_model && p.nx <= LP_VARS_MAX) {
		/* The LP relaxation, for the report (CBC's bound covers it
		 * on larger models). */
		lp = Clp_newModel();
		if (!lp) {
			r = -ENOMEM;
			goto fail;
		}
		Clp_setLogLevel(lp, o->verbose ? 1 : 0);
		Clp_loadProblem(lp, (int)p.m.ncol, (int)p.m.nrow, csc.start,
		    csc.index, csc.value, p.m.lb, p.m.ub, p.m.obj, p.m.rlo,
		    p.m.rup);
		if (dl.limited)
			Clp_setMaximumSeconds(lp, deadline_left_s(&dl) / 4);
		/* Dual simplex from the slack basis: Clp's automatic choice
		 * may take the Idiot crash, which crashes on big models. */
		Clp_dual(lp, 0);
		if (Clp_status(lp) == 0) {
			lp_value = Clp_objectiveValue(lp);
			have_lp = true;
		} else if (Clp_status(lp) == 1)
			proven_inf = true;
		Clp_deleteModel(lp);
		lp = NULL;
	}
	if (have_model && !proven_inf && !deadline_passed(&dl)) {
		char secs[32];

		cbc = Cbc_newModel();
		if (!cbc) {
			r = -ENOMEM;
			goto fail;
		}
		Cbc_loadProblem(cbc, (int)p.m.ncol, (int)p.m.nrow, csc.start,
		    csc.index, csc.value, p.m.lb, p.m.ub, p.m.obj, p.m.rlo,
		    p.m.rup);
		for (uint32_t j = 0; j < p.m.ncol; j++)
			if (p.m.isint[j])
				Cbc_setInteger(cbc, (int)j);
		r = warm_start(&p, cbc, cur_e.valid ? res.target : NULL);
		if (r < 0)
			goto fail;
		Cbc_setLogLevel(cbc, o->verbose ? 1 : 0);
		Cbc_setParameter(cbc, "timeMode", "elapsed");
		/* CBC 2.10 can crash in CglPreProcess::postProcess when the
		 * time limit strikes (seen under ASan): no preprocessing. */
		Cbc_setParameter(cbc, "preprocess", "off");
		/* Its Idiot crash + crossover for big root LPs crashes too
		 * (ClpPresolve inside Idiot::crossOver, 300+ VMs): plain
		 * dual simplex instead. */
		Cbc_setParameter(cbc, "idiotCrash", "0");
		Cbc_setParameter(cbc, "sprintCrash", "0");
		Cbc_setParameter(cbc, "presolve", "off");
		if (dl.limited) {
			/* CBC overshoots a little while it winds down. */
			double left = deadline_left_s(&dl) * 0.92 - 0.02;

			snprintf(secs, sizeof(secs), "%.3f",
			    left > 0.01 ? left : 0.01);
			Cbc_setParameter(cbc, "seconds", secs);
		}
		Cbc_solve(cbc);
		/* Stopped early, CBC may call a model infeasible that is not:
		 * believe it only when the search finished. */
		proven_inf =
		    Cbc_status(cbc) == 0 && Cbc_isProvenInfeasible(cbc);
		if (!proven_inf)
			solver_bound = Cbc_getBestPossibleObjValue(cbc);
		if (Cbc_bestSolution(cbc) &&
		    plan_from_x(&p, Cbc_bestSolution(cbc), cand) == 0) {
			r = evaluate(&p, cand, &cand_e);
			if (r < 0)
				goto fail;
			if (better(&p, &cand_e, &cur_e)) {
				memcpy(
				    res.target, cand, c->n_vms * sizeof(*cand));
				cur_e = cand_e;
			}
		}
		Cbc_deleteModel(cbc);
		cbc = NULL;
	}
	/* Measure and bound what we return. */
	res.placed = n_batch - cur_e.unplaced;
	res.unplaced = cur_e.unplaced;
	res.migrations = cur_e.migrations;
	res.hosts_used = cur_e.hosts_used;
	res.cost = cur_e.cost;
	res.objective = objective_of(&p, &cur_e);
	{
		/* The best proven bound on the model's objective. */
		double lb = -DBL_MAX;

		if (have_lp)
			lb = lp_value;
		if (solver_bound > lb)
			lb = solver_bound;
		res.unplaced_proven = cur_e.unplaced == 0 ||
		    (lb > -DBL_MAX &&
			lb > unplaced_threshold(&p, cur_e.unplaced));
		res.comb_bound = -1;
		if (!p.mode_migr && cur_e.unplaced == 0)
			res.comb_bound = comb_bound(&p);
		res.bound = 0;
		if (res.comb_bound > res.bound)
			res.bound = res.comb_bound;
		if (have_lp) {
			double b = bound_from(&p, lp_value, cur_e.unplaced);

			res.lp_bound = b > 0 ? b : 0;
		}
		if (lb > -DBL_MAX &&
		    bound_from(&p, lb, cur_e.unplaced) > res.bound)
			res.bound = bound_from(&p, lb, cur_e.unplaced);
	}
	if ((p.mode_migr || integral_costs(&p)) && res.bound > 0)
		res.bound = ceil(res.bound - 1e-6);
	if (res.bound > res.objective)
		res.bound = res.objective;
	if (proven_inf)
		res.status = ASSIGN_INFEASIBLE;
	else if (res.unplaced_proven &&
	    res.objective <= res.bound + 1e-6 * fmax(1, res.objective))
		res.status = ASSIGN_OPTIMAL;
	else if (have_model)
		res.status = ASSIGN_LIMIT;
	else
		res.status = ASSIGN_HEURISTIC;
	if (res.status == ASSIGN_OPTIMAL)
		res.bound = res.objective;
	res.gap =
	    res.objective > 0 ? (res.objective - res.bound) / res.objective : 0;
	res.seconds = deadline_elapsed_s(&dl);
	csc_done(&csc);
	free(cand);
	prob_done(&p);
	*ret = res;
	return 0;
fail:
	if (lp)
		Clp_deleteModel(lp);
	if (cbc)
		Cbc_deleteModel(cbc);
	csc_done(&csc);
	free(cand);
	free(res.target);
	prob_done(&p);
	return r;
}
