/* log.c - leveled logging; one line per message, flushed at once. */
#include "core/log.h"

#include <stdarg.h>
#include <string.h>

static const char *const level_names[] = {
	[LOGL_ERROR] = "error",
	[LOGL_WARN] = "warning",
	[LOGL_INFO] = "info",
	[LOGL_DEBUG] = "debug",
};

void
log_init(struct log *l, const char *prog, FILE *out, enum log_level level)
{
	l->out = out;
	l->prog = prog;
	l->level = level;
}

void
log_msg(const struct log *l, enum log_level level, const char *fmt, ...)
{
	char buf[1024];
	va_list ap;

	if (!l || !l->out || level > l->level)
		return;
	va_start(ap, fmt);
	vsnprintf(buf, sizeof(buf), fmt, ap);
	va_end(ap);
	/* One fprintf per line keeps concurrent writers' lines whole. */
	fprintf(l->out, "%s: %s: %s\n", l->prog ? l->prog : "vmgr",
	    level_names[level], buf);
	fflush(l->out);
}

int
log_level_parse(const char *s, enum log_level *ret)
{
	static const char *const names[] = { "error", "warn", "info", "debug" };

	for (size_t i = 0; i < ELEMENTSOF(names); i++) {
		if (strcmp(s, names[i]) == 0) {
			*ret = (enum log_level)i;
			return 0;
		}
	}
	return -EINVAL;
}
