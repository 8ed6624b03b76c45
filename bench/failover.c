/* failover.c - bench: a host fails on a three-namespace cluster; time to detection, to the restart decision, to the guests running and booted elsewhere; median of 10. */
#include "daemons.h"

#include <dirent.h>
#include <stdlib.h>
#include <sys/stat.h>

/*
 * One manager (root namespace, on a bridge) and three agents, each in its
 * own network namespace (vmgr-f1..3, 10.213.9.1..3), heartbeats every
 * 250 ms, the default lease (2 s). Two HA guests of one core (first fit
 * puts both on one host). Each round kills the agent that runs them and
 * its QEMU processes with SIGKILL, then measures from that moment:
 *   detected  - the manager's host-suspected event,
 *   failed    - its host-failed event (the lease is over: restart now),
 *   restarted - both VMs placed on another host (the manager's API),
 *   running   - both guests' QEMUs running there (the agents' APIs),
 *   booted    - both guests printed their boot marker there;
 * then starts the dead agent again and waits until it is up. Prints the
 * median and the worst of each over ROUNDS rounds. Needs root and ip
 * netns; says so and exits 0 otherwise. Namespaces, the bridge and the
 * processes it started are removed at the end.
 */

#ifndef VMGRD_PATH
#define VMGRD_PATH "vmgrd"
#endif
#define ROUNDS 10
#define NET "10.213.9"

static char dir[64];
static pid_t mgr_pid, agent_pid[4];
static char kernel[1200], initrd[1200];

static void
net_down(void)
{
	(void)!system("for i in 1 2 3; do ip netns del vmgr-f$i; "
		      "ip link del vmgr-fv$i; done 2>/dev/null; "
		      "ip link del vmgr-fbr 2>/dev/null");
}

static void
cleanup(void)
{
	char cmd[128];

	for (int i = 1; i <= 3; i++)
		bench_stop(agent_pid[i]);
	bench_stop(mgr_pid);
	net_down();
	snprintf(cmd, sizeof(cmd), "rm -rf %s", dir);
	(void)!system(cmd);
}

static int
net_up(void)
{
	char cmd[1024];

	net_down();
	if (system("ip link add vmgr-fbr type bridge && ip addr add " NET
		   ".254/24 dev vmgr-fbr && ip link set vmgr-fbr up "
		   "2>/dev/null") != 0)
		return -1;
	for (int i = 1; i <= 3; i++) {
		snprintf(cmd, sizeof(cmd),
		    "ip netns add vmgr-f%d && ip link add vmgr-fv%d type veth "
		    "peer name eth0 netns vmgr-f%d && ip link set vmgr-fv%d "
		    "master vmgr-fbr up && ip -n vmgr-f%d addr add " NET
		    ".%d/24 dev eth0 && ip -n vmgr-f%d link set eth0 up && ip "
		    "-n vmgr-f%d link set lo up",
		    i, i, i, i, i, i, i, i);
		if (system(cmd) != 0)
			return -1;
	}
	return 0;
}

static pid_t
start_agent(int i)
{
	char ns[16], sd[128], listen[32], adv[64], name[8], log[128];
	char *argv[] = { (char *)"/usr/sbin/ip", (char *)"netns",
		(char *)"exec", ns, (char *)VMGRD_PATH, (char *)"--role",
		(char *)"agent", (char *)"--state-dir", sd, (char *)"--listen",
		listen, (char *)"--token-file", NULL, (char *)"--manager",
		(char *)"http://" NET ".254:7600",
		(char *)"--manager-token-file", NULL, (char *)"--advertise",
		adv, (char *)"--host-name", name, (char *)"--kernel", kernel,
		(char *)"--initrd", initrd, NULL };
	char tok[128], mtok[128];

	snprintf(ns, sizeof(ns), "vmgr-f%d", i);
	snprintf(sd, sizeof(sd), "%s/a%d", dir, i);
	snprintf(listen, sizeof(listen), NET ".%d:7601", i);
	snprintf(adv, sizeof(adv), "http://" NET ".%d:7601", i);
	snprintf(name, sizeof(name), "h%d", i);
	snprintf(log, sizeof(log), "%s/a%d.log", dir, i);
	snprintf(tok, sizeof(tok), "%s/agtok", dir);
	snprintf(mtok, sizeof(mtok), "%s/atoken", dir);
	argv[12] = tok;
	argv[16] = mtok;
	if (access(argv[0], X_OK) < 0)
		argv[0] = (char *)"/sbin/ip";
	return bench_spawn(argv, log);
}

