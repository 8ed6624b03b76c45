/* accel.h - choosing QEMU's accelerator: KVM only when it really runs code, else TCG. */
#ifndef AGENT_ACCEL_H
#define AGENT_ACCEL_H

#include <stdbool.h>
#include <stddef.h>

enum accel_kind {
	ACCEL_TCG,
	ACCEL_KVM,
};

/* True when the text of /proc/cpuinfo advertises vmx or svm on a "flags"
 * line (pure). */
bool accel_cpuinfo_has_virt(const char *cpuinfo);

/*
 * Runs a real KVM probe in a child process (so a hanging or crashing
 * nested hypervisor cannot take the agent with it, bounded by timeout_ms):
 * a VM with one page of memory and one vCPU in real mode that executes
 * `mov $0x42,%al; out %al,$0x10; hlt`; the probe passes only when KVM_RUN
 * exits first with KVM_EXIT_IO on port 0x10 carrying 0x42 and then with
 * KVM_EXIT_HLT. 0 pass, or -errno with a reason in why.
 */
int accel_kvm_probe(const char *dev, int timeout_ms, char *why, size_t n);

/*
 * The accelerator to use: KVM when /proc/cpuinfo has vmx/svm AND the probe
 * passes, else TCG; why (n bytes) says which and why in one sentence for
 * the log. `force` "kvm"/"tcg" skips detection (NULL or "auto": detect).
 */
enum accel_kind accel_detect(const char *force, char *why, size_t n);

const char *accel_name(enum accel_kind k);

#endif
