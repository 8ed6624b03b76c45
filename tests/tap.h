/* tap.h - a minimal TAP producer for meson's TAP test protocol. */
#ifndef TESTS_TAP_H
#define TESTS_TAP_H

#include <inttypes.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/*
 * One test program = one TAP stream: ok() lines, then tap_done() prints the
 * plan and returns the exit code. A failing check prints where it failed
 * and what it saw as a TAP diagnostic. Each test program includes this once.
 */
static struct {
	unsigned n, failed;
} tap_state;

static inline int __attribute__((format(printf, 4, 5)))
tap_ok(int pass, const char *file, int line, const char *fmt, ...)
{
	va_list ap;

	tap_state.n++;
	printf("%sok %u - ", pass ? "" : "not ", tap_state.n);
	va_start(ap, fmt);
	vprintf(fmt, ap);
	va_end(ap);
	printf("\n");
	if (!pass) {
		tap_state.failed++;
		printf("# failed at %s:%d\n", file, line);
	}
	fflush(stdout);
	return pass;
}

#define ok(cond, ...) tap_ok(!!(cond), __FILE__, __LINE__, __VA_ARGS__)

#define is_int(got, want, ...)                                                \
	do {                                                                  \
		int64_t g_ = (int64_t)(got), w_ = (int64_t)(want);            \
		if (!ok(g_ == w_, __VA_ARGS__))                               \
			printf("#   got %" PRId64 ", want %" PRId64 "\n", g_, \
			    w_);                                              \
	} while (0)

#define is_str(got, want, ...)                                         \
	do {                                                           \
		const char *g_ = (got), *w_ = (want);                  \
		if (!ok(g_ && w_ && strcmp(g_, w_) == 0, __VA_ARGS__)) \
			printf("#   got  \"%s\"\n#   want \"%s\"\n",   \
			    g_ ? g_ : "(null)", w_ ? w_ : "(null)");   \
	} while (0)

/* Skips the whole program: TAP "1..0 # SKIP reason" and exit 0, which
 * meson's TAP parser counts as a skip (an exit status of 77 would be an
 * error under protocol 'tap' in meson 1.0). */
static inline int
tap_skip_all(const char *why)
{
	printf("1..0 # SKIP %s\n", why);
	return 0;
}

static inline void __attribute__((format(printf, 1, 2)))
tap_diag(const char *fmt, ...)
{
	va_list ap;

	printf("# ");
	va_start(ap, fmt);
	vprintf(fmt, ap);
	va_end(ap);
	printf("\n");
}

static inline int
tap_done(void)
{
	printf("1..%u\n", tap_state.n);
	return tap_state.failed ? 1 : 0;
}

#endif
