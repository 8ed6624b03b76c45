/* manager.c - the manager: VMs and hosts, the decision engine, agents, the store. Thread-safe. */
#include "manager/manager.h"

#include "core/cleanup.h"
#include "core/clock.h"
#include "core/jv.h"
#include "core/mem.h"
#include "decide/preset.h"
#include "decide/replan.h"
#include "fault/detect.h"
#include "fault/diagnosis.h"
#include "manager/link.h"
#include "model/cluster.h"
#include "model/explain.h"
#include "place/place.h"
#include "sched/sched.h"

#include <inttypes.h>
#include <math.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#define EVENT_RING 4096
#define WORK_MAX 65536
#define TICK_MS 50
#define AGENT_TIMEOUT_MS 5000
/* Executor threads: work for one host runs in order, one item at a time,
 * so a host that does not answer holds up only its own work (and a
 * thread) while the others go on. */
#define EXECUTORS 4
#define WATCH_WAIT_MS 1000

enum mstatus {
	S_QUEUED,
	S_STARTING,
	S_RUNNING,
	S_STOPPING,
	S_STOPPED,
	S_FAILED,
	S_REFUSED,
	S_NSTATUS,
};

static const char *const status_names[S_NSTATUS] = { "queued", "starting",
	"running", "stopping", "stopped", "failed", "refused" };

/* A plan's move, applied by the ticker one step at a time. */
struct pmove {
	char vm[128], to[128];
	uint32_t step; /* 1-based */
	bool issued;
};

enum pstate { P_NONE, P_APPLYING, P_DONE, P_FAILED, P_PLANNED };
static const char *const pstate_names[] = { "none", "applying", "done",
	"failed", "planned" };

struct plan_run {
	json_t *json; /* the plan as returned (owned); NULL: none yet */
	uint64_t id;
	enum pstate st;
	bool planning; /* a solver runs (without mu) */
	struct pmove *moves;
	uint32_t n_moves, step, steps;
	uint64_t step_ns; /* when the current step began */
	char error[320];
};

#define PLAN_STEP_NS (300ULL * 1000000000ULL) /* a step's time limit */
#define PLAN_LIMIT_MAX_S 60.0

/* The manager's view of a VM, indexed by the cluster's vm_id. */
struct mvm {
	json_t *req; /* the request as accepted (owned) */
	json_t *spec; /* what agents are asked to run (owned) */
	bool desired_running;
	enum mstatus st;
	host_id host; /* where an agent runs (or starts) it */
	uint64_t seq;
	uint32_t gen; /* bumps with every start: stale agent news is ignored */
	/* The agent-side tag of the incarnation on `host` ("g<gen>" when we
	 * started it; adopted from the agent on reconcile; "" accepts any),
	 * and of the source's during a live migration. */
	char tag[16], from_tag[16];
	host_id from; /* while migrating: the source host, else HOST_NONE */
	bool booted;
	uint64_t start_ns;
	double boot_ms;
	char why[256];
};

struct mhost {
	struct link_target t;
	bool watch; /* the manager long-polls it (local agent) */
	bool remote; /* it sends heartbeats */
	bool fenced;
	bool suspected; /* host-suspected said; waiting for the lease */
	struct detector *det;
	uint64_t last_seen_ns; /* the last heartbeat acknowledged */
	uint64_t ack; /* last agent event seq taken */
	double pressure; /* memory PSI of the last heartbeat; -1: unknown */
	pthread_t watcher;
	bool has_watcher;
	bool busy; /* an executor works for this host now */
};

enum work_kind { W_CREATE, W_DELETE, W_STOP, W_FENCE, W_RECONCILE, W_MIGRATE };

struct work {
	enum work_kind kind;
	char vm[64];
	host_id host; /* W_MIGRATE: the target */
	host_id from; /* W_MIGRATE: the source */
	uint32_t gen;
	char *spec; /* W_CREATE, W_MIGRATE: JSON text (owned) */
};

struct timer {
	uint64_t at_ns;
	enum engine_timer kind;
	host_id host;
};

struct mevent {
	uint64_t seq;
	char *json; /* owned */
};

struct manager {
	struct manager_config cfg;
	const struct store_ops *so;
	struct store *st;
	struct clock clk;
	pthread_mutex_t mu; /* everything below */
	pthread_cond_t ev_cond, work_cond, tick_cond;
	struct cluster *c;
	struct engine *e;
	struct engine_actions acts;
	struct mvm *vms;
	uint32_t cap_vms;
	struct mhost *hosts;
	uint32_t cap_hosts;
	uint64_t next_seq;
	/* work for the executor */
	struct work *work;
	uint32_t work_head, work_n, cap_work;
	/* engine timers */
	struct timer *timers;
	uint32_t n_timers, cap_timers;
	/* recent events */
	struct mevent ring[EVENT_RING];
	uint64_t ev_last;
	/* counters for /metrics */
	uint64_t n_placed, n_refused, n_failed_vms, n_restarts, n_host_fail,
	    n_agent_errors;
	/* The last plan of /v1/plans and how far its application got. */
	struct plan_run plan;
	bool stopping;
	pthread_t executors[EXECUTORS], ticker;
	uint32_t n_executors;
	bool has_ticker;
};

static uint64_t
now_ns(const struct manager *m)
{
	return clock_now(&m->clk);
}

static double
pressure_pct(const struct manager *m)
{
	return m->cfg.pressure_pct > 0 ? m->cfg.pressure_pct : 10.0;
}

static void mlog(const struct manager *m, enum log_level lvl, const char *fmt,
    ...) _printf_(3, 4);

static void
mlog(const struct manager *m, enum log_level lvl, const char *fmt, ...)
{
	char buf[768];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(buf, sizeof(buf), fmt, ap);
	va_end(ap);
	log_msg(m->cfg.log, lvl, "%s", buf);
}

/* --- events ------------------------------------------------------------ */

/* Records an event (and logs it): type, VM, host, a sentence. Durable in
 * the store; kept in a ring for the API's long-polls. Caller holds mu. */
static void event(struct manager *m, const char *type, const char *vm,
    const char *host, const char *fmt, ...) _printf_(5, 6);

static void
event(struct manager *m, const char *type, const char *vm, const char *host,
    const char *fmt, ...)
{
	char msg[512];
	struct mevent *slot;
	va_list ap;
	json_t *j;
	char *s;
	uint64_t seq = m->ev_last + 1;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	log_msg(m->cfg.log, LOGL_INFO, "%s", msg);
	j = json_pack("{s:I, s:I, s:s, s:s?, s:s?, s:s}", "seq",
	    (json_int_t)seq, "time_ms", (json_int_t)(now_ns(m) / NS_PER_MS),
	    "type", type, "vm", vm, "host", host, "message", msg);
	s = j ? json_dumps(j, JSON_COMPACT | JSON_PRESERVE_ORDER) : NULL;
	json_decref(j);
	if (!s)
		return;
	m->so->event_append(m->st, s, NULL, NULL);
	slot = &m->ring[seq % EVENT_RING];
	free(slot->json);
	slot->seq = seq;
	slot->json = s;
	m->ev_last = seq;
	pthread_cond_broadcast(&m->ev_cond);
}

/* --- store --------------------------------------------------------------- */

static const char *
host_name(const struct manager *m, host_id h)
{
	return h == HOST_NONE ? NULL : cluster_host(m->c, h)->name;
}

/* Saves VM v (spec, desired state, placement). Caller holds mu. */
static int
save_vm(struct manager *m, vm_id v, struct diag *d)
{
	const struct mvm *x = &m->vms[v];
	struct store_vm sv = { 0 };
	_cleanup_free_ char *spec = json_dumps(x->req, JSON_COMPACT);
	int r;

	if (!spec)
		return -ENOMEM;
	snprintf(sv.name, sizeof(sv.name), "%s", cluster_vm(m->c, v)->name);
	sv.spec = spec;
	snprintf(sv.desired, sizeof(sv.desired), "%s",
	    x->desired_running ? "running" : "stopped");
	snprintf(sv.host, sizeof(sv.host), "%s",
	    x->host == HOST_NONE ? "" : host_name(m, x->host));
	sv.seq = x->seq;
	r = m->so->vm_put(m->st, &sv, d);
	if (r < 0)
		mlog(m, LOGL_ERROR, "%s", d ? d->msg : "store write failed");
	return r;
}

static int
save_host(struct manager *m, host_id h, struct diag *d)
{
	const struct host *hs = cluster_host(m->c, h);
	const struct mhost *mh = &m->hosts[h];
	struct store_host sh = { 0 };
	_cleanup_free_ char *info = NULL;
	json_t *j;

	j = json_pack("{s:s, s:s, s:I, s:I, s:b, s:s}", "url", mh->t.url,
	    "token", mh->t.token, "cpu_milli", (json_int_t)hs->cap.v[RES_CPU],
	    "memory_mib", (json_int_t)hs->cap.v[RES_MEM], "watch", mh->watch,
	    "state", host_state_name(hs->state));
	info = j ? json_dumps(j, JSON_COMPACT) : NULL;
	json_decref(j);
	if (!info)
		return -ENOMEM;
	snprintf(sh.name, sizeof(sh.name), "%s", hs->name);
	sh.info = info;
	return m->so->host_put(m->st, &sh, d);
}

/* --- work for the executor ------------------------------------------------ */

/* Adds w (taking its spec) to the executor's queue. Caller holds mu. */
static void
push_work(struct manager *m, struct work w)
{
	/* One pending reconcile of a host is enough. */
	if (w.kind == W_RECONCILE)
		for (uint32_t i = 0; i < m->work_n; i++)
			if (m->work[m->work_head + i].kind == W_RECONCILE &&
			    m->work[m->work_head + i].host == w.host)
				return;
	if (m->work_n >= WORK_MAX) {
		mlog(m, LOGL_ERROR, "work queue full: dropping work for %s",
		    w.vm);
		free(w.spec);
		return;
	}
	if (m->work_head + m->work_n >= m->cap_work && m->work_head > 0) {
		memmove(m->work, m->work + m->work_head,
		    m->work_n * sizeof(*m->work));
		m->work_head = 0;
	}
	if (mem_grow(&m->work, &m->cap_work, m->work_head + m->work_n + 1,
		sizeof(*m->work)) < 0) {
		mlog(
		    m, LOGL_ERROR, "out of memory: dropping work for %s", w.vm);
		free(w.spec);
		return;
	}
	m->work[m->work_head + m->work_n++] = w;
	pthread_cond_signal(&m->work_cond);
}

/* The agent spec of v for host h, as text (malloc'd; NULL without
 * memory): an HA VM on a remote host self-fences (the manager may restart
 * it elsewhere when that host's lease runs out); incoming for the target
 * of a live migration. */
static char *
agent_spec_text(struct manager *m, vm_id v, host_id h, bool incoming)
{
	json_t *spec = json_deep_copy(m->vms[v].spec);
	char *txt = NULL;

	if (!spec)
		return NULL;
	if (incoming)
		json_object_set_new(spec, "incoming", json_true());
	snprintf(m->vms[v].tag, sizeof(m->vms[v].tag), "g%u", m->vms[v].gen);
	json_object_set_new(spec, "tag", json_string(m->vms[v].tag));
	if (m->hosts[h].remote && cluster_vm(m->c, v)->ha)
		json_object_set_new(spec, "self_fence", json_true());
	txt = json_dumps(spec, JSON_COMPACT);
	json_decref(spec);
	return txt;
}

static void
queue_work(struct manager *m, enum work_kind kind, vm_id v, host_id h)
{
	struct work w = { .kind = kind, .host = h };

	if (v != VM_NONE) {
		snprintf(w.vm, sizeof(w.vm), "%s", cluster_vm(m->c, v)->name);
		w.gen = m->vms[v].gen;
		if (kind == W_CREATE) {
			w.spec = agent_spec_text(m, v, h, false);
			if (!w.spec)
				return;
		}
	}
	push_work(m, w);
}

