/* evq.h - the simulator's event queue: a 4-ary min-heap of timestamped events. */
#ifndef SIM_EVQ_H
#define SIM_EVQ_H

#include <stdint.h>

/*
 * An event is 16 bytes: a key that orders it (time in nanoseconds shifted
 * left by EVQ_CLASS_BITS, with a class in the low bits so that, at one
 * instant, departures come before arrivals and so on) and two payload
 * words. Equal keys pop in an order fixed by the operations before them,
 * so a run is deterministic. A 4-ary heap keeps the tree shallow (and
 * cache-friendly) at millions of pending events. Embedded: evq_init /
 * evq_done.
 */
#define EVQ_CLASS_BITS 3
#define EVQ_TIME_MAX ((UINT64_C(1) << (64 - EVQ_CLASS_BITS)) - 1)

struct ev {
	uint64_t key;
	uint32_t id, aux;
};

struct evq {
	struct ev *v;
	uint32_t n, cap;
};

static inline uint64_t
evq_key(uint64_t t_ns, unsigned cls)
{
	return (t_ns << EVQ_CLASS_BITS) | cls;
}

static inline uint64_t
evq_time(uint64_t key)
{
	return key >> EVQ_CLASS_BITS;
}

static inline unsigned
evq_class(uint64_t key)
{
	return (unsigned)(key & ((1u << EVQ_CLASS_BITS) - 1));
}

void evq_init(struct evq *q);
void evq_done(struct evq *q);

/* Adds e. 0 or -ENOMEM (queue unchanged). */
int evq_push(struct evq *q, struct ev e);

/* Removes the smallest key into *ret: 1, or 0 when empty. */
int evq_pop(struct evq *q, struct ev *ret);

/* The smallest key without removing it; the queue must not be empty. */
static inline uint64_t
evq_peek_key(const struct evq *q)
{
	return q->v[0].key;
}

#endif
