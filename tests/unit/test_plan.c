/* test_plan.c - the assignment ILP, consolidation and migration ordering,
 * every plan replayed by the independent verifier (verify.h) and compared
 * with exhaustive search on small clusters. */
#include "core/clock.h"
#include "core/rng.h"
#include "plan/assign.h"
#include "plan/consolidate.h"
#include "plan/migrate.h"
#include "tap.h"
#include "verify.h"

/* ---- a direct, independent validity check for exhaustive search ------ */

#define DIRECT_HOSTS 64

struct opt {
	bool valid;
	uint32_t unplaced, migrations, hosts;
};

static struct opt
direct(const struct cluster *c, const host_id *t, bool n_plus_one)
{
	struct opt o = { .valid = true };
	int64_t load[DIRECT_HOSTS][RES_NDIM] = { { 0 } };
	int64_t ha[DIRECT_HOSTS][RES_NDIM] = { { 0 } };
	int64_t total[RES_NDIM] = { 0 };
	bool used[DIRECT_HOSTS] = { false };

	if (c->n_hosts > DIRECT_HOSTS) {
		o.valid = false;
		return o;
	}
	for (vm_id v = 0; v < c->n_vms; v++) {
		const struct vm *vm = cluster_vm(c, v);
		const struct host *hs;

		if (t[v] == HOST_NONE) {
			if (vm->host != HOST_NONE)
				o.valid = false;
			o.unplaced++;
			continue;
		}
		hs = cluster_host(c, t[v]);
		if (hs->state != HOST_UP && vm->host != t[v])
			o.valid = false;
		if (labels_unmet(&hs->labels, &vm->requires) >= 0)
			o.valid = false;
		if (vm->host != HOST_NONE && vm->host != t[v])
			o.migrations++;
		used[t[v]] = true;
		for (int d = 0; d < RES_NDIM; d++) {
			load[t[v]][d] += vm->demand.v[d];
			if (vm->ha)
				ha[t[v]][d] += vm->demand.v[d];
		}
		for (vm_id w = 0; w < v; w++) {
			const struct vm *wm = cluster_vm(c, w);

			if (t[w] == HOST_NONE)
				continue;
			if (vm->affinity != GROUP_NONE &&
			    wm->affinity == vm->affinity && t[w] != t[v])
				o.valid = false;
			if (vm->anti_affinity != GROUP_NONE &&
			    wm->anti_affinity == vm->anti_affinity &&
			    t[w] == t[v])
				o.valid = false;
		}
	}
	for (host_id h = 0; h < c->n_hosts; h++) {
		const struct host *hs = cluster_host(c, h);

		o.hosts += used[h];
		for (int d = 0; d < RES_NDIM; d++) {
			if (load[h][d] > hs->limit.v[d])
				o.valid = false;
			if (hs->state == HOST_UP)
				total[d] += hs->limit.v[d] - load[h][d];
		}
	}
	for (host_id h = 0; n_plus_one && h < c->n_hosts; h++) {
		const struct host *hs = cluster_host(c, h);

		if (hs->state != HOST_UP)
			continue;
		for (int d = 0; d < RES_NDIM; d++)
			if (ha[h][d] > total[d] - (hs->limit.v[d] - load[h][d]))
				o.valid = false;
	}
	return o;
}

struct best {
	bool found;
	struct opt o;
};

/* Lexicographic: fewer unplaced, then fewer hosts (cost 1 each) or, with
 * a host target, fewer migrations. */