/* --- the engine ---------------------------------------------------------- */

static void
add_timer(struct manager *m, uint64_t at, enum engine_timer kind, host_id h)
{
	if (mem_grow(&m->timers, &m->cap_timers, m->n_timers + 1,
		sizeof(*m->timers)) < 0)
		return;
	m->timers[m->n_timers++] = (struct timer){ at, kind, h };
}

static void
refusal(struct manager *m, vm_id v, char *out, size_t n)
{
	struct why w;

	why_init(&w);
	cluster_explain(m->c, v, &w);
	explain_summary(m->c, v, &w, out, n);
	why_done(&w);
}

/* Starts a live migration of v from `from` to `to` (already placed on `to`
 * in the model): the target agent makes an incoming VM, the source sends
 * it. Caller holds mu. */
static void
begin_migration(struct manager *m, vm_id v, host_id from, host_id to)
{
	struct mvm *x = &m->vms[v];
	const char *vn = cluster_vm(m->c, v)->name;
	struct work w = { .kind = W_MIGRATE, .host = to, .from = from };

	x->from = from;
	x->host = to;
	snprintf(x->from_tag, sizeof(x->from_tag), "%s", x->tag);
	x->gen++;
	save_vm(m, v, NULL);
	event(m, "migrating", vn, host_name(m, to),
	    "%s migrates live from %s to %s", vn, host_name(m, from),
	    host_name(m, to));
	snprintf(w.vm, sizeof(w.vm), "%s", vn);
	w.gen = x->gen;
	w.spec = agent_spec_text(m, v, to, true);
	if (w.spec)
		push_work(m, w);
}

/* A migration ended: on `to` (ok) or back on `from` (failed). Caller
 * holds mu. */
static void
end_migration(struct manager *m, vm_id v, bool ok, const char *how)
{
	struct mvm *x = &m->vms[v];
	const char *vn = cluster_vm(m->c, v)->name;
	host_id from = x->from, to = x->host;

	if (from == HOST_NONE)
		return;
	x->from = HOST_NONE;
	if (ok) {
		event(m, "migrated", vn, host_name(m, to),
		    "%s migrated from %s to %s (%s)", vn, host_name(m, from),
		    host_name(m, to), how);
		queue_work(m, W_DELETE, v, from);
		return;
	}
	/* Back to where it runs: the source kept it. */
	event(m, "migrate-failed", vn, host_name(m, from),
	    "%s stays on %s: migration to %s failed (%s)", vn,
	    host_name(m, from), host_name(m, to), how);
	queue_work(m, W_DELETE, v, to);
	cluster_release(m->c, v, VM_PENDING);
	cluster_reserve_failover(m->c, v, from);
	x->host = from;
	x->gen++;
	snprintf(x->tag, sizeof(x->tag), "%s", x->from_tag);
	save_vm(m, v, NULL);
}

/* Carries out the engine's actions on the manager's state and turns them
 * into work for agents. Caller holds mu. */
static void
apply(struct manager *m)
{
	for (uint32_t i = 0; i < m->acts.n; i++) {
		const struct engine_action *a = &m->acts.v[i];
		struct mvm *x = a->vm != VM_NONE ? &m->vms[a->vm] : NULL;
		const char *vn = x ? cluster_vm(m->c, a->vm)->name : NULL;
		const char *hn = host_name(m, a->host);

		switch (a->kind) {
		case ACT_START:
		case ACT_RESTART:
			x->host = a->host;
			x->st = S_STARTING;
			x->gen++;
			x->booted = false;
			x->start_ns = now_ns(m);
			x->why[0] = '\0';
			m->n_placed++;
			m->n_restarts += a->kind == ACT_RESTART;
			save_vm(m, a->vm, NULL);
			event(m, a->kind == ACT_START ? "placed" : "restarted",
			    vn, hn, "%s %s on %s (%s)", vn,
			    a->kind == ACT_START ? "placed"
						 : "restarted elsewhere",
			    hn, m->cfg.eng.allocation);
			queue_work(m, W_CREATE, a->vm, a->host);
			break;
		case ACT_QUEUE:
			x->st = S_QUEUED;
			refusal(m, a->vm, x->why, sizeof(x->why));
			event(m, "queued", vn, NULL, "%s waits (%s): %s", vn,
			    m->cfg.eng.scheduling, x->why);
			break;
		case ACT_REFUSE:
			x->st = S_REFUSED;
			m->n_refused++;
			snprintf(
			    x->why, sizeof(x->why), "larger than every host");
			event(m, "refused", vn, NULL,
			    "%s refused: larger than every host", vn);
			break;
		case ACT_PREEMPT:
		case ACT_SUSPEND:
			event(m,
			    a->kind == ACT_PREEMPT ? "preempted" : "suspended",
			    vn, hn, "%s %s on %s: back to the queue", vn,
			    a->kind == ACT_PREEMPT ? "preempted"
						   : "yields its slice",
			    hn);
			queue_work(m, W_DELETE, a->vm, a->host);
			x->host = HOST_NONE;
			x->st = S_QUEUED;
			x->gen++;
			save_vm(m, a->vm, NULL);
			break;
		case ACT_STOP:
			/* The VM left the host in the model: make sure the
			 * agent forgets it too. */
			queue_work(m, W_DELETE, a->vm, a->host);
			break;
		case ACT_LOST:
			x->st = S_FAILED;
			x->host = HOST_NONE;
			m->n_failed_vms++;
			snprintf(x->why, sizeof(x->why), "lost with host %s",
			    hn ? hn : "?");
			save_vm(m, a->vm, NULL);
			event(m, "lost", vn, hn, "%s is lost (not HA)", vn);
			break;
		case ACT_FENCE:
			m->hosts[a->host].fenced = true;
			save_host(m, a->host, NULL);
			event(m, "fenced", NULL, hn,
			    "host %s fenced: none of its VMs may run there",
			    hn);
			/* A remote agent fenced itself when its lease ran
			 * out; it is told again when it registers. */
			if (!m->hosts[a->host].remote)
				queue_work(m, W_FENCE, VM_NONE, a->host);
			break;
		case ACT_MIGRATE:
			/* The engine has moved it in the model already. */
			begin_migration(m, a->vm, a->from, a->host);
			break;
		case ACT_TIMER:
			add_timer(m, a->at_ns, a->timer, a->host);
			break;
		case ACT_POWER_ON:
		case ACT_POWER_OFF:
		default:
			break;
		}
	}
	engine_actions_clear(&m->acts);
}

/* Hands ev to the engine and carries out its actions. Caller holds mu. */
static int
decide_event(struct manager *m, const struct engine_event *ev)
{
	int r;

	engine_actions_clear(&m->acts);
	r = engine_handle(m->e, ev, &m->acts);
	apply(m);
	if (r < 0)
		mlog(m, LOGL_WARN, "engine refused event %d: %s", ev->kind,
		    strerror(-r));
	return r;
}

static int
decide(struct manager *m, enum engine_event_kind k, vm_id v, host_id h,
    enum engine_timer t)
{
	struct engine_event ev = {
		.kind = k, .now_ns = now_ns(m), .vm = v, .host = h, .timer = t
	};

	return decide_event(m, &ev);
}

/* --- agents' news ------------------------------------------------------- */

/* A VM ended on its host: by itself (workload done: a departure), at the
 * user's request, or by failure (restart if HA). Caller holds mu. */
static void
vm_ended(struct manager *m, vm_id v, bool failure, const char *how)
{
	struct mvm *x = &m->vms[v];
	const char *vn = cluster_vm(m->c, v)->name;
	const char *hn = host_name(m, x->host);

	if (cluster_vm(m->c, v)->state != VM_RUNNING)
		return;
	if (failure && x->st != S_STOPPING) {
		event(m, "failed", vn, hn, "%s failed on %s (%s)", vn, hn, how);
		m->n_failed_vms++;
		decide(m, EV_VM_FAILED, v, HOST_NONE, 0);
		if (cluster_vm(m->c, v)->state == VM_FAILED) {
			x->st = S_FAILED;
			snprintf(x->why, sizeof(x->why), "%s", how);
		}
		if (x->st != S_STARTING) /* not restarted at once */
			x->host = HOST_NONE;
		save_vm(m, v, NULL);
		return;
	}
	/* A finished workload is the VM's departure. */
	event(m, "stopped", vn, hn, "%s stopped on %s (%s)", vn, hn, how);
	x->st = S_STOPPED;
	x->desired_running = false;
	decide(m, EV_DEPART, v, HOST_NONE, 0);
	x->host = HOST_NONE;
	save_vm(m, v, NULL);
}

/* A degrading host that still answers: its agent saw memory pressure and
 * one of its QEMUs was killed (the OOM killer). The dead VM restarts
 * elsewhere (the host takes no new VMs meanwhile); then the engine's
 * recovery planner, given that evidence, waits or drains the host by live
 * migration (it never fences a host that answers). Caller holds mu. */
static void
host_degrading(struct manager *m, host_id h, vm_id dead, const char *how)
{
	struct engine_event ev = { .kind = EV_HOST_FAIL,
		.now_ns = now_ns(m),
		.vm = VM_NONE,
		.host = h,
		.reachable = true };
	bool was_up = cluster_host(m->c, h)->state == HOST_UP;
	const char *hn = host_name(m, h);
	struct fault_obs obs;
	uint32_t moving = 0;

	event(m, "host-degraded", cluster_vm(m->c, dead)->name, hn,
	    "host %s degrading: memory pressure %.1f%% and %s's QEMU %s "
	    "(the OOM killer?)",
	    hn, m->hosts[h].pressure, cluster_vm(m->c, dead)->name, how);
	if (was_up)
		cluster_set_host_state(m->c, h, HOST_MAINTENANCE);
	vm_ended(m, dead, true, how);
	fault_obs_init(&obs);
	obs.sym[SYM_AGENT_HEARTBEATS_MISSED] = FAULT_NO;
	obs.sym[SYM_PEERS_CANNOT_REACH] = FAULT_NO;
	obs.sym[SYM_HOST_MEMORY_PRESSURE] = FAULT_YES;
	obs.sym[SYM_QEMU_EXIT] = QEMU_KILLED;
	obs.sym[SYM_GUEST_HEARTBEAT_MISSING] = FAULT_YES;
	ev.obs = &obs;
	decide_event(m, &ev);
	for (vm_id v = 0; v < m->c->n_vms; v++)
		moving += m->vms[v].from == h;
	if (moving > 0) {
		event(m, "host-drained", NULL, hn,
		    "host %s drained (host exhaustion): %u VM%s move%s away "
		    "live; 'vmgr host undrain %s' when it is well",
		    hn, moving, moving == 1 ? "" : "s", moving == 1 ? "s" : "",
		    hn);
	} else if (was_up) {
		/* The planner waits (or nothing could move): the host takes
		 * VMs again, and the queue may use it. */
		event(m, "host-watched", NULL, hn,
		    "host %s stays in service: nothing to move away", hn);
		decide(m, EV_HOST_RECOVER, VM_NONE, h, 0);
	}
}

