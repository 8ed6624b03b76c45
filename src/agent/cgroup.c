/* cgroup.c - cgroup v1/v2 discovery and the agent's groups; called from the agent's thread. */
#include "agent/cgroup.h"

#include "core/error.h"

#include <dirent.h>
#include <fcntl.h>
#include <inttypes.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

/* True when the comma-separated list has the token tok. */
static bool
has_token(const char *list, const char *tok)
{
	size_t n = strlen(tok);

	for (const char *p = list; p && *p;) {
		const char *e = strchr(p, ',');
		size_t len = e ? (size_t)(e - p) : strlen(p);

		if (len == n && strncmp(p, tok, n) == 0)
			return true;
		p = e ? e + 1 : NULL;
	}
	return false;
}

/* The agent's path in a hierarchy from /proc/self/cgroup: the line
 * "ID:controllers:/path" whose controllers include ctl ("" for v2's "0::"). */
static bool
self_path(const char *self, const char *ctl, char *out, size_t n)
{
	for (const char *p = self; p && *p;) {
		const char *e = strchr(p, '\n');
		size_t len = e ? (size_t)(e - p) : strlen(p);
		char line[1024], *c1, *c2;

		if (len < sizeof(line)) {
			memcpy(line, p, len);
			line[len] = '\0';
			c1 = strchr(line, ':');
			c2 = c1 ? strchr(c1 + 1, ':') : NULL;
			if (c2) {
				*c2 = '\0';
				if ((ctl[0] && has_token(c1 + 1, ctl)) ||
				    (!ctl[0] && c1[1] == '\0')) {
					snprintf(out, n, "%s", c2 + 1);
					return true;
				}
			}
		}
		p = e ? e + 1 : NULL;
	}
	return false;
}

/* dir = mount point + (path relative to the mount's root). */
static void
join_mount(
    char *out, size_t n, const char *mnt, const char *root, const char *path)
{
	size_t rl = strlen(root);

	if (strcmp(root, "/") != 0 && strncmp(path, root, rl) == 0)
		path += rl;
	if (strcmp(path, "/") == 0)
		path = "";
	snprintf(out, n, "%s%s", mnt, path);
}

int
cgroup_env_parse(const char *mountinfo, const char *self_cgroup,
    const char *v2_controllers, struct cgroup_env *ret)
{
	struct cgroup_env e = { .mode = CGROUP_NONE };
	char v2_mnt[CGROUP_PATH_MAX] = "", v2_root[CGROUP_PATH_MAX] = "";

	for (const char *p = mountinfo; p && *p;) {
		const char *nl = strchr(p, '\n');
		size_t len = nl ? (size_t)(nl - p) : strlen(p);
		char line[2048], *f[6] = { 0 }, *sep, *fstype, *src, *opts;
		char *save = NULL, *tok;
		int i = 0;

		const char *start = p;

		p = nl ? nl + 1 : NULL;
		if (len >= sizeof(line))
			continue;
		memcpy(line, start, len);
		line[len] = '\0';
		sep = strstr(line, " - ");
		if (!sep)
			continue;
		*sep = '\0';
		for (tok = strtok_r(line, " ", &save); tok && i < 6;
		     tok = strtok_r(NULL, " ", &save))
			f[i++] = tok;
		if (i < 5)
			continue;
		save = NULL;
		fstype = strtok_r(sep + 3, " ", &save);
		src = fstype ? strtok_r(NULL, " ", &save) : NULL;
		opts = src ? strtok_r(NULL, " ", &save) : NULL;
		if (!fstype)
			continue;
		if (strcmp(fstype, "cgroup2") == 0) {
			snprintf(v2_mnt, sizeof(v2_mnt), "%s", f[4]);
			snprintf(v2_root, sizeof(v2_root), "%s", f[3]);
			continue;
		}
		if (strcmp(fstype, "cgroup") != 0 || !opts)
			continue;
		static const char *const ctls[] = { "cpu", "cpuset", "memory" };
		for (size_t k = 0; k < ELEMENTSOF(ctls); k++) {
			char path[CGROUP_PATH_MAX];
			char *dst = k == 0 ? e.cpu
			    : k == 1	   ? e.cpuset
					   : e.memory;

			if (!has_token(opts, ctls[k]) ||
			    !self_path(
				self_cgroup, ctls[k], path, sizeof(path)))
				continue;
			join_mount(dst, CGROUP_PATH_MAX, f[4], f[3], path);
			if (k == 0)
				snprintf(
				    e.cpu_root, sizeof(e.cpu_root), "%s", f[4]);
		}
	}
	if (e.cpu[0] && e.cpuset[0] && e.memory[0]) {
		e.mode = CGROUP_V1;
	} else if (v2_mnt[0] && v2_controllers &&
	    strstr(v2_controllers, "cpu") && strstr(v2_controllers, "memory")) {
		char path[CGROUP_PATH_MAX];

		if (self_path(self_cgroup, "", path, sizeof(path))) {
			e.mode = CGROUP_V2;
			e.cpu[0] = e.cpuset[0] = e.memory[0] = e.cpu_root[0] =
			    '\0';
			join_mount(e.unified, sizeof(e.unified), v2_mnt,
			    v2_root, path);
		}
	}
	if (e.mode != CGROUP_V1)
		e.cpu[0] = e.cpuset[0] = e.memory[0] = e.cpu_root[0] = '\0';
	*ret = e;
	return 0;
}

