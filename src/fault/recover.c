/* recover.c - recovery planning by expected cost, placed on a private copy of the cluster. */
#include "fault/recover.h"

#include "core/mem.h"
#include "model/explain.h"

#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* The worlds a diagnosis weighs: no fault, or one of the causes. */
enum world {
	W_NONE,
	W_HW,
	W_PART,
	W_HYPER,
	W_GUEST,
	W_STORAGE,
	W_EXHAUST,
	W_N,
};

enum choice {
	C_WAIT,
	C_FENCE, /* host: fence, restart its HA VMs elsewhere */
	C_DRAIN, /* host: maintenance, live-migrate its VMs away */
	C_IN_PLACE, /* VM: restart on its host */
	C_MIGRATE, /* VM: live-migrate away */
	C_ELSEWHERE, /* VM: stop, restart on another host */
	C_N,
};

static const char *const choice_names[C_N] = { "wait", "fence", "drain",
	"restart in place", "migrate", "elsewhere" };

/* One decided incident. */
struct decision {
	const struct recover_incident *inc;
	enum choice ch;
	double cost[C_N]; /* NAN: not possible */
};

/* A VM to place in the final pass. */
struct pending {
	vm_id vm;
	host_id from;
	bool fenced; /* its host was fenced: it may use the N+1 reserve */
	const struct decision *dec;
};

static const char *const kind_names[RECOVER_NKINDS] = {
	"fence",
	"stop",
	"restart",
	"restart-in-place",
	"drain",
	"migrate",
	"lost",
	"wait",
};

const char *
recover_kind_name(enum recover_kind k)
{
	return k < RECOVER_NKINDS ? kind_names[k] : "?";
}

void
recover_plan_init(struct recover_plan *p)
{
	memset(p, 0, sizeof(*p));
}

void
recover_plan_done(struct recover_plan *p)
{
	free(p->v);
	recover_plan_init(p);
}

void
recover_opts_default(struct recover_opts *o)
{
	memset(o, 0, sizeof(*o));
	o->costs = (struct recover_costs){
		.restart_s = 60,
		.migrate_s = 2,
		.fence_s = 15,
		.stop_s = 5,
		.recheck_s = 30,
		.repair_s = 19700,
		.degraded = 0.25,
	};
}

static int __attribute__((format(printf, 7, 8)))
add(struct recover_plan *p, enum recover_kind k, host_id h, host_id to, vm_id v,
    double cost, const char *fmt, ...)
{
	struct recover_action *a;
	va_list ap;
	int r;

	r = mem_grow(&p->v, &p->cap, p->n + 1, sizeof(*p->v));
	if (r < 0)
		return r;
	a = &p->v[p->n++];
	a->kind = k;
	a->host = h;
	a->to = to;
	a->vm = v;
	a->cost_s = cost;
	va_start(ap, fmt);
	vsnprintf(a->reason, sizeof(a->reason), fmt, ap);
	va_end(ap);
	return 0;
}

/* Weights of the worlds: P(no fault), then the causes' marginals scaled
 * to share the rest (the planner acts on the single most likely story per
 * world; docs/fault.md). */
static void
worlds(const struct fault_dx *dx, double w[W_N])
{
	double sum = 0, none = dx->p_none;

	for (int c = 0; c < FAULT_NCAUSES; c++)
		sum += dx->p[c];
	for (int i = 0; i < W_N; i++)
		w[i] = 0;
	if (!(sum > 0)) {
		w[W_NONE] = 1;
		return;
	}
	w[W_NONE] = none;
	for (int c = 0; c < FAULT_NCAUSES; c++)
		w[c + 1] = (1 - none) * dx->p[c] / sum;
}

