/* test_traces_shared.c - every shared real trace read through its reader: counts, order, sane values (skips without the data). */
#include "sim/trace.h"
#include "tap.h"

#include <stdbool.h>
#include <sys/stat.h>

#define S UINT64_C(1000000000)

/* Under ASan (-O0) Bitbrains' 3.9 M rows take 18 s instead of 2: the
 * sanitized build reads a prefix of it (the normal build reads it all). */
#ifndef __has_feature
#define __has_feature(x) 0
#endif
#if defined(__SANITIZE_ADDRESS__) || __has_feature(address_sanitizer)
#define BITBRAINS_PREFIX 40
#else
#define BITBRAINS_PREFIX 0
#endif

static const char *data_dir;

/* What one pass over a trace saw. */
struct seen {
	uint64_t n, forever, samples, at_zero, bad_order, bad_values;
	uint64_t max_arrive_ns, max_depart_ns; /* finite departures */
	uint64_t hash; /* FNV-1a over every field, to compare two readings */
	uint64_t by_prio[4], by_cpu[4], days[8];
	int rc;
};

static void
mix(uint64_t *h, const void *p, size_t n)
{
	const unsigned char *b = p;

	for (size_t i = 0; i < n; i++)
		*h = (*h ^ b[i]) * UINT64_C(1099511628211);
}

static bool
exists(const char *rel)
{
	char path[1024];
	struct stat st;

	snprintf(path, sizeof(path), "%s/%s", data_dir, rel);
	return stat(path, &st) == 0;
}

static struct seen
scan_some(const char *fmt, const char *rel, uint64_t seed, uint64_t max_recs)
{
	struct trace_opts o = { .seed = seed, .max_recs = max_recs };
	struct seen s = { .hash = UINT64_C(14695981039346656037) };
	const struct trace_rec *r;
	struct trace *t = NULL;
	struct diag d = { 0 };
	char spec[1024];
	uint64_t prev = 0;

	snprintf(spec, sizeof(spec), "%s:%s/%s", fmt, data_dir, rel);
	s.rc = trace_open(spec, &o, &t, &d);
	if (s.rc < 0) {
		tap_diag("%s: %s", spec, d.msg);
		return s;
	}
	while ((s.rc = trace_next(t, &r, &d)) > 0) {
		bool sane = r->depart_ns >= r->arrive_ns &&
		    r->demand.v[RES_CPU] > 0 && r->demand.v[RES_MEM] >= 0 &&
		    r->name[0] && r->n_samples <= (1u << 20) &&
		    (r->n_samples == 0 || (r->cpu_use && r->step_ns));

		s.n++;
		s.bad_order += r->arrive_ns < prev;
		prev = r->arrive_ns;
		s.at_zero += r->arrive_ns == 0;
		if (r->arrive_ns > s.max_arrive_ns)
			s.max_arrive_ns = r->arrive_ns;
		if (r->depart_ns == TRACE_FOREVER)
			s.forever++;
		else if (r->depart_ns > s.max_depart_ns)
			s.max_depart_ns = r->depart_ns;
		/* Samples cover the VM's life, not more. */
		if (r->n_samples && r->depart_ns != TRACE_FOREVER &&
		    r->arrive_ns + r->n_samples * r->step_ns > r->depart_ns)
			sane = false;
		s.samples += r->n_samples;
		if (r->priority >= 0 && r->priority < 4)
			s.by_prio[r->priority]++;
		switch (r->demand.v[RES_CPU]) {
		case 2500:
			s.by_cpu[0]++;
			break;
		case 2000:
			s.by_cpu[1]++;
			break;
		case 1000:
			s.by_cpu[2]++;
			break;
		case 500:
			s.by_cpu[3]++;
			break;
		default:
			break;
		}
		if (r->arrive_ns / (86400 * S) < 8)
			s.days[r->arrive_ns / (86400 * S)]++;
		s.bad_values += !sane;
		mix(&s.hash, r->name, strlen(r->name));
		mix(&s.hash, &r->arrive_ns, sizeof(r->arrive_ns));
		mix(&s.hash, &r->depart_ns, sizeof(r->depart_ns));
		mix(&s.hash, &r->demand, sizeof(r->demand));
		mix(&s.hash, &r->priority, sizeof(r->priority));
		mix(&s.hash, &r->gpu_milli, sizeof(r->gpu_milli));
		if (r->n_samples) {
			mix(&s.hash, r->cpu_use,
			    r->n_samples * sizeof(*r->cpu_use));
			if (r->mem_use)
				mix(&s.hash, r->mem_use,
				    r->n_samples * sizeof(*r->mem_use));
		}
	}
	if (s.rc < 0)
		tap_diag("%s: %s", spec, d.msg);
	ok(s.rc == 0 && trace_skipped(t, NULL) == 0,
	    "%s: read to the end, nothing malformed", rel);
	trace_close(t);
	return s;
}

