/* spec.c - VM spec parsing and validation (pure: no I/O). */
#include "agent/spec.h"

#include "core/jv.h"
#include "core/mem.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static const char *const policy_names[] = {
	[SPEC_POLICY_NONE] = "none",
	[SPEC_POLICY_FCFS] = "fcfs",
	[SPEC_POLICY_RR] = "rr",
	[SPEC_POLICY_PRIORITY] = "priority",
	[SPEC_POLICY_FAIR] = "fair",
	[SPEC_POLICY_CAP] = "cap",
	NULL,
};

static const char *const restart_names[] = {
	[SPEC_RESTART_NEVER] = "never",
	[SPEC_RESTART_ALWAYS] = "always",
	[SPEC_RESTART_ON_FAILURE] = "on-failure",
	NULL,
};

static const char *const machine_names[] = {
	[SPEC_MACHINE_MICROVM] = "microvm",
	[SPEC_MACHINE_Q35] = "q35",
	NULL,
};

const char *
spec_policy_name(enum spec_policy p)
{
	return policy_names[p];
}

const char *
spec_restart_name(enum spec_restart r)
{
	return restart_names[r];
}

const char *
spec_machine_name(enum spec_machine m)
{
	return machine_names[m];
}

/* A string member that must be one of names[]; absent leaves *ret. */
static int
get_enum(const json_t *obj, const char *key, const char *path,
    const char *const *names, uint32_t *ret, struct diag *d)
{
	const char *s;
	char p[256], list[256];
	size_t off = 0;
	int r;

	r = jv_get_str(obj, key, path, 32, &s, d);
	if (r == -ENOENT)
		return 0;
	if (r < 0)
		return r;
	for (uint32_t i = 0; names[i]; i++) {
		if (strcmp(s, names[i]) == 0) {
			*ret = i;
			return 0;
		}
	}
	list[0] = '\0';
	for (uint32_t i = 0; names[i] && off < sizeof(list); i++)
		off += (size_t)snprintf(list + off, sizeof(list) - off, "%s%s",
		    i ? ", " : "", names[i]);
	jv_path_key(p, sizeof(p), path, key);
	diag_set(d, "%s: unknown %s '%s' (valid: %s)", p,
	    strcmp(key, "policy") == 0 ? "policy" : "value", s, list);
	return -EINVAL;
}

/* Optional integer member into a uint32_t. */
static int
get_u32(const json_t *obj, const char *key, const char *path, int64_t min,
    int64_t max, uint32_t *ret, struct diag *d)
{
	int64_t x;
	int r = jv_get_int(obj, key, path, min, max, &x, d);

	if (r == -ENOENT)
		return 0;
	if (r < 0)
		return r;
	*ret = (uint32_t)x;
	return 0;
}

/* Optional string member copied into an owned string. */
static int
get_dup(const json_t *obj, const char *key, const char *path, size_t max,
    char **ret, struct diag *d)
{
	const char *s;
	int r = jv_get_str(obj, key, path, max, &s, d);

	if (r == -ENOENT)
		return 0;
	if (r < 0)
		return r;
	for (const char *c = s; *c; c++) {
		if ((unsigned char)*c < 0x20 || *c == 0x7f) {
			char p[256];

			jv_path_key(p, sizeof(p), path, key);
			diag_set(
			    d, "%s: must not contain control characters", p);
			return -EINVAL;
		}
	}
	*ret = mem_strdup(s);
	return *ret ? 0 : -ENOMEM;
}

int
spec_cpulist_parse(const char *s, uint64_t *bits, uint32_t nbits)
{
	const char *p = s;

	memset(bits, 0, ((nbits + 63) / 64) * sizeof(uint64_t));
	if (!*p)
		return -EINVAL;
	while (*p) {
		unsigned long a, b;
		char *end;

		if (*p < '0' || *p > '9')
			return -EINVAL;
		a = strtoul(p, &end, 10);
		b = a;
		p = end;
		if (*p == '-') {
			p++;
			if (*p < '0' || *p > '9')
				return -EINVAL;
			b = strtoul(p, &end, 10);
			p = end;
		}
		if (a > b || b >= nbits)
			return -EINVAL;
		for (unsigned long i = a; i <= b; i++)
			bits[i / 64] |= UINT64_C(1) << (i % 64);
		if (*p == ',') {
			p++;
			if (!*p)
				return -EINVAL;
		} else if (*p) {
			return -EINVAL;
		}
	}
	return 0;
}

