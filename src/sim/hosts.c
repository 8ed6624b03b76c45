/* hosts.c - parse host specs, build the cluster's hosts, attach power curves. */
#include "sim/hosts.h"

#include "core/cleanup.h"
#include "core/mem.h"
#include "sim/trace.h"

#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* Named shapes: CloudSim's PlanetLab setup (Beloglazov & Buyya 2012). */
static const struct {
	const char *name;
	struct res cap;
	const char *curve;
} named[] = {
	{ "g4", { { 2 * 1860, 4096, 1000, 1000 } },
	    "PowerModelSpecPowerHpProLiantMl110G4Xeon3040.txt" },
	{ "g5", { { 2 * 2660, 4096, 1000, 1000 } },
	    "PowerModelSpecPowerHpProLiantMl110G5Xeon3075.txt" },
};
#define GENERIC_CURVE "PowerModelSpecPowerIbmX3550XeonX5675.txt"
#define GENERIC_CORES 12.0

/* Index of curve `file` in p (loading it on first use), or -1. */
static int
curve(struct hosts_power *p, const char *dir, const char *file)
{
	char path[1024];
	struct power_curve pc;
	struct diag d;
	void *n;

	for (uint32_t i = 0; i < p->n_curves; i++)
		if (strcmp(p->curves[i].name, file) == 0)
			return (int)i;
	snprintf(path, sizeof(path), "%s/%s", dir, file);
	if (power_curve_load(path, &pc, &d) < 0)
		return -1;
	n = realloc(p->curves, (p->n_curves + 1) * sizeof(*p->curves));
	if (!n)
		return -1;
	p->curves = n;
	p->curves[p->n_curves] = pc;
	return (int)p->n_curves++;
}

static int
add(struct cluster *c, struct hosts_power *p, const struct res *cap,
    uint32_t oc, int cv, float scale, struct diag *d)
{
	struct host_spec s = { .cap = *cap };
	char name[32];
	uint32_t n = c->n_hosts;
	int r;

	if (n >= HOSTS_MAX) {
		diag_set(d, "hosts: more than %u hosts", HOSTS_MAX);
		return -EINVAL;
	}
	snprintf(name, sizeof(name), "h%u", n);
	s.name = name;
	s.overcommit_milli[RES_CPU] = oc;
	r = cluster_add_host(c, &s, NULL);
	if (r < 0) {
		diag_set(d, "hosts: cannot add host %u: %s", n, strerror(-r));
		return r;
	}
	if ((n & (n - 1)) == 0 || n == 0) {
		uint32_t cap2 = n ? 2 * n : 1;
		void *a = realloc(p->curve_of, cap2 * sizeof(*p->curve_of));
		void *b;

		if (!a)
			return -ENOMEM;
		p->curve_of = a;
		b = realloc(p->scale_of, cap2 * sizeof(*p->scale_of));
		if (!b)
			return -ENOMEM;
		p->scale_of = b;
	}
	if (cv < 0)
		p->available = false;
	p->curve_of[n] = (uint16_t)(cv < 0 ? 0 : cv);
	p->scale_of[n] = scale;
	return 0;
}

static int
shape(struct cluster *c, struct hosts_power *p, const char *dir,
    const char *tok, uint32_t oc, struct diag *d)
{
	unsigned long long count;
	const char *x = strchr(tok, 'x');
	char *end;
	double cores, gib, disk = 0, net = 0;
	struct res cap;
	int cv, r, k;

	count = strtoull(tok, &end, 10);
	if (!x || end != x || count == 0 || count > HOSTS_MAX) {
		diag_set(d,
		    "hosts: '%s': expected COUNTxSHAPE with COUNT from 1 to %u",
		    tok, HOSTS_MAX);
		return -EINVAL;
	}
	x++;
	for (size_t i = 0; i < ELEMENTSOF(named); i++) {
		if (strcmp(x, named[i].name) != 0)
			continue;
		cv = curve(p, dir, named[i].curve);
		for (unsigned long long n = 0; n < count; n++)
			if ((r = add(c, p, &named[i].cap, oc, cv, 1, d)) < 0)
				return r;
		return 0;
	}
	k = sscanf(x, "%lf:%lf:%lf:%lf", &cores, &gib, &disk, &net);
	if (k < 2 || !(cores > 0 && cores <= 1e6) || !(gib > 0 && gib <= 1e9) ||
	    disk < 0 || disk > 1e12 || net < 0 || net > 1e12) {
		diag_set(d,
		    "hosts: '%s': expected g4, g5 or "
		    "CORES:GIB[:DISK_GIB[:NET_MBPS]]",
		    x);
		return -EINVAL;
	}
	cap = (struct res){ { (int64_t)(cores * 1000), (int64_t)(gib * 1024),
	    (int64_t)disk, (int64_t)net } };
	cv = curve(p, dir, GENERIC_CURVE);
	for (unsigned long long n = 0; n < count; n++)
		if ((r = add(c, p, &cap, oc, cv, (float)(cores / GENERIC_CORES),
			 d)) < 0)
			return r;
	return 0;
}

int
hosts_build(struct cluster *c, const char *spec, const char *power_dir,
    uint32_t cpu_overcommit, struct hosts_power *p, struct diag *d)
{
	_cleanup_free_ char *copy = NULL;
	char *save = NULL, *tok;
	int r;

	memset(p, 0, sizeof(*p));
	p->available = true;
	if (strncmp(spec, "nodes:", 6) == 0) {
		_cleanup_free_ struct res *caps = NULL;
		uint32_t n = 0;
		int cv = curve(p, power_dir, GENERIC_CURVE);

		r = trace_read_nodes(spec + 6, &caps, &n, d);
		if (r < 0)
			return r;
		for (uint32_t i = 0; i < n; i++) {
			r = add(c, p, &caps[i], cpu_overcommit, cv,
			    (float)(caps[i].v[RES_CPU] / 1000.0 /
				GENERIC_CORES),
			    d);
			if (r < 0)
				return r;
		}
		return 0;
	}
	copy = strdup(spec);
	if (!copy)
		return -ENOMEM;
	for (tok = strtok_r(copy, ",", &save); tok;
	     tok = strtok_r(NULL, ",", &save)) {
		r = shape(c, p, power_dir, tok, cpu_overcommit, d);
		if (r < 0)
			return r;
	}
	if (c->n_hosts == 0) {
		diag_set(d, "hosts: '%s' names no host", spec);
		return -EINVAL;
	}
	return 0;
}

void
hosts_power_done(struct hosts_power *p)
{
	free(p->curves);
	free(p->curve_of);
	free(p->scale_of);
	memset(p, 0, sizeof(*p));
}

double
hosts_watts(const struct hosts_power *p, host_id h, double u)
{
	if (!p->available)
		return 0;
	return p->scale_of[h] * power_watts(&p->curves[p->curve_of[h]], u);
}