static void
brute(const struct cluster *c, const bool *scope, const bool *batch, host_id *t,
    vm_id v, const struct assign_opts *ao, struct best *b)
{
	if (v == c->n_vms) {
		struct opt o = direct(c, t, ao->n_plus_one);
		bool better;

		if (!o.valid)
			return;
		if (ao->consolidate && ao->max_migrations != ASSIGN_UNLIMITED &&
		    o.migrations > ao->max_migrations)
			return;
		if (ao->target_hosts && o.hosts > ao->target_hosts)
			return;
		better = !b->found || o.unplaced < b->o.unplaced ||
		    (o.unplaced == b->o.unplaced &&
			(ao->target_hosts ? o.migrations < b->o.migrations
					  : o.hosts < b->o.hosts));
		if (better) {
			b->found = true;
			b->o = o;
		}
		return;
	}
	if (!scope[v]) {
		t[v] = cluster_vm(c, v)->host;
		brute(c, scope, batch, t, v + 1, ao, b);
		return;
	}
	for (host_id h = 0; h <= c->n_hosts; h++) {
		if (h == c->n_hosts && !batch[v])
			break;
		t[v] = h == c->n_hosts ? HOST_NONE : h;
		brute(c, scope, batch, t, v + 1, ao, b);
	}
}

static void
dump(const struct cluster *c, const struct assign_opts *ao)
{
	tap_diag("  opts: n+1 %d consolidate %d K %u target %u", ao->n_plus_one,
	    ao->consolidate, ao->max_migrations, ao->target_hosts);
	for (host_id h = 0; h < c->n_hosts; h++) {
		const struct host *hs = cluster_host(c, h);

		tap_diag("  host %u: limit %ld/%ld state %d zone %s", h,
		    (long)hs->limit.v[0], (long)hs->limit.v[1], hs->state,
		    labels_get(&hs->labels, "zone"));
	}
	for (vm_id v = 0; v < c->n_vms; v++) {
		const struct vm *vm = cluster_vm(c, v);

		tap_diag("  vm %u: %ld/%ld host %d aff %d anti %d ha %d req %s",
		    v, (long)vm->demand.v[0], (long)vm->demand.v[1],
		    (int)vm->host, (int)vm->affinity, (int)vm->anti_affinity,
		    vm->ha, vm->requires.n ? "a" : "-");
	}
}

/* A random small cluster: 2-4 hosts, up to 6 VMs, some running. */
static struct cluster *
random_cluster(struct rng *r, vm_id *batch, uint32_t *n_batch)
{
	struct cluster *c;
	uint32_t nh = 2 + (uint32_t)rng_below(r, 3);
	uint32_t nv = 2 + (uint32_t)rng_below(r, 5);
	char name[16];

	cluster_new(&c);
	*n_batch = 0;
	for (uint32_t h = 0; h < nh; h++) {
		struct labels l = { 0 };
		struct host_spec s = { .name = name,
			.cap = { { rng_range(r, 4, 8) * 1000,
			    rng_range(r, 4, 8) * 1024, 0, 0 } } };

		snprintf(name, sizeof(name), "h%u", h);
		if (rng_below(r, 4) == 0)
			s.overcommit_milli[0] = 1500;
		if (rng_below(r, 8) == 0)
			s.state = HOST_MAINTENANCE;
		labels_set(&l, "zone", rng_below(r, 2) ? "a" : "b");
		s.labels = &l;
		cluster_add_host(c, &s, NULL);
		labels_done(&l);
	}
	for (uint32_t v = 0; v < nv; v++) {
		struct labels l = { 0 };
		struct vm_spec s = { .name = name,
			.perf = PERF_NORMAL,
			.demand = { { rng_range(r, 1, 4) * 1000,
			    rng_range(r, 1, 4) * 1024, 0, 0 } },
			.ha = rng_below(r, 2) == 0 };
		vm_id id;

		snprintf(name, sizeof(name), "v%u", v);
		if (rng_below(r, 5) == 0)
			s.anti_affinity = "anti";
		else if (rng_below(r, 6) == 0)
			s.affinity = "aff";
		if (rng_below(r, 6) == 0) {
			labels_set(&l, "zone", "a");
			s.requires = &l;
		}
		cluster_add_vm(c, &s, &id);
		labels_done(&l);
		/* Run it somewhere it fits, or leave it in the batch. */
		if (rng_below(r, 3) != 0) {
			host_id h0 = (host_id)rng_below(r, nh);

			for (host_id k = 0; k < nh; k++)
				if (cluster_reserve(c, id, (h0 + k) % nh) == 0)
					break;
		}
		if (cluster_vm(c, id)->host == HOST_NONE)
			batch[(*n_batch)++] = id;
	}
	return c;
}

