/* engine.c - the decision engine: admission queue, placement, slices, consolidation, failures. */
#include "decide/engine.h"

#include "core/mem.h"
#include "fault/diagnosis.h"
#include "fault/recover.h"
#include "place/place.h"
#include "sched/sched.h"

#include <stdlib.h>
#include <string.h>

#define PICK_BATCH 64 /* candidates per pick of a strict policy */
#define CONSOLIDATE_HOSTS 16 /* hosts a consolidation round tries */

/* A running VM's place in the round-robin order. */
struct slice {
	vm_id vm;
	uint64_t start_ns;
};

struct engine {
	struct cluster *c;
	struct engine_opts o;
	struct placer *placer;
	struct scheduler *sched;
	uint64_t slice_ns;
	/* The admission queue in entry order; vm == VM_NONE marks a hole
	 * that the next compaction removes. */
	struct sched_entry *q;
	uint32_t nq, cap_q, holes;
	uint64_t seq;
	/* Per-VM state, indexed by vm_id, grown as VMs appear. */
	uint64_t *slice_start; /* 0: not running under a slice */
	uint8_t *queued;
	struct res *usage;
	uint32_t cap_vms;
	/* Round robin: running VMs in slice order (stale entries skipped). */
	struct slice *ring;
	uint32_t ring_head, ring_n, cap_ring;
	bool slice_armed, consolidate_armed;
	/* Largest limit per dimension over all hosts, for hopeless VMs. */
	struct res max_limit;
	uint32_t max_limit_hosts;
	struct fault_model *fm;
	struct place_decision dec;
};

void
engine_actions_init(struct engine_actions *a)
{
	memset(a, 0, sizeof(*a));
}

void
engine_actions_done(struct engine_actions *a)
{
	free(a->v);
	engine_actions_init(a);
}

void
engine_actions_clear(struct engine_actions *a)
{
	a->n = 0;
	a->dropped = false;
}

static const char *const action_names[ACT_NKINDS] = { "start", "queue",
	"refuse", "preempt", "suspend", "stop", "migrate", "fence", "restart",
	"lost", "power-on", "power-off", "timer" };

const char *
engine_action_name(enum engine_action_kind k)
{
	return k < ACT_NKINDS ? action_names[k] : "?";
}

static void
emit(struct engine_actions *out, enum engine_action_kind kind, vm_id vm,
    host_id host, host_id from, uint64_t at_ns, enum engine_timer timer)
{
	if (mem_grow(&out->v, &out->cap, out->n + 1, sizeof(*out->v)) < 0) {
		out->dropped = true;
		return;
	}
	out->v[out->n++] =
	    (struct engine_action){ kind, vm, host, from, at_ns, timer };
}

void
engine_opts_default(struct engine_opts *o)
{
	memset(o, 0, sizeof(*o));
	o->allocation = "first-fit";
	o->scheduling = "fcfs";
	o->max_migrations = 64;
	o->migrate_mbps = 10000;
	o->restart_on_failure = true;
}

int
engine_new(struct cluster *c, const struct engine_opts *o, struct engine **ret,
    struct diag *d)
{
	struct engine *e = calloc(1, sizeof(*e));
	int r;

	if (!e)
		return -ENOMEM;
	e->c = c;
	e->o = *o;
	place_decision_init(&e->dec);
	r = placer_new(
	    o->allocation, o->allocation_params, o->seed, &e->placer, d);
	if (r == 0)
		r = scheduler_new(
		    o->scheduling, o->scheduling_params, o->seed, &e->sched, d);
	if (r == 0 && o->restart_on_failure)
		r = fault_model_default(&e->fm, d);
	if (r < 0) {
		engine_free(e);
		return r;
	}
	e->slice_ns = scheduler_slice_ns(e->sched);
	*ret = e;
	return 0;
}

