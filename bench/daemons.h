/* daemons.h - the platform benchmarks' helpers: start vmgrd processes, call their APIs, wait for states. */
#ifndef BENCH_DAEMONS_H
#define BENCH_DAEMONS_H

#include "bench_util.h"
#include "manager/link.h"

#include <jansson.h>
#include <libgen.h>
#include <signal.h>
#include <stdbool.h>
#include <stdio.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

/*
 * Header-only: each benchmark that drives daemons from outside includes it
 * once. Processes are started with fork+exec, their stderr to a log file;
 * APIs are called through the manager's own HTTP client (manager/link.h),
 * on a UNIX socket ("unix:/path") or TCP.
 */

/* The guest the tests build (build/tests/guest), found from this program's
 * path (build/bench/bench_X) unless VMGR_GUEST_DIR says otherwise; 0, or
 * -1 with a message when it is missing. */
static inline int
bench_guest(char *kernel, char *initrd, size_t n)
{
	char exe[1024], dir[1100];
	ssize_t k = readlink("/proc/self/exe", exe, sizeof(exe) - 1);
	const char *env = getenv("VMGR_GUEST_DIR");

	exe[k > 0 ? k : 0] = '\0';
	if (env)
		snprintf(dir, sizeof(dir), "%s", env);
	else
		snprintf(dir, sizeof(dir), "%s/../tests/guest", dirname(exe));
	snprintf(kernel, n, "%s/vmlinuz", dir);
	snprintf(initrd, n, "%s/initrd.img", dir);
	if (access(kernel, R_OK) < 0 || access(initrd, R_OK) < 0) {
		fprintf(stderr,
		    "no guest in %s (ninja -C build tests/guest/vmlinuz)\n",
		    dir);
		return -1;
	}
	return 0;
}

/* Starts argv (NULL-terminated) with stderr appended to log; the pid, or
 * -1. */
static inline pid_t
bench_spawn(char *const argv[], const char *log)
{
	pid_t pid = fork();

	if (pid == 0) {
		FILE *f = freopen(log, "a", stderr);

		(void)f;
		if (!freopen("/dev/null", "w", stdout))
			_exit(127);
		execv(argv[0], argv);
		_exit(127);
	}
	return pid;
}

/* Ends a process we started: SIGTERM, then SIGKILL after 5 s. */
static inline void
bench_stop(pid_t pid)
{
	if (pid <= 0)
		return;
	kill(pid, SIGTERM);
	for (int i = 0; i < 500; i++) {
		if (waitpid(pid, NULL, WNOHANG) == pid)
			return;
		usleep(10000);
	}
	kill(pid, SIGKILL);
	waitpid(pid, NULL, 0);
}

/* One API call; the reply as JSON (NULL when unreachable or not JSON) and
 * the status in *status (0 when unreachable). */
static inline json_t *
bench_call(struct link *l, const char *url, const char *token,
    const char *method, const char *path, const char *body, long *status)
{
	struct link_target t;
	struct diag d = { 0 };
	char *reply = NULL;
	json_t *j = NULL;

	snprintf(t.url, sizeof(t.url), "%s", url);
	snprintf(t.token, sizeof(t.token), "%s", token ? token : "");
	*status = 0;
	if (link_call(l, &t, method, path, body, 10000, status, &reply, &d) ==
	    0)
		j = reply ? json_loads(reply, 0, NULL) : NULL;
	free(reply);
	return j;
}

/* Whether GET path answers 200 within timeout_s. */
static inline bool
bench_wait_up(
    struct link *l, const char *url, const char *path, double timeout_s)
{
	double end = bench_now() + timeout_s;
	long st;

	while (bench_now() < end) {
		json_t *j = bench_call(l, url, NULL, "GET", path, NULL, &st);

		json_decref(j);
		if (st == 200)
			return true;
		usleep(20000);
	}
	return false;
}

/* Polls GET path every 5 ms until member key of the reply is the string
 * (or boolean true for "true") want; the time it first was, or -1 after
 * timeout_s. */
static inline double
bench_wait_field(struct link *l, const char *url, const char *path,
    const char *key, const char *want, double timeout_s)
{
	double end = bench_now() + timeout_s;

	while (bench_now() < end) {
		long st;
		json_t *j = bench_call(l, url, NULL, "GET", path, NULL, &st);
		json_t *v = json_object_get(j, key);
		bool hit = (json_is_string(v) &&
			       strcmp(json_string_value(v), want) == 0) ||
		    (json_is_true(v) && strcmp(want, "true") == 0);
		double t = bench_now();

		json_decref(j);
		if (hit)
			return t;
		usleep(5000);
	}
	return -1;
}

/* The last event seq of a manager's or agent's GET /v1/events, or 0. */
static inline uint64_t
bench_last_event(struct link *l, const char *url)
{
	long st;
	json_t *j = bench_call(
	    l, url, NULL, "GET", "/v1/events?since=0&max=1", NULL, &st);
	uint64_t last =
	    (uint64_t)json_integer_value(json_object_get(j, "last"));

	json_decref(j);
	return last;
}

/* Long-polls GET /v1/events after *since until an event of type `type`
 * about VM vm (NULL: any) arrives; the time it was seen here, or -1 after
 * timeout_s. *since moves past what was read. */
static inline double
bench_wait_event(struct link *l, const char *url, uint64_t *since,
    const char *vm, const char *type, double timeout_s)
{
	double end = bench_now() + timeout_s;
	char path[128];

	while (bench_now() < end) {
		long st;
		json_t *j, *e;
		size_t i;

		snprintf(path, sizeof(path),
		    "/v1/events?since=%llu&max=200&wait_ms=5000",
		    (unsigned long long)*since);
		j = bench_call(l, url, NULL, "GET", path, NULL, &st);
		if (!j) {
			usleep(20000);
			continue;
		}
		json_array_foreach(json_object_get(j, "events"), i, e)
		{
			const char *v =
			    json_string_value(json_object_get(e, "vm"));
			const char *t =
			    json_string_value(json_object_get(e, "type"));

			*since = (uint64_t)json_integer_value(
			    json_object_get(e, "seq"));
			if (t && strcmp(t, type) == 0 &&
			    (!vm || (v && strcmp(v, vm) == 0))) {
				double now = bench_now();

				json_decref(j);
				return now;
			}
		}
		json_decref(j);
	}
	return -1;
}

#endif