/* One event from host h's agent (the agent's JSON). Caller holds mu. */
static void
agent_event(struct manager *m, host_id h, const json_t *ev)
{
	const char *type = json_string_value(json_object_get(ev, "type"));
	const char *name = json_string_value(json_object_get(ev, "vm"));
	const json_t *data = json_object_get(ev, "data");
	const char *tag;
	struct mvm *x;
	vm_id v;

	if (!type || !name || cluster_find_vm(m->c, name, &v) < 0)
		return;
	x = &m->vms[v];
	if (x->from == h && x->from != HOST_NONE) {
		/* The source of a live migration reports how it went. */
		if (strcmp(type, "migrated") == 0) {
			char how[96];

			snprintf(how, sizeof(how), "%lld ms, downtime %lld ms",
			    (long long)json_integer_value(
				json_object_get(data, "total_ms")),
			    (long long)json_integer_value(
				json_object_get(data, "downtime_ms")));
			end_migration(m, v, true, how);
		} else if (strcmp(type, "migrate-failed") == 0) {
			const char *why =
			    json_string_value(json_object_get(data, "error"));

			end_migration(
			    m, v, false, why ? why : "the source says so");
		}
		return;
	}
	if (x->host != h)
		return; /* news of an incarnation that is gone */
	tag = json_string_value(json_object_get(ev, "tag"));
	if (tag && x->tag[0] && strcmp(tag, x->tag) != 0)
		return; /* an older incarnation on this same host */
	if (strcmp(type, "started") == 0 && x->st == S_STARTING) {
		x->st = S_RUNNING;
	} else if (strcmp(type, "booted") == 0) {
		x->booted = true;
		x->boot_ms = (double)(now_ns(m) - x->start_ns) / 1e6;
		if (x->st == S_STARTING)
			x->st = S_RUNNING;
		event(m, "booted", name, host_name(m, h),
		    "%s booted on %s (%.0f ms after it was placed)", name,
		    host_name(m, h), x->boot_ms);
	} else if (strcmp(type, "exited") == 0) {
		const json_t *st = json_object_get(data, "status");
		const json_t *sig = json_object_get(data, "signal");
		char how[64];
		bool ok = st && json_integer_value(st) == 0 && !sig;

		if (sig)
			snprintf(how, sizeof(how), "killed by signal %d",
			    (int)json_integer_value(sig));
		else
			snprintf(how, sizeof(how), "exit status %d",
			    (int)json_integer_value(st));
		if (sig && json_integer_value(sig) == 9 &&
		    x->st != S_STOPPING && m->hosts[h].remote &&
		    !m->hosts[h].fenced &&
		    m->hosts[h].pressure >= pressure_pct(m) &&
		    cluster_host(m->c, h)->state != HOST_DOWN)
			host_degrading(m, h, v, how);
		else
			vm_ended(m, v, !ok, ok ? "its workload ended" : how);
	} else if (strcmp(type, "panicked") == 0 ||
	    strcmp(type, "failed") == 0) {
		vm_ended(m, v, true, type);
	} else if (strcmp(type, "heartbeat-lost") == 0) {
		event(m, "heartbeat-lost", name, host_name(m, h),
		    "%s: the guest stopped beating (QEMU lives)", name);
	}
}

/* --- threads ---------------------------------------------------------- */

/* A live migration, agent side: the target makes an incoming VM, then the
 * source sends it to the target's URI. The outcome arrives as events. */
static void
migrate_work(struct manager *m, struct link *l, const struct work *w,
    const struct link_target *t)
{
	struct link_target src;
	struct diag d = { 0 };
	char path[128], req[300], *body = NULL;
	const char *uri;
	json_t *in = NULL;
	long status = 0;
	int r;

	r = link_call(l, t, "POST", "/v1/vms", w->spec, AGENT_TIMEOUT_MS,
	    &status, &body, &d);
	if (r == 0 && status == 201)
		in = json_loads(body, 0, NULL);
	uri = json_string_value(json_object_get(in, "incoming_uri"));
	if (r == 0 && uri) {
		pthread_mutex_lock(&m->mu);
		src = m->hosts[w->from].t;
		pthread_mutex_unlock(&m->mu);
		snprintf(path, sizeof(path), "/v1/vms/%s/migrate", w->vm);
		snprintf(req, sizeof(req), "{\"uri\":\"%s\"}", uri);
		free(body);
		body = NULL;
		r = link_call(l, &src, "POST", path, req, AGENT_TIMEOUT_MS,
		    &status, &body, &d);
		if (r == 0 && status != 202) {
			json_t *e = json_loads(body, 0, NULL);

			diag_set(&d, "source agent: %s",
			    json_string_value(json_object_get(e, "error"))
				? json_string_value(json_object_get(e, "error"))
				: "refused");
			json_decref(e);
			r = -EPROTO;
		}
	} else if (r == 0) {
		json_t *e = json_loads(body, 0, NULL);

		diag_set(&d, "target agent: %s",
		    json_string_value(json_object_get(e, "error"))
			? json_string_value(json_object_get(e, "error"))
			: "no incoming URI");
		json_decref(e);
		r = -EPROTO;
	}
	json_decref(in);
	free(body);
	if (r < 0) {
		vm_id v;

		pthread_mutex_lock(&m->mu);
		if (cluster_find_vm(m->c, w->vm, &v) == 0 &&
		    m->vms[v].gen == w->gen)
			end_migration(m, v, false, d.msg);
		pthread_mutex_unlock(&m->mu);
	}
}

/* Whether an agent's VM summary is of a VM that runs or will (not one
 * that stopped, failed or migrated away). */
static bool
agent_vm_live(const json_t *summary)
{
	static const char *const live[] = { "starting", "running", "paused",
		"stopping", "restarting", "incoming", "migrating", NULL };
	const char *st = json_string_value(json_object_get(summary, "state"));

	for (uint32_t i = 0; st && live[i]; i++)
		if (strcmp(st, live[i]) == 0)
			return true;
	return false;
}

static void
do_work(struct manager *m, struct link *l, struct work *w)
{
	struct link_target t;
	struct diag d = { 0 };
	char path[128], *body = NULL;
	long status = 0;
	int r = 0;

	pthread_mutex_lock(&m->mu);
	t = m->hosts[w->host].t;
	if (m->hosts[w->host].remote && m->hosts[w->host].fenced &&
	    (w->kind == W_DELETE || w->kind == W_STOP || w->kind == W_FENCE)) {
		/* Its agent killed its HA VMs when its lease ran out; the
		 * rest is cleaned up when it registers again. */
		pthread_mutex_unlock(&m->mu);
		return;
	}
	pthread_mutex_unlock(&m->mu);
	switch (w->kind) {
	case W_CREATE:
		r = link_call(l, &t, "POST", "/v1/vms", w->spec,
		    AGENT_TIMEOUT_MS, &status, &body, &d);
		break;
	case W_DELETE:
		snprintf(path, sizeof(path), "/v1/vms/%s", w->vm);
		r = link_call(l, &t, "DELETE", path, NULL, AGENT_TIMEOUT_MS,
		    &status, &body, &d);
		break;
	case W_STOP:
		snprintf(path, sizeof(path), "/v1/vms/%s/stop", w->vm);
		r = link_call(l, &t, "POST", path, NULL, AGENT_TIMEOUT_MS,
		    &status, &body, &d);
		break;
	case W_FENCE:
	case W_RECONCILE:
		r = link_call(
		    l, &t, "GET", "/v1/vms", NULL, 2000, &status, &body, &d);
		break;
	case W_MIGRATE:
		migrate_work(m, l, w, &t);
		return;
	}
	pthread_mutex_lock(&m->mu);
	if (w->kind == W_CREATE) {
		vm_id v;

		if (cluster_find_vm(m->c, w->vm, &v) == 0 &&
		    m->vms[v].gen == w->gen && m->vms[v].host == w->host &&
		    (r < 0 || status != 201)) {
			json_t *err = body ? json_loads(body, 0, NULL) : NULL;
			const char *why =
			    json_string_value(json_object_get(err, "error"));

			m->n_agent_errors++;
			snprintf(m->vms[v].why, sizeof(m->vms[v].why),
			    "agent on %s: %s", host_name(m, w->host),
			    r < 0     ? d.msg
				: why ? why
				      : "refused");
			event(m, "start-failed", w->vm, host_name(m, w->host),
			    "%s could not start on %s: %s", w->vm,
			    host_name(m, w->host), m->vms[v].why);
			/* A refused spec will not get better elsewhere; an
			 * unreachable agent might. */
			if (r == 0 && status >= 400 && status < 500) {
				decide(m, EV_DEPART, v, HOST_NONE, 0);
				m->vms[v].st = S_FAILED;
				m->vms[v].host = HOST_NONE;
				m->vms[v].desired_running = false;
				save_vm(m, v, NULL);
			} else {
				vm_ended(m, v, true, "agent unreachable");
			}
			json_decref(err);
		}
	} else if ((w->kind == W_RECONCILE || w->kind == W_FENCE) && r == 0 &&
	    status == 200) {
		json_t *reply = json_loads(body, 0, NULL);
		json_t *list = json_object_get(reply, "vms");
		size_t i;
		json_t *e;

		/* VMs the agent has that are not ours to run there (or, on
		 * a fence, any) are deleted, and so are its records of VMs
		 * that ended; ours it does not run are gone. */
		json_array_foreach(list, i, e)
		{
			const char *name =
			    json_string_value(json_object_get(e, "name"));
			vm_id v;

			if (!name)
				continue;
			if (w->kind == W_FENCE ||
			    cluster_find_vm(m->c, name, &v) < 0 ||
			    m->vms[v].host != w->host || !agent_vm_live(e)) {
				struct work del = { .kind = W_DELETE,
					.host = w->host };

				snprintf(del.vm, sizeof(del.vm), "%s", name);
				push_work(m, del);
			}
		}
		if (w->kind == W_RECONCILE)
			for (vm_id v = 0; v < m->c->n_vms; v++) {
				bool found = false;

				if (m->vms[v].host != w->host ||
				    cluster_vm(m->c, v)->state != VM_RUNNING)
					continue;
				json_array_foreach(list, i, e)
				{
					const char *n = json_string_value(
					    json_object_get(e, "name"));
					const char *tg = json_string_value(
					    json_object_get(e, "tag"));

					if (n &&
					    strcmp(
						n, cluster_vm(m->c, v)->name) ==
						0 &&
					    agent_vm_live(e)) {
						found = true;
						snprintf(m->vms[v].tag,
						    sizeof(m->vms[v].tag), "%s",
						    tg ? tg : "");
					}
				}
				if (found)
					m->vms[v].st = S_RUNNING;
				else
					vm_ended(m, v, true,
					    "not running on its host when the "
					    "manager checked");
			}
		json_decref(reply);
	}
	pthread_mutex_unlock(&m->mu);
	free(body);
}

static void *
executor(void *ud)
{
	struct manager *m = ud;
	struct link *l = NULL;

	if (link_new(&l) < 0)
		return NULL;
	pthread_mutex_lock(&m->mu);
	while (!m->stopping) {
		struct work w;
		uint32_t i;

		/* The oldest work whose hosts no other executor serves. */
		for (i = 0; i < m->work_n; i++) {
			const struct work *x = &m->work[m->work_head + i];

			if (!m->hosts[x->host].busy &&
			    (x->kind != W_MIGRATE || !m->hosts[x->from].busy))
				break;
		}
		if (i == m->work_n) {
			pthread_cond_wait(&m->work_cond, &m->mu);
			continue;
		}
		w = m->work[m->work_head + i];
		memmove(&m->work[m->work_head + i],
		    &m->work[m->work_head + i + 1],
		    (m->work_n - i - 1) * sizeof(*m->work));
		m->work_n--;
		if (m->work_n == 0)
			m->work_head = 0;
		m->hosts[w.host].busy = true;
		if (w.kind == W_MIGRATE)
			m->hosts[w.from].busy = true;
		pthread_mutex_unlock(&m->mu);
		do_work(m, l, &w);
		free(w.spec);
		pthread_mutex_lock(&m->mu);
		m->hosts[w.host].busy = false;
		if (w.kind == W_MIGRATE)
			m->hosts[w.from].busy = false;
		pthread_cond_broadcast(&m->work_cond);
	}
	pthread_mutex_unlock(&m->mu);
	link_free(l);
	return NULL;
}

struct watch_arg {
	struct manager *m;
	host_id h;
};

