/* scenario.c - parse scenario JSON into a cluster, with path-named errors. */
#include "model/scenario.h"

#include "core/cleanup.h"
#include "core/jv.h"
#include "core/mem.h"
#include "model/explain.h"

#include <inttypes.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define PARAMS_TEXT_MAX 1024

static const char *const top_keys[] = { "description", "preset", "allocation",
	"scheduling", "seed", "n_plus_one", "hosts", "vms", NULL };
static const char *const host_keys[] = { "name", "count", "cpu_milli",
	"memory_mib", "disk_gib", "net_mbps", "overcommit", "state", "perf",
	"labels", NULL };
static const char *const vm_keys[] = { "name", "count", "cpu_milli",
	"memory_mib", "disk_gib", "net_mbps", "priority", "perf_class",
	"affinity", "anti_affinity", "ha", "requires", "host", "workload",
	NULL };
static const char *const dim_short[] = { "cpu", "memory", "disk", "net", NULL };

/* Parser state beyond the scenario itself. */
struct pctx {
	struct scenario *s;
	uint32_t cap_arrivals;
	uint32_t n_hosts, n_vms; /* entries so far, counts expanded */
};

struct scenario *
scenario_free(struct scenario *s)
{
	if (!s)
		return NULL;
	cluster_free(s->cluster);
	free(s->arrivals);
	free(s->description);
	free(s->preset);
	free(s->allocation.name);
	free(s->allocation.params);
	free(s->scheduling.name);
	free(s->scheduling.params);
	free(s);
	return NULL;
}

static int
oom(struct diag *d)
{
	diag_set(d, "out of memory");
	return -ENOMEM;
}

/* Optional string member copied into *ret. */
static int
get_strdup(const json_t *obj, const char *key, const char *path, size_t max_len,
    char **ret, struct diag *d)
{
	const char *s;
	int r = jv_get_str(obj, key, path, max_len, &s, d);

	if (r == -ENOENT)
		return 0;
	if (r < 0)
		return r;
	*ret = strdup(s);
	return *ret ? 0 : oom(d);
}

/* {"cpu": 1000} style resource fields: required ones must be positive. */
static int
get_res(const json_t *obj, const char *path, bool positive_cpu_mem,
    struct res *ret, struct diag *d)
{
	int r;

	for (int dim = 0; dim < RES_NDIM; dim++) {
		bool must =
		    positive_cpu_mem && (dim == RES_CPU || dim == RES_MEM);
		char p[256];

		r = jv_get_int(obj, res_dim_key((enum res_dim)dim), path,
		    must ? 1 : 0, RES_VALUE_MAX, &ret->v[dim], d);
		if (r == -ENOENT) {
			if (must) {
				jv_path_key(p, sizeof(p), path,
				    res_dim_key((enum res_dim)dim));
				diag_set(
				    d, "%s: missing (a positive integer)", p);
				return -EINVAL;
			}
			ret->v[dim] = 0;
			continue;
		}
		if (r < 0)
			return r;
	}
	return 0;
}

/* A {"key": "value"} object into labels. */
static int
get_labels(const json_t *obj, const char *key, const char *path,
    struct labels *ret, struct diag *d)
{
	const json_t *o = json_object_get(obj, key);
	const char *k;
	json_t *v;
	char p[256], q[320];
	int r;

	if (!o)
		return 0;
	jv_path_key(p, sizeof(p), path, key);
	r = jv_expect_object(o, p, d);
	if (r < 0)
		return r;
	if (json_object_size(o) > LABEL_MAX) {
		diag_set(d, "%s: at most %d labels", p, LABEL_MAX);
		return -EINVAL;
	}
	json_object_foreach((json_t *)o, k, v)
	{
		const char *s;

		jv_path_key(q, sizeof(q), p, k);
		if (k[0] == '\0' || strlen(k) > LABEL_LEN_MAX) {
			diag_set(d, "%s: label keys must be 1 to %d bytes", q,
			    LABEL_LEN_MAX);
			return -EINVAL;
		}
		r = jv_get_str(o, k, p, LABEL_LEN_MAX, &s, d);
		if (r < 0)
			return r;
		r = labels_set(ret, k, s);
		if (r < 0)
			return oom(d);
	}
	return 0;
}

