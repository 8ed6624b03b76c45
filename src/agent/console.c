/* console.c - capped console log with rotation and line scanning; the agent's thread. */
#include "agent/console.h"

#include "core/error.h"

#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

int
console_open(struct console *c, const char *path, uint64_t max_bytes)
{
	memset(c, 0, sizeof(*c));
	c->fd = -1;
	if (max_bytes < 2)
		return -EINVAL;
	snprintf(c->path, sizeof(c->path), "%s", path);
	snprintf(c->old, sizeof(c->old), "%s.1", path);
	unlink(c->old);
	c->fd = open(
	    path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC | O_APPEND, 0640);
	if (c->fd < 0)
		return neg_errno();
	c->half = max_bytes / 2;
	return 0;
}

void
console_close(struct console *c)
{
	if (c->fd >= 0)
		close(c->fd);
	c->fd = -1;
}

static int
rotate(struct console *c)
{
	int fd;

	if (rename(c->path, c->old) < 0)
		return neg_errno();
	fd = open(
	    c->path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC | O_APPEND, 0640);
	if (fd < 0)
		return neg_errno();
	close(c->fd);
	c->fd = fd;
	c->cur = 0;
	c->rotations++;
	return 0;
}

static int
write_log(struct console *c, const char *buf, size_t n)
{
	while (n && c->fd >= 0) {
		uint64_t room = c->half - c->cur;
		size_t chunk = n < room ? n : (size_t)room;
		ssize_t w;

		if (room == 0) {
			int r = rotate(c);

			if (r < 0)
				return r;
			continue;
		}
		w = write(c->fd, buf, chunk);
		if (w < 0) {
			if (errno == EINTR)
				continue;
			return neg_errno();
		}
		c->cur += (uint64_t)w;
		buf += w;
		n -= (size_t)w;
	}
	return 0;
}

/* Reads n bytes at off of path into buf. 0 or -errno (-EIO short). */
static int
read_at(const char *path, uint64_t off, char *buf, size_t n)
{
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	size_t got = 0;

	if (fd < 0)
		return neg_errno();
	while (got < n) {
		ssize_t r = pread(fd, buf + got, n - got, (off_t)(off + got));

		if (r < 0 && errno == EINTR)
			continue;
		if (r <= 0) {
			int e = r < 0 ? neg_errno() : -EIO;

			close(fd);
			return e;
		}
		got += (size_t)r;
	}
	close(fd);
	return 0;
}

int
console_read(const struct console *c, uint64_t since, char *buf, size_t max,
    uint64_t *ret_off, size_t *ret_n)
{
	/* PATH holds [cur_start, total), PATH.1 the half before it. */
	uint64_t cur_start = c->total - c->cur;
	uint64_t oldest = c->rotations ? cur_start - c->half : cur_start;
	uint64_t off = since < oldest ? oldest : since;
	size_t n = 0;
	int r;

	if (off > c->total)
		off = c->total;
	*ret_off = off;
	*ret_n = 0;
	if (off < cur_start) {
		size_t k =
		    (size_t)(cur_start - off < max ? cur_start - off : max);

		r = read_at(c->old, off - (cur_start - c->half), buf, k);
		if (r < 0)
			return r;
		n = k;
	}
	if (n < max && off + n < c->total) {
		uint64_t from = off + n;
		size_t k = (size_t)(c->total - from < max - n ? c->total - from
							      : max - n);

		r = read_at(c->path, from - cur_start, buf + n, k);
		if (r < 0)
			return r;
		n += k;
	}
	*ret_n = n;
	return 0;
}

int
console_feed(
    struct console *c, const char *buf, size_t n, console_line_fn cb, void *ud)
{
	int r = write_log(c, buf, n);

	c->total += n;
	for (size_t i = 0; i < n; i++) {
		char ch = buf[i];

		if (ch == '\n') {
			while (c->line_len && c->line[c->line_len - 1] == '\r')
				c->line_len--;
			c->line[c->line_len] = '\0';
			if (cb)
				cb(ud, c->line);
			c->line_len = 0;
		} else if (c->line_len < CONSOLE_LINE_MAX) {
			c->line[c->line_len++] = ch;
		}
	}
	return r;
}
