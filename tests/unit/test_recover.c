/* test_recover.c - the recovery planner: examples, then properties over random clusters. */
#include "core/rng.h"
#include "fault/recover.h"
#include "tap.h"

#include <math.h>

static struct fault_model *model;

static host_id
host(struct cluster *c, const char *name, int64_t cpu, int64_t mem)
{
	struct host_spec s = { .name = name,
		.cap = { { cpu, mem, 100, 1000 } } };
	host_id h = HOST_NONE;

	cluster_add_host(c, &s, &h);
	return h;
}

static vm_id
vm(struct cluster *c, const char *name, int64_t cpu, int64_t mem, int32_t prio,
    bool ha, host_id on)
{
	struct vm_spec s = { .name = name,
		.demand = { { cpu, mem, 1, 10 } },
		.priority = prio,
		.ha = ha };
	vm_id v = VM_NONE;

	cluster_add_vm(c, &s, &v);
	if (on != HOST_NONE)
		cluster_reserve(c, v, on);
	return v;
}

/* A diagnosis from the shipped model for "name=state" symptoms. */
static struct fault_dx
dx_of(const char *symptoms)
{
	struct fault_dx dx = { 0 };
	struct fault_obs o;
	char buf[256], *save = NULL;

	fault_obs_init(&o);
	snprintf(buf, sizeof(buf), "%s", symptoms);
	for (char *t = strtok_r(buf, ";", &save); t;
	     t = strtok_r(NULL, ";", &save)) {
		char *eq = strchr(t, '=');

		*eq = '\0';
		for (int s = 0; s < FAULT_NSYMPTOMS; s++) {
			if (strcmp(fault_symptom_name(s), t) != 0)
				continue;
			if (s == SYM_QEMU_EXIT) {
				for (int e = 0; e < QEMU_NEXITS; e++)
					if (strcmp(fault_qemu_exit_name(e),
						eq + 1) == 0)
						o.sym[s] = (int8_t)e;
			} else {
				o.sym[s] = strcmp(eq + 1, "yes") == 0;
			}
		}
	}
	fault_diagnose(model, &o, &dx);
	return dx;
}

static void
print_plan(const struct cluster *c, const struct recover_plan *p)
{
	for (uint32_t i = 0; i < p->n; i++) {
		const struct recover_action *a = &p->v[i];

		tap_diag("%s %s%s%s%s%s: %s", recover_kind_name(a->kind),
		    cluster_host(c, a->host)->name, a->vm != VM_NONE ? " " : "",
		    a->vm != VM_NONE ? cluster_vm(c, a->vm)->name : "",
		    a->to != HOST_NONE ? " -> " : "",
		    a->to != HOST_NONE ? cluster_host(c, a->to)->name : "",
		    a->reason);
	}
}

