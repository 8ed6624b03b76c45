/* test_uplink.c - vmgrd --role agent --manager against a fake manager (libmicrohttpd in this process): registration, heartbeats, events, acks, 404 (TAP). */
#include "tap.h"

#include <arpa/inet.h>
#include <curl/curl.h>
#include <fcntl.h>
#include <jansson.h>
#include <microhttpd.h>
#include <netinet/in.h>
#include <pthread.h>
#include <signal.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#define MGR_TOKEN "mgr-token-0123456789abcdef"
#define AGENT_TOKEN "agent-token-0123456789abcdef"
#define HB_MS 200
#define MAX_SEQ 4096

/* What the fake manager saw and how it behaves; guarded by mu. */
static struct {
	pthread_mutex_t mu;
	int fail_register; /* answer 503 to this many registrations */
	int fail_beats; /* answer 500 to this many heartbeats */
	bool known; /* false: heartbeats get 404 */
	int register_attempts, registrations, bad_auth, beats_ok, beats_404,
	    beats_failed, bad_seq;
	json_t *last_register; /* the last registration body */
	json_t *last_vms;
	uint64_t last_beat_seq, ack;
	int accepted[MAX_SEQ]; /* per event seq: in accepted heartbeats */
	int in_failed[MAX_SEQ]; /* per event seq: in failed heartbeats */
	char types[MAX_SEQ][24];
	char vms[MAX_SEQ][16];
	uint64_t max_seq;
} m = { .mu = PTHREAD_MUTEX_INITIALIZER, .known = false };

struct body {
	char *buf;
	size_t len;
};

static enum MHD_Result
reply(struct MHD_Connection *c, unsigned status, const char *txt)
{
	struct MHD_Response *r = MHD_create_response_from_buffer(
	    strlen(txt), (void *)txt, MHD_RESPMEM_MUST_COPY);
	enum MHD_Result ret;

	MHD_add_response_header(r, "Content-Type", "application/json");
	ret = MHD_queue_response(c, status, r);
	MHD_destroy_response(r);
	return ret;
}

/* One heartbeat; called with mu held. Returns the status to answer. */
static unsigned
heartbeat(json_t *v, bool accept)
{
	json_t *evs = json_object_get(v, "events"), *e;
	uint64_t seq = (uint64_t)json_integer_value(json_object_get(v, "seq"));
	size_t i;

	if (seq <= m.last_beat_seq)
		m.bad_seq++;
	m.last_beat_seq = seq;
	json_array_foreach(evs, i, e)
	{
		uint64_t s =
		    (uint64_t)json_integer_value(json_object_get(e, "seq"));
		const char *t = json_string_value(json_object_get(e, "type"));
		const char *vm = json_string_value(json_object_get(e, "vm"));

		if (s == 0 || s >= MAX_SEQ || !t || !vm ||
		    !json_is_integer(json_object_get(e, "time_ms")))
			continue;
		if (accept) {
			m.accepted[s]++;
			if (s > m.ack)
				m.ack = s;
		} else {
			m.in_failed[s]++;
		}
		snprintf(m.types[s], sizeof(m.types[s]), "%s", t);
		snprintf(m.vms[s], sizeof(m.vms[s]), "%s", vm);
		if (s > m.max_seq)
			m.max_seq = s;
	}
	if (accept) {
		json_decref(m.last_vms);
		m.last_vms = json_incref(json_object_get(v, "vms"));
	}
	return accept ? 200 : 500;
}