static int
get_count(const json_t *obj, const char *path, uint32_t *ret, struct diag *d)
{
	int64_t n;
	int r = jv_get_int(obj, "count", path, 1, SCENARIO_COUNT_MAX, &n, d);

	if (r == -ENOENT) {
		*ret = 0; /* no count: the name is used as is */
		return 0;
	}
	if (r < 0)
		return r;
	*ret = (uint32_t)n;
	return 0;
}

/* Names a copy: "name" alone, or "name<i>" when the entry has a count. */
static void
copy_name(char *out, size_t n, const char *name, uint32_t count, uint32_t i)
{
	if (count)
		snprintf(out, n, "%s%" PRIu32, name, i);
	else
		snprintf(out, n, "%s", name);
}

static int
name_error(
    int r, const char *path, const char *kind, const char *name, struct diag *d)
{
	char p[256];

	jv_path_key(p, sizeof(p), path, "name");
	if (r == -EEXIST)
		diag_set(d, "%s: duplicate %s name '%s'", p, kind, name);
	else if (r == -EINVAL)
		diag_set(d,
		    "%s: '%s' is not a valid name (1 to %d bytes, no control "
		    "characters)",
		    p, name, CLUSTER_NAME_MAX);
	else if (r == -E2BIG)
		diag_set(d, "%s: too many %ss", path, kind);
	else if (r == -EOVERFLOW)
		diag_set(d, "%s: capacity times overcommit is too large", path);
	else
		return oom(d);
	return r == -ENOMEM ? r : -EINVAL;
}

static int
parse_host(struct pctx *x, const json_t *o, const char *path, struct diag *d)
{
	struct cluster *c = x->s->cluster;
	uint32_t *total = &x->n_hosts;
	struct host_spec s = { 0 };
	struct labels labels = { 0 };
	const json_t *oc;
	const char *name, *state;
	char p[256], nm[CLUSTER_NAME_MAX + 16];
	uint32_t count;
	double num;
	int r;

	if ((r = jv_expect_object(o, path, d)) < 0 ||
	    (r = jv_check_keys(o, path, host_keys, d)) < 0)
		return r;
	r = jv_get_str(o, "name", path, CLUSTER_NAME_MAX - 8, &name, d);
	if (r == -ENOENT) {
		jv_path_key(p, sizeof(p), path, "name");
		diag_set(d, "%s: missing (a non-empty string)", p);
		return -EINVAL;
	}
	if (r < 0 || (r = get_count(o, path, &count, d)) < 0 ||
	    (r = get_res(o, path, true, &s.cap, d)) < 0)
		return r;
	if ((uint64_t)*total + (count ? count : 1) > SCENARIO_COUNT_MAX) {
		diag_set(d, "%s: more than %" PRIu32 " hosts in the scenario",
		    path, SCENARIO_COUNT_MAX);
		return -EINVAL;
	}
	oc = json_object_get(o, "overcommit");
	if (oc) {
		jv_path_key(p, sizeof(p), path, "overcommit");
		if ((r = jv_expect_object(oc, p, d)) < 0 ||
		    (r = jv_check_keys(oc, p, dim_short, d)) < 0)
			return r;
		for (int dim = 0; dim < RES_NDIM; dim++) {
			r = jv_get_num(oc, res_dim_name((enum res_dim)dim), p,
			    0.01, RES_RATIO_MAX / (double)RES_RATIO_ONE, &num,
			    d);
			if (r == -ENOENT)
				continue;
			if (r < 0)
				return r;
			s.overcommit_milli[dim] =
			    (uint32_t)llround(num * RES_RATIO_ONE);
		}
	}
	s.state = HOST_UP;
	r = jv_get_str(o, "state", path, 32, &state, d);
	if (r == 0 && host_state_parse(state, &s.state) < 0) {
		jv_path_key(p, sizeof(p), path, "state");
		diag_set(d, "%s: must be up, maintenance or down, got \"%s\"",
		    p, state);
		return -EINVAL;
	}
	if (r < 0 && r != -ENOENT)
		return r;
	r = jv_get_num(o, "perf", path, 0.001,
	    HOST_PERF_MAX / (double)HOST_PERF_ONE, &num, d);
	if (r == 0)
		s.perf_milli = (uint32_t)llround(num * HOST_PERF_ONE);
	else if (r != -ENOENT)
		return r;
	r = get_labels(o, "labels", path, &labels, d);
	if (r < 0)
		goto out;
	s.labels = &labels;
	s.name = nm;
	for (uint32_t i = 0; i < (count ? count : 1); i++) {
		copy_name(nm, sizeof(nm), name, count, i);
		r = cluster_add_host(c, &s, NULL);
		if (r < 0) {
			r = name_error(r, path, "host", nm, d);
			goto out;
		}
	}
	*total += count ? count : 1;
out:
	labels_done(&labels);
	return r;
}

