/* power.h - host power models: SPECpower curves (watts at 0, 10, ..., 100% load). */
#ifndef SIM_POWER_H
#define SIM_POWER_H

#include "core/diag.h"

/* Eleven measured points, interpolated linearly between them. */
struct power_curve {
	char name[64];
	double watts[11];
};

/* Reads a SPECpower file as CloudSim ships them: the first line holds 11
 * numbers, watts at 0, 10, ..., 100% CPU load, non-decreasing. 0 or -errno
 * with "file:1: ..." in d. */
int power_curve_load(const char *path, struct power_curve *ret, struct diag *d);

/* Parses the 11 numbers from a line (pure; for the loader and the fuzz
 * target). 0 or -EINVAL with what was wrong in d. */
int
power_curve_parse(const char *line, struct power_curve *ret, struct diag *d);

/* Watts at load u (clamped to [0, 1]). */
double power_watts(const struct power_curve *p, double u);

#endif
