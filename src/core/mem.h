/* mem.h - allocation helpers that report failure as -ENOMEM. */
#ifndef CORE_MEM_H
#define CORE_MEM_H

#include "core/error.h"

#include <stddef.h>
#include <stdint.h>

/*
 * Grows the array *p (of elements of size `elsize`, capacity *cap) so that
 * it holds at least `need` elements; capacity at least doubles. Returns 0, or
 * -ENOMEM / -EOVERFLOW with *p and *cap unchanged. New slots are zeroed.
 */
int mem_grow(void *p, uint32_t *cap, uint32_t need, size_t elsize);

/* strdup that returns NULL only for NULL input or when memory runs out. */
char *mem_strdup(const char *s);

#endif