static enum MHD_Result
handle(void *cls, struct MHD_Connection *c, const char *url, const char *method,
    const char *version, const char *upload, size_t *upload_size,
    void **con_cls)
{
	struct body *b = *con_cls;
	const char *auth;
	json_t *v;
	char txt[128];
	unsigned status = 200;

	(void)cls;
	(void)version;
	if (!b) {
		b = calloc(1, sizeof(*b));
		*con_cls = b;
		return b ? MHD_YES : MHD_NO;
	}
	if (*upload_size) {
		char *p = realloc(b->buf, b->len + *upload_size + 1);

		if (!p)
			return MHD_NO;
		b->buf = p;
		memcpy(b->buf + b->len, upload, *upload_size);
		b->len += *upload_size;
		b->buf[b->len] = '\0';
		*upload_size = 0;
		return MHD_YES;
	}
	auth = MHD_lookup_connection_value(c, MHD_HEADER_KIND, "Authorization");
	pthread_mutex_lock(&m.mu);
	if (!auth || strcmp(auth, "Bearer " MGR_TOKEN) != 0) {
		m.bad_auth++;
		pthread_mutex_unlock(&m.mu);
		return reply(c, 401, "{\"error\":\"token\"}");
	}
	v = b->buf ? json_loadb(b->buf, b->len, 0, NULL) : NULL;
	txt[0] = '\0';
	if (strcmp(method, "POST") != 0 || !json_is_object(v)) {
		status = 400;
		snprintf(txt, sizeof(txt), "{\"error\":\"body\"}");
	} else if (strcmp(url, "/v1/hosts/register") == 0) {
		m.register_attempts++;
		if (m.fail_register > 0) {
			m.fail_register--;
			status = 503;
			snprintf(txt, sizeof(txt), "{\"error\":\"not yet\"}");
		} else {
			json_decref(m.last_register);
			m.last_register = json_incref(v);
			m.registrations++;
			m.known = true;
			snprintf(
			    txt, sizeof(txt), "{\"heartbeat_ms\":%d}", HB_MS);
		}
	} else if (strcmp(url, "/v1/hosts/h1/heartbeat") == 0) {
		if (!m.known) {
			m.beats_404++;
			status = 404;
			snprintf(txt, sizeof(txt), "{\"error\":\"who?\"}");
		} else if (m.fail_beats > 0) {
			m.fail_beats--;
			m.beats_failed++;
			status = heartbeat(v, false);
			snprintf(txt, sizeof(txt), "{\"error\":\"busy\"}");
		} else {
			m.beats_ok++;
			status = heartbeat(v, true);
			snprintf(txt, sizeof(txt), "{\"ack\":%llu}",
			    (unsigned long long)m.ack);
		}
	} else {
		status = 404;
		snprintf(txt, sizeof(txt), "{\"error\":\"route\"}");
	}
	pthread_mutex_unlock(&m.mu);
	json_decref(v);
	return reply(c, status, txt);
}

static void
completed(void *cls, struct MHD_Connection *c, void **con_cls,
    enum MHD_RequestTerminationCode toe)
{
	struct body *b = *con_cls;

	(void)cls;
	(void)c;
	(void)toe;
	if (b) {
		free(b->buf);
		free(b);
	}
	*con_cls = NULL;
}

/* ---- a client for the agent's UNIX socket ---------------------------- */

static size_t
sink(char *p, size_t s, size_t n, void *ud)
{
	(void)p;
	(void)ud;
	return s * n;
}

static long
agent_call(
    const char *sock, const char *method, const char *path, const char *body)
{
	CURL *e = curl_easy_init();
	char url[256];
	long code = 0;

	if (!e)
		return 0;
	snprintf(url, sizeof(url), "http://agent%s", path);
	curl_easy_setopt(e, CURLOPT_UNIX_SOCKET_PATH, sock);
	curl_easy_setopt(e, CURLOPT_URL, url);
	curl_easy_setopt(e, CURLOPT_CUSTOMREQUEST, method);
	curl_easy_setopt(e, CURLOPT_WRITEFUNCTION, sink);
	curl_easy_setopt(e, CURLOPT_TIMEOUT, 30L);
	if (body)
		curl_easy_setopt(e, CURLOPT_POSTFIELDS, body);
	if (curl_easy_perform(e) == CURLE_OK)
		curl_easy_getinfo(e, CURLINFO_RESPONSE_CODE, &code);
	curl_easy_cleanup(e);
	return code;
}

