/* test_sched_conformance.c - every admission policy over shared random queues. */
#include "core/rng.h"
#include "sched/sched.h"
#include "tap.h"

/*
 * Every policy must answer with valid, distinct queue indexes, the same
 * answer for the same input, and (for the policies defined by an order)
 * the order it promises.
 */

static struct cluster *
cluster_with_vms(struct rng *r, uint32_t n)
{
	struct cluster *c;
	struct host_spec h = { .name = "h", .cap = { { 4000, 8192, 0, 0 } } };
	char name[16];

	cluster_new(&c);
	cluster_add_host(c, &h, NULL);
	for (uint32_t i = 0; i < n; i++) {
		struct vm_spec s = { .name = name };

		snprintf(name, sizeof(name), "v%u", i);
		s.demand = (struct res){ { rng_range(r, 100, 3000),
		    rng_range(r, 128, 4096), 0, 0 } };
		s.priority = (int32_t)rng_range(r, -3, 3);
		cluster_add_vm(c, &s, NULL);
	}
	return c;
}

int
main(void)
{
	const struct sched_ops *const *all;
	uint32_t n;
	struct diag d;

	all = sched_registry(&n);
	for (uint32_t i = 1; i < n; i++)
		ok(strcmp(all[i - 1]->name, all[i]->name) < 0,
		    "registry sorted");
	for (uint32_t k = 0; k < n; k++) {
		bool valid = true, det = true, prefix = true;
		struct scheduler *s = NULL;

		ok(scheduler_new(all[k]->name, NULL, 1, &s, &d) == 0,
		    "%s: builds with defaults", all[k]->name);
		for (uint64_t seed = 1; s && seed <= 200; seed++) {
			struct rng r;
			struct sched_entry q[64];
			struct sched_queue sq = { q, 0 };
			struct sched_pick a, b;
			bool seen[64] = { false };
			struct cluster *c;

			rng_init(&r, seed);
			sq.n = (uint32_t)rng_below(&r, 64);
			c = cluster_with_vms(&r, sq.n);
			for (uint32_t i = 0; i < sq.n; i++)
				q[i] = (struct sched_entry){ i, i * 10, i };
			sched_pick_init(&a);
			sched_pick_init(&b);
			scheduler_pick(s, c, &sq, 1000, 0, &a);
			scheduler_pick(s, c, &sq, 1000, 0, &b);
			for (uint32_t i = 0; i < a.n; i++) {
				if (a.idx[i] >= sq.n || seen[a.idx[i]])
					valid = false;
				else
					seen[a.idx[i]] = true;
			}
			/* Asking for k candidates gives the first k of the
			 * full answer. */
			for (uint32_t m = 1; m <= 5 && m <= sq.n; m += 2) {
				struct sched_pick pk;

				sched_pick_init(&pk);
				scheduler_pick(s, c, &sq, 1000, m, &pk);
				if (pk.n != m || a.n < m ||
				    memcmp(pk.idx, a.idx, m * sizeof(*pk.idx)))
					prefix = false;
				sched_pick_done(&pk);
			}
			if (a.n != b.n || a.strict != b.strict ||
			    (a.n && memcmp(a.idx, b.idx, a.n * sizeof(*a.idx))))
				det = false;
			sched_pick_done(&a);
			sched_pick_done(&b);
			cluster_free(c);
		}
		ok(valid, "%s: picks are distinct queue indexes", all[k]->name);
		ok(det, "%s: same queue, same pick", all[k]->name);
		ok(prefix, "%s: a bounded pick is the prefix of the full one",
		    all[k]->name);
		scheduler_free(s);
	}

	/* The orders the named policies promise. */
	{
		struct rng r;
		struct cluster *c;
		struct sched_entry q[5];
		struct sched_queue sq = { q, 5 };
		struct sched_pick p;
		struct scheduler *s = NULL;
		static const int32_t prio[5] = { 0, 5, 0, 5, -1 };
		static const uint32_t want[5] = { 1, 3, 0, 2, 4 };
		bool order = true;

		rng_init(&r, 9);
		c = cluster_with_vms(&r, 5);
		for (uint32_t i = 0; i < 5; i++) {
			c->vms[i].priority = prio[i];
			q[i] = (struct sched_entry){ i, 0, i };
		}
		sched_pick_init(&p);
		scheduler_new("priority", NULL, 0, &s, &d);
		scheduler_pick(s, c, &sq, 0, 0, &p);
		for (uint32_t i = 0; i < 5; i++)
			if (p.n != 5 || p.idx[i] != want[i])
				order = false;
		ok(order && p.strict,
		    "priority: highest first, FIFO among equals");
		s = scheduler_free(s);
		scheduler_new("fcfs", NULL, 0, &s, &d);
		scheduler_pick(s, c, &sq, 0, 0, &p);
		ok(p.n == 5 && p.idx[0] == 0 && p.idx[4] == 4 && p.strict,
		    "fcfs: arrival order, strict");
		s = scheduler_free(s);
		scheduler_new("fcfs", "backfill=true", 0, &s, &d);
		scheduler_pick(s, c, &sq, 0, 0, &p);
		ok(!p.strict, "fcfs backfill=true lets later VMs start");
		s = scheduler_free(s);
		scheduler_new("rr", "slice_s=0.5", 0, &s, &d);
		is_int(
		    scheduler_slice_ns(s), 500000000, "rr: slice from params");
		s = scheduler_free(s);
		is_int(scheduler_new("lottery", NULL, 0, &s, &d), -ENOENT,
		    "unknown policy");
		ok(strstr(d.msg, "(valid: fcfs, ") != NULL &&
			strstr(d.msg, "priority, rr)") != NULL,
		    "unknown policy lists the valid ones (%s)", d.msg);
		sched_pick_done(&p);
		cluster_free(c);
	}
	return tap_done();
}
