/* qemu.c - QEMU command line and confined spawn (fork/exec); the agent's thread. */
#include "agent/qemu.h"

#include "core/error.h"
#include "core/mem.h"

#include <fcntl.h>
#include <grp.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

static int add(struct qemu_args *a, const char *fmt, ...) _printf_(2, 3);

static int
add(struct qemu_args *a, const char *fmt, ...)
{
	va_list ap;
	char *s;
	int r;

	if (a->n + 2 > a->cap) {
		uint32_t cap = a->cap ? a->cap * 2 : 64;
		char **v = realloc(a->v, cap * sizeof(*v));

		if (!v)
			return -ENOMEM;
		a->v = v;
		a->cap = cap;
	}
	va_start(ap, fmt);
	r = vasprintf(&s, fmt, ap);
	va_end(ap);
	if (r < 0)
		return -ENOMEM;
	a->v[a->n++] = s;
	a->v[a->n] = NULL;
	return 0;
}

void
qemu_args_done(struct qemu_args *a)
{
	for (uint32_t i = 0; i < a->n; i++)
		free(a->v[i]);
	free(a->v);
	memset(a, 0, sizeof(*a));
}

int
qemu_argv_build(const struct spec *s, const struct qemu_opts *o, int qmp_fd,
    int con_fd, struct qemu_args *ret)
{
	struct qemu_args a = { 0 };
	bool microvm = s->machine == SPEC_MACHINE_MICROVM;
	char tsc[48] = "";
	int r = 0;

	if (microvm && o->tsc_khz)
		snprintf(tsc, sizeof(tsc), " tsc_early_khz=%llu",
		    (unsigned long long)o->tsc_khz);
	r |= add(&a, "%s", o->binary);
	r |= add(&a, "-name");
	r |= add(&a, "%s", s->name);
	r |= add(&a, "-M");
	r |= add(&a, "%s", microvm ? "microvm,acpi=on" : "q35");
	r |= add(&a, "-accel");
	if (o->accel == ACCEL_KVM)
		r |= add(&a, "kvm");
	else
		r |= add(&a, "tcg,tb-size=%u", o->tb_mib ? o->tb_mib : 64);
	r |= add(&a, "-cpu");
	r |= add(&a, "%s", o->accel == ACCEL_KVM ? "host" : "max");
	r |= add(&a, "-m");
	r |= add(&a, "%u", s->memory_mib);
	r |= add(&a, "-smp");
	r |= add(&a, "%u", s->vcpus);
	r |= add(&a, "-nodefaults");
	r |= add(&a, "-no-user-config");
	r |= add(&a, "-display");
	r |= add(&a, "none");
	if (o->incoming) {
		r |= add(&a, "-incoming");
		r |= add(&a, "defer");
	} else {
		r |= add(&a, "-S");
	}
	r |= add(&a, "-chardev");
	r |= add(&a, "socket,id=qmp,fd=%d,server=on,wait=off", qmp_fd);
	r |= add(&a, "-mon");
	r |= add(&a, "chardev=qmp,mode=control");
	r |= add(&a, "-chardev");
	r |= add(&a, "socket,id=con,fd=%d", con_fd);
	r |= add(&a, "-serial");
	r |= add(&a, "chardev:con");
	r |= add(&a, "-sandbox");
	r |= add(&a,
	    "on,obsolete=deny,elevateprivileges=deny,spawn=deny,"
	    "resourcecontrol=deny");
	r |= add(&a, "-device");
	r |= add(&a, "pvpanic");
	r |= add(&a, "-action");
	r |= add(&a, "panic=pause");
	r |= add(&a, "-no-reboot");
	if (s->kernel) {
		r |= add(&a, "-kernel");
		r |= add(&a, "%s", s->kernel);
		if (s->initrd) {
			r |= add(&a, "-initrd");
			r |= add(&a, "%s", s->initrd);
		}
		r |= add(&a, "-append");
		r |= add(&a, "console=ttyS0 quiet%s%s%s%s%s", tsc,
		    s->cmdline ? " " : "", s->cmdline ? s->cmdline : "",
		    s->workload[0] ? " vmgr.workload=" : "", s->workload);
	}
	if (s->disk) {
		/* A comma in a path must be doubled in QEMU's option syntax. */
		char *esc = malloc(strlen(s->disk) * 2 + 1), *p = esc;

		if (!esc) {
			qemu_args_done(&a);
			return -ENOMEM;
		}
		for (const char *c = s->disk; *c; c++) {
			*p++ = *c;
			if (*c == ',')
				*p++ = ',';
		}
		*p = '\0';
		r |= add(&a, "-drive");
		r |= add(&a, "file=%s,if=none,id=disk0,format=raw", esc);
		r |= add(&a, "-device");
		r |= add(&a, "%s,drive=disk0",
		    microvm ? "virtio-blk-device" : "virtio-blk-pci");
		free(esc);
	}
	if (r) {
		qemu_args_done(&a);
		return -ENOMEM;
	}
	*ret = a;
	return 0;
}

