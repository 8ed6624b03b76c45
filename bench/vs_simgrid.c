/* vs_simgrid.c - vmgr's simulator and SimGrid side by side on one generated VM-placement workload. */
#include "bench_util.h"
#include "workload.h"

#include <errno.h>
#include <jansson.h>
#include <math.h>
#include <signal.h>
#include <stdbool.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <unistd.h>

/*
 * Both programs run as child processes on the same scenario (docs/sim.md,
 * "Against SimGrid"): COUNT identical hosts, the generator's VMs, first fit
 * in host order, no admission queue. The rounds alternate vmgr, SimGrid,
 * vmgr, ... so that load on the machine hits both alike; the figures are
 * medians of wall and CPU time and the ratio vmgr / SimGrid. The placed and
 * refused counts must agree in every round, or the run fails (exit 1): a
 * faster simulator that decides differently proves nothing.
 *
 * usage: bench_vs_simgrid [--case COUNT:CORES:GIB:VMS:SEED]... [--rounds N]
 * Default cases: 1000:32:128:2000:1 and 10000:32:128:20000:1 (the issue's
 * 10,000 hosts and 20,000 VMs), 3 rounds each.
 */

#ifndef VMGR_PATH
#define VMGR_PATH "vmgr"
#endif
#ifndef SIMGRID_PATH
#define SIMGRID_PATH ""
#endif

#define MAX_CASES 8
#define MAX_ROUNDS 15

struct bcase {
	struct workload_hosts h;
	uint32_t vms;
	uint64_t seed;
};

struct run {
	double wall_s, cpu_s, rss_mib;
	long long placed, refused;
};

/* Runs argv to completion with stdout captured (up to cap - 1 bytes);
 * wall and CPU time and peak RSS of the child. 0, or -1 with a message
 * on stderr (spawn failure, exit status not 0). */
static int
run_capture(const char *const argv[], char *out, size_t cap, struct run *r)
{
	int fd[2], st, efd = memfd_create("stderr", 0);
	size_t n = 0;
	ssize_t k;
	struct rusage ru;
	double t0;
	pid_t pid;

	if (pipe(fd) < 0)
		return -1;
	t0 = bench_now();
	pid = fork();
	if (pid == 0) {
		dup2(fd[1], 1);
		if (efd >= 0)
			dup2(efd, 2);
		close(fd[0]);
		close(fd[1]);
		execv(argv[0], (char *const *)argv);
		fprintf(
		    stderr, "vs_simgrid: %s: %s\n", argv[0], strerror(errno));
		_exit(127);
	}
	close(fd[1]);
	if (pid < 0) {
		close(fd[0]);
		if (efd >= 0)
			close(efd);
		return -1;
	}
	while ((k = read(fd[0], out + n, cap - 1 - n)) > 0 && n + 1 < cap)
		n += (size_t)k;
	out[n] = '\0';
	close(fd[0]);
	if (wait4(pid, &st, 0, &ru) < 0) {
		if (efd >= 0)
			close(efd);
		return -1;
	}
	r->wall_s = bench_now() - t0;
	r->cpu_s = (double)ru.ru_utime.tv_sec + ru.ru_utime.tv_usec * 1e-6 +
	    (double)ru.ru_stime.tv_sec + ru.ru_stime.tv_usec * 1e-6;
	r->rss_mib = (double)ru.ru_maxrss / 1024.0;
	if (!WIFEXITED(st) || WEXITSTATUS(st) != 0) {
		char msg[2048];
		off_t end = efd >= 0 ? lseek(efd, 0, SEEK_END) : 0;
		ssize_t m = 0;

		/* The child's last words (its progress lines are dropped when
		 * it succeeds). */
		if (efd >= 0)
			m = pread(efd, msg, sizeof(msg) - 1,
			    end > (off_t)sizeof(msg) - 1
				? end - (off_t)sizeof(msg) + 1
				: 0);
		msg[m > 0 ? m : 0] = '\0';
		fprintf(stderr, "vs_simgrid: %s exited with status %d: %s\n",
		    argv[0], WIFEXITED(st) ? WEXITSTATUS(st) : -1, msg);
		if (efd >= 0)
			close(efd);
		return -1;
	}
	if (efd >= 0)
		close(efd);
	return 0;
}