static char *
slurp(const char *path)
{
	FILE *f = fopen(path, "re");
	char *buf = NULL;
	size_t len = 0;

	if (!f)
		return NULL;
	buf = malloc(65536 + 1);
	if (buf)
		len = fread(buf, 1, 65536, f);
	fclose(f);
	if (buf)
		buf[len] = '\0';
	return buf;
}

int
cgroup_env_detect(struct cgroup_env *ret)
{
	char *mi = slurp("/proc/self/mountinfo");
	char *self = slurp("/proc/self/cgroup");
	char *ctl = NULL;
	int r;

	if (!mi || !self) {
		free(mi);
		free(self);
		return -ENOENT;
	}
	/* The v2 controllers are only needed when v1 does not serve. */
	r = cgroup_env_parse(mi, self, NULL, ret);
	if (r == 0 && ret->mode == CGROUP_NONE) {
		struct cgroup_env probe;
		char path[CGROUP_PATH_MAX + 32];

		cgroup_env_parse(mi, self, "cpu memory", &probe);
		if (probe.mode == CGROUP_V2) {
			snprintf(path, sizeof(path), "%s/cgroup.controllers",
			    probe.unified);
			ctl = slurp(path);
			if (ctl)
				r = cgroup_env_parse(mi, self, ctl, ret);
		}
	}
	free(mi);
	free(self);
	free(ctl);
	return r;
}

int
cgroup_write(const char *dir, const char *file, const char *fmt, ...)
{
	char path[CGROUP_PATH_MAX + 64], buf[256];
	va_list ap;
	ssize_t n;
	int fd, len;

	snprintf(path, sizeof(path), "%s/%s", dir, file);
	va_start(ap, fmt);
	len = vsnprintf(buf, sizeof(buf), fmt, ap);
	va_end(ap);
	if (len < 0 || (size_t)len >= sizeof(buf))
		return -EINVAL;
	fd = open(path, O_WRONLY | O_CLOEXEC);
	if (fd < 0)
		return neg_errno();
	n = write(fd, buf, (size_t)len);
	if (n < 0) {
		int r = neg_errno();

		close(fd);
		return r;
	}
	close(fd);
	return n == len ? 0 : -EIO;
}

static int
read_str(const char *dir, const char *file, char *out, size_t n)
{
	char path[CGROUP_PATH_MAX + 64];
	ssize_t len;
	int fd;

	snprintf(path, sizeof(path), "%s/%s", dir, file);
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return neg_errno();
	len = read(fd, out, n - 1);
	close(fd);
	if (len < 0)
		return neg_errno();
	out[len] = '\0';
	while (len > 0 && (out[len - 1] == '\n' || out[len - 1] == ' '))
		out[--len] = '\0';
	return 0;
}

int
cgroup_read_i64(const char *dir, const char *file, int64_t *ret)
{
	char buf[64], *end;
	long long v;
	int r = read_str(dir, file, buf, sizeof(buf));

	if (r < 0)
		return r;
	if (strncmp(buf, "max", 3) == 0) {
		*ret = -1;
		return 0;
	}
	v = strtoll(buf, &end, 10);
	if (end == buf)
		return -EINVAL;
	*ret = v;
	return 0;
}