struct engine *
engine_free(struct engine *e)
{
	if (!e)
		return NULL;
	placer_free(e->placer);
	scheduler_free(e->sched);
	fault_model_free(e->fm);
	place_decision_done(&e->dec);
	free(e->q);
	free(e->slice_start);
	free(e->queued);
	free(e->usage);
	free(e->ring);
	free(e);
	return NULL;
}

uint32_t
engine_queued(const struct engine *e)
{
	return e->nq - e->holes;
}

const struct res *
engine_usage(const struct engine *e, vm_id v)
{
	static const struct res zero = { { 0 } };

	return v < e->cap_vms ? &e->usage[v] : &zero;
}

/* Grows the per-VM arrays to cover every VM of the cluster. */
static int
track_vms(struct engine *e)
{
	uint32_t n = e->c->n_vms, cap = e->cap_vms;
	void *p;

	if (n <= cap)
		return 0;
	cap = cap ? cap : 1024;
	while (cap < n)
		cap = cap > UINT32_MAX / 2 ? UINT32_MAX : cap * 2;
	if (!(p = realloc(e->slice_start, cap * sizeof(*e->slice_start))))
		return -ENOMEM;
	e->slice_start = p;
	if (!(p = realloc(e->queued, cap * sizeof(*e->queued))))
		return -ENOMEM;
	e->queued = p;
	if (!(p = realloc(e->usage, cap * sizeof(*e->usage))))
		return -ENOMEM;
	e->usage = p;
	memset(e->slice_start + e->cap_vms, 0,
	    (cap - e->cap_vms) * sizeof(*e->slice_start));
	memset(
	    e->queued + e->cap_vms, 0, (cap - e->cap_vms) * sizeof(*e->queued));
	memset(
	    e->usage + e->cap_vms, 0, (cap - e->cap_vms) * sizeof(*e->usage));
	e->cap_vms = cap;
	return 0;
}

/* Can v never run, even on an empty host? */
static bool
hopeless(struct engine *e, vm_id v)
{
	const struct res *x = &cluster_vm(e->c, v)->demand;

	if (e->max_limit_hosts != e->c->n_hosts) {
		memset(&e->max_limit, 0, sizeof(e->max_limit));
		for (host_id h = 0; h < e->c->n_hosts; h++)
			for (int d = 0; d < RES_NDIM; d++)
				if (cluster_host(e->c, h)->limit.v[d] >
				    e->max_limit.v[d])
					e->max_limit.v[d] =
					    cluster_host(e->c, h)->limit.v[d];
		e->max_limit_hosts = e->c->n_hosts;
	}
	return !res_fits(x, &e->max_limit);
}

static int
enqueue(struct engine *e, vm_id v, uint64_t now)
{
	int r = mem_grow(&e->q, &e->cap_q, e->nq + 1, sizeof(*e->q));

	if (r < 0)
		return r;
	e->q[e->nq++] = (struct sched_entry){ v, now, e->seq++ };
	e->queued[v] = 1;
	return cluster_vm(e->c, v)->state == VM_QUEUED
	    ? 0
	    : cluster_release(e->c, v, VM_QUEUED);
}

static void
compact(struct engine *e)
{
	uint32_t o = 0;

	if (e->holes == 0)
		return;
	for (uint32_t i = 0; i < e->nq; i++)
		if (e->q[i].vm != VM_NONE)
			e->q[o++] = e->q[i];
	e->nq = o;
	e->holes = 0;
}

static void
unqueue(struct engine *e, uint32_t i)
{
	e->queued[e->q[i].vm] = 0;
	e->q[i].vm = VM_NONE;
	e->holes++;
}

static int
ring_push(struct engine *e, vm_id v, uint64_t now)
{
	int r;

	if (e->slice_ns == 0)
		return 0;
	if (e->ring_head > 0 && e->ring_head + e->ring_n == e->cap_ring) {
		memmove(e->ring, e->ring + e->ring_head,
		    e->ring_n * sizeof(*e->ring));
		e->ring_head = 0;
	}
	r = mem_grow(&e->ring, &e->cap_ring, e->ring_head + e->ring_n + 1,
	    sizeof(*e->ring));
	if (r < 0)
		return r;
	e->ring[e->ring_head + e->ring_n++] = (struct slice){ v, now };
	e->slice_start[v] = now ? now : 1;
	return 0;
}

