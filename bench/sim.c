/* sim.c - bench: the simulator on every shared trace and a synthetic million VMs (events/s, wall, RSS). */
#include "sim/sim.h"
#include "bench_util.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

/*
 * Each case runs in a child process (so its peak RSS is its own), three
 * times; the figures are medians. Traces missing from ../shared/data are
 * skipped with a message. With an argument, only the cases whose name
 * contains it run.
 */

#ifndef DATA
#define DATA VMGR_SHARED_DATA
#endif

struct scase {
	const char *name, *trace, *hosts, *alloc;
	const char *needs; /* file that must exist, relative to DATA */
};

static const struct scase cases[] = {
	{ "planetlab-7days/800-hosts", "planetlab:" DATA "/planetlab_cpu",
	    "400xg4,400xg5", "first-fit", "planetlab_cpu" },
	{ "bitbrains/100-hosts",
	    "bitbrains:" DATA "/bitbrains_rnd/rnd_2013-7_vm1-500.tar.zst",
	    "100x16:64", "first-fit",
	    "bitbrains_rnd/rnd_2013-7_vm1-500.tar.zst" },
	{ "azure-dev/2000-hosts",
	    "azure:" DATA "/azure_v1_vm_arrivals/v1.dev.txt.gz", "2000x32:256",
	    "first-fit", "azure_v1_vm_arrivals/v1.dev.txt.gz" },
	{ "alibaba-default/1523-nodes",
	    "alibaba:" DATA "/alibaba_gpu_v2023/openb_pod_list_default.csv.gz",
	    "nodes:" DATA "/alibaba_gpu_v2023/openb_node_list_all_node.csv.gz",
	    "first-fit", "alibaba_gpu_v2023/openb_pod_list_default.csv.gz" },
	{ "nasa-ipsc-swf/1x128",
	    "swf:" DATA "/pwa_nasa_ipsc_swf/NASA-iPSC-1993-3.1-cln.swf.gz",
	    "1x128:512", "first-fit",
	    "pwa_nasa_ipsc_swf/NASA-iPSC-1993-3.1-cln.swf.gz" },
	{ "synthetic-1M-vms/100k-hosts",
	    "synthetic:vms=1000000,rate=100,life=1800", "100000x16:64",
	    "first-fit", NULL },
	/* Best fit searches the index by branch and bound: at 100,000 hosts
	 * it is many times slower than first fit (docs/sim.md), so its case
	 * is a tenth of the size. */
	{ "synthetic-100k-vms/10k-hosts/first-fit",
	    "synthetic:vms=100000,rate=100,life=1800", "10000x16:64",
	    "first-fit", NULL },
	{ "synthetic-100k-vms/10k-hosts/best-fit",
	    "synthetic:vms=100000,rate=100,life=1800", "10000x16:64",
	    "best-fit", NULL },
};

struct out {
	double wall_s, events;
	int ok;
};

static int
run_child(const struct scase *c, struct out *o, long *rss_kib)
{
	int fd[2];
	pid_t pid;
	struct rusage ru;
	int st;

	if (pipe(fd) < 0)
		return -1;
	pid = fork();
	if (pid == 0) {
		struct sim_opts so;
		struct sim_result r;
		struct diag d = { 0 };
		struct out res = { 0 };

		close(fd[0]);
		sim_opts_default(&so);
		so.trace = c->trace;
		so.hosts = c->hosts;
		so.eng.allocation = c->alloc;
		if (sim_run(&so, &r, &d) == 0) {
			res.wall_s = r.wall_s;
			res.events = (double)r.events;
			res.ok = 1;
		} else {
			fprintf(stderr, "sim: %s: %s\n", c->name, d.msg);
		}
		if (write(fd[1], &res, sizeof(res)) != (ssize_t)sizeof(res))
			_exit(1);
		_exit(0);
	}
	close(fd[1]);
	if (pid < 0 || read(fd[0], o, sizeof(*o)) != (ssize_t)sizeof(*o)) {
		close(fd[0]);
		return -1;
	}
	close(fd[0]);
	if (wait4(pid, &st, 0, &ru) < 0)
		return -1;
	*rss_kib = ru.ru_maxrss;
	return o->ok ? 0 : -1;
}

int
main(int argc, char **argv)
{
	for (size_t k = 0; k < sizeof(cases) / sizeof(cases[0]); k++) {
		const struct scase *c = &cases[k];
		double wall[3], eps[3], rss[3], events = 0;
		char path[1024];
		struct stat sb;

		if (argc > 1 && !strstr(c->name, argv[1]))
			continue;
		if (c->needs) {
			snprintf(path, sizeof(path), "%s/%s", DATA, c->needs);
			if (stat(path, &sb) < 0) {
				fprintf(stderr,
				    "sim: %s: skipped (%s missing)\n", c->name,
				    path);
				continue;
			}
		}
		for (int i = 0; i < 3; i++) {
			struct out o;
			long kib = 0;

			if (run_child(c, &o, &kib) < 0) {
				fprintf(stderr, "sim: %s failed\n", c->name);
				return 1;
			}
			wall[i] = o.wall_s;
			eps[i] = o.events / o.wall_s;
			rss[i] = kib / 1024.0;
			events = o.events;
		}
		bench_emit(
		    "sim", c->name, "wall_s", bench_median(wall, 3), NULL, 0);
		bench_emit("sim", c->name, "events_per_s", bench_median(eps, 3),
		    NULL, 0);
		bench_emit("sim", c->name, "events", events, NULL, 0);
		bench_emit("sim", c->name, "peak_rss_mib", bench_median(rss, 3),
		    NULL, 0);
		fprintf(stderr,
		    "sim: %-40s %8.3f s  %6.2f M events/s  %.0f events  %7.1f "
		    "MiB\n",
		    c->name, bench_median(wall, 3), bench_median(eps, 3) / 1e6,
		    events, bench_median(rss, 3));
	}
	return 0;
}