/* Follows a local agent's events by long-polling /v1/events. */
static void *
watcher(void *ud)
{
	struct watch_arg *wa = ud;
	struct manager *m = wa->m;
	host_id h = wa->h;
	struct link *l = NULL;
	uint64_t since;

	free(wa);
	if (link_new(&l) < 0)
		return NULL;
	pthread_mutex_lock(&m->mu);
	since = m->hosts[h].ack;
	pthread_mutex_unlock(&m->mu);
	for (;;) {
		struct link_target t;
		char path[96], *body = NULL;
		struct diag d;
		long status = 0;
		json_t *j, *evs;
		size_t i;
		json_t *e;
		bool stop;

		pthread_mutex_lock(&m->mu);
		stop = m->stopping;
		t = m->hosts[h].t;
		pthread_mutex_unlock(&m->mu);
		if (stop)
			break;
		snprintf(path, sizeof(path),
		    "/v1/events?since=%" PRIu64 "&wait_ms=%u&max=256", since,
		    WATCH_WAIT_MS);
		if (link_call(l, &t, "GET", path, NULL, WATCH_WAIT_MS + 2000,
			&status, &body, &d) < 0 ||
		    status != 200) {
			free(body);
			struct timespec ts = { 0, 200 * 1000 * 1000 };
			nanosleep(&ts, NULL);
			continue;
		}
		j = json_loads(body, 0, NULL);
		free(body);
		evs = json_object_get(j, "events");
		if (!evs && json_is_array(j))
			evs = j;
		pthread_mutex_lock(&m->mu);
		m->hosts[h].last_seen_ns = now_ns(m);
		json_array_foreach(evs, i, e)
		{
			uint64_t seq = (uint64_t)json_integer_value(
			    json_object_get(e, "seq"));

			if (seq > since)
				since = seq;
			agent_event(m, h, e);
		}
		m->hosts[h].ack = since;
		pthread_mutex_unlock(&m->mu);
		json_decref(j);
	}
	link_free(l);
	return NULL;
}

/* The lease remote agents hold from an acknowledged heartbeat. */
static uint64_t
lease_ns(const struct manager *m)
{
	uint64_t hb = m->cfg.heartbeat_ms ? m->cfg.heartbeat_ms : 250;

	if (m->cfg.lease_ms)
		return (uint64_t)m->cfg.lease_ms * 1000000u;
	return (hb * 8 > 2000 ? hb * 8 : 2000) * 1000000u;
}

/* Whether host h's agent must have self-fenced by t: its lease ran from
 * when it sent its last acknowledged heartbeat, which is no later than
 * when it arrived (last_seen_ns); an eighth more covers the two hosts'
 * clock rates and the agent's loop being late to kill. */
static bool
lease_over(const struct manager *m, host_id h, uint64_t t)
{
	uint64_t l = lease_ns(m);

	return t >= m->hosts[h].last_seen_ns + l + l / 8;
}

static void plan_tick(struct manager *m);

static void
tick(struct manager *m)
{
	uint64_t t = now_ns(m);

	/* Timers that are due, in order. */
	for (;;) {
		uint32_t best = UINT32_MAX;

		for (uint32_t i = 0; i < m->n_timers; i++)
			if (m->timers[i].at_ns <= t &&
			    (best == UINT32_MAX ||
				m->timers[i].at_ns < m->timers[best].at_ns))
				best = i;
		if (best == UINT32_MAX)
			break;
		struct timer tm = m->timers[best];
		m->timers[best] = m->timers[--m->n_timers];
		if (tm.kind == TIMER_RECHECK) {
			if (tm.host < m->c->n_hosts &&
			    m->hosts[tm.host].remote &&
			    detector_suspect(m->hosts[tm.host].det, t) &&
			    lease_over(m, tm.host, t))
				decide(m, EV_HOST_FAIL, VM_NONE, tm.host, 0);
		} else {
			decide(m, EV_TIMER, VM_NONE, HOST_NONE, tm.kind);
		}
	}
	/* Hosts whose heartbeats stopped. */
	for (host_id h = 0; h < m->c->n_hosts; h++) {
		struct mhost *mh = &m->hosts[h];

		if (!mh->remote || !mh->det || mh->fenced ||
		    cluster_host(m->c, h)->state == HOST_DOWN)
			continue;
		if (!detector_suspect(mh->det, t))
			continue;
		if (!mh->suspected) {
			mh->suspected = true;
			event(m, "host-suspected", NULL, host_name(m, h),
			    "host %s: heartbeats stopped (%.1f s since the "
			    "last); its VMs restart elsewhere when its lease "
			    "ends",
			    host_name(m, h),
			    (double)(t - mh->last_seen_ns) / 1e9);
		}
		if (lease_over(m, h, t)) {
			m->n_host_fail++;
			event(m, "host-failed", NULL, host_name(m, h),
			    "host %s: lease over (%.1f s since the last "
			    "heartbeat): its agent has killed its HA VMs",
			    host_name(m, h),
			    (double)(t - mh->last_seen_ns) / 1e9);
			decide(m, EV_HOST_FAIL, VM_NONE, h, 0);
		}
	}
	plan_tick(m);
}

static void *
ticker(void *ud)
{
	struct manager *m = ud;

	pthread_mutex_lock(&m->mu);
	while (!m->stopping) {
		struct timespec ts;

		tick(m);
		clock_gettime(CLOCK_REALTIME, &ts);
		ts.tv_nsec += TICK_MS * 1000000L;
		if (ts.tv_nsec >= 1000000000L) {
			ts.tv_sec++;
			ts.tv_nsec -= 1000000000L;
		}
		pthread_cond_timedwait(&m->tick_cond, &m->mu, &ts);
	}
	pthread_mutex_unlock(&m->mu);
	return NULL;
}

/* --- VMs ---------------------------------------------------------------- */

static int
track_vms(struct manager *m)
{
	uint32_t cap = m->cap_vms;

	if (m->c->n_vms <= cap)
		return 0;
	if (mem_grow(&m->vms, &cap, m->c->n_vms, sizeof(*m->vms)) < 0)
		return -ENOMEM;
	m->cap_vms = cap;
	return 0;
}

static const char *const req_keys[] = { "name", "cpu_milli", "memory_mib",
	"disk_gib", "net_mbps", "priority", "perf_class", "affinity",
	"anti_affinity", "ha", "requires", "workload", "start", "agent", NULL };

/* Validates a create request into a VM spec for the cluster and a spec
 * for agents. Strings in *s are borrowed from req. */
static int
parse_request(const json_t *req, struct vm_spec *s, struct labels *requires,
    json_t **ret_agent, struct diag *d)
{
	const char *str;
	json_t *agent, *extra, *v;
	const char *k;
	int64_t x;
	int r;

	if ((r = jv_expect_object(req, "", d)) < 0 ||
	    (r = jv_check_keys(req, "", req_keys, d)) < 0)
		return r;
	memset(s, 0, sizeof(*s));
	r = jv_get_str(req, "name", "", 40, &s->name, d);
	if (r == -ENOENT) {
		diag_set(d, "name: missing (a VM name)");
		return -EINVAL;
	}
	if (r < 0)
		return r;
	for (const char *p = s->name; *p; p++)
		if (!(*p == '-' || *p == '_' || *p == '.' ||
			(*p >= '0' && *p <= '9') || (*p >= 'a' && *p <= 'z') ||
			(*p >= 'A' && *p <= 'Z'))) {
			diag_set(d,
			    "name: letters, digits, '-', '_' and '.' only, got "
			    "\"%s\"",
			    s->name);
			return -EINVAL;
		}
	for (int dim = 0; dim < RES_NDIM; dim++) {
		bool must = dim == RES_CPU || dim == RES_MEM;

		r = jv_get_int(req, res_dim_key((enum res_dim)dim), "",
		    must ? 1 : 0, RES_VALUE_MAX, &s->demand.v[dim], d);
		if (r == -ENOENT && must) {
			diag_set(d, "%s: missing (a positive integer)",
			    res_dim_key((enum res_dim)dim));
			return -EINVAL;
		}
		if (r < 0 && r != -ENOENT)
			return r;
	}
	r = jv_get_int(
	    req, "priority", "", VM_PRIORITY_MIN, VM_PRIORITY_MAX, &x, d);
	if (r == 0)
		s->priority = (int32_t)x;
	else if (r != -ENOENT)
		return r;
	s->perf = PERF_NORMAL;
	r = jv_get_str(req, "perf_class", "", 16, &str, d);
	if (r == 0 && perf_class_parse(str, &s->perf) < 0) {
		diag_set(d,
		    "perf_class: must be low, normal or high, got \"%s\"", str);
		return -EINVAL;
	}
	if (r < 0 && r != -ENOENT)
		return r;
	if ((r = jv_get_str(req, "affinity", "", 40, &s->affinity, d)) < 0 &&
	    r != -ENOENT)
		return r;
	if ((r = jv_get_str(
		 req, "anti_affinity", "", 40, &s->anti_affinity, d)) < 0 &&
	    r != -ENOENT)
		return r;
	s->ha = true;
	if ((r = jv_get_bool(req, "ha", "", &s->ha, d)) < 0 && r != -ENOENT)
		return r;
	v = json_object_get(req, "requires");
	if (v) {
		if ((r = jv_expect_object(v, "requires", d)) < 0)
			return r;
		json_object_foreach(v, k, extra)
		{
			if (!json_is_string(extra)) {
				diag_set(d, "requires.%s: must be a string", k);
				return -EINVAL;
			}
			if (labels_set(requires, k, json_string_value(extra)) <
			    0) {
				diag_set(d, "requires: too many labels");
				return -EINVAL;
			}
		}
		s->requires = requires;
	}
	/* What the agent runs: vCPUs to cover the CPU share, the memory,
	 * the workload, and any agent spec fields the user adds. */
	agent = json_pack("{s:s, s:I, s:I}", "name", s->name, "vcpus",
	    (json_int_t)((s->demand.v[RES_CPU] + 999) / 1000), "memory_mib",
	    (json_int_t)s->demand.v[RES_MEM]);
	if (!agent)
		return -ENOMEM;
	r = jv_get_str(req, "workload", "", 200, &str, d);
	if (r == 0)
		json_object_set_new(agent, "workload", json_string(str));
	else if (r != -ENOENT) {
		json_decref(agent);
		return r;
	}
	extra = json_object_get(req, "agent");
	if (extra) {
		if ((r = jv_expect_object(extra, "agent", d)) < 0) {
			json_decref(agent);
			return r;
		}
		json_object_foreach(extra, k, v)
		{
			if (!strcmp(k, "name") || !strcmp(k, "vcpus") ||
			    !strcmp(k, "memory_mib")) {
				diag_set(d,
				    "agent.%s: set by the manager from the VM",
				    k);
				json_decref(agent);
				return -EINVAL;
			}
			json_object_set(agent, k, v);
		}
	}
	*ret_agent = agent;
	return 0;
}

static json_t *
vm_json(struct manager *m, vm_id v)
{
	const struct mvm *x = &m->vms[v];
	const struct vm *vm = cluster_vm(m->c, v);
	json_t *j;

	j = json_pack("{s:s, s:s, s:s, s:s?, s:I, s:I, s:i, s:b, s:b}", "name",
	    vm->name, "status", status_names[x->st], "desired",
	    x->desired_running ? "running" : "stopped", "host",
	    host_name(m, x->host), "cpu_milli",
	    (json_int_t)vm->demand.v[RES_CPU], "memory_mib",
	    (json_int_t)vm->demand.v[RES_MEM], "priority", vm->priority, "ha",
	    vm->ha, "booted", x->booted);
	if (!j)
		return NULL;
	if (x->why[0])
		json_object_set_new(j, "reason", json_string(x->why));
	if (x->from != HOST_NONE)
		json_object_set_new(
		    j, "migrating_from", json_string(host_name(m, x->from)));
	if (x->booted)
		json_object_set_new(j, "boot_ms", json_real(x->boot_ms));
	json_object_set(j, "request", x->req);
	return j;
}

/* Adds VM (already validated) to the cluster and the manager. Caller
 * holds mu. */