static void
test_examples(void)
{
	struct recover_opts o;
	struct recover_plan p;
	struct cluster *c;
	struct recover_incident inc[2];
	struct diag d = { 0 };
	host_id h0, h1, h2;
	vm_id a, b, lo, nonha;
	int r;

	recover_opts_default(&o);
	recover_plan_init(&p);
	cluster_new(&c);
	h0 = host(c, "pm0", 8000, 16384);
	h1 = host(c, "pm1", 4000, 8192);
	h2 = host(c, "pm2", 2000, 4096);
	a = vm(c, "a", 2000, 4096, 10, true, h0);
	b = vm(c, "b", 2000, 4096, 500, true, h0);
	lo = vm(c, "lo", 3000, 4096, -5, true, h0);
	nonha = vm(c, "tmp", 500, 512, 0, false, h0);
	vm(c, "x", 2000, 4096, 0, true, h2);

	/* A dead host: fence it, restart by priority, lose what has no
	 * room and what is not HA. */
	inc[0] = (struct recover_incident){ .host = h0,
		.vm = VM_NONE,
		.dx =
		    dx_of("agent-heartbeats-missed=yes;peers-cannot-reach=yes;"
			  "guest-heartbeat-missing=yes") };
	ok(inc[0].dx.rank[0] == FAULT_HOST_HARDWARE,
	    "model: silent host, unreachable by peers -> hardware first "
	    "(%.2f)",
	    inc[0].dx.p[FAULT_HOST_HARDWARE]);
	r = recover_plan_make(c, inc, 1, &o, &p, &d);
	is_int(r, 0, "dead host: plans");
	print_plan(c, &p);
	ok(p.n >= 5 && p.v[0].kind == RECOVER_FENCE && p.v[0].host == h0,
	    "dead host: fenced first");
	ok(p.n >= 5 && p.v[1].kind == RECOVER_RESTART && p.v[1].vm == b &&
		p.v[1].to == h1,
	    "dead host: the highest priority VM restarts first");
	ok(p.n >= 5 && p.v[2].kind == RECOVER_RESTART && p.v[2].vm == a,
	    "dead host: then the next");
	ok(p.n >= 5 && p.v[3].kind == RECOVER_LOST && p.v[3].vm == nonha &&
		strstr(p.v[3].reason, "not marked ha"),
	    "dead host: the VM without ha is reported lost");
	ok(p.n >= 5 && p.v[4].kind == RECOVER_LOST && p.v[4].vm == lo &&
		strstr(p.v[4].reason, "no host can take it"),
	    "dead host: the lowest that does not fit is lost, with why: %s",
	    p.n >= 5 ? p.v[4].reason : "");
	ok(p.n == 5, "dead host: nothing else");

	/* A partition: the host lives; waiting beats fencing. */
	inc[0].dx = dx_of("agent-heartbeats-missed=yes;peers-cannot-reach=no");
	ok(inc[0].dx.rank[0] == FAULT_HOST_PARTITION,
	    "model: silent host that peers reach -> partition (%.2f)",
	    inc[0].dx.p[FAULT_HOST_PARTITION]);
	r = recover_plan_make(c, inc, 1, &o, &p, &d);
	print_plan(c, &p);
	ok(r == 0 && p.n == 1 && p.v[0].kind == RECOVER_WAIT,
	    "partition: wait");

	/* A crashed QEMU: restart in place. */
	inc[0] = (struct recover_incident){ .host = h0,
		.vm = a,
		.dx = dx_of("qemu-exit=crashed;guest-heartbeat-missing=yes") };
	ok(inc[0].dx.rank[0] == FAULT_HYPERVISOR_CRASH,
	    "model: QEMU crashed -> hypervisor crash (%.2f)",
	    inc[0].dx.p[FAULT_HYPERVISOR_CRASH]);
	r = recover_plan_make(c, inc, 1, &o, &p, &d);
	print_plan(c, &p);
	ok(r == 0 && p.n == 1 && p.v[0].kind == RECOVER_RESTART_IN_PLACE &&
		p.v[0].vm == a,
	    "QEMU crash: restart in place");

	/* A guest panic: restart in place too. */
	inc[0].dx = dx_of("guest-panicked=yes;guest-heartbeat-missing=yes");
	ok(inc[0].dx.rank[0] == FAULT_GUEST_FAILURE,
	    "model: panic event -> guest failure (%.2f)",
	    inc[0].dx.p[FAULT_GUEST_FAILURE]);
	r = recover_plan_make(c, inc, 1, &o, &p, &d);
	ok(r == 0 && p.n == 1 && p.v[0].kind == RECOVER_RESTART_IN_PLACE,
	    "guest panic: restart in place");

	/* Storage errors: move the VM off the host. */
	inc[0].dx = dx_of("block-io-error=yes;guest-heartbeat-missing=yes;"
			  "qmp-unresponsive=no;qemu-exit=running");
	ok(inc[0].dx.rank[0] == FAULT_STORAGE,
	    "model: block I/O errors -> storage (%.2f)",
	    inc[0].dx.p[FAULT_STORAGE]);
	r = recover_plan_make(c, inc, 1, &o, &p, &d);
	print_plan(c, &p);
	ok(r == 0 && p.n >= 1 &&
		(p.v[0].kind == RECOVER_MIGRATE ||
		    (p.v[0].kind == RECOVER_STOP && p.n == 2 &&
			p.v[1].kind == RECOVER_RESTART)),
	    "storage fault: the VM leaves its host");

	/* The OOM killer took a VM's QEMU: restart it elsewhere (it cannot
	 * migrate, it is gone). */
	inc[0] = (struct recover_incident){ .host = h0,
		.vm = a,
		.vm_exited = true,
		.dx = dx_of("host-memory-pressure=yes;qemu-exit=killed;"
			    "guest-heartbeat-missing=yes") };
	ok(inc[0].dx.rank[0] == FAULT_HOST_EXHAUSTION,
	    "model: memory pressure, QEMU killed -> exhaustion (%.2f)",
	    inc[0].dx.p[FAULT_HOST_EXHAUSTION]);
	r = recover_plan_make(c, inc, 1, &o, &p, &d);
	print_plan(c, &p);
	ok(r == 0 && p.n == 2 && p.v[0].kind == RECOVER_STOP &&
		p.v[1].kind == RECOVER_RESTART && p.v[1].to != h0,
	    "OOM-killed VM: stop (confirm) and restart elsewhere");

	/* A degrading host that still answers: drain it live. */
	memset(&inc[0], 0, sizeof(inc[0]));
	inc[0].host = h2;
	inc[0].vm = VM_NONE;
	inc[0].dx.p[FAULT_HOST_EXHAUSTION] = 0.9;
	inc[0].dx.p_none = 0.1;
	r = recover_plan_make(c, inc, 1, &o, &p, &d);
	print_plan(c, &p);
	ok(r == 0 && p.n == 2 && p.v[0].kind == RECOVER_DRAIN &&
		p.v[1].kind == RECOVER_MIGRATE,
	    "degrading host: drain and live-migrate");

	/* A live host whose agent saw memory pressure and a QEMU killed
	 * (the OOM killer): exhaustion; drained live, never fenced, even
	 * when a fence would be cheap. */
	inc[0] = (struct recover_incident){ .host = h0,
		.vm = VM_NONE,
		.reachable = true,
		.dx = dx_of("agent-heartbeats-missed=no;peers-cannot-reach=no;"
			    "host-memory-pressure=yes;qemu-exit=killed;"
			    "guest-heartbeat-missing=yes") };
	ok(inc[0].dx.rank[0] == FAULT_HOST_EXHAUSTION,
	    "model: pressure and a killed QEMU on a live host -> exhaustion "
	    "(%.2f)",
	    inc[0].dx.p[FAULT_HOST_EXHAUSTION]);
	o.costs.fence_s = 0;
	r = recover_plan_make(c, inc, 1, &o, &p, &d);
	print_plan(c, &p);
	{
		uint32_t fences = 0, drains = 0, migrations = 0;

		for (uint32_t i = 0; i < p.n; i++) {
			fences += p.v[i].kind == RECOVER_FENCE;
			drains += p.v[i].kind == RECOVER_DRAIN;
			migrations += p.v[i].kind == RECOVER_MIGRATE;
		}
		ok(r == 0 && fences == 0 && drains == 1 && migrations >= 1,
		    "reachable degrading host: drained by live migration, "
		    "not fenced (%u migrations)",
		    migrations);
	}
	recover_opts_default(&o);

	/* Bad input. */
	inc[0].vm = b;
	inc[0].host = h2;
	r = recover_plan_make(c, inc, 1, &o, &p, &d);
	is_int(
	    r, -EINVAL, "VM incident on the wrong host: -EINVAL (%s)", d.msg);
	inc[0] = (struct recover_incident){ .host = h1, .vm = VM_NONE };
	inc[1] = inc[0];
	r = recover_plan_make(c, inc, 2, &o, &p, &d);
	is_int(r, -EEXIST, "two incidents on one host: -EEXIST (%s)", d.msg);
	inc[0].dx.p[0] = 2;
	r = recover_plan_make(c, inc, 1, &o, &p, &d);
	is_int(r, -EINVAL, "probability above 1: -EINVAL");
	recover_plan_done(&p);
	cluster_free(c);
}

