/* accel.c - accelerator detection: /proc/cpuinfo flags plus a KVM_RUN probe in a child. */
#include "agent/accel.h"

#include "core/error.h"

#include <fcntl.h>
#include <linux/kvm.h>
#include <poll.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/wait.h>
#include <unistd.h>

const char *
accel_name(enum accel_kind k)
{
	return k == ACCEL_KVM ? "kvm" : "tcg";
}

bool
accel_cpuinfo_has_virt(const char *cpuinfo)
{
	for (const char *p = cpuinfo; p && *p;) {
		const char *e = strchr(p, '\n');
		size_t len = e ? (size_t)(e - p) : strlen(p);

		if (len > 5 && strncmp(p, "flags", 5) == 0) {
			/* Whole words only: " vmx " or " svm ". */
			for (size_t i = 0; i + 3 <= len; i++) {
				bool start = i == 0 || p[i - 1] == ' ' ||
				    p[i - 1] == '\t' || p[i - 1] == ':';
				bool end = i + 3 == len || p[i + 3] == ' ' ||
				    p[i + 3] == '\t';

				if (start && end &&
				    (strncmp(p + i, "vmx", 3) == 0 ||
					strncmp(p + i, "svm", 3) == 0))
					return true;
			}
		}
		p = e ? e + 1 : NULL;
	}
	return false;
}

/* The probe itself, in the child: returns an exit code, 0 = pass. */
static int
probe_child(const char *dev)
{
	/* mov $0x42,%al; out %al,$0x10; hlt */
	static const uint8_t code[] = { 0xb0, 0x42, 0xe6, 0x10, 0xf4 };
	struct kvm_userspace_memory_region region;
	struct kvm_sregs sregs;
	struct kvm_regs regs;
	struct kvm_run *run;
	int kvm, vm, vcpu, mmap_size;
	uint8_t *mem;

	kvm = open(dev, O_RDWR | O_CLOEXEC);
	if (kvm < 0)
		return 10;
	if (ioctl(kvm, KVM_GET_API_VERSION, 0) != KVM_API_VERSION)
		return 11;
	vm = ioctl(kvm, KVM_CREATE_VM, 0);
	if (vm < 0)
		return 12;
	mem = mmap(NULL, 0x1000, PROT_READ | PROT_WRITE,
	    MAP_SHARED | MAP_ANONYMOUS, -1, 0);
	if (mem == MAP_FAILED)
		return 13;
	memcpy(mem, code, sizeof(code));
	region = (struct kvm_userspace_memory_region){
		.slot = 0,
		.guest_phys_addr = 0x1000,
		.memory_size = 0x1000,
		.userspace_addr = (uint64_t)(uintptr_t)mem,
	};
	if (ioctl(vm, KVM_SET_USER_MEMORY_REGION, &region) < 0)
		return 14;
	vcpu = ioctl(vm, KVM_CREATE_VCPU, 0);
	if (vcpu < 0)
		return 15;
	mmap_size = ioctl(kvm, KVM_GET_VCPU_MMAP_SIZE, 0);
	if (mmap_size < (int)sizeof(*run))
		return 16;
	run = mmap(NULL, (size_t)mmap_size, PROT_READ | PROT_WRITE, MAP_SHARED,
	    vcpu, 0);
	if (run == MAP_FAILED)
		return 17;
	if (ioctl(vcpu, KVM_GET_SREGS, &sregs) < 0)
		return 18;
	sregs.cs.base = 0;
	sregs.cs.selector = 0;
	if (ioctl(vcpu, KVM_SET_SREGS, &sregs) < 0)
		return 19;
	memset(&regs, 0, sizeof(regs));
	regs.rip = 0x1000;
	regs.rflags = 0x2;
	if (ioctl(vcpu, KVM_SET_REGS, &regs) < 0)
		return 20;
	if (ioctl(vcpu, KVM_RUN, 0) < 0)
		return 21;
	if (run->exit_reason != KVM_EXIT_IO ||
	    run->io.direction != KVM_EXIT_IO_OUT || run->io.port != 0x10 ||
	    run->io.size != 1 ||
	    *((uint8_t *)run + run->io.data_offset) != 0x42)
		return 22;
	if (ioctl(vcpu, KVM_RUN, 0) < 0)
		return 23;
	if (run->exit_reason != KVM_EXIT_HLT)
		return 24;
	return 0;
}

