/* test_engine.c - the decision engine: queueing, slices, preemption, failures, consolidation. */
#include "core/rng.h"
#include "decide/engine.h"
#include "tap.h"

static struct cluster *
hosts(uint32_t n, int64_t cpu, int64_t mem)
{
	struct cluster *c;
	char name[16];

	cluster_new(&c);
	for (uint32_t i = 0; i < n; i++) {
		struct host_spec s = { .name = name,
			.cap = { { cpu, mem, 0, 0 } } };

		snprintf(name, sizeof(name), "pm%u", i);
		cluster_add_host(c, &s, NULL);
	}
	return c;
}

static vm_id
vm(struct cluster *c, const char *name, int64_t cpu, int64_t mem, int32_t prio,
    bool ha)
{
	struct vm_spec s = { .name = name,
		.demand = { { cpu, mem, 0, 0 } },
		.priority = prio,
		.ha = ha };
	vm_id v = VM_NONE;

	cluster_add_vm(c, &s, &v);
	return v;
}

static int
ev(struct engine *e, enum engine_event_kind k, uint64_t t, vm_id v, host_id h,
    struct engine_actions *a)
{
	struct engine_event x = { .kind = k, .now_ns = t, .vm = v, .host = h };

	engine_actions_clear(a);
	return engine_handle(e, &x, a);
}

/* The kinds of a's actions as "start:A@pm0 queue:B" for comparison. */
static const char *
show(const struct cluster *c, const struct engine_actions *a)
{
	static char buf[1024];
	size_t off = 0;

	buf[0] = '\0';
	for (uint32_t i = 0; i < a->n && off < sizeof(buf); i++) {
		const struct engine_action *x = &a->v[i];

		off += (size_t)snprintf(buf + off, sizeof(buf) - off, "%s%s",
		    i ? " " : "", engine_action_name(x->kind));
		if (x->vm != VM_NONE)
			off += (size_t)snprintf(buf + off, sizeof(buf) - off,
			    ":%s", cluster_vm(c, x->vm)->name);
		if (x->host != HOST_NONE && off < sizeof(buf))
			off += (size_t)snprintf(buf + off, sizeof(buf) - off,
			    "@%s", cluster_host(c, x->host)->name);
	}
	return buf;
}

static void
test_seed(void)
{
	struct cluster *c = hosts(1, 1000, 1024);
	struct engine_opts o;
	struct engine_actions a;
	struct engine *e = NULL;
	struct diag d;
	vm_id A = vm(c, "A", 1000, 512, 0, true),
	      B = vm(c, "B", 1000, 512, 0, true);

	engine_opts_default(&o);
	engine_actions_init(&a);
	ok(engine_new(c, &o, &e, &d) == 0, "engine with first-fit + fcfs");
	ev(e, EV_ARRIVE, 1, A, HOST_NONE, &a);
	is_str(show(c, &a), "power-on@pm0 start:A@pm0", "A starts on pm0");
	ev(e, EV_ARRIVE, 2, B, HOST_NONE, &a);
	is_str(show(c, &a), "queue:B", "B waits: the CPU is taken");
	is_int(engine_queued(e), 1, "one VM queued");
	ev(e, EV_DEPART, 3, A, HOST_NONE, &a);
	is_str(show(c, &a), "stop:A@pm0 power-off@pm0 power-on@pm0 start:B@pm0",
	    "A leaves, B starts");
	is_int(engine_queued(e), 0, "queue empty");
	is_int(ev(e, EV_DEPART, 4, A, HOST_NONE, &a), -EINVAL,
	    "A cannot leave twice");
	is_int(ev(e, EV_ARRIVE, 5, 99, HOST_NONE, &a), -EINVAL, "unknown VM");
	engine_free(e);
	engine_actions_done(&a);
	cluster_free(c);
}