/* The test's own N+1 check on the replayed cluster, before placing v on
 * t: an independent reading of the definition. */
static bool
reserve_holds_after(const struct cluster *c, vm_id v, host_id t)
{
	int64_t fr[64][RES_NDIM], ha[64][RES_NDIM] = { { 0 } };
	const struct vm *x = cluster_vm(c, v);

	for (host_id h = 0; h < c->n_hosts; h++) {
		struct res f;

		host_free_res(cluster_host(c, h), &f);
		for (int d = 0; d < RES_NDIM; d++)
			fr[h][d] = f.v[d];
	}
	for (vm_id u = 0; u < c->n_vms; u++) {
		const struct vm *y = cluster_vm(c, u);

		if (y->host != HOST_NONE && y->ha && u != v)
			for (int d = 0; d < RES_NDIM; d++)
				ha[y->host][d] += y->demand.v[d];
	}
	for (int d = 0; d < RES_NDIM; d++) {
		fr[t][d] -= x->demand.v[d];
		if (x->ha)
			ha[t][d] += x->demand.v[d];
		if (x->host != HOST_NONE)
			fr[x->host][d] += x->demand.v[d];
	}
	for (host_id h = 0; h < c->n_hosts; h++) {
		if (cluster_host(c, h)->state != HOST_UP)
			continue;
		for (int d = 0; d < RES_NDIM; d++) {
			int64_t others = 0;

			for (host_id g = 0; g < c->n_hosts; g++)
				if (g != h &&
				    cluster_host(c, g)->state == HOST_UP)
					others += fr[g][d];
			if (ha[h][d] > others)
				return false;
		}
	}
	return true;
}

