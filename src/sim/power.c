/* power.c - SPECpower curves: parse, load, interpolate. */
#include "sim/power.h"

#include "core/cleanup.h"
#include "core/error.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

int
power_curve_parse(const char *line, struct power_curve *ret, struct diag *d)
{
	const char *p = line;
	char *end;

	for (int i = 0; i < 11; i++) {
		double w;

		while (*p == ' ' || *p == '\t')
			p++;
		errno = 0;
		w = strtod(p, &end);
		if (end == p || errno || !isfinite(w) || w < 0 || w > 1e6) {
			diag_set(d,
			    "expected 11 wattages (0..1e6) for 0%%, 10%%, ..., "
			    "100%% load; value %d is missing or bad",
			    i + 1);
			return -EINVAL;
		}
		if (i > 0 && w < ret->watts[i - 1]) {
			diag_set(d, "wattage %d (%g W) is below the one before",
			    i + 1, w);
			return -EINVAL;
		}
		ret->watts[i] = w;
		p = end;
	}
	while (*p == ' ' || *p == '\t' || *p == '\r' || *p == '\n')
		p++;
	if (*p) {
		diag_set(d, "more than 11 values on the line");
		return -EINVAL;
	}
	return 0;
}

int
power_curve_load(const char *path, struct power_curve *ret, struct diag *d)
{
	_cleanup_fclose_ FILE *f = fopen(path, "re");
	char line[1024];
	const char *base;
	int r;

	if (!f) {
		r = neg_errno();
		diag_set(d, "%s: cannot open: %s", path, strerror(-r));
		return r;
	}
	if (!fgets(line, sizeof(line), f)) {
		diag_set(d, "%s:1: empty file (expected 11 wattages)", path);
		return -EINVAL;
	}
	r = power_curve_parse(line, ret, d);
	if (r < 0) {
		diag_prefix(d, "%s:1", path);
		return r;
	}
	base = strrchr(path, '/');
	snprintf(ret->name, sizeof(ret->name), "%s", base ? base + 1 : path);
	return 0;
}

double
power_watts(const struct power_curve *p, double u)
{
	double x;
	int i;

	if (!(u > 0))
		return p->watts[0];
	if (u >= 1)
		return p->watts[10];
	x = u * 10;
	i = (int)x;
	return p->watts[i] + (p->watts[i + 1] - p->watts[i]) * (x - i);
}
