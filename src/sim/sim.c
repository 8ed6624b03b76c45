/* sim.c - discrete-event simulation of a trace through the decision engine. */
#include "sim/sim.h"

#include "core/clock.h"
#include "core/mem.h"
#include "core/rng.h"
#include "sim/evq.h"
#include "sim/hosts.h"
#include "sim/source.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

/* Event classes: at one instant, lower classes go first (a host coming back
 * and departures free room before arrivals ask for it). */
enum {
	C_REPAIR,
	C_DEPART,
	C_FAIL,
	C_DETECT,
	C_USAGE,
	C_ARRIVE,
	C_TIMER,
	C_SAMPLE,
};

#define FOREVER UINT64_MAX
#define STRAND_SHARE 0.05 /* a dimension below 5% free strands the others */

/* What the simulator knows of a VM beyond the model. */
struct svm {
	uint64_t arrive_ns, remaining_ns, run_start_ns, fail_ns;
	uint16_t *cpu_use; /* owned samples, or NULL */
	uint64_t step_ns;
	uint32_t n_samples, sample;
	uint32_t version; /* bumps on every stop: older events are stale */
	host_id on; /* where it truly runs, or HOST_NONE */
	int64_t used_cpu; /* its share of on's used CPU */
	bool started, queued_once, forever;
	bool down; /* its host failed under it: the next start is a restart */
};

/* What is true of a host, whatever the model believes. */
struct shost {
	int64_t used_cpu;
	uint32_t n_running;
	double watts;
	bool failed; /* dead or powered off: nothing runs here */
	bool partitioned; /* alive, VMs run, but nobody reaches it */
	bool overloaded;
	enum fault_cause cause; /* of the current failure */
};

struct sim {
	const struct sim_opts *o;
	struct cluster *c;
	struct engine *e;
	struct engine_actions acts;
	struct hosts_power power;
	struct evq q;
	struct source src;
	bool src_done;
	struct rng rng;
	struct svm *vms;
	uint32_t cap_vms;
	struct shost *hosts;
	uint64_t now, trace_end;
	/* Integrals over time. */
	uint32_t active_hosts, overloaded_hosts, running;
	double total_watts;
	struct res alloc_sum, active_cap;
	int64_t used_cpu_sum;
	double a_active, a_overload, a_energy, a_alloc[RES_NDIM],
	    a_cap[RES_NDIM], a_used_cpu, a_cap_cpu;
	double strand_sum[RES_NDIM];
	uint32_t strand_samples, strand_stride, cap_rows;
	uint64_t n_samples;
	struct res cap_all; /* every host's capacity, for the time series */
	float *waits;
	uint32_t n_waits, cap_waits;
	/* VMs the engine believes run but that are dead (a migration off a
	 * failed host): reported back as EV_VM_FAILED after each event. */
	vm_id *dead;
	uint32_t n_dead, cap_dead;
	double restart_sum;
	uint64_t n_restart;
	struct fault_model *fm; /* draws and diagnoses injected faults */
	double host_rate, vm_rate[FAULT_NCAUSES]; /* per second */
	double rate[FAULT_NCAUSES]; /* per host/VM-year */
	double detect_sum;
	uint64_t n_detect;
	struct sim_result *r;
	struct diag *d;
};

void
sim_opts_default(struct sim_opts *o)
{
	memset(o, 0, sizeof(*o));
	engine_opts_default(&o->eng);
	o->hosts = "100x16:64";
	o->ha = true;
	o->detect_s = 3;
	o->repair_s = 3600;
}

void
sim_result_done(struct sim_result *r)
{
	free(r->rows);
	r->rows = NULL;
	r->n_rows = 0;
}

static int
push(struct sim *s, uint64_t t, unsigned cls, uint32_t id, uint32_t aux)
{
	if (t > EVQ_TIME_MAX)
		return 0; /* beyond any horizon we can represent: never */
	return evq_push(&s->q, (struct ev){ evq_key(t, cls), id, aux });
}

/* Moves the integrals to time t. */
static void
advance(struct sim *s, uint64_t t)
{
	double dt;

	if (t <= s->now)
		return;
	dt = (double)(t - s->now) * 1e-9;
	s->a_active += s->active_hosts * dt;
	s->a_overload += s->overloaded_hosts * dt;
	s->a_energy += s->total_watts * dt;
	for (int d = 0; d < RES_NDIM; d++) {
		s->a_alloc[d] += (double)s->alloc_sum.v[d] * dt;
		s->a_cap[d] += (double)s->active_cap.v[d] * dt;
	}
	s->a_used_cpu += (double)s->used_cpu_sum * dt;
	s->now = t;
}