static int
parse_cpu(const json_t *c, struct spec *s, struct diag *d)
{
	static const char *const keys[] = { "policy", "priority", "weight",
		"cap_pct", "period_us", "slice_ms", "cpus", NULL };
	uint32_t pol = SPEC_POLICY_NONE;
	uint64_t bits[SPEC_MAX_CPUS / 64];
	const char *cpus;
	int r;

	if ((r = jv_expect_object(c, "cpu", d)) < 0 ||
	    (r = jv_check_keys(c, "cpu", keys, d)) < 0)
		return r;
	if ((r = get_enum(c, "policy", "cpu", policy_names, &pol, d)) < 0)
		return r;
	s->cpu.policy = (enum spec_policy)pol;
	if ((r = get_u32(c, "priority", "cpu", 0, 97, &s->cpu.priority, d)) <
		0 ||
	    (r = get_u32(c, "weight", "cpu", 1, 10000, &s->cpu.weight, d)) <
		0 ||
	    (r = get_u32(c, "cap_pct", "cpu", 1, 100 * (int64_t)s->vcpus,
		 &s->cpu.cap_pct, d)) < 0 ||
	    (r = get_u32(c, "period_us", "cpu", 1000, 1000000,
		 &s->cpu.period_us, d)) < 0 ||
	    (r = get_u32(c, "slice_ms", "cpu", 1, 10000, &s->cpu.slice_ms, d)) <
		0)
		return r;
	r = jv_get_str(c, "cpus", "cpu", sizeof(s->cpu.cpus) - 1, &cpus, d);
	if (r < 0 && r != -ENOENT)
		return r;
	if (r == 0) {
		if (spec_cpulist_parse(cpus, bits, SPEC_MAX_CPUS) < 0) {
			diag_set(d,
			    "cpu.cpus: must be a cpu list like \"0-1,3\" "
			    "(CPUs below %u), got \"%s\"",
			    SPEC_MAX_CPUS, cpus);
			return -EINVAL;
		}
		snprintf(s->cpu.cpus, sizeof(s->cpu.cpus), "%s", cpus);
	}
	if (s->cpu.policy == SPEC_POLICY_CAP &&
	    !json_object_get(c, "cap_pct")) {
		diag_set(d, "cpu.cap_pct: required by policy cap");
		return -EINVAL;
	}
	return 0;
}

static int
parse_restart(const json_t *c, struct spec *s, struct diag *d)
{
	static const char *const keys[] = { "policy", "backoff_ms",
		"backoff_max_ms", "max_restarts", NULL };
	uint32_t pol = SPEC_RESTART_NEVER;
	int r;

	if ((r = jv_expect_object(c, "restart", d)) < 0 ||
	    (r = jv_check_keys(c, "restart", keys, d)) < 0 ||
	    (r = get_enum(c, "policy", "restart", restart_names, &pol, d)) < 0)
		return r;
	s->restart = (enum spec_restart)pol;
	if ((r = get_u32(c, "backoff_ms", "restart", 1, 3600000, &s->backoff_ms,
		 d)) < 0 ||
	    (r = get_u32(c, "backoff_max_ms", "restart", 1, 3600000,
		 &s->backoff_max_ms, d)) < 0 ||
	    (r = get_u32(c, "max_restarts", "restart", 0, 1000000,
		 &s->max_restarts, d)) < 0)
		return r;
	if (s->backoff_max_ms < s->backoff_ms) {
		diag_set(d,
		    "restart.backoff_max_ms: must be at least "
		    "backoff_ms");
		return -EINVAL;
	}
	return 0;
}

static int
parse_workload(const json_t *v, struct spec *s, struct diag *d)
{
	const char *w;
	int r = jv_get_str(v, "workload", "", SPEC_WORKLOAD_MAX, &w, d);

	if (r == -ENOENT)
		return 0;
	if (r < 0)
		return r;
	/* It goes on the kernel command line: one word, no quoting. */
	for (const char *c = w; *c; c++) {
		if (!((*c >= 'a' && *c <= 'z') || (*c >= '0' && *c <= '9') ||
			*c == ':' || *c == '-' || *c == '_' || *c == '.')) {
			diag_set(d,
			    "workload: must be KIND[:ARG] of a-z 0-9 : - _ . "
			    "(e.g. \"cpu:10\"), got \"%s\"",
			    w);
			return -EINVAL;
		}
	}
	snprintf(s->workload, sizeof(s->workload), "%s", w);
	return 0;
}

