/* loop.h - a single-threaded epoll event loop with fd watches and a periodic tick. */
#ifndef AGENT_LOOP_H
#define AGENT_LOOP_H

#include <stdbool.h>
#include <stdint.h>

/*
 * The agent and its HTTP API run in one thread around one of these: every
 * file descriptor they wait on is a watch, and every deadline is checked by
 * a tick that runs at least every `tick_ms` milliseconds. A `struct
 * loop_watch` is embedded in its owner, which must loop_del() it before
 * freeing it. Callbacks may add and delete watches, including their own.
 */
struct loop;

struct loop_watch {
	int fd;
	uint32_t events; /* EPOLLIN, EPOLLOUT ... */
	void (*cb)(struct loop_watch *w, uint32_t revents);
	void *ud;
	bool added;
};

/* A tick callback: runs after every loop iteration, at least every tick_ms. */
struct loop_tick {
	void (*cb)(struct loop_tick *t);
	void *ud;
	struct loop_tick *next;
	bool added;
};

/* A loop whose tick runs at least every tick_ms (>= 1). 0 or -errno. */
int loop_new(uint32_t tick_ms, struct loop **ret);

/* NULL-safe; every watch must have been deleted. Returns NULL. */
struct loop *loop_free(struct loop *l);

/* Starts watching w->fd for w->events. 0 or -errno (w unchanged). */
int loop_add(struct loop *l, struct loop_watch *w);

/* Changes the events of an added watch. 0 or -errno. */
int loop_mod(struct loop *l, struct loop_watch *w, uint32_t events);

/* Stops watching (no-op when not added). The fd is not closed. */
void loop_del(struct loop *l, struct loop_watch *w);

/* Registers / removes a tick callback (borrowed, embedded in its owner). */
void loop_add_tick(struct loop *l, struct loop_tick *t);
void loop_del_tick(struct loop *l, struct loop_tick *t);

/* Waits at most timeout_ms (-1: up to one tick) for events, runs their
 * callbacks, then the ticks. 0 or -errno from epoll_wait (not EINTR). */
int loop_run_once(struct loop *l, int timeout_ms);

/* Runs until loop_quit(). 0 or -errno. */
int loop_run(struct loop *l);

/* Makes loop_run return after the current iteration. */
void loop_quit(struct loop *l);

/* The epoll fd, for embedding this loop in another loop (readable when an
 * event is pending). */
int loop_fd(const struct loop *l);

#endif
