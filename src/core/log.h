/* log.h - leveled logging to a stream owned by the program's context. */
#ifndef CORE_LOG_H
#define CORE_LOG_H

#include "core/error.h"

#include <stdio.h>

enum log_level {
	LOGL_ERROR,
	LOGL_WARN,
	LOGL_INFO,
	LOGL_DEBUG,
};

/*
 * A logger lives in a program's context struct and is passed down; library
 * code (ranks 0-3) returns errors instead of logging. Messages below `level`
 * are dropped. `out` is borrowed, never closed.
 */
struct log {
	FILE *out;
	enum log_level level;
	const char *prog;
};

/* Sets up l to write lines "prog: level: message" to out. */
void log_init(struct log *l, const char *prog, FILE *out, enum log_level level);

/* Writes one line at `level` if enabled; NULL l drops the message. */
void log_msg(const struct log *l, enum log_level level, const char *fmt, ...)
    _printf_(3, 4);

/* Parses "error", "warn", "info", "debug"; 0 or -EINVAL. */
int log_level_parse(const char *s, enum log_level *ret);

#define log_error(l, ...) log_msg((l), LOGL_ERROR, __VA_ARGS__)
#define log_warn(l, ...) log_msg((l), LOGL_WARN, __VA_ARGS__)
#define log_info(l, ...) log_msg((l), LOGL_INFO, __VA_ARGS__)
#define log_debug(l, ...) log_msg((l), LOGL_DEBUG, __VA_ARGS__)

#endif