static void
test_fcfs_blocks_and_backfill(void)
{
	struct cluster *c = hosts(1, 4000, 8192);
	struct engine_opts o;
	struct engine_actions a;
	struct engine *e = NULL;
	struct diag d;
	vm_id big, wide, small;

	engine_opts_default(&o);
	engine_actions_init(&a);
	big = vm(c, "big", 3000, 1024, 0, true);
	wide = vm(c, "wide", 2000, 1024, 0, true);
	small = vm(c, "small", 1000, 1024, 0, true);
	engine_new(c, &o, &e, &d);
	ev(e, EV_ARRIVE, 1, big, HOST_NONE, &a);
	ev(e, EV_ARRIVE, 2, wide, HOST_NONE, &a);
	ev(e, EV_ARRIVE, 3, small, HOST_NONE, &a);
	is_str(show(c, &a), "queue:small",
	    "strict fcfs: small waits behind wide although it fits");
	engine_free(e);
	cluster_free(c);

	c = hosts(1, 4000, 8192);
	big = vm(c, "big", 3000, 1024, 0, true);
	wide = vm(c, "wide", 2000, 1024, 0, true);
	small = vm(c, "small", 1000, 1024, 0, true);
	o.scheduling_params = "backfill=true";
	engine_new(c, &o, &e, &d);
	ev(e, EV_ARRIVE, 1, big, HOST_NONE, &a);
	ev(e, EV_ARRIVE, 2, wide, HOST_NONE, &a);
	ev(e, EV_ARRIVE, 3, small, HOST_NONE, &a);
	is_str(show(c, &a), "start:small@pm0", "backfill: small overtakes");
	ev(e, EV_DEPART, 4, big, HOST_NONE, &a);
	is_str(show(c, &a), "stop:big@pm0 start:wide@pm0",
	    "wide starts when big leaves");
	engine_free(e);
	engine_actions_done(&a);
	cluster_free(c);
}

/* With no_queue a VM that does not fit at its arrival is refused for good;
 * the queue stays empty and a later arrival that fits still starts. */
static void
test_no_queue(void)
{
	struct cluster *c = hosts(1, 2000, 4096);
	struct engine_opts o;
	struct engine_actions a;
	struct engine *e = NULL;
	struct diag d;
	vm_id A = vm(c, "A", 2000, 1024, 0, true),
	      B = vm(c, "B", 1000, 1024, 0, true),
	      C = vm(c, "C", 1000, 1024, 0, true);

	engine_opts_default(&o);
	o.no_queue = true;
	engine_actions_init(&a);
	ok(engine_new(c, &o, &e, &d) == 0, "engine without a queue");
	ev(e, EV_ARRIVE, 1, A, HOST_NONE, &a);
	is_str(show(c, &a), "power-on@pm0 start:A@pm0", "A starts");
	ev(e, EV_ARRIVE, 2, B, HOST_NONE, &a);
	is_str(show(c, &a), "refuse:B", "B is refused, not queued");
	is_int(engine_queued(e), 0, "nothing waits");
	is_int(cluster_vm(c, B)->state, VM_FAILED, "B is failed for good");
	is_int(ev(e, EV_DEPART, 3, B, HOST_NONE, &a), -EINVAL,
	    "a refused VM cannot depart");
	ev(e, EV_DEPART, 4, A, HOST_NONE, &a);
	is_str(show(c, &a), "stop:A@pm0 power-off@pm0",
	    "A leaves; B does not come back");
	ev(e, EV_ARRIVE, 5, C, HOST_NONE, &a);
	is_str(show(c, &a), "power-on@pm0 start:C@pm0", "C fits and starts");
	engine_free(e);
	engine_actions_done(&a);
	cluster_free(c);
}

