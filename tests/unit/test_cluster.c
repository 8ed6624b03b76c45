/* test_cluster.c - the cluster and its capacity index against brute force. */
#include "core/rng.h"
#include "model/cluster.h"
#include "model/explain.h"
#include "tap.h"

/* Brute force: the lowest up host >= from with room for need. */
static int
scan_first(
    const struct cluster *c, const struct res *need, host_id from, host_id *ret)
{
	for (host_id h = from; h < c->n_hosts; h++) {
		const struct host *hs = cluster_host(c, h);
		struct res free;

		if (hs->state != HOST_UP)
			continue;
		host_free_res(hs, &free);
		if (res_fits(need, &free)) {
			*ret = h;
			return 0;
		}
	}
	return -ENOSPC;
}

/* Recomputes every host's allocation, VM list and group counts. */
static bool
consistent(const struct cluster *c)
{
	for (host_id h = 0; h < c->n_hosts; h++) {
		const struct host *hs = cluster_host(c, h);
		struct res sum = { { 0 } };
		uint32_t n = 0;

		for (vm_id v = hs->first_vm; v != VM_NONE;
		     v = cluster_vm(c, v)->next_on_host) {
			const struct vm *vm = cluster_vm(c, v);

			if (vm->host != h || vm->state != VM_RUNNING)
				return false;
			if (res_add(&sum, &vm->demand, &sum) < 0)
				return false;
			n++;
		}
		if (n != hs->n_vms || memcmp(&sum, &hs->alloc, sizeof(sum)))
			return false;
		for (int d = 0; d < RES_NDIM; d++)
			if (hs->alloc.v[d] > hs->limit.v[d])
				return false;
	}
	for (vm_id v = 0; v < c->n_vms; v++) {
		const struct vm *vm = cluster_vm(c, v);

		if ((vm->host != HOST_NONE) != (vm->state == VM_RUNNING))
			return false;
		if (vm->anti_affinity != GROUP_NONE && vm->host != HOST_NONE &&
		    cluster_group_on_host(c, vm->anti_affinity, vm->host) != 1)
			return false;
	}
	return true;
}

/* After placing v on t (ignoring whether it fits), does every host's HA
 * demand fit in the free room of the other up hosts? */
static bool
n_plus_one_after(const struct cluster *c, vm_id v, host_id t)
{
	const struct vm *vm = cluster_vm(c, v);

	for (host_id h = 0; h < c->n_hosts; h++) {
		for (int d = 0; d < RES_NDIM; d++) {
			int64_t ha = cluster_host(c, h)->ha_alloc.v[d],
				others = 0;

			if (h == t && vm->ha)
				ha += vm->demand.v[d];
			for (host_id o = 0; o < c->n_hosts; o++) {
				const struct host *os = cluster_host(c, o);
				int64_t f = os->limit.v[d] - os->alloc.v[d];

				if (o == h || os->state != HOST_UP)
					continue;
				if (o == t)
					f -= vm->demand.v[d];
				others += f;
			}
			if (ha > others)
				return false;
		}
	}
	return true;
}

static void
random_res(struct rng *r, struct res *x, int64_t scale)
{
	for (int d = 0; d < RES_NDIM; d++)
		x->v[d] = rng_range(r, 0, scale);
}

static bool
index_agrees(const struct cluster *c, struct rng *r, int queries)
{
	for (int q = 0; q < queries; q++) {
		struct res need;
		host_id from = (host_id)rng_below(r, c->n_hosts + 2), a = 0,
			b = 0;
		int ra, rb;

		random_res(r, &need, 120);
		ra = cluster_first_fit(c, &need, from, &a);
		rb = scan_first(c, &need, from, &b);
		if (ra != rb || (ra == 0 && a != b))
			return false;
	}
	return true;
}

