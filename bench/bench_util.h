/* bench_util.h - timing, medians and JSON-line output shared by the benchmarks. */
#ifndef BENCH_BENCH_UTIL_H
#define BENCH_BENCH_UTIL_H

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <time.h>

static inline double
bench_now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec * 1e-9;
}

static inline int
bench_cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return x < y ? -1 : x > y;
}

/* Median of v[0..n) (sorts v). */
static inline double
bench_median(double *v, int n)
{
	qsort(v, (size_t)n, sizeof(*v), bench_cmp_double);
	return n % 2 ? v[n / 2] : (v[n / 2 - 1] + v[n / 2]) / 2;
}

/* One measurement as ARCHITECTURE.md's JSON line; baseline may be NULL. */
static inline void
bench_emit(const char *bench, const char *cas, const char *metric, double value,
    const char *baseline, double baseline_value)
{
	printf("{\"bench\":\"%s\",\"case\":\"%s\",\"metric\":\"%s\","
	       "\"value\":%.6g",
	    bench, cas, metric, value);
	if (baseline)
		printf(",\"baseline\":\"%s\",\"baseline_value\":%.6g,"
		       "\"ratio\":%.4g",
		    baseline, baseline_value,
		    baseline_value != 0 ? value / baseline_value : 0.0);
	printf("}\n");
	fflush(stdout);
}

#endif