static uint64_t
now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000 + (uint64_t)ts.tv_nsec / 1000000;
}

/* The accepted seq of the first event TYPE of vm, 0 if none yet. */
static uint64_t
find_event(const char *vm, const char *type)
{
	uint64_t r = 0;

	pthread_mutex_lock(&m.mu);
	for (uint64_t s = 1; s <= m.max_seq && !r; s++)
		if (m.accepted[s] && strcmp(m.types[s], type) == 0 &&
		    strcmp(m.vms[s], vm) == 0)
			r = s;
	pthread_mutex_unlock(&m.mu);
	return r;
}

static uint64_t
wait_event(const char *vm, const char *type, unsigned secs)
{
	uint64_t end = now_ms() + secs * 1000u, s;

	while (!(s = find_event(vm, type)) && now_ms() < end)
		usleep(20000);
	return s;
}

/* Waits until pred (called with mu held) holds. */
static bool
wait_for(unsigned secs, bool (*pred)(void))
{
	uint64_t end = now_ms() + secs * 1000u;
	bool r;

	for (;;) {
		pthread_mutex_lock(&m.mu);
		r = pred();
		pthread_mutex_unlock(&m.mu);
		if (r || now_ms() > end)
			return r;
		usleep(20000);
	}
}

static bool
registered_once(void)
{
	return m.registrations == 1;
}

static bool
registered_twice(void)
{
	return m.registrations == 2;
}

static bool
three_beats(void)
{
	return m.beats_ok >= 3;
}

static bool
vm_listed(void)
{
	const json_t *v = json_array_get(m.last_vms, 0);
	const char *name = json_string_value(json_object_get(v, "name"));

	return json_array_size(m.last_vms) == 1 && name &&
	    strcmp(name, "u1") == 0 &&
	    json_is_string(json_object_get(v, "state")) &&
	    json_is_boolean(json_object_get(v, "booted")) &&
	    json_is_boolean(json_object_get(v, "heartbeat"));
}

static uint64_t
meminfo_mib(void)
{
	FILE *f = fopen("/proc/meminfo", "r");
	char line[256];
	unsigned long long kib = 0;

	while (f && fgets(line, sizeof(line), f))
		if (sscanf(line, "MemTotal: %llu kB", &kib) == 1)
			break;
	if (f)
		fclose(f);
	return kib / 1024;
}

static int
write_file(const char *path, const char *txt)
{
	FILE *f = fopen(path, "w");

	if (!f)
		return -1;
	fputs(txt, f);
	return fclose(f);
}

