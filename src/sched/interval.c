/* interval.c - weighted interval scheduling by dynamic programming. */
#include "sched/interval.h"

#include "core/error.h"

#include <stdlib.h>

struct ent {
	uint64_t start, end, w;
	uint32_t i;
};

static int
cmp_end(const void *a, const void *b)
{
	const struct ent *x = a, *y = b;

	if (x->end != y->end)
		return x->end < y->end ? -1 : 1;
	if (x->start != y->start)
		return x->start < y->start ? -1 : 1;
	return x->i < y->i ? -1 : x->i > y->i;
}

int
interval_schedule(const struct interval_req *r, uint32_t n, uint32_t *ret_idx,
    uint32_t *ret_n, uint64_t *ret_weight)
{
	struct ent *e;
	uint64_t *best, sum = 0;
	uint32_t *prev, k = 0;

	if (n > INTERVAL_MAX)
		return -EINVAL;
	for (uint32_t i = 0; i < n; i++) {
		if (r[i].end_ns <= r[i].start_ns || sum + r[i].weight < sum)
			return -EINVAL;
		sum += r[i].weight;
	}
	e = malloc((n ? n : 1) * sizeof(*e));
	best = malloc(((size_t)n + 1) * sizeof(*best));
	prev = malloc((n ? n : 1) * sizeof(*prev));
	if (!e || !best || !prev) {
		free(e);
		free(best);
		free(prev);
		return -ENOMEM;
	}
	for (uint32_t i = 0; i < n; i++)
		e[i] =
		    (struct ent){ r[i].start_ns, r[i].end_ns, r[i].weight, i };
	qsort(e, n, sizeof(*e), cmp_end);
	/* prev[j]: how many reservations (by end) end at or before e[j]
	 * starts; best[j]: the optimum over the first j. */
	best[0] = 0;
	for (uint32_t j = 0; j < n; j++) {
		uint32_t lo = 0, hi = j;

		while (lo < hi) {
			uint32_t mid = lo + (hi - lo) / 2;

			if (e[mid].end <= e[j].start)
				lo = mid + 1;
			else
				hi = mid;
		}
		prev[j] = lo;
		best[j + 1] = best[j];
		if (best[lo] + e[j].w > best[j + 1])
			best[j + 1] = best[lo] + e[j].w;
	}
	*ret_weight = best[n];
	/* Walk back: take j when it is what made best[j + 1]. */
	for (uint32_t j = n; j > 0;) {
		if (best[j] != best[j - 1] &&
		    best[j] == best[prev[j - 1]] + e[j - 1].w) {
			ret_idx[k++] = e[j - 1].i;
			j = prev[j - 1];
		} else {
			j--;
		}
	}
	/* Collected by decreasing end: reverse to increasing start. */
	for (uint32_t a = 0, b = k ? k - 1 : 0; a < b; a++, b--) {
		uint32_t t = ret_idx[a];

		ret_idx[a] = ret_idx[b];
		ret_idx[b] = t;
	}
	*ret_n = k;
	free(e);
	free(best);
	free(prev);
	return 0;
}
