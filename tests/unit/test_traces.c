/* test_traces.c - the trace readers on tiny hand-written traces: records one by one, exact error messages, skip counts. */
#include "sim/trace.h"
#include "sim/trace_parse.h"
#include "tap.h"

#include <ftw.h>
#include <stdbool.h>
#include <sys/stat.h>
#include <unistd.h>

#define S UINT64_C(1000000000)
#define FOREVER (-1.0)

static const char *data_dir;
static char tmp_dir[256];

/* --- helpers --- */

static void
spec_of(char *out, size_t n, const char *fmt, const char *dir, const char *rel)
{
	snprintf(out, n, "%s:%s/%s", fmt, dir, rel);
}

static struct trace *
open_spec(const char *spec, bool skip_bad, uint64_t seed)
{
	struct trace_opts o = { .skip_bad = skip_bad, .seed = seed };
	struct trace *t = NULL;
	struct diag d = { 0 };

	if (trace_open(spec, &o, &t, &d) < 0) {
		tap_diag("trace_open(%s): %s", spec, d.msg);
		return NULL;
	}
	return t;
}

static struct trace *
open_data(const char *fmt, const char *rel)
{
	char spec[1024];

	spec_of(spec, sizeof(spec), fmt, data_dir, rel);
	return open_spec(spec, false, 0);
}

/* The next record, or NULL (with a TAP diagnostic on an error). */
static const struct trace_rec *
next(struct trace *t)
{
	const struct trace_rec *r = NULL;
	struct diag d = { 0 };
	int rc;

	if (!t)
		return NULL;
	rc = trace_next(t, &r, &d);
	if (rc < 0)
		tap_diag("trace_next: %s", d.msg);
	return rc > 0 ? r : NULL;
}

static void
check_rec(const struct trace_rec *r, const char *name, double arr_s,
    double dep_s, int64_t cpu, int64_t mem)
{
	if (!ok(r != NULL, "record %s is there", name))
		return;
	is_str(r->name, name, "%s: name", name);
	is_int(r->arrive_ns, (int64_t)(arr_s * S), "%s: arrives at %g s", name,
	    arr_s);
	if (dep_s < 0)
		ok(r->depart_ns == TRACE_FOREVER, "%s: never departs", name);
	else
		is_int(r->depart_ns, (int64_t)(dep_s * S),
		    "%s: departs at %g s", name, dep_s);
	is_int(r->demand.v[RES_CPU], cpu, "%s: cpu_milli", name);
	is_int(r->demand.v[RES_MEM], mem, "%s: memory_mib", name);
}

static void
check_samples(const struct trace_rec *r, uint64_t step_s, uint32_t n,
    const uint16_t *cpu, const uint16_t *mem)
{
	bool same = true;

	if (!r)
		return;
	is_int(r->n_samples, n, "%s: %u samples", r->name, n);
	is_int(r->step_ns, step_s * S, "%s: every %llu s", r->name,
	    (unsigned long long)step_s);
	for (uint32_t k = 0; k < n && k < r->n_samples; k++) {
		if (!r->cpu_use || r->cpu_use[k] != cpu[k]) {
			tap_diag("cpu[%u]: got %d want %d", k,
			    r->cpu_use ? r->cpu_use[k] : -1, cpu[k]);
			same = false;
		}
		if (mem && (!r->mem_use || r->mem_use[k] != mem[k])) {
			tap_diag("mem[%u]: got %d want %d", k,
			    r->mem_use ? r->mem_use[k] : -1, mem[k]);
			same = false;
		}
	}
	ok(same, "%s: sample values", r->name);
	ok(mem ? r->mem_use != NULL : r->mem_use == NULL,
	    "%s: memory samples %s", r->name, mem ? "present" : "absent");
}

static void
check_end(struct trace *t, const char *what)
{
	ok(t && next(t) == NULL, "%s: no more records", what);
	trace_close(t);
}

/* Writes content to tmp_dir/rel, making the directories on the way. */
static void
wfile(const char *rel, const char *content)
{
	char path[1024];
	FILE *f;

	snprintf(path, sizeof(path), "%s/%s", tmp_dir, rel);
	for (char *p = path + strlen(tmp_dir) + 1; *p; p++) {
		if (*p != '/')
			continue;
		*p = '\0';
		mkdir(path, 0755);
		*p = '/';
	}
	f = fopen(path, "w");
	if (!f) {
		tap_diag("cannot write %s", path);
		return;
	}
	fputs(content, f);
	fclose(f);
}

static int
rm_one(const char *path, const struct stat *st, int flag, struct FTW *ftw)
{
	(void)st;
	(void)flag;
	(void)ftw;
	return remove(path);
}

static void
rm_tmp(void)
{
	nftw(tmp_dir, rm_one, 16, FTW_DEPTH | FTW_PHYS);
}

/* Copies fmt to out with each "%s" replaced by tmp_dir and "%%" by "%". */
static void
expand(char *out, size_t n, const char *fmt)
{
	size_t o = 0, tl = strlen(tmp_dir);

	for (const char *p = fmt; *p && o + 1 < n; p++) {
		if (p[0] == '%' && p[1] == 's' && o + tl + 1 < n) {
			memcpy(out + o, tmp_dir, tl);
			o += tl;
			p++;
		} else if (p[0] == '%' && p[1] == '%') {
			out[o++] = '%';
			p++;
		} else {
			out[o++] = *p;
		}
	}
	out[o] = '\0';
}

/* Expects trace_open to fail with code and message (%s = tmp_dir). */
static void
open_fails(const char *spec_fmt, int code, const char *msg_fmt)
{
	char spec[1024], want[1024];
	struct trace_opts o = { 0 };
	struct trace *t = NULL;
	struct diag d = { 0 };
	int r;

	expand(spec, sizeof(spec), spec_fmt);
	expand(want, sizeof(want), msg_fmt);
	r = trace_open(spec, &o, &t, &d);
	is_int(r, code, "open fails: %s", spec_fmt);
	is_str(d.msg, want, "... saying so");
	trace_close(t);
}

