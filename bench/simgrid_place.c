/* simgrid_place.c - bench: the VM-placement scenario (first fit, no queue) simulated in SimGrid, the peer of vmgr's simulator. */
#include "workload.h"

#include "bench_util.h"

#include <simgrid/actor.h>
#include <simgrid/engine.h>
#include <simgrid/host.h>
#include <simgrid/version.h>
#include <simgrid/vm.h>

#include <errno.h>
#include <math.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <unistd.h>

/*
 * One SimGrid simulation of the side-by-side benchmark (issue 4,
 * docs/simgrid.md): COUNT identical hosts in a SimGrid cluster, and a
 * workload of VMs (bench/workload.h). A scheduler actor sleeps until each
 * arrival and places the VM by first fit: the lowest-numbered host whose
 * free cores and memory, which the actor tracks itself (SimGrid does not
 * refuse an over-committed host, and does not model host memory at all),
 * hold ceil(cpu_milli / 1000) cores and memory_mib MiB. It then creates a
 * SimGrid VM with that many cores and that much RAM on the host and starts
 * it. A VM that fits nowhere at its arrival is refused for good (no queue,
 * no retry). At its departure time a placed VM is destroyed and its cores
 * and memory are free again; departures due at the same time as an arrival
 * happen before it.
 *
 * Departures come in one of two ways (--departures):
 *   heap    the scheduler keeps a min-heap of departure times and wakes for
 *           whichever comes first, the next arrival or the next departure;
 *           one actor in all, the fastest way SimGrid allows, and the
 *           default;
 *   actors  one lifetime actor per placed VM, on its host, that sleeps
 *           until the departure and destroys the VM, the way SimGrid's
 *           own cloud examples give each VM's activity an actor.
 *
 * Single-threaded: SimGrid runs one actor at a time, so the actors share
 * `struct bench` (passed as actor data; no globals) without locks.
 */

#define DEFAULT_HOSTS "1000:32:128"
#define DEFAULT_VMS 2000u
#define DEFAULT_SEED 1u
#define MAX_SIMGRID_ARGS 64

enum departures { DEP_HEAP, DEP_ACTORS };

/* One workload VM while it runs. */
struct run {
	sg_vm_t vm; /* NULL unless running */
	uint32_t host;
	struct bench *b; /* for its lifetime actor */
};

struct bench {
	struct workload w;
	struct workload_hosts hs;
	enum departures dep;
	sg_host_t *host; /* host[i] is "h<i>": first fit's order */
	uint32_t *free_cores;
	uint64_t *free_mib;
	struct run *run; /* one per workload VM */
	uint32_t *heap; /* DEP_HEAP: placed VMs by departure time */
	uint32_t nheap;
	uint64_t placed, refused, too_big, departed;
	uint32_t progress_every;
	double t0, place_s;
};

static void
usage(FILE *f)
{
	fprintf(f,
	    "usage: bench_simgrid_place [--hosts COUNT:CORES:MEM_GIB] "
	    "[--workload FILE.csv]\n"
	    "                           [--departures heap|actors] "
	    "[--cfg=NAME:VALUE]... [--log=...]...\n"
	    "       bench_simgrid_place --generate N SEED\n"
	    "\n"
	    "Simulates first-fit VM placement without a queue in SimGrid "
	    "%d.%d and prints one\n"
	    "JSON line: wall time, VMs placed and refused, peak RSS.\n"
	    "  --hosts      identical hosts (default " DEFAULT_HOSTS ")\n"
	    "  --workload   VMs, CSV with the header "
	    "arrive_s,depart_s,cpu_milli,memory_mib\n"
	    "               ('-' reads stdin; default: --generate %u %u in "
	    "memory)\n"
	    "  --departures heap: the scheduler actor destroys VMs (default);"
	    "\n"
	    "               actors: one lifetime actor per VM destroys it\n"
	    "  --generate   print a synthetic workload of N VMs to stdout "
	    "and exit\n"
	    "  --cfg, --log passed to SimGrid (after this program's own "
	    "settings)\n"
	    "See docs/simgrid.md.\n",
	    SIMGRID_VERSION_MAJOR, SIMGRID_VERSION_MINOR, DEFAULT_VMS,
	    DEFAULT_SEED);
}