/* Kills pid and every process whose parent it is (its QEMUs). */
static void
kill_tree(pid_t pid)
{
	DIR *d = opendir("/proc");
	struct dirent *e;

	while (d && (e = readdir(d))) {
		char path[300], buf[512];
		FILE *f;
		int ppid = 0;

		if (e->d_name[0] < '0' || e->d_name[0] > '9')
			continue;
		snprintf(path, sizeof(path), "/proc/%s/stat", e->d_name);
		f = fopen(path, "r");
		if (!f)
			continue;
		if (fgets(buf, sizeof(buf), f)) {
			char *p = strrchr(buf, ')');

			if (p)
				sscanf(p + 2, "%*c %d", &ppid);
		}
		fclose(f);
		if (ppid == pid)
			kill(atoi(e->d_name), SIGKILL);
	}
	if (d)
		closedir(d);
	kill(pid, SIGKILL);
	waitpid(pid, NULL, 0);
}

/* The host of VM name according to the manager, or "". */
static void
host_of(struct link *l, const char *murl, const char *name, char *out)
{
	char path[64];
	long st;
	json_t *j;

	snprintf(path, sizeof(path), "/v1/vms/%s", name);
	j = bench_call(l, murl, NULL, "GET", path, NULL, &st);
	snprintf(out, 16, "%s",
	    json_string_value(json_object_get(j, "host"))
		? json_string_value(json_object_get(j, "host"))
		: "");
	json_decref(j);
}

static int
hosts_up(struct link *l, const char *murl)
{
	long st;
	json_t *j = bench_call(l, murl, NULL, "GET", "/v1/hosts", NULL, &st);
	size_t i;
	json_t *h;
	int n = 0;

	json_array_foreach(j, i, h)
	{
		const char *s = json_string_value(json_object_get(h, "state"));

		n += s && strcmp(s, "up") == 0;
	}
	json_decref(j);
	return n;
}

/* The time at which both VMs' state on host hN's agent first was `want`
 * (a state name, or "booted"), or -1. */
static double
wait_agent(struct link *l, int hn, const char *want, double timeout_s)
{
	char url[160];
	double end = bench_now() + timeout_s;

	snprintf(url, sizeof(url), "unix:%s/a%d/agent.sock", dir, hn);
	while (bench_now() < end) {
		int ok = 0;

		for (int v = 0; v < 2; v++) {
			char path[64];
			long st;
			json_t *j;

			snprintf(path, sizeof(path), "/v1/vms/f%d", v);
			j = bench_call(l, url, NULL, "GET", path, NULL, &st);
			if (strcmp(want, "booted") == 0)
				ok +=
				    json_is_true(json_object_get(j, "booted"));
			else
				ok += json_string_value(
					  json_object_get(j, "state")) &&
				    strcmp(json_string_value(
					       json_object_get(j, "state")),
					want) == 0;
			json_decref(j);
		}
		if (ok == 2)
			return bench_now();
		usleep(5000);
	}
	return -1;
}