char *
qemu_args_join(const struct qemu_args *a)
{
	size_t len = 1;
	char *s, *p;

	for (uint32_t i = 0; i < a->n; i++)
		len += strlen(a->v[i]) + 3;
	s = malloc(len);
	if (!s)
		return NULL;
	p = s;
	for (uint32_t i = 0; i < a->n; i++) {
		bool q = strchr(a->v[i], ' ') != NULL;

		p += sprintf(p, "%s%s%s%s", i ? " " : "", q ? "'" : "", a->v[i],
		    q ? "'" : "");
	}
	return s;
}

uint64_t
qemu_tsc_khz(const char *cpuinfo)
{
	const char *p = strstr(cpuinfo, "cpu MHz");
	double mhz;

	if (!p || !(p = strchr(p, ':')))
		return 0;
	mhz = strtod(p + 1, NULL);
	if (!(mhz > 1.0 && mhz < 1e6))
		return 0;
	return (uint64_t)(mhz * 1000.0 + 0.5);
}

/* In the child: report the failing step and errno to the parent, exit. */
_Noreturn static void
child_fail(int pipe_fd, int step)
{
	int msg[2] = { step, errno };

	if (write(pipe_fd, msg, sizeof(msg)) < 0) {
		/* Nothing more a child can do. */
	}
	_exit(127);
}

static const char *const steps[] = {
	"setsid",
	"join cgroup",
	"setgroups",
	"setgid",
	"setuid",
	"PR_SET_PDEATHSIG",
	"parent died",
	"fd setup",
	"exec",
};

int
qemu_spawn(const struct qemu_args *a, const struct qemu_launch *l,
    pid_t *ret_pid, int *ret_pidfd, struct diag *d)
{
	int pfd[2], msg[2], pidfd, status;
	pid_t parent = getpid(), pid;
	ssize_t n;

	if (pipe2(pfd, O_CLOEXEC) < 0) {
		diag_set(d, "pipe: %s", strerror(errno));
		return neg_errno();
	}
	pid = fork();
	if (pid < 0) {
		int r = neg_errno();

		diag_set(d, "fork: %s", strerror(errno));
		close(pfd[0]);
		close(pfd[1]);
		return r;
	}
	if (pid == 0) {
		sigset_t all;
		int null;

		/* The agent blocks signals for its signalfd: undo that. */
		sigemptyset(&all);
		sigprocmask(SIG_SETMASK, &all, NULL);
		for (int sig = 1; sig < NSIG; sig++)
			signal(sig, SIG_DFL);
		if (setsid() < 0)
			child_fail(pfd[1], 0);
		for (uint32_t i = 0; i < l->n_cgroup_procs; i++) {
			int fd = open(l->cgroup_procs[i], O_WRONLY | O_CLOEXEC);
			char buf[16];
			int len;

			len = snprintf(buf, sizeof(buf), "%d", (int)getpid());
			if (fd < 0 || write(fd, buf, (size_t)len) != len)
				child_fail(pfd[1], 1);
			close(fd);
		}
		if (l->drop) {
			if (setgroups(0, NULL) < 0)
				child_fail(pfd[1], 2);
			if (setgid(l->gid) < 0)
				child_fail(pfd[1], 3);
			if (setuid(l->uid) < 0)
				child_fail(pfd[1], 4);
		}
		/* After the drop: a credential change clears it. */
		if (prctl(PR_SET_PDEATHSIG, SIGKILL) < 0)
			child_fail(pfd[1], 5);
		if (getppid() != parent) {
			errno = ESRCH;
			child_fail(pfd[1], 6);
		}
		null = open("/dev/null", O_RDWR | O_CLOEXEC);
		if (null < 0 || dup2(null, 0) < 0 || dup2(null, 1) < 0 ||
		    dup2(l->stderr_fd >= 0 ? l->stderr_fd : null, 2) < 0)
			child_fail(pfd[1], 7);
		/* Everything else closes at exec, but the kept fds. */
		if (syscall(SYS_close_range, 3u, ~0u, 4u /* CLOEXEC */) < 0) {
			for (int fd = 3; fd < 1024; fd++)
				if (fd != pfd[1])
					fcntl(fd, F_SETFD, FD_CLOEXEC);
		}
		for (uint32_t i = 0; i < l->n_keep; i++)
			if (fcntl(l->keep_fds[i], F_SETFD, 0) < 0)
				child_fail(pfd[1], 7);
		execvp(a->v[0], a->v);
		child_fail(pfd[1], 8);
	}
	close(pfd[1]);
	do
		n = read(pfd[0], msg, sizeof(msg));
	while (n < 0 && errno == EINTR);
	close(pfd[0]);
	if (n == (ssize_t)sizeof(msg)) {
		waitpid(pid, &status, 0);
		diag_set(d, "starting %s: %s: %s", a->v[0],
		    steps[msg[0] < 0 || msg[0] > 8 ? 8 : msg[0]],
		    strerror(msg[1]));
		return msg[1] > 0 ? -msg[1] : -EIO;
	}
	pidfd = (int)syscall(SYS_pidfd_open, pid, 0);
	if (pidfd < 0) {
		int r = neg_errno();

		kill(pid, SIGKILL);
		waitpid(pid, &status, 0);
		diag_set(d, "pidfd_open: %s", strerror(errno));
		return r;
	}
	fcntl(pidfd, F_SETFD, FD_CLOEXEC);
	*ret_pid = pid;
	*ret_pidfd = pidfd;
	return 0;
}