static int
parse_vm(struct pctx *x, const json_t *o, const char *path, struct diag *d)
{
	struct scenario *sc = x->s;
	struct cluster *c = sc->cluster;
	uint32_t *total = &x->n_vms;
	struct vm_spec s = { 0 };
	struct labels req = { 0 };
	const char *name, *str, *on = NULL;
	char p[256], nm[CLUSTER_NAME_MAX + 16];
	host_id h = HOST_NONE;
	uint32_t count;
	int64_t prio;
	vm_id v;
	int r;

	if ((r = jv_expect_object(o, path, d)) < 0 ||
	    (r = jv_check_keys(o, path, vm_keys, d)) < 0)
		return r;
	r = jv_get_str(o, "name", path, CLUSTER_NAME_MAX - 8, &name, d);
	if (r == -ENOENT) {
		jv_path_key(p, sizeof(p), path, "name");
		diag_set(d, "%s: missing (a non-empty string)", p);
		return -EINVAL;
	}
	if (r < 0 || (r = get_count(o, path, &count, d)) < 0 ||
	    (r = get_res(o, path, true, &s.demand, d)) < 0)
		return r;
	if ((uint64_t)*total + (count ? count : 1) > SCENARIO_COUNT_MAX) {
		diag_set(d, "%s: more than %" PRIu32 " VMs in the scenario",
		    path, SCENARIO_COUNT_MAX);
		return -EINVAL;
	}
	r = jv_get_int(
	    o, "priority", path, VM_PRIORITY_MIN, VM_PRIORITY_MAX, &prio, d);
	if (r == 0)
		s.priority = (int32_t)prio;
	else if (r != -ENOENT)
		return r;
	s.perf = PERF_NORMAL;
	r = jv_get_str(o, "perf_class", path, 32, &str, d);
	if (r == 0 && perf_class_parse(str, &s.perf) < 0) {
		jv_path_key(p, sizeof(p), path, "perf_class");
		diag_set(
		    d, "%s: must be low, normal or high, got \"%s\"", p, str);
		return -EINVAL;
	}
	if (r < 0 && r != -ENOENT)
		return r;
	r = jv_get_str(o, "affinity", path, CLUSTER_NAME_MAX, &s.affinity, d);
	if (r < 0 && r != -ENOENT)
		return r;
	r = jv_get_str(
	    o, "anti_affinity", path, CLUSTER_NAME_MAX, &s.anti_affinity, d);
	if (r < 0 && r != -ENOENT)
		return r;
	s.ha = true;
	r = jv_get_bool(o, "ha", path, &s.ha, d);
	if (r < 0 && r != -ENOENT)
		return r;
	/* The daemon passes the workload to the guest; offline it is only
	 * checked. */
	r = jv_get_str(o, "workload", path, 200, &str, d);
	if (r < 0 && r != -ENOENT)
		return r;
	r = jv_get_str(o, "host", path, CLUSTER_NAME_MAX, &on, d);
	if (r < 0 && r != -ENOENT)
		return r;
	if (on && cluster_find_host(c, on, &h) < 0) {
		jv_path_key(p, sizeof(p), path, "host");
		diag_set(d, "%s: unknown host '%s'", p, on);
		return -EINVAL;
	}
	r = get_labels(o, "requires", path, &req, d);
	if (r < 0)
		goto out;
	s.requires = &req;
	s.name = nm;
	if (!on &&
	    mem_grow(&sc->arrivals, &x->cap_arrivals,
		sc->n_arrivals + (count ? count : 1),
		sizeof(*sc->arrivals)) < 0) {
		r = oom(d);
		goto out;
	}
	for (uint32_t i = 0; i < (count ? count : 1); i++) {
		copy_name(nm, sizeof(nm), name, count, i);
		r = cluster_add_vm(c, &s, &v);
		if (r < 0) {
			r = name_error(r, path, "VM", nm, d);
			goto out;
		}
		if (on) {
			struct why w;
			char why_text[256];

			why_init(&w);
			r = cluster_check(c, v, h, &w);
			if (r == 0)
				r = cluster_reserve(c, v, h);
			if (r < 0) {
				jv_path_key(p, sizeof(p), path, "host");
				if (w.n)
					explain_reason(c, v, &w.v[0], why_text,
					    sizeof(why_text));
				else
					snprintf(why_text, sizeof(why_text),
					    "%s: refused", on);
				diag_set(d, "%s: %s cannot run on %s: %s", p,
				    nm, on, why_text);
				why_done(&w);
				r = -EINVAL;
				goto out;
			}
			why_done(&w);
			continue;
		}
		sc->arrivals[sc->n_arrivals++] = v;
	}
	*total += count ? count : 1;
out:
	labels_done(&req);
	return r;
}

