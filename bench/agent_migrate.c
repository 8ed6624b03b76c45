/* agent_migrate.c - benchmark: live migration of the default guest between two vmgrd agents, on loopback and across a veth pair. */
#include "bench_util.h"

#include <curl/curl.h>
#include <fcntl.h>
#include <jansson.h>
#include <libgen.h>
#include <signal.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#define ROUNDS 5
#define NSA "vmgr-bm-a"
#define NSB "vmgr-bm-b"

struct agentp {
	char name[8], sock[300], log[300], state[300];
	pid_t pid;
};

static char g_dir[] = "/tmp/vmgr-bench-migrate.XXXXXX";
static char g_vmgrd[1300], g_kernel[1300], g_initrd[1300];

struct buf {
	char *p;
	size_t n;
};

static size_t
collect(char *ptr, size_t s, size_t n, void *ud)
{
	struct buf *b = ud;
	char *q = realloc(b->p, b->n + s * n + 1);

	if (!q)
		return 0;
	b->p = q;
	memcpy(b->p + b->n, ptr, s * n);
	b->n += s * n;
	b->p[b->n] = '\0';
	return s * n;
}

/* One request to an agent's UNIX socket; the JSON answer (or NULL). */
static json_t *
call(const struct agentp *a, const char *method, const char *path,
    const char *body, long *ret_code)
{
	CURL *e = curl_easy_init();
	struct buf b = { 0 };
	char url[512];
	json_t *v = NULL;
	long code = 0;

	snprintf(url, sizeof(url), "http://agent%s", path);
	curl_easy_setopt(e, CURLOPT_UNIX_SOCKET_PATH, a->sock);
	curl_easy_setopt(e, CURLOPT_URL, url);
	curl_easy_setopt(e, CURLOPT_CUSTOMREQUEST, method);
	curl_easy_setopt(e, CURLOPT_WRITEFUNCTION, collect);
	curl_easy_setopt(e, CURLOPT_WRITEDATA, &b);
	curl_easy_setopt(e, CURLOPT_TIMEOUT, 60L);
	if (body)
		curl_easy_setopt(e, CURLOPT_POSTFIELDS, body);
	if (curl_easy_perform(e) == CURLE_OK)
		curl_easy_getinfo(e, CURLINFO_RESPONSE_CODE, &code);
	curl_easy_cleanup(e);
	if (b.p)
		v = json_loads(b.p, 0, NULL);
	free(b.p);
	if (ret_code)
		*ret_code = code;
	return v;
}

static int
start_agent(struct agentp *a, const char *name, const char *ports,
    const char *ns, const char *addr)
{
	char netns[128];

	snprintf(a->name, sizeof(a->name), "%s", name);
	snprintf(a->sock, sizeof(a->sock), "%s/%s.sock", g_dir, name);
	snprintf(a->log, sizeof(a->log), "%s/%s.log", g_dir, name);
	snprintf(a->state, sizeof(a->state), "%s/%s", g_dir, name);
	snprintf(netns, sizeof(netns), "--net=/run/netns/%s", ns ? ns : "");
	a->pid = fork();
	if (a->pid == 0) {
		int fd = open(a->log, O_WRONLY | O_CREAT | O_TRUNC, 0644);

		dup2(fd, 2);
		if (ns)
			execlp("nsenter", "nsenter", netns, g_vmgrd, "--role",
			    "agent", "--socket", a->sock, "--state-dir",
			    a->state, "--kernel", g_kernel, "--initrd",
			    g_initrd, "--migrate-address", addr,
			    "--migrate-ports", ports, (char *)NULL);
		else
			execl(g_vmgrd, g_vmgrd, "--role", "agent", "--socket",
			    a->sock, "--state-dir", a->state, "--kernel",
			    g_kernel, "--initrd", g_initrd, "--migrate-address",
			    addr, "--migrate-ports", ports, (char *)NULL);
		_exit(127);
	}
	for (int i = 0; i < 200; i++) {
		long code = 0;
		json_t *v = call(a, "GET", "/v1/agent", NULL, &code);

		json_decref(v);
		if (code == 200)
			return 0;
		usleep(50000);
	}
	fprintf(stderr, "agent %s did not start (see %s)\n", name, a->log);
	return -1;
}

static void
stop_agent(struct agentp *a)
{
	if (a->pid > 0) {
		kill(a->pid, SIGTERM);
		waitpid(a->pid, NULL, 0);
		a->pid = 0;
	}
}