/* Exits with status 2 after a message about the command line. */
static void
die_usage(const char *fmt, ...) _printf_(1, 2) __attribute__((noreturn));

static void
die_usage(const char *fmt, ...)
{
	va_list ap;

	fprintf(stderr, "bench_simgrid_place: ");
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fprintf(stderr, "\n(bench_simgrid_place --help for usage)\n");
	exit(2);
}

static bool
parse_u64(const char *s, uint64_t max, uint64_t *ret)
{
	char *end;
	unsigned long long x;

	if (*s < '0' || *s > '9')
		return false;
	errno = 0;
	x = strtoull(s, &end, 10);
	if (errno || *end || x > max)
		return false;
	*ret = x;
	return true;
}

/* Peak resident memory in MiB and CPU seconds (user + system) so far. */
static void
usage_now(double *ret_rss_mib, double *ret_cpu_s)
{
	struct rusage ru;

	*ret_rss_mib = *ret_cpu_s = -1;
	if (getrusage(RUSAGE_SELF, &ru) < 0)
		return;
	*ret_rss_mib = (double)ru.ru_maxrss / 1024.0; /* KiB */
	*ret_cpu_s = (double)(ru.ru_utime.tv_sec + ru.ru_stime.tv_sec) +
	    (double)(ru.ru_utime.tv_usec + ru.ru_stime.tv_usec) * 1e-6;
}

/* ---- the scheduler's own bookkeeping ---- */

static bool
heap_less(const struct bench *b, uint32_t x, uint32_t y)
{
	double dx = b->w.v[x].depart_s, dy = b->w.v[y].depart_s;

	return dx < dy || (dx == dy && x < y);
}

static void
heap_push(struct bench *b, uint32_t v)
{
	uint32_t i = b->nheap++;

	while (i > 0 && heap_less(b, v, b->heap[(i - 1) / 2])) {
		b->heap[i] = b->heap[(i - 1) / 2];
		i = (i - 1) / 2;
	}
	b->heap[i] = v;
}

static uint32_t
heap_pop(struct bench *b)
{
	uint32_t top = b->heap[0], last = b->heap[--b->nheap], i = 0;

	for (;;) {
		uint32_t c = 2 * i + 1;

		if (c >= b->nheap)
			break;
		if (c + 1 < b->nheap &&
		    heap_less(b, b->heap[c + 1], b->heap[c]))
			c++;
		if (!heap_less(b, b->heap[c], last))
			break;
		b->heap[i] = b->heap[c];
		i = c;
	}
	if (b->nheap > 0)
		b->heap[i] = last;
	return top;
}

/* The lowest-numbered host with room for vm, or -1. */
static int64_t
first_fit(const struct bench *b, const struct workload_vm *vm)
{
	for (uint32_t h = 0; h < b->hs.count; h++)
		if (b->free_cores[h] >= vm->cores &&
		    b->free_mib[h] >= vm->memory_mib)
			return h;
	return -1;
}

/* ---- actors ---- */

static void
sleep_until(double t)
{
	if (t > simgrid_get_clock())
		sg_actor_sleep_until(t);
}

/* VM i leaves: its capacity is free at once, then SimGrid destroys it. */
static void
depart(struct bench *b, uint32_t i)
{
	struct run *r = &b->run[i];
	sg_vm_t vm = r->vm;

	b->free_cores[r->host] += b->w.v[i].cores;
	b->free_mib[r->host] += b->w.v[i].memory_mib;
	r->vm = NULL;
	b->departed++;
	sg_vm_destroy(vm); /* shuts the VM down first */
}

static void
lifetime_main(int argc, char **argv)
{
	struct run *r = sg_actor_self_get_data();
	struct bench *b = r->b;
	uint32_t i = (uint32_t)(r - b->run);

	(void)argc;
	(void)argv;
	sleep_until(b->w.v[i].depart_s);
	depart(b, i);
}

