/* traces.c - trace reader speed on the shared traces: records/s, MB/s, peak RSS, against decompress-and-split-lines alone. */
#include "sim/tline.h"
#include "sim/trace.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

/*
 * For every shared trace (and one synthetic vmgr CSV): the wall time to
 * read all its records through trace_open/trace_next, and as the baseline
 * the time to only decompress its files and split them into lines (the
 * same tline code, no parsing), alternating, REPS times each; medians.
 * Each trace runs in a child process so that its peak RSS is its own.
 * MB/s counts the input's bytes on disk (compressed where it is).
 *
 * usage: bench_traces [DATA_DIR]   (default: ../shared/data)
 */
#define REPS_MIN 3
#define REPS_MAX 9
#define BUDGET_S 4.0
#define CSV_VMS 1000000

struct bench_case {
	const char *name, *format, *rel;
};

static const struct bench_case cases[] = {
	{ "planetlab/7-days", "planetlab", "planetlab_cpu" },
	{ "planetlab/1-day", "planetlab",
	    "planetlab_cpu/planetlab_20110303.tar.gz" },
	{ "bitbrains/rnd-500", "bitbrains",
	    "bitbrains_rnd/rnd_2013-7_vm1-500.tar.zst" },
	{ "azure/dev+durations", "azure",
	    "azure_v1_vm_arrivals/v1.dev.txt.gz" },
	{ "azure/train", "azure", "azure_v1_vm_arrivals/v1.train.txt.gz" },
	{ "alibaba/default", "alibaba",
	    "alibaba_gpu_v2023/openb_pod_list_default.csv.gz" },
	{ "swf/nasa-ipsc", "swf",
	    "pwa_nasa_ipsc_swf/NASA-iPSC-1993-3.1-cln.swf.gz" },
};

