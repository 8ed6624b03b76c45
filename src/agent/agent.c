/* agent.c - VMs as QEMU processes: start, watch (pidfd, QMP, console), stop, restart; one thread. */
#include "agent/agent.h"

#include "agent/accel.h"
#include "agent/cgroup.h"
#include "agent/console.h"
#include "agent/cpupolicy.h"
#include "agent/migrate.h"
#include "agent/qemu.h"
#include "agent/qmp.h"
#include "core/clock.h"
#include "core/jv.h"
#include "core/mem.h"

#include <dirent.h>
#include <fcntl.h>
#include <pwd.h>
#include <sched.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#define MAX_VCPU_TIDS 256
#define QMP_TIMEOUT_MS 5000
#define QUIT_GRACE_NS (2 * NS_PER_S)
#define STABLE_RUN_NS (60 * NS_PER_S) /* a run this long resets backoff */
#define MIG_POLL_NS (250 * NS_PER_MS) /* query-migrate besides the events */
#define MAX_PORT_TRIES 64 /* migrate-incoming attempts per incoming VM */

enum vm_state {
	VM_STARTING,
	VM_RUNNING,
	VM_PAUSED,
	VM_STOPPING,
	VM_STOPPED,
	VM_FAILED,
	VM_PANICKED,
	VM_RESTARTING,
	VM_INCOMING, /* waiting for a live migration's state */
	VM_MIGRATING, /* running (or paused) and migrating out */
	VM_MIGRATED, /* migrated out; QEMU quit; only deletable */
};

static const char *const state_names[] = {
	[VM_STARTING] = "starting",
	[VM_RUNNING] = "running",
	[VM_PAUSED] = "paused",
	[VM_STOPPING] = "stopping",
	[VM_STOPPED] = "stopped",
	[VM_FAILED] = "failed",
	[VM_PANICKED] = "panicked",
	[VM_RESTARTING] = "restarting",
	[VM_INCOMING] = "incoming",
	[VM_MIGRATING] = "migrating",
	[VM_MIGRATED] = "migrated",
};

struct vm {
	struct agent *a;
	struct spec spec;
	char dir[1024];
	enum vm_state state;
	pid_t pid;
	int pidfd, con_fd;
	struct loop_watch w_pid, w_qmp, w_con;
	struct qmp *qmp;
	struct console con;
	struct cgroup_vm cg;
	bool cg_made, rr_held;
	pid_t tids[MAX_VCPU_TIDS];
	uint32_t n_tids;
	uint64_t started_ns, booted_ns, last_beat_ns, beats;
	bool beat_lost, booted;
	int stop_phase; /* 0 none, 1 powerdown sent, 2 quit sent, 3 killed */
	uint64_t stop_deadline_ns;
	bool want_stop, panicked;
	int exit_status, exit_signal;
	uint32_t restarts, backoff_ms;
	uint64_t restart_at_ns;
	char last_error[256];
	/* Live migration in: this run's QEMU waits (-incoming defer) for the
	 * guest's state on incoming_uri; migrated_in once it came. */
	bool incoming, migrated_in;
	char incoming_uri[160];
	/* Out: to mig.uri; back to mig_prev if it fails. */
	struct migrate_req mig;
	enum vm_state mig_prev;
	uint64_t mig_started_ns, mig_poll_ns;
	uint64_t mig_done_ns; /* when QEMU first said completed */
	bool mig_cancel_sent;
	json_t *mig_result; /* the last outgoing migration, owned */
};

struct subscriber {
	agent_event_fn cb;
	void *ud;
};

struct agent {
	struct loop *loop;
	const struct log *log;
	char *state_dir, *qemu, *default_kernel, *default_initrd;
	struct qemu_opts qopts;
	char accel_why[256];
	uid_t uid;
	gid_t gid;
	bool drop;
	uint32_t max_vms, overhead_mib;
	struct cgroup cg;
	struct cpupolicy_host rr;
	struct vm **vms;
	uint32_t n_vms, cap_vms;
	struct loop_tick tick;
	struct subscriber subs[8];
	uint32_t n_subs;
	json_t *ring[AGENT_EVENT_RING];
	uint64_t seq;
	uint32_t host_cpus;
	uint64_t host_mem_mib;
	char *migrate_address;
	uint16_t port_lo, port_hi;
	uint32_t port_next; /* where the next incoming VM starts looking */
};

static uint64_t
mono_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * NS_PER_S + (uint64_t)ts.tv_nsec;
}

/* Records and publishes one event; data (may be NULL) is consumed. */
static void
emit(struct agent *a, struct vm *vm, const char *type, json_t *data)
{
	struct agent_event ev = {
		.seq = ++a->seq,
		.time_ns = mono_ns(),
		.vm = vm ? vm->spec.name : "",
		.type = type,
		.data = data,
	};
	json_t *rec;

	rec = json_pack("{s:I, s:I, s:s, s:s}", "seq", (json_int_t)ev.seq,
	    "time_ms", (json_int_t)(ev.time_ns / NS_PER_MS), "vm", ev.vm,
	    "type", type);
	if (rec && data)
		json_object_set(rec, "data", data);
	if (rec && vm && vm->spec.tag[0])
		json_object_set_new(rec, "tag", json_string(vm->spec.tag));
	json_decref(a->ring[ev.seq % AGENT_EVENT_RING]);
	a->ring[ev.seq % AGENT_EVENT_RING] = rec;
	log_info(a->log, "vm %s: %s", ev.vm, type);
	for (uint32_t i = 0; i < a->n_subs; i++)
		a->subs[i].cb(a->subs[i].ud, &ev);
	json_decref(data);
}

static struct vm *
find(struct agent *a, const char *name)
{
	for (uint32_t i = 0; i < a->n_vms; i++)
		if (strcmp(a->vms[i]->spec.name, name) == 0)
			return a->vms[i];
	return NULL;
}

static bool
vm_live(const struct vm *vm)
{
	return vm->pid > 0;
}

/* Drops the QMP connection (the process may live on). */
static void
drop_qmp(struct vm *vm)
{
	if (!vm->qmp)
		return;
	loop_del(vm->a->loop, &vm->w_qmp);
	vm->qmp = qmp_free(vm->qmp);
}

static void
on_console_line(void *ud, const char *line)
{
	struct vm *vm = ud;
	struct agent *a = vm->a;
	uint64_t now = mono_ns();

	if (strncmp(line, "vmgr-heartbeat ", 15) == 0) {
		if (!vm->booted && vm->migrated_in) {
			/* It booted on the source: its boot marker is gone. */
			vm->booted = true;
			vm->booted_ns = now;
		}
		vm->beats++;
		vm->last_beat_ns = now;
		if (vm->beat_lost) {
			vm->beat_lost = false;
			emit(a, vm, "heartbeat-back", NULL);
		}
	} else if (!vm->booted && strcmp(line, "vmgr-guest: boot ok") == 0) {
		vm->booted = true;
		vm->booted_ns = now;
		vm->last_beat_ns = now;
		emit(a, vm, "booted",
		    json_pack("{s:I}", "boot_ms",
			(json_int_t)((now - vm->started_ns) / NS_PER_MS)));
	}
}

/* Reads what the console has (bounded per call so a flood cannot starve
 * the loop). Returns false on EOF or error. */
static bool
drain_console(struct vm *vm, size_t budget)
{
	char buf[16384];

	while (budget) {
		ssize_t n = read(vm->con_fd, buf, sizeof(buf));

		if (n < 0 && (errno == EAGAIN || errno == EINTR))
			return true;
		if (n <= 0)
			return false;
		if (console_feed(
			&vm->con, buf, (size_t)n, on_console_line, vm) < 0 &&
		    !vm->last_error[0])
			snprintf(vm->last_error, sizeof(vm->last_error),
			    "console log: %s", strerror(errno));
		budget = (size_t)n >= budget ? 0 : budget - (size_t)n;
	}
	return true;
}

static void
close_console(struct vm *vm)
{
	if (vm->con_fd < 0)
		return;
	loop_del(vm->a->loop, &vm->w_con);
	close(vm->con_fd);
	vm->con_fd = -1;
	console_close(&vm->con);
}

static void
on_console(struct loop_watch *w, uint32_t revents)
{
	struct vm *vm = w->ud;

	(void)revents;
	if (!drain_console(vm, 256 * 1024))
		close_console(vm);
}

