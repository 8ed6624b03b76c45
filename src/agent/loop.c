/* loop.c - epoll event loop; one thread, owned by the program's main(). */
#include "agent/loop.h"

#include "core/error.h"

#include <stdlib.h>
#include <sys/epoll.h>
#include <unistd.h>

struct loop {
	int epfd;
	uint32_t tick_ms;
	struct loop_tick *ticks;
	bool quit;
	/* The batch being dispatched: loop_del() clears a deleted watch's
	 * pending entries so a callback may free another watch's owner. */
	struct epoll_event *batch;
	int batch_n;
};

int
loop_new(uint32_t tick_ms, struct loop **ret)
{
	struct loop *l = calloc(1, sizeof(*l));

	if (!l)
		return -ENOMEM;
	l->epfd = epoll_create1(EPOLL_CLOEXEC);
	if (l->epfd < 0) {
		int r = neg_errno();

		free(l);
		return r;
	}
	l->tick_ms = tick_ms ? tick_ms : 1;
	*ret = l;
	return 0;
}

struct loop *
loop_free(struct loop *l)
{
	if (!l)
		return NULL;
	close(l->epfd);
	free(l);
	return NULL;
}

int
loop_add(struct loop *l, struct loop_watch *w)
{
	struct epoll_event ev = { .events = w->events, .data.ptr = w };

	if (epoll_ctl(l->epfd, EPOLL_CTL_ADD, w->fd, &ev) < 0)
		return neg_errno();
	w->added = true;
	return 0;
}

int
loop_mod(struct loop *l, struct loop_watch *w, uint32_t events)
{
	struct epoll_event ev = { .events = events, .data.ptr = w };

	if (epoll_ctl(l->epfd, EPOLL_CTL_MOD, w->fd, &ev) < 0)
		return neg_errno();
	w->events = events;
	return 0;
}

void
loop_del(struct loop *l, struct loop_watch *w)
{
	if (!w->added)
		return;
	epoll_ctl(l->epfd, EPOLL_CTL_DEL, w->fd, NULL);
	w->added = false;
	for (int i = 0; i < l->batch_n; i++)
		if (l->batch[i].data.ptr == w)
			l->batch[i].data.ptr = NULL;
}

void
loop_add_tick(struct loop *l, struct loop_tick *t)
{
	if (t->added)
		return;
	t->next = l->ticks;
	l->ticks = t;
	t->added = true;
}

void
loop_del_tick(struct loop *l, struct loop_tick *t)
{
	for (struct loop_tick **p = &l->ticks; *p; p = &(*p)->next) {
		if (*p == t) {
			*p = t->next;
			t->added = false;
			return;
		}
	}
}

int
loop_run_once(struct loop *l, int timeout_ms)
{
	struct epoll_event evs[32];
	int n;

	if (timeout_ms < 0 || timeout_ms > (int)l->tick_ms)
		timeout_ms = (int)l->tick_ms;
	n = epoll_wait(l->epfd, evs, (int)ELEMENTSOF(evs), timeout_ms);
	if (n < 0 && errno != EINTR)
		return neg_errno();
	l->batch = evs;
	l->batch_n = n > 0 ? n : 0;
	for (int i = 0; i < n; i++) {
		struct loop_watch *w = evs[i].data.ptr;

		/* NULL: deleted by an earlier callback of this batch. */
		if (w)
			w->cb(w, evs[i].events);
	}
	l->batch = NULL;
	l->batch_n = 0;
	for (struct loop_tick *t = l->ticks, *next; t; t = next) {
		next = t->next;
		t->cb(t);
	}
	return 0;
}

int
loop_run(struct loop *l)
{
	l->quit = false;
	while (!l->quit) {
		int r = loop_run_once(l, -1);

		if (r < 0)
			return r;
	}
	return 0;
}

void
loop_quit(struct loop *l)
{
	l->quit = true;
}

int
loop_fd(const struct loop *l)
{
	return l->epfd;
}
