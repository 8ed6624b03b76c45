/* agent_start.c - benchmark: request -> guest boot marker through the agent vs plain QEMU, alternating. */
#include "agent/agent.h"
#include "agent/qemu.h"
#include "core/clock.h"

#include <fcntl.h>
#include <libgen.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#define ROUNDS 5

struct waiter {
	const char *vm;
	bool booted;
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
	struct waiter *w = ud;

	if (strcmp(ev->type, "booted") == 0 && strcmp(ev->vm, w->vm) == 0)
		w->booted = true;
}

static int
cmp_u64(const void *a, const void *b)
{
	uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;

	return x < y ? -1 : x > y;
}

static uint64_t
median(uint64_t *v, int n)
{
	qsort(v, (size_t)n, sizeof(*v), cmp_u64);
	return n % 2 ? v[n / 2] : (v[n / 2 - 1] + v[n / 2]) / 2;
}

static long
rss_kib(void)
{
	FILE *f = fopen("/proc/self/status", "r");
	char line[256];
	long v = -1;

	while (f && fgets(line, sizeof(line), f))
		if (sscanf(line, "VmRSS: %ld kB", &v) == 1)
			break;
	if (f)
		fclose(f);
	return v;
}

/* Plain QEMU with the agent's arguments, minus QMP and -S: ms to marker. */
static uint64_t
plain_boot(const struct spec *s, const struct qemu_opts *o)
{
	struct qemu_args a;
	char *argv[128], buf[4096], line[512];
	size_t ll = 0;
	int sv[2], m = 0;
	uint64_t t0, t = 0;
	pid_t pid;

	if (socketpair(AF_UNIX, SOCK_STREAM, 0, sv) < 0 ||
	    qemu_argv_build(s, o, 1000, sv[1], &a) < 0)
		return 0;
	for (uint32_t i = 0; i < a.n && m < 127; i++) {
		if (strcmp(a.v[i], "-S") == 0)
			continue;
		if (strstr(a.v[i], "id=qmp") ||
		    strstr(a.v[i], "mode=control")) {
			m--; /* drop the option name already copied */
			continue;
		}
		argv[m++] = a.v[i];
	}
	argv[m] = NULL;
	t0 = now_ns();
	pid = fork();
	if (pid == 0) {
		int null = open("/dev/null", O_RDWR);

		dup2(null, 0);
		dup2(null, 1);
		dup2(null, 2);
		execvp(argv[0], argv);
		_exit(127);
	}
	close(sv[1]);
	for (;;) {
		ssize_t n = read(sv[0], buf, sizeof(buf));

		if (n <= 0)
			break;
		for (ssize_t i = 0; i < n; i++) {
			if (buf[i] == '\n') {
				line[ll] = '\0';
				ll = 0;
				if (strstr(line, "vmgr-guest: boot ok")) {
					t = now_ns() - t0;
					break;
				}
			} else if (ll < sizeof(line) - 1) {
				line[ll++] = buf[i];
			}
		}
		if (t)
			break;
	}
	kill(pid, SIGKILL);
	waitpid(pid, NULL, 0);
	close(sv[0]);
	qemu_args_done(&a);
	return t;
}