/* "P(host-hardware)=0.81, P(host-partition)=0.19" (the likely ones). */
static void
describe_dx(const struct fault_dx *dx, char *out, size_t n)
{
	size_t off = 0;
	int shown = 0;

	int order[FAULT_NCAUSES];

	/* Sorted here: callers may fill p without rank. */
	for (int i = 0; i < FAULT_NCAUSES; i++) {
		int j = i;

		while (j > 0 && dx->p[order[j - 1]] < dx->p[i]) {
			order[j] = order[j - 1];
			j--;
		}
		order[j] = i;
	}
	out[0] = '\0';
	for (int i = 0; i < FAULT_NCAUSES && shown < 3; i++) {
		enum fault_cause c = (enum fault_cause)order[i];

		if (dx->p[c] < 0.01 && shown > 0)
			break;
		off += (size_t)snprintf(out + off, off < n ? n - off : 0,
		    "%sP(%s)=%.2f", shown ? ", " : "", fault_cause_name(c),
		    dx->p[c]);
		shown++;
	}
	if (dx->p_none >= 0.01 && off < n)
		snprintf(out + off, n - off, ", P(no fault)=%.2f", dx->p_none);
}

/* "fence 225 s, wait 245 s, drain 300 s": every possible choice. */
static void
describe_costs(const struct decision *dc, char *out, size_t n)
{
	size_t off = 0;
	bool first = true;

	out[0] = '\0';
	for (int c = 0; c < C_N && off < n; c++) {
		if (isnan(dc->cost[c]))
			continue;
		off += (size_t)snprintf(out + off, n - off, "%s%s %.0f s",
		    first ? "" : ", ", choice_names[c], dc->cost[c]);
		first = false;
	}
}

/* The planner's working state. */
struct planner {
	const struct recover_opts *o;
};

static bool
fits(struct planner *pl, const struct cluster *c, vm_id v, host_id t,
    host_id avoid, bool may_use_reserve)
{
	if (t >= c->n_hosts || t == avoid || t == cluster_vm(c, v)->host)
		return false;
	(void)pl;
	/* The cluster keeps the N+1 reserve (when switched on); restarts
	 * after a fence are what it is kept for. */
	if (may_use_reserve)
		return cluster_check_failover(c, v, t, NULL) == 0;
	return cluster_check(c, v, t, NULL) == 0;
}

/* A host for v in c other than avoid: the caller's strategy if it gives
 * an acceptable answer, else the first host that fits. */
static int
choose(struct planner *pl, const struct cluster *c, vm_id v, host_id avoid,
    bool may_use_reserve, host_id *ret)
{
	const struct vm *vm = cluster_vm(c, v);
	host_id h = 0;

	if (pl->o->place &&
	    pl->o->place(pl->o->place_ctx, c, v, avoid, &h) == 0 &&
	    fits(pl, c, v, h, avoid, may_use_reserve)) {
		*ret = h;
		return 0;
	}
	h = 0;
	while (
	    h < c->n_hosts && cluster_first_fit(c, &vm->demand, h, &h) == 0) {
		if (fits(pl, c, v, h, avoid, may_use_reserve)) {
			*ret = h;
			return 0;
		}
		h++;
	}
	return -ENOSPC;
}

/* Moves v to t in c (a restart after release, or a migration); failover
 * restarts may use the N+1 reserve. */
static int
move_vm(struct cluster *c, vm_id v, host_id t, bool failover)
{
	int r;

	if (cluster_vm(c, v)->host != HOST_NONE) {
		r = cluster_release(c, v, VM_PENDING);
		if (r < 0)
			return r;
	}
	return failover ? cluster_reserve_failover(c, v, t)
			: cluster_reserve(c, v, t);
}

/* The VMs on h, by priority (higher first), then id. */
static int
cmp_prio(const struct cluster *c, vm_id a, vm_id b)
{
	int32_t pa = cluster_vm(c, a)->priority,
		pb = cluster_vm(c, b)->priority;

	if (pa != pb)
		return pa > pb ? -1 : 1;
	return a < b ? -1 : a > b;
}

static void
sort_vms(const struct cluster *c, vm_id *v, uint32_t n)
{
	/* Insertion sort: stable, and host VM lists are short. */
	for (uint32_t i = 1; i < n; i++) {
		vm_id x = v[i];
		uint32_t j = i;

		while (j > 0 && cmp_prio(c, x, v[j - 1]) < 0) {
			v[j] = v[j - 1];
			j--;
		}
		v[j] = x;
	}
}

static int
vms_on(const struct cluster *c, host_id h, vm_id **ret, uint32_t *ret_n)
{
	const struct host *hs = cluster_host(c, h);
	vm_id *v = malloc((hs->n_vms ? hs->n_vms : 1) * sizeof(*v));
	uint32_t n = 0;

	if (!v)
		return -ENOMEM;
	for (vm_id u = hs->first_vm; u != VM_NONE && n < hs->n_vms;
	     u = cluster_vm(c, u)->next_on_host)
		v[n++] = u;
	sort_vms(c, v, n);
	*ret = v;
	*ret_n = n;
	return 0;
}