/* Recomputes host h's power and overload after its use changed. */
static void
host_changed(struct sim *s, host_id h)
{
	struct shost *sh = &s->hosts[h];
	const struct host *hs = cluster_host(s->c, h);
	double u = hs->cap.v[RES_CPU]
	    ? (double)sh->used_cpu / (double)hs->cap.v[RES_CPU]
	    : 0;
	bool over = sh->n_running > 0 && sh->used_cpu > hs->cap.v[RES_CPU];
	double w = sh->n_running > 0 ? hosts_watts(&s->power, h, u) : 0;

	s->total_watts += w - sh->watts;
	sh->watts = w;
	if (over != sh->overloaded) {
		s->overloaded_hosts += over ? 1 : (uint32_t)-1;
		sh->overloaded = over;
	}
}

static int64_t
vm_used_cpu(const struct sim *s, vm_id v)
{
	const struct svm *x = &s->vms[v];
	int64_t demand = cluster_vm(s->c, v)->demand.v[RES_CPU];
	uint32_t i;

	if (!x->cpu_use || x->n_samples == 0)
		return demand;
	i = x->sample < x->n_samples ? x->sample : x->n_samples - 1;
	return demand * x->cpu_use[i] / 1000;
}

/* The VM starts truly running on h. */
static void
truth_start(struct sim *s, vm_id v, host_id h)
{
	struct svm *x = &s->vms[v];
	struct shost *sh = &s->hosts[h];
	const struct res *dem = &cluster_vm(s->c, v)->demand;

	x->on = h;
	x->used_cpu = vm_used_cpu(s, v);
	if (sh->n_running++ == 0) {
		s->active_hosts++;
		res_add(&s->active_cap, &cluster_host(s->c, h)->cap,
		    &s->active_cap);
	}
	sh->used_cpu += x->used_cpu;
	s->used_cpu_sum += x->used_cpu;
	res_add(&s->alloc_sum, dem, &s->alloc_sum);
	s->running++;
	host_changed(s, h);
}

/* The VM stops truly running (wherever it was). */
static void
truth_stop(struct sim *s, vm_id v)
{
	struct svm *x = &s->vms[v];
	host_id h = x->on;
	struct shost *sh;

	x->version++;
	if (h == HOST_NONE)
		return;
	sh = &s->hosts[h];
	sh->used_cpu -= x->used_cpu;
	s->used_cpu_sum -= x->used_cpu;
	res_sub(&s->alloc_sum, &cluster_vm(s->c, v)->demand, &s->alloc_sum);
	if (--sh->n_running == 0) {
		s->active_hosts--;
		res_sub(&s->active_cap, &cluster_host(s->c, h)->cap,
		    &s->active_cap);
	}
	s->running--;
	x->on = HOST_NONE;
	x->used_cpu = 0;
	host_changed(s, h);
}

static int
record_wait(struct sim *s, double w)
{
	int r = mem_grow(
	    &s->waits, &s->cap_waits, s->n_waits + 1, sizeof(*s->waits));

	if (r < 0)
		return r;
	s->waits[s->n_waits++] = (float)w;
	return 0;
}

static int vm_faults(struct sim *s, vm_id v);

/* Starts v on h as the engine decided: departure and usage follow. */
static int
start(struct sim *s, vm_id v, host_id h, bool restart)
{
	struct svm *x = &s->vms[v];
	int r = 0;

	if (s->hosts[h].failed) {
		/* The model did not know yet: it dies at once, and the
		 * host's detection will deal with it. */
		x->fail_ns = s->now;
		x->down = true;
		x->version++;
		return 0;
	}
	if (!x->started) {
		x->started = true;
		s->r->started++;
		r = record_wait(s, (double)(s->now - x->arrive_ns) * 1e-9);
	}
	if (restart || x->down) {
		x->down = false;
		s->r->restarted++;
		s->restart_sum += (double)(s->now - x->fail_ns) * 1e-9;
		s->n_restart++;
		if ((double)(s->now - x->fail_ns) * 1e-9 > s->r->restart_max_s)
			s->r->restart_max_s =
			    (double)(s->now - x->fail_ns) * 1e-9;
	}
	if (x->on != HOST_NONE)
		s->r->double_runs++; /* must never happen: the tests check */
	x->run_start_ns = s->now;
	truth_start(s, v, h);
	if (r == 0)
		r = vm_faults(s, v);
	if (r == 0 && !x->forever)
		r = push(s, s->now + x->remaining_ns, C_DEPART, v, x->version);
	if (r == 0 && x->cpu_use && x->sample + 1 < x->n_samples)
		r = push(s, s->now + x->step_ns, C_USAGE, v, x->version);
	return r;
}

/* The VM stops running before its time (preempted, suspended, lost). */
static void
interrupt(struct sim *s, vm_id v)
{
	struct svm *x = &s->vms[v];

	if (x->on != HOST_NONE && !x->forever) {
		uint64_t ran = s->now - x->run_start_ns;

		x->remaining_ns =
		    ran < x->remaining_ns ? x->remaining_ns - ran : 0;
	}
	truth_stop(s, v);
}