/* Expects `good` records, then an error with the message (%s = tmp_dir). */
static void
next_fails(const char *spec_fmt, int good, const char *msg_fmt)
{
	char spec[1024], want[1024];
	const struct trace_rec *rec;
	struct trace_opts o = { 0 };
	struct trace *t = NULL;
	struct diag d = { 0 };
	int r = 0, n = 0;

	expand(spec, sizeof(spec), spec_fmt);
	expand(want, sizeof(want), msg_fmt);
	if (trace_open(spec, &o, &t, &d) < 0) {
		ok(0, "open %s", spec);
		tap_diag("%s", d.msg);
		return;
	}
	while ((r = trace_next(t, &rec, &d)) > 0)
		n++;
	is_int(n, good, "%d records before the error", good);
	ok(r < 0, "then an error");
	is_str(d.msg, want, "... saying where and what");
	/* The error sticks. */
	ok(trace_next(t, &rec, &d) == r, "... and sticks");
	trace_close(t);
}

/* With skip_bad: n records, `skipped` skipped, the first one's message. */
static void
skips(const char *spec_fmt, int good, uint64_t skipped, const char *msg_fmt)
{
	char spec[1024], want[1024];
	const struct trace_rec *rec;
	const char *first;
	struct trace *t;
	struct diag d = { 0 };
	int r, n = 0;

	expand(spec, sizeof(spec), spec_fmt);
	expand(want, sizeof(want), msg_fmt);
	t = open_spec(spec, true, 0);
	if (!ok(t != NULL, "skip_bad: open"))
		return;
	while ((r = trace_next(t, &rec, &d)) > 0)
		n++;
	is_int(r, 0, "skip_bad: reads to the end");
	is_int(n, good, "skip_bad: %d records", good);
	is_int(trace_skipped(t, &first), skipped, "skip_bad: %llu skipped",
	    (unsigned long long)skipped);
	is_str(first, want, "skip_bad: the first one's message is kept");
	trace_close(t);
}

/* --- the API --- */

static void
test_api(void)
{
	struct trace *t = NULL;
	struct diag d = { 0 };

	is_str(trace_formats(),
	    "planetlab, bitbrains, azure, alibaba, swf, csv", "formats listed");
	is_int(trace_open("nosuch:x", NULL, &t, &d), -ENOENT, "unknown format");
	is_str(d.msg,
	    "trace \"nosuch:x\": unknown format \"nosuch\" (known: planetlab, "
	    "bitbrains, azure, alibaba, swf, csv)",
	    "... named with the known ones");
	is_int(trace_open("csv", NULL, &t, &d), -EINVAL, "no colon");
	is_str(d.msg,
	    "trace \"csv\": expected FORMAT:PATH with FORMAT one of planetlab, "
	    "bitbrains, azure, alibaba, swf, csv",
	    "... says the form");
	is_int(trace_open("csv:/nonexistent/x.csv", NULL, &t, &d), -ENOENT,
	    "missing file");
	is_str(d.msg,
	    "/nonexistent/x.csv: cannot open: No such file or directory",
	    "... named");
	ok(trace_close(NULL) == NULL, "trace_close(NULL)");
}

/* --- PlanetLab --- */

static void
test_planetlab(void)
{
	static const uint16_t alpha[] = { 100, 200, 300, 400 };
	static const uint16_t beta[] = { 0, 1000, 50 };
	static const uint16_t delta[] = { 70, 80 };
	struct trace *t = open_data("planetlab", "planetlab/day");
	const struct trace_rec *r;

	/* Round-robin over the four CloudSim types, in name order; the
	 * hidden file is left out. */
	r = next(t);
	check_rec(r, "alpha", 0, 1200, 2500, 870);
	check_samples(r, 300, 4, alpha, NULL);
	r = next(t);
	check_rec(r, "beta gamma", 0, 900, 2000, 1740);
	check_samples(r, 300, 3, beta, NULL);
	r = next(t);
	check_rec(r, "delta", 0, 600, 1000, 1740);
	check_samples(r, 300, 2, delta, NULL);
	r = next(t);
	check_rec(r, "epsilon", 0, 300, 500, 613);
	r = next(t);
	check_rec(r, "zeta", 0, 600, 2500, 870);
	check_end(t, "planetlab day");

	/* Days in name order, 24 h apart: an archive, then a directory. */
	t = open_data("planetlab", "planetlab/days");
	check_rec(next(t), "vm1", 0, 900, 2500, 870);
	check_rec(next(t), "vm2", 0, 600, 2000, 1740);
	check_rec(next(t), "vm3", 86400, 86700, 1000, 1740);
	check_end(t, "planetlab days");

	/* One archive alone. */
	t = open_data("planetlab", "planetlab/days/d1.tar.gz");
	check_rec(next(t), "vm1", 0, 900, 2500, 870);
	check_rec(next(t), "vm2", 0, 600, 2000, 1740);
	check_end(t, "planetlab archive");
}

