/* registry.h - the strategies' ops tables, declared for registry.c. */
#ifndef PLACE_REGISTRY_H
#define PLACE_REGISTRY_H

#include "place/place.h"

extern const struct place_ops place_first_fit;

#endif