/* VM i arrives now: first fit, then create and start it, or refuse it. */
static void
arrive(struct bench *b, uint32_t i)
{
	const struct workload_vm *vm = &b->w.v[i];
	struct run *r = &b->run[i];
	double t = bench_now();
	int64_t h = first_fit(b, vm);
	char name[32];

	b->place_s += bench_now() - t;
	if (h < 0) {
		b->refused++;
		if (vm->cores > b->hs.cores ||
		    vm->memory_mib > (uint64_t)b->hs.mem_gib * 1024)
			b->too_big++;
		return;
	}
	b->free_cores[h] -= vm->cores;
	b->free_mib[h] -= vm->memory_mib;
	b->placed++;
	r->host = (uint32_t)h;
	r->b = b;
	snprintf(name, sizeof(name), "vm%u", i);
	r->vm = sg_vm_create_multicore(b->host[h], name, (int)vm->cores);
	sg_vm_set_ramsize(r->vm, (size_t)vm->memory_mib << 20);
	sg_vm_start(r->vm);
	if (isinf(vm->depart_s))
		return; /* stays to the end of the simulation */
	if (b->dep == DEP_HEAP) {
		heap_push(b, i);
	} else {
		sg_actor_t a = sg_actor_init("lifetime", b->host[h]);

		sg_actor_set_data(a, r);
		sg_actor_start(a, lifetime_main, 0, NULL);
	}
}

/* DEP_HEAP: every departure due at or before t, in time order. */
static void
depart_until(struct bench *b, double t)
{
	while (b->nheap > 0 && b->w.v[b->heap[0]].depart_s <= t) {
		uint32_t i = heap_pop(b);

		sleep_until(b->w.v[i].depart_s);
		depart(b, i);
	}
}

static void
scheduler_main(int argc, char **argv)
{
	struct bench *b = sg_actor_self_get_data();

	(void)argc;
	(void)argv;
	for (uint32_t i = 0; i < b->w.n; i++) {
		double t = b->w.v[i].arrive_s;

		if (b->dep == DEP_HEAP)
			depart_until(b, t);
		if (t > simgrid_get_clock()) {
			sg_actor_sleep_until(t);
			/* Lifetime actors that woke at t free their VMs
			 * before this arrival is placed. */
			if (b->dep == DEP_ACTORS)
				sg_actor_yield();
		}
		arrive(b, i);
		if ((i + 1) % b->progress_every == 0 || i + 1 == b->w.n)
			fprintf(stderr,
			    "simgrid_place: %u/%u VMs arrived, %.0f s "
			    "simulated, %.1f s wall\n",
			    i + 1, b->w.n, simgrid_get_clock(),
			    bench_now() - b->t0);
	}
	if (b->dep == DEP_HEAP)
		depart_until(b, INFINITY);
}

/* ---- setup ---- */

/* Writes a SimGrid platform of hs.count hosts "h0".."h<count-1>" to a
 * temporary file; its path in path (the caller unlinks it). */
static int
write_platform(const struct workload_hosts *hs, char *path, size_t cap)
{
	const char *dir = getenv("TMPDIR");
	FILE *f;
	int fd;

	/* SimGrid picks the parser from the extension: keep ".xml". */
	snprintf(path, cap, "%s/simgrid_place.XXXXXX.xml",
	    dir && *dir ? dir : "/tmp");
	if ((fd = mkstemps(path, 4)) < 0)
		return -errno;
	if (!(f = fdopen(fd, "w"))) {
		close(fd);
		unlink(path);
		return -errno;
	}
	/* Speeds and links do not matter: nothing computes or communicates.
	 * A cluster zone is SimGrid's cheapest way to declare many hosts. */
	fprintf(f,
	    "<?xml version='1.0'?>\n"
	    "<!DOCTYPE platform SYSTEM \"https://simgrid.org/simgrid.dtd\">\n"
	    "<platform version=\"4.1\">\n"
	    "  <cluster id=\"cluster\" prefix=\"h\" suffix=\"\" "
	    "radical=\"0-%u\" speed=\"1Gf\" core=\"%u\" bw=\"10GBps\" "
	    "lat=\"10us\"/>\n"
	    "</platform>\n",
	    hs->count - 1, hs->cores);
	if (fclose(f) == EOF) {
		unlink(path);
		return -EIO;
	}
	return 0;
}