static void
test_random_sequences(void)
{
	struct rng r;
	bool agree = true, cons = true, reserve_ok = true;
	int clusters = 2000;

	rng_init(&r, 2026);
	for (int k = 0; k < clusters && agree && cons; k++) {
		struct cluster *c;
		uint32_t nh =
		    1 + (uint32_t)rng_below(&r, k % 10 == 0 ? 300 : 40);
		uint32_t nv = (uint32_t)rng_below(&r, 4 * nh + 1);
		char name[32];

		cluster_new(&c);
		for (uint32_t i = 0; i < nh; i++) {
			struct host_spec s = { .name = name };

			snprintf(name, sizeof(name), "h%u", i);
			random_res(&r, &s.cap, 200);
			for (int d = 0; d < RES_NDIM; d++)
				s.overcommit_milli[d] =
				    (uint32_t)rng_range(&r, 500, 3000);
			s.state =
			    rng_below(&r, 8) == 0 ? HOST_MAINTENANCE : HOST_UP;
			if (cluster_add_host(c, &s, NULL) != 0)
				cons = false;
		}
		for (uint32_t i = 0; i < nv; i++) {
			struct vm_spec s = { .name = name };

			snprintf(name, sizeof(name), "v%u", i);
			random_res(&r, &s.demand, 80);
			s.anti_affinity = rng_below(&r, 5) == 0 ? "g" : NULL;
			if (cluster_add_vm(c, &s, NULL) != 0)
				cons = false;
		}
		if (k % 2)
			cluster_set_n_plus_one(c, true);
		agree = agree && index_agrees(c, &r, 20);
		/* Random reserve / release / state changes, checked as we go. */
		for (int op = 0; op < 60 && nv > 0; op++) {
			vm_id v = (vm_id)rng_below(&r, nv);
			host_id h = (host_id)rng_below(&r, nh);
			const struct vm *vm = cluster_vm(c, v);

			switch (rng_below(&r, 4)) {
			case 0:
			case 1: {
				bool base =
				    cluster_check_failover(c, v, h, NULL) == 0;
				bool n1 =
				    !c->n_plus_one || n_plus_one_after(c, v, h);
				bool pending = vm->state == VM_PENDING;
				int got;

				/* The reserve check agrees with brute force. */
				if (base && vm->host == HOST_NONE &&
				    (cluster_check(c, v, h, NULL) == 0) != n1)
					reserve_ok = false;
				got = cluster_reserve(c, v, h);
				if ((got == 0) != (pending && base && n1))
					cons = false;
				break;
			}
			case 2:
				cluster_release(c, v, VM_PENDING);
				break;
			default:
				cluster_set_host_state(c, h,
				    rng_below(&r, 3) ? HOST_UP : HOST_DOWN);
			}
			if ((op & 7) == 0)
				agree = agree && index_agrees(c, &r, 5);
		}
		agree = agree && index_agrees(c, &r, 20);
		cons = cons && consistent(c);
		cluster_free(c);
	}
	ok(agree, "index agrees with a brute-force scan on %d random clusters",
	    clusters);
	ok(cons, "allocations, VM lists and groups stay consistent");
	ok(reserve_ok, "the N+1 reserve check agrees with brute force");
}