static int
add_vm(struct manager *m, const json_t *req, bool running, uint64_t seq,
    vm_id *ret, struct diag *d)
{
	struct labels requires = { 0 };
	struct vm_spec s;
	json_t *agent = NULL;
	vm_id v;
	int r;

	r = parse_request(req, &s, &requires, &agent, d);
	if (r < 0) {
		labels_done(&requires);
		return r;
	}
	if (m->c->n_vms >= MANAGER_VMS_MAX) {
		diag_set(
		    d, "the manager holds %u VMs, its limit", MANAGER_VMS_MAX);
		r = -E2BIG;
	} else {
		r = cluster_add_vm(m->c, &s, &v);
		if (r == -EEXIST)
			diag_set(d, "name: a VM called '%s' exists", s.name);
		else if (r < 0)
			diag_set(d, "cannot add the VM: %s", strerror(-r));
	}
	labels_done(&requires);
	if (r == 0)
		r = track_vms(m);
	if (r < 0) {
		json_decref(agent);
		return r;
	}
	m->vms[v] = (struct mvm){ .req = json_deep_copy(req),
		.spec = agent,
		.desired_running = running,
		.st = running ? S_QUEUED : S_STOPPED,
		.host = HOST_NONE,
		.from = HOST_NONE,
		.seq = seq };
	if (!running)
		cluster_release(m->c, v, VM_STOPPED);
	*ret = v;
	return 0;
}

int
manager_vm_create(
    struct manager *m, const json_t *req, json_t **ret, struct diag *d)
{
	bool start = true;
	vm_id v;
	int r;

	if (jv_get_bool(req, "start", "", &start, d) == -EINVAL)
		return -EINVAL;
	pthread_mutex_lock(&m->mu);
	r = add_vm(m, req, start, m->next_seq, &v, d);
	if (r == 0) {
		m->next_seq++;
		/* Durable before anything is decided or acknowledged. */
		r = save_vm(m, v, d);
		if (r < 0) {
			cluster_remove_vm(m->c, v);
			json_decref(m->vms[v].req);
			json_decref(m->vms[v].spec);
			memset(&m->vms[v], 0, sizeof(m->vms[v]));
		}
	}
	if (r == 0) {
		event(m, "created", cluster_vm(m->c, v)->name, NULL,
		    "%s created (%s)", cluster_vm(m->c, v)->name,
		    start ? "to run" : "stopped");
		if (start)
			decide(m, EV_ARRIVE, v, HOST_NONE, 0);
		*ret = vm_json(m, v);
	}
	pthread_mutex_unlock(&m->mu);
	return r;
}

int
manager_vm_list(struct manager *m, json_t **ret)
{
	json_t *a = json_array();

	pthread_mutex_lock(&m->mu);
	for (vm_id v = 0; a && v < m->c->n_vms; v++)
		if (cluster_vm(m->c, v)->state != VM_DELETED)
			json_array_append_new(a, vm_json(m, v));
	pthread_mutex_unlock(&m->mu);
	*ret = a;
	return a ? 0 : -ENOMEM;
}

static int
find_vm(struct manager *m, const char *name, vm_id *ret, struct diag *d)
{
	if (cluster_find_vm(m->c, name, ret) < 0) {
		diag_set(d, "no VM called '%s'", name);
		return -ENOENT;
	}
	return 0;
}

int
manager_vm_show(
    struct manager *m, const char *name, json_t **ret, struct diag *d)
{
	vm_id v;
	int r;

	pthread_mutex_lock(&m->mu);
	r = find_vm(m, name, &v, d);
	if (r == 0)
		*ret = vm_json(m, v);
	pthread_mutex_unlock(&m->mu);
	return r;
}

int
manager_vm_console(struct manager *m, const char *name, uint64_t since,
    uint32_t max, json_t **ret, struct diag *d)
{
	struct link_target t;
	struct link *l = NULL;
	char path[256], hn[128] = "";
	char *body = NULL;
	long status = 0;
	json_t *j;
	vm_id v;
	int r;

	pthread_mutex_lock(&m->mu);
	r = find_vm(m, name, &v, d);
	if (r == 0 && m->vms[v].host == HOST_NONE) {
		diag_set(d, "%s is %s: on no host, so no console", name,
		    status_names[m->vms[v].st]);
		r = -EBUSY;
	}
	if (r == 0) {
		t = m->hosts[m->vms[v].host].t;
		snprintf(hn, sizeof(hn), "%s", host_name(m, m->vms[v].host));
	}
	pthread_mutex_unlock(&m->mu);
	if (r < 0)
		return r;
	snprintf(path, sizeof(path), "/v1/vms/%s/console?since=%llu&max=%u",
	    name, (unsigned long long)since, max);
	if (link_new(&l) < 0)
		return -ENOMEM;
	r = link_call(
	    l, &t, "GET", path, NULL, AGENT_TIMEOUT_MS, &status, &body, d);
	link_free(l);
	if (r < 0) {
		diag_prefix(d, "agent on %s", hn);
		free(body);
		return -EIO;
	}
	j = body ? json_loads(body, 0, NULL) : NULL;
	free(body);
	if (status != 200 || !json_is_object(j)) {
		const char *e = json_string_value(json_object_get(j, "error"));

		diag_set(d, "agent on %s: HTTP %ld: %s", hn, status,
		    e ? e : "no console");
		json_decref(j);
		return -EIO;
	}
	json_object_set_new(j, "host", json_string(hn));
	*ret = j;
	return 0;
}

int
manager_vm_start(
    struct manager *m, const char *name, json_t **ret, struct diag *d)
{
	struct mvm *x;
	vm_id v;
	int r;

	pthread_mutex_lock(&m->mu);
	r = find_vm(m, name, &v, d);
	if (r == 0) {
		x = &m->vms[v];
		if (x->st != S_STOPPED && x->st != S_FAILED &&
		    x->st != S_REFUSED) {
			diag_set(d, "%s is %s: only a stopped VM starts", name,
			    status_names[x->st]);
			r = -EBUSY;
		}
	}
	if (r == 0) {
		x->desired_running = true;
		r = save_vm(m, v, d);
	}
	if (r == 0) {
		cluster_release(m->c, v, VM_PENDING);
		x->st = S_QUEUED;
		event(m, "start", name, NULL, "%s asked to start", name);
		decide(m, EV_ARRIVE, v, HOST_NONE, 0);
		*ret = vm_json(m, v);
	}
	pthread_mutex_unlock(&m->mu);
	return r;
}

int
manager_vm_stop(
    struct manager *m, const char *name, json_t **ret, struct diag *d)
{
	struct mvm *x;
	vm_id v;
	int r;

	pthread_mutex_lock(&m->mu);
	r = find_vm(m, name, &v, d);
	if (r == 0) {
		x = &m->vms[v];
		x->desired_running = false;
		r = save_vm(m, v, d);
	}
	if (r == 0) {
		event(m, "stop", name, NULL, "%s asked to stop", name);
		if (x->st == S_STARTING || x->st == S_RUNNING) {
			x->st = S_STOPPING;
			queue_work(m, W_STOP, v, x->host);
		} else if (x->st == S_QUEUED) {
			decide(m, EV_DEPART, v, HOST_NONE, 0);
			x->st = S_STOPPED;
		}
		*ret = vm_json(m, v);
	}
	pthread_mutex_unlock(&m->mu);
	return r;
}

int
manager_vm_delete(
    struct manager *m, const char *name, json_t **ret, struct diag *d)
{
	struct mvm *x;
	vm_id v;
	int r;

	pthread_mutex_lock(&m->mu);
	r = find_vm(m, name, &v, d);
	if (r == 0)
		r = m->so->vm_delete(m->st, name, d);
	if (r == 0) {
		x = &m->vms[v];
		if (x->host != HOST_NONE)
			queue_work(m, W_DELETE, v, x->host);
		if (cluster_vm(m->c, v)->state == VM_RUNNING ||
		    cluster_vm(m->c, v)->state == VM_QUEUED)
			decide(m, EV_DEPART, v, HOST_NONE, 0);
		event(m, "deleted", name, host_name(m, x->host), "%s deleted",
		    name);
		x->gen++;
		x->host = HOST_NONE;
		x->st = S_STOPPED;
		cluster_remove_vm(m->c, v);
		*ret = json_pack("{s:s, s:b}", "name", name, "deleted", 1);
	}
	pthread_mutex_unlock(&m->mu);
	return r;
}

/* Starts the live migration of v to `to` after checking that it may go
 * there now. Caller holds mu. 0, or -EBUSY / -EINVAL with d saying why. */
static int
migrate_locked(struct manager *m, vm_id v, host_id to, struct diag *d)
{
	struct mvm *x = &m->vms[v];
	const char *name = cluster_vm(m->c, v)->name;
	host_id from = x->host;
	char text[512];
	struct why w;
	int r = 0;

	if (x->st != S_RUNNING || from == HOST_NONE || x->from != HOST_NONE) {
		diag_set(d, "%s is %s%s: only a running VM migrates", name,
		    status_names[x->st],
		    x->from != HOST_NONE ? " and migrating" : "");
		return -EBUSY;
	}
	if (from == to) {
		diag_set(
		    d, "host: %s already runs on %s", name, host_name(m, to));
		return -EINVAL;
	}
	why_init(&w);
	if (cluster_check(m->c, v, to, &w) < 0) {
		explain_summary(m->c, v, &w, text, sizeof(text));
		diag_set(d, "host: %s cannot take %s: %s", host_name(m, to),
		    name, text);
		r = -EBUSY;
	}
	why_done(&w);
	if (r < 0)
		return r;
	cluster_release(m->c, v, VM_PENDING);
	if (cluster_reserve(m->c, v, to) < 0) {
		cluster_reserve_failover(m->c, v, from);
		diag_set(d, "host: %s cannot take %s", host_name(m, to), name);
		return -EBUSY;
	}
	begin_migration(m, v, from, to);
	return 0;
}

int
manager_vm_migrate(struct manager *m, const char *name, const char *host,
    json_t **ret, struct diag *d)
{
	host_id to;
	vm_id v;
	int r;

	pthread_mutex_lock(&m->mu);
	r = find_vm(m, name, &v, d);
	if (r == 0 && cluster_find_host(m->c, host, &to) < 0) {
		diag_set(d, "host: no host called '%s'", host);
		r = -ENOENT;
	}
	if (r == 0 && m->plan.st == P_APPLYING) {
		diag_set(d, "a plan is being applied (GET /v1/plans)");
		r = -EBUSY;
	}
	if (r == 0)
		r = migrate_locked(m, v, to, d);
	if (r == 0)
		*ret = vm_json(m, v);
	pthread_mutex_unlock(&m->mu);
	return r;
}

/* --- plans ---------------------------------------------------------------- */

/* The plan's state as JSON: {"id","state","step","steps","error"?,"plan"}.
 * Caller holds mu. */
static json_t *
plan_state_json(const struct manager *m)
{
	const struct plan_run *p = &m->plan;
	json_t *j = json_pack("{s:I, s:s, s:i, s:i}", "id", (json_int_t)p->id,
	    "state", pstate_names[p->st], "step", (int)p->step, "steps",
	    (int)p->steps);

	if (!j)
		return NULL;
	if (p->error[0])
		json_object_set_new(j, "error", json_string(p->error));
	if (p->json)
		json_object_set(j, "plan", p->json);
	return j;
}

static void plan_fail(struct manager *m, const char *fmt, ...) _printf_(2, 3);

/* The application stops here; what already moved stays. Caller holds mu. */
static void
plan_fail(struct manager *m, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(m->plan.error, sizeof(m->plan.error), fmt, ap);
	va_end(ap);
	m->plan.st = P_FAILED;
	event(m, "plan-failed", NULL, NULL,
	    "plan %" PRIu64 " stopped at step %u of %u: %s", m->plan.id,
	    m->plan.step, m->plan.steps, m->plan.error);
}

/*
 * Applies the plan being applied one step at a time: the moves of a step
 * are started together (each checked again against the cluster as it is
 * now, so a plan made stale by what happened since cannot overfill a
 * host); the next step starts when all of them run on their destination.
 * Caller holds mu (the ticker).
 */