/* Reserves v on h for real and says so. */
static int
start_on(struct engine *e, vm_id v, host_id h, bool failover, uint64_t now,
    enum engine_action_kind kind, struct engine_actions *out)
{
	bool was_empty = cluster_host(e->c, h)->n_vms == 0;
	int r;

	r = failover ? cluster_reserve_failover(e->c, v, h)
		     : cluster_reserve(e->c, v, h);
	if (r < 0)
		return r;
	if (was_empty)
		emit(out, ACT_POWER_ON, VM_NONE, h, HOST_NONE, 0, 0);
	emit(out, kind, v, h, HOST_NONE, 0, 0);
	return ring_push(e, v, now);
}

/* Takes v off its host (to state `to`) and says so. */
static void
leave(struct engine *e, vm_id v, enum vm_state to, enum engine_action_kind kind,
    struct engine_actions *out)
{
	host_id h = cluster_vm(e->c, v)->host;

	cluster_release(e->c, v, to);
	e->slice_start[v] = 0;
	if (h == HOST_NONE)
		return;
	emit(out, kind, v, h, HOST_NONE, 0, 0);
	if (cluster_host(e->c, h)->n_vms == 0)
		emit(out, ACT_POWER_OFF, VM_NONE, h, HOST_NONE, 0, 0);
}

static void
arm_slice(struct engine *e, uint64_t now, struct engine_actions *out)
{
	uint64_t at;

	if (e->slice_ns == 0 || e->slice_armed || engine_queued(e) == 0)
		return;
	/* The oldest running slice ends first. */
	while (e->ring_n > 0) {
		struct slice *s = &e->ring[e->ring_head];

		if (e->slice_start[s->vm] == (s->start_ns ? s->start_ns : 1) &&
		    cluster_vm(e->c, s->vm)->state == VM_RUNNING)
			break;
		e->ring_head++;
		e->ring_n--;
	}
	if (e->ring_n == 0)
		return;
	at = e->ring[e->ring_head].start_ns + e->slice_ns;
	emit(out, ACT_TIMER, VM_NONE, HOST_NONE, HOST_NONE, at > now ? at : now,
	    TIMER_SLICE);
	e->slice_armed = true;
}

/*
 * The admission pass: ask the policy for candidates in its order and
 * start each that the strategy can place (with its preemptions); a strict
 * policy stops at the first that does not fit.
 */
static int
admit(struct engine *e, uint64_t now, struct engine_actions *out)
{
	struct sched_pick pick;
	int r = 0;

	sched_pick_init(&pick);
	while (engine_queued(e) > 0 && r >= 0) {
		struct sched_queue sq;
		bool blocked = false;
		uint32_t started = 0;

		compact(e);
		sq = (struct sched_queue){ e->q, e->nq };
		r = scheduler_pick(e->sched, e->c, &sq, now, PICK_BATCH, &pick);
		if (r < 0)
			break;
		if (!pick.strict && pick.n < sq.n) {
			/* Backfilling tries everyone once. */
			r = scheduler_pick(e->sched, e->c, &sq, now, 0, &pick);
			if (r < 0)
				break;
		}
		for (uint32_t k = 0; k < pick.n; k++) {
			uint32_t i = pick.idx[k];
			vm_id v = e->q[i].vm;

			if (v == VM_NONE)
				continue;
			if (placer_place(e->placer, e->c, v, &e->dec, NULL) <
			    0) {
				if (pick.strict) {
					blocked = true;
					break;
				}
				continue;
			}
			for (uint32_t j = 0; j < e->dec.n_victims; j++) {
				vm_id x = e->dec.victims[j];

				leave(e, x, VM_QUEUED, ACT_PREEMPT, out);
				if ((r = enqueue(e, x, now)) < 0)
					break;
			}
			unqueue(e, i);
			r = start_on(
			    e, v, e->dec.host, false, now, ACT_START, out);
			if (r < 0)
				break;
			started++;
		}
		if (blocked || !pick.strict || pick.n < PICK_BATCH ||
		    started == 0)
			break;
	}
	sched_pick_done(&pick);
	compact(e);
	arm_slice(e, now, out);
	return r;
}