struct stats {
	unsigned plans, actions, fences, restarts, lost, migrations, waits,
	    in_place, stops;
	unsigned double_starts, overcommits, refused, unaccounted, misorder,
	    reserve_broken, bad;
};

/* Replays plan p on a copy of c and checks every promise of
 * recover_plan_make. */
static void
replay(const struct cluster *c, const struct recover_plan *p, bool n1,
    struct stats *st)
{
	struct cluster *r = NULL;
	bool fenced[64] = { false }, stopped[256] = { false };
	uint8_t running[256], started[256] = { 0 }, fate[256] = { 0 };
	bool on_fenced[256] = { false };
	int32_t last_prio = INT32_MAX;
	enum recover_kind prev = RECOVER_NKINDS;

	cluster_clone(c, &r);
	for (vm_id v = 0; v < c->n_vms; v++)
		running[v] = cluster_vm(c, v)->state == VM_RUNNING;
	for (uint32_t i = 0; i < p->n; i++) {
		const struct recover_action *a = &p->v[i];
		const struct vm *x =
		    a->vm != VM_NONE ? cluster_vm(r, a->vm) : NULL;

		st->actions++;
		switch (a->kind) {
		case RECOVER_FENCE:
			st->fences++;
			fenced[a->host] = true;
			for (vm_id v = 0; v < r->n_vms; v++) {
				if (cluster_vm(r, v)->host != a->host)
					continue;
				running[v] = 0;
				on_fenced[v] = true;
				cluster_release(r, v, VM_PENDING);
			}
			cluster_set_host_state(r, a->host, HOST_DOWN);
			break;
		case RECOVER_STOP:
			st->stops++;
			if (!x || x->host != a->host || fenced[a->host]) {
				st->bad++;
				tap_diag("bad stop %u", i);
			}
			running[a->vm] = 0;
			stopped[a->vm] = true;
			cluster_release(r, a->vm, VM_PENDING);
			break;
		case RECOVER_RESTART:
			st->restarts++;
			if (running[a->vm] || started[a->vm])
				st->double_starts++;
			if (!on_fenced[a->vm] && !stopped[a->vm])
				st->double_starts++;
			if (prev == RECOVER_RESTART || prev == RECOVER_LOST) {
				if (x->priority > last_prio)
					st->misorder++;
			}
			last_prio = x->priority;
			if (n1 && !on_fenced[a->vm] &&
			    !reserve_holds_after(r, a->vm, a->to))
				st->reserve_broken++;
			if (cluster_reserve(r, a->vm, a->to) < 0)
				st->refused++;
			running[a->vm] = started[a->vm] = 1;
			fate[a->vm]++;
			break;
		case RECOVER_RESTART_IN_PLACE:
			st->in_place++;
			if (!x || x->host != a->host || fenced[a->host] ||
			    started[a->vm]) {
				st->bad++;
				tap_diag("bad restart in place %u", i);
			}
			started[a->vm] = 1;
			break;
		case RECOVER_DRAIN:
			cluster_set_host_state(r, a->host, HOST_MAINTENANCE);
			break;
		case RECOVER_MIGRATE:
			st->migrations++;
			if (!x || x->host != a->host || started[a->vm]) {
				st->bad++;
				tap_diag("bad migration %u: %s on %d, says %d",
				    i, x ? x->name : "?", x ? (int)x->host : -1,
				    (int)a->host);
			}
			if (n1 && !reserve_holds_after(r, a->vm, a->to))
				st->reserve_broken++;
			/* Live: both hosts hold it while it moves. */
			if (cluster_check(r, a->vm, a->to, NULL) < 0)
				st->refused++;
			cluster_release(r, a->vm, VM_PENDING);
			if (cluster_reserve(r, a->vm, a->to) < 0)
				st->refused++;
			started[a->vm] = 1;
			break;
		case RECOVER_LOST:
			st->lost++;
			if (!on_fenced[a->vm] && !stopped[a->vm]) {
				st->bad++;
				tap_diag("bad lost %u", i);
			}
			if (prev == RECOVER_RESTART || prev == RECOVER_LOST) {
				if (x->priority > last_prio && x->ha)
					st->misorder++;
			}
			if (x->ha)
				last_prio = x->priority;
			fate[a->vm]++;
			break;
		default:
			st->waits++;
			break;
		}
		prev = a->kind;
		for (host_id h = 0; h < r->n_hosts; h++)
			for (int d = 0; d < RES_NDIM; d++)
				if (cluster_host(r, h)->alloc.v[d] >
				    cluster_host(r, h)->limit.v[d])
					st->overcommits++;
	}
	for (vm_id v = 0; v < c->n_vms; v++)
		if ((on_fenced[v] || stopped[v]) && fate[v] != 1)
			st->unaccounted++;
	cluster_free(r);
}