/* "first-fit" or {"strategy": "first-fit", "params": {...} | "k=v"}. */
static int
parse_choice(const json_t *top, const char *key, const char *name_key,
    struct scenario_choice *ret, struct diag *d)
{
	static const char *const keys_alloc[] = { "strategy", "params", NULL };
	static const char *const keys_sched[] = { "policy", "params", NULL };
	const json_t *v = json_object_get(top, key), *pv;
	char buf[PARAMS_TEXT_MAX], p[256], q[320];
	const char *k, *name;
	size_t off = 0;
	json_t *x;
	int r;

	if (!v)
		return 0;
	if (json_is_string(v)) {
		r = jv_get_str(top, key, "", 64, &name, d);
		if (r < 0)
			return r;
		ret->name = strdup(name);
		return ret->name ? 0 : oom(d);
	}
	if (!json_is_object(v)) {
		char got[64];

		jv_describe(v, got, sizeof(got));
		diag_set(d,
		    "%s: must be a name or an object with \"%s\", got %s", key,
		    name_key, got);
		return -EINVAL;
	}
	r = jv_check_keys(v, key,
	    strcmp(name_key, "strategy") == 0 ? keys_alloc : keys_sched, d);
	if (r < 0)
		return r;
	r = jv_get_str(v, name_key, key, 64, &name, d);
	if (r == -ENOENT) {
		diag_set(d, "%s.%s: missing (a name)", key, name_key);
		return -EINVAL;
	}
	if (r < 0)
		return r;
	ret->name = strdup(name);
	if (!ret->name)
		return oom(d);
	pv = json_object_get(v, "params");
	if (!pv)
		return 0;
	jv_path_key(p, sizeof(p), key, "params");
	if (json_is_string(pv)) {
		ret->params = strdup(json_string_value(pv));
		return ret->params ? 0 : oom(d);
	}
	r = jv_expect_object(pv, p, d);
	if (r < 0)
		return r;
	buf[0] = '\0';
	json_object_foreach((json_t *)pv, k, x)
	{
		char val[128];

		jv_path_key(q, sizeof(q), p, k);
		if (json_is_string(x) &&
		    strpbrk(json_string_value(x), ",=") == NULL)
			snprintf(val, sizeof(val), "%s", json_string_value(x));
		else if (json_is_integer(x))
			snprintf(val, sizeof(val), "%" JSON_INTEGER_FORMAT,
			    json_integer_value(x));
		else if (json_is_real(x))
			snprintf(val, sizeof(val), "%.17g", json_real_value(x));
		else if (json_is_boolean(x))
			snprintf(val, sizeof(val), "%s",
			    json_is_true(x) ? "true" : "false");
		else {
			diag_set(d,
			    "%s: must be a number, a boolean or a string "
			    "without ',' or '='",
			    q);
			return -EINVAL;
		}
		if (strpbrk(k, ",=") ||
		    off + strlen(k) + strlen(val) + 2 >= sizeof(buf)) {
			diag_set(d,
			    "%s: parameter name or list too long or malformed",
			    q);
			return -EINVAL;
		}
		off += (size_t)snprintf(buf + off, sizeof(buf) - off, "%s%s=%s",
		    off ? "," : "", k, val);
	}
	ret->params = strdup(buf);
	return ret->params ? 0 : oom(d);
}