static int
on_arrive(struct engine *e, vm_id v, uint64_t now, struct engine_actions *out)
{
	int r;

	if (cluster_vm(e->c, v)->state != VM_PENDING)
		return -EINVAL;
	if (hopeless(e, v)) {
		cluster_release(e->c, v, VM_FAILED);
		emit(out, ACT_REFUSE, v, HOST_NONE, HOST_NONE, 0, 0);
		return 0;
	}
	r = enqueue(e, v, now);
	if (r == 0)
		r = admit(e, now, out);
	if (r == 0 && e->queued[v] && e->o.no_queue) {
		for (uint32_t i = e->nq; i-- > 0;)
			if (e->q[i].vm == v) {
				unqueue(e, i);
				break;
			}
		compact(e);
		cluster_release(e->c, v, VM_FAILED);
		emit(out, ACT_REFUSE, v, HOST_NONE, HOST_NONE, 0, 0);
	} else if (r == 0 && e->queued[v])
		emit(out, ACT_QUEUE, v, HOST_NONE, HOST_NONE, 0, 0);
	return r;
}

static int
on_depart(struct engine *e, vm_id v, uint64_t now, struct engine_actions *out)
{
	const struct vm *vm = cluster_vm(e->c, v);

	if (e->queued[v]) {
		for (uint32_t i = 0; i < e->nq; i++)
			if (e->q[i].vm == v)
				unqueue(e, i);
		cluster_release(e->c, v, VM_STOPPED);
		return 0;
	}
	if (vm->state != VM_RUNNING)
		return -EINVAL;
	leave(e, v, VM_STOPPED, ACT_STOP, out);
	return admit(e, now, out);
}

/* Round robin: every running VM whose slice is over yields to the queue. */
static int
on_slice(struct engine *e, uint64_t now, struct engine_actions *out)
{
	int r = 0;

	e->slice_armed = false;
	while (e->ring_n > 0 && engine_queued(e) > 0 && r == 0) {
		struct slice s = e->ring[e->ring_head];

		if (e->slice_start[s.vm] != (s.start_ns ? s.start_ns : 1) ||
		    cluster_vm(e->c, s.vm)->state != VM_RUNNING) {
			e->ring_head++;
			e->ring_n--;
			continue;
		}
		if (s.start_ns + e->slice_ns > now)
			break;
		e->ring_head++;
		e->ring_n--;
		leave(e, s.vm, VM_QUEUED, ACT_SUSPEND, out);
		r = enqueue(e, s.vm, now);
	}
	return r < 0 ? r : admit(e, now, out);
}

/* Seconds to copy v's memory at the configured bandwidth. */
static uint64_t
migration_ns(const struct engine *e, vm_id v)
{
	double secs = (double)cluster_vm(e->c, v)->demand.v[RES_MEM] *
	    8.388608 / e->o.migrate_mbps; /* MiB -> Mbit */

	return (uint64_t)(secs * 1e9);
}

/* Load of a host: its fullest dimension, as a share of the limit. */
static double
load(const struct host *h)
{
	double u = 0;

	for (int d = 0; d < RES_NDIM; d++)
		if (h->limit.v[d] > 0 &&
		    (double)h->alloc.v[d] / (double)h->limit.v[d] > u)
			u = (double)h->alloc.v[d] / (double)h->limit.v[d];
	return u;
}

struct by_load {
	host_id h;
	double u;
};