static void unconfine(struct vm *vm);
static void mig_check(struct vm *vm);
static void incoming_done(struct vm *vm);

static void
qmp_event(void *ud, const struct qmp_msg *m)
{
	struct vm *vm = ud;
	struct agent *a = vm->a;
	json_t *data = m->data ? json_deep_copy(m->data) : NULL;

	if (strcmp(m->event, "STOP") == 0) {
		json_decref(data);
		if (vm->state == VM_RUNNING) {
			vm->state = VM_PAUSED;
			emit(a, vm, "paused", NULL);
		}
	} else if (strcmp(m->event, "RESUME") == 0) {
		json_decref(data);
		if (vm->state == VM_INCOMING) {
			incoming_done(vm); /* the migrated guest runs here */
		} else if (vm->state == VM_PAUSED) {
			vm->state = VM_RUNNING;
			vm->last_beat_ns = mono_ns();
			emit(a, vm, "resumed", NULL);
		}
	} else if (strcmp(m->event, "SHUTDOWN") == 0) {
		emit(a, vm, "shutdown", data);
	} else if (strcmp(m->event, "POWERDOWN") == 0) {
		emit(a, vm, "powerdown", data);
	} else if (strcmp(m->event, "GUEST_PANICKED") == 0) {
		vm->panicked = true;
		vm->state = VM_PANICKED;
		emit(a, vm, "panicked", data);
		/* Kept paused for inspection unless a restart policy wants
		 * it back: then it dies now and restarts after backoff. */
		if (vm->spec.restart != SPEC_RESTART_NEVER && vm->pid > 0) {
			unconfine(vm);
			kill(vm->pid, SIGKILL);
		}
	} else if (strcmp(m->event, "WATCHDOG") == 0) {
		emit(a, vm, "watchdog", data);
	} else if (strcmp(m->event, "MIGRATION") == 0) {
		const char *st =
		    json_string_value(json_object_get(data, "status"));

		/* Final states only; query-migrate has the figures. An incoming
		 * VM whose source was paused completes without RESUME. */
		if (st && migrate_status_final(st)) {
			if (vm->state == VM_MIGRATING)
				mig_check(vm);
			else if (vm->state == VM_INCOMING &&
			    strcmp(st, "completed") == 0)
				incoming_done(vm);
		}
		json_decref(data);
	} else {
		json_decref(data);
	}
}

static void
on_qmp(struct loop_watch *w, uint32_t revents)
{
	struct vm *vm = w->ud;
	struct diag d = { 0 };
	int r;

	(void)revents;
	r = qmp_dispatch(vm->qmp, &d);
	if (r < 0) {
		/* EOF is normal when QEMU exits; a malformed message drops
		 * the connection (the pidfd still reports the exit). */
		if (r != -EPIPE) {
			log_warn(
			    vm->a->log, "vm %s: QMP: %s", vm->spec.name, d.msg);
			emit(vm->a, vm, "error",
			    json_pack("{s:s}", "qmp", d.msg));
		}
		drop_qmp(vm);
	}
}

static void vm_start_later(struct vm *vm, const char *why);
static void qemu_error(struct vm *vm, char *out, size_t n);

/* QEMU is gone: reap, release, decide about a restart. */
static void
on_exit_status(struct vm *vm, int status)
{
	struct agent *a = vm->a;
	uint64_t now = mono_ns();
	bool failure;
	json_t *data;

	loop_del(a->loop, &vm->w_pid);
	close(vm->pidfd);
	vm->pidfd = -1;
	vm->pid = 0;
	if (vm->qmp) {
		struct diag d = { 0 };

		qmp_dispatch(vm->qmp, &d); /* last events: SHUTDOWN ... */
		drop_qmp(vm);
	}
	if (vm->con_fd >= 0) {
		drain_console(vm, 4u << 20);
		close_console(vm);
	}
	if (vm->cg_made) {
		cgroup_vm_destroy(&a->cg, &vm->cg);
		vm->cg_made = false;
	}
	if (vm->rr_held) {
		cpupolicy_rr_release(&a->rr);
		vm->rr_held = false;
	}
	vm->n_tids = 0;
	vm->exit_status = WIFEXITED(status) ? WEXITSTATUS(status) : -1;
	vm->exit_signal = WIFSIGNALED(status) ? WTERMSIG(status) : 0;
	if (vm->state == VM_MIGRATING) {
		vm->state = vm->mig_prev;
		emit(a, vm, "migrate-failed",
		    json_pack("{s:s, s:s}", "reason",
			"QEMU exited during the migration", "target",
			vm->mig.uri));
	}
	if (vm->exit_signal)
		data = json_pack("{s:i}", "signal", vm->exit_signal);
	else
		data = json_pack("{s:i}", "status", vm->exit_status);
	emit(a, vm, "exited", data);
	if (vm->state == VM_MIGRATED)
		return; /* the guest lives on elsewhere */
	if (vm->state == VM_INCOMING && !vm->want_stop) {
		char why[200];

		/* QEMU exits with status 1 and says why on stderr. */
		qemu_error(vm, why, sizeof(why));
		vm->incoming = false;
		vm->state = VM_FAILED;
		snprintf(vm->last_error, sizeof(vm->last_error),
		    "incoming migration: %s",
		    why[0] ? why : "QEMU exited before the state arrived");
		emit(a, vm, "failed",
		    json_pack("{s:s, s:s}", "reason", vm->last_error, "uri",
			vm->incoming_uri));
		return;
	}
	failure = vm->exit_signal || vm->exit_status != 0 || vm->panicked;
	if (vm->want_stop || vm->spec.restart == SPEC_RESTART_NEVER ||
	    (vm->spec.restart == SPEC_RESTART_ON_FAILURE && !failure)) {
		vm->state = failure && !vm->want_stop ? VM_FAILED : VM_STOPPED;
		if (vm->panicked && !vm->want_stop)
			vm->state = VM_PANICKED;
		emit(a, vm, vm->state == VM_STOPPED ? "stopped" : "failed",
		    NULL);
		return;
	}
	if (vm->restarts >= vm->spec.max_restarts) {
		vm->state = VM_FAILED;
		emit(a, vm, "failed",
		    json_pack("{s:s, s:I}", "reason", "restart limit reached",
			"restarts", (json_int_t)vm->restarts));
		return;
	}
	/* Exponential backoff, reset by a long healthy run. */
	if (vm->backoff_ms == 0 || now - vm->started_ns > STABLE_RUN_NS)
		vm->backoff_ms = vm->spec.backoff_ms;
	else if (vm->backoff_ms < vm->spec.backoff_max_ms)
		vm->backoff_ms = vm->backoff_ms * 2 > vm->spec.backoff_max_ms
		    ? vm->spec.backoff_max_ms
		    : vm->backoff_ms * 2;
	vm->restart_at_ns = now + (uint64_t)vm->backoff_ms * NS_PER_MS;
	vm->state = VM_RESTARTING;
	emit(a, vm, "restarting",
	    json_pack("{s:I, s:I}", "in_ms", (json_int_t)vm->backoff_ms,
		"restart", (json_int_t)vm->restarts + 1));
}

static void
on_pidfd(struct loop_watch *w, uint32_t revents)
{
	struct vm *vm = w->ud;
	int status = 0;
	pid_t r;

	(void)revents;
	r = waitpid(vm->pid, &status, WNOHANG);
	if (r == 0)
		return; /* spurious */
	if (r < 0)
		status = 0;
	on_exit_status(vm, status);
}

/* Makes the QMP listening socket at path. fd or -errno. */
static int
listen_unix(const char *path, struct diag *d)
{
	struct sockaddr_un sa = { .sun_family = AF_UNIX };
	int fd;

	if (strlen(path) >= sizeof(sa.sun_path)) {
		diag_set(d, "socket path too long: %s", path);
		return -ENAMETOOLONG;
	}
	strcpy(sa.sun_path, path);
	unlink(path);
	fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (fd < 0)
		return neg_errno();
	if (bind(fd, (struct sockaddr *)&sa, sizeof(sa)) < 0 ||
	    listen(fd, 4) < 0) {
		int r = neg_errno();

		diag_set(d, "QMP socket %s: %s", path, strerror(errno));
		close(fd);
		return r;
	}
	return fd;
}

