/* cmd_sim.c - `vmgr sim`: replay a trace through the decision engine and report. */
#include "vmgr/vmgr.h"

#include "core/cleanup.h"
#include "sim/report.h"
#include "sim/sim.h"

#include <getopt.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

static const char usage[] =
    "--trace FORMAT:PATH [--hosts SPEC] [--allocation S] [--schedule S]\n"
    "       [--seed N] [--report DIR] [--json] [--compare S1,S2,...]\n"
    "       [--consolidate SECONDS] [--fail-rate PER_HOST_YEAR] [--fail-at "
    "T:HOST,...]\n"
    "       [--detect SECONDS] [--repair SECONDS] [--horizon SECONDS] "
    "[--overcommit CPU]\n"
    "       [--skip-bad] [--max-vms N] [--sample SECONDS] [--power-dir DIR] "
    "[--no-ha]\n"
    "       [--no-queue] [--fault-rate CAUSE=PER_YEAR,...] [--fault-at "
    "T:HOST:CAUSE,...]";

static int
number(struct cli *cli, const char *opt, const char *s, double lo, double hi,
    double *ret)
{
	char *end;
	double x;

	errno = 0;
	x = strtod(s, &end);
	if (errno || end == s || *end || !isfinite(x) || x < lo || x > hi)
		return cli_fail(cli, "sim", EXIT_USAGE,
		    "%s: expected a number from %g to %g, got '%s'", opt, lo,
		    hi, s);
	*ret = x;
	return EXIT_OK;
}

/* "host-hardware=0.5,guest-failure=2": faults per host (or VM) and year. */
static int
fault_rates(struct cli *cli, const char *list, double *rates)
{
	_cleanup_free_ char *copy = strdup(list);
	char *save = NULL, *tok;

	if (!copy)
		return cli_fail(cli, "sim", EXIT_FAIL, "out of memory");
	for (tok = strtok_r(copy, ",", &save); tok;
	     tok = strtok_r(NULL, ",", &save)) {
		char *eq = strchr(tok, '=');
		enum fault_cause c;
		int rc;

		if (!eq)
			return cli_fail(cli, "sim", EXIT_USAGE,
			    "--fault-rate: '%s': expected CAUSE=PER_YEAR", tok);
		*eq = '\0';
		if (fault_cause_parse(tok, &c) < 0)
			return cli_fail(cli, "sim", EXIT_USAGE,
			    "--fault-rate: unknown cause '%s' (host-hardware, "
			    "host-partition, hypervisor-crash, guest-failure, "
			    "storage, host-exhaustion)",
			    tok);
		rc = number(cli, "--fault-rate", eq + 1, 0, 1e6, &rates[c]);
		if (rc != EXIT_OK)
			return rc;
	}
	return EXIT_OK;
}

static void
progress(void *ctx, const struct sim_progress *p)
{
	struct cli *cli = ctx;

	fprintf(cli->err,
	    "\rsim: %.2f M events, %.0f k events/s, simulated %.1f h, %llu VMs "
	    "  ",
	    p->events / 1e6, p->wall_s > 0 ? p->events / p->wall_s / 1e3 : 0,
	    p->sim_ns / 3.6e12, (unsigned long long)p->vms);
	fflush(cli->err);
}