static int
parse_top(struct scenario *s, const json_t *top, struct diag *d)
{
	struct pctx x = { .s = s };
	const json_t *hosts, *vms;
	char p[64];
	int64_t seed;
	size_t i;
	json_t *e;
	int r;

	if ((r = jv_expect_object(top, "", d)) < 0 ||
	    (r = jv_check_keys(top, "", top_keys, d)) < 0)
		return r;
	if ((r = get_strdup(top, "description", "", 4096, &s->description, d)) <
		0 ||
	    (r = get_strdup(top, "preset", "", 64, &s->preset, d)) < 0 ||
	    (r = parse_choice(
		 top, "allocation", "strategy", &s->allocation, d)) < 0 ||
	    (r = parse_choice(top, "scheduling", "policy", &s->scheduling, d)) <
		0)
		return r;
	r = jv_get_int(top, "seed", "", 0, INT64_MAX, &seed, d);
	if (r == 0)
		s->seed = (uint64_t)seed;
	else if (r != -ENOENT)
		return r;
	r = jv_get_bool(top, "n_plus_one", "", &s->n_plus_one, d);
	if (r < 0 && r != -ENOENT)
		return r;
	hosts = json_object_get(top, "hosts");
	if (!hosts) {
		diag_set(d, "hosts: missing (an array of hosts)");
		return -EINVAL;
	}
	if ((r = jv_expect_array(hosts, "hosts", d)) < 0)
		return r;
	json_array_foreach(hosts, i, e)
	{
		jv_path_index(p, sizeof(p), "hosts", i);
		r = parse_host(&x, e, p, d);
		if (r < 0)
			return r;
	}
	vms = json_object_get(top, "vms");
	if (!vms)
		return 0;
	if ((r = jv_expect_array(vms, "vms", d)) < 0)
		return r;
	json_array_foreach(vms, i, e)
	{
		jv_path_index(p, sizeof(p), "vms", i);
		r = parse_vm(&x, e, p, d);
		if (r < 0)
			return r;
	}
	return 0;
}

int
scenario_parse(
    const char *buf, size_t len, struct scenario **ret, struct diag *d)
{
	struct scenario *s;
	json_t *top = NULL;
	int r;

	r = jv_parse(buf, len, &top, d);
	if (r < 0)
		return r;
	s = calloc(1, sizeof(*s));
	if (!s) {
		json_decref(top);
		return oom(d);
	}
	r = cluster_new(&s->cluster);
	if (r < 0) {
		r = oom(d);
		goto fail;
	}
	r = parse_top(s, top, d);
	if (r < 0)
		goto fail;
	/* The file's placements are facts; the reserve applies from here on. */
	if (s->n_plus_one && cluster_set_n_plus_one(s->cluster, true) < 0) {
		r = oom(d);
		goto fail;
	}
	json_decref(top);
	*ret = s;
	return 0;
fail:
	json_decref(top);
	scenario_free(s);
	return r;
}
