/* error.h - project-wide error conventions: negative errno returns. */
#ifndef CORE_ERROR_H
#define CORE_ERROR_H

#include <errno.h>

/*
 * A function that can fail returns int: >= 0 on success, -errno on failure.
 * Fixed meanings across vmgr (see STYLE.md):
 *   -EINVAL bad value        -ENOENT unknown name     -EEXIST duplicate
 *   -ENOSPC no capacity      -EAGAIN nothing ready    -EPROTO malformed peer
 *   -ETIMEDOUT peer silent   -ENOMEM out of memory    -EOVERFLOW arithmetic
 */

/* Returns -errno after a libc call that set errno; -EIO if it did not. */
static inline int
neg_errno(void)
{
	return errno > 0 ? -errno : -EIO;
}

#define _printf_(a, b) __attribute__((format(printf, a, b)))
#define _unused_ __attribute__((unused))
#define _pure_ __attribute__((pure))
#define _warn_unused_ __attribute__((warn_unused_result))

#define ELEMENTSOF(x) (sizeof(x) / sizeof((x)[0]))

#endif