static void
plan_tick(struct manager *m)
{
	struct plan_run *p = &m->plan;
	uint64_t t = now_ns(m);
	bool settled = true;

	if (p->st != P_APPLYING)
		return;
	for (uint32_t i = 0; i < p->n_moves; i++) {
		struct pmove *mv = &p->moves[i];
		struct diag d = { 0 };
		host_id to;
		vm_id v;
		struct mvm *x;

		if (mv->step != p->step)
			continue;
		if (cluster_find_vm(m->c, mv->vm, &v) < 0) {
			plan_fail(m, "%s is gone", mv->vm);
			return;
		}
		if (cluster_find_host(m->c, mv->to, &to) < 0) {
			plan_fail(m, "host %s is gone", mv->to);
			return;
		}
		x = &m->vms[v];
		if (!mv->issued) {
			if (migrate_locked(m, v, to, &d) < 0) {
				plan_fail(m, "%s", d.msg);
				return;
			}
			mv->issued = true;
			settled = false;
		} else if (x->from != HOST_NONE) {
			settled = false;
		} else if (x->st != S_RUNNING || x->host != to) {
			plan_fail(m, "%s did not reach %s (it is %s on %s)",
			    mv->vm, mv->to, status_names[x->st],
			    x->host == HOST_NONE ? "no host"
						 : host_name(m, x->host));
			return;
		}
	}
	if (!settled) {
		if (t - p->step_ns > PLAN_STEP_NS)
			plan_fail(m, "step %u took longer than %llu s", p->step,
			    (unsigned long long)(PLAN_STEP_NS / 1000000000ULL));
		return;
	}
	if (p->step < p->steps) {
		p->step++;
		p->step_ns = t;
		return;
	}
	p->st = P_DONE;
	event(m, "plan-applied", NULL, NULL,
	    "plan %" PRIu64 " applied: %u migration%s in %u step%s", p->id,
	    p->n_moves, p->n_moves == 1 ? "" : "s", p->steps,
	    p->steps == 1 ? "" : "s");
}

/* Why the cluster cannot be planned now (a VM between states), or NULL.
 * Caller holds mu. */
static const char *
plan_unsettled(struct manager *m, char *buf, size_t n)
{
	if (m->plan.planning || m->plan.st == P_APPLYING) {
		snprintf(buf, n, "plan %" PRIu64 " is being %s (GET /v1/plans)",
		    m->plan.id + (m->plan.planning ? 1 : 0),
		    m->plan.planning ? "made" : "applied");
		return buf;
	}
	for (vm_id v = 0; v < m->c->n_vms; v++) {
		const struct mvm *x = &m->vms[v];

		if (cluster_vm(m->c, v)->state == VM_DELETED)
			continue;
		if (x->st == S_STARTING || x->st == S_STOPPING ||
		    x->from != HOST_NONE) {
			snprintf(buf, n,
			    "%s is %s: plan again when no VM is starting, "
			    "stopping or migrating",
			    cluster_vm(m->c, v)->name,
			    x->from != HOST_NONE ? "migrating"
						 : status_names[x->st]);
			return buf;
		}
	}
	return NULL;
}

int
manager_plan(struct manager *m, const json_t *req, json_t **ret, struct diag *d)
{
	static const char *const keys[] = { "time_limit_s", "max_migrations",
		"target_hosts", "apply", NULL };
	struct replan_opts ro = { .limit_s = 5,
		.max_migrations = ASSIGN_UNLIMITED };
	struct cluster *c = NULL;
	struct replan rp;
	const char *why;
	char buf[320];
	bool apply = false, have_rp = false;
	int64_t k;
	json_t *j;
	int r;

	if (req) {
		if ((r = jv_expect_object(req, "body", d)) < 0 ||
		    (r = jv_check_keys(req, "", keys, d)) < 0)
			return r;
		r = jv_get_num(req, "time_limit_s", "", 0.001, PLAN_LIMIT_MAX_S,
		    &ro.limit_s, d);
		if (r == -EINVAL)
			return r;
		r = jv_get_int(
		    req, "max_migrations", "", 0, UINT32_MAX - 1, &k, d);
		if (r == -EINVAL)
			return r;
		if (r == 0)
			ro.max_migrations = (uint32_t)k;
		r = jv_get_int(
		    req, "target_hosts", "", 1, MANAGER_HOSTS_MAX, &k, d);
		if (r == -EINVAL)
			return r;
		if (r == 0)
			ro.target_hosts = (uint32_t)k;
		if (jv_get_bool(req, "apply", "", &apply, d) == -EINVAL)
			return -EINVAL;
	}
	pthread_mutex_lock(&m->mu);
	why = plan_unsettled(m, buf, sizeof(buf));
	if (why) {
		diag_set(d, "%s", why);
		pthread_mutex_unlock(&m->mu);
		return -EBUSY;
	}
	r = cluster_clone(m->c, &c);
	if (r == 0)
		m->plan.planning = true;
	ro.strategy = m->cfg.eng.allocation;
	ro.params = m->cfg.eng.allocation_params;
	ro.seed = m->cfg.eng.seed;
	ro.n_plus_one = m->cfg.n_plus_one;
	pthread_mutex_unlock(&m->mu);
	if (r < 0)
		return r;
	/* The solver runs on the copy, without the lock: heartbeats, the
	 * API and the executors go on meanwhile. */
	r = replan_run(c, NULL, 0, &ro, &rp, d);
	have_rp = r == 0;
	j = r == 0 ? replan_json(c, NULL, 0, &rp) : NULL;
	if (r == 0 && !j)
		r = -ENOMEM;
	pthread_mutex_lock(&m->mu);
	m->plan.planning = false;
	if (r == 0 && apply && rp.res.status == ASSIGN_INFEASIBLE) {
		diag_set(d,
		    "target_hosts: no plan reaches it within the "
		    "migration budget");
		r = -EBUSY;
	} else if (r == 0 && apply && rp.order_rc != 0) {
		diag_set(d,
		    "no safe migration order: %s waits on capacity "
		    "that never frees",
		    cluster_vm(c, rp.blocked)->name);
		r = -EBUSY;
	}
	/* Applying a plan of a cluster that has changed since: every VM
	 * that moves must still run where the plan found it. */
	for (uint32_t i = 0; r == 0 && apply && i < rp.mp.n; i++) {
		vm_id v = rp.mp.v[i].vm;
		const char *vn = cluster_vm(c, v)->name;
		vm_id now;

		if (cluster_find_vm(m->c, vn, &now) < 0 || now != v ||
		    m->vms[v].st != S_RUNNING ||
		    m->vms[v].host != cluster_vm(c, v)->host ||
		    m->vms[v].from != HOST_NONE) {
			diag_set(d,
			    "%s changed while the plan was made: plan again",
			    vn);
			r = -EBUSY;
		}
	}
	if (r == 0 && apply && rp.mp.n > 0) {
		struct pmove *mv = calloc(rp.mp.n, sizeof(*mv));

		if (!mv)
			r = -ENOMEM;
		for (uint32_t i = 0; mv && i < rp.mp.n; i++) {
			snprintf(mv[i].vm, sizeof(mv[i].vm), "%s",
			    cluster_vm(c, rp.mp.v[i].vm)->name);
			snprintf(mv[i].to, sizeof(mv[i].to), "%s",
			    cluster_host(c, rp.mp.v[i].to)->name);
			mv[i].step = rp.mp.v[i].batch + 1;
		}
		if (mv) {
			free(m->plan.moves);
			m->plan.moves = mv;
		}
	}
	if (r == 0) {
		struct plan_run *p = &m->plan;

		json_decref(p->json);
		p->json = j;
		j = NULL;
		p->id++;
		p->error[0] = '\0';
		p->step = 0;
		p->steps = rp.mp.batches;
		p->n_moves = apply ? rp.mp.n : 0;
		p->st = !apply ? P_PLANNED : rp.mp.n ? P_APPLYING : P_DONE;
		if (p->st == P_APPLYING) {
			p->step = 1;
			p->step_ns = now_ns(m);
		}
		event(m, "plan", NULL, NULL,
		    "plan %" PRIu64 " (%s): %u migration%s in %u step%s, "
		    "%u host%s freed, cost %g, bound %g%s",
		    p->id, assign_status_name(rp.res.status), rp.mp.n,
		    rp.mp.n == 1 ? "" : "s", rp.mp.batches,
		    rp.mp.batches == 1 ? "" : "s", rp.n_freed,
		    rp.n_freed == 1 ? "" : "s", rp.res.cost, rp.res.bound,
		    p->st == P_APPLYING ? "; applying" : "");
		*ret = plan_state_json(m);
		if (!*ret)
			r = -ENOMEM;
	}
	pthread_mutex_unlock(&m->mu);
	json_decref(j);
	if (have_rp)
		replan_done(&rp);
	cluster_free(c);
	return r;
}

int
manager_plan_show(struct manager *m, json_t **ret)
{
	pthread_mutex_lock(&m->mu);
	*ret = plan_state_json(m);
	pthread_mutex_unlock(&m->mu);
	return *ret ? 0 : -ENOMEM;
}

/* --- hosts ---------------------------------------------------------------- */

static int
track_hosts(struct manager *m)
{
	uint32_t cap = m->cap_hosts;

	if (m->c->n_hosts <= cap)
		return 0;
	if (mem_grow(&m->hosts, &cap, m->c->n_hosts, sizeof(*m->hosts)) < 0)
		return -ENOMEM;
	m->cap_hosts = cap;
	return 0;
}

/* Adds or updates a host. Caller holds mu. */
/* A new failure detector for a remote host, as configured. Heartbeats
 * cross a network from loaded hosts: the phi detector gets half a second
 * of acceptable pause and a 100 ms deviation floor unless told otherwise.
 * 0 or -errno with d. */
static int
host_detector(struct manager *m, struct detector **ret, struct diag *d)
{
	return detector_new(m->cfg.detector ? m->cfg.detector : "phi-accrual",
	    m->cfg.detector_params ? m->cfg.detector_params
		: m->cfg.detector  ? NULL
				   : "pause_ms=500,min_std_ms=100",
	    ret, d);
}

static int
put_host(struct manager *m, const char *name, const char *url,
    const char *token, const struct res *cap, bool watch, bool remote,
    host_id *ret, struct diag *d)
{
	struct host_spec s = { .name = name, .cap = *cap };
	struct mhost *mh;
	host_id h;
	int r;

	if (strlen(url) >= sizeof(mh->t.url) ||
	    strlen(token ? token : "") >= sizeof(mh->t.token)) {
		diag_set(d, "url or token too long");
		return -EINVAL;
	}
	if (cluster_find_host(m->c, name, &h) < 0) {
		if (m->c->n_hosts >= MANAGER_HOSTS_MAX) {
			diag_set(d, "the manager holds %u hosts, its limit",
			    MANAGER_HOSTS_MAX);
			return -E2BIG;
		}
		r = cluster_add_host(m->c, &s, &h);
		if (r < 0) {
			diag_set(d, "name: cannot add host '%s': %s", name,
			    strerror(-r));
			return r;
		}
		if ((r = track_hosts(m)) < 0)
			return r;
		memset(&m->hosts[h], 0, sizeof(m->hosts[h]));
	}
	mh = &m->hosts[h];
	snprintf(mh->t.url, sizeof(mh->t.url), "%s", url);
	snprintf(mh->t.token, sizeof(mh->t.token), "%s", token ? token : "");
	mh->watch = watch;
	mh->remote = remote;
	if (remote && !mh->det) {
		r = host_detector(m, &mh->det, d);
		if (r < 0)
			return r;
	}
	*ret = h;
	return 0;
}

static int
start_watcher(struct manager *m, host_id h)
{
	struct watch_arg *wa = malloc(sizeof(*wa));

	if (!wa)
		return -ENOMEM;
	*wa = (struct watch_arg){ m, h };
	if (pthread_create(&m->hosts[h].watcher, NULL, watcher, wa) != 0) {
		free(wa);
		return -EAGAIN;
	}
	m->hosts[h].has_watcher = true;
	return 0;
}