static const char *
state_of(const struct agentp *a, const char *vm, char *out, size_t n)
{
	char path[128];
	json_t *v;

	snprintf(path, sizeof(path), "/v1/vms/%s", vm);
	v = call(a, "GET", path, NULL, NULL);
	snprintf(out, n, "%s",
	    json_string_value(json_object_get(v, "state"))
		? json_string_value(json_object_get(v, "state"))
		: "?");
	json_decref(v);
	return out;
}

static bool
wait_booted(const struct agentp *a, const char *vm)
{
	char path[128];

	snprintf(path, sizeof(path), "/v1/vms/%s", vm);
	for (int i = 0; i < 600; i++) {
		json_t *v = call(a, "GET", path, NULL, NULL);
		bool b = json_is_true(json_object_get(v, "booted"));

		json_decref(v);
		if (b)
			return true;
		usleep(100000);
	}
	return false;
}

/* Migrates vm from src to dst; total and downtime in ms. 0 or -1. */
static int
migrate_once(struct agentp *src, struct agentp *dst, const char *vm,
    double *ret_total, double *ret_down)
{
	char body[512], path[128], st[32];
	json_t *v, *evs, *e;
	const char *uri;
	long code;
	uint64_t since;
	size_t i;

	snprintf(body, sizeof(body),
	    "{\"name\":\"%s\",\"vcpus\":1,\"memory_mib\":256,\"workload\":"
	    "\"counter\",\"incoming\":true}",
	    vm);
	v = call(dst, "POST", "/v1/vms", body, &code);
	uri = json_string_value(json_object_get(v, "incoming_uri"));
	if (code != 201 || !uri) {
		fprintf(stderr, "incoming VM on %s: %ld\n", dst->name, code);
		json_decref(v);
		return -1;
	}
	snprintf(body, sizeof(body), "{\"uri\":\"%s\"}", uri);
	json_decref(v);
	v = call(src, "GET", "/v1/events?max=1&since=999999999", NULL, NULL);
	since = (uint64_t)json_integer_value(json_object_get(v, "last"));
	json_decref(v);
	snprintf(path, sizeof(path), "/v1/vms/%s/migrate", vm);
	json_decref(call(src, "POST", path, body, &code));
	if (code != 202) {
		fprintf(stderr, "migrate on %s: %ld\n", src->name, code);
		return -1;
	}
	for (int k = 0; k < 100; k++) {
		snprintf(path, sizeof(path),
		    "/v1/events?since=%llu&wait_ms=2000&max=64",
		    (unsigned long long)since);
		v = call(src, "GET", path, NULL, NULL);
		evs = json_object_get(v, "events");
		json_array_foreach(evs, i, e)
		{
			const char *t =
			    json_string_value(json_object_get(e, "type"));
			const json_t *d = json_object_get(e, "data");

			if (t && strcmp(t, "migrated") == 0) {
				*ret_total = (double)json_integer_value(
				    json_object_get(d, "total_ms"));
				*ret_down = (double)json_integer_value(
				    json_object_get(d, "downtime_ms"));
				json_decref(v);
				snprintf(path, sizeof(path), "/v1/vms/%s", vm);
				json_decref(
				    call(src, "DELETE", path, NULL, NULL));
				/* The target runs it now. */
				for (int w = 0; w < 50 &&
				     strcmp(state_of(dst, vm, st, sizeof(st)),
					 "running");
				     w++)
					usleep(100000);
				return 0;
			}
			if (t && strcmp(t, "migrate-failed") == 0) {
				fprintf(stderr, "migration failed: %s\n",
				    json_string_value(
					json_object_get(d, "reason")));
				json_decref(v);
				return -1;
			}
		}
		since =
		    (uint64_t)json_integer_value(json_object_get(v, "last"));
		json_decref(v);
	}
	return -1;
}

static int
netns_setup(void)
{
	(void)!system("ip netns del " NSA " 2>/dev/null; ip netns del " NSB
		      " 2>/dev/null");
	return system("ip netns add " NSA " && ip netns add " NSB
		      " && ip link add vmgr-bma netns " NSA
		      " type veth peer name vmgr-bmb netns " NSB
		      " && ip -n " NSA " addr add 10.213.8.1/24 dev vmgr-bma"
		      " && ip -n " NSB " addr add 10.213.8.2/24 dev vmgr-bmb"
		      " && ip -n " NSA " link set vmgr-bma up && ip -n " NSB
		      " link set vmgr-bmb up && ip -n " NSA
		      " link set lo up && ip -n " NSB " link set lo up");
}