static void
test_planetlab_bad(void)
{
	static const uint16_t held[] = { 100, 100, 200 };
	const struct trace_rec *r;
	struct trace *t;
	char spec[512];

	wfile("pl1/vm", "10\nabc\n20\n");
	next_fails("planetlab:%s/pl1", 0,
	    "%s/pl1/vm:2: expected an integer CPU percentage 0..100, got "
	    "\"abc\"");
	skips("planetlab:%s/pl1", 1, 1,
	    "%s/pl1/vm:2: expected an integer CPU percentage 0..100, got "
	    "\"abc\"");
	/* A skipped line keeps the grid: its slot repeats the one before. */
	snprintf(spec, sizeof(spec), "planetlab:%s/pl1", tmp_dir);
	t = open_spec(spec, true, 0);
	r = next(t);
	check_samples(r, 300, 3, held, NULL);
	trace_close(t);

	wfile("pl2/vm", "101\n");
	next_fails("planetlab:%s/pl2", 0,
	    "%s/pl2/vm:1: expected an integer CPU percentage 0..100, got "
	    "\"101\"");
	wfile("pl3/a", "5\n");
	wfile("pl3/b", "");
	wfile("pl3/c", "-1\n");
	next_fails("planetlab:%s/pl3", 1,
	    "%s/pl3/b: expected CPU percentages, one per line; the file is "
	    "empty");
	/* c's only line is bad: skipped, its slot holds 0. */
	skips("planetlab:%s/pl3", 2, 2,
	    "%s/pl3/b: expected CPU percentages, one per line; the file is "
	    "empty");
	wfile("pl4/vm", "5\n");
	wfile("pl4/x.tar.gz", "");
	open_fails("planetlab:%s/pl4", -EINVAL,
	    "%s/pl4: expected either VM files or days (archives or "
	    "directories of VM files), found both: vm and x.tar.gz");
	open_fails("planetlab:%s/nonexistent", -ENOENT,
	    "%s/nonexistent: No such file or directory");
	/* A file that is not an archive where a day archive should be. */
	wfile("pl5/day.tar.gz", "not an archive\n");
	next_fails("planetlab:%s/pl5", 0,
	    "%s/pl5/day.tar.gz: cannot open as an archive: Unrecognized "
	    "archive format");
}

/* --- Bitbrains --- */

static void
check_bitbrains(const char *rel)
{
	static const uint16_t c1[] = { 50, 250, 250, 250, 500 };
	static const uint16_t m1[] = { 125, 375, 375, 375, 0 };
	static const uint16_t c2[] = { 1000, 500 };
	static const uint16_t m2[] = { 1000, 500 };
	static const uint16_t c3[] = { 125 };
	static const uint16_t m3[] = { 500 };
	struct trace *t = open_data("bitbrains", rel);
	const struct trace_rec *r;

	/* 2.csv starts first; 1.csv and 3.csv tie and go by name. */
	r = next(t);
	check_rec(r, "2.csv", 0, 600, 1000, 2);
	check_samples(r, 300, 2, c2, m2);
	/* Duplicate timestamps averaged, a gap held, cores 2 -> 4. */
	r = next(t);
	check_rec(r, "1.csv", 300, 1800, 4000, 8);
	check_samples(r, 300, 5, c1, m1);
	r = next(t);
	check_rec(r, "3.csv", 300, 600, 8000, 1024);
	check_samples(r, 300, 1, c3, m3);
	check_end(t, rel);
}

static const char bb_header[] =
    "Timestamp [ms];\tCPU cores;\tCPU capacity provisioned [MHZ];\tCPU "
    "usage [MHZ];\tCPU usage [%];\tMemory capacity provisioned "
    "[KB];\tMemory usage [KB];\tDisk read throughput [KB/s];\tDisk write "
    "throughput [KB/s];\tNetwork received throughput "
    "[KB/s];\tNetwork transmitted throughput [KB/s]\n";

static void
bb_file(const char *rel, const char *rows)
{
	char buf[4096];

	snprintf(buf, sizeof(buf), "%s%s", bb_header, rows);
	wfile(rel, buf);
}

static void
test_bitbrains_bad(void)
{
	wfile("bb1/1.csv", "Time;x\n5;1\n");
	open_fails("bitbrains:%s/bb1", -EINVAL,
	    "%s/bb1/1.csv:1: expected the header \"Timestamp [ms];\\tCPU "
	    "cores;...\" with 11 fields, got \"Time;x\"");
	bb_file("bb2/1.csv",
	    "100;\t1;\t1;\t1;\t1;\t1;\t1;\t1;\t1;\t1;\t1\n"
	    "400;\t1;\t1;\t1;\tx1;\t1;\t1;\t1;\t1;\t1;\t1\n"
	    "700;\t1;\t1;\t1;\t1;\t1\n"
	    "1000;\t1;\t1;\t1;\t1;\t1;\t1;\t1;\t1;\t1;\t1\n"
	    "600;\t1;\t1;\t1;\t1;\t1;\t1;\t1;\t1;\t1;\t1\n");
	next_fails("bitbrains:%s/bb2", 0,
	    "%s/bb2/1.csv:3: expected CPU usage [%%] as a number 0..1e15, "
	    "got \"x1\"");
	/* Skipped: the bad number, the short row, the step back in time;
	 * 100 and 1000 remain: slots 0..3, the middle ones held. */
	skips("bitbrains:%s/bb2", 1, 3,
	    "%s/bb2/1.csv:3: expected CPU usage [%%] as a number 0..1e15, "
	    "got \"x1\"");
	bb_file("bb3/1.csv",
	    "100;\t1;\t1;\t1;\t1;\t1;\t1;\t1;\t1;\t1;\t1\n"
	    "99;\t1;\t1;\t1;\t1;\t1;\t1;\t1;\t1;\t1;\t1\n");
	next_fails("bitbrains:%s/bb3", 0,
	    "%s/bb3/1.csv:3: expected timestamps in order: 99 is before the "
	    "previous row's 100");
	bb_file("bb4/1.csv",
	    "100;\t1;\t1;\t1;\t1;\t1;\t1;\t1;\t1;\t1;\t1\n"
	    "100;\t1;\t1;\t1;\t1;\t1\n");
	next_fails("bitbrains:%s/bb4", 0,
	    "%s/bb4/1.csv:3: expected 11 fields separated by \";\", got 6");
	bb_file("bb5/1.csv", "");
	bb_file("bb5/2.csv", "7;\t1;\t1;\t1;\t1;\t1;\t1;\t1;\t1;\t1;\t1\n");
	open_fails("bitbrains:%s/bb5", -EINVAL,
	    "%s/bb5/1.csv: expected rows after the header; there are none");
	skips("bitbrains:%s/bb5", 1, 1,
	    "%s/bb5/1.csv: expected rows after the header; there are none");
	/* A timestamp more than 2^20 steps after the first. */
	bb_file("bb6/1.csv",
	    "0;\t1;\t1;\t1;\t1;\t1;\t1;\t1;\t1;\t1;\t1\n"
	    "400000000;\t1;\t1;\t1;\t1;\t1;\t1;\t1;\t1;\t1;\t1\n");
	next_fails("bitbrains:%s/bb6", 0,
	    "%s/bb6/1.csv:3: timestamp 400000000 is more than 1048576 steps "
	    "of 300 s after the VM's first (0)");
}