/* Integer member `key` of the one JSON object in text, or -1. */
static long long
json_int(const char *text, const char *key)
{
	json_error_t err;
	json_t *o = json_loads(text, JSON_DISABLE_EOF_CHECK, &err);
	long long v = -1;

	if (o && json_is_integer(json_object_get(o, key)))
		v = json_integer_value(json_object_get(o, key));
	json_decref(o);
	return v;
}

/* The workload in both files: SimGrid's CSV and vmgr's trace CSV (the
 * same rows with a name column). 0 or -1. */
static int
write_files(const struct bcase *c, const char *sg, const char *vm)
{
	struct workload w;
	FILE *f, *g;
	int r = -1;

	workload_init(&w);
	if (workload_generate(&w, c->vms, c->seed) < 0)
		return -1;
	f = fopen(sg, "w");
	g = fopen(vm, "w");
	if (f && g && workload_write(&w, f) == 0) {
		fprintf(g, "name,arrive_s,depart_s,cpu_milli,memory_mib\n");
		for (uint32_t i = 0; i < w.n; i++) {
			const struct workload_vm *v = &w.v[i];

			fprintf(g, "vm%u,%.9g,", i, v->arrive_s);
			if (!isinf(v->depart_s))
				fprintf(g, "%.9g", v->depart_s);
			/* SimGrid gives a VM whole cores. */
			fprintf(g, ",%u,%llu\n", v->cores * 1000,
			    (unsigned long long)v->memory_mib);
		}
		r = 0;
	}
	if (f && fclose(f) != 0)
		r = -1;
	if (g && fclose(g) != 0)
		r = -1;
	workload_done(&w);
	return f && g ? r : -1;
}

static int
run_case(const struct bcase *c, int rounds, bool have_sg)
{
	char sg_csv[] = "/tmp/vmgr-vs-sg-XXXXXX", vm_csv[64], trace[96],
	     hosts_v[64], hosts_s[64], cas[96], out[1 << 16];
	double vw[MAX_ROUNDS], vc[MAX_ROUNDS], vr[MAX_ROUNDS], sw[MAX_ROUNDS],
	    sc[MAX_ROUNDS], sr[MAX_ROUNDS];
	int fd, ret = -1;
	long long placed = -1, refused = -1;

	fd = mkstemp(sg_csv);
	if (fd < 0)
		return -1;
	close(fd);
	snprintf(vm_csv, sizeof(vm_csv), "%s.vmgr.csv", sg_csv);
	snprintf(trace, sizeof(trace), "csv:%s", vm_csv);
	snprintf(hosts_v, sizeof(hosts_v), "%ux%u:%u", c->h.count, c->h.cores,
	    c->h.mem_gib);
	snprintf(hosts_s, sizeof(hosts_s), "%u:%u:%u", c->h.count, c->h.cores,
	    c->h.mem_gib);
	snprintf(cas, sizeof(cas), "hosts=%u/vms=%u/seed=%llu", c->h.count,
	    c->vms, (unsigned long long)c->seed);
	if (write_files(c, sg_csv, vm_csv) < 0) {
		fprintf(
		    stderr, "vs_simgrid: %s: cannot write the workload\n", cas);
		goto out;
	}
	for (int i = 0; i < rounds; i++) {
		const char *va[] = { VMGR_PATH, "sim", "--trace", trace,
			"--hosts", hosts_v, "--allocation", "first-fit",
			"--no-queue", "--json", NULL };
		const char *sa[] = { SIMGRID_PATH, "--hosts", hosts_s,
			"--workload", sg_csv, NULL };
		struct run v = { 0 }, s = { 0 };

		if (run_capture(va, out, sizeof(out), &v) < 0)
			goto out;
		v.placed = json_int(out, "started");
		v.refused = json_int(out, "refused");
		vw[i] = v.wall_s, vc[i] = v.cpu_s, vr[i] = v.rss_mib;
		if (have_sg) {
			if (run_capture(sa, out, sizeof(out), &s) < 0)
				goto out;
			s.placed = json_int(out, "placed");
			s.refused = json_int(out, "refused");
			sw[i] = s.wall_s, sc[i] = s.cpu_s, sr[i] = s.rss_mib;
			if (s.placed != v.placed || s.refused != v.refused) {
				fprintf(stderr,
				    "vs_simgrid: %s: decisions differ: vmgr "
				    "placed %lld refused %lld, SimGrid placed "
				    "%lld refused %lld\n",
				    cas, v.placed, v.refused, s.placed,
				    s.refused);
				goto out;
			}
		}
		placed = v.placed, refused = v.refused;
		fprintf(stderr,
		    "vs_simgrid: %s round %d: vmgr %.3f s wall %.3f s cpu; "
		    "SimGrid %s%.3f s wall %.3f s cpu\n",
		    cas, i + 1, v.wall_s, v.cpu_s, have_sg ? "" : "(absent) ",
		    s.wall_s, s.cpu_s);
	}
	if (have_sg) {
		double mvw = bench_median(vw, rounds),
		       msw = bench_median(sw, rounds);

		bench_emit("vs_simgrid", cas, "wall_s", mvw, "simgrid", msw);
		bench_emit("vs_simgrid", cas, "cpu_s", bench_median(vc, rounds),
		    "simgrid", bench_median(sc, rounds));
		bench_emit("vs_simgrid", cas, "peak_rss_mib",
		    bench_median(vr, rounds), "simgrid",
		    bench_median(sr, rounds));
		bench_emit("vs_simgrid", cas, "speedup", msw / mvw, NULL, 0);
	} else {
		bench_emit("vs_simgrid", cas, "wall_s",
		    bench_median(vw, rounds), NULL, 0);
		bench_emit("vs_simgrid", cas, "cpu_s", bench_median(vc, rounds),
		    NULL, 0);
		bench_emit("vs_simgrid", cas, "peak_rss_mib",
		    bench_median(vr, rounds), NULL, 0);
	}
	printf("{\"bench\":\"vs_simgrid\",\"case\":\"%s\",\"metric\":"
	       "\"decisions\",\"placed\":%lld,\"refused\":%lld,\"same\":%s}\n",
	    cas, placed, refused, have_sg ? "true" : "null");
	ret = 0;
out:
	unlink(sg_csv);
	unlink(vm_csv);
	return ret;
}

