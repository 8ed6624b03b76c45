/* test_sim.c - the simulator: accounting, determinism, failures, slices, consolidation. */
#include "sim/evq.h"
#include "sim/power.h"
#include "sim/report.h"
#include "sim/sim.h"
#include "tap.h"

#include <math.h>

static void
test_evq(void)
{
	struct evq q;
	struct ev e;
	uint64_t last = 0, n = 0;
	bool sorted = true;
	uint64_t x = 12345;

	evq_init(&q);
	for (int i = 0; i < 100000; i++) {
		x = x * 6364136223846793005ULL + 1442695040888963407ULL;
		evq_push(&q,
		    (struct ev){
			evq_key(x >> 20, (unsigned)(x & 7)), (uint32_t)i, 0 });
	}
	while (evq_pop(&q, &e)) {
		if (e.key < last)
			sorted = false;
		last = e.key;
		n++;
	}
	ok(sorted && n == 100000, "the heap pops 100000 events in key order");
	ok(evq_class(evq_key(5, 3)) == 3 && evq_time(evq_key(5, 3)) == 5,
	    "keys carry time and class");
	evq_done(&q);
}

static void
test_power(void)
{
	struct power_curve p;
	struct diag d;

	ok(power_curve_parse(
	       "86 89.4 92.6 96 99.5 102 106 108 112 114 117", &p, &d) == 0,
	    "a SPECpower line parses");
	ok(fabs(power_watts(&p, 0.05) - 87.7) < 1e-9, "interpolates at 5%%");
	ok(power_watts(&p, 2) == 117 && power_watts(&p, -1) == 86,
	    "clamps outside [0, 1]");
	is_int(power_curve_parse("1 2 3", &p, &d), -EINVAL, "too few values");
	is_int(power_curve_parse("5 4 3 2 1 1 1 1 1 1 1", &p, &d), -EINVAL,
	    "decreasing values");
	is_int(power_curve_parse("1 2 3 4 5 6 7 8 9 10 11 12", &p, &d), -EINVAL,
	    "too many values");
}

static int
run(const char *trace, const char *hosts, const char *alloc, const char *sched,
    struct sim_opts *o, struct sim_result *r)
{
	struct diag d = { 0 };
	int rc;

	o->trace = trace;
	o->hosts = hosts;
	o->eng.allocation = alloc;
	o->eng.scheduling = sched;
	o->power_dir = "/nonexistent"; /* results must not depend on data */
	rc = sim_run(o, r, &d);
	if (rc < 0)
		tap_diag("sim_run: %s", d.msg);
	return rc;
}

static void
test_accounting(void)
{
	struct sim_opts o;
	struct sim_result r, r2;
	char *a, *b;
	json_t *ja, *jb;

	sim_opts_default(&o);
	ok(run("synthetic:vms=3000,rate=0.5,life=3600", "20x8:32", "best-fit",
	       "fcfs", &o, &r) == 0,
	    "a synthetic run");
	is_int(r.vms, 3000, "every VM arrived");
	is_int(r.started + r.refused, r.vms,
	    "every VM started or was refused (none left waiting)");
	is_int(r.completed, r.started, "every started VM completed");
	ok(r.refused > 0 && r.queued_vms > 0,
	    "the load queues some and refuses the too large (%llu, %llu)",
	    (unsigned long long)r.queued_vms, (unsigned long long)r.refused);
	ok(r.host_hours > 0 && r.util_alloc[RES_CPU] > 0.5 &&
		r.util_alloc[RES_CPU] <= 1.0,
	    "utilisation of powered hosts in (0.5, 1]: %.3f",
	    r.util_alloc[RES_CPU]);
	ok(isnan(r.energy_kwh), "no power curves, no energy figure");
	ok(r.n_rows > 10, "a time series (%u rows)", r.n_rows);
	ok(r.wait_p50_s <= r.wait_p90_s && r.wait_p90_s <= r.wait_p99_s &&
		r.wait_p99_s <= r.wait_max_s,
	    "wait percentiles are ordered");

	ok(run("synthetic:vms=3000,rate=0.5,life=3600", "20x8:32", "best-fit",
	       "fcfs", &o, &r2) == 0,
	    "the same run again");
	ja = report_summary_json(&r, &o, false);
	jb = report_summary_json(&r2, &o, false);
	a = json_dumps(ja, JSON_COMPACT);
	b = json_dumps(jb, JSON_COMPACT);
	is_str(b, a, "same inputs, same summary");
	free(a);
	free(b);
	json_decref(ja);
	json_decref(jb);
	sim_result_done(&r);
	sim_result_done(&r2);
}

static void
test_failures(void)
{
	struct sim_opts o;
	struct sim_result r;

	sim_opts_default(&o);
	o.fail_at = "3600:2,7200:3";
	ok(run("synthetic:vms=400,rate=0.05,life=7200", "10x16:64", "first-fit",
	       "fcfs", &o, &r) == 0,
	    "a run with two host failures");
	is_int(r.failures, 2, "two failures");
	ok(r.restarted > 0 && r.lost == 0,
	    "HA VMs restart, none lost (%llu restarted)",
	    (unsigned long long)r.restarted);
	ok(r.restart_mean_s >= 3 && r.restart_max_s >= r.restart_mean_s,
	    "restarts take at least the 3 s detection (mean %.1f s)",
	    r.restart_mean_s);
	is_int(r.completed, r.started, "restarted VMs still complete");
	sim_result_done(&r);

	o.ha = false;
	run("synthetic:vms=400,rate=0.05,life=7200", "10x16:64", "first-fit",
	    "fcfs", &o, &r);
	ok(r.lost > 0 && r.restarted == 0, "non-HA VMs are lost (%llu)",
	    (unsigned long long)r.lost);
	sim_result_done(&r);
}