/* --- Azure --- */

static void
check_life(const struct trace_rec *r, double lo_s, double hi_s)
{
	double life;

	if (!r)
		return;
	life = (double)(r->depart_ns - r->arrive_ns) / S;
	ok(life >= lo_s && life < hi_s, "%s: lifetime %.3f s in [%g, %g)",
	    r->name, life, lo_s, hi_s);
}

static void
test_azure(void)
{
	const struct trace_rec *r;
	uint64_t first[2][6];
	struct trace *t;
	char spec[1024];

	/* Bins: 0 [0,300) 1 [300,600) 2 [600,1200) 3 [1200,1500), 4 past
	 * the map; censored at 3000 s. */
	t = open_data("azure", "azure/v1.small.txt");
	r = next(t);
	check_rec(r, "100.0.0", 0, r ? (double)r->depart_ns / S : 0, 1000, 768);
	check_life(r, 0, 300);
	r = next(t);
	check_rec(
	    r, "100.1.0", 0, r ? (double)r->depart_ns / S : 0, 2000, 3584);
	check_life(r, 600, 1200);
	check_rec(next(t), "100.1.1", 0, FOREVER, 2000, 3584);
	/* U4, past the map: at least 1500 s, and it ended before 3000 s. */
	r = next(t);
	check_rec(
	    r, "400.0.0", 300, r ? (double)r->depart_ns / S : 0, 4000, 7168);
	check_life(r, 1500, 2900);
	r = next(t);
	check_rec(
	    r, "700.0.0", 600, r ? (double)r->depart_ns / S : 0, 1000, 768);
	check_life(r, 300, 600);
	check_rec(next(t), "700.0.1", 600, FOREVER, 4000, 7168);
	check_end(t, "azure");

	/* The same seed draws the same lifetimes, through either file. */
	for (int k = 0; k < 2; k++) {
		spec_of(spec, sizeof(spec), "azure", data_dir,
		    k ? "azure/v1.small.c3000.txt" : "azure/v1.small.txt");
		t = open_spec(spec, false, 42);
		for (int i = 0; i < 6; i++)
			first[k][i] = (r = next(t)) ? r->depart_ns : 0;
		trace_close(t);
	}
	ok(memcmp(first[0], first[1], sizeof(first[0])) == 0,
	    "azure: same seed, same lifetimes (from either file)");
	spec_of(spec, sizeof(spec), "azure", data_dir, "azure/v1.small.txt");
	t = open_spec(spec, false, 43);
	r = next(t);
	ok(r && r->depart_ns != first[0][0],
	    "azure: another seed, another draw");
	trace_close(t);

	/* No duration file: VMs never depart; names stay unique over
	 * lines with the same time. */
	t = open_data("azure", "azure/v1.nodur.txt");
	check_rec(next(t), "5.0.0", 0, FOREVER, 2000, 3584);
	check_rec(next(t), "5.1.0", 0, FOREVER, 1000, 768);
	check_rec(next(t), "5.1.1", 0, FOREVER, 1000, 768);
	check_end(t, "azure without durations");
}

static void
az_dir(const char *dir, const char *seq, const char *dur)
{
	char rel[256];

	snprintf(rel, sizeof(rel), "%s/flav_map.txt", dir);
	wfile(rel, "1,0.75 a\n2,3.5 g\n");
	snprintf(rel, sizeof(rel), "%s/v1.interval_map.txt", dir);
	wfile(rel, "0 0\n300 1\n600 2\n");
	snprintf(rel, sizeof(rel), "%s/v1.t.txt", dir);
	wfile(rel, seq);
	snprintf(rel, sizeof(rel), "%s/v1.t.c900.txt", dir);
	wfile(rel, dur);
}