static void
test_priority_and_refuse(void)
{
	struct cluster *c = hosts(1, 1000, 1024);
	struct engine_opts o;
	struct engine_actions a;
	struct engine *e = NULL;
	struct diag d;
	vm_id run = vm(c, "run", 1000, 512, 0, true);
	vm_id lo = vm(c, "lo", 1000, 512, 1, true);
	vm_id hi = vm(c, "hi", 1000, 512, 5, true);
	vm_id huge = vm(c, "huge", 2000, 512, 0, true);

	engine_opts_default(&o);
	o.scheduling = "priority";
	engine_actions_init(&a);
	engine_new(c, &o, &e, &d);
	ev(e, EV_ARRIVE, 1, run, HOST_NONE, &a);
	ev(e, EV_ARRIVE, 2, lo, HOST_NONE, &a);
	ev(e, EV_ARRIVE, 3, hi, HOST_NONE, &a);
	ev(e, EV_ARRIVE, 4, huge, HOST_NONE, &a);
	is_str(show(c, &a), "refuse:huge",
	    "a VM larger than every host is refused, not queued");
	is_int(cluster_vm(c, huge)->state, VM_FAILED, "refused VM failed");
	ev(e, EV_DEPART, 5, run, HOST_NONE, &a);
	is_str(show(c, &a),
	    "stop:run@pm0 power-off@pm0 power-on@pm0 start:hi@pm0",
	    "priority: hi starts before lo, which came first");
	engine_free(e);

	/* Priority-based allocation preempts. */
	o.allocation = "priority";
	o.scheduling = "fcfs";
	cluster_free(c);
	c = hosts(1, 1000, 1024);
	lo = vm(c, "lo", 1000, 512, 1, true);
	hi = vm(c, "hi", 1000, 512, 5, true);
	engine_new(c, &o, &e, &d);
	ev(e, EV_ARRIVE, 1, lo, HOST_NONE, &a);
	ev(e, EV_ARRIVE, 2, hi, HOST_NONE, &a);
	is_str(show(c, &a),
	    "preempt:lo@pm0 power-off@pm0 power-on@pm0 start:hi@pm0",
	    "hi preempts lo");
	is_int(engine_queued(e), 1, "lo back in the queue");
	ev(e, EV_DEPART, 3, hi, HOST_NONE, &a);
	is_str(show(c, &a),
	    "stop:hi@pm0 power-off@pm0 power-on@pm0 start:lo@pm0",
	    "lo resumes when hi leaves");
	engine_free(e);
	engine_actions_done(&a);
	cluster_free(c);
}

static void
test_round_robin(void)
{
	struct cluster *c = hosts(1, 1000, 1024);
	struct engine_opts o;
	struct engine_actions a;
	struct engine *e = NULL;
	struct diag d;
	vm_id x = vm(c, "x", 1000, 512, 0, true),
	      y = vm(c, "y", 1000, 512, 0, true);
	uint64_t s = 1000000000;

	engine_opts_default(&o);
	o.scheduling = "rr";
	o.scheduling_params = "slice_s=1";
	engine_actions_init(&a);
	engine_new(c, &o, &e, &d);
	ev(e, EV_ARRIVE, 0, x, HOST_NONE, &a);
	ev(e, EV_ARRIVE, 1, y, HOST_NONE, &a);
	ok(a.n == 2 && a.v[0].kind == ACT_TIMER &&
		a.v[0].timer == TIMER_SLICE && a.v[0].at_ns == s &&
		a.v[1].kind == ACT_QUEUE,
	    "y waits; a slice timer is armed at 1 s (%s)", show(c, &a));
	{
		struct engine_event t = {
			.kind = EV_TIMER, .now_ns = s, .timer = TIMER_SLICE
		};

		engine_actions_clear(&a);
		engine_handle(e, &t, &a);
	}
	ok(strncmp(show(c, &a),
	       "suspend:x@pm0 power-off@pm0 power-on@pm0 start:y@pm0", 52) == 0,
	    "at 1 s x yields to y (%s)", show(c, &a));
	ok(a.n > 0 && a.v[a.n - 1].kind == ACT_TIMER &&
		a.v[a.n - 1].at_ns == 2 * s,
	    "the next slice ends at 2 s");
	is_int(cluster_vm(c, x)->state, VM_QUEUED, "x queued");
	engine_free(e);
	engine_actions_done(&a);
	cluster_free(c);
}