static int
parse_body(const json_t *v, struct spec *s, struct diag *d)
{
	static const char *const keys[] = { "name", "vcpus", "memory_mib",
		"kernel", "initrd", "disk", "cmdline", "workload", "machine",
		"cpu", "restart", "console_max_bytes", "heartbeat_timeout_ms",
		"stop_timeout_ms", "incoming", "self_fence", "tag", NULL };
	const json_t *x;
	const char *name;
	int64_t n;
	uint32_t m = SPEC_MACHINE_MICROVM;
	int r;

	if ((r = jv_expect_object(v, "", d)) < 0 ||
	    (r = jv_check_keys(v, "", keys, d)) < 0)
		return r;
	r = jv_get_str(v, "name", "", SPEC_NAME_MAX, &name, d);
	if (r == -ENOENT) {
		diag_set(d, "name: required");
		return -EINVAL;
	}
	if (r < 0)
		return r;
	for (const char *c = name; *c; c++) {
		if (!((*c >= 'a' && *c <= 'z') || (*c >= 'A' && *c <= 'Z') ||
			(*c >= '0' && *c <= '9') || *c == '-' || *c == '_' ||
			(*c == '.' && c != name))) {
			diag_set(d,
			    "name: must be letters, digits, '-', '_' or '.' "
			    "(not first), got \"%s\"",
			    name);
			return -EINVAL;
		}
	}
	snprintf(s->name, sizeof(s->name), "%s", name);
	r = jv_get_int(v, "vcpus", "", 1, 256, &n, d);
	if (r == -ENOENT) {
		diag_set(d, "vcpus: required");
		return -EINVAL;
	}
	if (r < 0)
		return r;
	s->vcpus = (uint32_t)n;
	r = jv_get_int(v, "memory_mib", "", 1, 1 << 20, &n, d);
	if (r == -ENOENT) {
		diag_set(d, "memory_mib: required");
		return -EINVAL;
	}
	if (r < 0)
		return r;
	if (n < 16) {
		diag_set(d,
		    "memory_mib: must be at least 16 (a Linux guest needs "
		    "it), got %lld",
		    (long long)n);
		return -EINVAL;
	}
	s->memory_mib = (uint32_t)n;
	if ((r = get_dup(v, "kernel", "", SPEC_PATH_MAX, &s->kernel, d)) < 0 ||
	    (r = get_dup(v, "initrd", "", SPEC_PATH_MAX, &s->initrd, d)) < 0 ||
	    (r = get_dup(v, "disk", "", SPEC_PATH_MAX, &s->disk, d)) < 0 ||
	    (r = get_dup(v, "cmdline", "", SPEC_CMDLINE_MAX, &s->cmdline, d)) <
		0 ||
	    (r = parse_workload(v, s, d)) < 0 ||
	    (r = get_enum(v, "machine", "", machine_names, &m, d)) < 0)
		return r;
	s->machine = (enum spec_machine)m;
	if (s->initrd && !s->kernel) {
		diag_set(d, "initrd: needs a kernel");
		return -EINVAL;
	}
	if (s->disk && !s->kernel && s->machine == SPEC_MACHINE_MICROVM) {
		diag_set(d,
		    "machine: a disk without a kernel boots through "
		    "firmware: use \"q35\"");
		return -EINVAL;
	}
	if ((x = json_object_get(v, "cpu")) && (r = parse_cpu(x, s, d)) < 0)
		return r;
	if ((x = json_object_get(v, "restart")) &&
	    (r = parse_restart(x, s, d)) < 0)
		return r;
	r = jv_get_int(
	    v, "console_max_bytes", "", 4096, INT64_C(1) << 34, &n, d);
	if (r < 0 && r != -ENOENT)
		return r;
	if (r == 0)
		s->console_max_bytes = (uint64_t)n;
	if ((r = get_u32(v, "heartbeat_timeout_ms", "", 100, 3600000,
		 &s->heartbeat_timeout_ms, d)) < 0 ||
	    (r = get_u32(v, "stop_timeout_ms", "", 0, 3600000,
		 &s->stop_timeout_ms, d)) < 0)
		return r;
	r = jv_get_bool(v, "incoming", "", &s->incoming, d);
	if (r < 0 && r != -ENOENT)
		return r;
	r = jv_get_bool(v, "self_fence", "", &s->self_fence, d);
	if (r < 0 && r != -ENOENT)
		return r;
	r = jv_get_str(v, "tag", "", SPEC_TAG_MAX, &name, d);
	if (r < 0 && r != -ENOENT)
		return r;
	if (r == 0) {
		for (const char *c = name; *c; c++)
			if ((unsigned char)*c < 0x20 ||
			    (unsigned char)*c > 0x7e) {
				diag_set(d, "tag: printable ASCII only");
				return -EINVAL;
			}
		snprintf(s->tag, sizeof(s->tag), "%s", name);
	}
	return 0;
}