static void
print_text(struct cli *cli, const struct sim_result *r)
{
	FILE *f = cli->out;

	fprintf(f,
	    "allocation %s, scheduling %s: %llu VMs on %u hosts, %.1f "
	    "simulated hours\n",
	    r->allocation, r->scheduling, (unsigned long long)r->vms, r->hosts,
	    r->sim_s / 3600);
	fprintf(f,
	    "  started %llu, completed %llu, queued %llu, refused %llu\n",
	    (unsigned long long)r->started, (unsigned long long)r->completed,
	    (unsigned long long)r->queued_vms, (unsigned long long)r->refused);
	fprintf(f,
	    "  wait: mean %.1f s, p50 %.1f s, p90 %.1f s, p99 %.1f s, max %.1f "
	    "s\n",
	    r->wait_mean_s, r->wait_p50_s, r->wait_p90_s, r->wait_p99_s,
	    r->wait_max_s);
	if (isfinite(r->energy_kwh))
		fprintf(f,
		    "  host-hours %.1f, energy %.2f kWh, overload %.2f%% of "
		    "host time\n",
		    r->host_hours, r->energy_kwh, 100 * r->overload_share);
	else
		fprintf(f,
		    "  host-hours %.1f, energy n/a (no power curves), overload "
		    "%.2f%% of host time\n",
		    r->host_hours, 100 * r->overload_share);
	fprintf(f,
	    "  utilisation of powered hosts: cpu %.1f%% (used %.1f%%), memory "
	    "%.1f%%\n",
	    100 * r->util_alloc[RES_CPU], 100 * r->util_used_cpu,
	    100 * r->util_alloc[RES_MEM]);
	fprintf(f, "  stranded: cpu %.1f%%, memory %.1f%%\n",
	    100 * r->stranded[RES_CPU], 100 * r->stranded[RES_MEM]);
	fprintf(f,
	    "  migrations %llu (%.1f GiB), preemptions %llu, suspensions "
	    "%llu\n",
	    (unsigned long long)r->migrations, r->migration_gib,
	    (unsigned long long)r->preemptions,
	    (unsigned long long)r->suspensions);
	if (r->failures)
		fprintf(f,
		    "  failures %llu: %llu VMs restarted (mean %.1f s, max "
		    "%.1f s), %llu lost\n",
		    (unsigned long long)r->failures,
		    (unsigned long long)r->restarted, r->restart_mean_s,
		    r->restart_max_s, (unsigned long long)r->lost);
	if (r->failures) {
		uint64_t all = 0, hit = 0;

		fprintf(f, "  faults (detection %.2f s mean; diagnosis top-1):",
		    r->detect_mean_s);
		for (int c = 0; c < FAULT_NCAUSES; c++) {
			if (!r->faults[c])
				continue;
			all += r->faults[c];
			hit += r->diag_correct[c];
			fprintf(f, " %s %llu (%.0f%%)",
			    fault_cause_name((enum fault_cause)c),
			    (unsigned long long)r->faults[c],
			    100.0 * r->diag_correct[c] / r->faults[c]);
		}
		fprintf(f, "; all %.0f%%\n", all ? 100.0 * hit / all : 0);
		if (r->double_runs)
			fprintf(f, "  VMS RAN TWICE: %llu\n",
			    (unsigned long long)r->double_runs);
	}
	if (r->bad_lines)
		fprintf(f, "  %llu malformed trace lines skipped\n",
		    (unsigned long long)r->bad_lines);
	fprintf(f, "  %llu events in %.2f s (%.2f M events/s)\n",
	    (unsigned long long)r->events, r->wall_s,
	    r->wall_s > 0 ? r->events / r->wall_s / 1e6 : 0);
}

/* The --compare table: one column per strategy. */
static void
print_compare(struct cli *cli, struct sim_result *rs, int n)
{
	static const char *const rows[] = { "started", "refused", "queued",
		"wait p90 s", "host-hours", "energy kWh", "overload %",
		"cpu util %", "mem util %", "stranded cpu %", "migrations",
		"wall s" };
	FILE *f = cli->out;

	fprintf(f, "%-16s", "");
	for (int i = 0; i < n; i++)
		fprintf(f, " %14s", rs[i].allocation);
	fprintf(f, "\n");
	for (size_t k = 0; k < ELEMENTSOF(rows); k++) {
		fprintf(f, "%-16s", rows[k]);
		for (int i = 0; i < n; i++) {
			const struct sim_result *r = &rs[i];
			double v[] = { (double)r->started, (double)r->refused,
				(double)r->queued_vms, r->wait_p90_s,
				r->host_hours, r->energy_kwh,
				100 * r->overload_share,
				100 * r->util_alloc[RES_CPU],
				100 * r->util_alloc[RES_MEM],
				100 * r->stranded[RES_CPU],
				(double)r->migrations, r->wall_s };

			fprintf(f, " %14.*f", k < 3 || k == 10 ? 0 : 2, v[k]);
		}
		fprintf(f, "\n");
	}
}