static void
test_random_plans(void)
{
	struct rng r;
	uint32_t trials = 0, bad_verify = 0, bad_opt = 0, bad_bound = 0;
	uint32_t deadlocks = 0, optimal = 0, parked = 0;
	char why[256];

	rng_init(&r, 2024);
	for (int it = 0; it < 250; it++) {
		vm_id batch[8];
		uint32_t nb;
		struct cluster *c = random_cluster(&r, batch, &nb);
		struct assign_opts ao = { 0 };
		struct assign_result res;
		struct migrate_plan mp;
		bool scope[8] = { false }, isb[8] = { false };
		host_id t[8];
		struct best b = { 0 };
		const char *fail;
		vm_id blocked;
		int rc;

		ao.n_plus_one = rng_below(&r, 3) == 0;
		ao.consolidate = rng_below(&r, 4) != 0;
		ao.max_migrations = rng_below(&r, 2)
		    ? ASSIGN_UNLIMITED
		    : (uint32_t)rng_below(&r, 3);
		if (rng_below(&r, 5) == 0)
			ao.target_hosts =
			    1 + (uint32_t)rng_below(&r, c->n_hosts);
		for (uint32_t i = 0; i < nb; i++)
			scope[batch[i]] = isb[batch[i]] = true;
		for (vm_id v = 0; v < c->n_vms; v++)
			if (ao.consolidate &&
			    cluster_vm(c, v)->host != HOST_NONE)
				scope[v] = true;
		/* The current state must itself be valid under N+1 for a
		 * plan to exist; skip clusters that break it already. */
		for (vm_id v = 0; v < c->n_vms; v++)
			t[v] = cluster_vm(c, v)->host;
		if (ao.n_plus_one && !direct(c, t, true).valid) {
			cluster_free(c);
			continue;
		}
		trials++;
		brute(c, scope, isb, t, 0, &ao, &b);
		if (assign_solve(c, batch, nb, &ao, &res) < 0) {
			bad_verify++;
			cluster_free(c);
			continue;
		}
		migrate_plan_init(&mp);
		rc = migrate_order(c, res.target, ao.n_plus_one, &mp, &blocked);
		if (rc == -EDEADLK) {
			/* No safe order: the target itself must still be a
			 * valid placement. */
			deadlocks++;
			if (!direct(c, res.target, ao.n_plus_one).valid &&
			    res.status != ASSIGN_INFEASIBLE)
				bad_verify++;
		} else if (rc < 0) {
			bad_verify++;
		} else if (res.status != ASSIGN_INFEASIBLE) {
			fail = verify_plan(c, batch, nb, res.target, &mp,
			    ao.n_plus_one, why, sizeof(why));
			if (fail) {
				bad_verify++;
				tap_diag("trial %d: %s (%s)", it, fail, why);
			}
			parked += mp.temporary > 0;
		}
		if (!b.found) {
			if (res.status != ASSIGN_INFEASIBLE)
				bad_opt++;
		} else if (res.status == ASSIGN_INFEASIBLE ||
		    res.unplaced != b.o.unplaced) {
			bad_opt++;
			tap_diag("trial %d: unplaced %u, exhaustive %u (%s)",
			    it, res.unplaced, b.o.unplaced,
			    assign_status_name(res.status));
			dump(c, &ao);
		} else {
			double want =
			    ao.target_hosts ? b.o.migrations : b.o.hosts;

			if (res.status == ASSIGN_OPTIMAL &&
			    res.objective != want) {
				bad_opt++;
				tap_diag(
				    "trial %d: objective %g, exhaustive %g", it,
				    res.objective, want);
			}
			if (res.bound > want + 1e-9 ||
			    res.bound > res.objective + 1e-9)
				bad_bound++;
			optimal += res.status == ASSIGN_OPTIMAL;
		}
		migrate_plan_done(&mp);
		assign_result_done(&res);
		cluster_free(c);
	}
	is_int(bad_verify, 0, "every plan replays cleanly (%u trials)", trials);
	is_int(bad_opt, 0, "every plan matches exhaustive search");
	is_int(bad_bound, 0, "no bound above the true optimum");
	ok(optimal > trials / 2, "most are proven optimal (%u)", optimal);
	tap_diag("%u plans needed a parking step, %u had no safe order", parked,
	    deadlocks);
}

