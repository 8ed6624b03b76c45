/* fuzz_trace_common.h - helpers for the trace-parser fuzz targets: split input into lines, run a reader on it. */
#ifndef TESTS_FUZZ_TRACE_COMMON_H
#define TESTS_FUZZ_TRACE_COMMON_H

#include "sim/trace.h"

#include <assert.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* Calls fn on each '\n'-separated line of data (CR kept: the parsers see
 * what tline hands them minus the newline). */
static inline void
fuzz_lines(const uint8_t *data, size_t size,
    void (*fn)(void *arg, const char *s, size_t n), void *arg)
{
	size_t start = 0;

	for (size_t i = 0; i <= size; i++) {
		if (i < size && data[i] != '\n')
			continue;
		if (i > start || i < size)
			fn(arg, (const char *)data + start, i - start);
		start = i + 1;
	}
}

/*
 * Runs the whole reader of `format` over data put in a memory file, with
 * and without skip_bad: every record it returns is well-formed, and an
 * error comes with a message.
 */
static inline void
fuzz_reader(const char *format, const uint8_t *data, size_t size)
{
	int fd = memfd_create("trace", 0);
	char spec[64];

	if (fd < 0)
		return;
	if (size && write(fd, data, size) != (ssize_t)size) {
		close(fd);
		return;
	}
	snprintf(spec, sizeof(spec), "%s:/proc/self/fd/%d", format, fd);
	for (int skip = 0; skip < 2; skip++) {
		struct trace_opts o = { .skip_bad = skip, .seed = 7 };
		const struct trace_rec *rec;
		struct trace *t = NULL;
		struct diag d = { 0 };
		uint64_t prev = 0;
		const char *first;
		int r;

		r = trace_open(spec, &o, &t, &d);
		if (r < 0) {
			assert(d.msg[0] != '\0');
			continue;
		}
		while ((r = trace_next(t, &rec, &d)) > 0) {
			assert(rec->arrive_ns >= prev);
			assert(rec->depart_ns >= rec->arrive_ns);
			assert(rec->name[0] != '\0');
			assert(memchr(rec->name, '\0', sizeof(rec->name)));
			for (int k = 0; k < 4; k++)
				assert(rec->demand.v[k] >= 0);
			assert(rec->n_samples == 0 || rec->cpu_use);
			for (uint32_t k = 0; k < rec->n_samples; k++)
				(void)(rec->cpu_use[k] +
				    (rec->mem_use ? rec->mem_use[k] : 0));
			prev = rec->arrive_ns;
		}
		assert(r == 0 || d.msg[0] != '\0');
		if (trace_skipped(t, &first))
			assert(first[0] != '\0');
		trace_close(t);
	}
	close(fd);
}

#endif