int
cmd_sim(struct cli *cli, int argc, char **argv)
{
	static const struct option longopts[] = {
		{ "trace", required_argument, NULL, 't' },
		{ "hosts", required_argument, NULL, 'H' },
		{ "allocation", required_argument, NULL, 'a' },
		{ "schedule", required_argument, NULL, 's' },
		{ "seed", required_argument, NULL, 'S' },
		{ "report", required_argument, NULL, 'r' },
		{ "json", no_argument, NULL, 'j' },
		{ "compare", required_argument, NULL, 'c' },
		{ "consolidate", required_argument, NULL, 'C' },
		{ "fail-rate", required_argument, NULL, 'F' },
		{ "fail-at", required_argument, NULL, 'A' },
		{ "detect", required_argument, NULL, 'D' },
		{ "repair", required_argument, NULL, 'R' },
		{ "horizon", required_argument, NULL, 'Z' },
		{ "overcommit", required_argument, NULL, 'O' },
		{ "skip-bad", no_argument, NULL, 'B' },
		{ "max-vms", required_argument, NULL, 'M' },
		{ "sample", required_argument, NULL, 'P' },
		{ "power-dir", required_argument, NULL, 'W' },
		{ "no-ha", no_argument, NULL, 'N' },
		{ "no-queue", no_argument, NULL, 'Q' },
		{ "fault-rate", required_argument, NULL, 'G' },
		{ "fault-at", required_argument, NULL, 'I' },
		{ "help", no_argument, NULL, 'h' },
		{ 0 },
	};
	struct sim_opts o;
	const char *report = NULL, *compare = NULL;
	bool json = false;
	double x;
	int c, rc;

	sim_opts_default(&o);
	optind = 0;
	while ((c = getopt_long(argc, argv, "h", longopts, NULL)) != -1) {
		rc = EXIT_OK;
		switch (c) {
		case 't':
			o.trace = optarg;
			break;
		case 'H':
			o.hosts = optarg;
			break;
		case 'a':
			o.eng.allocation = optarg;
			break;
		case 's':
			o.eng.scheduling = optarg;
			break;
		case 'S':
			rc = number(cli, "--seed", optarg, 0, 9e15, &x);
			o.eng.seed = (uint64_t)x;
			break;
		case 'r':
			report = optarg;
			break;
		case 'j':
			json = true;
			break;
		case 'c':
			compare = optarg;
			break;
		case 'C':
			rc = number(cli, "--consolidate", optarg, 1, 1e9, &x);
			o.eng.consolidate_ns = (uint64_t)(x * 1e9);
			break;
		case 'F':
			rc = number(cli, "--fail-rate", optarg, 0, 1e6,
			    &o.fail_per_host_year);
			break;
		case 'A':
			o.fail_at = optarg;
			break;
		case 'D':
			rc = number(
			    cli, "--detect", optarg, 0, 1e6, &o.detect_s);
			break;
		case 'R':
			rc = number(
			    cli, "--repair", optarg, 0, 1e9, &o.repair_s);
			break;
		case 'Z':
			rc = number(cli, "--horizon", optarg, 1, 1e9, &x);
			o.horizon_ns = (uint64_t)(x * 1e9);
			break;
		case 'O':
			rc = number(cli, "--overcommit", optarg, 0.01, 100, &x);
			o.cpu_overcommit = (uint32_t)(x * 1000 + 0.5);
			break;
		case 'B':
			o.topts.skip_bad = true;
			break;
		case 'M':
			rc = number(cli, "--max-vms", optarg, 1, 1e12, &x);
			o.topts.max_recs = (uint64_t)x;
			break;
		case 'P':
			rc = number(cli, "--sample", optarg, 1, 1e9, &x);
			o.sample_ns = (uint64_t)(x * 1e9);
			break;
		case 'W':
			o.power_dir = optarg;
			break;
		case 'N':
			o.ha = false;
			break;
		case 'Q':
			o.eng.no_queue = true;
			break;
		case 'G':
			rc = fault_rates(cli, optarg, o.fault_rate);
			break;
		case 'I':
			o.fault_at = optarg;
			break;
		case 'h':
			fprintf(cli->out, "usage: vmgr sim %s\n", usage);
			return EXIT_OK;
		default:
			return EXIT_USAGE;
		}
		if (rc != EXIT_OK)
			return rc;
	}
	if (!o.trace || optind != argc)
		return cli_fail(cli, "sim", EXIT_USAGE,
		    "expected --trace FORMAT:PATH and no other arguments (see "
		    "'vmgr help sim')");
	if (isatty(fileno(cli->err)) && !json) {
		o.progress = progress;
		o.progress_ctx = cli;
	}
	if (compare) {
		_cleanup_free_ char *list = strdup(compare);
		struct sim_result rs[16];
		char *save = NULL, *tok;
		int n = 0;

		if (!list)
			return cli_fail(cli, "sim", EXIT_FAIL, "out of memory");
		rc = EXIT_OK;
		for (tok = strtok_r(list, ",", &save); tok && n < 16;
		     tok = strtok_r(NULL, ",", &save)) {
			struct diag d = { 0 };

			o.eng.allocation = tok;
			if (sim_run(&o, &rs[n], &d) < 0) {
				if (o.progress)
					fprintf(cli->err, "\n");
				rc = cli_fail(cli, "sim", EXIT_FAIL, "%s: %s",
				    tok, d.msg);
				sim_result_done(&rs[n]);
				break;
			}
			n++;
		}
		if (o.progress)
			fprintf(cli->err, "\r%78s\r", "");
		if (rc == EXIT_OK && json) {
			json_t *a = json_array();

			for (int i = 0; a && i < n; i++)
				json_array_append_new(
				    a, report_summary_json(&rs[i], &o, true));
			rc = cli_print_json(cli, a);
		} else if (rc == EXIT_OK) {
			print_compare(cli, rs, n);
		}
		for (int i = 0; i < n; i++)
			sim_result_done(&rs[i]);
		return rc;
	}
	{
		struct sim_result r;
		struct diag d = { 0 };

		rc = sim_run(&o, &r, &d);
		if (o.progress)
			fprintf(cli->err, "\r%78s\r", "");
		if (rc < 0) {
			sim_result_done(&r);
			return cli_fail(cli, "sim", EXIT_FAIL, "%s", d.msg);
		}
		rc = EXIT_OK;
		if (report && report_write(report, &r, &o, &d) < 0)
			rc = cli_fail(cli, "sim", EXIT_FAIL, "%s", d.msg);
		if (rc == EXIT_OK && json)
			rc = cli_print_json(
			    cli, report_summary_json(&r, &o, true));
		else if (rc == EXIT_OK)
			print_text(cli, &r);
		sim_result_done(&r);
		return rc;
	}
}
