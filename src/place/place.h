/* place.h - online allocation strategies: one VM at a time, pure. */
#ifndef PLACE_PLACE_H
#define PLACE_PLACE_H

#include "core/diag.h"
#include "core/params.h"
#include "model/cluster.h"
#include "model/why.h"

#include <stdbool.h>
#include <stdint.h>

/*
 * What a strategy decided for one VM: a host, and the VMs to preempt first
 * (only strategies that preempt fill victims). Embedded:
 * place_decision_init / place_decision_done.
 */
struct place_decision {
	host_id host;
	vm_id *victims; /* owned */
	uint32_t n_victims, cap_victims;
};

void place_decision_init(struct place_decision *d);
void place_decision_done(struct place_decision *d);

/* Appends a victim. 0 or -ENOMEM. */
int place_decision_add_victim(struct place_decision *d, vm_id v);

/*
 * A strategy is a const ops table in one file, listed in registry.c.
 * Strategies are pure: they read the cluster, never change it, do no I/O,
 * read no clock, and draw randomness only from the seed given to init.
 */
struct place_ops {
	const char *name; /* the name users type: "first-fit" */
	const char *summary; /* one line for `vmgr strategies` */
	const struct param_spec *params;
	uint32_t n_params;
	/* A batch should be offered highest priority first. */
	bool batch_by_priority;
	/* Builds per-instance state from validated params (NULL: no state).
	 * 0 or -errno. */
	int (*init)(const struct params *p, uint64_t seed, void **ret_state);
	/* Frees state; NULL-safe; may be NULL. */
	void (*fini)(void *state);
	/* 0 and ret->host set; -ENOSPC if nothing fits, with every host's
	 * reasons appended to why (may be NULL). ret is clear on entry. */
	int (*place)(void *state, const struct cluster *c, vm_id v,
	    struct place_decision *ret, struct why *why);
};

/* Every registered strategy, sorted by name; *ret_n set to the count. */
const struct place_ops *const *place_registry(uint32_t *ret_n);

/* The strategy called name, or NULL. */
const struct place_ops *place_find(const char *name);

/* "a, b, c": the registered names, for error messages. */
void place_names(char *out, size_t n);

/* The refusal path shared by strategies: explains v on every host into why
 * (if non-NULL) and returns -ENOSPC. */
int place_refuse(const struct cluster *c, vm_id v, struct why *why);

/* A configured strategy: ops + params + state. */
struct placer {
	const struct place_ops *ops;
	struct params params;
	void *state;
};

/* Looks up `name`, applies the "k=v,..." list `params` (NULL: defaults) and
 * initialises it with seed. -ENOENT "unknown allocation strategy 'x'
 * (valid: ...)", -EINVAL for bad params (message in d), -ENOMEM. */
int placer_new(const char *name, const char *params, uint64_t seed,
    struct placer **ret, struct diag *d);

/* NULL-safe; returns NULL. */
struct placer *placer_free(struct placer *p);

/* Runs the strategy for v (which must not be placed). The decision is
 * cleared first. See place_ops.place. */
int placer_place(struct placer *p, const struct cluster *c, vm_id v,
    struct place_decision *ret, struct why *why);

#endif