static struct cluster *
two_full_hosts(bool spare)
{
	/* h0 holds a (3 cores), h1 holds b (3 cores), both 4-core hosts with
	 * 1 core free: swapping a and b needs a third host to park on. */
	struct cluster *c;
	struct host_spec h = { .cap = { { 4000, 4096, 0, 0 } } };
	struct vm_spec a = { .name = "a",
		.demand = { { 3000, 1024, 0, 0 } },
		.perf = PERF_NORMAL };
	struct vm_spec b = { .name = "b",
		.demand = { { 3000, 1024, 0, 0 } },
		.perf = PERF_NORMAL };
	struct vm_spec f = { .name = "f",
		.demand = { { 1000, 1024, 0, 0 } },
		.perf = PERF_NORMAL };

	cluster_new(&c);
	h.name = "h0";
	cluster_add_host(c, &h, NULL);
	h.name = "h1";
	cluster_add_host(c, &h, NULL);
	h.name = "spare";
	cluster_add_host(c, &h, NULL);
	cluster_add_vm(c, &a, NULL);
	cluster_add_vm(c, &b, NULL);
	cluster_add_vm(c, &f, NULL);
	cluster_reserve(c, 0, 0);
	cluster_reserve(c, 1, 1);
	/* Without a spare, fill the third host. */
	cluster_reserve(c, 2, spare ? 0 : 2);
	if (!spare) {
		struct vm_spec g = { .name = "g",
			.demand = { { 3000, 1024, 0, 0 } },
			.perf = PERF_NORMAL };

		cluster_add_vm(c, &g, NULL);
		cluster_reserve(c, 3, 2);
	}
	return c;
}

static void
test_migration_order(void)
{
	struct cluster *c = two_full_hosts(true);
	host_id target[4] = { 1, 0, 0, 2 };
	struct migrate_plan mp;
	vm_id blocked = VM_NONE;
	char why[256];
	const char *fail;

	migrate_plan_init(&mp);
	ok(migrate_order(c, target, false, &mp, &blocked) == 0,
	    "a swap of two full hosts is ordered");
	ok(mp.temporary == 1, "by parking one VM on the spare host (%u)",
	    mp.temporary);
	fail = verify_plan(c, NULL, 0, target, &mp, false, why, sizeof(why));
	ok(!fail, "and replays cleanly%s%s", fail ? ": " : "",
	    fail ? fail : "");
	migrate_plan_done(&mp);
	cluster_free(c);

	c = two_full_hosts(false);
	migrate_plan_init(&mp);
	ok(migrate_order(c, target, false, &mp, &blocked) == -EDEADLK,
	    "without room anywhere the swap is impossible");
	ok(blocked == 0 || blocked == 1, "and names a blocked VM");
	migrate_plan_done(&mp);
	cluster_free(c);
}

