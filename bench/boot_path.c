/* boot_path.c - bench: `vmgr vm create` to the guest's boot marker through the manager, against a request to the agent alone, alternating. */
#include "daemons.h"

#include <stdlib.h>
#include <sys/stat.h>

/*
 * Two daemons on this machine, each with a fresh state directory: vmgrd
 * (manager + this host's agent, offering 4 cores) and vmgrd --role agent
 * alone. Rounds alternate: the manager path runs `vmgr vm create` (the
 * CLI, as a user would) and waits on the manager's event stream (GET
 * /v1/events, long-polled) for the VM's "booted"; the agent path POSTs the
 * VM spec to the agent and waits on the agent's event stream the same way
 * (the agent says "booted" when the guest prints its boot marker). Both guests are the tests'
 * default guest (1 vCPU, 128 MiB, TCG here), deleted after each round.
 * Prints the median of each path, the ratio manager/agent and the
 * manager's overhead in ms. The guest's boot dominates both; the
 * difference is the manager's part: the CLI, the store's synced write,
 * the engine's decision, the call to the agent and the event back.
 */

#ifndef VMGRD_PATH
#define VMGRD_PATH "vmgrd"
#endif
#ifndef VMGR_PATH
#define VMGR_PATH "vmgr"
#endif
#define ROUNDS 5

static char dir[64];
static pid_t mgr_pid, agent_pid;

static void
cleanup(void)
{
	char cmd[128];

	bench_stop(mgr_pid);
	bench_stop(agent_pid);
	snprintf(cmd, sizeof(cmd), "rm -rf %s", dir);
	(void)!system(cmd);
}

/* Runs `vmgr --socket SOCK vm create NAME ...`; 0 when it exits 0. */
static int
cli_create(const char *sock, const char *name)
{
	char *argv[] = { (char *)VMGR_PATH, (char *)"--socket", (char *)sock,
		(char *)"vm", (char *)"create", (char *)name,
		(char *)"--cpu-milli", (char *)"1000", (char *)"--memory-mib",
		(char *)"128", NULL };
	int st;
	pid_t pid = fork();

	if (pid == 0) {
		if (!freopen("/dev/null", "w", stdout))
			_exit(127);
		execv(argv[0], argv);
		_exit(127);
	}
	if (pid < 0 || waitpid(pid, &st, 0) < 0)
		return -1;
	return WIFEXITED(st) && WEXITSTATUS(st) == 0 ? 0 : -1;
}

int
main(void)
{
	char kernel[1200], initrd[1200], mdir[128], adir[128], msock[160],
	    asock[160], murl[200], aurl[200], log[160], path[128], body[256];
	double tm[ROUNDS], ta[ROUNDS];
	struct link *l = NULL;
	long st;

	if (bench_guest(kernel, initrd, sizeof(kernel)) < 0)
		return 1;
	snprintf(dir, sizeof(dir), "/tmp/vmgr-bench-boot-%d", (int)getpid());
	mkdir(dir, 0755);
	atexit(cleanup);
	snprintf(mdir, sizeof(mdir), "%s/m", dir);
	snprintf(adir, sizeof(adir), "%s/a", dir);
	snprintf(msock, sizeof(msock), "%s/vmgrd.sock", mdir);
	snprintf(asock, sizeof(asock), "%s/agent.sock", adir);
	snprintf(murl, sizeof(murl), "unix:%s", msock);
	snprintf(aurl, sizeof(aurl), "unix:%s", asock);
	snprintf(log, sizeof(log), "%s/log", dir);
	{
		char *margv[] = { (char *)VMGRD_PATH, (char *)"--state-dir",
			mdir, (char *)"--offer", (char *)"4000:4096",
			(char *)"--host-name", (char *)"pm0",
			(char *)"--kernel", kernel, (char *)"--initrd", initrd,
			NULL };
		char *aargv[] = { (char *)VMGRD_PATH, (char *)"--role",
			(char *)"agent", (char *)"--state-dir", adir,
			(char *)"--socket", asock, (char *)"--kernel", kernel,
			(char *)"--initrd", initrd, NULL };

		mgr_pid = bench_spawn(margv, log);
		agent_pid = bench_spawn(aargv, log);
	}
	if (link_new(&l) < 0 || mgr_pid < 0 || agent_pid < 0 ||
	    !bench_wait_up(l, murl, "/v1/health", 20) ||
	    !bench_wait_up(l, aurl, "/v1/vms", 20)) {
		fprintf(
		    stderr, "boot_path: the daemons did not start (%s)\n", log);
		return 1;
	}
	for (int i = 0; i < ROUNDS; i++) {
		char name[32];
		double t0, t1;
		uint64_t since;
		json_t *j;

		snprintf(name, sizeof(name), "m%d", i);
		snprintf(path, sizeof(path), "/v1/vms/%s", name);
		since = bench_last_event(l, murl);
		t0 = bench_now();
		if (cli_create(msock, name) < 0) {
			fprintf(stderr, "boot_path: vmgr vm create failed\n");
			return 1;
		}
		t1 = bench_wait_event(l, murl, &since, name, "booted", 60);
		if (t1 < 0) {
			fprintf(stderr, "boot_path: %s did not boot\n", name);
			return 1;
		}
		tm[i] = (t1 - t0) * 1000;
		json_decref(
		    bench_call(l, murl, NULL, "DELETE", path, NULL, &st));

		snprintf(name, sizeof(name), "a%d", i);
		snprintf(path, sizeof(path), "/v1/vms/%s", name);
		snprintf(body, sizeof(body),
		    "{\"name\":\"%s\",\"vcpus\":1,\"memory_mib\":128}", name);
		since = bench_last_event(l, aurl);
		t0 = bench_now();
		j = bench_call(l, aurl, NULL, "POST", "/v1/vms", body, &st);
		json_decref(j);
		if (st != 201) {
			fprintf(
			    stderr, "boot_path: agent create: HTTP %ld\n", st);
			return 1;
		}
		t1 = bench_wait_event(l, aurl, &since, name, "booted", 60);
		if (t1 < 0) {
			fprintf(stderr, "boot_path: %s did not boot\n", name);
			return 1;
		}
		ta[i] = (t1 - t0) * 1000;
		json_decref(
		    bench_call(l, aurl, NULL, "DELETE", path, NULL, &st));
		fprintf(stderr,
		    "boot_path: round %d: manager %.0f ms, agent %.0f ms\n",
		    i + 1, tm[i], ta[i]);
	}
	link_free(l);
	{
		double m = bench_median(tm, ROUNDS),
		       a = bench_median(ta, ROUNDS);

		bench_emit("boot_path", "create-to-boot/1vcpu-128MiB", "ms", m,
		    "agent-alone", a);
		bench_emit("boot_path", "create-to-boot/1vcpu-128MiB",
		    "manager_overhead_ms", m - a, NULL, 0);
	}
	return 0;
}
