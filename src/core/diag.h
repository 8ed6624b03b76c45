/* diag.h - a human-readable diagnostic filled in by parsers at the edges. */
#ifndef CORE_DIAG_H
#define CORE_DIAG_H

#include "core/error.h"

#include <stdbool.h>
#include <stddef.h>

/*
 * A diagnostic is one sentence a person can act on, led by where the problem
 * is: "file:line:col: ..." for text, "vms[1].memory_mib: ..." for JSON.
 * Callers own the struct (usually on the stack); functions that take a
 * `struct diag *` accept NULL and then report nothing beyond their return.
 */
struct diag {
	char msg[512];
};

/* Clears d (NULL-safe). */
void diag_clear(struct diag *d);

/* Sets the message from a format; NULL-safe; truncates quietly. */
void diag_set(struct diag *d, const char *fmt, ...) _printf_(2, 3);

/* Prepends "prefix: " made from a format to the current message. */
void diag_prefix(struct diag *d, const char *fmt, ...) _printf_(2, 3);

/* True when a message has been set. */
bool diag_has(const struct diag *d);

#endif