static int
connect_unix(const char *path)
{
	struct sockaddr_un sa = { .sun_family = AF_UNIX };
	int fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);

	if (fd < 0)
		return neg_errno();
	snprintf(sa.sun_path, sizeof(sa.sun_path), "%s", path);
	if (connect(fd, (struct sockaddr *)&sa, sizeof(sa)) < 0) {
		int r = neg_errno();

		close(fd);
		return r;
	}
	return fd;
}

/* QEMU's last stderr line, for an error message. */
static void
qemu_error(struct vm *vm, char *out, size_t n)
{
	char path[1100], buf[4096];
	ssize_t len;
	int fd;

	out[0] = '\0';
	snprintf(path, sizeof(path), "%s/qemu.log", vm->dir);
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return;
	len = pread(fd, buf, sizeof(buf) - 1,
	    lseek(fd, 0, SEEK_END) > (off_t)sizeof(buf) - 1
		? lseek(fd, 0, SEEK_END) - (off_t)sizeof(buf) + 1
		: 0);
	close(fd);
	if (len <= 0)
		return;
	buf[len] = '\0';
	while (len > 0 && buf[len - 1] == '\n')
		buf[--len] = '\0';
	snprintf(
	    out, n, "%s", strrchr(buf, '\n') ? strrchr(buf, '\n') + 1 : buf);
}

/*
 * Before QEMU is killed or quit: its RT vCPUs back to SCHED_OTHER and its
 * threads free to run on every CPU of the agent's cpuset. Otherwise a dying
 * QEMU pinned to a CPU that another VM's real-time vCPU holds can take
 * minutes to exit, and the kernel work of reaping it waits with it.
 */