static int
mkdir_p1(const char *dir)
{
	if (mkdir(dir, 0755) < 0 && errno != EEXIST)
		return neg_errno();
	return 0;
}

/* Removes a cgroup tree bottom-up (only directories can be removed). */
static void
rmdir_tree(const char *dir, int depth)
{
	DIR *dh;
	struct dirent *e;

	if (depth > 4)
		return;
	dh = opendir(dir);
	if (dh) {
		while ((e = readdir(dh))) {
			char sub[CGROUP_PATH_MAX + 300];

			if (e->d_type != DT_DIR || e->d_name[0] == '.')
				continue;
			snprintf(sub, sizeof(sub), "%s/%s", dir, e->d_name);
			rmdir_tree(sub, depth + 1);
		}
		closedir(dh);
	}
	/* A removed group's RT budget returns to its parent only when the
	 * kernel frees it, later: give it back first (children went first,
	 * so the parent's budget can shrink now). */
	cgroup_write(dir, "cpu.rt_runtime_us", "0");
	rmdir(dir);
}

/* Removes empty "vmgr-<pid>" groups whose agent is gone. */
static void
sweep_stale(const char *parent)
{
	DIR *dh = opendir(parent);
	struct dirent *e;

	if (!dh)
		return;
	while ((e = readdir(dh))) {
		char sub[CGROUP_PATH_MAX + 300], *end;
		long pid;

		if (strncmp(e->d_name, "vmgr-", 5) != 0)
			continue;
		pid = strtol(e->d_name + 5, &end, 10);
		if (*end || pid <= 0 || (kill((pid_t)pid, 0) == 0) ||
		    errno != ESRCH)
			continue;
		snprintf(sub, sizeof(sub), "%s/%s", parent, e->d_name);
		rmdir_tree(sub, 0);
	}
	closedir(dh);
}

static int
make_base(const char *parent, const char *name, char *out, bool *have)
{
	*have = false;
	if (!parent[0])
		return -ENOENT;
	sweep_stale(parent);
	snprintf(out, CGROUP_PATH_MAX, "%s/%s", parent, name);
	if (mkdir_p1(out) < 0)
		return neg_errno();
	*have = true;
	return 0;
}

static void
setup_rt(struct cgroup *cg, uint32_t budget_pct)
{
	int64_t root_rt, period, parent_rt;
	char rt[CGROUP_PATH_MAX + 8];
	int64_t want;

	cg->rt_group = false;
	if (cgroup_read_i64(cg->env.cpu_root, "cpu.rt_runtime_us", &root_rt) <
	    0) {
		/* No RT group scheduling: RT threads are limited by the
		 * global kernel.sched_rt_runtime_us alone. */
		snprintf(cg->rt_note, sizeof(cg->rt_note),
		    "no cpu.rt_runtime_us: host-wide RT throttling only");
		return;
	}
	if (cgroup_read_i64(cg->env.cpu_root, "cpu.rt_period_us", &period) <
		0 ||
	    period <= 0)
		return;
	/* Keep at least 5% of every period for ordinary tasks host-wide. */
	if (root_rt < 0 || root_rt > period * 95 / 100) {
		if (cgroup_write(cg->env.cpu_root, "cpu.rt_runtime_us",
			"%" PRId64, period * 95 / 100) == 0)
			root_rt = period * 95 / 100;
	}
	want = period * (int64_t)budget_pct / 100;
	if (want > root_rt)
		want = root_rt;
	/* The parent chain between the root and our base must grant it. */
	if (strcmp(cg->env.cpu, cg->env.cpu_root) != 0 &&
	    cgroup_read_i64(cg->env.cpu, "cpu.rt_runtime_us", &parent_rt) ==
		0 &&
	    parent_rt < want)
		want = parent_rt;
	snprintf(rt, sizeof(rt), "%s/rt", cg->cpu);
	/* A group removed a moment ago may still hold budget: retry a bit. */
	for (int i = 0; i < 50 && want > 0 &&
	     cgroup_write(cg->cpu, "cpu.rt_runtime_us", "%" PRId64, want) < 0;
	     i++)
		usleep(20000);
	if (want <= 0 ||
	    cgroup_write(cg->cpu, "cpu.rt_runtime_us", "%" PRId64, want) < 0 ||
	    mkdir_p1(rt) < 0 ||
	    cgroup_write(rt, "cpu.rt_runtime_us", "%" PRId64, want) < 0) {
		snprintf(cg->rt_note, sizeof(cg->rt_note),
		    "cannot reserve a real-time budget of %" PRId64
		    " us under %s",
		    want, cg->cpu);
		return;
	}
	cg->rt_group = true;
	cg->rt_runtime_us = want;
	cg->rt_period_us = period;
	snprintf(cg->rt_note, sizeof(cg->rt_note),
	    "real-time vCPUs get at most %" PRId64 " of every %" PRId64 " us",
	    want, period);
}