static void
test_fault_types(void)
{
	struct sim_opts o;
	struct sim_result r;
	uint64_t all = 0, hit = 0;

	sim_opts_default(&o);
	o.fault_at = "3600:1:host-partition,5400:2:host-exhaustion,"
		     "6000:3:hypervisor-crash,6500:4:storage";
	o.fault_rate[FAULT_GUEST_FAILURE] = 20;
	o.fault_rate[FAULT_HOST_HARDWARE] = 10;
	ok(run("synthetic:vms=600,rate=0.05,life=7200", "12x16:64", "best-fit",
	       "fcfs", &o, &r) == 0,
	    "a run with faults of every type");
	ok(r.faults[FAULT_HOST_PARTITION] == 1 &&
		r.faults[FAULT_HOST_EXHAUSTION] == 1 &&
		r.faults[FAULT_HYPERVISOR_CRASH] == 1 &&
		r.faults[FAULT_STORAGE] == 1 &&
		r.faults[FAULT_GUEST_FAILURE] > 0,
	    "each scheduled fault struck, and the guest rate drew some (%llu)",
	    (unsigned long long)r.faults[FAULT_GUEST_FAILURE]);
	is_int(r.double_runs, 0,
	    "no VM ever ran twice (a partitioned host is fenced first)");
	is_int(r.lost, 0, "HA VMs are never lost");
	ok(r.restarted > 0, "VMs restart after faults (%llu)",
	    (unsigned long long)r.restarted);
	for (int c = 0; c < FAULT_NCAUSES; c++) {
		all += r.faults[c];
		hit += r.diag_correct[c];
	}
	ok(all == r.failures && hit <= all && hit > all / 2,
	    "diagnosis ranks the injected cause first in %llu of %llu",
	    (unsigned long long)hit, (unsigned long long)all);
	ok(r.detect_mean_s > 0, "detection takes time (%.2f s mean)",
	    r.detect_mean_s);
	sim_result_done(&r);
}

static void
test_policies(void)
{
	struct sim_opts o;
	struct sim_result fcfs, rr, plain, cons;

	sim_opts_default(&o);
	run("synthetic:vms=300,rate=0.5,life=600", "4x16:64", "first-fit",
	    "fcfs", &o, &fcfs);
	o.eng.scheduling_params = "slice_s=60";
	run("synthetic:vms=300,rate=0.5,life=600", "4x16:64", "first-fit", "rr",
	    &o, &rr);
	ok(rr.suspensions > 0 && fcfs.suspensions == 0,
	    "round robin suspends (%llu), fcfs does not",
	    (unsigned long long)rr.suspensions);
	is_int(rr.completed, rr.started, "every VM still completes under rr");
	ok(rr.wait_p50_s < fcfs.wait_p50_s,
	    "time slices cut the median wait (%.0f s < %.0f s)", rr.wait_p50_s,
	    fcfs.wait_p50_s);
	o.eng.scheduling_params = NULL;
	run("synthetic:vms=2000,rate=0.1,life=3600", "60x16:64", "worst-fit",
	    "fcfs", &o, &plain);
	o.eng.consolidate_ns = 600ULL * 1000000000;
	run("synthetic:vms=2000,rate=0.1,life=3600", "60x16:64", "worst-fit",
	    "fcfs", &o, &cons);
	ok(cons.migrations > 0 && cons.host_hours < plain.host_hours,
	    "consolidation migrates (%llu) and saves host-hours (%.0f < %.0f)",
	    (unsigned long long)cons.migrations, cons.host_hours,
	    plain.host_hours);
	sim_result_done(&fcfs);
	sim_result_done(&rr);
	sim_result_done(&plain);
	sim_result_done(&cons);
}

static void
test_errors(void)
{
	struct sim_opts o;
	struct sim_result r;
	struct diag d = { 0 };

	sim_opts_default(&o);
	o.trace = "synthetic:vms=10";
	o.hosts = "10xg9";
	is_int(sim_run(&o, &r, &d), -EINVAL, "unknown host shape");
	ok(strstr(d.msg, "expected g4, g5 or CORES:GIB") != NULL, "%s", d.msg);
	sim_result_done(&r);
	o.hosts = "0x4:8";
	is_int(sim_run(&o, &r, &d), -EINVAL, "zero hosts");
	sim_result_done(&r);
	o.hosts = "2x4:8";
	o.trace = "synthetic:bogus=1";
	ok(sim_run(&o, &r, &d) < 0 &&
		strstr(d.msg, "unknown parameter 'bogus'"),
	    "bad generator parameter: %s", d.msg);
	sim_result_done(&r);
	o.trace = "synthetic:vms=10";
	o.fail_at = "10:99";
	ok(sim_run(&o, &r, &d) == -EINVAL && strstr(d.msg, "fail-at"),
	    "failure of a host that does not exist: %s", d.msg);
	sim_result_done(&r);
	o.fail_at = NULL;
	o.eng.allocation = "nope";
	ok(sim_run(&o, &r, &d) == -ENOENT &&
		strstr(d.msg, "unknown allocation strategy 'nope'"),
	    "unknown strategy: %s", d.msg);
	sim_result_done(&r);
}

int
main(void)
{
	test_evq();
	test_power();
	test_accounting();
	test_failures();
	test_fault_types();
	test_policies();
	test_errors();
	return tap_done();
}