static void
unconfine(struct vm *vm)
{
	struct sched_param sp = { .sched_priority = 0 };
	char cpus[256];
	ssize_t n;
	int fd;

	for (uint32_t i = 0; i < vm->n_tids; i++)
		sched_setscheduler(vm->tids[i], SCHED_OTHER, &sp);
	if (!vm->cg.cpuset[0] || !vm->a->cg.cpuset[0])
		return;
	snprintf(cpus, sizeof(cpus), "%s/cpuset.cpus", vm->a->cg.cpuset);
	fd = open(cpus, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return;
	n = read(fd, cpus, sizeof(cpus) - 1);
	close(fd);
	if (n <= 0)
		return;
	cpus[n] = '\0';
	cgroup_write(vm->cg.cpuset, "cpuset.cpus", "%s", cpus);
}

/* Kills and reaps a live VM synchronously (no restart). */
static void
kill_now(struct vm *vm)
{
	int status = 0;

	if (!vm_live(vm))
		return;
	vm->want_stop = true;
	unconfine(vm);
	kill(vm->pid, SIGKILL);
	while (waitpid(vm->pid, &status, 0) < 0 && errno == EINTR)
		;
	on_exit_status(vm, status);
}

/* The migrated guest runs (or is paused, as it was on the source) here. */
static void
incoming_done(struct vm *vm)
{
	struct agent *a = vm->a;
	json_t *st = NULL, *data;
	struct diag d = { 0 };
	bool running = true;

	if (qmp_execute(
		vm->qmp, "query-status", NULL, QMP_TIMEOUT_MS, &st, &d) == 0)
		running = json_is_true(json_object_get(st, "running"));
	json_decref(st);
	vm->incoming = false;
	vm->migrated_in = true;
	vm->state = running ? VM_RUNNING : VM_PAUSED;
	vm->last_beat_ns = mono_ns();
	data = json_pack("{s:i, s:s, s:b}", "pid", (int)vm->pid, "accel",
	    accel_name(a->qopts.accel), "migrated", 1);
	if (data && !running)
		json_object_set_new(data, "paused", json_true());
	emit(a, vm, "started", data);
}

/* The state a VM goes back to when its outgoing migration ends without
 * moving it: what QEMU says (it resumes a guest it had stopped). */
static enum vm_state
live_state(struct vm *vm)
{
	json_t *st = NULL;
	struct diag d = { 0 };
	enum vm_state s = vm->mig_prev;

	if (vm->qmp &&
	    qmp_execute(
		vm->qmp, "query-status", NULL, QMP_TIMEOUT_MS, &st, &d) == 0)
		s = json_is_true(json_object_get(st, "running")) ? VM_RUNNING
								 : VM_PAUSED;
	json_decref(st);
	return s;
}

static void
mig_failed(struct vm *vm, const char *reason)
{
	vm->state = live_state(vm);
	vm->last_beat_ns = mono_ns();
	json_decref(vm->mig_result);
	vm->mig_result =
	    json_pack("{s:s, s:s}", "target", vm->mig.uri, "failed", reason);
	snprintf(vm->last_error, sizeof(vm->last_error), "migration to %s: %s",
	    vm->mig.uri, reason);
	emit(vm->a, vm, "migrate-failed",
	    json_pack("{s:s, s:s}", "reason", reason, "target", vm->mig.uri));
}

static void
mig_completed(struct vm *vm, const struct migrate_stats *st)
{
	struct diag d = { 0 };
	json_decref(vm->mig_result);
	vm->mig_result = json_pack("{s:I, s:I, s:I, s:I, s:s}", "total_ms",
	    (json_int_t)st->total_ms, "downtime_ms",
	    (json_int_t)st->downtime_ms, "transferred_mib",
	    (json_int_t)((st->transferred_bytes + (1u << 19)) >> 20),
	    "transferred_bytes", (json_int_t)st->transferred_bytes, "target",
	    vm->mig.uri);
	vm->state = VM_MIGRATED;
	emit(vm->a, vm, "migrated",
	    vm->mig_result ? json_deep_copy(vm->mig_result) : NULL);
	/* The guest runs on the target: this QEMU only holds a stale copy. */
	vm->want_stop = true;
	unconfine(vm);
	if (vm->qmp &&
	    qmp_execute(vm->qmp, "quit", NULL, 1000, NULL, &d) == 0) {
		vm->stop_phase = 2;
		vm->stop_deadline_ns = mono_ns() + QUIT_GRACE_NS;
	} else if (vm_live(vm)) {
		vm->stop_phase = 3;
		vm->stop_deadline_ns = UINT64_MAX;
		kill(vm->pid, SIGKILL);
	}
}

/* Asks QEMU how the outgoing migration goes and acts on a final state. */
static void
mig_check(struct vm *vm)
{
	struct migrate_stats st;
	struct diag d = { 0 };
	json_t *ret = NULL;
	int r;

	if (vm->state != VM_MIGRATING || !vm->qmp)
		return;
	vm->mig_poll_ns = mono_ns() + MIG_POLL_NS;
	r = qmp_execute(
	    vm->qmp, "query-migrate", NULL, QMP_TIMEOUT_MS, &ret, &d);
	if (r < 0)
		return; /* QMP trouble: the pidfd or the next poll tells */
	r = migrate_stats_from_json(ret, &st, &d);
	json_decref(ret);
	if (r < 0) {
		qmp_execute(vm->qmp, "migrate_cancel", NULL, QMP_TIMEOUT_MS,
		    NULL, NULL);
		mig_failed(vm, d.msg);
		return;
	}
	if (!migrate_status_final(st.status))
		return;
	/* QEMU announces "completed" a moment before its migration thread
	 * has written the figures: ask again shortly (for at most 1 s). */
	if (strcmp(st.status, "completed") == 0 && st.total_ms == 0) {
		uint64_t now = mono_ns();

		if (!vm->mig_done_ns)
			vm->mig_done_ns = now;
		if (now - vm->mig_done_ns < NS_PER_S) {
			vm->mig_poll_ns = now + 10 * NS_PER_MS;
			return;
		}
	}
	if (strcmp(st.status, "completed") == 0)
		mig_completed(vm, &st);
	else if (st.error[0])
		mig_failed(vm, st.error);
	else if (vm->mig_cancel_sent)
		mig_failed(vm, "timed out: cancelled");
	else
		mig_failed(vm, st.status);
}

/* Cancels an outgoing migration at once (a stop request); the VM keeps
 * running here. */
static void
mig_cancel(struct vm *vm, const char *reason)
{
	if (vm->qmp)
		qmp_execute(vm->qmp, "migrate_cancel", NULL, QMP_TIMEOUT_MS,
		    NULL, NULL);
	mig_failed(vm, reason);
}

static int
read_vcpus(struct vm *vm, struct diag *d)
{
	json_t *ret = NULL, *c;
	size_t i;
	int r;

	r = qmp_execute(
	    vm->qmp, "query-cpus-fast", NULL, QMP_TIMEOUT_MS, &ret, d);
	if (r < 0)
		return r;
	vm->n_tids = 0;
	if (!json_is_array(ret)) {
		json_decref(ret);
		diag_set(d, "query-cpus-fast: not an array");
		return -EPROTO;
	}
	json_array_foreach(ret, i, c)
	{
		json_t *t = json_object_get(c, "thread-id");

		if (!json_is_integer(t) || json_integer_value(t) <= 0 ||
		    vm->n_tids == MAX_VCPU_TIDS) {
			json_decref(ret);
			diag_set(d, "query-cpus-fast: bad thread-id");
			return -EPROTO;
		}
		vm->tids[vm->n_tids++] = (pid_t)json_integer_value(t);
	}
	json_decref(ret);
	return 0;
}

static bool
port_taken(const struct agent *a, const char *uri)
{
	for (uint32_t i = 0; i < a->n_vms; i++)
		if (a->vms[i]->incoming &&
		    strcmp(a->vms[i]->incoming_uri, uri) == 0)
			return true;
	return false;
}

/*
 * Makes the paused incoming QEMU listen for the migration stream: MIGRATION
 * events on, then migrate-incoming on the first port of the range that it
 * can bind (another program or agent may hold one: QEMU refuses, the next
 * is tried). Sets vm->incoming_uri.
 */
static int
incoming_listen(struct vm *vm, struct diag *d)
{
	struct agent *a = vm->a;
	uint32_t span = (uint32_t)(a->port_hi - a->port_lo) + 1, tries = 0;
	bool v6 = strchr(a->migrate_address, ':') != NULL;
	char last[200] = "";
	json_t *args;
	int r;

	args = json_pack("{s:[{s:s, s:b}]}", "capabilities", "capability",
	    "events", "state", 1);
	if (!args)
		return -ENOMEM;
	r = qmp_execute(
	    vm->qmp, "migrate-set-capabilities", args, QMP_TIMEOUT_MS, NULL, d);
	json_decref(args);
	if (r < 0)
		return r;
	for (uint32_t i = 0; i < span && tries < MAX_PORT_TRIES; i++) {
		uint32_t off = (a->port_next + i) % span;
		char uri[sizeof(vm->incoming_uri)];

		snprintf(uri, sizeof(uri), "tcp:%s%s%s:%u", v6 ? "[" : "",
		    a->migrate_address, v6 ? "]" : "",
		    (unsigned)(a->port_lo + off));
		if (port_taken(a, uri))
			continue;
		tries++;
		args = json_pack("{s:s}", "uri", uri);
		if (!args)
			return -ENOMEM;
		r = qmp_execute(
		    vm->qmp, "migrate-incoming", args, QMP_TIMEOUT_MS, NULL, d);
		json_decref(args);
		if (r == 0) {
			snprintf(vm->incoming_uri, sizeof(vm->incoming_uri),
			    "%s", uri);
			a->port_next = (off + 1) % span;
			return 0;
		}
		if (r != -EREMOTEIO)
			return r;
		snprintf(last, sizeof(last), "%s", d->msg);
	}
	diag_set(d,
	    "incoming: no port of %u-%u on %s could listen (%u tried; "
	    "last: %s)",
	    (unsigned)a->port_lo, (unsigned)a->port_hi, a->migrate_address,
	    tries, last[0] ? last : "all in use by this agent");
	return -EADDRINUSE;
}

/* Starts QEMU for vm->spec. On failure everything it made is undone. */
static int
vm_start(struct vm *vm, struct diag *d)
{
	struct agent *a = vm->a;
	struct qemu_args args = { 0 };
	struct qemu_launch l = { 0 };
	struct qemu_opts qo = a->qopts;
	const char *procs[3];
	char path[1100];
	int lfd = -1, sv[2] = { -1, -1 }, errfd = -1, qfd, keep[2], r;

	vm->panicked = false;
	vm->booted = false;
	vm->beat_lost = false;
	vm->beats = 0;
	vm->stop_phase = 0;
	vm->want_stop = false;
	vm->last_error[0] = '\0';
	if (vm->spec.cpu.policy == SPEC_POLICY_RR) {
		r = cpupolicy_rr_acquire(&a->rr, vm->spec.cpu.slice_ms, d);
		if (r < 0)
			return r;
		vm->rr_held = true;
	}
	r = cgroup_vm_create(&a->cg, &vm->spec, a->overhead_mib, &vm->cg, d);
	if (r < 0)
		goto fail;
	vm->cg_made = true;
	snprintf(path, sizeof(path), "%s/qmp.sock", vm->dir);
	lfd = listen_unix(path, d);
	if (lfd < 0) {
		r = lfd;
		goto fail;
	}
	if (socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, sv) < 0) {
		r = neg_errno();
		diag_set(d, "socketpair: %s", strerror(errno));
		goto fail;
	}
	snprintf(path, sizeof(path), "%s/console.log", vm->dir);
	r = console_open(&vm->con, path, vm->spec.console_max_bytes);
	if (r < 0) {
		diag_set(d, "console log %s: %s", path, strerror(-r));
		goto fail;
	}
	snprintf(path, sizeof(path), "%s/qemu.log", vm->dir);
	errfd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0640);
	if (errfd < 0) {
		r = neg_errno();
		diag_set(d, "%s: %s", path, strerror(errno));
		goto fail;
	}
	qo.incoming = vm->incoming;
	r = qemu_argv_build(&vm->spec, &qo, lfd, sv[1], &args);
	if (r < 0)
		goto fail;
	keep[0] = lfd;
	keep[1] = sv[1];
	for (uint32_t i = 0; i < vm->cg.n_procs; i++)
		procs[i] = vm->cg.procs[i];
	l = (struct qemu_launch){
		.keep_fds = keep,
		.n_keep = 2,
		.stderr_fd = errfd,
		.cgroup_procs = procs,
		.n_cgroup_procs = vm->cg.n_procs,
		.uid = a->uid,
		.gid = a->gid,
		.drop = a->drop,
	};
	vm->started_ns = mono_ns();
	r = qemu_spawn(&args, &l, &vm->pid, &vm->pidfd, d);
	if (a->log && a->log->level >= LOGL_DEBUG) {
		char *cmd = qemu_args_join(&args);

		log_debug(a->log, "vm %s: %s", vm->spec.name, cmd ? cmd : "");
		free(cmd);
	}
	qemu_args_done(&args);
	close(errfd);
	errfd = -1;
	close(sv[1]);
	sv[1] = -1;
	if (r < 0)
		goto fail;
	vm->con_fd = sv[0];
	sv[0] = -1;
	fcntl(vm->con_fd, F_SETFL, fcntl(vm->con_fd, F_GETFL) | O_NONBLOCK);
	/* The listening socket is QEMU's now; our connection waits in its
	 * backlog until QEMU accepts it: no polling for a socket file. */
	snprintf(path, sizeof(path), "%s/qmp.sock", vm->dir);
	qfd = connect_unix(path);
	close(lfd);
	lfd = -1;
	if (qfd < 0) {
		r = qfd;
		diag_set(d, "connecting to QMP: %s", strerror(-r));
		goto fail_live;
	}
	r = qmp_new(qfd, qmp_event, vm, &vm->qmp);
	if (r < 0)
		goto fail_live;
	r = qmp_handshake(vm->qmp, QMP_TIMEOUT_MS, d);
	if (r < 0)
		goto fail_live;
	r = read_vcpus(vm, d);
	if (r < 0)
		goto fail_live;
	r = cpupolicy_apply(
	    &a->cg, &vm->cg, &vm->spec, vm->tids, vm->n_tids, d);
	if (r < 0)
		goto fail_live;
	vm->w_pid = (struct loop_watch){
		.fd = vm->pidfd, .events = EPOLLIN, .cb = on_pidfd, .ud = vm
	};
	vm->w_qmp = (struct loop_watch){
		.fd = qmp_fd(vm->qmp), .events = EPOLLIN, .cb = on_qmp, .ud = vm
	};
	vm->w_con = (struct loop_watch){
		.fd = vm->con_fd, .events = EPOLLIN, .cb = on_console, .ud = vm
	};
	if ((r = loop_add(a->loop, &vm->w_pid)) < 0 ||
	    (r = loop_add(a->loop, &vm->w_qmp)) < 0 ||
	    (r = loop_add(a->loop, &vm->w_con)) < 0) {
		diag_set(d, "epoll: %s", strerror(-r));
		goto fail_live;
	}
	if (vm->incoming) {
		r = incoming_listen(vm, d);
		if (r < 0)
			goto fail_live;
		vm->state = VM_INCOMING;
		emit(a, vm, "incoming",
		    json_pack("{s:i, s:s}", "pid", (int)vm->pid, "uri",
			vm->incoming_uri));
		return 0;
	}
	r = qmp_execute(vm->qmp, "cont", NULL, QMP_TIMEOUT_MS, NULL, d);
	if (r < 0)
		goto fail_live;
	vm->state = VM_RUNNING;
	emit(a, vm, "started",
	    json_pack("{s:i, s:s}", "pid", (int)vm->pid, "accel",
		accel_name(a->qopts.accel)));
	return 0;