static void
test_azure_bad(void)
{
	az_dir("az1", "0 a,|\n300 a,z,|\n600 g,|\n",
	    "0 U0,|\n300 U1,U1,|\n600 U2,|\n");
	next_fails("azure:%s/az1/v1.t.txt", 1,
	    "%s/az1/v1.t.txt:2: token 2: expected a flavour letter of "
	    "flav_map.txt or \"|\", got \"z\"");
	skips("azure:%s/az1/v1.t.txt", 2, 1,
	    "%s/az1/v1.t.txt:2: token 2: expected a flavour letter of "
	    "flav_map.txt or \"|\", got \"z\"");
	az_dir("az2", "0 a,|\n300 a,|\n", "0 U0,|\n300 |,U1\n");
	next_fails("azure:%s/az2/v1.t.txt", 1,
	    "%s/az2/v1.t.c900.txt:2: token 1: expected a duration U<bin> or "
	    "C<bin> with bin 0..3 for flavour 'a', got \"|\"");
	az_dir("az3", "0 a,|\n300 a,|\n", "0 U0,|\n");
	next_fails("azure:%s/az3/v1.t.txt", 1,
	    "%s/az3/v1.t.c900.txt: ends at line 1, before the flavour file "
	    "%s/az3/v1.t.txt");
	az_dir("az4", "300 a,|\n0 a,|\n", "300 U0,|\n0 U0,|\n");
	next_fails("azure:%s/az4/v1.t.txt", 1,
	    "%s/az4/v1.t.txt:2: expected times in order: 0 is before the "
	    "previous line's 300");
	az_dir("az5", "0 a,|\n", "0 U9,|\n");
	next_fails("azure:%s/az5/v1.t.txt", 0,
	    "%s/az5/v1.t.c900.txt:1: token 1: expected a duration U<bin> or "
	    "C<bin> with bin 0..3 for flavour 'a', got \"U9\"");
	az_dir("az6", "0 a,|\n", "5 U0,|\n");
	next_fails("azure:%s/az6/v1.t.txt", 0,
	    "%s/az6/v1.t.c900.txt:1: expected time 0 as on the flavour line, "
	    "got 5");
	az_dir("az7", "0 a,|\n", "0 U0\n");
	next_fails("azure:%s/az7/v1.t.txt", 0,
	    "%s/az7/v1.t.c900.txt:1: expected 2 tokens, one per token of the "
	    "flavour line, got 1");
	az_dir("az8", "x a,|\n", "0 U0,|\n");
	next_fails("azure:%s/az8/v1.t.txt", 0,
	    "%s/az8/v1.t.txt:1: expected a time in integer seconds at the "
	    "start of the line, got \"x\"");
	/* Broken maps stop the trace at open, skip_bad or not. */
	wfile("az9/flav_map.txt", "1,0.75 a\n2 g\n");
	wfile("az9/v1.t.txt", "0 a,|\n");
	open_fails("azure:%s/az9/v1.t.txt", -EINVAL,
	    "%s/az9/flav_map.txt:2: expected \"vCPUs,GB letter\" (e.g. "
	    "\"2,3.5 g\"), got \"2 g\"");
	az_dir("az10", "0 a,|\n", "0 U0,|\n");
	wfile("az10/v1.interval_map.txt", "0 0\n300 2\n");
	open_fails("azure:%s/az10/v1.t.txt", -EINVAL,
	    "%s/az10/v1.interval_map.txt:2: expected bin 0 or 1, got 2");
	wfile("az11/v1.t.txt", "0 a,|\n");
	open_fails("azure:%s/az11/v1.t.txt", -ENOENT,
	    "%s/az11/flav_map.txt: cannot open: No such file or directory");
}

/* --- Alibaba --- */

static void
test_alibaba(void)
{
	struct trace *t = open_data("alibaba", "alibaba/pods.csv");
	const struct trace_rec *r;
	struct res *caps = NULL;
	struct diag d = { 0 };
	uint32_t n = 0;
	char path[1024];

	/* Sorted by creation time, file order among equals. */
	r = next(t);
	check_rec(r, "p-first", 0, 100, 1000, 1024);
	ok(r && r->priority == 0 && r->gpu_milli == 0, "p-first: BE, no GPU");
	r = next(t);
	check_rec(r, "p-pending", 200, FOREVER, 2000, 2048);
	ok(r && r->priority == 1 && r->gpu_milli == 250,
	    "p-pending: Burstable, a quarter GPU");
	r = next(t);
	check_rec(r, "p-tie", 200, 300, 500, 512);
	ok(r && r->priority == 3, "p-tie: Guaranteed");
	r = next(t);
	check_rec(r, "p-late", 500, 900, 4000, 8192);
	ok(r && r->priority == 2 && r->gpu_milli == 2000,
	    "p-late: LS, two GPUs");
	check_end(t, "alibaba pods");

	t = open_data("alibaba", "alibaba/pods-notime.csv");
	check_rec(next(t), "q0", 0, FOREVER, 12000, 16384);
	check_rec(next(t), "q1", 0, FOREVER, 6000, 12288);
	check_end(t, "alibaba pods without times");

	snprintf(path, sizeof(path), "%s/alibaba/nodes.csv", data_dir);
	is_int(trace_read_nodes(path, &caps, &n, &d), 0, "node list read");
	is_int(n, 2, "two nodes");
	ok(caps && caps[0].v[RES_CPU] == 32000 &&
		caps[0].v[RES_MEM] == 262144 && caps[1].v[RES_CPU] == 96000 &&
		caps[1].v[RES_MEM] == 393216 && caps[1].v[RES_DISK] == 0,
	    "node capacities");
	is_int(trace_read_nodes(path, &caps, &n, &d), 0, "read again: appends");
	ok(n == 4 && caps[3].v[RES_CPU] == 96000, "four hosts now");
	free(caps);
}

