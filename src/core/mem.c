/* mem.c - growable arrays and string copies with -ENOMEM reporting. */
#include "core/mem.h"

#include <stdlib.h>
#include <string.h>

int
mem_grow(void *p, uint32_t *cap, uint32_t need, size_t elsize)
{
	void **pp = p;
	uint64_t ncap;
	void *n;

	if (need <= *cap)
		return 0;
	ncap = *cap ? (uint64_t)*cap * 2 : 8;
	if (ncap < need)
		ncap = need;
	if (ncap > UINT32_MAX)
		ncap = UINT32_MAX;
	if (ncap < need || ncap * elsize / elsize != ncap ||
	    ncap * elsize > SIZE_MAX / 2)
		return -EOVERFLOW;
	n = realloc(*pp, (size_t)(ncap * elsize));
	if (!n)
		return -ENOMEM;
	memset((char *)n + (size_t)*cap * elsize, 0,
	    (size_t)(ncap - *cap) * elsize);
	*pp = n;
	*cap = (uint32_t)ncap;
	return 0;
}

char *
mem_strdup(const char *s)
{
	return s ? strdup(s) : NULL;
}