static int
load_workload(struct bench *b, const char *path)
{
	struct diag d;
	FILE *f;
	int r;

	diag_clear(&d);
	if (!path) {
		r = workload_generate(&b->w, DEFAULT_VMS, DEFAULT_SEED);
		if (r < 0)
			fprintf(stderr,
			    "bench_simgrid_place: generating the "
			    "default workload: %s\n",
			    strerror(-r));
		return r;
	}
	if (strcmp(path, "-") == 0) {
		f = stdin;
		path = "<stdin>";
	} else if (!(f = fopen(path, "r"))) {
		r = -errno;
		fprintf(stderr, "bench_simgrid_place: %s: %s\n", path,
		    strerror(errno));
		return r;
	}
	r = workload_read(&b->w, f, path, &d);
	if (f != stdin)
		fclose(f);
	if (r < 0)
		fprintf(stderr, "bench_simgrid_place: %s\n", d.msg);
	return r;
}

static int
alloc_state(struct bench *b)
{
	uint32_t n = b->w.n ? b->w.n : 1, nh = b->hs.count;

	b->host = calloc(nh, sizeof(*b->host));
	b->free_cores = calloc(nh, sizeof(*b->free_cores));
	b->free_mib = calloc(nh, sizeof(*b->free_mib));
	b->run = calloc(n, sizeof(*b->run));
	b->heap = calloc(n, sizeof(*b->heap));
	if (!b->host || !b->free_cores || !b->free_mib || !b->run || !b->heap)
		return -ENOMEM;
	for (uint32_t h = 0; h < nh; h++) {
		b->free_cores[h] = b->hs.cores;
		b->free_mib[h] = (uint64_t)b->hs.mem_gib * 1024;
	}
	b->progress_every = b->w.n >= 10 ? b->w.n / 10 : 1;
	return 0;
}

static void
free_state(struct bench *b)
{
	free(b->host);
	free(b->free_cores);
	free(b->free_mib);
	free(b->run);
	free(b->heap);
	workload_done(&b->w);
}

static int
generate(const char *n_arg, const char *seed_arg)
{
	struct workload w;
	uint64_t n, seed;
	int r;

	if (!parse_u64(n_arg, WORKLOAD_MAX_VMS, &n) || n == 0)
		die_usage(
		    "--generate: N must be an integer from 1 to 10000000, "
		    "not '%s'",
		    n_arg);
	if (!parse_u64(seed_arg, UINT64_MAX, &seed))
		die_usage("--generate: SEED must be a non-negative integer, "
			  "not '%s'",
		    seed_arg);
	workload_init(&w);
	r = workload_generate(&w, (uint32_t)n, seed);
	if (r == 0)
		r = workload_write(&w, stdout);
	workload_done(&w);
	if (r < 0) {
		fprintf(stderr, "bench_simgrid_place: --generate: %s\n",
		    strerror(-r));
		return 1;
	}
	return 0;
}

