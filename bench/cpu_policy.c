/* cpu_policy.c - benchmark: CPU shares of VMs on one shared pinned CPU under each policy vs the promise. */
#include "agent/agent.h"
#include "core/clock.h"

#include <libgen.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#define MAX_VMS 4
#define MEASURE_S 6

struct scenario {
	const char *policy;
	int n;
	const char *cpu_json[MAX_VMS]; /* "cpu" members of each VM */
	double promise[MAX_VMS]; /* share of the CPU, 0..1 */
	bool absolute; /* cap: of the wall time, not of the VMs' total */
	int wait_booted; /* VMs that must boot before measuring */
};

static const struct scenario scenarios[] = {
	{ "fair", 3,
	    { "\"policy\":\"fair\",\"weight\":100",
		"\"policy\":\"fair\",\"weight\":200",
		"\"policy\":\"fair\",\"weight\":300" },
	    { 1 / 6.0, 2 / 6.0, 3 / 6.0 }, false, 3 },
	{ "cap", 2,
	    { "\"policy\":\"cap\",\"cap_pct\":30",
		"\"policy\":\"cap\",\"cap_pct\":50" },
	    { 0.30, 0.50 }, true, 2 },
	{ "priority", 2,
	    { "\"policy\":\"priority\",\"priority\":1",
		"\"policy\":\"priority\",\"priority\":5" },
	    { 0.0, 1.0 }, false, 0 },
	{ "fcfs", 2, { "\"policy\":\"fcfs\"", "\"policy\":\"fcfs\"" },
	    { 1.0, 0.0 }, false, 1 },
	{ "rr", 2,
	    { "\"policy\":\"rr\",\"slice_ms\":20",
		"\"policy\":\"rr\",\"slice_ms\":20" },
	    { 0.5, 0.5 }, false, 0 },
};

struct booted {
	int n;
	char names[MAX_VMS][8];
};

static uint64_t
now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * NS_PER_S + (uint64_t)ts.tv_nsec;
}

static void
on_event(void *ud, const struct agent_event *ev)
{
	struct booted *b = ud;

	if (strcmp(ev->type, "booted") == 0 && b->n < MAX_VMS)
		snprintf(b->names[b->n++], sizeof(b->names[0]), "%s", ev->vm);
}

/* CPU time of a thread in ns: the first field of its schedstat. */
static uint64_t
cpu_ns(int pid, int tid)
{
	char path[96];
	unsigned long long v = 0;
	FILE *f;

	snprintf(path, sizeof(path), "/proc/%d/task/%d/schedstat", pid, tid);
	f = fopen(path, "r");
	if (f) {
		if (fscanf(f, "%llu", &v) != 1)
			v = 0;
		fclose(f);
	}
	return v;
}

/* Busy time of CPU `cpu` in ns from /proc/stat (user+nice+system+irq+
 * softirq+steal), to tell how much of it other processes took. */
static uint64_t
cpu_busy_ns(const char *cpu)
{
	char want[16], line[512];
	unsigned long long v[8] = { 0 };
	FILE *f = fopen("/proc/stat", "r");
	uint64_t busy = 0;

	snprintf(want, sizeof(want), "cpu%s ", cpu);
	while (f && fgets(line, sizeof(line), f)) {
		if (strncmp(line, want, strlen(want)) != 0)
			continue;
		if (sscanf(line + strlen(want),
			"%llu %llu %llu %llu %llu %llu %llu %llu", &v[0], &v[1],
			&v[2], &v[3], &v[4], &v[5], &v[6], &v[7]) == 8)
			busy = (v[0] + v[1] + v[2] + v[5] + v[6] + v[7]) *
			    (NS_PER_S / (uint64_t)sysconf(_SC_CLK_TCK));
		break;
	}
	if (f)
		fclose(f);
	return busy;
}

static void
run_for(struct loop *l, uint64_t ns)
{
	for (uint64_t t0 = now_ns(); now_ns() - t0 < ns;)
		loop_run_once(l, 20);
}