static void
test_failure(void)
{
	struct cluster *c = hosts(3, 4000, 8192);
	struct engine_opts o;
	struct engine_actions a;
	struct engine *e = NULL;
	struct diag d;
	vm_id v[4];
	uint32_t fences = 0, restarts = 0, lost = 0;

	engine_opts_default(&o);
	engine_actions_init(&a);
	v[0] = vm(c, "a", 2500, 1024, 5, true);
	v[1] = vm(c, "b", 1000, 1024, 1, true);
	v[2] = vm(c, "c", 500, 1024, 0, false);
	v[3] = vm(c, "d", 3500, 1024, 0, true);
	engine_new(c, &o, &e, &d);
	for (int i = 0; i < 3; i++)
		ev(e, EV_ARRIVE, (uint64_t)i, v[i], HOST_NONE, &a);
	ev(e, EV_ARRIVE, 3, v[3], HOST_NONE, &a); /* d on pm1 */
	ok(cluster_vm(c, v[0])->host == 0 && cluster_vm(c, v[2])->host == 0 &&
		cluster_vm(c, v[3])->host == 1,
	    "a, b, c on pm0; d on pm1");
	ev(e, EV_HOST_FAIL, 10, VM_NONE, 0, &a);
	for (uint32_t i = 0; i < a.n; i++) {
		fences += a.v[i].kind == ACT_FENCE;
		restarts += a.v[i].kind == ACT_RESTART;
		lost += a.v[i].kind == ACT_LOST;
	}
	ok(fences == 1 && a.v[0].kind == ACT_FENCE,
	    "the failed host is fenced first (%s)", show(c, &a));
	is_int(restarts, 2, "the HA VMs a and b restart elsewhere");
	is_int(lost, 1, "the non-HA VM c is lost");
	ok(a.n > 2 && cluster_vm(c, v[0])->host == 2 &&
		cluster_vm(c, v[1])->host == 2,
	    "a (priority 5) and b restart on pm2, the host with room");
	is_int(cluster_host(c, 0)->state, HOST_DOWN, "pm0 is down");
	ev(e, EV_HOST_RECOVER, 20, VM_NONE, 0, &a);
	is_int(cluster_host(c, 0)->state, HOST_UP, "pm0 is back");
	engine_free(e);
	engine_actions_done(&a);
	cluster_free(c);
}

static void
test_consolidation(void)
{
	struct cluster *c = hosts(3, 4000, 8192);
	struct engine_opts o;
	struct engine_actions a;
	struct engine *e = NULL;
	struct diag d;
	uint32_t migrations = 0, offs = 0;
	vm_id v[3];

	engine_opts_default(&o);
	o.allocation = "worst-fit"; /* spread them first */
	o.consolidate_ns = 60ULL * 1000000000;
	engine_actions_init(&a);
	for (int i = 0; i < 3; i++) {
		char n[8];

		snprintf(n, sizeof(n), "v%d", i);
		v[i] = vm(c, n, 1000, 1024, 0, true);
	}
	engine_new(c, &o, &e, &d);
	for (int i = 0; i < 3; i++)
		ev(e, EV_ARRIVE, (uint64_t)i, v[i], HOST_NONE, &a);
	ok(cluster_host(c, 0)->n_vms == 1 && cluster_host(c, 1)->n_vms == 1 &&
		cluster_host(c, 2)->n_vms == 1,
	    "worst fit spreads three VMs over three hosts");
	{
		struct engine_event t = { .kind = EV_TIMER,
			.now_ns = o.consolidate_ns,
			.timer = TIMER_CONSOLIDATE };

		engine_actions_clear(&a);
		engine_handle(e, &t, &a);
	}
	for (uint32_t i = 0; i < a.n; i++) {
		migrations += a.v[i].kind == ACT_MIGRATE;
		offs += a.v[i].kind == ACT_POWER_OFF;
	}
	is_int(migrations, 2, "two migrations (%s)", show(c, &a));
	is_int(offs, 2, "two hosts powered off");
	ok(cluster_host(c, 2)->n_vms == 3 || cluster_host(c, 1)->n_vms == 3 ||
		cluster_host(c, 0)->n_vms == 3,
	    "all three VMs on one host");
	engine_free(e);
	engine_actions_done(&a);
	cluster_free(c);
}