/* Fraction of a VM's service lost per second in world w (host view). */
static double
down(const struct recover_costs *k, enum world w)
{
	switch (w) {
	case W_NONE:
	case W_PART:
		return 0;
	case W_EXHAUST:
		return k->degraded;
	default:
		return 1;
	}
}

/* Per-VM cost of a host-level action in world w. x: the VM's cost after
 * a fence (restart_s if it finds a host, else repair_s); movable: a drain
 * can move it. C_WAIT here means "never act". */
static double
host_cost(const struct recover_costs *k, enum choice ch, enum world w, double x,
    bool movable)
{
	double q = k->recheck_s;

	switch (ch) {
	case C_FENCE:
		return k->fence_s + x;
	case C_DRAIN:
		switch (w) {
		case W_NONE:
			return movable ? k->migrate_s : 0;
		case W_HW: /* the drain fails: as if nothing was done */
			return k->repair_s;
		case W_PART:
			return 0;
		case W_HYPER:
		case W_GUEST: /* its VM incident restarts it */
			return q + k->restart_s;
		case W_STORAGE:
			return movable ? k->migrate_s
				       : q + k->stop_s + k->restart_s;
		default:
			return movable ? k->migrate_s
				       : k->degraded * k->repair_s;
		}
	default: /* never act */
		switch (w) {
		case W_NONE:
		case W_PART:
			return 0;
		case W_HW:
			return k->repair_s;
		case W_HYPER:
		case W_GUEST:
			return q + k->restart_s;
		case W_STORAGE:
			return q + k->stop_s + k->restart_s;
		default:
			return k->degraded * k->repair_s;
		}
	}
}

/* Cost of a VM-level action in world w; exited: its QEMU is gone. C_WAIT
 * here means "never act". */
static double
vm_cost(
    const struct recover_costs *k, enum choice ch, enum world w, bool exited)
{
	double q = k->recheck_s, r = k->restart_s, s = k->stop_s;
	double m = k->migrate_s, g = k->degraded, f = k->fence_s;

	if (w == W_PART)
		return 0; /* unreachable: nothing happens, the VM runs */
	if (w == W_HW) /* the host is dead: its host incident decides */
		return q + f + r;
	switch (ch) {
	case C_IN_PLACE:
		switch (w) {
		case W_STORAGE: /* comes back to the same broken path */
			return r + q + s + r;
		case W_EXHAUST: /* comes back to the same crowded host */
			return r + g * q + m;
		default:
			return r;
		}
	case C_ELSEWHERE:
		return s + r;
	case C_MIGRATE:
		if (exited)
			return q + s + r;
		switch (w) {
		case W_NONE:
		case W_STORAGE:
		case W_EXHAUST:
			return m;
		default: /* a dead guest moves dead */
			return q + r;
		}
	default: /* never act */
		switch (w) {
		case W_NONE:
			return exited ? k->repair_s : 0;
		case W_EXHAUST:
			return exited ? k->repair_s : g * k->repair_s;
		default:
			return k->repair_s;
		}
	}
}

/* Expected cost of waiting one recheck period: the downtime meanwhile,
 * then the best action (or none) once "no fault" is ruled in or out. The
 * causes among themselves stay as uncertain as now. act[c][w] is the cost
 * of action c in world w (NAN: impossible). */
static double
wait_cost(const struct recover_costs *k, const double *w, double act[C_N][W_N])
{
	double e = 0, best = INFINITY;

	for (int i = 0; i < W_N; i++)
		e += w[i] * down(k, (enum world)i) * k->recheck_s;
	for (int c = 0; c < C_N; c++) {
		double f = 0;

		if (isnan(act[c][0]))
			continue;
		for (int i = W_NONE + 1; i < W_N; i++)
			f += w[i] * act[c][i];
		if (f < best)
			best = f;
	}
	return e + best;
}

/* Trial: fence h in t, restart its HA VMs elsewhere; placed[i] says which
 * of vms[0..n) found a host. */