static int
apply(struct sim *s)
{
	int r = 0;

	if (s->acts.dropped) {
		diag_set(s->d, "out of memory in the engine's action list");
		return -ENOMEM;
	}
	for (uint32_t i = 0; i < s->acts.n && r == 0; i++) {
		const struct engine_action *a = &s->acts.v[i];

		switch (a->kind) {
		case ACT_START:
			r = start(s, a->vm, a->host, false);
			break;
		case ACT_RESTART:
			r = start(s, a->vm, a->host, true);
			break;
		case ACT_QUEUE:
			if (!s->vms[a->vm].queued_once) {
				s->vms[a->vm].queued_once = true;
				s->r->queued_vms++;
			}
			break;
		case ACT_REFUSE:
			s->r->refused++;
			break;
		case ACT_PREEMPT:
			s->r->preemptions++;
			interrupt(s, a->vm);
			break;
		case ACT_SUSPEND:
			s->r->suspensions++;
			interrupt(s, a->vm);
			break;
		case ACT_STOP:
			/* A departure (already counted) or a fence's stop of a
			 * VM that died with its host. */
			if (s->vms[a->vm].on == a->host)
				truth_stop(s, a->vm);
			break;
		case ACT_LOST:
			s->r->lost++;
			truth_stop(s, a->vm);
			break;
		case ACT_MIGRATE: {
			struct svm *x = &s->vms[a->vm];
			uint64_t keep = x->version;

			if (x->on == HOST_NONE || s->hosts[a->host].failed) {
				/* Nothing to move, or nowhere alive to move
				 * it to: the migration fails and the VM is
				 * dead; the engine hears of it next. */
				truth_stop(s, a->vm);
				x->down = true;
				x->fail_ns = s->now;
				r = mem_grow(&s->dead, &s->cap_dead,
				    s->n_dead + 1, sizeof(*s->dead));
				if (r == 0)
					s->dead[s->n_dead++] = a->vm;
				break;
			}
			s->r->migrations++;
			s->r->migration_gib +=
			    cluster_vm(s->c, a->vm)->demand.v[RES_MEM] / 1024.0;
			s->r->migration_s += (double)(a->at_ns - s->now) * 1e-9;
			/* Same run, new host: keep its events valid. */
			truth_stop(s, a->vm);
			x->version = (uint32_t)keep;
			truth_start(s, a->vm, a->host);
			break;
		}
		case ACT_TIMER:
			r = push(s, a->at_ns, C_TIMER,
			    a->host == HOST_NONE ? UINT32_MAX : a->host,
			    a->timer);
			break;
		case ACT_FENCE:
			/* Powered off out of band: whatever still ran there
			 * (a partitioned host's VMs) stops now. */
			s->hosts[a->host].failed = true;
			for (vm_id v = cluster_host(s->c, a->host)->first_vm;
			     v != VM_NONE;
			     v = cluster_vm(s->c, v)->next_on_host) {
				if (s->vms[v].on == a->host) {
					interrupt(s, v);
					s->vms[v].fail_ns = s->now;
					s->vms[v].down = true;
				}
			}
			break;
		default:
			break; /* power on/off: follow from the above */
		}
	}
	return r;
}

/* Hands ev to the engine and carries out what it decides. */
static int
handle_event(struct sim *s, const struct engine_event *in)
{
	struct engine_event ev;
	int r;

	engine_actions_clear(&s->acts);
	r = engine_handle(s->e, in, &s->acts);
	if (r < 0) {
		diag_set(s->d, "engine refused an event at %.3f s: %s",
		    (double)s->now * 1e-9, strerror(-r));
		return r;
	}
	r = apply(s);
	/* Failed migrations: the VM died; tell the engine (which may
	 * decide more migrations, whose failures come round again). */
	while (r == 0 && s->n_dead > 0) {
		vm_id x = s->dead[--s->n_dead];

		if (cluster_vm(s->c, x)->state != VM_RUNNING)
			continue;
		ev = (struct engine_event){
			.kind = EV_VM_FAILED, .now_ns = s->now, .vm = x
		};
		engine_actions_clear(&s->acts);
		r = engine_handle(s->e, &ev, &s->acts);
		if (r == 0)
			r = apply(s);
	}
	return r;
}

static int
handle(struct sim *s, enum engine_event_kind k, vm_id v, host_id h,
    enum engine_timer timer)
{
	struct engine_event ev = {
		.kind = k, .now_ns = s->now, .vm = v, .host = h, .timer = timer
	};

	return handle_event(s, &ev);
}

static int
track(struct sim *s)
{
	uint32_t cap = s->cap_vms ? s->cap_vms : 4096;
	void *p;

	while (cap < s->c->n_vms)
		cap *= 2;
	if (cap == s->cap_vms)
		return 0;
	p = realloc(s->vms, (size_t)cap * sizeof(*s->vms));
	if (!p)
		return -ENOMEM;
	s->vms = p;
	memset(s->vms + s->cap_vms, 0, (cap - s->cap_vms) * sizeof(*s->vms));
	s->cap_vms = cap;
	return 0;
}