int
cgroup_setup(struct cgroup *cg, const struct cgroup_env *env, const char *name,
    uint32_t rt_budget_pct, struct diag *d)
{
	char buf[256];

	memset(cg, 0, sizeof(*cg));
	cg->env = *env;
	if (env->mode == CGROUP_V1) {
		char vcpu[CGROUP_PATH_MAX + 8];

		if (make_base(env->cpu, name, cg->cpu, &cg->have_cpu) == 0) {
			snprintf(vcpu, sizeof(vcpu), "%s/vcpu", cg->cpu);
			if (mkdir_p1(vcpu) < 0)
				cg->have_cpu = false;
			else
				setup_rt(cg, rt_budget_pct);
		}
		if (make_base(
			env->cpuset, name, cg->cpuset, &cg->have_cpuset) == 0) {
			/* A v1 cpuset needs cpus and mems before tasks. */
			if (read_str(env->cpuset, "cpuset.cpus", buf,
				sizeof(buf)) < 0 ||
			    cgroup_write(cg->cpuset, "cpuset.cpus", "%s", buf) <
				0 ||
			    read_str(env->cpuset, "cpuset.mems", buf,
				sizeof(buf)) < 0 ||
			    cgroup_write(cg->cpuset, "cpuset.mems", "%s", buf) <
				0)
				cg->have_cpuset = false;
		}
		make_base(env->memory, name, cg->memory, &cg->have_memory);
	} else if (env->mode == CGROUP_V2) {
		bool have;

		/* Enable what the parent may delegate; each may fail. */
		cgroup_write(env->unified, "cgroup.subtree_control", "+cpu");
		cgroup_write(env->unified, "cgroup.subtree_control", "+cpuset");
		cgroup_write(env->unified, "cgroup.subtree_control", "+memory");
		if (make_base(env->unified, name, cg->unified, &have) == 0) {
			cg->have_cpu =
			    cgroup_write(cg->unified, "cgroup.subtree_control",
				"+cpu") == 0;
			cg->have_cpuset =
			    cgroup_write(cg->unified, "cgroup.subtree_control",
				"+cpuset") == 0;
			cg->have_memory =
			    cgroup_write(cg->unified, "cgroup.subtree_control",
				"+memory") == 0;
		}
		snprintf(cg->rt_note, sizeof(cg->rt_note),
		    "cgroup v2: host-wide RT throttling only");
	}
	if (env->mode != CGROUP_NONE && !cg->have_cpu && !cg->have_memory &&
	    !cg->have_cpuset) {
		diag_set(d, "cannot create the agent's cgroups below %s",
		    env->mode == CGROUP_V1 ? env->cpu : env->unified);
		return -EACCES;
	}
	return 0;
}

void
cgroup_teardown(struct cgroup *cg)
{
	if (cg->have_cpu && cg->env.mode == CGROUP_V1)
		rmdir_tree(cg->cpu, 0);
	if (cg->have_cpuset && cg->env.mode == CGROUP_V1)
		rmdir_tree(cg->cpuset, 0);
	if (cg->have_memory && cg->env.mode == CGROUP_V1)
		rmdir_tree(cg->memory, 0);
	if (cg->env.mode == CGROUP_V2 && cg->unified[0])
		rmdir_tree(cg->unified, 0);
	cg->have_cpu = cg->have_cpuset = cg->have_memory = false;
}

static int
fail_at(struct diag *d, const char *dir, const char *file, int r)
{
	diag_set(d, "cgroup %s/%s: %s", dir, file, strerror(-r));
	return r;
}