/* Random events: the model never over-commits, every start is of a VM
 * that was waiting, and the queue count matches the VMs in state queued. */
static void
test_random(void)
{
	static const char *const allocs[] = { "first-fit", "best-fit",
		"priority", "performance" };
	static const char *const scheds[] = { "fcfs", "priority", "rr" };
	bool good = true;
	uint64_t actions = 0;

	for (uint64_t seed = 1; seed <= 120 && good; seed++) {
		struct rng r;
		struct cluster *c;
		struct engine_opts o;
		struct engine_actions a;
		struct engine *e = NULL;
		struct diag d;
		uint64_t t = 0;
		uint32_t nv = 0;

		rng_init(&r, seed);
		c = hosts(1 + (uint32_t)rng_below(&r, 6), 4000, 8192);
		engine_opts_default(&o);
		o.allocation = allocs[seed % 4];
		o.scheduling = scheds[seed % 3];
		o.scheduling_params = seed % 3 == 2 ? "slice_s=0.001" : NULL;
		o.consolidate_ns = seed % 2 ? 5000000 : 0;
		o.seed = seed;
		engine_actions_init(&a);
		if (engine_new(c, &o, &e, &d) < 0) {
			good = false;
			break;
		}
		for (int k = 0; k < 300 && good; k++) {
			uint32_t what = (uint32_t)rng_below(&r, 10);
			struct engine_event x = { .now_ns = t };
			uint32_t queued = 0;

			t += (uint64_t)rng_below(&r, 3000000);
			x.now_ns = t;
			if (what < 5 || nv == 0) {
				char name[16];

				snprintf(name, sizeof(name), "v%u", nv);
				x.kind = EV_ARRIVE;
				x.vm = vm(c, name, rng_range(&r, 100, 4500),
				    rng_range(&r, 100, 4000),
				    (int32_t)rng_range(&r, 0, 3),
				    rng_below(&r, 2));
				nv++;
			} else if (what < 8) {
				vm_id v = (vm_id)rng_below(&r, nv);

				if (cluster_vm(c, v)->state != VM_RUNNING &&
				    cluster_vm(c, v)->state != VM_QUEUED)
					continue;
				x.kind = EV_DEPART;
				x.vm = v;
			} else if (what == 8) {
				x.kind = EV_TIMER;
				x.timer = seed % 3 == 2 ? TIMER_SLICE
							: TIMER_CONSOLIDATE;
			} else {
				x.host = (host_id)rng_below(&r, c->n_hosts);
				x.kind =
				    cluster_host(c, x.host)->state == HOST_UP
				    ? EV_HOST_FAIL
				    : EV_HOST_RECOVER;
			}
			engine_actions_clear(&a);
			if (engine_handle(e, &x, &a) < 0) {
				tap_diag("seed %" PRIu64 " step %d refused",
				    seed, k);
				good = false;
			}
			actions += a.n;
			for (host_id h = 0; h < c->n_hosts; h++)
				for (int dd = 0; dd < RES_NDIM; dd++)
					if (cluster_host(c, h)->alloc.v[dd] >
					    cluster_host(c, h)->limit.v[dd])
						good = false;
			for (vm_id v = 0; v < c->n_vms; v++)
				queued += cluster_vm(c, v)->state == VM_QUEUED;
			if (queued != engine_queued(e)) {
				tap_diag("seed %" PRIu64
					 " step %d: %u queued, engine says %u",
				    seed, k, queued, engine_queued(e));
				good = false;
			}
		}
		engine_free(e);
		engine_actions_done(&a);
		cluster_free(c);
	}
	ok(good && actions > 1000,
	    "random events keep the model consistent (%" PRIu64 " actions)",
	    actions);
}

int
main(void)
{
	test_seed();
	test_fcfs_blocks_and_backfill();
	test_no_queue();
	test_priority_and_refuse();
	test_round_robin();
	test_failure();
	test_consolidation();
	test_random();
	return tap_done();
}
