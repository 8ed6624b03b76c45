/* console.h - a VM's serial console: a size-capped log and a line scanner. */
#ifndef AGENT_CONSOLE_H
#define AGENT_CONSOLE_H

#include <stddef.h>
#include <stdint.h>

#define CONSOLE_LINE_MAX 256 /* longer lines are cut for the scanner */

/*
 * The log is two files, PATH and PATH.1, each at most max_bytes / 2: when
 * PATH is full it becomes PATH.1 (the older half is dropped) and a new PATH
 * starts, so the pair never holds more than max_bytes whatever the guest
 * writes. Embedded: console_open / console_close.
 */
struct console {
	int fd;
	char path[1024], old[1040];
	uint64_t half, cur;
	uint64_t total, rotations;
	char line[CONSOLE_LINE_MAX + 1];
	size_t line_len;
};

typedef void (*console_line_fn)(void *ud, const char *line);

/* Opens (truncates) PATH and removes PATH.1. max_bytes >= 2. 0 or -errno. */
int console_open(struct console *c, const char *path, uint64_t max_bytes);

/* Closes the log file (the files stay). Safe on a zeroed or closed one. */
void console_close(struct console *c);

/*
 * Appends buf[0..n) to the log, rotating as needed, and calls cb with every
 * complete line (without "\r\n", cut to CONSOLE_LINE_MAX). 0 or -errno from
 * the file system (the scanner still saw the bytes).
 */
int console_feed(
    struct console *c, const char *buf, size_t n, console_line_fn cb, void *ud);

/*
 * Reads back what the log holds from byte `since` of everything fed (the
 * stream's offset; the log keeps its last max_bytes at most): up to max
 * bytes into buf, starting at the oldest byte kept when since is older,
 * and at the end (nothing) when since is beyond it. *ret_off is where the
 * bytes start and *ret_n how many; *ret_off + *ret_n is the next `since`.
 * 0 or -errno from the file system.
 */
int console_read(const struct console *c, uint64_t since, char *buf, size_t max,
    uint64_t *ret_off, size_t *ret_n);

#endif