static void
test_alibaba_bad(void)
{
	static const char hdr[] = "name,cpu_milli,memory_mib,num_gpu,gpu_milli,"
				  "gpu_spec,qos,pod_phase,creation_time,"
				  "deletion_time,scheduled_time\n";
	char buf[1024];
	struct res *caps = NULL;
	struct diag d = { 0 };
	uint32_t n = 0;
	char path[512];

	snprintf(buf, sizeof(buf),
	    "%sa,1,1,0,0,,LS,Running,0,5,0\nb,1,1,0,0,,XX,Running,1,5,1\n"
	    "c,1,1,0,0,,BE,Running,9,3,9\nd,1,1\ne,x,1,0,0,,BE,Running,1,2,1\n"
	    "f,1,1,0,0,,BE,Running,4,,\n",
	    hdr);
	wfile("ali1.csv", buf);
	open_fails("alibaba:%s/ali1.csv", -EINVAL,
	    "%s/ali1.csv:3: expected qos as one of LS, BE, Burstable, "
	    "Guaranteed, got \"XX\"");
	skips("alibaba:%s/ali1.csv", 2, 4,
	    "%s/ali1.csv:3: expected qos as one of LS, BE, Burstable, "
	    "Guaranteed, got \"XX\"");
	snprintf(buf, sizeof(buf), "%sc,1,1,0,0,,BE,Running,9,3,9\n", hdr);
	wfile("ali2.csv", buf);
	open_fails("alibaba:%s/ali2.csv", -EINVAL,
	    "%s/ali2.csv:2: expected deletion_time no earlier than "
	    "creation_time, got 3 before 9");
	wfile("ali3.csv", "name,memory_mib\na,1\n");
	open_fails("alibaba:%s/ali3.csv", -EINVAL,
	    "%s/ali3.csv:1: expected the pod list header (with name, "
	    "cpu_milli and memory_mib), no column cpu_milli in "
	    "\"name,memory_mib\"");
	wfile("ali4.csv", "");
	open_fails("alibaba:%s/ali4.csv", -EINVAL,
	    "%s/ali4.csv: expected the pod list header, the file is empty");
	wfile("nodes.csv", "sn,cpu_milli,memory_mib\nn0,1,2\nn1,-5,2\n");
	snprintf(path, sizeof(path), "%s/nodes.csv", tmp_dir);
	is_int(trace_read_nodes(path, &caps, &n, &d), -EINVAL, "bad node");
	snprintf(buf, sizeof(buf),
	    "%s:3: expected cpu_milli as an integer 0..4611686018427387904, "
	    "got \"-5\"",
	    path);
	is_str(d.msg, buf, "... named");
	ok(caps == NULL && n == 0, "nothing appended on failure");
}

/* --- SWF --- */

static void
test_swf(const char *rel)
{
	struct trace *t = open_data("swf", rel);

	check_rec(next(t), "job1", 0, 100, 4000, 8192);
	check_rec(next(t), "job3", 20, 70, 16000, 64);
	check_rec(next(t), "job4", 20, 20, 2000, 4);
	ok(t && next(t) == NULL, "%s: three jobs", rel);
	ok(t && trace_dropped(t) == 2,
	    "%s: the cancelled one and the one without processors dropped",
	    rel);
	ok(t && trace_skipped(t, NULL) == 0, "%s: nothing malformed", rel);
	trace_close(t);
}

static void
test_swf_bad(void)
{
	wfile("s1.swf",
	    "; c\n1 0 0 10 1 -1 -1 1 -1 -1 1 1 1 -1 -1 -1 -1 -1\n"
	    "2 5 0 10 1 -1 -1 1 -1 -1 1 1 1 -1 -1 -1 -1\n"
	    "3 5 0 10 x -1 -1 1 -1 -1 1 1 1 -1 -1 -1 -1 -1\n"
	    "4 10 0 10 1 -1 -1 1 -1 -1 1 1 1 -1 -1 -1 -1 -1\n"
	    "5 2 0 10 1 -1 -1 1 -1 -1 1 1 1 -1 -1 -1 -1 -1\n"
	    "6 11 0 10 1 -2 -1 1 -1 -1 1 1 1 -1 -1 -1 -1 -1\n"
	    "7 12 0 10 1 -1 -1 1 -1 -1 1 1 1 -1 -1 -1 -1 -1\n");
	next_fails("swf:%s/s1.swf", 1,
	    "%s/s1.swf:3: expected 18 fields separated by spaces, got 17");
	skips("swf:%s/s1.swf", 3, 4,
	    "%s/s1.swf:3: expected 18 fields separated by spaces, got 17");
	wfile("s2.swf", "1 0 0 10 x -1 -1 1 -1 -1 1 1 1 -1 -1 -1 -1 -1\n");
	next_fails("swf:%s/s2.swf", 0,
	    "%s/s2.swf:1: field 5 (allocated processors): expected a number "
	    ">= 0 or -1, got \"x\"");
	wfile("s3.swf",
	    "1 9 0 10 1 -1 -1 1 -1 -1 1 1 1 -1 -1 -1 -1 -1\n"
	    "2 2 0 10 1 -1 -1 1 -1 -1 1 1 1 -1 -1 -1 -1 -1\n");
	next_fails("swf:%s/s3.swf", 1,
	    "%s/s3.swf:2: expected jobs in submit time order: 2 is before the "
	    "previous job's 9");
	wfile("s4.swf", "1 0 0 1.5 1 -1 -1 1 -1 -1 1 1 1 -1 -1 -1 -1 -1\n");
	next_fails("swf:%s/s4.swf", 0,
	    "%s/s4.swf:1: field 4 (run time): expected an integer "
	    "-1..10000000000, got 1.5");
}

/* --- vmgr CSV --- */

static void
test_csv(void)
{
	static const uint16_t wc[] = { 250, 400 }, wm[] = { 500, 510 };
	static const uint16_t dc[] = { 100, 200, 300 };
	struct trace *t = open_data("csv", "csv/vms.csv");
	const struct trace_rec *r;

	r = next(t);
	check_rec(r, "web-1", 0, 600, 2000, 4096);
	ok(r && r->demand.v[RES_DISK] == 20 && r->demand.v[RES_NET] == 100 &&
		r->priority == 5,
	    "web-1: disk, net, priority");
	check_samples(r, 300, 2, wc, wm);
	r = next(t);
	check_rec(r, "batch", 0.5, FOREVER, 1000, 512);
	ok(r && r->priority == -3 && r->n_samples == 0 && !r->cpu_use,
	    "batch: priority -3, no samples");
	r = next(t);
	check_rec(r, "db", 10, FOREVER, 4000, 16384);
	ok(r && r->gpu_milli == 500, "db: half a GPU");
	check_samples(r, 60, 3, dc, NULL);
	check_end(t, "csv");

	t = open_data("csv", "csv/min.csv");
	r = next(t);
	check_rec(r, "a", 1, 2, 3, 4);
	ok(r && r->demand.v[RES_DISK] == 0 && r->priority == 0,
	    "a: optional columns default to 0");
	check_end(t, "csv with the required columns only");
}