fail_live : {
	char qerr[200];
	int status = 0;

	/* QEMU may have exited on its own with a reason on stderr. */
	kill(vm->pid, SIGKILL);
	while (waitpid(vm->pid, &status, 0) < 0 && errno == EINTR)
		;
	qemu_error(vm, qerr, sizeof(qerr));
	if (qerr[0] && !(WIFSIGNALED(status) && WTERMSIG(status) == SIGKILL))
		diag_set(d, "qemu: %s", qerr);
	else if (qerr[0])
		diag_prefix(d, "qemu: %s", qerr);
	loop_del(a->loop, &vm->w_pid);
	loop_del(a->loop, &vm->w_qmp);
	loop_del(a->loop, &vm->w_con);
	close(vm->pidfd);
	vm->pidfd = -1;
	vm->pid = 0;
	drop_qmp(vm);
	close_console(vm);
}
fail:
	if (lfd >= 0)
		close(lfd);
	if (sv[0] >= 0)
		close(sv[0]);
	if (sv[1] >= 0)
		close(sv[1]);
	if (errfd >= 0)
		close(errfd);
	console_close(&vm->con);
	if (vm->cg_made) {
		cgroup_vm_destroy(&a->cg, &vm->cg);
		vm->cg_made = false;
	}
	if (vm->rr_held) {
		cpupolicy_rr_release(&a->rr);
		vm->rr_held = false;
	}
	return r;
}

static void
vm_start_later(struct vm *vm, const char *why)
{
	struct diag d = { 0 };

	vm->restarts++;
	if (vm_start(vm, &d) < 0) {
		snprintf(vm->last_error, sizeof(vm->last_error), "%s: %s", why,
		    d.msg);
		vm->state = VM_FAILED;
		emit(vm->a, vm, "failed", json_pack("{s:s}", "reason", d.msg));
	}
}

static void
tick(struct loop_tick *t)
{
	struct agent *a = t->ud;
	uint64_t now = mono_ns();

	for (uint32_t i = 0; i < a->n_vms; i++) {
		struct vm *vm = a->vms[i];

		if (vm->qmp) {
			struct diag d = { 0 };

			if (qmp_dispatch(vm->qmp, &d) == -EPROTO)
				drop_qmp(vm);
		}
		if (vm->state == VM_MIGRATING && vm->qmp &&
		    now >= vm->mig_poll_ns) {
			if (!vm->mig_cancel_sent &&
			    now - vm->mig_started_ns >
				(uint64_t)vm->mig.timeout_ms * NS_PER_MS) {
				vm->mig_cancel_sent = true;
				qmp_execute(vm->qmp, "migrate_cancel", NULL,
				    QMP_TIMEOUT_MS, NULL, NULL);
			}
			mig_check(vm);
		}
		if (vm->state == VM_RESTARTING && now >= vm->restart_at_ns) {
			vm_start_later(vm, "restart");
			continue;
		}
		if (vm->state == VM_RUNNING && vm->booted && !vm->beat_lost &&
		    now - vm->last_beat_ns >
			(uint64_t)vm->spec.heartbeat_timeout_ms * NS_PER_MS) {
			vm->beat_lost = true;
			emit(a, vm, "heartbeat-lost",
			    json_pack("{s:I, s:I}", "silent_ms",
				(json_int_t)((now - vm->last_beat_ns) /
				    NS_PER_MS),
				"beats", (json_int_t)vm->beats));
		}
		if (vm->stop_phase && vm_live(vm) &&
		    now >= vm->stop_deadline_ns) {
			struct diag d = { 0 };

			unconfine(vm);
			if (vm->stop_phase == 1 && vm->qmp &&
			    qmp_execute(
				vm->qmp, "quit", NULL, 1000, NULL, &d) == 0) {
				vm->stop_phase = 2;
				vm->stop_deadline_ns = now + QUIT_GRACE_NS;
			} else {
				vm->stop_phase = 3;
				kill(vm->pid, SIGKILL);
				vm->stop_deadline_ns = UINT64_MAX;
			}
		}
	}
}

static int
host_checks(struct agent *a, const struct spec *s, struct diag *d)
{
	const char *files[3] = { s->kernel, s->initrd, s->disk };
	const char *keys[3] = { "kernel", "initrd", "disk" };
	uint64_t bits[SPEC_MAX_CPUS / 64];
	const struct cpupolicy_ops *p = cpupolicy_get(s->cpu.policy);

	for (int i = 0; i < 3; i++) {
		struct stat st;

		if (!files[i])
			continue;
		if (stat(files[i], &st) < 0) {
			diag_set(d, "%s: cannot use %s: %s", keys[i], files[i],
			    strerror(errno));
			return -ENOENT;
		}
		if (!S_ISREG(st.st_mode) && !S_ISBLK(st.st_mode)) {
			diag_set(d, "%s: %s is not a file", keys[i], files[i]);
			return -EINVAL;
		}
		if (a->drop && !(st.st_mode & S_IROTH) && st.st_uid != a->uid) {
			diag_set(d,
			    "%s: %s is not readable by QEMU's user (uid %d)",
			    keys[i], files[i], (int)a->uid);
			return -EACCES;
		}
	}
	if (!s->kernel && !s->disk) {
		diag_set(d,
		    "kernel: required (no disk, and the agent has no "
		    "default guest)");
		return -EINVAL;
	}
	if (s->vcpus > a->host_cpus) {
		diag_set(d, "vcpus: %u, but this host has %u CPUs", s->vcpus,
		    a->host_cpus);
		return -ENOSPC;
	}
	if (a->host_mem_mib && s->memory_mib > a->host_mem_mib) {
		diag_set(d, "memory_mib: %u, but this host has %llu MiB",
		    s->memory_mib, (unsigned long long)a->host_mem_mib);
		return -ENOSPC;
	}
	if (s->cpu.cpus[0]) {
		spec_cpulist_parse(s->cpu.cpus, bits, SPEC_MAX_CPUS);
		for (uint32_t c = 0; c < SPEC_MAX_CPUS; c++) {
			if ((bits[c / 64] >> (c % 64) & 1) &&
			    c >= a->host_cpus) {
				diag_set(d,
				    "cpu.cpus: CPU %u does not exist (this "
				    "host has CPUs 0-%u)",
				    c, a->host_cpus - 1);
				return -EINVAL;
			}
		}
	}
	if (p->rt && a->cg.env.mode == CGROUP_V1 && a->cg.have_cpu &&
	    !a->cg.rt_group && a->cg.rt_note[0] &&
	    strstr(a->cg.rt_note, "cannot")) {
		diag_set(d, "cpu.policy: %s needs real-time scheduling: %s",
		    p->name, a->cg.rt_note);
		return -EOPNOTSUPP;
	}
	if (s->cpu.policy == SPEC_POLICY_RR && a->rr.users > 0 &&
	    a->rr.cur_ms != (int)s->cpu.slice_ms) {
		diag_set(d,
		    "cpu.slice_ms: the host's round-robin slice is %d ms "
		    "while other rr VMs run, got %u",
		    a->rr.cur_ms, s->cpu.slice_ms);
		return -EBUSY;
	}
	if (a->n_vms >= a->max_vms) {
		diag_set(d, "this agent already runs its limit of %u VMs",
		    a->max_vms);
		return -ENOSPC;
	}
	return 0;
}