/* cluster_check_preempt agrees with releasing the victims for real. */
static void
test_preempt_agrees(void)
{
	struct rng r;
	bool agree = true;
	uint32_t checked = 0;

	rng_init(&r, 77);
	for (int k = 0; k < 300; k++) {
		struct cluster *c;
		char name[32];
		uint32_t nh = 1 + (uint32_t)rng_below(&r, 6), nv = 20;

		cluster_new(&c);
		for (uint32_t i = 0; i < nh; i++) {
			struct host_spec s = { .name = name };

			snprintf(name, sizeof(name), "h%u", i);
			random_res(&r, &s.cap, 300);
			cluster_add_host(c, &s, NULL);
		}
		if (k % 2)
			cluster_set_n_plus_one(c, true);
		for (uint32_t i = 0; i < nv; i++) {
			struct vm_spec s = { .name = name };

			snprintf(name, sizeof(name), "v%u", i);
			random_res(&r, &s.demand, 100);
			s.ha = rng_below(&r, 2);
			s.anti_affinity = rng_below(&r, 3) == 0 ? "g" : NULL;
			cluster_add_vm(c, &s, NULL);
			cluster_reserve_failover(
			    c, i, (host_id)rng_below(&r, nh));
		}
		for (vm_id v = 0; v < nv; v++) {
			const struct vm *vm = cluster_vm(c, v);
			host_id h = (host_id)rng_below(&r, nh),
				ohost = vm->host;
			vm_id victims[4];
			uint32_t n = 0;
			bool pre, real;

			if (ohost == h)
				continue;
			for (vm_id x = cluster_host(c, h)->first_vm;
			     x != VM_NONE && n < 4;
			     x = cluster_vm(c, x)->next_on_host)
				if (rng_below(&r, 2))
					victims[n++] = x;
			if (ohost != HOST_NONE)
				cluster_release(c, v, VM_PENDING);
			pre = cluster_check_preempt(
				  c, v, h, victims, n, NULL) == 0;
			for (uint32_t i = 0; i < n; i++)
				cluster_release(c, victims[i], VM_PENDING);
			real = cluster_check(c, v, h, NULL) == 0;
			if (pre != real)
				agree = false;
			checked++;
			/* Put everything back as it was, reserve aside. */
			for (uint32_t i = 0; i < n; i++)
				cluster_reserve_failover(c, victims[i], h);
			if (ohost != HOST_NONE)
				cluster_reserve_failover(c, v, ohost);
		}
		cluster_free(c);
	}
	ok(agree && checked > 1000,
	    "preemption checks agree with real releases (%u cases)", checked);
}

/* Best fit by brute force: whether host h (passing cluster_check) is a
 * right answer for v: no host that passes scores higher, and no host with
 * the same score and the same s has a lower id. -1 if some host passes
 * and h is not one of them, 1 if right, 0 if nothing passes. */
static int
tightest_ok(const struct cluster *c, vm_id v, int got, host_id h)
{
	const struct res *x = &cluster_vm(c, v)->demand;
	bool any = false;
	double top = 0, sh = 0, hsc = 0;

	for (host_id k = 0; k < c->n_hosts; k++) {
		struct fitleaf l;
		double sc;

		if (cluster_check(c, v, k, NULL) < 0)
			continue;
		cluster_host_leaf(c, k, &l);
		sc = fit_tight_score(l.s, l.inv_lim, x);
		if (!any || sc > top)
			top = sc;
		any = true;
	}
	if (!any)
		return got == -ENOSPC ? 0 : -1;
	if (got != 0 || cluster_check(c, v, h, NULL) < 0)
		return -1;
	{
		struct fitleaf l;

		cluster_host_leaf(c, h, &l);
		sh = l.s;
		hsc = fit_tight_score(l.s, l.inv_lim, x);
	}
	if (hsc != top)
		return -1;
	for (host_id k = 0; k < h; k++) {
		struct fitleaf l;

		if (cluster_check(c, v, k, NULL) < 0)
			continue;
		cluster_host_leaf(c, k, &l);
		if (l.s == sh && fit_tight_score(l.s, l.inv_lim, x) == top)
			return -1;
	}
	return 1;
}

/*
 * cluster_find_tightest (best fit) against brute force, through reserves,
 * releases, host state changes, hosts added on the way and clones, on
 * clusters of a few host shapes (the per-shape order answers) and of more
 * shapes than the order keeps (the index's branch and bound answers).
 */
