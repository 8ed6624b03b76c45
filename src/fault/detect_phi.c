/* detect_phi.c - the phi-accrual detector (Hayashibara et al., SRDS 2004). */
#include "fault/detect_registry.h"

#include "core/clock.h"

#include <math.h>
#include <stdlib.h>

/*
 * phi(t) = -log10(P(the next heartbeat comes later than t)), where the
 * inter-arrival times are modelled as a normal distribution whose mean and
 * standard deviation are those of the last `window` intervals. phi = 1
 * means a 10% chance that suspecting now is a mistake, phi = 8 one in 10^8.
 * Before the first interval is known, the distribution is
 * N(first_interval, first_interval / 4) (as Akka does).
 */
static const struct param_spec phi_params[] = {
	{ "threshold", PARAM_DOUBLE, "8", 0.01, 300.0, NULL,
	    "suspect when phi reaches this (phi = -log10 of the chance that "
	    "the "
	    "heartbeat is merely late)" },
	{ "window", PARAM_INT, "1000", 2, 100000, NULL,
	    "heartbeat intervals remembered for the mean and deviation" },
	{ "min_std_ms", PARAM_DOUBLE, "50", 0.001, 3600000.0, NULL,
	    "floor of the standard deviation, in milliseconds" },
	{ "pause_ms", PARAM_DOUBLE, "0", 0.0, 3600000.0, NULL,
	    "acceptable pause: added to the mean interval, in milliseconds" },
	{ "first_interval_ms", PARAM_DOUBLE, "1000", 0.001, 3600000.0, NULL,
	    "expected heartbeat interval before any has been measured" },
};

struct phi {
	double threshold;
	double z; /* phi(z) = threshold */
	double min_std_ns, pause_ns, first_ns;
	double *iv; /* ring of intervals, ns */
	uint32_t window, n, head;
	/* Sums of (interval - shift) and its square over the ring; shifting
	 * by a typical interval keeps the variance free of cancellation. */
	double shift, sum, sumsq;
	uint32_t since_resum;
	uint64_t last_ns;
	bool have_last;
	uint64_t deadline_ns; /* cached: changes only on a heartbeat */
};

static void
stats(const struct phi *s, double *mean, double *std)
{
	double m, var;

	if (s->n == 0) {
		*mean = s->first_ns + s->pause_ns;
		*std = fmax(s->first_ns / 4, s->min_std_ns);
		return;
	}
	m = s->sum / s->n;
	var = s->sumsq / s->n - m * m;
	*mean = m + s->shift + s->pause_ns;
	*std = fmax(sqrt(var > 0 ? var : 0), s->min_std_ns);
}

/* log10 of the upper tail Q(z) = P(N(0,1) > z), accurate far into it. */
static double
log10_tail(double z)
{
	double x = z / M_SQRT2, e;

	if (x < 25) {
		e = 0.5 * erfc(x);
		if (e > 0)
			return log10(e);
	}
	/* erfc(x) ~ exp(-x^2) / (x sqrt(pi)) * (1 - 1/(2x^2)) */
	return (-x * x - log(x * sqrt(M_PI)) + log1p(-0.5 / (x * x)) - M_LN2) /
	    M_LN10;
}

static double
phi_at(double mean, double std, double elapsed_ns)
{
	return -log10_tail((elapsed_ns - mean) / std);
}

/* The z at which phi reaches the threshold: the smallest z with
 * -log10 Q(z) >= threshold, by bisection (once per instance). */
static double
threshold_z(double threshold)
{
	double lo = -40, hi = 1e6;

	for (int i = 0; i < 200 && hi - lo > 1e-12; i++) {
		double mid = (lo + hi) / 2;

		if (-log10_tail(mid) >= threshold)
			hi = mid;
		else
			lo = mid;
	}
	return hi;
}

static void
update_deadline(struct phi *s)
{
	double mean, std, dt;

	stats(s, &mean, &std);
	dt = ceil(mean + s->z * std);
	if (dt < 0)
		dt = 0;
	if (dt >= (double)(UINT64_MAX - s->last_ns))
		s->deadline_ns = UINT64_MAX;
	else
		s->deadline_ns = s->last_ns + (uint64_t)dt;
}

static int
phi_init(const struct params *p, void **ret_state)
{
	struct phi *s = calloc(1, sizeof(*s));

	if (!s)
		return -ENOMEM;
	s->threshold = params_double(p, "threshold");
	s->z = threshold_z(s->threshold);
	s->window = (uint32_t)params_int(p, "window");
	s->min_std_ns = params_double(p, "min_std_ms") * (double)NS_PER_MS;
	s->pause_ns = params_double(p, "pause_ms") * (double)NS_PER_MS;
	s->first_ns = params_double(p, "first_interval_ms") * (double)NS_PER_MS;
	s->iv = calloc(s->window, sizeof(*s->iv));
	if (!s->iv) {
		free(s);
		return -ENOMEM;
	}
	*ret_state = s;
	return 0;
}

static void
phi_fini(void *state)
{
	struct phi *s = state;

	if (!s)
		return;
	free(s->iv);
	free(s);
}

static void
resum(struct phi *s)
{
	s->sum = s->sumsq = 0;
	for (uint32_t i = 0; i < s->n; i++) {
		double d = s->iv[i] - s->shift;

		s->sum += d;
		s->sumsq += d * d;
	}
	s->since_resum = 0;
}

static void
phi_heartbeat(void *state, uint64_t t_ns)
{
	struct phi *s = state;

	if (s->have_last) {
		double x = (double)(t_ns - s->last_ns), d;

		if (s->n == 0)
			s->shift = x;
		if (s->n == s->window) {
			d = s->iv[s->head] - s->shift;
			s->sum -= d;
			s->sumsq -= d * d;
		} else {
			s->n++;
		}
		s->iv[s->head] = x;
		s->head = (s->head + 1) % s->window;
		d = x - s->shift;
		s->sum += d;
		s->sumsq += d * d;
		/* Adding and removing drifts; recompute once per window. */
		if (++s->since_resum >= s->window)
			resum(s);
	}
	s->last_ns = t_ns;
	s->have_last = true;
	update_deadline(s);
}

static double
phi_level(const void *state, uint64_t now_ns)
{
	const struct phi *s = state;
	double mean, std;

	stats(s, &mean, &std);
	return phi_at(mean, std, (double)(now_ns - s->last_ns));
}

static double
phi_threshold(const void *state)
{
	return ((const struct phi *)state)->threshold;
}

static uint64_t
phi_deadline(const void *state)
{
	return ((const struct phi *)state)->deadline_ns;
}

const struct detect_ops detect_phi_accrual = {
	.name = "phi-accrual",
	.summary = "suspect a peer when phi, the improbability of its silence "
		   "given past heartbeat intervals, reaches threshold",
	.params = phi_params,
	.n_params = ELEMENTSOF(phi_params),
	.init = phi_init,
	.fini = phi_fini,
	.heartbeat = phi_heartbeat,
	.level = phi_level,
	.threshold = phi_threshold,
	.deadline = phi_deadline,
};