int
agent_vm_create(struct agent *a, const struct spec *s, struct diag *d)
{
	struct vm *vm;
	int r;

	if (find(a, s->name)) {
		diag_set(d, "name: a VM called '%s' exists", s->name);
		return -EEXIST;
	}
	vm = calloc(1, sizeof(*vm));
	if (!vm)
		return -ENOMEM;
	vm->a = a;
	vm->pidfd = vm->con_fd = -1;
	vm->incoming = s->incoming;
	r = spec_copy(&vm->spec, s);
	if (r < 0) {
		free(vm);
		return r;
	}
	if (!vm->spec.kernel && !vm->spec.disk && a->default_kernel) {
		vm->spec.kernel = mem_strdup(a->default_kernel);
		if (a->default_initrd)
			vm->spec.initrd = mem_strdup(a->default_initrd);
	}
	r = host_checks(a, &vm->spec, d);
	if (r == 0 &&
	    (r = mem_grow(
		 &a->vms, &a->cap_vms, a->n_vms + 1, sizeof(*a->vms))) < 0)
		diag_set(d, "out of memory");
	if (r == 0) {
		snprintf(vm->dir, sizeof(vm->dir), "%s/vms/%s", a->state_dir,
		    s->name);
		if (mkdir(vm->dir, 0750) < 0 && errno != EEXIST) {
			r = neg_errno();
			diag_set(d, "%s: %s", vm->dir, strerror(errno));
		}
	}
	if (r == 0 && a->drop && chown(vm->dir, 0, a->gid) < 0) {
		/* Only QEMU's stderr file lives here; not fatal. */
	}
	if (r == 0)
		r = vm_start(vm, d);
	if (r < 0) {
		spec_done(&vm->spec);
		free(vm);
		return r;
	}
	a->vms[a->n_vms++] = vm;
	emit(a, vm, "created", NULL);
	return 0;
}

static int
lookup(struct agent *a, const char *name, struct vm **ret, struct diag *d)
{
	*ret = find(a, name);
	if (!*ret) {
		diag_set(d, "no VM called '%s'", name);
		return -ENOENT;
	}
	return 0;
}

int
agent_vm_pause(struct agent *a, const char *name, struct diag *d)
{
	struct vm *vm;
	int r = lookup(a, name, &vm, d);

	if (r < 0)
		return r;
	if (vm->state != VM_RUNNING || !vm->qmp) {
		diag_set(d, "VM '%s' is %s, not running", name,
		    state_names[vm->state]);
		return -EINVAL;
	}
	r = qmp_execute(vm->qmp, "stop", NULL, QMP_TIMEOUT_MS, NULL, d);
	if (r < 0)
		return r;
	if (vm->state == VM_RUNNING) {
		vm->state = VM_PAUSED;
		emit(a, vm, "paused", NULL);
	}
	return 0;
}

int
agent_vm_resume(struct agent *a, const char *name, struct diag *d)
{
	struct vm *vm;
	int r = lookup(a, name, &vm, d);

	if (r < 0)
		return r;
	if (vm->state != VM_PAUSED || !vm->qmp) {
		diag_set(d, "VM '%s' is %s, not paused", name,
		    state_names[vm->state]);
		return -EINVAL;
	}
	r = qmp_execute(vm->qmp, "cont", NULL, QMP_TIMEOUT_MS, NULL, d);
	if (r < 0)
		return r;
	if (vm->state == VM_PAUSED) {
		vm->state = VM_RUNNING;
		vm->last_beat_ns = mono_ns();
		emit(a, vm, "resumed", NULL);
	}
	return 0;
}

int
agent_vm_stop(struct agent *a, const char *name, struct diag *d)
{
	struct vm *vm;
	int r = lookup(a, name, &vm, d);
	uint64_t now = mono_ns();

	if (r < 0)
		return r;
	if (vm->state == VM_RESTARTING) {
		vm->want_stop = true;
		vm->state = VM_STOPPED;
		emit(a, vm, "stopped", NULL);
		return 0;
	}
	if (!vm_live(vm)) {
		diag_set(d, "VM '%s' is %s, not running", name,
		    state_names[vm->state]);
		return -EINVAL;
	}
	if (vm->state == VM_MIGRATING)
		mig_cancel(vm, "cancelled by a stop request");
	vm->want_stop = true;
	if (vm->stop_phase)
		return 0; /* already on its way */
	if (vm->state == VM_RUNNING && vm->qmp &&
	    vm->spec.stop_timeout_ms > 0 &&
	    qmp_execute(vm->qmp, "system_powerdown", NULL, QMP_TIMEOUT_MS, NULL,
		d) == 0) {
		vm->stop_phase = 1;
		vm->stop_deadline_ns =
		    now + (uint64_t)vm->spec.stop_timeout_ms * NS_PER_MS;
	} else {
		/* Paused, panicked or no time given: no guest to ask. */
		vm->stop_phase = 1;
		vm->stop_deadline_ns = now;
	}
	vm->state = VM_STOPPING;
	diag_clear(d);
	return 0;
}

int
agent_vm_kill(struct agent *a, const char *name, struct diag *d)
{
	struct vm *vm;
	int r = lookup(a, name, &vm, d);

	if (r < 0)
		return r;
	if (!vm_live(vm)) {
		diag_set(d, "VM '%s' is %s, not running", name,
		    state_names[vm->state]);
		return -EINVAL;
	}
	vm->want_stop = true;
	vm->stop_phase = 3;
	vm->stop_deadline_ns = UINT64_MAX;
	unconfine(vm);
	kill(vm->pid, SIGKILL);
	return 0;
}

uint32_t
agent_self_fence(struct agent *a, const char *why)
{
	uint32_t n = 0;

	for (uint32_t i = 0; i < a->n_vms; i++) {
		struct vm *vm = a->vms[i];

		if (!vm->spec.self_fence)
			continue;
		if (vm->state == VM_RESTARTING) {
			vm->want_stop = true;
			vm->state = VM_STOPPED;
		} else if (vm_live(vm)) {
			if (vm->state == VM_MIGRATING)
				mig_cancel(vm, "self-fenced");
			vm->want_stop = true;
			vm->stop_phase = 3;
			vm->stop_deadline_ns = UINT64_MAX;
			unconfine(vm);
			kill(vm->pid, SIGKILL);
		} else {
			continue;
		}
		emit(a, vm, "self-fenced", json_pack("{s:s}", "reason", why));
		n++;
	}
	return n;
}

int
agent_vm_migrate_opts(struct agent *a, const char *name,
    const struct migrate_req *m, struct diag *d)
{
	struct vm *vm;
	json_t *args;
	int r = lookup(a, name, &vm, d);

	if (r < 0)
		return r;
	if ((r = migrate_uri_check(m->uri, d)) < 0)
		return r;
	if ((vm->state != VM_RUNNING && vm->state != VM_PAUSED) || !vm->qmp) {
		diag_set(d,
		    "VM '%s' is %s: only a running or paused VM migrates", name,
		    state_names[vm->state]);
		return -EINVAL;
	}
	args = json_pack("{s:[{s:s, s:b}]}", "capabilities", "capability",
	    "events", "state", 1);
	if (!args)
		return -ENOMEM;
	r = qmp_execute(
	    vm->qmp, "migrate-set-capabilities", args, QMP_TIMEOUT_MS, NULL, d);
	json_decref(args);
	if (r < 0)
		return r;
	args = json_pack("{s:I}", "downtime-limit",
	    (json_int_t)(m->max_downtime_ms ? m->max_downtime_ms
					    : MIGRATE_DEFAULT_DOWNTIME_MS));
	if (args && m->max_bandwidth_mibps)
		json_object_set_new(args, "max-bandwidth",
		    json_integer((json_int_t)m->max_bandwidth_mibps << 20));
	if (!args)
		return -ENOMEM;
	r = qmp_execute(
	    vm->qmp, "migrate-set-parameters", args, QMP_TIMEOUT_MS, NULL, d);
	json_decref(args);
	if (r < 0)
		return r;
	/* QEMU connects and streams in its own thread; the MIGRATION
	 * events and query-migrate in the tick follow it. */
	args = json_pack("{s:s}", "uri", m->uri);
	if (!args)
		return -ENOMEM;
	r = qmp_execute(vm->qmp, "migrate", args, QMP_TIMEOUT_MS, NULL, d);
	json_decref(args);
	if (r < 0) {
		diag_prefix(d, "migrate");
		return r;
	}
	vm->mig = *m;
	if (!vm->mig.timeout_ms)
		vm->mig.timeout_ms = MIGRATE_DEFAULT_TIMEOUT_MS;
	vm->mig_prev = vm->state;
	vm->mig_started_ns = mono_ns();
	vm->mig_poll_ns = vm->mig_started_ns + MIG_POLL_NS;
	vm->mig_cancel_sent = false;
	vm->mig_done_ns = 0;
	vm->state = VM_MIGRATING;
	json_decref(vm->mig_result);
	vm->mig_result = NULL;
	emit(a, vm, "migrating",
	    json_pack("{s:s, s:I}", "target", m->uri, "max_downtime_ms",
		(json_int_t)(m->max_downtime_ms
			? m->max_downtime_ms
			: MIGRATE_DEFAULT_DOWNTIME_MS)));
	return 0;
}