static void
trial_fence(struct planner *pl, struct cluster *t, host_id h, const vm_id *vms,
    uint32_t n, bool *placed)
{
	cluster_set_host_state(t, h, HOST_DOWN);
	for (uint32_t i = 0; i < n; i++)
		cluster_release(t, vms[i], VM_PENDING);
	for (uint32_t i = 0; i < n; i++) {
		host_id to;

		placed[i] = false;
		if (!cluster_vm(t, vms[i])->ha)
			continue;
		if (choose(pl, t, vms[i], h, true, &to) == 0 &&
		    move_vm(t, vms[i], to, true) == 0)
			placed[i] = true;
	}
}

/* Trial: drain h in t by live migration; movable[i] as placed above. */
static void
trial_drain(struct planner *pl, struct cluster *t, host_id h, const vm_id *vms,
    uint32_t n, bool *movable)
{
	cluster_set_host_state(t, h, HOST_MAINTENANCE);
	for (uint32_t i = 0; i < n; i++) {
		host_id to;

		movable[i] = choose(pl, t, vms[i], h, false, &to) == 0 &&
		    move_vm(t, vms[i], to, false) == 0;
	}
}

static double
expect(const double *w, const double *act)
{
	double e = 0;

	for (int i = 0; i < W_N; i++)
		if (w[i] > 0)
			e += w[i] * act[i];
	return e;
}

/* Decides a host-level incident against *work, which becomes the chosen
 * trial's cluster. */
static int
decide_host(struct planner *pl, struct cluster **work, struct decision *dc)
{
	const struct recover_costs *k = &pl->o->costs;
	host_id h = dc->inc->host;
	struct cluster *tf = NULL, *td = NULL;
	bool *placed = NULL, *movable = NULL;
	double w[W_N], act[C_N][W_N];
	vm_id *vms = NULL;
	uint32_t n = 0;
	int r;

	worlds(&dc->inc->dx, w);
	r = vms_on(*work, h, &vms, &n);
	if (r < 0)
		return r;
	placed = calloc(n + 1, sizeof(*placed));
	movable = calloc(n + 1, sizeof(*movable));
	if (!placed || !movable || cluster_clone(*work, &tf) < 0 ||
	    cluster_clone(*work, &td) < 0) {
		r = -ENOMEM;
		goto done;
	}
	trial_fence(pl, tf, h, vms, n, placed);
	trial_drain(pl, td, h, vms, n, movable);
	for (int c = 0; c < C_N; c++)
		for (int i = 0; i < W_N; i++)
			act[c][i] = c <= C_DRAIN &&
				!(c == C_FENCE && dc->inc->reachable)
			    ? 0
			    : NAN;
	for (uint32_t i = 0; i < n; i++) {
		double x = placed[i] ? k->restart_s : k->repair_s;

		for (enum choice c = C_WAIT; c <= C_DRAIN; c++)
			for (int j = 0; j < W_N && !isnan(act[c][0]); j++)
				act[c][j] += host_cost(
				    k, c, (enum world)j, x, movable[i]);
	}
	for (int c = 0; c < C_N; c++)
		dc->cost[c] = isnan(act[c][0]) ? NAN : expect(w, act[c]);
	dc->cost[C_WAIT] = wait_cost(k, w, act);
	dc->ch = C_WAIT;
	if (dc->cost[C_FENCE] < dc->cost[dc->ch])
		dc->ch = C_FENCE;
	if (dc->cost[C_DRAIN] < dc->cost[dc->ch])
		dc->ch = C_DRAIN;
	if (dc->ch == C_FENCE) {
		cluster_free(*work);
		*work = tf;
		tf = NULL;
	} else if (dc->ch == C_DRAIN) {
		cluster_free(*work);
		*work = td;
		td = NULL;
	}
	r = 0;
done:
	cluster_free(tf);
	cluster_free(td);
	free(vms);
	free(placed);
	free(movable);
	return r;
}

