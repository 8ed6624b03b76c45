/* host.h - a physical host: capacity, overcommit, allocation, state. */
#ifndef MODEL_HOST_H
#define MODEL_HOST_H

#include "model/label.h"
#include "model/resource.h"

#include <stdint.h>

typedef uint32_t host_id;
#define HOST_NONE UINT32_MAX

enum host_state {
	HOST_UP, /* takes new VMs */
	HOST_MAINTENANCE, /* keeps its VMs, takes no new ones */
	HOST_DOWN, /* failed or powered off */
	HOST_NSTATES,
};

/* Performance factors are thousandths of a reference host's speed. */
#define HOST_PERF_ONE 1000u
#define HOST_PERF_MAX 100000u

/*
 * Hosts are owned by a cluster and change only through cluster_* calls,
 * which keep `alloc`, the VM list and the capacity index consistent.
 * `limit` is cap scaled by the overcommit ratios: what may be allocated.
 */
struct host {
	char *name;
	struct res cap;
	uint32_t overcommit_milli[RES_NDIM];
	struct res limit;
	struct res alloc;
	struct res ha_alloc; /* the part of alloc held by HA VMs */
	struct res up_free; /* free room counted in the cluster's sum:
				limit - alloc when up, zero otherwise */
	enum host_state state;
	uint32_t perf_milli;
	struct labels labels;
	uint32_t n_vms;
	uint32_t first_vm; /* vm_id of the head of this host's VM list */
};

/* "up", "maintenance", "down". */
const char *host_state_name(enum host_state s);

/* Inverse of host_state_name; 0 or -ENOENT. */
int host_state_parse(const char *s, enum host_state *ret);

/* limit - alloc, clamped at zero per dimension. */
void host_free_res(const struct host *h, struct res *ret);

#endif
