/* evq.c - 4-ary min-heap of events. */
#include "sim/evq.h"

#include "core/error.h"
#include "core/mem.h"

#include <stdlib.h>
#include <string.h>

void
evq_init(struct evq *q)
{
	memset(q, 0, sizeof(*q));
}

void
evq_done(struct evq *q)
{
	free(q->v);
	evq_init(q);
}

int
evq_push(struct evq *q, struct ev e)
{
	uint32_t i;
	int r = mem_grow(&q->v, &q->cap, q->n + 1, sizeof(*q->v));

	if (r < 0)
		return r;
	i = q->n++;
	while (i > 0) {
		uint32_t p = (i - 1) / 4;

		if (q->v[p].key <= e.key)
			break;
		q->v[i] = q->v[p];
		i = p;
	}
	q->v[i] = e;
	return 0;
}

int
evq_pop(struct evq *q, struct ev *ret)
{
	struct ev last;
	uint32_t i = 0, n;

	if (q->n == 0)
		return 0;
	*ret = q->v[0];
	last = q->v[--q->n];
	n = q->n;
	for (;;) {
		uint32_t c = 4 * i + 1, m, end;

		if (c >= n)
			break;
		m = c;
		end = c + 4 < n ? c + 4 : n;
		for (uint32_t k = c + 1; k < end; k++)
			if (q->v[k].key < q->v[m].key)
				m = k;
		if (q->v[m].key >= last.key)
			break;
		q->v[i] = q->v[m];
		i = m;
	}
	if (n > 0)
		q->v[i] = last;
	return 1;
}
