/* qemu.h - the qemu-system-x86_64 command line for a spec, and starting it confined. */
#ifndef AGENT_QEMU_H
#define AGENT_QEMU_H

#include "agent/accel.h"
#include "agent/spec.h"
#include "core/diag.h"

#include <stdint.h>
#include <sys/types.h>

/* A NULL-terminated argv; every string owned. Embedded: qemu_args_done. */
struct qemu_args {
	char **v;
	uint32_t n, cap;
};

struct qemu_opts {
	const char *binary; /* "qemu-system-x86_64" */
	enum accel_kind accel;
	uint64_t tsc_khz; /* 0: unknown (microvm guests then calibrate) */
	uint32_t tb_mib; /* TCG translation cache, bounds QEMU's memory */
	bool incoming; /* -incoming defer instead of -S: the guest's state
			  comes by live migration (QMP migrate-incoming) */
};

/*
 * Builds the command line: one VM with QMP on the listening socket qmp_fd
 * and the serial console on the connected socket con_fd (both inherited),
 * the seccomp sandbox on, paused at start (-S) so the agent can place and
 * schedule the vCPU threads before the first guest instruction (with
 * o->incoming: "-incoming defer" instead, and the vCPUs first run when the
 * migrated state has arrived), a pvpanic
 * device with panic=pause, and the workload on the kernel command line
 * ("vmgr.workload=..."). 0 or -ENOMEM (ret empty).
 */
int qemu_argv_build(const struct spec *s, const struct qemu_opts *o, int qmp_fd,
    int con_fd, struct qemu_args *ret);

void qemu_args_done(struct qemu_args *a);

/* The command line as one string for logs (shell-like, owned), or NULL. */
char *qemu_args_join(const struct qemu_args *a);

/* How the child is confined before exec. Strings borrowed. */
struct qemu_launch {
	const int *keep_fds; /* stay open in the child (same numbers) */
	uint32_t n_keep;
	int stderr_fd; /* QEMU's stderr (its error messages), or -1 */
	const char *const *cgroup_procs; /* cgroup.procs files to join */
	uint32_t n_cgroup_procs;
	uid_t uid; /* run as this user when drop is set */
	gid_t gid;
	bool drop;
};

/*
 * Forks and execs argv: in the child, new session, signals reset, joins the
 * cgroups, drops to uid/gid, asks for SIGKILL when the agent dies
 * (PR_SET_PDEATHSIG, set after the drop so it survives it), closes every
 * fd but keep_fds. 0 with *ret_pid and *ret_pidfd (a pidfd, owned by the
 * caller) once exec succeeded; -errno with d saying which step failed.
 */
int qemu_spawn(const struct qemu_args *a, const struct qemu_launch *l,
    pid_t *ret_pid, int *ret_pidfd, struct diag *d);

/* The host TSC frequency in kHz from /proc/cpuinfo ("cpu MHz"), 0 if
 * unknown (pure on the given text). */
uint64_t qemu_tsc_khz(const char *cpuinfo);

#endif