int
manager_add_host(struct manager *m, const char *name, const char *url,
    const char *token, const struct res *cap, bool watch, struct diag *d)
{
	host_id h;
	int r;

	pthread_mutex_lock(&m->mu);
	r = put_host(m, name, url, token, cap, watch, !watch, &h, d);
	if (r == 0)
		r = save_host(m, h, d);
	if (r == 0) {
		if (cluster_host(m->c, h)->state == HOST_DOWN)
			cluster_set_host_state(m->c, h, HOST_UP);
		m->hosts[h].fenced = false;
		event(m, "host", NULL, name, "host %s joins (%s)", name, url);
		push_work(m, (struct work){ .kind = W_RECONCILE, .host = h });
		if (watch && !m->hosts[h].has_watcher)
			r = start_watcher(m, h);
		decide(m, EV_HOST_RECOVER, VM_NONE, h, 0);
	}
	pthread_mutex_unlock(&m->mu);
	return r;
}

static json_t *
host_json(struct manager *m, host_id h)
{
	const struct host *hs = cluster_host(m->c, h);
	const struct mhost *mh = &m->hosts[h];

	return json_pack("{s:s, s:s, s:s, s:b, s:I, s:I, s:I, s:I, s:i}",
	    "name", hs->name, "url", mh->t.url, "state",
	    host_state_name(hs->state), "fenced", mh->fenced, "cpu_milli",
	    (json_int_t)hs->cap.v[RES_CPU], "memory_mib",
	    (json_int_t)hs->cap.v[RES_MEM], "cpu_milli_used",
	    (json_int_t)hs->alloc.v[RES_CPU], "memory_mib_used",
	    (json_int_t)hs->alloc.v[RES_MEM], "vms", hs->n_vms);
}

int
manager_host_list(struct manager *m, json_t **ret)
{
	json_t *a = json_array();

	pthread_mutex_lock(&m->mu);
	for (host_id h = 0; a && h < m->c->n_hosts; h++)
		json_array_append_new(a, host_json(m, h));
	pthread_mutex_unlock(&m->mu);
	*ret = a;
	return a ? 0 : -ENOMEM;
}

int
manager_host_drain(struct manager *m, const char *name, bool drain,
    json_t **ret, struct diag *d)
{
	host_id h;
	int r = 0;

	pthread_mutex_lock(&m->mu);
	if (cluster_find_host(m->c, name, &h) < 0) {
		diag_set(d, "no host called '%s'", name);
		r = -ENOENT;
	} else if (cluster_host(m->c, h)->state == HOST_DOWN) {
		diag_set(d, "host '%s' is down", name);
		r = -EBUSY;
	}
	if (r == 0) {
		uint32_t before = cluster_host(m->c, h)->n_vms;

		/* Drain through the engine: it puts the host in maintenance
		 * and moves each VM live where the strategy finds room. */
		if (drain)
			decide(m, EV_HOST_DRAIN, VM_NONE, h, 0);
		else
			cluster_set_host_state(m->c, h, HOST_UP);
		r = save_host(m, h, d);
		if (r == 0 && drain)
			event(m, "drain", NULL, name,
			    "host %s drained: it takes no new VMs; %u of its "
			    "%u VMs migrate, %u stay (no room elsewhere)",
			    name, before - cluster_host(m->c, h)->n_vms, before,
			    cluster_host(m->c, h)->n_vms);
	}
	if (r == 0) {
		if (!drain) {
			event(m, "undrain", NULL, name,
			    "host %s takes VMs again", name);
			decide(m, EV_HOST_RECOVER, VM_NONE, h, 0);
		}
		*ret = host_json(m, h);
	}
	pthread_mutex_unlock(&m->mu);
	return r;
}

static int
check_token(struct manager *m, const char *token, struct diag *d)
{
	if (m->cfg.agent_token && m->cfg.agent_token[0] &&
	    (!token || strcmp(token, m->cfg.agent_token) != 0)) {
		diag_set(d, "bad or missing agent token");
		return -EACCES;
	}
	return 0;
}

int
manager_host_register(struct manager *m, const json_t *req, const char *token,
    json_t **ret, struct diag *d)
{
	static const char *const keys[] = { "name", "url", "token", "cpu_milli",
		"memory_mib", "labels", NULL };
	const char *name, *url, *atok = NULL;
	struct res cap = { { 0 } };
	host_id h;
	int r;

	if ((r = check_token(m, token, d)) < 0)
		return r;
	if ((r = jv_expect_object(req, "", d)) < 0 ||
	    (r = jv_check_keys(req, "", keys, d)) < 0)
		return r;
	if (jv_get_str(req, "name", "", 40, &name, d) < 0 ||
	    jv_get_str(req, "url", "", 200, &url, d) < 0) {
		if (!diag_has(d))
			diag_set(d, "name and url: required strings");
		return -EINVAL;
	}
	if (json_is_string(json_object_get(req, "token")))
		atok = json_string_value(json_object_get(req, "token"));
	if (jv_get_int(req, "cpu_milli", "", 1, RES_VALUE_MAX, &cap.v[RES_CPU],
		d) < 0 ||
	    jv_get_int(req, "memory_mib", "", 1, RES_VALUE_MAX, &cap.v[RES_MEM],
		d) < 0) {
		if (!diag_has(d))
			diag_set(d, "cpu_milli and memory_mib: required");
		return -EINVAL;
	}
	pthread_mutex_lock(&m->mu);
	r = put_host(m, name, url, atok, &cap, false, true, &h, d);
	if (r == 0)
		r = save_host(m, h, d);
	if (r == 0) {
		struct mhost *mh = &m->hosts[h];
		bool was_fenced = mh->fenced;
		struct detector *fresh = NULL;

		/* A new agent process: its heartbeat history starts again
		 * (the gap it was away for is not an interval to learn). */
		if (host_detector(m, &fresh, d) == 0) {
			detector_free(mh->det);
			mh->det = fresh;
		}
		detector_heartbeat(mh->det, now_ns(m));
		mh->last_seen_ns = now_ns(m);
		mh->suspected = false;
		/* A new agent process counts its events from 1 again; one
		 * that registers again resends only what we did not ack. */
		mh->ack = 0;
		if (cluster_host(m->c, h)->state == HOST_DOWN)
			cluster_set_host_state(m->c, h, HOST_UP);
		mh->fenced = false;
		event(m, "registered", NULL, name, "host %s registered from %s",
		    name, url);
		push_work(m, (struct work){ .kind = W_RECONCILE, .host = h });
		decide(m, EV_HOST_RECOVER, VM_NONE, h, 0);
		/* "fenced": what the agent still runs of ours may run
		 * elsewhere now; it kills its HA VMs before anything else. */
		*ret = json_pack("{s:i, s:I, s:b}", "heartbeat_ms",
		    m->cfg.heartbeat_ms ? m->cfg.heartbeat_ms : 250, "lease_ms",
		    (json_int_t)(lease_ns(m) / 1000000u), "fenced", was_fenced);
	}
	pthread_mutex_unlock(&m->mu);
	return r;
}

int
manager_host_heartbeat(struct manager *m, const char *name, const json_t *req,
    const char *token, json_t **ret, struct diag *d)
{
	const json_t *evs;
	struct mhost *mh;
	double pressure;
	host_id h;
	size_t i;
	json_t *e;
	int r;

	if ((r = check_token(m, token, d)) < 0)
		return r;
	if ((r = jv_expect_object(req, "", d)) < 0)
		return r;
	evs = json_object_get(req, "events");
	if (evs && !json_is_array(evs)) {
		diag_set(d, "events: must be an array");
		return -EINVAL;
	}
	r = jv_get_num(req, "memory_pressure", "", 0, 100, &pressure, d);
	if (r == -EINVAL)
		return r;
	if (r == -ENOENT)
		pressure = -1;
	pthread_mutex_lock(&m->mu);
	if (cluster_find_host(m->c, name, &h) < 0 || !m->hosts[h].remote) {
		pthread_mutex_unlock(&m->mu);
		diag_set(d, "no host called '%s': register first", name);
		return -ENOENT;
	}
	mh = &m->hosts[h];
	if (mh->fenced) {
		/* Declared failed: no lease for it any more (its HA VMs run
		 * elsewhere). The 404 makes the agent kill them and
		 * register again. */
		pthread_mutex_unlock(&m->mu);
		diag_set(d,
		    "host '%s' was declared failed: register again (its HA "
		    "VMs run elsewhere)",
		    name);
		return -ENOENT;
	}
	detector_heartbeat(mh->det, now_ns(m));
	mh->last_seen_ns = now_ns(m);
	mh->suspected = false;
	mh->pressure = pressure; /* before its events: they may need it */
	json_array_foreach(evs, i, e)
	{
		uint64_t seq =
		    (uint64_t)json_integer_value(json_object_get(e, "seq"));

		if (seq <= mh->ack && seq != 0)
			continue; /* seen before */
		agent_event(m, h, e);
		if (seq > mh->ack)
			mh->ack = seq;
	}
	*ret = json_pack("{s:I}", "ack", (json_int_t)mh->ack);
	pthread_mutex_unlock(&m->mu);
	return 0;
}

int
manager_why_not(struct manager *m, const char *vmn, const char *hostn,
    json_t **ret, struct diag *d)
{
	host_id h;
	vm_id v;
	struct why w;
	int r;

	pthread_mutex_lock(&m->mu);
	r = find_vm(m, vmn, &v, d);
	if (r == 0 && cluster_find_host(m->c, hostn, &h) < 0) {
		diag_set(d, "no host called '%s'", hostn);
		r = -ENOENT;
	}
	if (r == 0) {
		why_init(&w);
		r = cluster_check(m->c, v, h, &w) == 0;
		*ret = json_pack("{s:s, s:s, s:b, s:s?, s:o}", "vm", vmn,
		    "host", hostn, "fits", r, "placed_on",
		    host_name(m, m->vms[v].host), "reasons",
		    explain_json_all(m->c, v, &w));
		why_done(&w);
		r = 0;
	}
	pthread_mutex_unlock(&m->mu);
	return r;
}

int
manager_health(struct manager *m, json_t **ret)
{
	uint32_t up = 0, running = 0;

	pthread_mutex_lock(&m->mu);
	for (host_id h = 0; h < m->c->n_hosts; h++)
		up += cluster_host(m->c, h)->state == HOST_UP;
	for (vm_id v = 0; v < m->c->n_vms; v++)
		running += m->vms[v].st == S_RUNNING;
	*ret = json_pack("{s:s, s:i, s:i, s:i, s:i, s:s, s:s}", "status", "ok",
	    "hosts", m->c->n_hosts, "hosts_up", up, "vms_running", running,
	    "vms_queued", engine_queued(m->e), "allocation",
	    m->cfg.eng.allocation, "scheduling", m->cfg.eng.scheduling);
	pthread_mutex_unlock(&m->mu);
	return *ret ? 0 : -ENOMEM;
}

int
manager_strategies(struct manager *m, json_t **ret)
{
	const struct place_ops *const *p;
	const struct sched_ops *const *s;
	json_t *a = json_array(), *b = json_array();
	uint32_t n;

	(void)m;
	p = place_registry(&n);
	for (uint32_t i = 0; a && i < n; i++)
		json_array_append_new(a,
		    json_pack("{s:s, s:s}", "name", p[i]->name, "summary",
			p[i]->summary));
	s = sched_registry(&n);
	for (uint32_t i = 0; b && i < n; i++)
		json_array_append_new(b,
		    json_pack("{s:s, s:s}", "name", s[i]->name, "summary",
			s[i]->summary));
	*ret = json_pack("{s:o, s:o, s:s, s:s}", "allocation", a, "scheduling",
	    b, "active_allocation", m->cfg.eng.allocation, "active_scheduling",
	    m->cfg.eng.scheduling);
	return *ret ? 0 : -ENOMEM;
}

