/* cgroup.h - the agent's cgroups (v1 or v2): one group per VM, vCPU groups, an RT group. */
#ifndef AGENT_CGROUP_H
#define AGENT_CGROUP_H

#include "agent/spec.h"
#include "core/diag.h"

#include <stdbool.h>
#include <stdint.h>
#include <sys/types.h>

#define CGROUP_PATH_MAX 512

enum cgroup_mode {
	CGROUP_NONE, /* no usable controllers: VMs run, cgroup policies refused */
	CGROUP_V1, /* separate cpu, cpuset, memory hierarchies */
	CGROUP_V2, /* the unified hierarchy */
};

/*
 * Where the agent's own cgroups are, per controller: the directory of the
 * cgroup the agent runs in (its groups are created beneath it, so a
 * delegated or nested agent stays inside what it was given). Empty string:
 * controller unavailable. `cpu_root` is the cpu hierarchy's root directory
 * (v1), where the host-wide real-time budget lives.
 */
struct cgroup_env {
	enum cgroup_mode mode;
	char cpu[CGROUP_PATH_MAX], cpuset[CGROUP_PATH_MAX];
	char memory[CGROUP_PATH_MAX], unified[CGROUP_PATH_MAX];
	char cpu_root[CGROUP_PATH_MAX];
};

/*
 * Finds the controllers from the text of /proc/self/mountinfo and
 * /proc/self/cgroup (pure, for tests): v1 when cpu, cpuset and memory are
 * mounted as v1 hierarchies, else v2 when the unified hierarchy offers cpu
 * and memory in `v2_controllers` (the text of its cgroup.controllers, may be
 * NULL), else none. Always 0; ret fully set.
 */
int cgroup_env_parse(const char *mountinfo, const char *self_cgroup,
    const char *v2_controllers, struct cgroup_env *ret);

/* The same from this process's /proc files. 0 or -errno when unreadable. */
int cgroup_env_detect(struct cgroup_env *ret);

/*
 * The agent's groups: `<controller dir>/<name>/` with, under the cpu
 * controller (v1), `vcpu/<vm>` for weighted or capped vCPU threads and `rt`
 * for real-time vCPU threads, whose budget keeps the host responsive.
 * Embedded: cgroup_setup / cgroup_teardown.
 */
struct cgroup {
	struct cgroup_env env;
	char cpu[CGROUP_PATH_MAX], cpuset[CGROUP_PATH_MAX];
	char memory[CGROUP_PATH_MAX], unified[CGROUP_PATH_MAX];
	bool have_cpu, have_cpuset, have_memory;
	bool rt_group; /* v1: base/rt holds a real-time budget */
	int64_t rt_runtime_us, rt_period_us;
	char rt_note[256]; /* why RT is limited or unavailable */
};

/*
 * Creates the agent's groups named `name` (e.g. "vmgr-1234") below env,
 * first removing empty stale "vmgr-<pid>" groups of dead agents. On v1 it
 * lowers the host's real-time budget (root cpu.rt_runtime_us) to at most
 * 95% when it is unlimited, and gives base/rt rt_budget_pct percent of the
 * period. 0, or -errno with d set; a controller that fails is marked
 * unavailable (have_* false) rather than failing the whole setup.
 */
int cgroup_setup(struct cgroup *cg, const struct cgroup_env *env,
    const char *name, uint32_t rt_budget_pct, struct diag *d);

/* Removes the agent's groups (they must be empty). */
void cgroup_teardown(struct cgroup *cg);

/* One VM's groups. Embedded: cgroup_vm_create / cgroup_vm_destroy. */
struct cgroup_vm {
	char procs[3][CGROUP_PATH_MAX]; /* cgroup.procs files for the pid */
	uint32_t n_procs;
	char cpu[CGROUP_PATH_MAX]; /* v1: base/<vm>; v2: the VM group */
	char vcpu[CGROUP_PATH_MAX]; /* v1: base/vcpu/<vm>; v2: = cpu */
	char cpuset[CGROUP_PATH_MAX], memory[CGROUP_PATH_MAX];
};

/*
 * Creates vm's groups and sets its limits: memory (memory_mib + overhead),
 * cpuset (spec cpu list or all), weight and quota on the vCPU group. 0, or
 * -errno with d naming the file that failed; nothing left behind then.
 */
int cgroup_vm_create(struct cgroup *cg, const struct spec *s,
    uint32_t overhead_mib, struct cgroup_vm *ret, struct diag *d);

/* Moves vCPU thread tid into the VM's vCPU group (rt: the shared RT group).
 * 0 or -errno. */
int
cgroup_vm_add_vcpu(struct cgroup *cg, struct cgroup_vm *vm, pid_t tid, bool rt);

/* Removes the VM's groups; their processes must have exited. */
void cgroup_vm_destroy(struct cgroup *cg, struct cgroup_vm *vm);

/* Writes text to dir/file. 0 or -errno. */
int cgroup_write(const char *dir, const char *file, const char *fmt, ...)
    _printf_(3, 4);

/* Reads an integer from dir/file ("max" reads as -1). 0 or -errno. */
int cgroup_read_i64(const char *dir, const char *file, int64_t *ret);

#endif
