/* consolidate.h - a greedy consolidation: empty the least loaded hosts
 * into the others, within a migration budget. */
#ifndef PLAN_CONSOLIDATE_H
#define PLAN_CONSOLIDATE_H

#include "model/cluster.h"

#include <stdbool.h>
#include <stdint.h>

/*
 * From the placement start[v] (one host or HOST_NONE per VM of c; NULL:
 * the cluster's own), tries to empty hosts one at a time, least loaded
 * first: all of a host's VMs move to other hosts that already hold VMs
 * (best fit: the fullest that can take each), under every hard constraint
 * (and the N+1 reserve with n_plus_one), or none does. A move of a VM
 * that runs in c (its cluster host differs from its new host) counts as a
 * migration; placing a VM that does not run yet is free. Hosts are
 * emptied while the migrations stay within max_migrations. Writes the
 * resulting placement to target[] (n_vms entries) and the migrations to
 * *ret_migrations. 0, or -ENOMEM.
 */
int consolidate_greedy(const struct cluster *c, const host_id *start,
    uint32_t max_migrations, bool n_plus_one, host_id *target,
    uint32_t *ret_migrations);

#endif