static void
test_csv_bad(void)
{
	static const char h[] = "name,arrive_s,depart_s,cpu_milli,memory_mib,"
				"samples\n";
	char buf[1024];

	wfile("c1.csv", "# nothing\n\n");
	open_fails("csv:%s/c1.csv", -EINVAL,
	    "%s/c1.csv: expected a header line (name,arrive_s,depart_s,"
	    "cpu_milli,memory_mib,...), the file has none");
	wfile("c2.csv", "name,arrive_s,depart_s,cpu,memory_mib\n");
	open_fails("csv:%s/c2.csv", -EINVAL,
	    "%s/c2.csv:1: header column 4: expected one of name, arrive_s, "
	    "depart_s, cpu_milli, memory_mib, disk_gib, net_mbps, priority, "
	    "gpu_milli, samples, got \"cpu\"");
	wfile("c3.csv", "name,arrive_s,cpu_milli,memory_mib\n");
	open_fails("csv:%s/c3.csv", -EINVAL,
	    "%s/c3.csv:1: header: expected columns name, arrive_s, depart_s, "
	    "cpu_milli and memory_mib; depart_s is missing");
	snprintf(buf, sizeof(buf),
	    "%sa,0,10,1,1,\nb,5,10,1,1,\nc,3,10,1,1,\nd,6,4,1,1,\n"
	    "e,6,10,x,1,\nf,7,,1,1,5:1;2\ng,7,8,1,1,5:1;2\n"
	    "h,8,,1,1,5:1/2;3\ni,9,,1,1,0:1\n",
	    h);
	wfile("c4.csv", buf);
	next_fails("csv:%s/c4.csv", 2,
	    "%s/c4.csv:4: expected rows in arrival order: arrive_s 3 is "
	    "before 5 on line 3");
	skips("csv:%s/c4.csv", 3, 6,
	    "%s/c4.csv:4: expected rows in arrival order: arrive_s 3 is "
	    "before 5 on line 3");
	snprintf(buf, sizeof(buf), "%sd,6,4,1,1,\n", h);
	wfile("c5.csv", buf);
	next_fails("csv:%s/c5.csv", 0,
	    "%s/c5.csv:2: expected depart_s in seconds no earlier than "
	    "arrive_s, or empty or inf for never, got \"4\"");
	snprintf(buf, sizeof(buf), "%se,6,10,x,1,\n", h);
	wfile("c6.csv", buf);
	next_fails("csv:%s/c6.csv", 0,
	    "%s/c6.csv:2: expected cpu_milli as an integer 0..2^62, got "
	    "\"x\"");
	snprintf(buf, sizeof(buf), "%sg,7,8,1,1,5:1;2\n", h);
	wfile("c7.csv", buf);
	next_fails("csv:%s/c7.csv", 0,
	    "%s/c7.csv:2: expected the 2 samples of 5.000 s to fit between "
	    "arrive_s and depart_s");
	snprintf(buf, sizeof(buf), "%sh,8,,1,1,5:1/2;3\n", h);
	wfile("c8.csv", buf);
	next_fails("csv:%s/c8.csv", 0,
	    "%s/c8.csv:2: expected sample 2 as CPU/MEM like the first "
	    "(thousandths of the demand, 0..65535), got \"3\"");
	snprintf(buf, sizeof(buf), "%si,9,,1,1,0:1\n", h);
	wfile("c9.csv", buf);
	next_fails("csv:%s/c9.csv", 0,
	    "%s/c9.csv:2: expected samples as STEP_S:CPU;CPU;... or "
	    "STEP_S:CPU/MEM;CPU/MEM;... with STEP_S > 0 seconds, got "
	    "\"0:1\"");
	snprintf(buf, sizeof(buf), "%sj,1,2,3\n", h);
	wfile("c10.csv", buf);
	next_fails("csv:%s/c10.csv", 0,
	    "%s/c10.csv:2: expected 6 fields as in the header, got 4");
	wfile("c11.csv",
	    "name,arrive_s,depart_s,cpu_milli,memory_mib,"
	    "priority\nk,1,2,3,4,1001\n");
	next_fails("csv:%s/c11.csv", 0,
	    "%s/c11.csv:2: expected priority as an integer -1000..1000, got "
	    "\"1001\"");
}

/* --- limits --- */

