/* why.h - the reasons a host cannot take a VM, for people and for JSON. */
#ifndef MODEL_WHY_H
#define MODEL_WHY_H

#include "model/host.h"
#include "model/resource.h"

#include <stddef.h>
#include <stdint.h>

enum why_kind {
	WHY_STATE, /* host not up; detail = enum host_state */
	WHY_LABEL, /* detail = index of the unmet required label */
	WHY_AFFINITY, /* group lives elsewhere; detail = group id */
	WHY_ANTI_AFFINITY, /* a group member is here; detail = group id */
	WHY_CAPACITY, /* dim short: need > free */
	WHY_RESERVE, /* would eat the N+1 failover reserve in dim */
	WHY_NKINDS,
};

struct why_reason {
	host_id host;
	enum why_kind kind;
	enum res_dim dim;
	int64_t need, free;
	uint32_t detail;
};

/*
 * A growable list of reasons, owned by whoever asks for an explanation.
 * Embedded: why_init / why_done. If memory runs out, further reasons are
 * counted in `dropped` instead of stored, so an explanation degrades rather
 * than fails.
 */
struct why {
	struct why_reason *v;
	uint32_t n, cap;
	uint32_t dropped;
};

void why_init(struct why *w);
void why_done(struct why *w);

/* Empties w, keeping its memory. */
void why_clear(struct why *w);

/* Appends r (NULL-safe on w: a NULL w records nothing). */
void why_add(struct why *w, const struct why_reason *r);

/* Machine name of a kind: "state", "label", "affinity", "anti-affinity",
 * "capacity", "reserve". */
const char *why_kind_name(enum why_kind k);

#endif