static int
cmp_load(const void *a, const void *b)
{
	const struct by_load *x = a, *y = b;

	if (x->u != y->u)
		return x->u < y->u ? -1 : 1;
	return x->h < y->h ? -1 : x->h > y->h;
}

/*
 * Consolidation: try to empty the least loaded active hosts by moving each
 * of their VMs to the fullest other active host that takes it (so no host
 * is powered on for it). A host is emptied whole or not at all: partial
 * moves are undone. Migrations take memory / bandwidth.
 */
static int
on_consolidate(struct engine *e, uint64_t now, struct engine_actions *out)
{
	struct cluster *c = e->c;
	struct by_load *hs;
	vm_id moved[256];
	uint32_t n = 0, migrations = 0;

	e->consolidate_armed = false;
	hs = malloc((c->n_hosts ? c->n_hosts : 1) * sizeof(*hs));
	if (!hs)
		return -ENOMEM;
	for (host_id h = 0; h < c->n_hosts; h++)
		if (cluster_host(c, h)->n_vms > 0 &&
		    cluster_host(c, h)->state == HOST_UP)
			hs[n++] =
			    (struct by_load){ h, load(cluster_host(c, h)) };
	qsort(hs, n, sizeof(*hs), cmp_load);
	for (uint32_t k = 0; k < n && k < CONSOLIDATE_HOSTS; k++) {
		host_id src = hs[k].h;
		const struct host *s = cluster_host(c, src);
		uint32_t nm = 0;
		bool ok = s->n_vms <= ELEMENTSOF(moved) &&
		    migrations + s->n_vms <= e->o.max_migrations;
		host_id dest[256];

		while (ok && cluster_host(c, src)->n_vms > 0) {
			vm_id v = cluster_host(c, src)->first_vm;
			host_id to = HOST_NONE;

			/* Fullest first among the other active hosts. */
			for (uint32_t t = n; t-- > k + 1 && to == HOST_NONE;) {
				if (cluster_host(c, hs[t].h)->n_vms == 0)
					continue;
				if (cluster_check(c, v, hs[t].h, NULL) == 0)
					to = hs[t].h;
			}
			if (to == HOST_NONE) {
				ok = false;
				break;
			}
			cluster_release(c, v, VM_PENDING);
			cluster_reserve(c, v, to);
			moved[nm] = v;
			dest[nm++] = to;
		}
		if (!ok) {
			/* Undo: the source only gained room, so each VM fits
			 * back (the reserve may not: these are old places). */
			for (uint32_t i = 0; i < nm; i++) {
				cluster_release(c, moved[i], VM_PENDING);
				cluster_reserve_failover(c, moved[i], src);
			}
			continue;
		}
		for (uint32_t i = 0; i < nm; i++)
			emit(out, ACT_MIGRATE, moved[i], dest[i], src,
			    now + migration_ns(e, moved[i]), 0);
		emit(out, ACT_POWER_OFF, VM_NONE, src, HOST_NONE, 0, 0);
		migrations += nm;
	}
	free(hs);
	return admit(e, now, out);
}

static int
place_hook(
    void *ctx, const struct cluster *c, vm_id v, host_id avoid, host_id *ret)
{
	struct engine *e = ctx;
	int r = placer_place(e->placer, c, v, &e->dec, NULL);

	/* The planner works on its own copy: preemption is not for it. */
	if (r < 0 || e->dec.n_victims > 0 || e->dec.host == avoid)
		return -ENOSPC;
	*ret = e->dec.host;
	return 0;
}

/*
 * A detected host failure: the symptoms a dead host shows (its agent
 * silent, its peers unable to reach it) go through the diagnosis model;
 * the recovery planner decides (fence and restart, drain, or wait) and the
 * engine carries the plan out on the model.
 */
