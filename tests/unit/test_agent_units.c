/* test_agent_units.c - the agent's pure parts: spec, cpu lists, cgroup discovery, console cap, argv, API errors. */
#include "agent/accel.h"
#include "agent/api.h"
#include "agent/cgroup.h"
#include "agent/console.h"
#include "agent/cpupolicy.h"
#include "agent/loop.h"
#include "agent/qemu.h"
#include "agent/spec.h"
#include "tap.h"

#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

static void
spec_err(const char *json, const char *want)
{
	struct spec s;
	struct diag d = { 0 };
	int r = spec_parse(json, strlen(json), &s, &d);

	ok(r < 0 && strstr(d.msg, want), "refused: %s -> %s", json, d.msg);
	if (r == 0)
		spec_done(&s);
}

static void
test_spec(void)
{
	const char *full =
	    "{\"name\":\"web-1\",\"vcpus\":2,\"memory_mib\":256,"
	    "\"kernel\":\"/k\",\"initrd\":\"/i\",\"cmdline\":\"loglevel=3\","
	    "\"workload\":\"cpu:10\",\"machine\":\"q35\","
	    "\"cpu\":{\"policy\":\"cap\",\"cap_pct\":150,\"period_us\":50000,"
	    "\"cpus\":\"0-1\"},\"restart\":{\"policy\":\"on-failure\","
	    "\"backoff_ms\":100,\"backoff_max_ms\":800,\"max_restarts\":3},"
	    "\"console_max_bytes\":65536,\"heartbeat_timeout_ms\":3000,"
	    "\"stop_timeout_ms\":0}";
	struct spec s, c;
	struct diag d = { 0 };
	json_t *j;
	int r;

	r = spec_parse(full, strlen(full), &s, &d);
	is_int(r, 0, "a full spec parses (%s)", d.msg);
	ok(s.vcpus == 2 && s.memory_mib == 256 &&
		s.cpu.policy == SPEC_POLICY_CAP && s.cpu.cap_pct == 150 &&
		s.cpu.period_us == 50000 && strcmp(s.cpu.cpus, "0-1") == 0 &&
		s.restart == SPEC_RESTART_ON_FAILURE && s.max_restarts == 3 &&
		s.machine == SPEC_MACHINE_Q35 && s.stop_timeout_ms == 0 &&
		strcmp(s.workload, "cpu:10") == 0,
	    "every field is read");
	is_int(spec_copy(&c, &s), 0, "copy");
	j = spec_to_json(&c);
	ok(j &&
		strcmp(json_string_value(json_object_get(j, "kernel")), "/k") ==
		    0,
	    "to JSON");
	json_decref(j);
	spec_done(&c);
	spec_done(&s);

	{
		const char *min =
		    "{\"name\":\"a\",\"vcpus\":1,\"memory_mib\":64}";

		r = spec_parse(min, strlen(min), &s, &d);
	}
	ok(r == 0 && s.cpu.policy == SPEC_POLICY_NONE && s.cpu.weight == 100 &&
		s.restart == SPEC_RESTART_NEVER &&
		s.console_max_bytes == 1024 * 1024,
	    "defaults");
	spec_done(&s);

	spec_err("{\"vcpus\":1,\"memory_mib\":64}", "name: required");
	spec_err("{\"name\":\"a\",\"memory_mib\":64}", "vcpus: required");
	spec_err("{\"name\":\"a\",\"vcpus\":1}", "memory_mib: required");
	spec_err("{\"name\":\"a\",\"vcpus\":1,\"memory_mib\":0}", "memory_mib");
	spec_err("{\"name\":\"a\",\"vcpus\":1,\"memory_mib\":8}",
	    "memory_mib: must be at least 16");
	spec_err("{\"name\":\"a\",\"vcpus\":0,\"memory_mib\":64}", "vcpus");
	spec_err("{\"name\":\"../x\",\"vcpus\":1,\"memory_mib\":64}", "name:");
	spec_err("{\"name\":\"a\",\"vcpus\":1,\"memory_mib\":64,\"cpu\":"
		 "{\"policy\":\"lottery\"}}",
	    "cpu.policy: unknown policy 'lottery'");
	spec_err("{\"name\":\"a\",\"vcpus\":1,\"memory_mib\":64,\"cpu\":"
		 "{\"policy\":\"cap\"}}",
	    "cpu.cap_pct: required");
	spec_err("{\"name\":\"a\",\"vcpus\":1,\"memory_mib\":64,\"cpu\":"
		 "{\"policy\":\"cap\",\"cap_pct\":101}}",
	    "cpu.cap_pct");
	spec_err("{\"name\":\"a\",\"vcpus\":1,\"memory_mib\":64,\"cpu\":"
		 "{\"cpus\":\"3-1\"}}",
	    "cpu.cpus");
	spec_err("{\"name\":\"a\",\"vcpus\":1,\"memory_mib\":64,\"workload\":"
		 "\"cpu 1 init=/bin/sh\"}",
	    "workload:");
	spec_err("{\"name\":\"a\",\"vcpus\":1,\"memory_mib\":64,\"cmdline\":"
		 "\"a\\nb\"}",
	    "cmdline: must not contain control");
	spec_err("{\"name\":\"a\",\"vcpus\":1,\"memory_mib\":64,\"restart\":"
		 "{\"policy\":\"sometimes\"}}",
	    "restart.policy");
	spec_err("{\"name\":\"a\",\"vcpus\":1,\"memory_mib\":64,\"restart\":"
		 "{\"backoff_ms\":1000,\"backoff_max_ms\":10}}",
	    "restart.backoff_max_ms");
	spec_err("{\"name\":\"a\",\"vcpus\":1,\"memory_mib\":64,\"initrd\":"
		 "\"/i\"}",
	    "initrd: needs a kernel");
	spec_err("{\"name\":\"a\",\"vcpus\":1,\"memory_mib\":64,\"disk\":"
		 "\"/d\"}",
	    "machine:");
	spec_err("[1]", "must be an object");
	spec_err("{\"name\":\"a\",\"name\":\"b\"}", "duplicate");
}