static void
test_affinity_group_moves_together(void)
{
	struct cluster *c;
	struct host_spec h = { .cap = { { 8000, 8192, 0, 0 } } };
	struct vm_spec s = { .demand = { { 2000, 1024, 0, 0 } },
		.perf = PERF_NORMAL,
		.affinity = "pair" };
	struct migrate_plan mp;
	host_id target[2] = { 1, 1 };
	char why[256];

	cluster_new(&c);
	h.name = "h0";
	cluster_add_host(c, &h, NULL);
	h.name = "h1";
	cluster_add_host(c, &h, NULL);
	s.name = "p0";
	cluster_add_vm(c, &s, NULL);
	s.name = "p1";
	cluster_add_vm(c, &s, NULL);
	cluster_reserve(c, 0, 0);
	cluster_reserve(c, 1, 0);
	migrate_plan_init(&mp);
	ok(migrate_order(c, target, false, &mp, NULL) == 0 && mp.n == 2 &&
		mp.batches == 1,
	    "an affinity pair moves in one batch");
	ok(!verify_plan(c, NULL, 0, target, &mp, false, why, sizeof(why)),
	    "which replays cleanly");
	migrate_plan_done(&mp);
	target[1] = 0;
	migrate_plan_init(&mp);
	ok(migrate_order(c, target, false, &mp, NULL) == -EINVAL,
	    "a target that splits the pair is refused");
	migrate_plan_done(&mp);
	cluster_free(c);
}

static void
test_consolidation(void)
{
	/* Six half-empty hosts: consolidation frees three with three moves,
	 * and with a budget of one frees one. */
	struct cluster *c;
	struct host_spec h = { .cap = { { 4000, 4096, 0, 0 } } };
	struct vm_spec s = { .demand = { { 2000, 2048, 0, 0 } },
		.perf = PERF_NORMAL };
	struct assign_opts ao = { .consolidate = true };
	struct assign_result res;
	struct migrate_plan mp;
	host_id greedy[6];
	uint32_t migr;
	char name[8], why[256];

	cluster_new(&c);
	for (int i = 0; i < 6; i++) {
		snprintf(name, sizeof(name), "h%d", i);
		h.name = name;
		cluster_add_host(c, &h, NULL);
		snprintf(name, sizeof(name), "v%d", i);
		s.name = name;
		cluster_add_vm(c, &s, NULL);
		cluster_reserve(c, (vm_id)i, (host_id)i);
	}
	ao.max_migrations = ASSIGN_UNLIMITED;
	ok(assign_solve(c, NULL, 0, &ao, &res) == 0, "consolidate");
	is_int(res.hosts_used, 3, "three hosts hold six half-host VMs");
	is_int(res.migrations, 3, "with three migrations");
	is_int(res.status, ASSIGN_OPTIMAL, "proven optimal");
	migrate_plan_init(&mp);
	ok(migrate_order(c, res.target, false, &mp, NULL) == 0 &&
		!verify_plan(
		    c, NULL, 0, res.target, &mp, false, why, sizeof(why)),
	    "the migrations replay cleanly");
	migrate_plan_done(&mp);
	assign_result_done(&res);
	ao.max_migrations = 1;
	ok(assign_solve(c, NULL, 0, &ao, &res) == 0, "with a budget of one");
	is_int(res.hosts_used, 5, "one host is freed");
	is_int(res.migrations, 1, "by one migration");
	assign_result_done(&res);
	ao.max_migrations = ASSIGN_UNLIMITED;
	ao.target_hosts = 4;
	ok(assign_solve(c, NULL, 0, &ao, &res) == 0, "target four hosts");
	is_int(res.migrations, 2, "needs two migrations");
	is_int(res.bound, 2, "bound 2");
	assign_result_done(&res);
	ok(consolidate_greedy(
	       c, NULL, ASSIGN_UNLIMITED, false, greedy, &migr) == 0,
	    "greedy consolidation");
	is_int(migr, 3, "greedy also frees three hosts with three moves");
	cluster_free(c);
}