int
main(void)
{
	char exe[1024], guest[1200];
	struct agentp a = { 0 }, b = { 0 }, na = { 0 }, nb = { 0 };
	struct agentp *pairs[2][2] = { { &a, &b }, { &na, &nb } };
	const char *cases[2] = { "loopback/256MiB/tcg",
		"veth-netns/256MiB/tcg" };
	double tot[2][ROUNDS], down[2][ROUNDS];
	int got[2] = { 0, 0 }, npairs = 1, rc = 1;
	ssize_t n;

	n = readlink("/proc/self/exe", exe, sizeof(exe) - 1);
	exe[n > 0 ? n : 0] = '\0';
	snprintf(guest, sizeof(guest), "%s/../tests/guest", dirname(exe));
	snprintf(g_vmgrd, sizeof(g_vmgrd), "%s/../src/vmgrd/vmgrd", exe);
	snprintf(g_kernel, sizeof(g_kernel), "%s/vmlinuz", guest);
	snprintf(g_initrd, sizeof(g_initrd), "%s/initrd.img", guest);
	if (access(g_kernel, R_OK) || access(g_vmgrd, X_OK)) {
		fprintf(stderr, "no guest at %s or no %s (ninja -C build)\n",
		    guest, g_vmgrd);
		return 1;
	}
	if (!mkdtemp(g_dir))
		return 1;
	chmod(g_dir, 0755);
	curl_global_init(CURL_GLOBAL_DEFAULT);
	if (start_agent(&a, "a", "49500-49519", NULL, "127.0.0.1") < 0 ||
	    start_agent(&b, "b", "49520-49539", NULL, "127.0.0.1") < 0)
		goto out;
	if (netns_setup() == 0) {
		if (start_agent(&na, "na", "49540-49559", NSA, "10.213.8.1") <
			0 ||
		    start_agent(&nb, "nb", "49560-49579", NSB, "10.213.8.2") <
			0)
			goto out;
		npairs = 2;
	} else {
		fprintf(stderr, "ip netns not permitted: loopback only\n");
	}
	for (int p = 0; p < npairs; p++) {
		char body[256];
		long code;

		snprintf(body, sizeof(body),
		    "{\"name\":\"g%d\",\"vcpus\":1,\"memory_mib\":256,"
		    "\"workload\":\"counter\"}",
		    p);
		json_decref(call(pairs[p][0], "POST", "/v1/vms", body, &code));
		snprintf(body, sizeof(body), "g%d", p);
		if (code != 201 || !wait_booted(pairs[p][0], body)) {
			fprintf(stderr, "guest %s did not boot\n", body);
			goto out;
		}
	}
	sleep(2);
	/* Rounds alternate the two cases and the direction of travel. */
	for (int r = 0; r < ROUNDS; r++) {
		for (int p = 0; p < npairs; p++) {
			struct agentp *src = pairs[p][r % 2],
				      *dst = pairs[p][(r + 1) % 2];
			char vm[8];
			double t, dt;

			snprintf(vm, sizeof(vm), "g%d", p);
			if (migrate_once(src, dst, vm, &t, &dt) < 0)
				goto out;
			tot[p][got[p]] = t;
			down[p][got[p]++] = dt;
			fprintf(stderr,
			    "round %d %s %s -> %s: total %.0f ms, downtime "
			    "%.0f ms\n",
			    r + 1, cases[p], src->name, dst->name, t, dt);
			usleep(500000);
		}
	}
	for (int p = 0; p < npairs; p++) {
		bench_emit("agent_migrate", cases[p], "total_ms",
		    bench_median(tot[p], got[p]), NULL, 0);
		bench_emit("agent_migrate", cases[p], "downtime_ms",
		    bench_median(down[p], got[p]), NULL, 0);
	}
	rc = 0;
out:
	stop_agent(&a);
	stop_agent(&b);
	stop_agent(&na);
	stop_agent(&nb);
	(void)!system("ip netns del " NSA " 2>/dev/null; ip netns del " NSB
		      " 2>/dev/null");
	{
		char cmd[400];

		snprintf(cmd, sizeof(cmd), "rm -rf %s", g_dir);
		(void)!system(cmd);
	}
	curl_global_cleanup();
	return rc;
}