static void
test_tightest_agrees(void)
{
	static const struct res shapes[] = {
		{ { 48000, 393216, 4000, 25000 } },
		{ { 64000, 524288, 4000, 25000 } },
		{ { 96000, 786432, 8000, 50000 } },
		{ { 8000, 16384, 500, 2000 } },
	};
	struct rng r;
	uint64_t queries = 0, found = 0, wrong = 0, ordered = 0;
	char name[32];

	rng_init(&r, 77);
	for (int k = 0; k < 300; k++) {
		struct cluster *c;
		uint32_t n_shapes = k % 5 == 4
		    ? 20 /* more than FITORDER_MAX_SHAPES */
		    : 1 + (uint32_t)rng_below(&r, 4);
		uint32_t nh = 1 + (uint32_t)rng_below(&r, k % 10 ? 40 : 400);
		uint32_t nv = 30 * nh;

		cluster_new(&c);
		if (k % 3 == 0)
			cluster_set_n_plus_one(c, true);
		for (uint32_t i = 0; i < nh + nv; i++) {
			vm_id v;
			host_id h = HOST_NONE;
			int got;

			if (i < nh || rng_below(&r, 50) == 0) {
				/* A host: one of the shapes, scaled in
				 * the many-shapes case. */
				struct host_spec s = { .name = name };
				uint32_t j = (uint32_t)rng_below(&r, n_shapes);

				snprintf(name, sizeof(name), "h%u", i);
				s.cap = shapes[j % 4];
				s.cap.v[RES_CPU] += 1000 * (int64_t)(j / 4);
				s.overcommit_milli[RES_CPU] = 2000;
				s.state = rng_below(&r, 10) ? HOST_UP
							    : HOST_MAINTENANCE;
				cluster_add_host(c, &s, NULL);
				continue;
			}
			{
				struct vm_spec s = { .name = name };
				int f = (int)rng_below(&r, 5);

				snprintf(name, sizeof(name), "v%u", i);
				s.demand = (struct res){ { 1000LL << f,
				    (int64_t)(2048 + rng_below(&r, 4096)) << f,
				    32LL << f, 250LL << f } };
				s.ha = rng_below(&r, 3) == 0;
				s.anti_affinity =
				    rng_below(&r, 6) == 0 ? "spread" : NULL;
				cluster_add_vm(c, &s, &v);
			}
			got = cluster_find_tightest(c, v, &h);
			queries++;
			switch (tightest_ok(c, v, got, h)) {
			case -1:
				if (wrong++ < 5)
					tap_diag("cluster %d vm %u: got %d "
						 "host %u",
					    k, v, got, h);
				break;
			case 1:
				found++;
				cluster_reserve(c, v, h);
				break;
			default:
				break;
			}
			ordered += c->order.on && !c->order.off;
			/* Churn: departures, hosts going down and up. */
			if (rng_below(&r, 3) == 0)
				cluster_release(
				    c, (vm_id)rng_below(&r, v + 1), VM_PENDING);
			if (rng_below(&r, 40) == 0)
				cluster_set_host_state(c,
				    (host_id)rng_below(&r, c->n_hosts),
				    rng_below(&r, 4) ? HOST_UP : HOST_DOWN);
			if (rng_below(&r, 200) == 0) {
				struct cluster *cp = NULL;

				if (cluster_clone(c, &cp) == 0) {
					cluster_free(c);
					c = cp;
				}
			}
		}
		cluster_free(c);
	}
	ok(wrong == 0,
	    "best fit matches brute force: %" PRIu64 " queries, %" PRIu64
	    " placed, %" PRIu64 " wrong",
	    queries, found, wrong);
	ok(ordered > 0 && ordered < queries,
	    "both paths ran: %" PRIu64 " queries by the per-shape order, the "
	    "rest by branch and bound",
	    ordered);
}