/* Decides a VM-level incident against *work. */
static int
decide_vm(struct planner *pl, struct cluster **work, struct decision *dc)
{
	const struct recover_costs *k = &pl->o->costs;
	struct cluster *te = NULL, *tm = NULL;
	vm_id v = dc->inc->vm;
	host_id h = dc->inc->host, to;
	enum choice order[] = { C_WAIT, C_IN_PLACE, C_MIGRATE, C_ELSEWHERE };
	double w[W_N], act[C_N][W_N];
	bool ok_else, ok_mig;

	worlds(&dc->inc->dx, w);
	if (cluster_clone(*work, &te) < 0 || cluster_clone(*work, &tm) < 0) {
		cluster_free(te);
		return -ENOMEM;
	}
	for (int c = 0; c < C_N; c++)
		for (int i = 0; i < W_N; i++)
			act[c][i] = NAN;
	cluster_release(te, v, VM_PENDING);
	ok_else = choose(pl, te, v, h, false, &to) == 0 &&
	    move_vm(te, v, to, false) == 0;
	ok_mig = !dc->inc->vm_exited && choose(pl, tm, v, h, false, &to) == 0 &&
	    move_vm(tm, v, to, false) == 0;
	for (size_t i = 0; i < ELEMENTSOF(order); i++) {
		enum choice c = order[i];

		if ((c == C_ELSEWHERE && !ok_else) ||
		    (c == C_MIGRATE && !ok_mig))
			continue;
		for (int j = 0; j < W_N; j++)
			act[c][j] =
			    vm_cost(k, c, (enum world)j, dc->inc->vm_exited);
	}
	for (int c = 0; c < C_N; c++)
		dc->cost[c] = isnan(act[c][0]) ? NAN : expect(w, act[c]);
	dc->cost[C_WAIT] = wait_cost(k, w, act);
	dc->ch = C_WAIT;
	for (size_t i = 1; i < ELEMENTSOF(order); i++)
		if (!isnan(dc->cost[order[i]]) &&
		    dc->cost[order[i]] < dc->cost[dc->ch])
			dc->ch = order[i];
	if (dc->ch == C_ELSEWHERE) {
		cluster_free(*work);
		*work = te;
		te = NULL;
	} else if (dc->ch == C_MIGRATE) {
		cluster_free(*work);
		*work = tm;
		tm = NULL;
	}
	cluster_free(te);
	cluster_free(tm);
	return 0;
}

static int
check_dx(const struct fault_dx *dx)
{
	if (!(dx->p_none >= 0 && dx->p_none <= 1))
		return -EINVAL;
	for (int c = 0; c < FAULT_NCAUSES; c++)
		if (!(dx->p[c] >= 0 && dx->p[c] <= 1) ||
		    dx->rank[c] >= FAULT_NCAUSES)
			return -EINVAL;
	return 0;
}

static int
validate(const struct cluster *c, const struct recover_incident *inc,
    uint32_t n, struct diag *d)
{
	for (uint32_t i = 0; i < n; i++) {
		const struct recover_incident *x = &inc[i];

		if (x->host >= c->n_hosts) {
			diag_set(d, "incident %u: no host %u", i, x->host);
			return -EINVAL;
		}
		if (x->vm != VM_NONE &&
		    (x->vm >= c->n_vms ||
			cluster_vm(c, x->vm)->state != VM_RUNNING ||
			cluster_vm(c, x->vm)->host != x->host)) {
			diag_set(d, "incident %u: VM %u is not running on %s",
			    i, x->vm, cluster_host(c, x->host)->name);
			return -EINVAL;
		}
		if (check_dx(&x->dx) < 0) {
			diag_set(d,
			    "incident %u: probabilities must be in [0, 1]", i);
			return -EINVAL;
		}
		for (uint32_t j = 0; j < i; j++) {
			if (inc[j].host == x->host && inc[j].vm == x->vm) {
				diag_set(d,
				    "incidents %u and %u: both about %s%s%s", j,
				    i, cluster_host(c, x->host)->name,
				    x->vm == VM_NONE ? "" : " VM ",
				    x->vm == VM_NONE
					? ""
					: cluster_vm(c, x->vm)->name);
				return -EEXIST;
			}
		}
	}
	return 0;
}

/* Order of host decisions: the most likely dead host first. */
static int
cmp_host_dec(const void *a, const void *b)
{
	const struct decision *x = a, *y = b;
	double px = x->inc->dx.p[FAULT_HOST_HARDWARE];
	double py = y->inc->dx.p[FAULT_HOST_HARDWARE];

	if (px != py)
		return px > py ? -1 : 1;
	return x->inc < y->inc ? -1 : x->inc > y->inc;
}

