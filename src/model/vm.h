/* vm.h - a virtual machine: demand, priority, class, groups, state. */
#ifndef MODEL_VM_H
#define MODEL_VM_H

#include "model/host.h"
#include "model/label.h"
#include "model/resource.h"

#include <stdbool.h>
#include <stdint.h>

typedef uint32_t vm_id;
typedef uint32_t group_id;
#define VM_NONE UINT32_MAX
#define GROUP_NONE UINT32_MAX

#define VM_PRIORITY_MIN (-1000)
#define VM_PRIORITY_MAX 1000

enum vm_state {
	VM_PENDING, /* known, not placed */
	VM_QUEUED, /* waiting in the admission queue */
	VM_RUNNING, /* placed on a host, holding its demand */
	VM_STOPPED, /* ended normally */
	VM_FAILED, /* lost and not restarted */
	VM_DELETED, /* gone; its id is not reused */
	VM_NSTATES,
};

/* What a VM needs from its host's speed: `high` VMs want fast, cool hosts. */
enum perf_class {
	PERF_LOW,
	PERF_NORMAL,
	PERF_HIGH,
	PERF_NCLASSES,
};

/*
 * VMs are owned by a cluster and change only through cluster_* calls.
 * `host` is HOST_NONE unless the VM holds its demand on a host
 * (state VM_RUNNING); next/prev link the VMs of one host.
 */
struct vm {
	char *name;
	struct res demand;
	int32_t priority;
	enum perf_class perf;
	group_id affinity; /* all members on one host */
	group_id anti_affinity; /* no two members on one host */
	bool ha; /* restart elsewhere if its host fails */
	struct labels requires;
	enum vm_state state;
	host_id host;
	vm_id next_on_host, prev_on_host;
};

const char *vm_state_name(enum vm_state s);
int vm_state_parse(const char *s, enum vm_state *ret);

/* "low", "normal", "high". */
const char *perf_class_name(enum perf_class p);
int perf_class_parse(const char *s, enum perf_class *ret);

#endif