int
main(int argc, char **argv)
{
	char exe[1024], guest[1200], kernel[1300], initrd[1300], state[64];
	struct agent_config cfg = { 0 };
	struct loop *loop = NULL;
	struct agent *a = NULL;
	struct diag d = { 0 };
	struct waiter w = { 0 };
	uint64_t ta[ROUNDS], tp[ROUNDS];
	struct spec s = { 0 };
	struct qemu_opts o;
	ssize_t n;
	long rss0, rss1;
	const char *why;
	char js[256];

	(void)argc;
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
		fprintf(stderr,
		    "%s: no guest at %s (ninja -C build tests/guest/vmlinuz)\n",
		    argv[0], guest);
		return 1;
	}
	snprintf(
	    state, sizeof(state), "/tmp/vmgr-bench-start-%d", (int)getpid());
	cfg = (struct agent_config){ .state_dir = state,
		.qemu_user = getuid() == 0 ? "nobody" : NULL,
		.default_kernel = kernel,
		.default_initrd = initrd };
	if (loop_new(100, &loop) < 0 || agent_new(&cfg, loop, &a, &d) < 0) {
		fprintf(stderr, "agent: %s\n", d.msg);
		return 1;
	}
	agent_subscribe(a, on_event, &w);
	fprintf(stderr, "accelerator: %s\n", (agent_accel(a, &why), why));
	snprintf(js, sizeof(js),
	    "{\"name\":\"b\",\"vcpus\":1,\"memory_mib\":128,"
	    "\"kernel\":\"%s\",\"initrd\":\"%s\"}",
	    kernel, initrd);
	spec_parse(js, strlen(js), &s, &d);
	o = (struct qemu_opts){ .binary = "qemu-system-x86_64" };
	{
		FILE *f = fopen("/proc/cpuinfo", "r");
		static char ci[1 << 16];
		size_t len = f ? fread(ci, 1, sizeof(ci) - 1, f) : 0;

		if (f)
			fclose(f);
		ci[len] = '\0';
		o.tsc_khz = qemu_tsc_khz(ci);
		o.accel = strcmp(agent_accel(a, NULL), "kvm") == 0 ? ACCEL_KVM
								   : ACCEL_TCG;
	}
	for (int r = 0; r < ROUNDS; r++) {
		uint64_t t0 = now_ns();

		w = (struct waiter){ .vm = "b" };
		if (agent_vm_create(a, &s, &d) < 0) {
			fprintf(stderr, "create: %s\n", d.msg);
			return 1;
		}
		while (!w.booted && now_ns() - t0 < 60 * NS_PER_S)
			loop_run_once(loop, 10);
		ta[r] = now_ns() - t0;
		agent_vm_delete(a, "b", &d);
		tp[r] = plain_boot(&s, &o);
		fprintf(stderr, "round %d: agent %.0f ms, plain qemu %.0f ms\n",
		    r + 1, ta[r] / 1e6, tp[r] / 1e6);
	}
	{
		double ma = median(ta, ROUNDS) / 1e6,
		       mp = median(tp, ROUNDS) / 1e6;

		printf(
		    "{\"bench\":\"agent_start\",\"case\":\"microvm/1vcpu/"
		    "128MiB/%s\",\"metric\":\"request_to_boot_marker_ms\","
		    "\"value\":%.0f,\"baseline\":\"plain-qemu-same-args\","
		    "\"baseline_value\":%.0f,\"ratio\":%.3f,\"rounds\":%d}\n",
		    agent_accel(a, NULL), ma, mp, ma / mp, ROUNDS);
	}
	/* The agent's own memory per running VM. */
	rss0 = rss_kib();
	for (int i = 0; i < 2; i++) {
		snprintf(js, sizeof(js),
		    "{\"name\":\"m%d\",\"vcpus\":1,\"memory_mib\":128}", i);
		struct spec m;

		spec_parse(js, strlen(js), &m, &d);
		w = (struct waiter){ .vm = m.name };
		if (agent_vm_create(a, &m, &d) < 0)
			fprintf(stderr, "create: %s\n", d.msg);
		spec_done(&m);
		for (uint64_t t0 = now_ns();
		     !w.booted && now_ns() - t0 < 60 * NS_PER_S;)
			loop_run_once(loop, 10);
	}
	for (uint64_t t0 = now_ns(); now_ns() - t0 < 2 * NS_PER_S;)
		loop_run_once(loop, 10);
	rss1 = rss_kib();
	printf("{\"bench\":\"agent_start\",\"case\":\"running-vms=2\","
	       "\"metric\":\"agent_rss_kib_per_vm\",\"value\":%.0f,"
	       "\"agent_rss_kib\":%ld}\n",
	    (rss1 - rss0) / 2.0, rss1);
	spec_done(&s);
	a = agent_free(a);
	loop_free(loop);
	rmdir(state);
	{
		char cmd[128];

		snprintf(cmd, sizeof(cmd), "rm -rf %s", state);
		(void)!system(cmd);
	}
	return 0;
}