static int
parse_case(const char *s, struct bcase *c)
{
	unsigned n, cores, gib, vms;
	unsigned long long seed;
	char tail;

	if (sscanf(s, "%u:%u:%u:%u:%llu%c", &n, &cores, &gib, &vms, &seed,
		&tail) != 5 ||
	    n < 1 || n > WORKLOAD_MAX_HOSTS || cores < 1 ||
	    cores > WORKLOAD_MAX_HOST_CORES || gib < 1 ||
	    gib > WORKLOAD_MAX_HOST_MEM_GIB || vms < 1 ||
	    vms > WORKLOAD_MAX_VMS)
		return -1;
	*c = (struct bcase){ { n, cores, gib }, vms, seed };
	return 0;
}

int
main(int argc, char **argv)
{
	struct bcase cases[MAX_CASES] = {
		{ { 1000, 32, 128 }, 2000, 1 },
		{ { 10000, 32, 128 }, 20000, 1 },
	};
	int ncases = 0, rounds = 3, bad = 0;
	bool have_sg = SIMGRID_PATH[0] && access(SIMGRID_PATH, X_OK) == 0;

	for (int i = 1; i < argc; i++) {
		if (!strcmp(argv[i], "--case") && i + 1 < argc &&
		    ncases < MAX_CASES) {
			if (parse_case(argv[++i], &cases[ncases++]) < 0) {
				fprintf(stderr,
				    "vs_simgrid: --case '%s': expected "
				    "COUNT:CORES:GIB:VMS:SEED\n",
				    argv[i]);
				return 2;
			}
		} else if (!strcmp(argv[i], "--rounds") && i + 1 < argc) {
			rounds = atoi(argv[++i]);
			if (rounds < 1 || rounds > MAX_ROUNDS) {
				fprintf(stderr,
				    "vs_simgrid: --rounds: 1 to %d\n",
				    MAX_ROUNDS);
				return 2;
			}
		} else {
			fprintf(stderr,
			    "usage: bench_vs_simgrid [--case "
			    "COUNT:CORES:GIB:VMS:SEED]... [--rounds N]\n");
			return 2;
		}
	}
	if (ncases == 0)
		ncases = 2;
	signal(SIGPIPE, SIG_IGN);
	if (!have_sg)
		fprintf(stderr,
		    "vs_simgrid: SimGrid's side is not built "
		    "(scripts/setup-simgrid); vmgr alone\n");
	for (int k = 0; k < ncases; k++)
		if (run_case(&cases[k], rounds, have_sg) < 0)
			bad = 1;
	return bad;
}