static const char *
probe_step(int code)
{
	switch (code) {
	case 10:
		return "cannot open the device";
	case 11:
		return "unexpected KVM API version";
	case 12:
		return "KVM_CREATE_VM failed";
	case 14:
		return "KVM_SET_USER_MEMORY_REGION failed";
	case 15:
		return "KVM_CREATE_VCPU failed";
	case 21:
		return "the first KVM_RUN failed";
	case 22:
		return "the first KVM_RUN did not exit with OUT 0x42 to 0x10";
	case 23:
		return "the second KVM_RUN failed";
	case 24:
		return "the second KVM_RUN did not exit on HLT";
	default:
		return "setting up the probe failed";
	}
}

int
accel_kvm_probe(const char *dev, int timeout_ms, char *why, size_t n)
{
	int status = 0, waited = 0;
	pid_t pid, r;

	if (access(dev, R_OK | W_OK) < 0) {
		snprintf(why, n, "%s: %s", dev, strerror(errno));
		return -ENODEV;
	}
	pid = fork();
	if (pid < 0) {
		snprintf(why, n, "fork: %s", strerror(errno));
		return neg_errno();
	}
	if (pid == 0) {
		alarm((unsigned)(timeout_ms / 1000 + 1));
		_exit(probe_child(dev));
	}
	for (;;) {
		r = waitpid(pid, &status, WNOHANG);
		if (r == pid)
			break;
		if (r < 0) {
			snprintf(why, n, "waitpid: %s", strerror(errno));
			return neg_errno();
		}
		if (waited >= timeout_ms) {
			kill(pid, SIGKILL);
			waitpid(pid, &status, 0);
			snprintf(why, n,
			    "the KVM probe did not finish in %d ms",
			    timeout_ms);
			return -ETIMEDOUT;
		}
		poll(NULL, 0, 10);
		waited += 10;
	}
	if (WIFSIGNALED(status)) {
		snprintf(why, n, "the KVM probe died of signal %d",
		    WTERMSIG(status));
		return -EIO;
	}
	if (WEXITSTATUS(status) != 0) {
		snprintf(why, n, "the KVM probe failed: %s",
		    probe_step(WEXITSTATUS(status)));
		return -ENODEV;
	}
	snprintf(why, n, "KVM ran the probe (OUT then HLT)");
	return 0;
}

enum accel_kind
accel_detect(const char *force, char *why, size_t n)
{
	char probe[200];
	FILE *f;
	char *buf;
	size_t len;
	bool virt;

	if (force && strcmp(force, "tcg") == 0) {
		snprintf(why, n, "TCG as configured");
		return ACCEL_TCG;
	}
	if (force && strcmp(force, "kvm") == 0) {
		snprintf(why, n, "KVM as configured (detection skipped)");
		return ACCEL_KVM;
	}
	f = fopen("/proc/cpuinfo", "re");
	buf = malloc(1 << 20);
	len = (f && buf) ? fread(buf, 1, (1 << 20) - 1, f) : 0;
	if (f)
		fclose(f);
	if (buf)
		buf[len] = '\0';
	virt = buf && accel_cpuinfo_has_virt(buf);
	free(buf);
	if (!virt) {
		snprintf(why, n,
		    "TCG: the CPU advertises neither vmx nor svm in "
		    "/proc/cpuinfo (/dev/kvm %s)",
		    access("/dev/kvm", F_OK) == 0 ? "exists but is not trusted"
						  : "absent");
		return ACCEL_TCG;
	}
	if (accel_kvm_probe("/dev/kvm", 2000, probe, sizeof(probe)) < 0) {
		snprintf(why, n, "TCG: %s", probe);
		return ACCEL_TCG;
	}
	snprintf(why, n, "KVM: vmx/svm advertised and %s", probe);
	return ACCEL_KVM;
}