/* Reads the next record and schedules its arrival. */
static int
next_arrival(struct sim *s)
{
	const struct trace_rec *rec;
	struct vm_spec spec = { 0 };
	char name[80];
	struct svm *x;
	vm_id v;
	int r;

	if (s->src_done)
		return 0;
	r = s->src.next(s->src.ctx, &rec, s->d);
	if (r < 0)
		return r;
	if (r == 0 || (s->o->horizon_ns && rec->arrive_ns > s->o->horizon_ns)) {
		s->src_done = true;
		/* VMs that run to the end of the trace leave at its end. */
		return push(s, s->trace_end > s->now ? s->trace_end : s->now,
		    C_DEPART, UINT32_MAX, 0);
	}
	spec.name = rec->name;
	spec.demand = rec->demand;
	spec.priority = rec->priority < VM_PRIORITY_MIN ? VM_PRIORITY_MIN
	    : rec->priority > VM_PRIORITY_MAX		? VM_PRIORITY_MAX
							: rec->priority;
	spec.ha = s->o->ha;
	r = cluster_add_vm(s->c, &spec, &v);
	for (uint32_t k = 1; r == -EEXIST && k < 1000000; k++) {
		/* Traces repeat names (PlanetLab across days): keep both. */
		snprintf(name, sizeof(name), "%.60s#%u", rec->name, k);
		spec.name = name;
		r = cluster_add_vm(s->c, &spec, &v);
	}
	if (r < 0) {
		diag_set(s->d, "trace record '%s': cannot add the VM: %s",
		    rec->name, strerror(-r));
		return r;
	}
	if ((r = track(s)) < 0)
		return r;
	x = &s->vms[v];
	x->on = HOST_NONE;
	x->arrive_ns = rec->arrive_ns > s->now ? rec->arrive_ns : s->now;
	x->forever = rec->depart_ns == TRACE_FOREVER;
	x->remaining_ns = x->forever	      ? FOREVER
	    : rec->depart_ns > rec->arrive_ns ? rec->depart_ns - rec->arrive_ns
					      : 1;
	if (!x->forever && rec->depart_ns > s->trace_end)
		s->trace_end = rec->depart_ns;
	if (rec->arrive_ns > s->trace_end)
		s->trace_end = rec->arrive_ns;
	if (rec->cpu_use && rec->n_samples > 0) {
		x->cpu_use = malloc(rec->n_samples * sizeof(*x->cpu_use));
		if (!x->cpu_use)
			return -ENOMEM;
		memcpy(x->cpu_use, rec->cpu_use,
		    rec->n_samples * sizeof(*x->cpu_use));
		x->n_samples = rec->n_samples;
		x->step_ns = rec->step_ns ? rec->step_ns : 300 * NS_PER_S;
	}
	s->r->vms++;
	return push(s, x->arrive_ns, C_ARRIVE, v, 0);
}

/* Fault events carry the cause and flags in aux: */
#define F_CAUSE 0x7u
#define F_RANDOM 0x8u /* drawn from a rate: draw the next after repair */
#define F_VM 0x10u /* id is a VM, and aux >> 8 its version */

/* How long the cause takes to notice: a host by its heartbeats; a QEMU
 * exit at once; a hung guest by its own heartbeat; storage by I/O errors. */
static double
detect_delay(const struct sim *s, enum fault_cause c)
{
	switch (c) {
	case FAULT_HOST_HARDWARE:
	case FAULT_HOST_PARTITION:
		return s->o->detect_s;
	case FAULT_GUEST_FAILURE:
		return 5.0;
	case FAULT_STORAGE:
		return 1.0;
	default:
		return 0.05;
	}
}

/* A host cause drawn in proportion to the configured rates. */
static enum fault_cause
host_cause(struct sim *s)
{
	double u = rng_unit(&s->rng) * s->host_rate;

	for (int c = 0; c < FAULT_NCAUSES; c++) {
		if (!fault_cause_is_host((enum fault_cause)c))
			continue;
		if (u < s->rate[c] / (365.25 * 86400))
			return (enum fault_cause)c;
		u -= s->rate[c] / (365.25 * 86400);
	}
	return FAULT_HOST_HARDWARE;
}

static int
next_host_fault(struct sim *s, host_id h, uint64_t from)
{
	double t;

	if (s->host_rate <= 0)
		return 0;
	t = rng_exp(&s->rng, 1.0 / s->host_rate);
	return push(s, from + (uint64_t)(t * 1e9), C_FAIL, h,
	    (unsigned)host_cause(s) | F_RANDOM);
}

/* At each start, each VM cause draws its time to strike this run. */
static int
vm_faults(struct sim *s, vm_id v)
{
	const struct svm *x = &s->vms[v];

	for (int c = 0; c < FAULT_NCAUSES; c++) {
		double t;
		int r;

		if (s->vm_rate[c] <= 0 ||
		    fault_cause_is_host((enum fault_cause)c))
			continue;
		t = rng_exp(&s->rng, 1.0 / s->vm_rate[c]) * 1e9;
		if (!x->forever && t >= (double)x->remaining_ns)
			continue;
		if (t > 1e18)
			continue;
		r = push(s, s->now + (uint64_t)t, C_FAIL, v,
		    (unsigned)c | F_VM | (x->version << 8));
		if (r < 0)
			return r;
	}
	return 0;
}