static int
on_host_fail(struct engine *e, host_id h, uint64_t now,
    const struct fault_obs *seen, bool reachable, struct engine_actions *out)
{
	struct recover_incident inc = {
		.host = h, .vm = VM_NONE, .reachable = reachable
	};
	struct recover_opts ro;
	struct recover_plan plan;
	struct fault_obs obs;
	bool rechecking = false;
	struct diag d;
	int r;

	if (reachable && (!e->o.restart_on_failure || !e->fm))
		return 0; /* no recovery planner: a live host is left be */
	if (!e->o.restart_on_failure || !e->fm) {
		/* No failover: the host is gone and so are its VMs. */
		while (cluster_host(e->c, h)->n_vms > 0) {
			vm_id v = cluster_host(e->c, h)->first_vm;

			leave(e, v, VM_FAILED, ACT_LOST, out);
		}
		cluster_set_host_state(e->c, h, HOST_DOWN);
		return 0;
	}
	if (seen) {
		obs = *seen;
	} else {
		fault_obs_init(&obs);
		obs.sym[SYM_AGENT_HEARTBEATS_MISSED] = FAULT_YES;
		obs.sym[SYM_PEERS_CANNOT_REACH] = FAULT_YES;
	}
	r = fault_diagnose(e->fm, &obs, &inc.dx);
	if (r < 0)
		return r;
	recover_opts_default(&ro);
	ro.place = place_hook;
	ro.place_ctx = e;
	recover_plan_init(&plan);
	r = recover_plan_make(e->c, &inc, 1, &ro, &plan, &d);
	for (uint32_t i = 0; r == 0 && i < plan.n; i++) {
		const struct recover_action *a = &plan.v[i];

		switch (a->kind) {
		case RECOVER_FENCE:
			emit(out, ACT_FENCE, VM_NONE, a->host, HOST_NONE, 0, 0);
			cluster_set_host_state(e->c, a->host, HOST_DOWN);
			while (cluster_host(e->c, a->host)->n_vms > 0)
				leave(e, cluster_host(e->c, a->host)->first_vm,
				    VM_PENDING, ACT_STOP, out);
			break;
		case RECOVER_RESTART:
			if (start_on(e, a->vm, a->to, true, now, ACT_RESTART,
				out) < 0) {
				r = enqueue(e, a->vm, now);
				emit(out, ACT_QUEUE, a->vm, HOST_NONE,
				    HOST_NONE, 0, 0);
			}
			break;
		case RECOVER_LOST:
			/* An HA VM that finds no room now waits for it, like
			 * any arrival; the others are lost. */
			if (cluster_vm(e->c, a->vm)->ha) {
				r = enqueue(e, a->vm, now);
				emit(out, ACT_QUEUE, a->vm, HOST_NONE,
				    HOST_NONE, 0, 0);
				break;
			}
			cluster_release(e->c, a->vm, VM_FAILED);
			emit(out, ACT_LOST, a->vm, a->host, HOST_NONE, 0, 0);
			break;
		case RECOVER_DRAIN:
			cluster_set_host_state(e->c, a->host, HOST_MAINTENANCE);
			break;
		case RECOVER_MIGRATE:
			cluster_release(e->c, a->vm, VM_PENDING);
			if (cluster_reserve_failover(e->c, a->vm, a->to) == 0)
				emit(out, ACT_MIGRATE, a->vm, a->to, a->host,
				    now, 0);
			break;
		case RECOVER_WAIT:
			/* One look again per host, however many VMs wait. */
			if (!rechecking) {
				emit(out, ACT_TIMER, VM_NONE, a->host,
				    HOST_NONE,
				    now + (uint64_t)(ro.costs.recheck_s * 1e9),
				    TIMER_RECHECK);
				rechecking = true;
			}
			break;
		default:
			break;
		}
	}
	recover_plan_done(&plan);
	return r;
}

/* Drain: the host takes nothing new; each of its VMs moves where the
 * allocation strategy puts it, if anywhere. */
