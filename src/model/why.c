/* why.c - storage for refusal reasons. */
#include "model/why.h"

#include "core/mem.h"

#include <stdlib.h>
#include <string.h>

static const char *const kind_names[WHY_NKINDS] = { "state", "label",
	"affinity", "anti-affinity", "capacity", "reserve" };

void
why_init(struct why *w)
{
	memset(w, 0, sizeof(*w));
}

void
why_done(struct why *w)
{
	free(w->v);
	memset(w, 0, sizeof(*w));
}

void
why_clear(struct why *w)
{
	w->n = 0;
	w->dropped = 0;
}

void
why_add(struct why *w, const struct why_reason *r)
{
	if (!w)
		return;
	if (mem_grow(&w->v, &w->cap, w->n + 1, sizeof(*w->v)) < 0) {
		w->dropped++;
		return;
	}
	w->v[w->n++] = *r;
}

const char *
why_kind_name(enum why_kind k)
{
	return k < WHY_NKINDS ? kind_names[k] : "?";
}
