/* cleanup.h - scope-bound cleanup for locals (the _cleanup_ attribute). */
#ifndef CORE_CLEANUP_H
#define CORE_CLEANUP_H

#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>

/*
 * `_cleanup_(f) T *x = ...;` calls f(&x) when x goes out of scope.
 * Use either _cleanup_ or a goto-fail ladder in a function, never both.
 * take_ptr(x) hands ownership out and leaves NULL behind.
 */
#define _cleanup_(f) __attribute__((cleanup(f)))

#define DEFINE_CLEANUP_FUNC(type, func)     \
	static inline void func##p(type *p) \
	{                                   \
		if (*p)                     \
			func(*p);           \
	}

static inline void
freep(void *p)
{
	free(*(void **)p);
}

static inline void
fclosep(FILE **f)
{
	if (*f)
		fclose(*f);
}

static inline void
closep(int *fd)
{
	if (*fd >= 0)
		close(*fd);
}

#define _cleanup_free_ _cleanup_(freep)
#define _cleanup_fclose_ _cleanup_(fclosep)
#define _cleanup_close_ _cleanup_(closep)

#define take_ptr(p)                      \
	__extension__({                  \
		__typeof__(p) _tp = (p); \
		(p) = NULL;              \
		_tp;                     \
	})

#endif