static void
test_limits(void)
{
	enum { LONG = (1 << 20) + 10 };
	char *big = malloc(LONG + 64);
	const struct trace_rec *r;
	struct trace *t;
	char spec[512];

	if (!ok(big != NULL, "memory for a long line"))
		return;
	/* A line over 1 MiB is an error; skip_bad gets past it. */
	strcpy(big, "name,arrive_s,depart_s,cpu_milli,memory_mib\n");
	memset(big + strlen(big), 'x', LONG);
	strcpy(big + strlen("name,arrive_s,depart_s,cpu_milli,memory_mib\n") +
		LONG,
	    "\na,1,2,3,4\n");
	wfile("long.csv", big);
	free(big);
	next_fails("csv:%s/long.csv", 0,
	    "%s/long.csv:2: line longer than 1048576 bytes");
	snprintf(spec, sizeof(spec), "csv:%s/long.csv", tmp_dir);
	t = open_spec(spec, true, 0);
	r = next(t);
	check_rec(r, "a", 1, 2, 3, 4);
	ok(t && trace_skipped(t, NULL) == 1, "the long line counted");
	trace_close(t);
	/* max_recs stops early. */
	{
		struct trace_opts o = { .max_recs = 2 };
		struct diag d = { 0 };
		int n = 0;

		spec_of(
		    spec, sizeof(spec), "planetlab", data_dir, "planetlab/day");
		t = NULL;
		if (trace_open(spec, &o, &t, &d) == 0)
			while (trace_next(t, &r, &d) > 0)
				n++;
		is_int(n, 2, "max_recs = 2 gives two records");
		trace_close(t);
	}
	/* Truncated gzip is a read error, not a silent end. */
	{
		char path[1024], src[1024];
		FILE *in, *out;
		unsigned char buf[4096];
		size_t got;

		snprintf(src, sizeof(src), "%s/swf/small.swf.gz", data_dir);
		snprintf(path, sizeof(path), "%s/cut.swf.gz", tmp_dir);
		in = fopen(src, "rb");
		out = fopen(path, "wb");
		if (in && out) {
			got = fread(buf, 1, sizeof(buf), in);
			fwrite(buf, 1, got > 40 ? got - 40 : got, out);
		}
		if (in)
			fclose(in);
		if (out)
			fclose(out);
		snprintf(spec, sizeof(spec), "swf:%s", path);
		t = open_spec(spec, true, 0);
		{
			struct diag d = { 0 };
			int rc;

			while ((rc = trace_next(t, &r, &d)) > 0)
				;
			is_int(rc, -EIO,
			    "truncated gzip: -EIO, even with "
			    "skip_bad");
			ok(strstr(d.msg, "cut.swf.gz: read error after line") &&
				strstr(d.msg, ": unexpected end of file") &&
				strstr(d.msg, tmp_dir) ==
				    strrchr(d.msg, '/') - strlen(tmp_dir),
			    "... named once: %s", d.msg);
		}
		trace_close(t);
	}
}

/* --- pure parsers --- */

static void
test_parse(void)
{
	uint64_t ns = 0;
	double v = 0;
	int64_t i = 0;
	char shown[64];

	ok(trace_parse_secs("1.5", 3, &ns) == 0 && ns == 1500000000, "1.5 s");
	ok(trace_parse_secs("0.000000001", 11, &ns) == 0 && ns == 1, "1 ns");
	ok(trace_parse_secs("10000000000", 11, &ns) == 0 &&
		ns == UINT64_C(10000000000) * S,
	    "the largest time");
	ok(trace_parse_secs("10000000000.1", 13, &ns) < 0, "past the largest");
	ok(trace_parse_secs("1.", 2, &ns) < 0 &&
		trace_parse_secs("1.0000000001", 12, &ns) < 0 &&
		trace_parse_secs("-1", 2, &ns) < 0,
	    "bad times refused");
	ok(trace_parse_num("1.634622E7", 10, &v) == 0 && v == 16346220,
	    "exponent form");
	ok(trace_parse_num("-0.25", 5, &v) == 0 && v == -0.25, "negative");
	ok(trace_parse_num(".", 1, &v) < 0 &&
		trace_parse_num("1e", 2, &v) < 0 &&
		trace_parse_num("", 0, &v) < 0 &&
		trace_parse_num("1e999", 5, &v) < 0 &&
		trace_parse_num("nan", 3, &v) < 0,
	    "bad numbers refused");
	ok(trace_parse_int(
	       "-9223372036854775808", 20, INT64_MIN, INT64_MAX, &i) == 0 &&
		i == INT64_MIN,
	    "INT64_MIN");
	ok(trace_parse_int(
	       "9223372036854775808", 19, INT64_MIN, INT64_MAX, &i) < 0,
	    "INT64_MAX + 1 refused");
	ok(trace_parse_uint("9", 1, 3, &ns) < 0 &&
		trace_parse_uint("3", 1, 3, &ns) == 0 && ns == 3,
	    "a digit above a small maximum is refused (regression)");
	ok(trace_parse_uint("18446744073709551615", 20, UINT64_MAX, &ns) == 0 &&
		ns == UINT64_MAX &&
		trace_parse_uint("18446744073709551616", 20, UINT64_MAX, &ns) <
		    0,
	    "UINT64_MAX and one past it");
	ok(trace_parse_int("-5", 2, -10, -5, &i) == 0 && i == -5 &&
		trace_parse_int("-4", 2, -10, -5, &i) < 0,
	    "range with a negative maximum");
	trace_parse_show("a\"b\x01", 4, shown, sizeof(shown));
	is_str(shown, "\"a\\x22b\\x01\"", "shown quoted, unprintables escaped");
	is_int(trace_parse_share(1e9), 65535, "shares saturate");
	is_int(trace_parse_share(-3), 0, "... and stay >= 0");
}

int
main(int argc, char **argv)
{
	if (argc < 2) {
		fprintf(stderr, "usage: test_traces DATA_DIR\n");
		return 2;
	}
	data_dir = argv[1];
	snprintf(tmp_dir, sizeof(tmp_dir), "/tmp/vmgr-test-traces.XXXXXX");
	if (!mkdtemp(tmp_dir)) {
		printf("Bail out! mkdtemp failed\n");
		return 1;
	}
	test_api();
	test_parse();
	test_planetlab();
	test_planetlab_bad();
	check_bitbrains("bitbrains/vms");
	check_bitbrains("bitbrains/vms.tar.gz");
	check_bitbrains("bitbrains/vms.tar.zst");
	test_bitbrains_bad();
	test_azure();
	test_azure_bad();
	test_alibaba();
	test_alibaba_bad();
	test_swf("swf/small.swf");
	test_swf("swf/small.swf.gz");
	test_swf_bad();
	test_csv();
	test_csv_bad();
	test_limits();
	rm_tmp();
	return tap_done();
}