static void
test_cpulist(void)
{
	uint64_t b[2];

	is_int(spec_cpulist_parse("0-2,5,64", b, 128), 0, "cpu list parses");
	ok(b[0] == 0x27 && b[1] == 1, "bits 0-2, 5 and 64");
	ok(spec_cpulist_parse("", b, 128) < 0 &&
		spec_cpulist_parse("1,", b, 128) < 0 &&
		spec_cpulist_parse("a", b, 128) < 0 &&
		spec_cpulist_parse("2-1", b, 128) < 0 &&
		spec_cpulist_parse("128", b, 128) < 0 &&
		spec_cpulist_parse("1-", b, 128) < 0,
	    "bad cpu lists are refused");
}

static void
test_cgroup_env(void)
{
	const char *mi =
	    "30 25 0:26 / /sys/fs/cgroup/cpu rw,relatime - cgroup cgroup "
	    "rw,cpu\n"
	    "31 25 0:27 / /sys/fs/cgroup/cpuset rw - cgroup cgroup rw,cpuset\n"
	    "32 25 0:28 / /sys/fs/cgroup/memory rw - cgroup cgroup "
	    "rw,memory\n"
	    "33 25 0:29 / /sys/fs/cgroup/unified rw - cgroup2 cgroup2 rw\n";
	const char *self = "4:memory:/api/x\n3:cpuset:/\n1:cpu:/\n0::/\n";
	const char *mi2 = "30 25 0:26 / /sys/fs/cgroup rw - cgroup2 cgroup2 "
			  "rw,nsdelegate\n";
	const char *self2 = "0::/user.slice/vmgr.service\n";
	struct cgroup_env e;

	cgroup_env_parse(mi, self, NULL, &e);
	ok(e.mode == CGROUP_V1, "v1 hierarchies found");
	is_str(e.cpu, "/sys/fs/cgroup/cpu", "cpu: the agent's own group");
	is_str(e.memory, "/sys/fs/cgroup/memory/api/x",
	    "memory: nested below the agent's own group");
	is_str(e.cpu_root, "/sys/fs/cgroup/cpu", "the cpu hierarchy's root");
	cgroup_env_parse(mi2, self2, "cpuset cpu io memory pids", &e);
	ok(e.mode == CGROUP_V2, "v2 found");
	is_str(e.unified, "/sys/fs/cgroup/user.slice/vmgr.service",
	    "v2: the agent's own group");
	cgroup_env_parse(mi2, self2, "pids", &e);
	ok(e.mode == CGROUP_NONE, "v2 without cpu and memory: none");
	cgroup_env_parse("", "", NULL, &e);
	ok(e.mode == CGROUP_NONE, "nothing mounted: none");
}

struct lines {
	int n, beats;
};

static void
on_line(void *ud, const char *line)
{
	struct lines *l = ud;

	l->n++;
	if (strncmp(line, "vmgr-heartbeat", 14) == 0)
		l->beats++;
}