static void
test_n_plus_one(void)
{
	/* Two 4-core hosts, HA VMs of 2 cores. Without the reserve both VMs
	 * fit one host; with it, the HA demand of a host must fit the other
	 * host's free room. */
	struct cluster *c;
	struct host_spec h = { .cap = { { 4000, 4096, 0, 0 } } };
	struct vm_spec s = { .demand = { { 2000, 1024, 0, 0 } },
		.perf = PERF_NORMAL,
		.ha = true };
	struct assign_opts ao = { 0 };
	struct assign_result res;
	vm_id batch[3];

	cluster_new(&c);
	h.name = "h0";
	cluster_add_host(c, &h, NULL);
	h.name = "h1";
	cluster_add_host(c, &h, NULL);
	s.name = "a";
	cluster_add_vm(c, &s, &batch[0]);
	s.name = "b";
	cluster_add_vm(c, &s, &batch[1]);
	s.name = "c";
	cluster_add_vm(c, &s, &batch[2]);
	ok(assign_solve(c, batch, 3, &ao, &res) == 0 && res.unplaced == 0 &&
		res.hosts_used == 2,
	    "without N+1 three HA VMs fit two hosts");
	assign_result_done(&res);
	ao.n_plus_one = true;
	ok(assign_solve(c, batch, 2, &ao, &res) == 0 && res.unplaced == 0 &&
		res.hosts_used == 1,
	    "with N+1 two share a host: the other can take both");
	assign_result_done(&res);
	ok(assign_solve(c, batch, 3, &ao, &res) == 0 && res.unplaced == 1,
	    "but a third would leave no host able to absorb the other's");
	assign_result_done(&res);
	cluster_free(c);
}

static void
test_time_limit(void)
{
	/* 60 VMs on 30 hosts of random sizes and costs: no bound closes the
	 * gap quickly, CBC runs into the limit and must stop near it with a
	 * valid plan. */
	struct rng r;
	struct cluster *c;
	struct clock clk;
	struct assign_opts ao = { 0 };
	struct assign_result res;
	vm_id batch[60];
	double cost[30];
	char name[16];
	uint64_t t0;
	double secs;

	rng_init(&r, 99);
	cluster_new(&c);
	for (int i = 0; i < 30; i++) {
		struct host_spec h = { .name = name,
			.cap = { { rng_range(&r, 8, 32) * 1000,
			    rng_range(&r, 16, 128) * 1024, 0, 0 } } };

		snprintf(name, sizeof(name), "h%d", i);
		cluster_add_host(c, &h, NULL);
		cost[i] = (double)rng_range(&r, 10, 40);
	}
	for (int i = 0; i < 60; i++) {
		struct vm_spec s = { .name = name,
			.perf = PERF_NORMAL,
			.demand = { { rng_range(&r, 1, 9) * 1000,
			    rng_range(&r, 2, 30) * 1024, 0, 0 } } };

		snprintf(name, sizeof(name), "v%d", i);
		cluster_add_vm(c, &s, &batch[i]);
	}
	clock_init_monotonic(&clk);
	ao.clk = &clk;
	ao.limit_ns = NS_PER_S;
	ao.host_cost = cost;
	t0 = clock_now(&clk);
	ok(assign_solve(c, batch, 60, &ao, &res) == 0, "60 VMs, 1 s limit");
	secs = (double)(clock_now(&clk) - t0) / 1e9;
	/* A sanity bound, not a timing test: it catches a limit that is
	 * ignored or counted in CPU seconds. */
	ok(secs < 3.0, "returns near the limit (%.2f s)", secs);
	ok(direct(c, res.target, false).valid && res.unplaced == 0,
	    "with a valid plan (%s, cost %g, bound %g)",
	    assign_status_name(res.status), res.cost, res.bound);
	ok(res.bound <= res.cost, "and a bound below its cost");
	assign_result_done(&res);
	cluster_free(c);
}

int
main(void)
{
	test_migration_order();
	test_affinity_group_moves_together();
	test_consolidation();
	test_n_plus_one();
	test_random_plans();
	test_time_limit();
	return tap_done();
}