static int
fail_schedule(struct sim *s)
{
	const char *p;
	int r;

	for (int c = 0; c < FAULT_NCAUSES; c++)
		s->rate[c] = s->o->fault_rate[c];
	s->rate[FAULT_HOST_HARDWARE] += s->o->fail_per_host_year;
	for (int c = 0; c < FAULT_NCAUSES; c++) {
		double per_s = s->rate[c] / (365.25 * 86400);

		if (fault_cause_is_host((enum fault_cause)c))
			s->host_rate += per_s;
		else
			s->vm_rate[c] = per_s;
	}
	for (host_id h = 0; h < s->c->n_hosts; h++)
		if ((r = next_host_fault(s, h, 0)) < 0)
			return r;
	/* "T:HOST" (hardware) in fail_at; "T:HOST:CAUSE" in fault_at. */
	for (int pass = 0; pass < 2; pass++) {
		const char *what = pass ? "fault-at" : "fail-at";

		p = pass ? s->o->fault_at : s->o->fail_at;
		while (p && *p) {
			enum fault_cause cause = FAULT_HOST_HARDWARE;
			char name[32] = "";
			double t;
			unsigned long h;
			int used = 0, k;

			k = pass ? sscanf(p, "%lf:%lu:%31[a-z-]%n", &t, &h,
				       name, &used)
				 : sscanf(p, "%lf:%lu%n", &t, &h, &used);
			if (k != 2 + pass || t < 0 || t > 1e9 ||
			    h >= s->c->n_hosts ||
			    (pass && fault_cause_parse(name, &cause) < 0)) {
				diag_set(s->d,
				    "%s: '%s': expected SECONDS:HOST%s with "
				    "HOST below %u",
				    what, p,
				    pass ? ":CAUSE (host-hardware, "
					   "host-partition, hypervisor-crash, "
					   "guest-failure, storage, "
					   "host-exhaustion)"
					 : "",
				    s->c->n_hosts);
				return -EINVAL;
			}
			r = push(s, (uint64_t)(t * 1e9), C_FAIL, (uint32_t)h,
			    (unsigned)cause);
			if (r < 0)
				return r;
			p += used;
			if (*p == ',') {
				p++;
			} else if (*p) {
				diag_set(
				    s->d, "%s: expected ',' at '%s'", what, p);
				return -EINVAL;
			}
		}
	}
	return 0;
}

/* Draws the symptoms of `cause` and diagnoses them; counts a top-1 hit.
 * What a host that nobody reaches shows is its silence only. */
static void
diagnose(struct sim *s, enum fault_cause cause, uint64_t since,
    struct fault_obs *obs)
{
	struct fault_dx dx;

	fault_sample(s->fm, cause, &s->rng, obs);
	if (cause == FAULT_HOST_HARDWARE || cause == FAULT_HOST_PARTITION) {
		for (int k = 0; k < FAULT_NSYMPTOMS; k++)
			if (k != SYM_AGENT_HEARTBEATS_MISSED &&
			    k != SYM_PEERS_CANNOT_REACH)
				obs->sym[k] = FAULT_UNOBSERVED;
	} else {
		obs->sym[SYM_AGENT_HEARTBEATS_MISSED] = FAULT_UNOBSERVED;
		obs->sym[SYM_PEERS_CANNOT_REACH] = FAULT_UNOBSERVED;
	}
	if (fault_diagnose(s->fm, obs, &dx) == 0 && dx.rank[0] == cause)
		s->r->diag_correct[cause]++;
	s->detect_sum += (double)(s->now - since) * 1e-9;
	s->n_detect++;
}

/* The VM dies where it runs; its agent notices after the cause's delay. */
static int
vm_dies(struct sim *s, vm_id v, enum fault_cause cause)
{
	struct svm *x = &s->vms[v];

	interrupt(s, v);
	x->fail_ns = s->now;
	x->down = true;
	s->r->failures++;
	s->r->faults[cause]++;
	return push(s, s->now + (uint64_t)(detect_delay(s, cause) * 1e9),
	    C_DETECT, v, (unsigned)cause | F_VM | (x->version << 8));
}