static struct seen
scan(const char *fmt, const char *rel, uint64_t seed)
{
	return scan_some(fmt, rel, seed, 0);
}

static void
common(const char *rel, const struct seen *s, uint64_t n)
{
	is_int(s->n, n, "%s: %llu records", rel, (unsigned long long)n);
	is_int(s->bad_order, 0, "%s: arrivals never go back", rel);
	is_int(s->bad_values, 0, "%s: every record sane", rel);
}

static void
planetlab(void)
{
	static const uint64_t per_day[7] = { 1052, 898, 1516, 1078, 1463, 1358,
		1054 };
	const char *rel = "planetlab_cpu";
	struct seen s;
	bool days_ok = true;

	if (!exists(rel))
		return;
	s = scan("planetlab", rel, 0);
	common(rel, &s, 8419);
	for (int k = 0; k < 7; k++)
		days_ok = days_ok && s.days[k] == per_day[k];
	ok(days_ok, "%s: VMs per day (in name order, 24 h apart)", rel);
	is_int(s.samples, 8419 * 288, "%s: 288 samples per VM", rel);
	is_int(s.max_depart_ns, 7 * 86400 * S, "%s: the last day ends at 7 d",
	    rel);
	ok(s.by_cpu[0] == 2105 && s.by_cpu[1] == 2105 && s.by_cpu[2] == 2105 &&
		s.by_cpu[3] == 2104,
	    "%s: the four CloudSim types round-robin", rel);
	/* One day's archive gives the same VMs as the first day. */
	rel = "planetlab_cpu/planetlab_20110303.tar.gz";
	s = scan("planetlab", rel, 0);
	common(rel, &s, 1052);
}

static void
bitbrains(void)
{
	const char *rel = "bitbrains_rnd/rnd_2013-7_vm1-500.tar.zst";
	struct seen s;

	if (!exists(rel))
		return;
	if (BITBRAINS_PREFIX) {
		/* The first VMs all start with the trace and last 30 days. */
		s = scan_some("bitbrains", rel, 0, BITBRAINS_PREFIX);
		common(rel, &s, BITBRAINS_PREFIX);
		is_int(s.at_zero, BITBRAINS_PREFIX,
		    "%s: (prefix, sanitized build) all start at 0", rel);
		is_int(s.samples, BITBRAINS_PREFIX * 8640,
		    "%s: (prefix) 8,640 samples of 300 s each", rel);
		return;
	}
	s = scan("bitbrains", rel, 0);
	common(rel, &s, 500);
	is_int(s.at_zero, 425, "%s: 425 VMs start with the trace", rel);
	is_int(s.samples, 3918681, "%s: 3,918,681 samples of 300 s", rel);
	is_int(s.max_arrive_ns, 2556250 * S, "%s: the last VM starts at %llu s",
	    rel, 2556250ULL);
	is_int(s.max_depart_ns, 2592098 * S,
	    "%s: the last sample ends 30 days and 98 s after the first", rel);
}

static void
azure(void)
{
	const char *dev = "azure_v1_vm_arrivals/v1.dev.txt.gz";
	const char *durs = "azure_v1_vm_arrivals/v1.dev.c2100000.txt.gz";
	const char *train = "azure_v1_vm_arrivals/v1.train.txt.gz";
	struct seen s, s2;

	if (!exists(dev))
		return;
	s = scan("azure", dev, 1);
	common(dev, &s, 259159);
	is_int(s.forever, 14317, "%s: 14,317 censored VMs never depart", dev);
	is_int(s.max_arrive_ns, 299700 * S, "%s: arrivals over 300,000 s", dev);
	ok(s.max_depart_ns <= 300300 * S,
	    "%s: uncensored VMs end before the censoring time", dev);
	s2 = scan("azure", durs, 1);
	ok(s2.n == s.n && s2.hash == s.hash,
	    "%s: the same records as through the flavour file", durs);
	s2 = scan("azure", dev, 2);
	ok(s2.n == s.n && s2.hash != s.hash,
	    "%s: another seed, other lifetimes", dev);
	s = scan("azure", train, 1);
	common(train, &s, 1200998);
	is_int(s.forever, 1200998, "%s: no duration file, so no VM departs",
	    train);
}

