/* cpupolicy.c - the CPU policy table and applying it to vCPU threads; the agent's thread. */
#include "agent/cpupolicy.h"

#include "core/error.h"

#include <fcntl.h>
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

static const struct cpupolicy_ops policies[] = {
	{ SPEC_POLICY_NONE, "none",
	    "ordinary Linux scheduling (SCHED_OTHER, default weight)", false,
	    SCHED_OTHER },
	{ SPEC_POLICY_FCFS, "fcfs",
	    "first come, first served: SCHED_FIFO at one priority; a vCPU runs "
	    "until it blocks",
	    true, SCHED_FIFO },
	{ SPEC_POLICY_RR, "rr",
	    "round robin: SCHED_RR at one priority in slices of slice_ms", true,
	    SCHED_RR },
	{ SPEC_POLICY_PRIORITY, "priority",
	    "strict priority: SCHED_FIFO at 1 + priority; higher always runs "
	    "first",
	    true, SCHED_FIFO },
	{ SPEC_POLICY_FAIR, "fair",
	    "fair share: CPU time in proportion to weight (cgroup cpu.shares / "
	    "cpu.weight)",
	    false, SCHED_OTHER },
	{ SPEC_POLICY_CAP, "cap",
	    "cap: at most cap_pct percent of a CPU per period_us (CFS quota)",
	    false, SCHED_OTHER },
};

const struct cpupolicy_ops *
cpupolicy_registry(uint32_t *ret_n)
{
	*ret_n = (uint32_t)ELEMENTSOF(policies);
	return policies;
}

const struct cpupolicy_ops *
cpupolicy_get(enum spec_policy p)
{
	return &policies[p];
}

int
cpupolicy_rt_priority(const struct spec_cpu *c)
{
	switch (c->policy) {
	case SPEC_POLICY_FCFS:
	case SPEC_POLICY_RR:
		return CPUPOLICY_RT_BASE;
	case SPEC_POLICY_PRIORITY:
		return 1 + (int)c->priority;
	default:
		return 0;
	}
}

static int
read_int(const char *path, int *ret)
{
	char buf[32];
	ssize_t n;
	int fd = open(path, O_RDONLY | O_CLOEXEC);

	if (fd < 0)
		return neg_errno();
	n = read(fd, buf, sizeof(buf) - 1);
	close(fd);
	if (n <= 0)
		return -EIO;
	buf[n] = '\0';
	*ret = atoi(buf);
	return 0;
}

static int
write_int(const char *path, int v)
{
	char buf[32];
	int len = snprintf(buf, sizeof(buf), "%d\n", v);
	int fd = open(path, O_WRONLY | O_CLOEXEC);
	ssize_t n;

	if (fd < 0)
		return neg_errno();
	n = write(fd, buf, (size_t)len);
	close(fd);
	return n == len ? 0 : n < 0 ? neg_errno() : -EIO;
}

int
cpupolicy_rr_acquire(
    struct cpupolicy_host *h, uint32_t slice_ms, struct diag *d)
{
	int r;

	if (h->users > 0) {
		if (h->cur_ms != (int)slice_ms) {
			diag_set(d,
			    "cpu.slice_ms: the host's round-robin slice is "
			    "%d ms while other rr VMs run, got %u",
			    h->cur_ms, slice_ms);
			return -EBUSY;
		}
		h->users++;
		return 0;
	}
	if ((r = read_int(h->sysctl, &h->orig_ms)) < 0) {
		diag_set(d, "cpu.slice_ms: cannot read %s: %s", h->sysctl,
		    strerror(-r));
		return r;
	}
	if (h->orig_ms != (int)slice_ms &&
	    (r = write_int(h->sysctl, (int)slice_ms)) < 0) {
		diag_set(d, "cpu.slice_ms: cannot set %s to %u: %s", h->sysctl,
		    slice_ms, strerror(-r));
		return r;
	}
	h->cur_ms = (int)slice_ms;
	h->users = 1;
	return 0;
}

void
cpupolicy_rr_release(struct cpupolicy_host *h)
{
	if (h->users == 0)
		return;
	if (--h->users == 0 && h->orig_ms != h->cur_ms)
		write_int(h->sysctl, h->orig_ms);
}

int
cpupolicy_apply(struct cgroup *cg, struct cgroup_vm *vm, const struct spec *s,
    const pid_t *tids, uint32_t n, struct diag *d)
{
	const struct cpupolicy_ops *p = cpupolicy_get(s->cpu.policy);
	struct sched_param sp = { .sched_priority =
				      cpupolicy_rt_priority(&s->cpu) };
	cpu_set_t set;
	bool pin = s->cpu.cpus[0] && !cg->have_cpuset;
	int r;

	if (pin) {
		uint64_t bits[SPEC_MAX_CPUS / 64];

		CPU_ZERO(&set);
		spec_cpulist_parse(s->cpu.cpus, bits, SPEC_MAX_CPUS);
		for (int c = 0; c < SPEC_MAX_CPUS && c < CPU_SETSIZE; c++)
			if (bits[c / 64] & (UINT64_C(1) << (c % 64)))
				CPU_SET(c, &set);
	}
	for (uint32_t i = 0; i < n; i++) {
		r = cgroup_vm_add_vcpu(cg, vm, tids[i], p->rt);
		if (r < 0) {
			diag_set(d,
			    "vCPU thread %d: cannot join its cgroup: %s",
			    (int)tids[i], strerror(-r));
			return r;
		}
		if (pin && sched_setaffinity(tids[i], sizeof(set), &set) < 0) {
			r = neg_errno();
			diag_set(d, "vCPU thread %d: sched_setaffinity: %s",
			    (int)tids[i], strerror(errno));
			return r;
		}
		if (p->sched_class == SCHED_OTHER)
			continue;
		if (sched_setscheduler(tids[i], p->sched_class, &sp) < 0) {
			r = neg_errno();
			diag_set(d,
			    "vCPU thread %d: sched_setscheduler(%s, %d): "
			    "%s%s%s",
			    (int)tids[i],
			    p->sched_class == SCHED_FIFO ? "SCHED_FIFO"
							 : "SCHED_RR",
			    sp.sched_priority, strerror(errno),
			    cg->rt_note[0] ? "; " : "", cg->rt_note);
			return r;
		}
	}
	return 0;
}