int
main(void)
{
	char exe[1024], guest[1200], kernel[1300], initrd[1300], state[64];
	const char *cpu =
	    getenv("VMGR_BENCH_CPU") ? getenv("VMGR_BENCH_CPU") : "1";
	struct loop *loop = NULL;
	struct agent *a = NULL;
	struct diag d = { 0 };
	struct booted b = { 0 };
	ssize_t n;

	n = readlink("/proc/self/exe", exe, sizeof(exe) - 1);
	exe[n > 0 ? n : 0] = '\0';
	snprintf(guest, sizeof(guest), "%s",
	    getenv("VMGR_GUEST_DIR") ? getenv("VMGR_GUEST_DIR") : "");
	if (!guest[0])
		snprintf(
		    guest, sizeof(guest), "%s/../tests/guest", dirname(exe));
	snprintf(kernel, sizeof(kernel), "%s/vmlinuz", guest);
	snprintf(initrd, sizeof(initrd), "%s/initrd.img", guest);
	if (access(kernel, R_OK) < 0) {
		fprintf(stderr, "bench_cpu_policy: no guest at %s\n", guest);
		return 1;
	}
	snprintf(state, sizeof(state), "/tmp/vmgr-bench-cpu-%d", (int)getpid());
	{
		struct agent_config cfg = { .state_dir = state,
			.qemu_user = getuid() == 0 ? "nobody" : NULL,
			.default_kernel = kernel,
			.default_initrd = initrd };

		if (loop_new(100, &loop) < 0 ||
		    agent_new(&cfg, loop, &a, &d) < 0) {
			fprintf(stderr, "agent: %s\n", d.msg);
			return 1;
		}
	}
	agent_subscribe(a, on_event, &b);
	for (size_t si = 0; si < sizeof(scenarios) / sizeof(scenarios[0]);
	     si++) {
		const struct scenario *sc = &scenarios[si];
		int pids[MAX_VMS], tids[MAX_VMS];
		uint64_t c0[MAX_VMS], c1[MAX_VMS], t0, t1, total = 0, b0, b1;
		double others;
		bool ok = true;

		b.n = 0;
		fprintf(stderr, "== %s: %d VMs on CPU %s\n", sc->policy, sc->n,
		    cpu);
		for (int i = 0; i < sc->n; i++) {
			char cj[160], js[512];
			struct spec s;

			snprintf(cj, sizeof(cj), "{%s,\"cpus\":\"%s\"}",
			    sc->cpu_json[i], cpu);
			snprintf(js, sizeof(js),
			    "{\"name\":\"v%d\",\"vcpus\":1,\"memory_mib\":128,"
			    "\"workload\":\"cpu:0\",\"heartbeat_timeout_ms\":"
			    "600000,\"cpu\":%s}",
			    i, cj);
			if (spec_parse(js, strlen(js), &s, &d) < 0 ||
			    agent_vm_create(a, &s, &d) < 0) {
				fprintf(stderr, "v%d: %s\n", i, d.msg);
				ok = false;
			}
			spec_done(&s);
			/* fcfs: the first comes first, booted and busy. */
			if (i == 0 && sc->wait_booted == 1)
				for (t0 = now_ns();
				     b.n < 1 && now_ns() - t0 < 60 * NS_PER_S;)
					loop_run_once(loop, 20);
		}
		for (t0 = now_ns(); ok && b.n < sc->wait_booted &&
		     now_ns() - t0 < 90 * NS_PER_S;)
			loop_run_once(loop, 20);
		/* Settle into the loop (or, for RT, let the order form). */
		run_for(loop, 2 * NS_PER_S);
		for (int i = 0; ok && i < sc->n; i++) {
			char name[8];

			snprintf(name, sizeof(name), "v%d", i);
			if (agent_vm_pid(a, name, &pids[i]) < 0 ||
			    agent_vm_vcpus(a, name, &tids[i], 1) != 1)
				ok = false;
			else
				c0[i] = cpu_ns(pids[i], tids[i]);
		}
		b0 = cpu_busy_ns(cpu);
		t0 = now_ns();
		run_for(loop, MEASURE_S * NS_PER_S);
		t1 = now_ns();
		b1 = cpu_busy_ns(cpu);
		for (int i = 0; ok && i < sc->n; i++) {
			c1[i] = cpu_ns(pids[i], tids[i]);
			total += c1[i] - c0[i];
		}
		/* What the rest of the machine took of that CPU meanwhile. */
		others = b1 - b0 > total
		    ? (double)(b1 - b0 - total) / (double)(t1 - t0)
		    : 0.0;
		for (int i = 0; ok && i < sc->n; i++) {
			double got = sc->absolute
			    ? (double)(c1[i] - c0[i]) / (double)(t1 - t0)
			    : (double)(c1[i] - c0[i]) /
				(double)(total ? total : 1);

			printf(
			    "{\"bench\":\"cpu_policy\",\"case\":\"%s/vm=v%d\","
			    "\"metric\":\"%s\",\"value\":%.1f,\"promised\":"
			    "%.1f,\"error_pp\":%.1f,\"vms\":%d,"
			    "\"measure_s\":%d,\"cpu_taken_by_others_pct\":"
			    "%.0f}\n",
			    sc->policy, i,
			    sc->absolute ? "cpu_pct_of_one_cpu"
					 : "cpu_share_pct",
			    100 * got, 100 * sc->promise[i],
			    100 * (got - sc->promise[i]), sc->n, MEASURE_S,
			    100 * others);
			fflush(stdout);
		}
		for (int i = 0; i < sc->n; i++) {
			char name[8];

			snprintf(name, sizeof(name), "v%d", i);
			agent_vm_delete(a, name, &d);
		}
	}
	a = agent_free(a);
	loop_free(loop);
	{
		char cmd[128];

		snprintf(cmd, sizeof(cmd), "rm -rf %s", state);
		(void)!system(cmd);
	}
	return 0;
}