static int
on_fail(struct sim *s, uint32_t id, unsigned aux)
{
	enum fault_cause cause = (enum fault_cause)(aux & F_CAUSE);
	struct shost *sh;
	int r;

	if (aux & F_VM) {
		struct svm *x = &s->vms[id];

		if ((aux >> 8) != (x->version & 0xffffffu) ||
		    x->on == HOST_NONE)
			return 0;
		return vm_dies(s, id, cause);
	}
	sh = &s->hosts[id];
	if (sh->failed || sh->partitioned)
		return 0;
	if (cause == FAULT_HOST_EXHAUSTION) {
		/* The host lives; the kernel kills the largest VM. */
		vm_id big = VM_NONE;

		for (vm_id v = cluster_host(s->c, id)->first_vm; v != VM_NONE;
		     v = cluster_vm(s->c, v)->next_on_host)
			if (s->vms[v].on == id &&
			    (big == VM_NONE ||
				cluster_vm(s->c, v)->demand.v[RES_MEM] >
				    cluster_vm(s->c, big)->demand.v[RES_MEM]))
				big = v;
		r = big != VM_NONE ? vm_dies(s, big, cause) : 0;
		return r == 0 && (aux & F_RANDOM)
		    ? next_host_fault(s, id, s->now)
		    : r;
	}
	s->r->failures++;
	s->r->faults[cause]++;
	sh->cause = cause;
	if (cause == FAULT_HOST_PARTITION) {
		/* Its VMs run on, out of reach, until it is fenced. */
		sh->partitioned = true;
	} else {
		sh->failed = true;
		for (vm_id v = cluster_host(s->c, id)->first_vm; v != VM_NONE;
		     v = cluster_vm(s->c, v)->next_on_host) {
			if (s->vms[v].on == id) {
				interrupt(s, v);
				s->vms[v].fail_ns = s->now;
				s->vms[v].down = true;
			}
		}
	}
	r = push(s, s->now + (uint64_t)(s->o->detect_s * 1e9), C_DETECT, id,
	    (unsigned)cause);
	if (r == 0)
		r = push(s, s->now + (uint64_t)(s->o->repair_s * 1e9), C_REPAIR,
		    id, aux & F_RANDOM);
	return r;
}

/* Stranded capacity needs a pass over the hosts: at most this many, spread
 * over the run (the stride doubles each time the count is reached). */
#define STRAND_PASSES 512

static void
strand_pass(struct sim *s)
{
	struct res strand = { { 0 } }, on_cap = { { 0 } };

	for (host_id h = 0; h < s->c->n_hosts; h++) {
		const struct host *hs = cluster_host(s->c, h);
		struct res free;
		bool tight = false;

		if (s->hosts[h].n_running == 0)
			continue;
		res_add(&on_cap, &hs->limit, &on_cap);
		host_free_res(hs, &free);
		for (int d = 0; d < 2; d++)
			if (hs->limit.v[d] > 0 &&
			    free.v[d] < STRAND_SHARE * hs->limit.v[d])
				tight = true;
		if (tight)
			for (int d = 0; d < RES_NDIM; d++)
				strand.v[d] += free.v[d];
	}
	for (int d = 0; d < RES_NDIM; d++)
		if (on_cap.v[d] > 0)
			s->strand_sum[d] += (double)strand.v[d] / on_cap.v[d];
	s->strand_samples++;
}

static void
sample_row(struct sim *s)
{
	struct sim_row row = { .t_ns = s->now };
	const struct res *all = &s->cap_all;
	void *p;

	if (s->n_samples++ % s->strand_stride == 0) {
		strand_pass(s);
		/* Every STRAND_PASSES passes, half as many from then on. */
		if (s->strand_samples % STRAND_PASSES == 0)
			s->strand_stride *= 2;
	}
	row.active_hosts = s->active_hosts;
	row.running = s->running;
	row.queued = engine_queued(s->e);
	row.alloc_cpu = all->v[RES_CPU]
	    ? (double)s->alloc_sum.v[RES_CPU] / all->v[RES_CPU]
	    : 0;
	row.alloc_mem = all->v[RES_MEM]
	    ? (double)s->alloc_sum.v[RES_MEM] / all->v[RES_MEM]
	    : 0;
	row.used_cpu =
	    all->v[RES_CPU] ? (double)s->used_cpu_sum / all->v[RES_CPU] : 0;
	row.power_w = s->total_watts;
	if (s->r->n_rows == s->cap_rows) {
		uint32_t cap = s->cap_rows ? 2 * s->cap_rows : 1024;

		p = realloc(s->r->rows, cap * sizeof(row));
		if (!p)
			return; /* a missing sample is not worth failing the run */
		s->r->rows = p;
		s->cap_rows = cap;
	}
	s->r->rows[s->r->n_rows++] = row;
}

/* Is there anything left that can change? */
static bool
live(const struct sim *s)
{
	return !s->src_done || s->running > 0;
}