int
spec_from_json(const json_t *v, struct spec *ret, struct diag *d)
{
	struct spec s = {
		.cpu = { .weight = 100, .period_us = 100000, .slice_ms = 100 },
		.backoff_ms = 500,
		.backoff_max_ms = 30000,
		.max_restarts = 10,
		.console_max_bytes = 1024 * 1024,
		.heartbeat_timeout_ms = 5000,
		.stop_timeout_ms = 10000,
	};
	int r = parse_body(v, &s, d);

	if (r < 0) {
		spec_done(&s);
		return r;
	}
	*ret = s;
	return 0;
}

int
spec_parse(const char *buf, size_t len, struct spec *ret, struct diag *d)
{
	json_t *v;
	int r;

	if (len > SPEC_MAX_BYTES) {
		diag_set(d, "spec larger than %u bytes", SPEC_MAX_BYTES);
		return -EMSGSIZE;
	}
	r = jv_parse(buf, len, &v, d);
	if (r < 0)
		return r;
	r = spec_from_json(v, ret, d);
	json_decref(v);
	return r;
}

void
spec_done(struct spec *s)
{
	if (!s)
		return;
	free(s->kernel);
	free(s->initrd);
	free(s->disk);
	free(s->cmdline);
	s->kernel = s->initrd = s->disk = s->cmdline = NULL;
}

int
spec_copy(struct spec *dst, const struct spec *src)
{
	struct spec c = *src;

	c.kernel = c.initrd = c.disk = c.cmdline = NULL;
	if ((src->kernel && !(c.kernel = mem_strdup(src->kernel))) ||
	    (src->initrd && !(c.initrd = mem_strdup(src->initrd))) ||
	    (src->disk && !(c.disk = mem_strdup(src->disk))) ||
	    (src->cmdline && !(c.cmdline = mem_strdup(src->cmdline)))) {
		spec_done(&c);
		return -ENOMEM;
	}
	*dst = c;
	return 0;
}

static int
set_str(json_t *o, const char *k, const char *v)
{
	return v ? json_object_set_new(o, k, json_string(v)) : 0;
}

json_t *
spec_to_json(const struct spec *s)
{
	json_t *o, *cpu, *rs;

	o = json_pack("{s:s, s:I, s:I, s:s, s:I, s:I, s:I}", "name", s->name,
	    "vcpus", (json_int_t)s->vcpus, "memory_mib",
	    (json_int_t)s->memory_mib, "machine", machine_names[s->machine],
	    "console_max_bytes", (json_int_t)s->console_max_bytes,
	    "heartbeat_timeout_ms", (json_int_t)s->heartbeat_timeout_ms,
	    "stop_timeout_ms", (json_int_t)s->stop_timeout_ms);
	cpu = json_pack("{s:s, s:I, s:I, s:I, s:I}", "policy",
	    policy_names[s->cpu.policy], "priority",
	    (json_int_t)s->cpu.priority, "weight", (json_int_t)s->cpu.weight,
	    "period_us", (json_int_t)s->cpu.period_us, "slice_ms",
	    (json_int_t)s->cpu.slice_ms);
	if (cpu && s->cpu.cap_pct)
		json_object_set_new(
		    cpu, "cap_pct", json_integer((json_int_t)s->cpu.cap_pct));
	rs = json_pack("{s:s, s:I, s:I, s:I}", "policy",
	    restart_names[s->restart], "backoff_ms", (json_int_t)s->backoff_ms,
	    "backoff_max_ms", (json_int_t)s->backoff_max_ms, "max_restarts",
	    (json_int_t)s->max_restarts);
	if (!o || !cpu || !rs) {
		json_decref(o);
		json_decref(cpu);
		json_decref(rs);
		return NULL;
	}
	if (s->cpu.cpus[0])
		json_object_set_new(cpu, "cpus", json_string(s->cpu.cpus));
	json_object_set_new(o, "cpu", cpu);
	json_object_set_new(o, "restart", rs);
	set_str(o, "kernel", s->kernel);
	set_str(o, "initrd", s->initrd);
	set_str(o, "disk", s->disk);
	set_str(o, "cmdline", s->cmdline);
	if (s->workload[0])
		set_str(o, "workload", s->workload);
	if (s->incoming)
		json_object_set_new(o, "incoming", json_true());
	if (s->self_fence)
		json_object_set_new(o, "self_fence", json_true());
	if (s->tag[0])
		set_str(o, "tag", s->tag);
	return o;
}
