/* diag.c - diagnostics: formatted messages with a location prefix. */
#include "core/diag.h"

#include <stdarg.h>
#include <stdio.h>
#include <string.h>

void
diag_clear(struct diag *d)
{
	if (d)
		d->msg[0] = '\0';
}

void
diag_set(struct diag *d, const char *fmt, ...)
{
	va_list ap;

	if (!d)
		return;
	va_start(ap, fmt);
	vsnprintf(d->msg, sizeof(d->msg), fmt, ap);
	va_end(ap);
}

void
diag_prefix(struct diag *d, const char *fmt, ...)
{
	char pre[256], old[sizeof(d->msg)];
	va_list ap;

	if (!d)
		return;
	va_start(ap, fmt);
	vsnprintf(pre, sizeof(pre), fmt, ap);
	va_end(ap);
	memcpy(old, d->msg, sizeof(old));
	if (old[0])
		snprintf(d->msg, sizeof(d->msg), "%s: %s", pre, old);
	else
		snprintf(d->msg, sizeof(d->msg), "%s", pre);
}

bool
diag_has(const struct diag *d)
{
	return d && d->msg[0] != '\0';
}
