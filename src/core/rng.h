/* rng.h - a seeded, reproducible random number generator (xoshiro256**). */
#ifndef CORE_RNG_H
#define CORE_RNG_H

#include <stdint.h>

/*
 * Every source of randomness in ranks 0-3 is one of these, seeded by the
 * caller, so that a seed reproduces a run bit for bit. Not thread-safe:
 * one per owner. Embedded: rng_init, no _done needed.
 */
struct rng {
	uint64_t s[4];
};

/* Seeds r from a 64-bit seed (expanded with splitmix64). */
void rng_init(struct rng *r, uint64_t seed);

/* Next 64 uniformly random bits. */
uint64_t rng_u64(struct rng *r);

/* Uniform integer in [0, n); n must be > 0. Unbiased (Lemire). */
uint64_t rng_below(struct rng *r, uint64_t n);

/* Uniform integer in [lo, hi]; lo <= hi. */
int64_t rng_range(struct rng *r, int64_t lo, int64_t hi);

/* Uniform double in [0, 1) with 53 random bits. */
double rng_unit(struct rng *r);

/* Exponentially distributed double with the given mean (> 0). */
double rng_exp(struct rng *r, double mean);

#endif
