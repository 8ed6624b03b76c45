/* detect.c - failure detectors on synthetic heartbeats: detection time vs false suspicions. */
#include "fault/detect.h"
#include "core/clock.h"
#include "core/rng.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/*
 * Each of HOSTS peers sends a heartbeat every second. The network delays
 * each one by a base latency plus normal jitter, loses some, and now and
 * then delays one by a spike (a GC pause, a congested link: exponential
 * with the given mean). Peers crash at exponentially distributed times
 * (mean CRASH_MEAN_S of uptime), stay down REPAIR_S, and come back with a
 * fresh detector. A heartbeat that arrives after a newer one is ignored, as
 * sequence numbers let a real monitor do.
 *
 * The detectors are driven by events through detector_deadline(): between
 * two fresh arrivals a live peer is wrongly suspected exactly when the
 * deadline passes first (a mistake; the time until the next arrival is
 * wrongly-suspected time); after a crash the peer is detected at the
 * deadline following its last arrival. Everything runs on a virtual clock
 * from a fixed seed, so figures repeat exactly.
 */
#define HOSTS 100
#define HOURS 24.0
#define PERIOD_NS NS_PER_S
#define CRASH_MEAN_S 1800.0
#define REPAIR_S 60.0
#define SEED 20260601

struct net {
	const char *name;
	double base_ms, jitter_ms, loss, spike_p, spike_mean_ms;
};

static const struct net nets[] = {
	{ "lan", 0.3, 2.0, 0.001, 0.0005, 300.0 },
	{ "noisy", 20.0, 50.0, 0.01, 0.005, 2000.0 },
};

struct config {
	const char *detector;
	const char *fixed; /* parameters held constant, or "" */
	const char *param; /* the one swept */
	double value;
};

static const struct config configs[] = {
	{ "fixed-timeout", "", "timeout_ms", 1500 },
	{ "fixed-timeout", "", "timeout_ms", 2000 },
	{ "fixed-timeout", "", "timeout_ms", 2500 },
	{ "fixed-timeout", "", "timeout_ms", 3000 },
	{ "fixed-timeout", "", "timeout_ms", 5000 },
	{ "fixed-timeout", "", "timeout_ms", 8000 },
	{ "fixed-timeout", "", "timeout_ms", 15000 },
	{ "phi-accrual", "", "threshold", 1 },
	{ "phi-accrual", "", "threshold", 3 },
	{ "phi-accrual", "", "threshold", 8 },
	{ "phi-accrual", "", "threshold", 16 },
	{ "phi-accrual", "pause_ms=1000", "threshold", 1 },
	{ "phi-accrual", "pause_ms=1000", "threshold", 2 },
	{ "phi-accrual", "pause_ms=1000", "threshold", 3 },
	{ "phi-accrual", "pause_ms=1000", "threshold", 5 },
	{ "phi-accrual", "pause_ms=1000", "threshold", 8 },
	{ "phi-accrual", "pause_ms=1000", "threshold", 12 },
	{ "phi-accrual", "pause_ms=1000", "threshold", 16 },
};

struct result {
	double det_mean_ms, det_p50_ms, det_p99_ms;
	double mistakes_per_hour; /* per peer-hour of uptime */
	double wrong_fraction; /* of uptime spent wrongly suspected */
	uint32_t crashes;
};

static double
normal(struct rng *r)
{
	double u = rng_unit(r), v = rng_unit(r);

	return sqrt(-2 * log(1 - u)) * cos(2 * M_PI * v);
}

static int
cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return x < y ? -1 : x > y;
}

/* Arrival time of a heartbeat sent at t_ns, or UINT64_MAX when lost. */
static uint64_t
arrival(struct rng *r, const struct net *n, uint64_t t_ns)
{
	double d = n->base_ms + fabs(normal(r)) * n->jitter_ms;

	if (rng_unit(r) < n->loss)
		return UINT64_MAX;
	if (rng_unit(r) < n->spike_p)
		d += rng_exp(r, n->spike_mean_ms);
	return t_ns + (uint64_t)(d * (double)NS_PER_MS);
}

static int
cmp_u64(const void *a, const void *b)
{
	uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;

	return x < y ? -1 : x > y;
}

/* One uptime of one peer: heartbeats sent from start to crash. Adds to the
 * result accumulators; returns -errno on failure. */
static int
run_life(struct rng *r, const struct net *n, const struct config *c,
    uint64_t start, uint64_t crash, bool crashes, double *det, uint32_t *n_det,
    double *mistakes, double *wrong_ns)
{
	uint64_t *arr, sent_n = (crash - start) / PERIOD_NS + 1;
	struct detector *x = NULL;
	char params[128];
	uint32_t na = 0;
	int rc;

	arr = malloc(sent_n * sizeof(*arr));
	if (!arr)
		return -ENOMEM;
	for (uint64_t t = start; t < crash; t += PERIOD_NS) {
		uint64_t a = arrival(r, n, t);

		if (a != UINT64_MAX)
			arr[na++] = a;
	}
	qsort(arr, na, sizeof(*arr), cmp_u64);
	snprintf(params, sizeof(params), "%s%s%s=%g", c->fixed,
	    c->fixed[0] ? "," : "", c->param, c->value);
	rc = detector_new(c->detector, params, &x, NULL);
	if (rc < 0) {
		free(arr);
		return rc;
	}
	/* The monitor starts with the peer's first heartbeat. */
	for (uint32_t i = 0; i < na; i++) {
		uint64_t dl = detector_deadline(x);

		if (dl != UINT64_MAX && arr[i] > dl) {
			*mistakes += 1;
			*wrong_ns += (double)(arr[i] - dl);
		}
		detector_heartbeat(x, arr[i]);
	}
	if (crashes && detector_deadline(x) != UINT64_MAX) {
		uint64_t dl = detector_deadline(x);

		det[(*n_det)++] = ((double)dl - (double)crash) / 1e6;
	}
	detector_free(x);
	free(arr);
	return 0;
}

