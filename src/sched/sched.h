/* sched.h - admission-queue scheduling policies: which waiting VM starts next. */
#ifndef SCHED_SCHED_H
#define SCHED_SCHED_H

#include "core/diag.h"
#include "core/params.h"
#include "model/cluster.h"

#include <stdbool.h>
#include <stdint.h>

/* A VM waiting for admission. `seq` orders arrivals (smaller is earlier). */
struct sched_entry {
	vm_id vm;
	uint64_t since_ns; /* when it (re)entered the queue */
	uint64_t seq;
};

/* The waiting VMs in the order they entered the queue. Borrowed. */
struct sched_queue {
	const struct sched_entry *v;
	uint32_t n;
};

/*
 * A policy's answer: queue indexes in the order the engine should try to
 * start them. With `strict`, the engine stops at the first candidate that
 * does not fit (no VM overtakes it); otherwise it tries every candidate
 * (backfilling). Embedded: sched_pick_init / sched_pick_done.
 */
struct sched_pick {
	uint32_t *idx; /* owned */
	uint32_t n, cap;
	bool strict;
};

void sched_pick_init(struct sched_pick *p);
void sched_pick_done(struct sched_pick *p);

/* Appends queue index i. 0 or -ENOMEM. */
int sched_pick_add(struct sched_pick *p, uint32_t i);

/*
 * A policy is a const ops table in one file, listed in registry.c. Pure: no
 * I/O, no clock but the `now_ns` passed in, randomness only from the seed.
 */
struct sched_ops {
	const char *name; /* "fcfs" */
	const char *summary; /* one line for `vmgr strategies` */
	const struct param_spec *params;
	uint32_t n_params;
	int (*init)(const struct params *p, uint64_t seed, void **ret_state);
	void (*fini)(void *state);
	/* Fills ret (cleared on entry) from the queue with at most max
	 * candidates: the first max of the policy's order (max >= 1). The
	 * engine asks again when all of them started. 0 or -errno. */
	int (*pick)(void *state, const struct cluster *c,
	    const struct sched_queue *q, uint64_t now_ns, uint32_t max,
	    struct sched_pick *ret);
	/* How long a running VM keeps its place while others wait; the engine
	 * then suspends it to the back of the queue. 0: run to completion.
	 * NULL means 0. */
	uint64_t (*slice_ns)(void *state);
};

/* Every registered policy, sorted by name. */
const struct sched_ops *const *sched_registry(uint32_t *ret_n);

/* The policy called name, or NULL. */
const struct sched_ops *sched_find(const char *name);

/* A configured policy: ops + params + state. */
struct scheduler {
	const struct sched_ops *ops;
	struct params params;
	void *state;
};

/* Looks up name, applies "k=v,..." params, initialises with seed.
 * -ENOENT "unknown scheduling policy 'x' (valid: ...)", -EINVAL, -ENOMEM. */
int scheduler_new(const char *name, const char *params, uint64_t seed,
    struct scheduler **ret, struct diag *d);

/* NULL-safe; returns NULL. */
struct scheduler *scheduler_free(struct scheduler *s);

/* Runs the policy's pick for at most max candidates (0: the whole queue);
 * ret is cleared first. */
int scheduler_pick(struct scheduler *s, const struct cluster *c,
    const struct sched_queue *q, uint64_t now_ns, uint32_t max,
    struct sched_pick *ret);

/* The policy's time slice (0: none). */
uint64_t scheduler_slice_ns(const struct scheduler *s);

/* Helper for policies: ret = the first max queue indexes in the order of
 * cmp (ties keep queue order). O(n log max). 0 or -ENOMEM. */
int sched_pick_sorted(const struct cluster *c, const struct sched_queue *q,
    int (*cmp)(const struct cluster *c, const struct sched_entry *a,
	const struct sched_entry *b),
    uint32_t max, struct sched_pick *ret);

/* Helper for policies: ret = queue indexes 0 .. min(n, max) - 1. */
int sched_pick_prefix(
    const struct sched_queue *q, uint32_t max, struct sched_pick *ret);

#endif