int
agent_vm_migrate(
    struct agent *a, const char *name, const char *uri, struct diag *d)
{
	struct migrate_req m;
	int r = migrate_req_init(&m, uri, d);

	if (r < 0)
		return r;
	return agent_vm_migrate_opts(a, name, &m, d);
}

static void
remove_dir(const char *dir)
{
	DIR *dh = opendir(dir);
	struct dirent *e;

	if (dh) {
		while ((e = readdir(dh))) {
			char p[1400];

			if (e->d_name[0] == '.' &&
			    (!e->d_name[1] ||
				(e->d_name[1] == '.' && !e->d_name[2])))
				continue;
			snprintf(p, sizeof(p), "%s/%s", dir, e->d_name);
			unlink(p);
		}
		closedir(dh);
	}
	rmdir(dir);
}

static void
vm_free(struct vm *vm)
{
	kill_now(vm);
	spec_done(&vm->spec);
	json_decref(vm->mig_result);
	free(vm);
}

int
agent_vm_delete(struct agent *a, const char *name, struct diag *d)
{
	struct vm *vm;
	int r = lookup(a, name, &vm, d);
	char dir[1024];

	if (r < 0)
		return r;
	kill_now(vm);
	snprintf(dir, sizeof(dir), "%s", vm->dir);
	emit(a, vm, "deleted", NULL);
	for (uint32_t i = 0; i < a->n_vms; i++) {
		if (a->vms[i] == vm) {
			a->vms[i] = a->vms[--a->n_vms];
			break;
		}
	}
	vm_free(vm);
	remove_dir(dir);
	return 0;
}

static json_t *
summary(const struct vm *vm)
{
	uint64_t now = mono_ns();
	json_t *o;

	o = json_pack("{s:s, s:s, s:i, s:I, s:b, s:I}", "name", vm->spec.name,
	    "state", state_names[vm->state], "pid", (int)vm->pid, "restarts",
	    (json_int_t)vm->restarts, "booted", vm->booted, "beats",
	    (json_int_t)vm->beats);
	if (!o)
		return NULL;
	json_object_set_new(o, "heartbeat",
	    json_string(!vm->booted ? "none"
		    : vm->beat_lost ? "lost"
				    : "ok"));
	if (vm->booted)
		json_object_set_new(o, "last_beat_ms_ago",
		    json_integer(
			(json_int_t)((now - vm->last_beat_ns) / NS_PER_MS)));
	if (o && vm->spec.tag[0])
		json_object_set_new(o, "tag", json_string(vm->spec.tag));
	return o;
}

int
agent_vm_console(struct agent *a, const char *name, uint64_t since, size_t max,
    json_t **ret, struct diag *d)
{
	struct vm *vm = find(a, name);
	uint64_t off;
	size_t n;
	char *buf;
	int r;

	if (!vm) {
		diag_set(d, "no VM called '%s'", name);
		return -ENOENT;
	}
	if (max > AGENT_CONSOLE_READ_MAX)
		max = AGENT_CONSOLE_READ_MAX;
	buf = malloc(max ? max : 1);
	if (!buf)
		return -ENOMEM;
	r = console_read(&vm->con, since, buf, max, &off, &n);
	if (r < 0) {
		free(buf);
		diag_set(d, "console log %s: %s", vm->con.path, strerror(-r));
		return -EIO;
	}
	*ret = json_pack("{s:s, s:s, s:I, s:I, s:o}", "name", vm->spec.name,
	    "state", state_names[vm->state], "offset", (json_int_t)off, "next",
	    (json_int_t)(off + n), "data", jv_string_lossy(buf, n));
	free(buf);
	return *ret ? 0 : -ENOMEM;
}

int
agent_vm_show(struct agent *a, const char *name, json_t **ret)
{
	struct vm *vm = find(a, name);
	json_t *o, *tids;

	if (!vm)
		return -ENOENT;
	o = summary(vm);
	tids = json_array();
	if (!o || !tids) {
		json_decref(o);
		json_decref(tids);
		return -ENOMEM;
	}
	for (uint32_t i = 0; i < vm->n_tids; i++)
		json_array_append_new(tids, json_integer(vm->tids[i]));
	json_object_set_new(o, "vcpu_tids", tids);
	json_object_set_new(o, "spec", spec_to_json(&vm->spec));
	json_object_set_new(o, "console_log", json_string(vm->con.path));
	json_object_set_new(
	    o, "console_bytes", json_integer((json_int_t)vm->con.total));
	json_object_set_new(
	    o, "accel", json_string(accel_name(a->qopts.accel)));
	if (vm->incoming_uri[0])
		json_object_set_new(
		    o, "incoming_uri", json_string(vm->incoming_uri));
	if (vm->migrated_in)
		json_object_set_new(o, "migrated_in", json_true());
	if (vm->state == VM_MIGRATING)
		json_object_set_new(o, "migration",
		    json_pack("{s:s, s:I}", "target", vm->mig.uri, "elapsed_ms",
			(json_int_t)((mono_ns() - vm->mig_started_ns) /
			    NS_PER_MS)));
	else if (vm->mig_result)
		json_object_set_new(
		    o, "migration", json_deep_copy(vm->mig_result));
	if (vm->booted && !vm->migrated_in)
		json_object_set_new(o, "boot_ms",
		    json_integer((json_int_t)((vm->booted_ns - vm->started_ns) /
			NS_PER_MS)));
	if (vm->state == VM_STOPPED || vm->state == VM_FAILED ||
	    vm->state == VM_PANICKED) {
		if (vm->exit_signal)
			json_object_set_new(
			    o, "exit_signal", json_integer(vm->exit_signal));
		else if (!vm_live(vm))
			json_object_set_new(
			    o, "exit_status", json_integer(vm->exit_status));
	}
	if (vm->last_error[0])
		json_object_set_new(o, "error", json_string(vm->last_error));
	*ret = o;
	return 0;
}

int
agent_vm_list(struct agent *a, json_t **ret)
{
	json_t *arr = json_array();

	if (!arr)
		return -ENOMEM;
	for (uint32_t i = 0; i < a->n_vms; i++) {
		json_t *o = summary(a->vms[i]);

		if (!o || json_array_append_new(arr, o) < 0) {
			json_decref(arr);
			return -ENOMEM;
		}
	}
	*ret = arr;
	return 0;
}

int
agent_vm_pid(struct agent *a, const char *name, int *ret)
{
	struct vm *vm = find(a, name);

	if (!vm)
		return -ENOENT;
	if (!vm_live(vm))
		return -EINVAL;
	*ret = (int)vm->pid;
	return 0;
}

int
agent_vm_vcpus(struct agent *a, const char *name, int *tids, uint32_t n)
{
	struct vm *vm = find(a, name);
	uint32_t i;

	if (!vm)
		return -ENOENT;
	for (i = 0; i < vm->n_tids && i < n; i++)
		tids[i] = (int)vm->tids[i];
	return (int)i;
}