static int
on_drain(struct engine *e, host_id h, uint64_t now, struct engine_actions *out)
{
	vm_id v, next;

	cluster_set_host_state(e->c, h, HOST_MAINTENANCE);
	for (v = cluster_host(e->c, h)->first_vm; v != VM_NONE; v = next) {
		next = cluster_vm(e->c, v)->next_on_host;
		if (placer_place(e->placer, e->c, v, &e->dec, NULL) < 0 ||
		    e->dec.n_victims > 0 || e->dec.host == h)
			continue; /* no room elsewhere: it stays */
		cluster_release(e->c, v, VM_PENDING);
		if (cluster_reserve(e->c, v, e->dec.host) < 0) {
			cluster_reserve_failover(e->c, v, h);
			continue;
		}
		emit(out, ACT_MIGRATE, v, e->dec.host, h,
		    now + migration_ns(e, v), 0);
	}
	if (cluster_host(e->c, h)->n_vms == 0)
		emit(out, ACT_POWER_OFF, VM_NONE, h, HOST_NONE, 0, 0);
	return 0;
}

static void
arm_consolidation(struct engine *e, uint64_t now, struct engine_actions *out)
{
	if (e->o.consolidate_ns == 0 || e->consolidate_armed)
		return;
	emit(out, ACT_TIMER, VM_NONE, HOST_NONE, HOST_NONE,
	    now + e->o.consolidate_ns, TIMER_CONSOLIDATE);
	e->consolidate_armed = true;
}

int
engine_handle(
    struct engine *e, const struct engine_event *ev, struct engine_actions *out)
{
	int r;

	r = track_vms(e);
	if (r < 0)
		return r;
	if ((ev->kind == EV_ARRIVE || ev->kind == EV_DEPART ||
		ev->kind == EV_USAGE || ev->kind == EV_VM_FAILED) &&
	    ev->vm >= e->c->n_vms)
		return -EINVAL;
	if ((ev->kind == EV_HOST_FAIL || ev->kind == EV_HOST_RECOVER ||
		ev->kind == EV_HOST_DRAIN) &&
	    ev->host >= e->c->n_hosts)
		return -EINVAL;
	arm_consolidation(e, ev->now_ns, out);
	switch (ev->kind) {
	case EV_ARRIVE:
		return on_arrive(e, ev->vm, ev->now_ns, out);
	case EV_DEPART:
		return on_depart(e, ev->vm, ev->now_ns, out);
	case EV_USAGE:
		e->usage[ev->vm] = ev->used;
		return 0;
	case EV_HOST_FAIL:
		if (cluster_host(e->c, ev->host)->state == HOST_DOWN)
			return 0;
		r = on_host_fail(
		    e, ev->host, ev->now_ns, ev->obs, ev->reachable, out);
		return r < 0 ? r : admit(e, ev->now_ns, out);
	case EV_VM_FAILED:
		if (cluster_vm(e->c, ev->vm)->state != VM_RUNNING)
			return -EINVAL;
		if (cluster_vm(e->c, ev->vm)->ha) {
			leave(e, ev->vm, VM_QUEUED, ACT_STOP, out);
			r = enqueue(e, ev->vm, ev->now_ns);
			emit(
			    out, ACT_QUEUE, ev->vm, HOST_NONE, HOST_NONE, 0, 0);
		} else {
			leave(e, ev->vm, VM_FAILED, ACT_LOST, out);
			r = 0;
		}
		return r < 0 ? r : admit(e, ev->now_ns, out);
	case EV_HOST_DRAIN:
		return on_drain(e, ev->host, ev->now_ns, out);
	case EV_HOST_RECOVER:
		cluster_set_host_state(e->c, ev->host, HOST_UP);
		return admit(e, ev->now_ns, out);
	case EV_TIMER:
		switch (ev->timer) {
		case TIMER_SLICE:
			return on_slice(e, ev->now_ns, out);
		case TIMER_CONSOLIDATE:
			r = on_consolidate(e, ev->now_ns, out);
			arm_consolidation(e, ev->now_ns, out);
			return r;
		case TIMER_RECHECK:
			return 0; /* the caller re-reports a host still down */
		}
		return -EINVAL;
	}
	return -EINVAL;
}