static int
run(const struct net *n, const struct config *c, struct result *res)
{
	uint64_t end = (uint64_t)(HOURS * 3600) * NS_PER_S;
	double *det, mistakes = 0, wrong_ns = 0, up_ns = 0;
	uint32_t n_det = 0, cap = 1 << 16;
	struct rng r;
	int rc = 0;

	det = malloc(cap * sizeof(*det));
	if (!det)
		return -ENOMEM;
	/* The same seed for every configuration: each sees the same
	 * heartbeats, losses, spikes and crashes. */
	rng_init(&r, SEED);
	for (int h = 0; h < HOSTS && rc == 0; h++) {
		/* Peers send on their own phase. */
		uint64_t t = rng_below(&r, PERIOD_NS);

		while (t < end && rc == 0) {
			uint64_t life = (uint64_t)(rng_exp(&r, CRASH_MEAN_S) *
			    (double)NS_PER_S);
			uint64_t crash = t + life;
			bool crashes = crash < end;

			if (!crashes)
				crash = end;
			if (n_det == cap)
				break;
			rc = run_life(&r, n, c, t, crash, crashes, det, &n_det,
			    &mistakes, &wrong_ns);
			up_ns += (double)(crash - t);
			t = crash + (uint64_t)(REPAIR_S * (double)NS_PER_S);
		}
	}
	if (rc == 0) {
		double sum = 0;

		qsort(det, n_det, sizeof(*det), cmp_double);
		for (uint32_t i = 0; i < n_det; i++)
			sum += det[i];
		res->crashes = n_det;
		res->det_mean_ms = n_det ? sum / n_det : 0;
		res->det_p50_ms = n_det ? det[n_det / 2] : 0;
		res->det_p99_ms = n_det ? det[(uint32_t)(n_det * 0.99)] : 0;
		res->mistakes_per_hour = mistakes / (up_ns / 3.6e12);
		res->wrong_fraction = wrong_ns / up_ns;
	}
	free(det);
	return rc;
}

static void
emit(const char *cas, const char *metric, double v)
{
	printf("{\"bench\":\"detect\",\"case\":\"%s\",\"metric\":\"%s\","
	       "\"value\":%.6g}\n",
	    cas, metric, v);
}

int
main(void)
{
	fprintf(stderr,
	    "detect: %d peers x %.0f h, heartbeat every 1 s, crash every "
	    "%.0f s of uptime on average (seed %d)\n",
	    HOSTS, HOURS, CRASH_MEAN_S, SEED);
	for (size_t ni = 0; ni < ELEMENTSOF(nets); ni++) {
		const struct net *n = &nets[ni];

		fprintf(stderr,
		    "\nnetwork %s: delay %.1f ms + |N(0,%.0f ms)|, loss "
		    "%.1f%%, "
		    "spikes %.2f%% of mean %.0f ms\n",
		    n->name, n->base_ms, n->jitter_ms, n->loss * 100,
		    n->spike_p * 100, n->spike_mean_ms);
		fprintf(stderr, "%-14s %-28s %10s %10s %10s %12s %12s\n",
		    "detector", "setting", "detect p50", "mean", "p99",
		    "mistakes/h", "wrong time");
		for (size_t ci = 0; ci < ELEMENTSOF(configs); ci++) {
			const struct config *c = &configs[ci];
			struct result res = { 0 };
			char cas[192], set[128];
			int rc = run(n, c, &res);

			if (rc < 0) {
				fprintf(stderr, "detect: %s failed: %s\n",
				    c->detector, strerror(-rc));
				return 1;
			}
			snprintf(set, sizeof(set), "%s%s%s=%g", c->fixed,
			    c->fixed[0] ? "," : "", c->param, c->value);
			snprintf(cas, sizeof(cas), "%s/%s/net=%s", c->detector,
			    set, n->name);
			emit(cas, "detection_ms_p50", res.det_p50_ms);
			emit(cas, "detection_ms_mean", res.det_mean_ms);
			emit(cas, "detection_ms_p99", res.det_p99_ms);
			emit(cas, "false_suspicions_per_peer_hour",
			    res.mistakes_per_hour);
			emit(cas, "wrongly_suspected_fraction",
			    res.wrong_fraction);
			fprintf(stderr,
			    "%-14s %-28s %8.0f ms %7.0f ms %7.0f ms %12.4f "
			    "%12.2e\n",
			    c->detector, set, res.det_p50_ms, res.det_mean_ms,
			    res.det_p99_ms, res.mistakes_per_hour,
			    res.wrong_fraction);
		}
	}
	return 0;
}
