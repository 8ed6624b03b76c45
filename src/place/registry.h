/* registry.h - the strategies' ops tables, declared for registry.c. */
#ifndef PLACE_REGISTRY_H
#define PLACE_REGISTRY_H

#include "place/place.h"

extern const struct place_ops place_best_fit;
extern const struct place_ops place_dot_product;
extern const struct place_ops place_first_fit;
extern const struct place_ops place_performance;
extern const struct place_ops place_priority;
extern const struct place_ops place_random;
extern const struct place_ops place_worst_fit;

#endif