int
agent_events_since(struct agent *a, uint64_t since, uint32_t max, json_t **ret,
    uint64_t *ret_last)
{
	json_t *arr = json_array();
	uint64_t first =
	    a->seq > AGENT_EVENT_RING ? a->seq - AGENT_EVENT_RING + 1 : 1;

	if (!arr)
		return -ENOMEM;
	if (since + 1 > first)
		first = since + 1;
	for (uint64_t s = first; s <= a->seq && json_array_size(arr) < max;
	     s++) {
		json_t *e = a->ring[s % AGENT_EVENT_RING];

		if (e)
			json_array_append(arr, e);
	}
	*ret = arr;
	*ret_last = a->seq;
	return 0;
}

int
agent_subscribe(struct agent *a, agent_event_fn cb, void *ud)
{
	if (a->n_subs == ELEMENTSOF(a->subs))
		return -ENOSPC;
	a->subs[a->n_subs++] = (struct subscriber){ cb, ud };
	return 0;
}

void
agent_unsubscribe(struct agent *a, agent_event_fn cb, void *ud)
{
	for (uint32_t i = 0; i < a->n_subs; i++) {
		if (a->subs[i].cb == cb && a->subs[i].ud == ud) {
			a->subs[i] = a->subs[--a->n_subs];
			return;
		}
	}
}

const char *
agent_accel(const struct agent *a, const char **ret_why)
{
	if (ret_why)
		*ret_why = a->accel_why;
	return accel_name(a->qopts.accel);
}

static char *
slurp_small(const char *path)
{
	FILE *f = fopen(path, "re");
	char *buf;
	size_t n;

	if (!f)
		return NULL;
	buf = malloc(1 << 20);
	n = buf ? fread(buf, 1, (1 << 20) - 1, f) : 0;
	fclose(f);
	if (buf)
		buf[n] = '\0';
	return buf;
}

int
agent_new(const struct agent_config *cfg, struct loop *loop, struct agent **ret,
    struct diag *d)
{
	struct agent *a;
	struct cgroup_env env;
	char path[1100], name[32], *cpuinfo;
	int r;

	if (!cfg->state_dir || !cfg->state_dir[0]) {
		diag_set(d, "state directory: required");
		return -EINVAL;
	}
	a = calloc(1, sizeof(*a));
	if (!a)
		return -ENOMEM;
	a->loop = loop;
	a->log = cfg->log;
	a->state_dir = mem_strdup(cfg->state_dir);
	a->qemu = mem_strdup(cfg->qemu ? cfg->qemu : "qemu-system-x86_64");
	a->default_kernel =
	    cfg->default_kernel ? mem_strdup(cfg->default_kernel) : NULL;
	a->default_initrd =
	    cfg->default_initrd ? mem_strdup(cfg->default_initrd) : NULL;
	a->max_vms = cfg->max_vms ? cfg->max_vms : 64;
	a->migrate_address = mem_strdup(
	    cfg->migrate_address ? cfg->migrate_address : "127.0.0.1");
	a->port_lo = cfg->migrate_port_min ? cfg->migrate_port_min : 49152;
	a->port_hi = cfg->migrate_port_max ? cfg->migrate_port_max
	    : a->port_lo > 65535 - 63	   ? 65535
					   : (uint16_t)(a->port_lo + 63);
	a->overhead_mib = cfg->overhead_mib ? cfg->overhead_mib : 160;
	a->rr.sysctl = "/proc/sys/kernel/sched_rr_timeslice_ms";
	a->host_cpus = (uint32_t)sysconf(_SC_NPROCESSORS_ONLN);
	a->host_mem_mib = (uint64_t)sysconf(_SC_PHYS_PAGES) *
		(uint64_t)sysconf(_SC_PAGESIZE) >>
	    20;
	if (!a->state_dir || !a->qemu || !a->migrate_address) {
		agent_free(a);
		return -ENOMEM;
	}
	if (a->port_hi < a->port_lo) {
		diag_set(d, "migration ports: %u-%u is not a range",
		    (unsigned)a->port_lo, (unsigned)a->port_hi);
		agent_free(a);
		return -EINVAL;
	}
	for (const char *c = a->migrate_address; *c || c == a->migrate_address;
	     c++) {
		if (!((*c >= 'a' && *c <= 'z') || (*c >= 'A' && *c <= 'Z') ||
			(*c >= '0' && *c <= '9') || strchr("-.:", *c))) {
			diag_set(d,
			    "migration address: '%s' is not an address or "
			    "host name",
			    a->migrate_address);
			agent_free(a);
			return -EINVAL;
		}
	}
	if (cfg->qemu_user) {
		struct passwd *pw = getpwnam(cfg->qemu_user);

		if (!pw) {
			diag_set(
			    d, "qemu user '%s': no such user", cfg->qemu_user);
			agent_free(a);
			return -ENOENT;
		}
		a->uid = pw->pw_uid;
		a->gid = pw->pw_gid;
		a->drop = pw->pw_uid != getuid();
	}
	snprintf(path, sizeof(path), "%s/vms", a->state_dir);
	if ((mkdir(a->state_dir, 0750) < 0 && errno != EEXIST) ||
	    (mkdir(path, 0750) < 0 && errno != EEXIST)) {
		diag_set(d, "state directory %s: %s", path, strerror(errno));
		r = neg_errno();
		agent_free(a);
		return r;
	}
	cpuinfo = slurp_small("/proc/cpuinfo");
	a->qopts = (struct qemu_opts){
		.binary = a->qemu,
		.accel = accel_detect(
		    cfg->accel, a->accel_why, sizeof(a->accel_why)),
		.tsc_khz = cpuinfo ? qemu_tsc_khz(cpuinfo) : 0,
		.tb_mib = 64,
	};
	free(cpuinfo);
	log_info(a->log, "accelerator: %s", a->accel_why);
	if (cgroup_env_detect(&env) < 0)
		env.mode = CGROUP_NONE;
	snprintf(name, sizeof(name), "vmgr-%d", (int)getpid());
	r = cgroup_setup(&a->cg, &env, name,
	    cfg->rt_budget_pct ? cfg->rt_budget_pct : 90, d);
	if (r < 0) {
		log_warn(a->log, "cgroups: %s; running without them", d->msg);
		diag_clear(d);
		memset(&a->cg, 0, sizeof(a->cg));
	} else {
		log_info(a->log, "cgroups: %s%s%s%s; %s",
		    env.mode == CGROUP_V1	? "v1"
			: env.mode == CGROUP_V2 ? "v2"
						: "none",
		    a->cg.have_cpu ? " cpu" : "",
		    a->cg.have_cpuset ? " cpuset" : "",
		    a->cg.have_memory ? " memory" : "", a->cg.rt_note);
	}
	a->tick = (struct loop_tick){ .cb = tick, .ud = a };
	loop_add_tick(loop, &a->tick);
	*ret = a;
	return 0;
}

int
agent_shutdown(struct agent *a, uint32_t timeout_ms)
{
	uint64_t deadline = mono_ns() + (uint64_t)timeout_ms * NS_PER_MS;
	bool any;

	for (uint32_t i = 0; i < a->n_vms; i++) {
		struct diag d = { 0 };

		if (vm_live(a->vms[i]))
			agent_vm_stop(a, a->vms[i]->spec.name, &d);
		else if (a->vms[i]->state == VM_RESTARTING)
			agent_vm_stop(a, a->vms[i]->spec.name, &d);
	}
	do {
		any = false;
		for (uint32_t i = 0; i < a->n_vms; i++)
			any |= vm_live(a->vms[i]);
		if (any)
			loop_run_once(a->loop, 50);
	} while (any && mono_ns() < deadline);
	for (uint32_t i = 0; i < a->n_vms; i++)
		kill_now(a->vms[i]);
	return 0;
}

struct agent *
agent_free(struct agent *a)
{
	if (!a)
		return NULL;
	a->n_subs = 0; /* subscribers may be gone already */
	for (uint32_t i = 0; i < a->n_vms; i++)
		vm_free(a->vms[i]);
	free(a->vms);
	if (a->tick.added)
		loop_del_tick(a->loop, &a->tick);
	cgroup_teardown(&a->cg);
	for (uint32_t i = 0; i < AGENT_EVENT_RING; i++)
		json_decref(a->ring[i]);
	free(a->state_dir);
	free(a->qemu);
	free(a->default_kernel);
	free(a->default_initrd);
	free(a->migrate_address);
	free(a);
	return NULL;
}