/* The pending restarts/migrations in priority order (higher first), by a
 * bottom-up merge sort (qsort takes no context). */
static int
sort_pending(const struct cluster *c, struct pending *p, uint32_t n)
{
	struct pending *tmp = malloc((n ? n : 1) * sizeof(*tmp));

	if (!tmp)
		return -ENOMEM;
	for (uint32_t w = 1; w < n; w *= 2) {
		for (uint32_t lo = 0; lo < n; lo += 2 * w) {
			uint32_t mid = lo + w < n ? lo + w : n;
			uint32_t hi = lo + 2 * w < n ? lo + 2 * w : n;
			uint32_t a = lo, b = mid, o = lo;

			while (a < mid && b < hi)
				tmp[o++] = cmp_prio(c, p[b].vm, p[a].vm) < 0
				    ? p[b++]
				    : p[a++];
			while (a < mid)
				tmp[o++] = p[a++];
			while (b < hi)
				tmp[o++] = p[b++];
		}
		memcpy(p, tmp, n * sizeof(*p));
	}
	free(tmp);
	return 0;
}

/* "no host can take it: refused: 3 hosts cpu" or the reserve. */
static void
why_lost(const struct cluster *c, vm_id v, host_id avoid, char *out, size_t n)
{
	struct why w;
	char text[200];
	uint32_t ok;

	why_init(&w);
	ok = cluster_explain(c, v, &w);
	if (ok > (avoid != HOST_NONE && avoid < c->n_hosts &&
		     cluster_check(c, v, avoid, NULL) == 0)) {
		snprintf(out, n,
		    "every host with room would eat the N+1 failover reserve");
	} else {
		explain_summary(c, v, &w, text, sizeof(text));
		snprintf(out, n, "no host can take it: %s", text);
	}
	why_done(&w);
}

int
recover_plan_make(const struct cluster *c, const struct recover_incident *inc,
    uint32_t n, const struct recover_opts *o, struct recover_plan *ret,
    struct diag *d)
{
	struct planner pl = { .o = o };
	struct decision *hd = NULL, *vd = NULL;
	struct pending *rs = NULL, *mg = NULL;
	struct cluster *work = NULL, *fin = NULL;
	uint32_t nh = 0, nv = 0, nrs = 0, nmg = 0, cap_p = 0;
	bool *covered = NULL;
	char dx[160], costs[160];
	int r;

