/* test_detect.c - failure detectors: registry, params, deadlines, adaptivity. */
#include "core/clock.h"
#include "fault/detect.h"
#include "tap.h"

#include <math.h>

static void
test_registry(void)
{
	const struct detect_ops *const *all;
	struct detector *x = NULL;
	struct diag d = { 0 };
	uint32_t n;
	bool sorted = true;

	all = detect_registry(&n);
	ok(n >= 2, "at least two detectors");
	for (uint32_t i = 1; i < n; i++)
		sorted &= strcmp(all[i - 1]->name, all[i]->name) < 0;
	ok(sorted, "registry sorted by name");
	is_int(detector_new("nope", NULL, &x, &d), -ENOENT,
	    "unknown detector: %s", d.msg);
	ok(strstr(d.msg, "fixed-timeout, phi-accrual"), "lists the valid ones");
	is_int(detector_new("phi-accrual", "threshold=-1", &x, &d), -EINVAL,
	    "bad parameter: %s", d.msg);
	is_int(detector_new("phi-accrual", "bogus=1", &x, &d), -EINVAL,
	    "unknown parameter: %s", d.msg);
}

static void
test_timeout(void)
{
	struct detector *x = NULL;
	struct diag d = { 0 };

	detector_new("fixed-timeout", "timeout_ms=2000", &x, &d);
	ok(!detector_suspect(x, 5 * NS_PER_S) &&
		detector_deadline(x) == UINT64_MAX,
	    "nothing suspected before the first heartbeat");
	detector_heartbeat(x, 10 * NS_PER_S);
	is_int(detector_deadline(x), 12 * NS_PER_S, "deadline = last + 2 s");
	ok(!detector_suspect(x, 12 * NS_PER_S - 1) &&
		detector_suspect(x, 12 * NS_PER_S),
	    "suspected exactly at the deadline");
	ok(fabs(detector_level(x, 11 * NS_PER_S) - 0.5) < 1e-12,
	    "level = elapsed / timeout");
	is_int(detector_heartbeat(x, 9 * NS_PER_S), -EINVAL,
	    "time going back is refused");
	is_int(detector_deadline(x), 12 * NS_PER_S, "and changes nothing");
	detector_free(x);
}

static void
test_phi(void)
{
	struct detector *x = NULL, *y = NULL;
	struct diag d = { 0 };
	uint64_t t = 0, dl_calm, dl_jittery;
	bool consistent = true;

	detector_new("phi-accrual", "threshold=8,min_std_ms=1", &x, &d);
	detector_new("phi-accrual", "threshold=8,min_std_ms=1", &y, &d);
	/* x: regular 1 s heartbeats; y: alternating 0.8 s and 1.2 s. */
	for (int i = 0; i < 200; i++) {
		detector_heartbeat(x, (uint64_t)i * NS_PER_S);
		t += i % 2 ? 800 * NS_PER_MS : 1200 * NS_PER_MS;
		detector_heartbeat(y, t);
	}
	dl_calm = detector_deadline(x) - 199 * NS_PER_S;
	dl_jittery = detector_deadline(y) - t;
	ok(dl_calm > NS_PER_S && dl_calm < 1100 * NS_PER_MS,
	    "regular heartbeats: suspected soon after 1 s (%.0f ms)",
	    dl_calm / 1e6);
	ok(dl_jittery > 1500 * NS_PER_MS,
	    "jittery heartbeats: the same threshold waits longer (%.0f ms)",
	    dl_jittery / 1e6);
	/* level and deadline agree: below the threshold just before, at or
	 * above it at the deadline. */
	for (uint64_t k = 0; k < 50; k++) {
		uint64_t dl = detector_deadline(y);

		consistent &= detector_level(y, dl - NS_PER_MS) < 8.0 &&
		    detector_level(y, dl + NS_PER_MS) >= 8.0 &&
		    detector_suspect(y, dl) && !detector_suspect(y, dl - 1);
		t += NS_PER_S + k * NS_PER_MS;
		detector_heartbeat(y, t);
	}
	ok(consistent, "phi crosses the threshold at the deadline");
	ok(detector_level(x, 199 * NS_PER_S + 60 * NS_PER_S) > 300,
	    "a long silence has a huge phi (no overflow)");
	detector_free(x);
	detector_free(y);
	detector_new("phi-accrual", "threshold=8,pause_ms=3000", &x, &d);
	detector_heartbeat(x, 0);
	ok(detector_deadline(x) > 4 * NS_PER_S,
	    "before any interval: first_interval + pause (%.0f ms)",
	    detector_deadline(x) / 1e6);
	detector_free(x);
}

int
main(void)
{
	test_registry();
	test_timeout();
	test_phi();
	return tap_done();
}