static int
step(struct sim *s, const struct ev *ev)
{
	unsigned cls = evq_class(ev->key);
	uint32_t id = ev->id;

	switch (cls) {
	case C_ARRIVE: {
		int r = handle(s, EV_ARRIVE, id, HOST_NONE, 0);

		return r < 0 ? r : next_arrival(s);
	}
	case C_DEPART:
		if (id == UINT32_MAX) {
			/* The trace ended: VMs meant to run to its end go. */
			for (vm_id v = 0; v < s->c->n_vms; v++) {
				const struct vm *vm = cluster_vm(s->c, v);
				int r;

				if (!s->vms[v].forever ||
				    (vm->state != VM_RUNNING &&
					vm->state != VM_QUEUED))
					continue;
				if (vm->state == VM_RUNNING)
					s->r->completed++;
				truth_stop(s, v);
				r = handle(s, EV_DEPART, v, HOST_NONE, 0);
				if (r < 0)
					return r;
			}
			return 0;
		}
		if (ev->aux != s->vms[id].version || s->vms[id].on == HOST_NONE)
			return 0;
		s->r->completed++;
		truth_stop(s, id);
		return handle(s, EV_DEPART, id, HOST_NONE, 0);
	case C_USAGE: {
		struct svm *x = &s->vms[id];
		struct engine_event ev2;
		int64_t was;

		if (ev->aux != x->version || x->on == HOST_NONE)
			return 0;
		x->sample++;
		was = x->used_cpu;
		x->used_cpu = vm_used_cpu(s, id);
		s->hosts[x->on].used_cpu += x->used_cpu - was;
		s->used_cpu_sum += x->used_cpu - was;
		host_changed(s, x->on);
		ev2 = (struct engine_event){
			.kind = EV_USAGE, .now_ns = s->now, .vm = id
		};
		ev2.used = cluster_vm(s->c, id)->demand;
		ev2.used.v[RES_CPU] = x->used_cpu;
		engine_actions_clear(&s->acts);
		engine_handle(s->e, &ev2, &s->acts);
		if (x->sample + 1 < x->n_samples)
			return push(
			    s, s->now + x->step_ns, C_USAGE, id, x->version);
		return 0;
	}
	case C_FAIL:
		if (!live(s))
			return 0;
		return on_fail(s, id, ev->aux);
	case C_DETECT: {
		enum fault_cause cause = (enum fault_cause)(ev->aux & F_CAUSE);
		struct fault_obs obs;
		struct engine_event e2;

		if (ev->aux & F_VM) {
			const struct svm *x = &s->vms[id];

			if ((ev->aux >> 8) != (x->version & 0xffffffu) ||
			    cluster_vm(s->c, id)->state != VM_RUNNING)
				return 0;
			diagnose(s, cause, x->fail_ns, &obs);
			return handle(s, EV_VM_FAILED, id, HOST_NONE, 0);
		}
		if (!s->hosts[id].failed && !s->hosts[id].partitioned)
			return 0;
		diagnose(
		    s, cause, s->now - (uint64_t)(s->o->detect_s * 1e9), &obs);
		e2 = (struct engine_event){ .kind = EV_HOST_FAIL,
			.now_ns = s->now,
			.host = id,
			.obs = &obs };
		return handle_event(s, &e2);
	}
	case C_REPAIR: {
		int r = 0;

		s->hosts[id].failed = false;
		s->hosts[id].partitioned = false;
		/* The model may still place VMs here that died with the host
		 * (it was never fenced): the rebooted agent reports them. */
		for (vm_id v = cluster_host(s->c, id)->first_vm;
		     v != VM_NONE && r == 0;) {
			vm_id next = cluster_vm(s->c, v)->next_on_host;

			if (s->vms[v].on != id &&
			    cluster_vm(s->c, v)->state == VM_RUNNING)
				r = handle(s, EV_VM_FAILED, v, HOST_NONE, 0);
			v = next;
		}
		if (r == 0)
			r = handle(s, EV_HOST_RECOVER, VM_NONE, id, 0);
		if (r == 0 && ev->aux && live(s))
			r = next_host_fault(s, id, s->now);
		return r;
	}
	case C_TIMER:
		if ((enum engine_timer)ev->aux == TIMER_RECHECK) {
			if (id < s->c->n_hosts &&
			    (s->hosts[id].failed || s->hosts[id].partitioned))
				return handle(s, EV_HOST_FAIL, VM_NONE, id, 0);
			return 0;
		}
		if (!live(s))
			return 0;
		return handle(s, EV_TIMER, VM_NONE, HOST_NONE,
		    (enum engine_timer)ev->aux);
	case C_SAMPLE:
		sample_row(s);
		if (live(s))
			return push(
			    s, s->now + s->o->sample_ns, C_SAMPLE, 0, 0);
		return 0;
	}
	return 0;
}

static double
wall(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + ts.tv_nsec * 1e-9;
}

static int
cmp_float(const void *a, const void *b)
{
	float x = *(const float *)a, y = *(const float *)b;

	return x < y ? -1 : x > y;
}