static int
vm_create_v1(struct cgroup *cg, const struct spec *s, uint32_t overhead_mib,
    struct cgroup_vm *vm, struct diag *d)
{
	const char *n = s->name;
	char buf[256];
	int r;

	if (cg->have_cpu) {
		snprintf(vm->cpu, sizeof(vm->cpu), "%s/%s", cg->cpu, n);
		snprintf(vm->vcpu, sizeof(vm->vcpu), "%s/vcpu/%s", cg->cpu, n);
		if ((r = mkdir_p1(vm->cpu)) < 0)
			return fail_at(d, vm->cpu, "", r);
		if ((r = mkdir_p1(vm->vcpu)) < 0)
			return fail_at(d, vm->vcpu, "", r);
		snprintf(vm->procs[vm->n_procs++], CGROUP_PATH_MAX,
		    "%s/cgroup.procs", vm->cpu);
		/* fair: shares in proportion to the weight (100 = 1024). */
		r = cgroup_write(vm->vcpu, "cpu.shares", "%u",
		    s->cpu.policy == SPEC_POLICY_FAIR
			? (s->cpu.weight * 1024u + 50) / 100 < 2
			    ? 2u
			    : (s->cpu.weight * 1024u + 50) / 100
			: 1024u);
		if (r < 0)
			return fail_at(d, vm->vcpu, "cpu.shares", r);
		if (s->cpu.policy == SPEC_POLICY_CAP) {
			uint64_t quota =
			    (uint64_t)s->cpu.cap_pct * s->cpu.period_us / 100;

			if (quota < 1000)
				quota = 1000;
			if ((r = cgroup_write(vm->vcpu, "cpu.cfs_period_us",
				 "%u", s->cpu.period_us)) < 0)
				return fail_at(
				    d, vm->vcpu, "cpu.cfs_period_us", r);
			if ((r = cgroup_write(vm->vcpu, "cpu.cfs_quota_us",
				 "%" PRIu64, quota)) < 0)
				return fail_at(
				    d, vm->vcpu, "cpu.cfs_quota_us", r);
		}
	}
	if (cg->have_cpuset) {
		snprintf(
		    vm->cpuset, sizeof(vm->cpuset), "%s/%s", cg->cpuset, n);
		if ((r = mkdir_p1(vm->cpuset)) < 0)
			return fail_at(d, vm->cpuset, "", r);
		if (s->cpu.cpus[0])
			snprintf(buf, sizeof(buf), "%s", s->cpu.cpus);
		else if ((r = read_str(
			      cg->cpuset, "cpuset.cpus", buf, sizeof(buf))) < 0)
			return fail_at(d, cg->cpuset, "cpuset.cpus", r);
		if ((r = cgroup_write(vm->cpuset, "cpuset.cpus", "%s", buf)) <
		    0)
			return fail_at(d, vm->cpuset, "cpuset.cpus", r);
		if ((r = read_str(
			 cg->cpuset, "cpuset.mems", buf, sizeof(buf))) < 0 ||
		    (r = cgroup_write(vm->cpuset, "cpuset.mems", "%s", buf)) <
			0)
			return fail_at(d, vm->cpuset, "cpuset.mems", r);
		snprintf(vm->procs[vm->n_procs++], CGROUP_PATH_MAX,
		    "%s/cgroup.procs", vm->cpuset);
	} else if (s->cpu.cpus[0]) {
		diag_set(d, "cpu.cpus: no cpuset controller on this host");
		return -EOPNOTSUPP;
	}
	if (cg->have_memory) {
		snprintf(
		    vm->memory, sizeof(vm->memory), "%s/%s", cg->memory, n);
		if ((r = mkdir_p1(vm->memory)) < 0)
			return fail_at(d, vm->memory, "", r);
		if ((r = cgroup_write(vm->memory, "memory.limit_in_bytes",
			 "%" PRIu64,
			 ((uint64_t)s->memory_mib + overhead_mib) << 20)) < 0)
			return fail_at(
			    d, vm->memory, "memory.limit_in_bytes", r);
		snprintf(vm->procs[vm->n_procs++], CGROUP_PATH_MAX,
		    "%s/cgroup.procs", vm->memory);
	}
	return 0;
}

static int
vm_create_v2(struct cgroup *cg, const struct spec *s, uint32_t overhead_mib,
    struct cgroup_vm *vm, struct diag *d)
{
	int r;