static void
test_index_size(void)
{
	static const uint32_t sizes[] = { 1000, 10000, 100000 };

	for (size_t i = 0; i < ELEMENTSOF(sizes); i++) {
		struct cluster *c;
		struct host_spec s = { .cap = {
					   { 16000, 65536, 1000, 10000 } } };
		struct vm_spec v = { .name = "v",
			.demand = { { 1000, 1024, 10, 100 } } };
		struct cluster *cp = NULL;
		host_id got;
		vm_id vm;
		char name[32];

		s.name = name;
		cluster_new(&c);
		cluster_set_n_plus_one(c, true);
		for (uint32_t h = 0; h < sizes[i]; h++) {
			snprintf(name, sizeof(name), "h%u", h);
			cluster_add_host(c, &s, NULL);
		}
		/* Indexes start on first use: what first fit keeps, then
		 * what best fit keeps (on a clone, which starts afresh). */
		cluster_first_fit(c, &s.cap, 0, &got);
		ok(cluster_index_bytes(c) / sizes[i] <= 256,
		    "%u hosts, first fit: %zu bytes of index per host (N+1 "
		    "on)",
		    sizes[i], cluster_index_bytes(c) / sizes[i]);
		cluster_clone(c, &cp);
		cluster_add_vm(cp, &v, &vm);
		cluster_find_tightest(cp, vm, &got);
		ok(cp->order.on && cluster_index_bytes(cp) / sizes[i] <= 256,
		    "%u hosts, best fit: %zu bytes of index per host (N+1 on)",
		    sizes[i], cluster_index_bytes(cp) / sizes[i]);
		cluster_free(cp);
		cluster_free(c);
	}
}

static struct cluster *
small_cluster(void)
{
	struct cluster *c;
	struct labels zone_a = { 0 }, zone_b = { 0 };
	struct host_spec h = { .cap = { { 1000, 1024, 0, 0 } } };

	labels_set(&zone_a, "zone", "a");
	labels_set(&zone_b, "zone", "b");
	cluster_new(&c);
	h.name = "pm0";
	h.labels = &zone_a;
	cluster_add_host(c, &h, NULL);
	h.name = "pm1";
	h.labels = &zone_b;
	cluster_add_host(c, &h, NULL);
	h.name = "pm2";
	h.state = HOST_MAINTENANCE;
	cluster_add_host(c, &h, NULL);
	labels_done(&zone_a);
	labels_done(&zone_b);
	return c;
}

static void
test_constraints(void)
{
	struct cluster *c = small_cluster();
	struct labels want_b = { 0 };
	struct vm_spec s = { .demand = { { 500, 256, 0, 0 } } };
	vm_id a, b, w1, w2, z, big;
	host_id h;
	struct why w;
	char text[256];

	why_init(&w);
	labels_set(&want_b, "zone", "b");
	s.name = "a";
	s.affinity = "db";
	cluster_add_vm(c, &s, &a);
	s.name = "b";
	cluster_add_vm(c, &s, &b);
	s.affinity = NULL;
	s.anti_affinity = "web";
	s.name = "w1";
	cluster_add_vm(c, &s, &w1);
	s.name = "w2";
	cluster_add_vm(c, &s, &w2);
	s.anti_affinity = NULL;
	s.name = "z";
	s.requires = &want_b;
	cluster_add_vm(c, &s, &z);
	s.requires = NULL;
	s.name = "big";
	s.demand.v[RES_CPU] = 2000;
	cluster_add_vm(c, &s, &big);

	is_int(cluster_add_vm(c, &s, NULL), -EEXIST, "duplicate VM name");
	ok(cluster_find_host(c, "pm1", &h) == 0 && h == 1, "find host");
	ok(cluster_find_vm(c, "nope", &h) == -ENOENT, "unknown VM");

	is_int(cluster_reserve(c, a, 2), -ENOSPC, "maintenance host refuses");
	is_int(cluster_check(c, a, 2, &w), -ENOSPC, "check agrees");
	ok(w.n == 1 && w.v[0].kind == WHY_STATE, "reason is the host state");
	explain_reason(c, a, &w.v[0], text, sizeof(text));
	is_str(text, "pm2: in maintenance", "state reason in words");

	is_int(cluster_reserve(c, a, 0), 0, "a on pm0");
	is_int(cluster_reserve(c, a, 1), -EINVAL, "a cannot be placed twice");
	why_clear(&w);
	is_int(cluster_check(c, b, 1, &w), -ENOSPC, "affinity keeps b off pm1");
	explain_reason(c, b, &w.v[0], text, sizeof(text));
	is_str(
	    text, "pm1: affinity group \"db\" runs on pm0", "affinity words");
	is_int(cluster_reserve(c, b, 0), 0, "b joins a on pm0");

	is_int(cluster_reserve(c, w1, 1), 0, "w1 on pm1");
	why_clear(&w);
	is_int(cluster_check(c, w2, 1, &w), -ENOSPC, "anti-affinity refuses");
	explain_reason(c, w2, &w.v[0], text, sizeof(text));
	is_str(text, "pm1: anti-affinity group \"web\" already here",
	    "anti-affinity words");

	why_clear(&w);
	is_int(cluster_check(c, z, 0, &w), -ENOSPC, "label refuses pm0");
	ok(w.n == 2, "pm0 fails for the label and for cpu (%u reasons)", w.n);
	explain_reason(c, z, &w.v[0], text, sizeof(text));
	is_str(text, "pm0: lacks label zone=b", "label words");
	explain_reason(c, z, &w.v[1], text, sizeof(text));
	is_str(text, "pm0: cpu needs 500m, 0m free", "capacity words");

	why_clear(&w);
	is_int(cluster_explain(c, big, &w), 0, "no host fits big");
	explain_summary(c, big, &w, text, sizeof(text));
	is_str(text, "refused: 3 hosts cpu, 1 host in maintenance",
	    "aggregated summary");

	is_int(cluster_release(c, a, VM_STOPPED), 0, "release a");
	is_int(cluster_vm(c, a)->state, VM_STOPPED, "a stopped");
	is_int(cluster_host(c, 0)->alloc.v[RES_CPU], 500, "pm0 holds only b");
	is_int(cluster_reserve(c, a, 0), -EINVAL, "a stopped cannot be placed");
	is_int(
	    cluster_release(c, a, VM_RUNNING), -EINVAL, "release to running");
	is_int(cluster_remove_vm(c, b), 0, "remove b");
	ok(cluster_find_vm(c, "b", NULL) == -ENOENT, "b's name is free");
	is_int(cluster_host(c, 0)->n_vms, 0, "pm0 empty");
	ok(consistent(c), "cluster consistent after the sequence");

	labels_done(&want_b);
	why_done(&w);
	cluster_free(c);
}

