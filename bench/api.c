/* api.c - bench: vmgrd's REST API under load (wrk), reads per second and latency percentiles. */
#include "bench_util.h"

#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

/*
 * Starts `vmgrd --role manager` on a loopback TCP port with a fresh store,
 * creates 100 stopped VMs, then drives GET /v1/health and GET
 * /v1/vms/vm-50 with wrk (Debian's wrk; the bench says so and stops if it
 * is missing) at 4, 8 and 16 connections for 5 s each, 3 rounds, and
 * prints the median requests/s and p50/p99 latency. wrk runs on the same
 * machine, so the figures include its cost.
 */

#ifndef VMGRD_PATH
#define VMGRD_PATH "vmgrd"
#endif
#define PORT 18931

static pid_t daemon_pid;
static char dir[64];

static void
cleanup(void)
{
	char cmd[128];

	if (daemon_pid > 0) {
		kill(daemon_pid, SIGTERM);
		waitpid(daemon_pid, NULL, 0);
	}
	snprintf(cmd, sizeof(cmd), "rm -rf %s", dir);
	(void)!system(cmd);
}

static double
wrk_ms(const char *s)
{
	double v = atof(s);

	if (strstr(s, "us"))
		return v / 1000;
	if (strstr(s, "ms"))
		return v;
	return v * 1000; /* seconds */
}

/* Runs wrk; fills req/s, p50 and p99 (ms). 0 or -1. */
static int
wrk(const char *path, int conns, double *rps, double *p50, double *p99)
{
	char cmd[256], line[512];
	FILE *f;

	snprintf(cmd, sizeof(cmd),
	    "wrk -t2 -c%d -d5s --latency http://127.0.0.1:%d%s 2>&1", conns,
	    PORT, path);
	f = popen(cmd, "r");
	if (!f)
		return -1;
	*rps = *p50 = *p99 = -1;
	while (fgets(line, sizeof(line), f)) {
		char v[64];

		if (sscanf(line, " 50%% %63s", v) == 1)
			*p50 = wrk_ms(v);
		else if (sscanf(line, " 99%% %63s", v) == 1)
			*p99 = wrk_ms(v);
		else if (sscanf(line, "Requests/sec: %63s", v) == 1)
			*rps = atof(v);
	}
	return pclose(f) == 0 && *rps > 0 ? 0 : -1;
}

int
main(void)
{
	static const char *const paths[] = { "/v1/health", "/v1/vms/vm-50" };
	static const int conns[] = { 4, 8, 16 };
	char tok[128], state[128], url[64];
	FILE *f;

	if (system("command -v wrk >/dev/null 2>&1") != 0) {
		fprintf(stderr,
		    "api: wrk is not installed (apt-get install wrk)\n");
		return 1;
	}
	snprintf(dir, sizeof(dir), "/tmp/vmgr-bench-api.%d", getpid());
	mkdir(dir, 0700);
	atexit(cleanup);
	snprintf(tok, sizeof(tok), "%s/token", dir);
	snprintf(state, sizeof(state), "%s/var", dir);
	snprintf(url, sizeof(url), "127.0.0.1:%d", PORT);
	f = fopen(tok, "w");
	if (!f)
		return 1;
	fputs("bench-token\n", f);
	fclose(f);
	daemon_pid = fork();
	if (daemon_pid == 0) {
		execl(VMGRD_PATH, "vmgrd", "--role", "manager", "--state-dir",
		    state, "--listen", url, "--token-file", tok, "--log-level",
		    "warn", (char *)NULL);
		_exit(127);
	}
	for (int i = 0; i < 100; i++) {
		char cmd[512];

		snprintf(cmd, sizeof(cmd),
		    "curl -s -o /dev/null --retry 20 --retry-connrefused "
		    "--retry-delay 0 -H 'Authorization: Bearer bench-token' "
		    "-d "
		    "'{\"name\":\"vm-%d\",\"cpu_milli\":100,\"memory_mib\":64,"
		    "\"start\":false}' http://127.0.0.1:%d/v1/vms",
		    i, PORT);
		if (system(cmd) != 0) {
			fprintf(stderr, "api: vmgrd did not answer\n");
			return 1;
		}
	}
	for (size_t p = 0; p < (sizeof(paths) / sizeof(paths[0])); p++) {
		for (size_t c = 0; c < (sizeof(conns) / sizeof(conns[0]));
		     c++) {
			double rps[3], p50[3], p99[3];
			char cas[128];

			for (int round = 0; round < 3; round++) {
				if (wrk(paths[p], conns[c], &rps[round],
					&p50[round], &p99[round]) < 0) {
					fprintf(stderr, "api: wrk failed\n");
					return 1;
				}
			}
			snprintf(cas, sizeof(cas), "GET %s/conns=%d", paths[p],
			    conns[c]);
			bench_emit("api", cas, "requests_per_s",
			    bench_median(rps, 3), NULL, 0);
			bench_emit("api", cas, "p50_ms", bench_median(p50, 3),
			    NULL, 0);
			bench_emit("api", cas, "p99_ms", bench_median(p99, 3),
			    NULL, 0);
			fprintf(stderr,
			    "api: %-28s %8.0f req/s  p50 %.2f ms  p99 %.2f "
			    "ms\n",
			    cas, bench_median(rps, 3), bench_median(p50, 3),
			    bench_median(p99, 3));
		}
	}
	return 0;
}