/* A random cluster of up to 12 hosts and 60 VMs, half of them placed. */
static struct cluster *
random_cluster(struct rng *g)
{
	struct cluster *c;
	uint32_t nh = 2 + (uint32_t)rng_below(g, 11);
	uint32_t nv = (uint32_t)rng_below(g, 61);
	char name[32];

	cluster_new(&c);
	for (uint32_t i = 0; i < nh; i++) {
		struct labels l = { 0 };
		struct host_spec s = { .name = name,
			.cap = { { 1000 * (int64_t)rng_range(g, 2, 16),
			    1024 * (int64_t)rng_range(g, 2, 64), 1000,
			    10000 } },
			.state =
			    rng_below(g, 10) == 0 ? HOST_MAINTENANCE : HOST_UP,
			.labels = &l };

		if (rng_below(g, 3) == 0)
			labels_set(&l, "zone", rng_below(g, 2) ? "a" : "b");
		snprintf(name, sizeof(name), "pm%u", i);
		cluster_add_host(c, &s, NULL);
		labels_done(&l);
	}
	for (uint32_t i = 0; i < nv; i++) {
		struct labels req = { 0 };
		struct vm_spec s = { .name = name,
			.demand = { { 500 * (int64_t)rng_range(g, 1, 8),
			    512 * (int64_t)rng_range(g, 1, 16), 10, 100 } },
			.priority = (int32_t)rng_range(g, -3, 3) * 100,
			.ha = rng_below(g, 4) != 0,
			.anti_affinity = rng_below(g, 5) == 0 ? "spread" : NULL,
			.affinity = rng_below(g, 12) == 0 ? "pair" : NULL,
			.requires = &req };
		vm_id v;

		if (rng_below(g, 8) == 0)
			labels_set(&req, "zone", "a");
		snprintf(name, sizeof(name), "vm%u", i);
		if (cluster_add_vm(c, &s, &v) == 0) {
			host_id h = (host_id)rng_below(g, nh);

			for (uint32_t k = 0; k < nh; k++)
				if (cluster_reserve(c, v, (h + k) % nh) == 0)
					break;
		}
		labels_done(&req);
	}
	return c;
}

static void
random_obs(struct rng *g, struct fault_obs *o, bool host_level)
{
	fault_obs_init(o);
	for (int s = 0; s < FAULT_NSYMPTOMS; s++) {
		bool vm_sym = s == SYM_QEMU_EXIT || s == SYM_QMP_UNRESPONSIVE ||
		    s == SYM_GUEST_PANICKED || s == SYM_BLOCK_IO_ERROR;

		if (host_level && vm_sym)
			continue;
		if (rng_below(g, 3) == 0)
			continue;
		o->sym[s] =
		    (int8_t)rng_below(g, s == SYM_QEMU_EXIT ? QEMU_NEXITS : 2);
	}
}