static void
finish(struct sim *s)
{
	struct sim_result *r = s->r;
	double sum = 0;

	r->sim_s = (double)s->now * 1e-9;
	r->host_hours = s->a_active / 3600;
	r->overload_host_hours = s->a_overload / 3600;
	r->overload_share = s->a_active > 0 ? s->a_overload / s->a_active : 0;
	r->energy_kwh = s->power.available ? s->a_energy / 3.6e6 : NAN;
	for (int d = 0; d < RES_NDIM; d++) {
		r->util_alloc[d] =
		    s->a_cap[d] > 0 ? s->a_alloc[d] / s->a_cap[d] : 0;
		r->stranded[d] = s->strand_samples
		    ? s->strand_sum[d] / s->strand_samples
		    : 0;
	}
	r->util_used_cpu =
	    s->a_cap[RES_CPU] > 0 ? s->a_used_cpu / s->a_cap[RES_CPU] : 0;
	if (s->n_waits) {
		qsort(s->waits, s->n_waits, sizeof(*s->waits), cmp_float);
		for (uint32_t i = 0; i < s->n_waits; i++)
			sum += s->waits[i];
		r->wait_mean_s = sum / s->n_waits;
		r->wait_p50_s = s->waits[(s->n_waits - 1) / 2];
		r->wait_p90_s = s->waits[(uint32_t)((s->n_waits - 1) * 0.9)];
		r->wait_p99_s = s->waits[(uint32_t)((s->n_waits - 1) * 0.99)];
		r->wait_max_s = s->waits[s->n_waits - 1];
	}
	r->restart_mean_s = s->n_restart ? s->restart_sum / s->n_restart : 0;
	r->detect_mean_s = s->n_detect ? s->detect_sum / s->n_detect : 0;
}

int
sim_run(const struct sim_opts *o, struct sim_result *r, struct diag *d)
{
	struct sim s = { .o = o, .r = r, .d = d };
	struct sim_opts oo = *o;
	double t0 = wall(), last = t0;
	struct ev ev;
	int rc;

	memset(r, 0, sizeof(*r));
	if (oo.sample_ns == 0)
		oo.sample_ns = 300 * NS_PER_S;
	s.o = &oo;
	snprintf(r->allocation, sizeof(r->allocation), "%s", o->eng.allocation);
	snprintf(r->scheduling, sizeof(r->scheduling), "%s", o->eng.scheduling);
	rng_init(&s.rng, o->eng.seed ^ 0x5eed5eedULL);
	evq_init(&s.q);
	engine_actions_init(&s.acts);
	rc = cluster_new(&s.c);
	if (rc == 0) {
		const char *data = getenv("VMGR_DATA");
		char dir[4096];

		snprintf(dir, sizeof(dir), "%s/specpower_cloudsim",
		    data && data[0] ? data : VMGR_SHARED_DATA);
		rc = hosts_build(s.c, o->hosts,
		    o->power_dir ? o->power_dir : dir, o->cpu_overcommit,
		    &s.power, d);
	}
	if (rc == 0) {
		s.hosts = calloc(s.c->n_hosts, sizeof(*s.hosts));
		rc = s.hosts ? 0 : -ENOMEM;
		s.strand_stride = 1;
		for (host_id h = 0; rc == 0 && h < s.c->n_hosts; h++)
			res_add(
			    &s.cap_all, &cluster_host(s.c, h)->cap, &s.cap_all);
	}
	r->hosts = s.c ? s.c->n_hosts : 0;
	if (rc == 0)
		rc = engine_new(s.c, &o->eng, &s.e, d);
	if (rc == 0)
		rc = fault_model_default(&s.fm, d);
	if (rc == 0) {
		struct trace_opts to = o->topts;

		to.seed = o->eng.seed;
		rc = source_open(o->trace, &to, &s.src, d);
	}
	if (rc == 0)
		rc = fail_schedule(&s);
	if (rc == 0)
		rc = push(&s, 0, C_SAMPLE, 0, 0);
	if (rc == 0)
		rc = next_arrival(&s);
	while (rc == 0 && evq_pop(&s.q, &ev)) {
		uint64_t t = evq_time(ev.key);

		if (oo.horizon_ns && t > oo.horizon_ns)
			break;
		advance(&s, t);
		rc = step(&s, &ev);
		r->events++;
		if (o->progress && (r->events & 0xffff) == 0 &&
		    wall() - last > 0.5) {
			struct sim_progress p = { r->events, s.now, r->vms,
				wall() - t0 };

			last = wall();
			o->progress(o->progress_ctx, &p);
		}
	}
	if (s.src.ctx) {
		if (s.src.skipped)
			r->bad_lines = s.src.skipped(s.src.ctx);
		source_close(&s.src);
	}
	if (rc == 0) {
		sample_row(&s);
		finish(&s);
	}
	r->wall_s = wall() - t0;
	for (uint32_t v = 0; v < s.cap_vms && s.vms; v++)
		free(s.vms[v].cpu_use);
	free(s.vms);
	free(s.hosts);
	free(s.waits);
	free(s.dead);
	evq_done(&s.q);
	engine_actions_done(&s.acts);
	engine_free(s.e);
	fault_model_free(s.fm);
	hosts_power_done(&s.power);
	cluster_free(s.c);
	return rc;
}