static double
now_s(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

/* CPU time of this process: on a shared machine it moves less than wall
 * time when other jobs take the cores. */
static double
cpu_s(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static int
cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return x < y ? -1 : x > y;
}

static double
median(double *v, unsigned n)
{
	qsort(v, n, sizeof(*v), cmp_double);
	return n % 2 ? v[n / 2] : (v[n / 2 - 1] + v[n / 2]) / 2;
}

/* Reads every record: the count (samples in *ret_samples), or -1. */
static long long
read_trace(const char *spec, unsigned long long *ret_samples)
{
	struct trace_opts o = { .seed = 1 };
	const struct trace_rec *r;
	struct trace *t;
	struct diag d = { 0 };
	long long n = 0;
	unsigned long long samples = 0;
	int rc;

	if (trace_open(spec, &o, &t, &d) < 0) {
		fprintf(stderr, "bench_traces: %s\n", d.msg);
		return -1;
	}
	while ((rc = trace_next(t, &r, &d)) > 0) {
		n++;
		samples += r->n_samples;
	}
	trace_close(t);
	if (rc < 0) {
		fprintf(stderr, "bench_traces: %s\n", d.msg);
		return -1;
	}
	*ret_samples = samples;
	return n;
}

/* The baseline: every line of every file (and archive member) under
 * path, with the bytes on disk added to *bytes. The line count, or -1. */
static long long
lines_only(const char *path, unsigned long long *bytes)
{
	enum tline_kind kind;
	struct tline l = { 0 };
	struct diag d = { 0 };
	const char *s, *name;
	size_t len;
	long long n = 0;
	struct stat st;

	if (tline_stat(path, &kind, &d) < 0)
		return -1;
	if (kind == TLINE_DIR) {
		char **list;
		uint32_t k;

		if (tline_list_dir(path, &list, &k, &d) < 0)
			return -1;
		for (uint32_t i = 0; i < k && n >= 0; i++) {
			long long m = lines_only(list[i], bytes);

			n = m < 0 ? -1 : n + m;
		}
		tline_list_free(list, k);
		return n;
	}
	if (stat(path, &st) == 0)
		*bytes += (unsigned long long)st.st_size;
	if (tline_is_archive_name(path)) {
		struct tline_arch *a;

		if (tline_arch_open(path, &a, &d) < 0)
			return -1;
		while (tline_arch_next(a, &name, &d) > 0) {
			tline_open_member(&l, a);
			while (tline_next(&l, &s, &len, &d) > 0)
				n++;
			tline_close(&l);
		}
		tline_arch_close(a);
		return n;
	}
	if (tline_open_file(&l, path, &d) < 0)
		return -1;
	while (tline_next(&l, &s, &len, &d) > 0)
		n++;
	tline_close(&l);
	return n;
}

static void
emit(const char *name, const char *metric, double value)
{
	printf("{\"bench\":\"traces\",\"case\":\"%s\",\"metric\":\"%s\","
	       "\"value\":%.6g}\n",
	    name, metric, value);
}

/* Runs one case (in a child): its JSON lines but the peak RSS. */
static int
run_case(
    const char *name, const char *format, const char *path, const char *also)
{
	double t_read[REPS_MAX], t_base[REPS_MAX], c_read[REPS_MAX],
	    c_base[REPS_MAX], t0, c0, start = now_s();
	unsigned long long samples = 0, bytes = 0;
	long long n = 0, lines = 0;
	unsigned reps = 0;
	char spec[4096];

	snprintf(spec, sizeof(spec), "%s:%s", format, path);
	while (reps < REPS_MAX &&
	    (reps < REPS_MIN || now_s() - start < BUDGET_S)) {
		t0 = now_s();
		c0 = cpu_s();
		n = read_trace(spec, &samples);
		t_read[reps] = now_s() - t0;
		c_read[reps] = cpu_s() - c0;
		bytes = 0;
		t0 = now_s();
		c0 = cpu_s();
		lines = lines_only(path, &bytes);
		if (also)
			lines += lines_only(also, &bytes);
		t_base[reps] = now_s() - t0;
		c_base[reps] = cpu_s() - c0;
		if (n < 0 || lines < 0)
			return 1;
		reps++;
		fprintf(stderr, "%s: rep %u: %.3f s (lines only %.3f s)\n",
		    name, reps, t_read[reps - 1], t_base[reps - 1]);
	}
	{
		double tr = median(t_read, reps), tb = median(t_base, reps);
		double cr = median(c_read, reps), cb = median(c_base, reps);

		printf("{\"bench\":\"traces\",\"case\":\"%s\",\"metric\":"
		       "\"wall_s\",\"value\":%.6g,\"baseline\":\"lines-only\","
		       "\"baseline_value\":%.6g,\"ratio\":%.3g}\n",
		    name, tr, tb, tr / tb);
		printf("{\"bench\":\"traces\",\"case\":\"%s\",\"metric\":"
		       "\"cpu_s\",\"value\":%.6g,\"baseline\":\"lines-only\","
		       "\"baseline_value\":%.6g,\"ratio\":%.3g}\n",
		    name, cr, cb, cr / cb);
		emit(name, "records", (double)n);
		emit(name, "records_per_s", (double)n / tr);
		if (samples)
			emit(name, "samples_per_s", (double)samples / tr);
		emit(name, "lines", (double)lines);
		emit(name, "disk_mb", (double)bytes / 1e6);
		emit(name, "disk_mb_per_s", (double)bytes / 1e6 / tr);
	}
	fflush(stdout);
	return 0;
}

static void
run_forked(
    const char *name, const char *format, const char *path, const char *also)
{
	struct rusage ru;
	int status = 0;
	pid_t pid;

	fflush(stdout);
	pid = fork();
	if (pid == 0)
		_exit(run_case(name, format, path, also));
	if (pid < 0 || wait4(pid, &status, 0, &ru) < 0) {
		fprintf(stderr, "bench_traces: %s: cannot run\n", name);
		return;
	}
	if (!WIFEXITED(status) || WEXITSTATUS(status) != 0) {
		fprintf(stderr, "bench_traces: %s failed\n", name);
		return;
	}
	emit(name, "peak_rss_mib", (double)ru.ru_maxrss / 1024);
}

/* A synthetic vmgr CSV: CSV_VMS VMs, every tenth with 12 samples. */
static int
write_csv(const char *path)
{
	FILE *f = fopen(path, "w");

	if (!f)
		return -1;
	fprintf(f,
	    "name,arrive_s,depart_s,cpu_milli,memory_mib,priority,"
	    "samples\n");
	for (long i = 0; i < CSV_VMS; i++) {
		fprintf(f, "vm%ld,%ld.%03ld,%ld,%ld,%ld,%ld,", i, i / 10,
		    (i % 10) * 100, i / 10 + 3600, 500 + (i % 8) * 500,
		    512L << (i % 5), i % 3);
		if (i % 10 == 0)
			fprintf(f,
			    "300:100/200;150/210;200/220;250/230;"
			    "300/240;350/250;400/260;450/270;500/280;"
			    "550/290;600/300;650/310");
		fputc('\n', f);
	}
	return fclose(f);
}

int
main(int argc, char **argv)
{
	const char *dir = argc > 1 ? argv[1] : "../shared/data";
	char path[4096], also[4096], csv[] = "/tmp/vmgr-bench-traces.XXXXXX";
	struct stat st;
	int fd;

	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		const char *a = NULL;

		snprintf(path, sizeof(path), "%s/%s", dir, cases[i].rel);
		if (stat(path, &st) < 0) {
			fprintf(stderr,
			    "bench_traces: %s: not there, skipped\n", path);
			continue;
		}
		/* The dev split's durations are read too. */
		if (strstr(cases[i].rel, "v1.dev.txt.gz")) {
			snprintf(also, sizeof(also),
			    "%s/azure_v1_vm_arrivals/v1.dev.c2100000.txt.gz",
			    dir);
			a = also;
		}
		run_forked(cases[i].name, cases[i].format, path, a);
	}
	fd = mkstemp(csv);
	if (fd >= 0) {
		close(fd);
		fprintf(stderr, "bench_traces: writing %d VMs to %s\n", CSV_VMS,
		    csv);
		if (write_csv(csv) == 0)
			run_forked("csv/synthetic-1M", "csv", csv, NULL);
		unlink(csv);
	}
	return 0;
}