int
manager_events(struct manager *m, uint64_t since, uint32_t max,
    uint32_t wait_ms, json_t **ret)
{
	json_t *a = json_array();
	struct timespec ts;
	uint64_t last;

	if (!a)
		return -ENOMEM;
	if (max == 0 || max > 1000)
		max = 1000;
	clock_gettime(CLOCK_REALTIME, &ts);
	ts.tv_sec += wait_ms / 1000;
	ts.tv_nsec += (long)(wait_ms % 1000) * 1000000L;
	if (ts.tv_nsec >= 1000000000L) {
		ts.tv_sec++;
		ts.tv_nsec -= 1000000000L;
	}
	pthread_mutex_lock(&m->mu);
	while (m->ev_last <= since && wait_ms > 0 && !m->stopping)
		if (pthread_cond_timedwait(&m->ev_cond, &m->mu, &ts) != 0)
			break;
	last = m->ev_last;
	/* Older than the ring: those are in the store only. */
	if (last > EVENT_RING && since < last - EVENT_RING)
		since = last - EVENT_RING;
	for (uint64_t s = since + 1; s <= last && json_array_size(a) < max;
	     s++) {
		const struct mevent *e = &m->ring[s % EVENT_RING];

		if (e->seq == s && e->json)
			json_array_append_new(a, json_loads(e->json, 0, NULL));
	}
	pthread_mutex_unlock(&m->mu);
	*ret = json_pack("{s:o, s:I}", "events", a, "last", (json_int_t)last);
	return *ret ? 0 : -ENOMEM;
}

int
manager_metrics(struct manager *m, char **ret)
{
	uint32_t by[S_NSTATUS] = { 0 }, up = 0;
	size_t cap = 4096, off = 0;
	char *b = malloc(cap);

	if (!b)
		return -ENOMEM;
	pthread_mutex_lock(&m->mu);
	for (vm_id v = 0; v < m->c->n_vms; v++)
		if (cluster_vm(m->c, v)->state != VM_DELETED)
			by[m->vms[v].st]++;
	for (host_id h = 0; h < m->c->n_hosts; h++)
		up += cluster_host(m->c, h)->state == HOST_UP;
	off += (size_t)snprintf(b + off, cap - off,
	    "# HELP vmgr_vms VMs by status.\n# TYPE vmgr_vms gauge\n");
	for (int i = 0; i < S_NSTATUS; i++)
		off += (size_t)snprintf(b + off, cap - off,
		    "vmgr_vms{status=\"%s\"} %u\n", status_names[i], by[i]);
	off += (size_t)snprintf(b + off, cap - off,
	    "# HELP vmgr_hosts Hosts known and up.\n# TYPE vmgr_hosts gauge\n"
	    "vmgr_hosts{state=\"known\"} %u\nvmgr_hosts{state=\"up\"} %u\n"
	    "# HELP vmgr_queue_length VMs waiting for room.\n"
	    "# TYPE vmgr_queue_length gauge\nvmgr_queue_length %u\n"
	    "# TYPE vmgr_placements_total counter\nvmgr_placements_total "
	    "%" PRIu64
	    "\n# TYPE vmgr_restarts_total counter\nvmgr_restarts_total %" PRIu64
	    "\n# TYPE vmgr_refused_total counter\nvmgr_refused_total %" PRIu64
	    "\n# TYPE vmgr_vm_failures_total counter\nvmgr_vm_failures_total "
	    "%" PRIu64 "\n# TYPE vmgr_host_failures_total "
	    "counter\nvmgr_host_failures_total %" PRIu64
	    "\n# TYPE vmgr_agent_errors_total counter\nvmgr_agent_errors_total "
	    "%" PRIu64
	    "\n# TYPE vmgr_events_total counter\nvmgr_events_total %" PRIu64
	    "\n",
	    m->c->n_hosts, up, engine_queued(m->e), m->n_placed, m->n_restarts,
	    m->n_refused, m->n_failed_vms, m->n_host_fail, m->n_agent_errors,
	    m->ev_last);
	pthread_mutex_unlock(&m->mu);
	*ret = b;
	return 0;
}

/* --- life cycle ------------------------------------------------------------ */

struct restore {
	struct manager *m;
	struct diag *d;
};

static int
restore_host(void *ud, const struct store_host *sh)
{
	struct restore *rs = ud;
	struct manager *m = rs->m;
	json_t *j = json_loads(sh->info, 0, NULL);
	struct res cap = { { 0 } };
	const char *url, *tok, *state;
	bool watch;
	host_id h;
	int r;

	if (!j)
		return 0; /* unreadable row: skip it, keep the rest */
	url = json_string_value(json_object_get(j, "url"));
	tok = json_string_value(json_object_get(j, "token"));
	state = json_string_value(json_object_get(j, "state"));
	watch = json_is_true(json_object_get(j, "watch"));
	cap.v[RES_CPU] = json_integer_value(json_object_get(j, "cpu_milli"));
	cap.v[RES_MEM] = json_integer_value(json_object_get(j, "memory_mib"));
	r = url && cap.v[RES_CPU] > 0 && cap.v[RES_MEM] > 0
	    ? put_host(m, sh->name, url, tok, &cap, watch, !watch, &h, rs->d)
	    : -EINVAL;
	if (r == 0 && state && strcmp(state, "maintenance") == 0)
		cluster_set_host_state(m->c, h, HOST_MAINTENANCE);
	if (r == 0 && m->hosts[h].remote) {
		/* As if it had just spoken: its lease (if it still holds
		 * one) runs out no later than a lease from now. */
		detector_heartbeat(m->hosts[h].det, now_ns(m));
		m->hosts[h].last_seen_ns = now_ns(m);
	}
	json_decref(j);
	return r == -ENOMEM ? r : 0;
}

static int
restore_vm(void *ud, const struct store_vm *sv)
{
	struct restore *rs = ud;
	struct manager *m = rs->m;
	json_t *req = json_loads(sv->spec, 0, NULL);
	bool running = strcmp(sv->desired, "running") == 0;
	struct diag d = { 0 };
	host_id h;
	vm_id v;
	int r;

	if (!req) {
		mlog(m, LOGL_WARN, "store: VM %s: unreadable spec, skipped",
		    sv->name);
		return 0;
	}
	r = add_vm(m, req, running, sv->seq, &v, &d);
	json_decref(req);
	if (r < 0) {
		mlog(m, LOGL_WARN, "store: VM %s: %s", sv->name, d.msg);
		return r == -ENOMEM ? r : 0;
	}
	if (sv->seq >= m->next_seq)
		m->next_seq = sv->seq + 1;
	/* Placed before the restart: assume it runs there until the host
	 * reports (reconciliation corrects it). */
	if (running && sv->host[0] &&
	    cluster_find_host(m->c, sv->host, &h) == 0 &&
	    cluster_reserve_failover(m->c, v, h) == 0) {
		m->vms[v].host = h;
		m->vms[v].st = S_STARTING;
		m->vms[v].gen = 1;
	}
	return 0;
}

int
manager_new(
    const struct manager_config *cfg, struct manager **ret, struct diag *d)
{
	struct manager *m = calloc(1, sizeof(*m));
	struct restore rs = { m, d };
	int r;

	if (!m)
		return -ENOMEM;
	/* Before any thread of ours can make a link (executors, watchers). */
	if (link_global_init() < 0) {
		free(m);
		diag_set(d, "cannot initialise libcurl");
		return -EIO;
	}
	m->cfg = *cfg;
	m->so = cfg->store ? cfg->store : &store_sqlite;
	clock_init_monotonic(&m->clk);
	pthread_mutex_init(&m->mu, NULL);
	pthread_cond_init(&m->ev_cond, NULL);
	pthread_cond_init(&m->work_cond, NULL);
	pthread_cond_init(&m->tick_cond, NULL);
	engine_actions_init(&m->acts);
	m->next_seq = 1;
	if (cfg->eng.consolidate_ns) {
		diag_set(d,
		    "periodic consolidation is not run by vmgrd: 'vmgr plan "
		    "--apply' consolidates on demand");
		r = -EOPNOTSUPP;
		goto fail;
	}
	r = cluster_new(&m->c);
	if (r == 0 && cfg->n_plus_one)
		r = cluster_set_n_plus_one(m->c, true);
	if (r == 0)
		r = m->so->open(cfg->state_dir, &m->st, d);
	if (r == 0)
		r = m->so->host_list(m->st, restore_host, &rs, d);
	if (r == 0)
		r = engine_new(m->c, &cfg->eng, &m->e, d);
	if (r == 0)
		r = m->so->vm_list(m->st, restore_vm, &rs, d);
	if (r < 0)
		goto fail;
	pthread_mutex_lock(&m->mu);
	event(m, "manager", NULL, NULL,
	    "manager up: %u host%s and %u VM%s from the store (%s + %s)",
	    m->c->n_hosts, m->c->n_hosts == 1 ? "" : "s", m->c->n_vms,
	    m->c->n_vms == 1 ? "" : "s", cfg->eng.allocation,
	    cfg->eng.scheduling);
	/* Queued VMs that should run go back to the engine in their order;
	 * hosts are reconciled as they speak. */
	for (vm_id v = 0; v < m->c->n_vms; v++)
		if (m->vms[v].desired_running && m->vms[v].host == HOST_NONE)
			decide(m, EV_ARRIVE, v, HOST_NONE, 0);
	for (host_id h = 0; h < m->c->n_hosts; h++) {
		push_work(m, (struct work){ .kind = W_RECONCILE, .host = h });
		if (m->hosts[h].watch)
			start_watcher(m, h);
	}
	pthread_mutex_unlock(&m->mu);
	for (uint32_t i = 0; i < EXECUTORS; i++) {
		if (pthread_create(&m->executors[i], NULL, executor, m) != 0) {
			diag_set(d, "cannot start the manager's threads");
			r = -EAGAIN;
			goto fail;
		}
		m->n_executors++;
	}
	if (pthread_create(&m->ticker, NULL, ticker, m) != 0) {
		diag_set(d, "cannot start the manager's threads");
		r = -EAGAIN;
		goto fail;
	}
	m->has_ticker = true;
	*ret = m;
	return 0;
fail:
	manager_free(m);
	return r;
}

struct manager *
manager_free(struct manager *m)
{
	if (!m)
		return NULL;
	pthread_mutex_lock(&m->mu);
	m->stopping = true;
	pthread_cond_broadcast(&m->work_cond);
	pthread_cond_broadcast(&m->tick_cond);
	pthread_cond_broadcast(&m->ev_cond);
	pthread_mutex_unlock(&m->mu);
	for (uint32_t i = 0; i < m->n_executors; i++)
		pthread_join(m->executors[i], NULL);
	if (m->has_ticker)
		pthread_join(m->ticker, NULL);
	for (host_id h = 0; m->c && h < m->c->n_hosts; h++) {
		if (m->hosts[h].has_watcher)
			pthread_join(m->hosts[h].watcher, NULL);
		detector_free(m->hosts[h].det);
	}
	for (vm_id v = 0; m->c && v < m->c->n_vms; v++) {
		json_decref(m->vms[v].req);
		json_decref(m->vms[v].spec);
	}
	for (uint32_t i = 0; i < m->work_n; i++)
		free(m->work[m->work_head + i].spec);
	for (int i = 0; i < EVENT_RING; i++)
		free(m->ring[i].json);
	json_decref(m->plan.json);
	free(m->plan.moves);
	free(m->work);
	free(m->timers);
	free(m->vms);
	free(m->hosts);
	engine_free(m->e);
	engine_actions_done(&m->acts);
	if (m->st)
		m->so->close(m->st);
	cluster_free(m->c);
	pthread_cond_destroy(&m->ev_cond);
	pthread_cond_destroy(&m->work_cond);
	pthread_cond_destroy(&m->tick_cond);
	pthread_mutex_destroy(&m->mu);
	free(m);
	return NULL;
}