	snprintf(vm->cpu, sizeof(vm->cpu), "%s/%s", cg->unified, s->name);
	snprintf(vm->vcpu, sizeof(vm->vcpu), "%s", vm->cpu);
	if ((r = mkdir_p1(vm->cpu)) < 0)
		return fail_at(d, vm->cpu, "", r);
	snprintf(vm->procs[vm->n_procs++], CGROUP_PATH_MAX, "%s/cgroup.procs",
	    vm->cpu);
	if (cg->have_memory &&
	    (r = cgroup_write(vm->cpu, "memory.max", "%" PRIu64,
		 ((uint64_t)s->memory_mib + overhead_mib) << 20)) < 0)
		return fail_at(d, vm->cpu, "memory.max", r);
	if (s->cpu.cpus[0]) {
		if (!cg->have_cpuset) {
			diag_set(d,
			    "cpu.cpus: no cpuset controller on this "
			    "host");
			return -EOPNOTSUPP;
		}
		if ((r = cgroup_write(
			 vm->cpu, "cpuset.cpus", "%s", s->cpu.cpus)) < 0)
			return fail_at(d, vm->cpu, "cpuset.cpus", r);
	}
	if (cg->have_cpu && s->cpu.policy == SPEC_POLICY_FAIR &&
	    (r = cgroup_write(vm->cpu, "cpu.weight", "%u", s->cpu.weight)) < 0)
		return fail_at(d, vm->cpu, "cpu.weight", r);
	if (cg->have_cpu && s->cpu.policy == SPEC_POLICY_CAP) {
		uint64_t quota =
		    (uint64_t)s->cpu.cap_pct * s->cpu.period_us / 100;

		if ((r = cgroup_write(vm->cpu, "cpu.max", "%" PRIu64 " %u",
			 quota < 1000 ? 1000 : quota, s->cpu.period_us)) < 0)
			return fail_at(d, vm->cpu, "cpu.max", r);
	}
	return 0;
}

int
cgroup_vm_create(struct cgroup *cg, const struct spec *s, uint32_t overhead_mib,
    struct cgroup_vm *ret, struct diag *d)
{
	struct cgroup_vm vm;
	int r = 0;

	memset(&vm, 0, sizeof(vm));
	if ((s->cpu.policy == SPEC_POLICY_FAIR ||
		s->cpu.policy == SPEC_POLICY_CAP) &&
	    !cg->have_cpu) {
		diag_set(d,
		    "cpu.policy: %s needs the cgroup cpu controller, "
		    "which this host does not offer",
		    spec_policy_name(s->cpu.policy));
		return -EOPNOTSUPP;
	}
	if (cg->env.mode == CGROUP_V1)
		r = vm_create_v1(cg, s, overhead_mib, &vm, d);
	else if (cg->env.mode == CGROUP_V2)
		r = vm_create_v2(cg, s, overhead_mib, &vm, d);
	if (r < 0) {
		cgroup_vm_destroy(cg, &vm);
		return r;
	}
	*ret = vm;
	return 0;
}

int
cgroup_vm_add_vcpu(struct cgroup *cg, struct cgroup_vm *vm, pid_t tid, bool rt)
{
	char rtdir[CGROUP_PATH_MAX + 8];

	if (cg->env.mode != CGROUP_V1 || !cg->have_cpu)
		return 0; /* v2: threads stay in the VM's group */
	if (rt) {
		if (!cg->rt_group)
			return 0;
		snprintf(rtdir, sizeof(rtdir), "%s/rt", cg->cpu);
		return cgroup_write(rtdir, "tasks", "%d", (int)tid);
	}
	return cgroup_write(vm->vcpu, "tasks", "%d", (int)tid);
}

void
cgroup_vm_destroy(struct cgroup *cg, struct cgroup_vm *vm)
{
	(void)cg;
	if (vm->vcpu[0] && strcmp(vm->vcpu, vm->cpu) != 0)
		rmdir(vm->vcpu);
	if (vm->cpu[0])
		rmdir(vm->cpu);
	if (vm->cpuset[0])
		rmdir(vm->cpuset);
	if (vm->memory[0])
		rmdir(vm->memory);
	memset(vm, 0, sizeof(*vm));
}