static void
alibaba(void)
{
	static const struct {
		const char *file;
		uint64_t n;
	} lists[] = {
		{ "openb_pod_list_default.csv.gz", 8152 },
		{ "openb_pod_list_cpu050.csv.gz", 7439 },
		{ "openb_pod_list_gpushare40.csv.gz", 8152 },
		{ "openb_pod_list_gpuspec10.csv.gz", 8152 },
		{ "openb_pod_list_multigpu20.csv.gz", 8324 },
	};
	static const struct {
		const char *file;
		uint32_t n;
	} nodes[] = {
		{ "openb_node_list_all_node.csv.gz", 1523 },
		{ "openb_node_list_gpu_node.csv.gz", 1213 },
	};
	char rel[256], path[1024];
	struct seen s;

	if (!exists("alibaba_gpu_v2023"))
		return;
	for (size_t i = 0; i < ELEMENTSOF(lists); i++) {
		snprintf(
		    rel, sizeof(rel), "alibaba_gpu_v2023/%s", lists[i].file);
		s = scan("alibaba", rel, 0);
		common(rel, &s, lists[i].n);
		if (i == 0) {
			ok(s.by_prio[0] == 3398 && s.by_prio[1] == 100 &&
				s.by_prio[2] == 4647 && s.by_prio[3] == 7,
			    "%s: qos BE/Burstable/LS/Guaranteed as priority "
			    "0/1/2/3",
			    rel);
			is_int(s.forever, 0,
			    "%s: every pod has a deletion time (pending "
			    "ones too)",
			    rel);
		}
		if (i == 4)
			is_int(s.forever, 8324,
			    "%s: no times: every pod at 0, never ending", rel);
	}
	for (size_t i = 0; i < ELEMENTSOF(nodes); i++) {
		struct res *caps = NULL;
		struct diag d = { 0 };
		uint32_t n = 0;
		bool sane = true;

		snprintf(path, sizeof(path), "%s/alibaba_gpu_v2023/%s",
		    data_dir, nodes[i].file);
		is_int(trace_read_nodes(path, &caps, &n, &d), 0, "%s read",
		    nodes[i].file);
		is_int(
		    n, nodes[i].n, "%s: %u nodes", nodes[i].file, nodes[i].n);
		for (uint32_t k = 0; k < n; k++)
			sane = sane && caps[k].v[RES_CPU] >= 8000 &&
			    caps[k].v[RES_MEM] >= 32768;
		ok(sane, "%s: every node has >= 8 cores and 32 GiB",
		    nodes[i].file);
		free(caps);
	}
}

static void
swf(void)
{
	const char *rel = "pwa_nasa_ipsc_swf/NASA-iPSC-1993-3.1-cln.swf.gz";
	struct trace_opts o = { 0 };
	struct trace *t = NULL;
	struct diag d = { 0 };
	char spec[1024];
	struct seen s;

	if (!exists(rel))
		return;
	s = scan("swf", rel, 0);
	common(rel, &s, 18239);
	snprintf(spec, sizeof(spec), "swf:%s/%s", data_dir, rel);
	if (trace_open(spec, &o, &t, &d) == 0) {
		const struct trace_rec *r;

		while (trace_next(t, &r, &d) > 0)
			;
		is_int(trace_dropped(t), 0, "%s: no cancelled job", rel);
	}
	trace_close(t);
}

int
main(int argc, char **argv)
{
	struct stat st;

	data_dir = argc > 1 ? argv[1] : "../shared/data";
	if (stat(data_dir, &st) < 0)
		return tap_skip_all("no shared data directory");
	planetlab();
	bitbrains();
	azure();
	alibaba();
	swf();
	if (tap_state.n == 0)
		return tap_skip_all("no shared trace in the data directory");
	return tap_done();
}