int
main(int argc, char **argv)
{
	char dir[] = "/tmp/vmgr-uplink-test.XXXXXX", sock[256], mgr_url[64],
	     kernel[512], initrd[512], path[300], tok[300], atok[300],
	     logp[300], state[300];
	struct MHD_Daemon *mhd;
	struct sockaddr_in sa = { 0 };
	const union MHD_DaemonInfo *info;
	uint16_t port;
	pid_t pid;
	int status;
	uint64_t s_paused, s_created, s_started;

	if (argc < 3) {
		fprintf(stderr, "usage: test_uplink VMGRD GUEST_DIR\n");
		return 2;
	}
	if (system("command -v qemu-system-x86_64 >/dev/null 2>&1") != 0)
		return tap_skip_all("qemu-system-x86_64 is not installed");
	snprintf(kernel, sizeof(kernel), "%s/vmlinuz", argv[2]);
	snprintf(initrd, sizeof(initrd), "%s/initrd.img", argv[2]);
	if (access(kernel, R_OK) || access(initrd, R_OK)) {
		ok(0, "the default guest is in %s", argv[2]);
		return tap_done();
	}
	if (!mkdtemp(dir))
		return tap_skip_all("cannot make a temporary directory");
	chmod(dir, 0755);
	curl_global_init(CURL_GLOBAL_DEFAULT);

	/* The fake manager: its first two registrations fail. */
	m.fail_register = 2;
	sa.sin_family = AF_INET;
	sa.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	mhd = MHD_start_daemon(
	    MHD_USE_INTERNAL_POLLING_THREAD | MHD_USE_ERROR_LOG, 0, NULL, NULL,
	    handle, NULL, MHD_OPTION_SOCK_ADDR, &sa,
	    MHD_OPTION_NOTIFY_COMPLETED, completed, NULL, MHD_OPTION_END);
	ok(mhd != NULL, "the fake manager listens");
	if (!mhd)
		return tap_done();
	info = MHD_get_daemon_info(mhd, MHD_DAEMON_INFO_BIND_PORT);
	port = info ? info->port : 0;
	snprintf(mgr_url, sizeof(mgr_url), "http://127.0.0.1:%u/", port);
	snprintf(tok, sizeof(tok), "%s/mgr-token", dir);
	snprintf(atok, sizeof(atok), "%s/agent-token", dir);
	snprintf(sock, sizeof(sock), "%s/agent.sock", dir);
	snprintf(logp, sizeof(logp), "%s/agent.log", dir);
	snprintf(state, sizeof(state), "%s/state", dir);
	write_file(tok, MGR_TOKEN "\n");
	write_file(atok, AGENT_TOKEN "\n");

	pid = fork();
	if (pid == 0) {
		int fd = open(logp, O_WRONLY | O_CREAT | O_TRUNC, 0644);

		dup2(fd, 2);
		execl(argv[1], argv[1], "--role", "agent", "--socket", sock,
		    "--state-dir", state, "--kernel", kernel, "--initrd",
		    initrd, "--listen", "127.0.0.1:0", "--token-file", atok,
		    "--manager", mgr_url, "--manager-token-file", tok,
		    "--host-name", "h1", "--advertise", "http://127.0.0.1:8470",
		    "--log-level", "debug", (char *)NULL);
		_exit(127);
	}

	/* Registration, after two refusals. */
	ok(wait_for(15, registered_once),
	    "the agent registers after two failed attempts");
	pthread_mutex_lock(&m.mu);
	is_int(m.register_attempts, 3, "exactly 3 registration attempts");
	is_int(m.bad_auth, 0, "every request carries the bearer token");
	{
		json_t *r = m.last_register;
		const json_t *labels = json_object_get(r, "labels");

		is_str(json_string_value(json_object_get(r, "name")), "h1",
		    "register: name");
		is_str(json_string_value(json_object_get(r, "url")),
		    "http://127.0.0.1:8470", "register: url (--advertise)");
		is_str(json_string_value(json_object_get(r, "token")),
		    AGENT_TOKEN, "register: the agent API's own token");
		is_int(json_integer_value(json_object_get(r, "cpu_milli")),
		    sysconf(_SC_NPROCESSORS_ONLN) * 1000,
		    "register: cpu_milli = online CPUs x 1000");
		is_int(json_integer_value(json_object_get(r, "memory_mib")),
		    meminfo_mib(), "register: memory_mib = MemTotal");
		ok(json_is_object(labels) && json_object_size(labels) == 0,
		    "register: labels {}");
	}
	pthread_mutex_unlock(&m.mu);
	ok(wait_for(5, three_beats), "heartbeats follow");

	/* Events of a real VM reach the manager. */
	snprintf(path, sizeof(path),
	    "{\"name\":\"u1\",\"vcpus\":1,\"memory_mib\":128,"
	    "\"workload\":\"idle\"}");
	is_int(agent_call(sock, "POST", "/v1/vms", path), 201,
	    "create VM u1 on the agent");
	s_created = wait_event("u1", "created", 10);
	s_started = wait_event("u1", "started", 10);
	ok(s_created && s_started,
	    "events started (seq %llu) and created (seq %llu) delivered",
	    (unsigned long long)s_started, (unsigned long long)s_created);
	ok(wait_for(5, vm_listed),
	    "heartbeats list the VM with state, booted and heartbeat");

	/* Failing heartbeats keep the events; they arrive once it works. */
	pthread_mutex_lock(&m.mu);
	m.fail_beats = 3;
	pthread_mutex_unlock(&m.mu);
	is_int(agent_call(sock, "POST", "/v1/vms/u1/pause", NULL), 200,
	    "pause u1");
	s_paused = wait_event("u1", "paused", 10);
	ok(s_paused, "paused delivered after 3 failed heartbeats (seq %llu)",
	    (unsigned long long)s_paused);
	pthread_mutex_lock(&m.mu);
	ok(m.beats_failed == 3 && s_paused && m.in_failed[s_paused] >= 1,
	    "the event was in the failed heartbeats too (%d times), kept "
	    "until acknowledged",
	    s_paused ? m.in_failed[s_paused] : 0);
	pthread_mutex_unlock(&m.mu);

	/* 404: the manager forgot the host: it registers again. */
	pthread_mutex_lock(&m.mu);
	m.known = false;
	pthread_mutex_unlock(&m.mu);
	ok(wait_for(10, registered_twice),
	    "after a 404 the agent registers again");
	is_int(agent_call(sock, "POST", "/v1/vms/u1/resume", NULL), 200,
	    "resume u1");
	ok(wait_event("u1", "resumed", 10), "events flow after re-registering");
	is_int(
	    agent_call(sock, "DELETE", "/v1/vms/u1", NULL), 200, "delete u1");
	ok(wait_event("u1", "deleted", 10), "deleted delivered");

	/* Every event exactly once in accepted heartbeats, none missing. */
	usleep(3 * HB_MS * 1000);
	pthread_mutex_lock(&m.mu);
	{
		uint64_t missing = 0, dup = 0;

		for (uint64_t s = 1; s <= m.max_seq; s++) {
			if (m.accepted[s] == 0)
				missing++;
			if (m.accepted[s] > 1)
				dup++;
		}
		ok(m.max_seq >= 6 && missing == 0 && dup == 0,
		    "events 1..%llu each acknowledged exactly once (%llu "
		    "missing, %llu repeated after their ack)",
		    (unsigned long long)m.max_seq, (unsigned long long)missing,
		    (unsigned long long)dup);
		is_int(m.bad_seq, 0, "heartbeat seq strictly increases");
	}
	pthread_mutex_unlock(&m.mu);

	/* A VM still running at SIGTERM: its last events reach the manager
	 * before the agent exits. */
	is_int(agent_call(sock, "POST", "/v1/vms",
		   "{\"name\":\"u2\",\"vcpus\":1,\"memory_mib\":128,"
		   "\"stop_timeout_ms\":0}"),
	    201, "create VM u2");
	wait_event("u2", "started", 10);
	kill(pid, SIGTERM);
	waitpid(pid, &status, 0);
	ok(WIFEXITED(status) && WEXITSTATUS(status) == 0,
	    "vmgrd exits 0 on SIGTERM");
	ok(find_event("u2", "stopped"),
	    "u2's stopped event was delivered before the agent exited");
	if (tap_state.failed) {
		char cmd[400];

		snprintf(cmd, sizeof(cmd), "sed 's/^/# /' %s | tail -40", logp);
		if (system(cmd) != 0)
			tap_diag("cannot show the agent's log");
	}
	MHD_stop_daemon(mhd);
	json_decref(m.last_register);
	json_decref(m.last_vms);
	curl_global_cleanup();
	{
		char cmd[400];

		snprintf(cmd, sizeof(cmd), "rm -rf %s", dir);
		if (system(cmd) != 0)
			tap_diag("cannot remove %s", dir);
	}
	return tap_done();
}