	ret->n = 0;
	r = validate(c, inc, n, d);
	if (r < 0)
		return r;
	r = -ENOMEM;
	hd = calloc(n + 1, sizeof(*hd));
	vd = calloc(n + 1, sizeof(*vd));
	covered = calloc(c->n_hosts + 1, sizeof(*covered));
	for (uint32_t i = 0; i < n; i++)
		cap_p += inc[i].vm == VM_NONE
		    ? cluster_host(c, inc[i].host)->n_vms
		    : 1;
	rs = calloc(cap_p + 1, sizeof(*rs));
	mg = calloc(cap_p + 1, sizeof(*mg));
	if (!hd || !vd || !covered || !rs || !mg ||
	    cluster_clone(c, &work) < 0 ||
	    (o->n_plus_one && cluster_set_n_plus_one(work, true) < 0))
		goto done;
	for (uint32_t i = 0; i < n; i++) {
		if (inc[i].vm == VM_NONE)
			hd[nh++].inc = &inc[i];
		else
			vd[nv++].inc = &inc[i];
	}
	qsort(hd, nh, sizeof(*hd), cmp_host_dec);
	/* Decide: hosts first, then VMs not covered by a host action. */
	for (uint32_t i = 0; i < nh; i++) {
		r = decide_host(&pl, &work, &hd[i]);
		if (r < 0)
			goto done;
		if (hd[i].ch != C_WAIT)
			covered[hd[i].inc->host] = true;
	}
	for (uint32_t i = 0; i < nv; i++) {
		if (covered[vd[i].inc->host]) {
			vd[i].ch = C_N;
			continue;
		}
		r = decide_vm(&pl, &work, &vd[i]);
		if (r < 0)
			goto done;
	}
	/* Build the plan on a fresh copy: fences and stops first. Hosts to
	 * drain take nothing new from the start. */
	r = cluster_clone(c, &fin);
	if (r == 0 && o->n_plus_one)
		r = cluster_set_n_plus_one(fin, true);
	if (r < 0)
		goto done;
	for (uint32_t i = 0; i < nh; i++)
		if (hd[i].ch == C_DRAIN)
			cluster_set_host_state(
			    fin, hd[i].inc->host, HOST_MAINTENANCE);
	for (uint32_t i = 0; i < nh; i++) {
		host_id h = hd[i].inc->host;
		vm_id *vms = NULL;
		uint32_t nvm = 0;

		if (hd[i].ch != C_FENCE)
			continue;
		r = vms_on(fin, h, &vms, &nvm);
		if (r < 0)
			goto done;
		describe_dx(&hd[i].inc->dx, dx, sizeof(dx));
		describe_costs(&hd[i], costs, sizeof(costs));
		r = add(ret, RECOVER_FENCE, h, HOST_NONE, VM_NONE,
		    hd[i].cost[C_FENCE],
		    "%s: fence %s so that none of its %u VMs can run twice, "
		    "then restart them elsewhere (expected cost: %s)",
		    dx, cluster_host(c, h)->name, nvm, costs);
		cluster_set_host_state(fin, h, HOST_DOWN);
		for (uint32_t k = 0; k < nvm && r == 0; k++) {
			cluster_release(fin, vms[k], VM_PENDING);
			rs[nrs++] = (struct pending){ .vm = vms[k],
				.from = h,
				.fenced = true,
				.dec = &hd[i] };
		}
		free(vms);
		if (r < 0)
			goto done;
	}
	for (uint32_t i = 0; i < nv; i++) {
		const struct recover_incident *x = vd[i].inc;

		if (vd[i].ch == C_N)
			continue;
		describe_dx(&x->dx, dx, sizeof(dx));
		describe_costs(&vd[i], costs, sizeof(costs));
		switch (vd[i].ch) {
		case C_ELSEWHERE:
			r = add(ret, RECOVER_STOP, x->host, HOST_NONE, x->vm,
			    vd[i].cost[C_ELSEWHERE],
			    "%s: stop %s on %s and confirm, then restart it "
			    "elsewhere (expected cost: %s)",
			    dx, cluster_vm(c, x->vm)->name,
			    cluster_host(c, x->host)->name, costs);
			cluster_release(fin, x->vm, VM_PENDING);
			rs[nrs++] = (struct pending){
				.vm = x->vm, .from = x->host, .dec = &vd[i]
			};
			break;
		case C_MIGRATE:
			mg[nmg++] = (struct pending){
				.vm = x->vm, .from = x->host, .dec = &vd[i]
			};
			break;
		default:
			break;
		}
		if (r < 0)
			goto done;
	}
	/* Drains: their hosts take nothing new (set in fin from the start);
	 * their VMs join the migrations. */
	for (uint32_t i = 0; i < nh; i++) {
		host_id h = hd[i].inc->host;
		vm_id *vms = NULL;
		uint32_t nvm = 0;

		if (hd[i].ch != C_DRAIN)
			continue;
		describe_dx(&hd[i].inc->dx, dx, sizeof(dx));
		describe_costs(&hd[i], costs, sizeof(costs));
		r = add(ret, RECOVER_DRAIN, h, HOST_NONE, VM_NONE,
		    hd[i].cost[C_DRAIN],
		    "%s: take %s out of service and live-migrate its VMs "
		    "away (expected cost: %s)",
		    dx, cluster_host(c, h)->name, costs);
		if (r == 0)
			r = vms_on(fin, h, &vms, &nvm);
		if (r < 0)
			goto done;
		for (uint32_t k = 0; k < nvm; k++)
			mg[nmg++] = (struct pending){
				.vm = vms[k], .from = h, .dec = &hd[i]
			};
		free(vms);
	}
	/* Restarts, highest priority first, on what is left. */
	r = sort_pending(fin, rs, nrs);
	if (r < 0)
		goto done;
	for (uint32_t i = 0; i < nrs; i++) {
		const struct vm *vm = cluster_vm(fin, rs[i].vm);
		const char *from = cluster_host(c, rs[i].from)->name;
		double cost = rs[i].dec->cost[rs[i].dec->ch];
		char why[220];
		host_id to;

		if (rs[i].fenced && !vm->ha) {
			r = add(ret, RECOVER_LOST, rs[i].from, HOST_NONE,
			    rs[i].vm, cost,
			    "not marked ha: stays down with fenced host %s",
			    from);
		} else if (choose(&pl, fin, rs[i].vm, rs[i].from, rs[i].fenced,
			       &to) == 0 &&
		    move_vm(fin, rs[i].vm, to, rs[i].fenced) == 0) {
			r = add(ret, RECOVER_RESTART, rs[i].from, to, rs[i].vm,
			    cost, "priority %d, %s %s: restart on %s",
			    (int)vm->priority,
			    rs[i].fenced ? "HA VM of fenced host"
					 : "stopped on",
			    from, cluster_host(fin, to)->name);
		} else {
			why_lost(fin, rs[i].vm, rs[i].from, why, sizeof(why));
			r = add(ret, RECOVER_LOST, rs[i].from, HOST_NONE,
			    rs[i].vm, cost, "priority %d, from %s: %s",
			    (int)vm->priority, from, why);
		}
		if (r < 0)
			goto done;
	}
	for (uint32_t i = 0; i < nv; i++) {
		const struct recover_incident *x = vd[i].inc;

		if (vd[i].ch != C_IN_PLACE)
			continue;
		describe_dx(&x->dx, dx, sizeof(dx));
		describe_costs(&vd[i], costs, sizeof(costs));
		r = add(ret, RECOVER_RESTART_IN_PLACE, x->host, HOST_NONE,
		    x->vm, vd[i].cost[C_IN_PLACE],
		    "%s: restart %s on %s (expected cost: %s)", dx,
		    cluster_vm(c, x->vm)->name, cluster_host(c, x->host)->name,
		    costs);
		if (r < 0)
			goto done;
	}
	/* Every migration in priority order. */
	r = sort_pending(fin, mg, nmg);
	if (r < 0)
		goto done;
	for (uint32_t i = 0; i < nmg; i++) {
		const struct vm *vm = cluster_vm(fin, mg[i].vm);
		const char *from = cluster_host(c, mg[i].from)->name;
		double cost = mg[i].dec->cost[mg[i].dec->ch];
		char why[220];
		host_id to;

		if (choose(&pl, fin, mg[i].vm, mg[i].from, false, &to) == 0 &&
		    move_vm(fin, mg[i].vm, to, false) == 0) {
			r = add(ret, RECOVER_MIGRATE, mg[i].from, to, mg[i].vm,
			    cost, "priority %d: live-migrate from %s to %s",
			    (int)vm->priority, from,
			    cluster_host(fin, to)->name);
		} else {
			why_lost(fin, mg[i].vm, mg[i].from, why, sizeof(why));
			r = add(ret, RECOVER_WAIT, mg[i].from, HOST_NONE,
			    mg[i].vm, cost, "priority %d: stays on %s: %s",
			    (int)vm->priority, from, why);
		}
		if (r < 0)
			goto done;
	}
	/* Incidents where waiting is best, last. */
	for (uint32_t i = 0; i < nh + nv; i++) {
		const struct decision *dc = i < nh ? &hd[i] : &vd[i - nh];
		const struct recover_incident *x = dc->inc;

		if (dc->ch != C_WAIT)
			continue;
		describe_dx(&x->dx, dx, sizeof(dx));
		describe_costs(dc, costs, sizeof(costs));
		r = add(ret, RECOVER_WAIT, x->host, HOST_NONE, x->vm,
		    dc->cost[C_WAIT],
		    "%s: observe %s again (expected cost: %s)", dx,
		    x->vm == VM_NONE ? cluster_host(c, x->host)->name
				     : cluster_vm(c, x->vm)->name,
		    costs);
		if (r < 0)
			goto done;
	}
	r = 0;
done:
	if (r == -ENOMEM)
		diag_set(d, "out of memory planning the recovery");
	cluster_free(work);
	cluster_free(fin);
	free(hd);
	free(vd);
	free(covered);
	free(rs);
	free(mg);
	if (r < 0)
		ret->n = 0;
	return r;
}
