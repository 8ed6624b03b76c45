/* hosts.h - the simulated platform: host specs ("400xg4,400xg5", "1000x16:64", a node list). */
#ifndef SIM_HOSTS_H
#define SIM_HOSTS_H

#include "core/diag.h"
#include "model/cluster.h"
#include "sim/power.h"

#include <stdint.h>

#define HOSTS_MAX (UINT32_C(1) << 22)

/* How each simulated host draws power: curve index, scaled by factor. */
struct hosts_power {
	struct power_curve *curves; /* owned */
	uint32_t n_curves;
	uint16_t *curve_of; /* per host */
	float *scale_of; /* per host */
	bool available; /* every host has a curve */
};

/*
 * Adds the hosts of spec to c (named h0, h1, ...):
 *   COUNTxSHAPE[,COUNTxSHAPE...] with SHAPE one of
 *     g4, g5           HP ProLiant ML110 G4 / G5 as in Beloglazov & Buyya's
 *                      CloudSim setup (2 cores of 1860 / 2660 MIPS, 4 GiB),
 *                      with their SPECpower curves;
 *     CORES:GIB[:DISK_GIB[:NET_MBPS]]  a generic host, whose power is the
 *                      IBM x3550 M3 (Xeon X5675, 12 cores) curve scaled by
 *                      CORES / 12;
 *   nodes:PATH         one host per line of an Alibaba node list.
 * Power curves are read from power_dir (CloudSim's SPECpower files); when
 * they are missing, p->available is false and energy is not reported.
 * cpu_overcommit (thousandths, 0 = 1.0) applies to every host.
 * 0, or -EINVAL/-ENOENT with "hosts: ..." in d.
 */
int hosts_build(struct cluster *c, const char *spec, const char *power_dir,
    uint32_t cpu_overcommit, struct hosts_power *p, struct diag *d);

void hosts_power_done(struct hosts_power *p);

/* Watts host h draws at CPU load u (0 for a host that is off). */
double hosts_watts(const struct hosts_power *p, host_id h, double u);

#endif