static void
test_properties(void)
{
	struct stats st = { 0 };
	struct rng g;
	unsigned runs = 3000, failed_calls = 0, fenced_reachable = 0;

	rng_init(&g, 7);
	for (unsigned run = 0; run < runs; run++) {
		struct cluster *c = random_cluster(&g);
		struct recover_incident inc[16];
		struct recover_opts o;
		struct recover_plan p;
		struct diag d = { 0 };
		uint32_t n = 0;
		bool used_host[64] = { false }, used_vm[256] = { false };
		bool reachable[64] = { false };

		recover_opts_default(&o);
		o.n_plus_one = rng_below(&g, 2);
		if (rng_below(&g, 3) == 0) {
			o.costs.restart_s = (double)rng_range(&g, 1, 600);
			o.costs.fence_s = (double)rng_range(&g, 1, 120);
			o.costs.recheck_s = (double)rng_range(&g, 1, 300);
		}
		for (uint32_t k = 0; k < 1 + rng_below(&g, 6); k++) {
			struct fault_obs obs;
			host_id h = (host_id)rng_below(&g, c->n_hosts);
			bool host_level =
			    rng_below(&g, 2) || cluster_host(c, h)->n_vms == 0;
			vm_id v = VM_NONE;

			if (!host_level) {
				v = cluster_host(c, h)->first_vm;
				for (uint64_t s = rng_below(&g, 4); s > 0 &&
				     cluster_vm(c, v)->next_on_host != VM_NONE;
				     s--)
					v = cluster_vm(c, v)->next_on_host;
				if (used_vm[v])
					continue;
				used_vm[v] = true;
			} else {
				if (used_host[h])
					continue;
				used_host[h] = true;
			}
			random_obs(&g, &obs, host_level);
			inc[n].host = h;
			inc[n].vm = v;
			/* An observed exit means the QEMU is gone. */
			inc[n].vm_exited = v != VM_NONE &&
			    obs.sym[SYM_QEMU_EXIT] > QEMU_RUNNING;
			/* Sometimes the host still answers: never fenced. */
			inc[n].reachable = host_level && rng_below(&g, 3) == 0;
			reachable[h] = inc[n].reachable;
			if (fault_diagnose(model, &obs, &inc[n].dx) < 0)
				continue;
			/* Sometimes a hard verdict the model would not give. */
			if (rng_below(&g, 4) == 0) {
				int cause = (int)rng_below(&g, FAULT_NCAUSES);

				memset(inc[n].dx.p, 0, sizeof(inc[n].dx.p));
				inc[n].dx.p[cause] = 1;
				inc[n].dx.p_none = 0;
			}
			n++;
		}
		recover_plan_init(&p);
		if (recover_plan_make(c, inc, n, &o, &p, &d) < 0) {
			failed_calls++;
			tap_diag("run %u: %s", run, d.msg);
		} else {
			st.plans++;
			replay(c, &p, o.n_plus_one, &st);
			for (uint32_t i = 0; i < p.n; i++)
				if (p.v[i].kind == RECOVER_FENCE &&
				    reachable[p.v[i].host])
					fenced_reachable++;
		}
		recover_plan_done(&p);
		cluster_free(c);
	}
	tap_diag("%u plans, %u actions: %u fences, %u stops, %u restarts, "
		 "%u in place, %u migrations, %u lost, %u waits",
	    st.plans, st.actions, st.fences, st.stops, st.restarts, st.in_place,
	    st.migrations, st.lost, st.waits);
	is_int(failed_calls, 0, "every random plan is made");
	is_int(
	    fenced_reachable, 0, "a host that still answers is never fenced");
	is_int(st.double_starts, 0,
	    "no VM is started twice or restarted before its fence or stop");
	is_int(st.overcommits, 0, "no host is ever over-committed");
	is_int(st.refused, 0,
	    "every restart and migration passes "
	    "cluster_check (capacity, state, labels, groups)");
	is_int(st.unaccounted, 0,
	    "every VM of a fenced host or stopped VM is restarted or lost, "
	    "exactly once");
	is_int(st.misorder, 0, "restarts go in priority order");
	is_int(st.reserve_broken, 0,
	    "with n_plus_one, only HA restarts after a fence use the reserve");
	is_int(st.bad, 0, "every action names a VM where it is");
	ok(st.fences > 100 && st.restarts > 100 && st.lost > 10 &&
		st.migrations > 10 && st.in_place > 10 && st.waits > 100,
	    "the random cases exercise every kind of action");
}

int
main(void)
{
	struct diag d = { 0 };

	if (fault_model_default(&model, &d) < 0) {
		ok(0, "the shipped diagnosis model loads: %s", d.msg);
		return tap_done();
	}
	test_examples();
	test_properties();
	fault_model_free(model);
	return tap_done();
}