static long
size_of(const char *p)
{
	struct stat st;

	return stat(p, &st) == 0 ? (long)st.st_size : 0;
}

static void
test_console(void)
{
	char dir[] = "/tmp/vmgr-console-XXXXXX", path[128], old[140];
	struct console c;
	struct lines l = { 0 };
	char buf[1000];

	if (!mkdtemp(dir)) {
		ok(0, "mkdtemp");
		return;
	}
	snprintf(path, sizeof(path), "%s/console.log", dir);
	snprintf(old, sizeof(old), "%s.1", path);
	is_int(console_open(&c, path, 10000), 0, "console log opens");
	memset(buf, 'x', sizeof(buf));
	buf[sizeof(buf) - 1] = '\n';
	for (int i = 0; i < 1000; i++)
		console_feed(&c, buf, sizeof(buf), on_line, &l);
	console_feed(&c, "vmgr-heartbeat 1\r\nvmgr-heart", 28, on_line, &l);
	console_feed(&c, "beat 2\n", 7, on_line, &l);
	console_close(&c);
	ok(size_of(path) + size_of(old) <= 10000,
	    "1 MB into a 10000-byte cap: %ld + %ld bytes on disk",
	    size_of(path), size_of(old));
	ok(c.rotations > 0 && c.total == 1000 * 1000 + 35,
	    "rotated %llu times, %llu bytes seen",
	    (unsigned long long)c.rotations, (unsigned long long)c.total);
	ok(l.n == 1002 && l.beats == 2,
	    "every line scanned, split heartbeats too (%d lines, %d beats)",
	    l.n, l.beats);
	{
		/* Reading back: the stream's offsets across both files. */
		char rb[20000];
		uint64_t off;
		size_t n;

		is_int(console_read(&c, 0, rb, sizeof(rb), &off, &n), 0,
		    "read from 0");
		ok(off == c.total - (c.half + c.cur) && n == c.half + c.cur &&
			memcmp(rb + n - 35,
			    "vmgr-heartbeat 1\r\nvmgr-heartbeat 2\n", 35) == 0,
		    "read from 0 starts at the oldest byte kept (%llu) and "
		    "ends with the last line (%zu bytes)",
		    (unsigned long long)off, n);
		console_read(&c, c.total - 10, rb, sizeof(rb), &off, &n);
		ok(off == c.total - 10 && n == 10 &&
			memcmp(rb, "artbeat 2\n", 10) == 0,
		    "read the last 10 bytes");
		console_read(&c, c.total - c.cur - 4, rb, 8, &off, &n);
		ok(n == 8 && off == c.total - c.cur - 4,
		    "a read across the two files");
		console_read(&c, c.total + 100, rb, sizeof(rb), &off, &n);
		ok(off == c.total && n == 0, "beyond the end: nothing");
	}
	unlink(path);
	unlink(old);
	rmdir(dir);
}

static void
test_qemu_argv(void)
{
	struct spec s;
	struct diag d = { 0 };
	struct qemu_opts o = { .binary = "qemu-system-x86_64",
		.accel = ACCEL_TCG,
		.tsc_khz = 2600000 };
	struct qemu_args a;
	const char *j = "{\"name\":\"a\",\"vcpus\":2,\"memory_mib\":128,"
			"\"kernel\":\"/k\",\"initrd\":\"/i\",\"workload\":"
			"\"cpu:5\",\"disk\":\"/d,x\"}";
	char *line;

	spec_parse(j, strlen(j), &s, &d);
	is_int(qemu_argv_build(&s, &o, 7, 9, &a), 0, "argv builds");
	line = qemu_args_join(&a);
	ok(line && strstr(line, "-M microvm,acpi=on") &&
		strstr(line, "-accel tcg,tb-size=64") &&
		strstr(line, "-m 128 -smp 2") &&
		strstr(line, "socket,id=qmp,fd=7,server=on,wait=off") &&
		strstr(line, "socket,id=con,fd=9") &&
		strstr(line, "-sandbox on,") && strstr(line, " -S ") &&
		strstr(line, "-device pvpanic") &&
		strstr(line, "tsc_early_khz=2600000") &&
		strstr(line, "vmgr.workload=cpu:5") &&
		strstr(line, "file=/d,,x,"),
	    "argv: %s", line ? line : "(null)");
	free(line);
	qemu_args_done(&a);
	spec_done(&s);
	is_int((int64_t)qemu_tsc_khz("cpu MHz\t\t: 2599.998\n"), 2599998,
	    "TSC kHz from cpuinfo");
	is_int((int64_t)qemu_tsc_khz("nothing"), 0, "no TSC: 0");
}

