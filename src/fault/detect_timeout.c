/* detect_timeout.c - the fixed-timeout detector: suspect after timeout_ms of silence. */
#include "fault/detect_registry.h"

#include "core/clock.h"

#include <stdlib.h>

static const struct param_spec timeout_params[] = {
	{ "timeout_ms", PARAM_DOUBLE, "15000", 0.001, 86400000.0, NULL,
	    "milliseconds of silence after the last heartbeat before the peer "
	    "is suspected (vSphere HA: 15000)" },
};

struct timeout {
	uint64_t timeout_ns;
	uint64_t last_ns;
};

static int
timeout_init(const struct params *p, void **ret_state)
{
	struct timeout *s = calloc(1, sizeof(*s));

	if (!s)
		return -ENOMEM;
	s->timeout_ns =
	    (uint64_t)(params_double(p, "timeout_ms") * (double)NS_PER_MS);
	if (s->timeout_ns == 0)
		s->timeout_ns = 1;
	*ret_state = s;
	return 0;
}

static void
timeout_fini(void *state)
{
	free(state);
}

static void
timeout_heartbeat(void *state, uint64_t t_ns)
{
	struct timeout *s = state;

	s->last_ns = t_ns;
}

/* The fraction of the timeout that has elapsed: 1 means suspected. */
static double
timeout_level(const void *state, uint64_t now_ns)
{
	const struct timeout *s = state;

	return (double)(now_ns - s->last_ns) / (double)s->timeout_ns;
}

static double
timeout_threshold(const void *state)
{
	(void)state;
	return 1.0;
}

static uint64_t
timeout_deadline(const void *state)
{
	const struct timeout *s = state;

	if (s->last_ns > UINT64_MAX - s->timeout_ns)
		return UINT64_MAX;
	return s->last_ns + s->timeout_ns;
}

const struct detect_ops detect_fixed_timeout = {
	.name = "fixed-timeout",
	.summary = "suspect a peer once timeout_ms pass without a heartbeat",
	.params = timeout_params,
	.n_params = ELEMENTSOF(timeout_params),
	.init = timeout_init,
	.fini = timeout_fini,
	.heartbeat = timeout_heartbeat,
	.level = timeout_level,
	.threshold = timeout_threshold,
	.deadline = timeout_deadline,
};
