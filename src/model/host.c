/* host.c - host state names and free-capacity arithmetic. */
#include "model/host.h"

#include <string.h>

static const char *const state_names[HOST_NSTATES] = { "up", "maintenance",
	"down" };

const char *
host_state_name(enum host_state s)
{
	return s < HOST_NSTATES ? state_names[s] : "?";
}

int
host_state_parse(const char *s, enum host_state *ret)
{
	for (int i = 0; i < HOST_NSTATES; i++) {
		if (strcmp(s, state_names[i]) == 0) {
			*ret = (enum host_state)i;
			return 0;
		}
	}
	return -ENOENT;
}

void
host_free_res(const struct host *h, struct res *ret)
{
	for (int d = 0; d < RES_NDIM; d++) {
		int64_t f = h->limit.v[d] - h->alloc.v[d];

		ret->v[d] = f > 0 ? f : 0;
	}
}