int
main(int argc, char **argv)
{
	const char *hosts = DEFAULT_HOSTS, *workload = NULL;
	const char *sg_argv[MAX_SIMGRID_ARGS + 1];
	char platform[4096], cas[96];
	int sg_argc = 0, r;
	struct bench b;
	struct diag d;
	double t_setup, t_run, rss_mib, cpu_s;
	sg_actor_t sched;

	memset(&b, 0, sizeof(b));
	workload_init(&b.w);
	diag_clear(&d);
	/* SimGrid reads its own options first; the user's come after
	 * these, so they win. Logs above "critical" would cost time. */
	sg_argv[sg_argc++] = argv[0];
	sg_argv[sg_argc++] = "--log=root.thres:critical";
	/* Lifetime actors need little stack; 8 MiB each by default. */
	sg_argv[sg_argc++] = "--cfg=contexts/stack-size:256";
	for (int i = 1; i < argc; i++) {
		const char *a = argv[i];
		bool more = i + 1 < argc;

		if (strcmp(a, "-h") == 0 || strcmp(a, "--help") == 0) {
			usage(stdout);
			return 0;
		} else if (strcmp(a, "--hosts") == 0 && more) {
			hosts = argv[++i];
		} else if (strcmp(a, "--workload") == 0 && more) {
			workload = argv[++i];
		} else if (strcmp(a, "--departures") == 0 && more) {
			a = argv[++i];
			if (strcmp(a, "heap") == 0)
				b.dep = DEP_HEAP;
			else if (strcmp(a, "actors") == 0)
				b.dep = DEP_ACTORS;
			else
				die_usage("--departures: expected heap or "
					  "actors, not '%s'",
				    a);
		} else if (strcmp(a, "--generate") == 0 && i + 2 < argc) {
			return generate(argv[i + 1], argv[i + 2]);
		} else if (strncmp(a, "--cfg=", 6) == 0 ||
		    strncmp(a, "--log=", 6) == 0) {
			if (sg_argc == MAX_SIMGRID_ARGS)
				die_usage(
				    "too many SimGrid options (at %s)", a);
			sg_argv[sg_argc++] = argv[i];
		} else if (strcmp(a, "--hosts") == 0 ||
		    strcmp(a, "--workload") == 0 ||
		    strcmp(a, "--departures") == 0 ||
		    strcmp(a, "--generate") == 0) {
			die_usage("%s: missing its argument", a);
		} else {
			die_usage("unknown argument '%s'", a);
		}
	}
	sg_argv[sg_argc] = NULL;
	if (workload_hosts_parse(hosts, &b.hs, &d) < 0)
		die_usage("--hosts: %s", d.msg);

	b.t0 = bench_now();
	if ((r = load_workload(&b, workload)) < 0) {
		free_state(&b);
		return r == -EINVAL ? 2 : 1;
	}
	if (alloc_state(&b) < 0) {
		fprintf(stderr, "bench_simgrid_place: out of memory\n");
		free_state(&b);
		return 1;
	}
	snprintf(cas, sizeof(cas), "hosts=%u/vms=%u", b.hs.count, b.w.n);
	fprintf(stderr,
	    "simgrid_place: %s, %u cores and %u GiB per host, departures by "
	    "%s, %s\n",
	    cas, b.hs.cores, b.hs.mem_gib,
	    b.dep == DEP_HEAP ? "the scheduler's heap" : "lifetime actors",
	    SIMGRID_VERSION_STRING);

	simgrid_init(&sg_argc, (char **)sg_argv);
	if ((r = write_platform(&b.hs, platform, sizeof(platform))) < 0) {
		fprintf(stderr,
		    "bench_simgrid_place: temporary platform %s: %s\n",
		    platform, strerror(-r));
		free_state(&b);
		return 1;
	}
	simgrid_load_platform(platform);
	unlink(platform);
	for (uint32_t h = 0; h < b.hs.count; h++) {
		char name[16];

		snprintf(name, sizeof(name), "h%u", h);
		b.host[h] = sg_host_by_name(name);
		if (!b.host[h]) {
			fprintf(stderr,
			    "bench_simgrid_place: SimGrid has no "
			    "host %s\n",
			    name);
			free_state(&b);
			return 1;
		}
	}
	sched = sg_actor_init("scheduler", b.host[0]);
	sg_actor_set_data(sched, &b);
	sg_actor_start(sched, scheduler_main, 0, NULL);
	t_setup = bench_now();

	simgrid_run();
	t_run = bench_now();
	usage_now(&rss_mib, &cpu_s);

	/* VMs that never leave are still running. */
	for (uint32_t i = 0; i < b.w.n; i++)
		if (b.run[i].vm)
			sg_vm_destroy(b.run[i].vm);
	printf("{\"bench\":\"simgrid_place\",\"case\":\"%s\","
	       "\"metric\":\"wall_s\",\"value\":%.6g,\"placed\":%llu,"
	       "\"refused\":%llu,\"peak_rss_mib\":%.1f,\"cpu_s\":%.6g,"
	       "\"too_big\":%llu,\"departed\":%llu,"
	       "\"departures\":\"%s\",\"setup_s\":%.6g,\"run_s\":%.6g,"
	       "\"place_s\":%.6g,\"sim_end_s\":%.17g,"
	       "\"simgrid\":\"%d.%d.%d\"}\n",
	    cas, t_run - b.t0, (unsigned long long)b.placed,
	    (unsigned long long)b.refused, rss_mib, cpu_s,
	    (unsigned long long)b.too_big, (unsigned long long)b.departed,
	    b.dep == DEP_HEAP ? "heap" : "actors", t_setup - b.t0,
	    t_run - t_setup, b.place_s, simgrid_get_clock(),
	    SIMGRID_VERSION_MAJOR, SIMGRID_VERSION_MINOR,
	    SIMGRID_VERSION_PATCH);
	fflush(stdout);
	free_state(&b);
	return ferror(stdout) ? 1 : 0;
}