static void
test_accel(void)
{
	char why[200];

	ok(accel_cpuinfo_has_virt("flags\t\t: fpu vme vmx sse\n"), "vmx");
	ok(accel_cpuinfo_has_virt("flags\t: fpu svm\n"), "svm at the end");
	ok(!accel_cpuinfo_has_virt("flags\t: fpu vmxx hypervisor\n"),
	    "no vmx: a longer word does not count");
	ok(!accel_cpuinfo_has_virt("model name: svm vmx\nflags: fpu\n"),
	    "only the flags line counts");
	is_int(accel_detect("tcg", why, sizeof(why)), ACCEL_TCG, "forced TCG");
	ok(accel_kvm_probe("/nonexistent/kvm", 100, why, sizeof(why)) < 0,
	    "the probe fails without a device: %s", why);
	accel_detect(NULL, why, sizeof(why));
	tap_diag("this host: %s", why);
}

static void
test_api_errors(void)
{
	json_t *e = api_error_body("cpu.policy: unknown policy 'x'");

	is_str(json_string_value(json_object_get(e, "field")), "cpu.policy",
	    "the field is the diagnostic's leading path");
	json_decref(e);
	e = api_error_body("VM 'a' is paused, not running");
	ok(!json_object_get(e, "field"), "a sentence names no field");
	json_decref(e);
}

static void
test_rr_slice(void)
{
	char path[] = "/tmp/vmgr-rr-XXXXXX";
	int fd = mkstemp(path);
	struct cpupolicy_host h = { .sysctl = path };
	struct diag d = { 0 };
	char buf[16] = "";

	if (fd < 0 || write(fd, "100\n", 4) != 4) {
		ok(0, "temp sysctl");
		return;
	}
	close(fd);
	is_int(cpupolicy_rr_acquire(&h, 25, &d), 0, "first rr VM sets 25 ms");
	is_int(cpupolicy_rr_acquire(&h, 25, &d), 0, "same slice: shared");
	is_int(cpupolicy_rr_acquire(&h, 50, &d), -EBUSY,
	    "another slice while rr VMs run: -EBUSY (%s)", d.msg);
	cpupolicy_rr_release(&h);
	cpupolicy_rr_release(&h);
	fd = open(path, O_RDONLY);
	if (fd >= 0 && read(fd, buf, sizeof(buf) - 1) > 0)
		ok(atoi(buf) == 100, "the last restores the original (%d)",
		    atoi(buf));
	else
		ok(0, "read back");
	if (fd >= 0)
		close(fd);
	unlink(path);
	is_int(cpupolicy_rt_priority(&(struct spec_cpu){
		   .policy = SPEC_POLICY_PRIORITY, .priority = 7 }),
	    8, "priority 7 -> SCHED_FIFO 8");
}

struct ping {
	int reads, ticks;
};

static void
on_read(struct loop_watch *w, uint32_t ev)
{
	struct ping *p = w->ud;
	char c;

	(void)ev;
	if (read(w->fd, &c, 1) == 1)
		p->reads++;
}

static void
on_tick(struct loop_tick *t)
{
	((struct ping *)t->ud)->ticks++;
}

static void
test_loop(void)
{
	struct loop *l = NULL;
	struct ping p = { 0 };
	int fds[2];
	struct loop_watch w;
	struct loop_tick t = { .cb = on_tick, .ud = &p };

	if (loop_new(10, &l) < 0 || pipe(fds) < 0) {
		ok(0, "loop");
		return;
	}
	w = (struct loop_watch){
		.fd = fds[0], .events = 1 /* EPOLLIN */, .cb = on_read, .ud = &p
	};
	is_int(loop_add(l, &w), 0, "watch added");
	loop_add_tick(l, &t);
	if (write(fds[1], "x", 1) != 1)
		ok(0, "write");
	loop_run_once(l, 100);
	loop_run_once(l, 5);
	ok(p.reads == 1 && p.ticks == 2, "one read, a tick per iteration");
	loop_del(l, &w);
	loop_del_tick(l, &t);
	loop_free(l);
	close(fds[0]);
	close(fds[1]);
}

int
main(void)
{
	test_spec();
	test_cpulist();
	test_cgroup_env();
	test_console();
	test_qemu_argv();
	test_accel();
	test_api_errors();
	test_rr_slice();
	test_loop();
	return tap_done();
}