static void
test_bad_specs(void)
{
	struct cluster *c;
	struct host_spec h = { .name = "x", .cap = { { 1, 1, 0, 0 } } };
	struct vm_spec v = { .name = "v", .demand = { { 1, 1, 0, 0 } } };

	cluster_new(&c);
	h.name = "";
	is_int(cluster_add_host(c, &h, NULL), -EINVAL, "empty host name");
	h.name = "tab\there";
	is_int(cluster_add_host(c, &h, NULL), -EINVAL, "control character");
	h.name = "x";
	h.cap.v[0] = -1;
	is_int(cluster_add_host(c, &h, NULL), -EINVAL, "negative capacity");
	h.cap.v[0] = RES_VALUE_MAX;
	h.overcommit_milli[0] = 2000;
	is_int(cluster_add_host(c, &h, NULL), -EOVERFLOW,
	    "capacity x overcommit overflow");
	h.overcommit_milli[0] = 0;
	is_int(cluster_add_host(c, &h, NULL), 0, "max capacity at ratio 1");
	is_int(cluster_add_host(c, &h, NULL), -EEXIST, "duplicate host");
	v.priority = 5000;
	is_int(cluster_add_vm(c, &v, NULL), -EINVAL, "priority out of range");
	v.priority = 0;
	v.perf = PERF_NCLASSES;
	is_int(cluster_add_vm(c, &v, NULL), -EINVAL, "bad perf class");
	is_int(c->n_hosts, 1, "failed adds leave the cluster unchanged");
	is_int(c->n_vms, 0, "no VM added");
	cluster_free(c);
	ok(cluster_free(NULL) == NULL, "cluster_free(NULL)");
}

int
main(void)
{
	test_constraints();
	test_bad_specs();
	test_random_sequences();
	test_preempt_agrees();
	test_tightest_agrees();
	test_index_size();
	return tap_done();
}