int
main(void)
{
	char murl[160], log[160], sock[160], tokf[160];
	double det[ROUNDS], fail[ROUNDS], rst[ROUNDS], run[ROUNDS],
	    boot[ROUNDS];
	struct link *l = NULL;
	uint64_t since;
	long st;

	if (bench_guest(kernel, initrd, sizeof(kernel)) < 0)
		return 1;
	if (geteuid() != 0) {
		fprintf(stderr, "failover: needs root (ip netns); skipped\n");
		return 0;
	}
	snprintf(
	    dir, sizeof(dir), "/tmp/vmgr-bench-failover-%d", (int)getpid());
	mkdir(dir, 0755);
	atexit(cleanup);
	if (net_up() < 0) {
		fprintf(stderr,
		    "failover: ip netns or bridges are not permitted here; "
		    "skipped\n");
		return 0;
	}
	snprintf(tokf, sizeof(tokf), "%s/atoken", dir);
	{
		FILE *f = fopen(tokf, "w");

		fputs("agent-token-0123456789\n", f ? f : stderr);
		if (f)
			fclose(f);
		snprintf(tokf, sizeof(tokf), "%s/agtok", dir);
		f = fopen(tokf, "w");
		fputs("agent-api-token-012345\n", f ? f : stderr);
		if (f)
			fclose(f);
		snprintf(tokf, sizeof(tokf), "%s/token", dir);
		f = fopen(tokf, "w");
		fputs("api-token-0123456789\n", f ? f : stderr);
		if (f)
			fclose(f);
	}
	snprintf(sock, sizeof(sock), "%s/var/vmgrd.sock", dir);
	snprintf(murl, sizeof(murl), "unix:%s", sock);
	snprintf(log, sizeof(log), "%s/mgr.log", dir);
	{
		char sd[128], atok[128];
		char *argv[] = { (char *)VMGRD_PATH, (char *)"--role",
			(char *)"manager", (char *)"--state-dir", sd,
			(char *)"--listen", (char *)NET ".254:7600",
			(char *)"--token-file", tokf,
			(char *)"--agent-token-file", atok,
			(char *)"--heartbeat-ms", (char *)"250", NULL };

		snprintf(sd, sizeof(sd), "%s/var", dir);
		snprintf(atok, sizeof(atok), "%s/atoken", dir);
		mgr_pid = bench_spawn(argv, log);
	}
	for (int i = 1; i <= 3; i++)
		agent_pid[i] = start_agent(i);
	if (link_new(&l) < 0 || !bench_wait_up(l, murl, "/v1/health", 20)) {
		fprintf(
		    stderr, "failover: the manager did not start (%s)\n", log);
		return 1;
	}
	for (double end = bench_now() + 30;
	     hosts_up(l, murl) < 3 && bench_now() < end;)
		usleep(50000);
	if (hosts_up(l, murl) < 3) {
		fprintf(stderr, "failover: the agents did not register\n");
		return 1;
	}
	for (int v = 0; v < 2; v++) {
		char body[160];

		snprintf(body, sizeof(body),
		    "{\"name\":\"f%d\",\"cpu_milli\":1000,\"memory_mib\":128,"
		    "\"workload\":\"counter\"}",
		    v);
		json_decref(
		    bench_call(l, murl, NULL, "POST", "/v1/vms", body, &st));
	}
	if (bench_wait_field(l, murl, "/v1/vms/f0", "booted", "true", 60) < 0 ||
	    bench_wait_field(l, murl, "/v1/vms/f1", "booted", "true", 60) < 0) {
		fprintf(stderr, "failover: the guests did not boot\n");
		return 1;
	}
	for (int r = 0; r < ROUNDS; r++) {
		char h0[16], h1[16], n0[16], n1[16];
		double t0, t;
		int victim, target;

		host_of(l, murl, "f0", h0);
		host_of(l, murl, "f1", h1);
		if (strcmp(h0, h1) != 0 || h0[0] != 'h') {
			fprintf(stderr,
			    "failover: f0 on %s and f1 on %s: expected one "
			    "host\n",
			    h0, h1);
			return 1;
		}
		victim = atoi(h0 + 1);
		since = bench_last_event(l, murl);
		t0 = bench_now();
		kill_tree(agent_pid[victim]);
		agent_pid[victim] = 0;
		t = bench_wait_event(
		    l, murl, &since, NULL, "host-suspected", 20);
		det[r] = (t - t0) * 1000;
		t = bench_wait_event(l, murl, &since, NULL, "host-failed", 20);
		fail[r] = (t - t0) * 1000;
		for (;;) {
			host_of(l, murl, "f0", n0);
			host_of(l, murl, "f1", n1);
			if ((strcmp(n0, h0) != 0 && n0[0] == 'h' &&
				strcmp(n1, h0) != 0 && n1[0] == 'h') ||
			    bench_now() - t0 > 30)
				break;
			usleep(5000);
		}
		rst[r] = (bench_now() - t0) * 1000;
		if (strcmp(n0, n1) != 0) {
			fprintf(stderr,
			    "failover: restarted on %s and %s: expected one "
			    "host\n",
			    n0, n1);
			return 1;
		}
		target = atoi(n0 + 1);
		run[r] = (wait_agent(l, target, "running", 30) - t0) * 1000;
		boot[r] = (wait_agent(l, target, "booted", 60) - t0) * 1000;
		fprintf(stderr,
		    "failover: round %d: h%d -> h%d: suspected %.0f ms, failed "
		    "%.0f ms, restarted %.0f ms, running %.0f ms, booted %.0f "
		    "ms\n",
		    r + 1, victim, target, det[r], fail[r], rst[r], run[r],
		    boot[r]);
		if (det[r] < 0 || fail[r] < 0 || run[r] < 0 || boot[r] < 0)
			return 1;
		agent_pid[victim] = start_agent(victim);
		for (double end = bench_now() + 30;
		     hosts_up(l, murl) < 3 && bench_now() < end;)
			usleep(50000);
	}
	link_free(l);
	{
		static const char *const names[] = { "detected_ms", "failed_ms",
			"restarted_ms", "running_ms", "booted_ms" };
		double *v[] = { det, fail, rst, run, boot };

		for (int k = 0; k < 5; k++) {
			double worst = 0;

			for (int r = 0; r < ROUNDS; r++)
				worst = v[k][r] > worst ? v[k][r] : worst;
			bench_emit("failover", "3-namespaces/2-vms", names[k],
			    bench_median(v[k], ROUNDS), NULL, 0);
			bench_emit("failover", "3-namespaces/2-vms/worst",
			    names[k], worst, NULL, 0);
		}
	}
	return 0;
}
