/* report.c - write a simulation's summary, time series, gnuplot charts and index page. */
#include "sim/report.h"

#include "core/cleanup.h"
#include "core/error.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

static json_t *
num(double x)
{
	/* JSON has no NaN: a missing figure is null. */
	return isfinite(x) ? json_real(x) : json_null();
}

json_t *
report_summary_json(
    const struct sim_result *r, const struct sim_opts *o, bool with_wall)
{
	json_t *j = json_object(), *util = json_object(),
	       *strand = json_object(), *wait = json_object();

	if (!j || !util || !strand || !wait) {
		json_decref(j);
		json_decref(util);
		json_decref(strand);
		json_decref(wait);
		return NULL;
	}
	json_object_set_new(j, "trace", json_string(o->trace));
	json_object_set_new(j, "hosts_spec", json_string(o->hosts));
	json_object_set_new(j, "allocation", json_string(r->allocation));
	json_object_set_new(j, "scheduling", json_string(r->scheduling));
	json_object_set_new(j, "seed", json_integer((json_int_t)o->eng.seed));
	json_object_set_new(j, "events", json_integer((json_int_t)r->events));
	if (with_wall) {
		json_object_set_new(j, "wall_s", json_real(r->wall_s));
		json_object_set_new(j, "events_per_s",
		    json_real(r->wall_s > 0 ? r->events / r->wall_s : 0));
	}
	json_object_set_new(j, "sim_s", json_real(r->sim_s));
	json_object_set_new(j, "hosts", json_integer(r->hosts));
	json_object_set_new(j, "vms", json_integer((json_int_t)r->vms));
	json_object_set_new(j, "started", json_integer((json_int_t)r->started));
	json_object_set_new(
	    j, "completed", json_integer((json_int_t)r->completed));
	json_object_set_new(
	    j, "queued", json_integer((json_int_t)r->queued_vms));
	json_object_set_new(j, "refused", json_integer((json_int_t)r->refused));
	json_object_set_new(
	    j, "preemptions", json_integer((json_int_t)r->preemptions));
	json_object_set_new(
	    j, "suspensions", json_integer((json_int_t)r->suspensions));
	json_object_set_new(j, "host_hours", json_real(r->host_hours));
	json_object_set_new(j, "energy_kwh", num(r->energy_kwh));
	json_object_set_new(
	    j, "overload_host_hours", json_real(r->overload_host_hours));
	json_object_set_new(j, "overload_share", json_real(r->overload_share));
	json_object_set_new(
	    j, "migrations", json_integer((json_int_t)r->migrations));
	json_object_set_new(j, "migration_gib", json_real(r->migration_gib));
	json_object_set_new(j, "migration_s", json_real(r->migration_s));
	json_object_set_new(
	    j, "failures", json_integer((json_int_t)r->failures));
	json_object_set_new(
	    j, "restarted", json_integer((json_int_t)r->restarted));
	json_object_set_new(j, "lost", json_integer((json_int_t)r->lost));
	json_object_set_new(j, "restart_mean_s", json_real(r->restart_mean_s));
	json_object_set_new(j, "detect_mean_s", json_real(r->detect_mean_s));
	json_object_set_new(
	    j, "double_runs", json_integer((json_int_t)r->double_runs));
	{
		json_t *f = json_object();
		uint64_t all = 0, hit = 0;

		for (int c = 0; f && c < FAULT_NCAUSES; c++) {
			if (!r->faults[c])
				continue;
			all += r->faults[c];
			hit += r->diag_correct[c];
			json_object_set_new(f,
			    fault_cause_name((enum fault_cause)c),
			    json_pack("{s:I, s:f}", "injected",
				(json_int_t)r->faults[c], "top1_accuracy",
				(double)r->diag_correct[c] / r->faults[c]));
		}
		if (f && all)
			json_object_set_new(f, "all",
			    json_pack("{s:I, s:f}", "injected", (json_int_t)all,
				"top1_accuracy", (double)hit / all));
		json_object_set_new(j, "faults", f ? f : json_null());
	}
	json_object_set_new(j, "restart_max_s", json_real(r->restart_max_s));
	json_object_set_new(
	    j, "bad_lines", json_integer((json_int_t)r->bad_lines));
	json_object_set_new(wait, "mean", json_real(r->wait_mean_s));
	json_object_set_new(wait, "p50", json_real(r->wait_p50_s));
	json_object_set_new(wait, "p90", json_real(r->wait_p90_s));
	json_object_set_new(wait, "p99", json_real(r->wait_p99_s));
	json_object_set_new(wait, "max", json_real(r->wait_max_s));
	json_object_set_new(j, "wait_s", wait);
	for (int d = 0; d < RES_NDIM; d++) {
		json_object_set_new(util, res_dim_name((enum res_dim)d),
		    json_real(r->util_alloc[d]));
		json_object_set_new(strand, res_dim_name((enum res_dim)d),
		    json_real(r->stranded[d]));
	}
	json_object_set_new(util, "cpu_used", json_real(r->util_used_cpu));
	json_object_set_new(j, "utilisation", util);
	json_object_set_new(j, "stranded", strand);
	return j;
}

static int
fail(struct diag *d, const char *dir, const char *file)
{
	int r = neg_errno();

	diag_set(d, "%s/%s: %s", dir, file, strerror(-r));
	return r;
}

static int
write_csv(const char *dir, const struct sim_result *r, struct diag *d)
{
	char path[4096];
	_cleanup_fclose_ FILE *f = NULL;

	snprintf(path, sizeof(path), "%s/timeseries.csv", dir);
	f = fopen(path, "we");
	if (!f)
		return fail(d, dir, "timeseries.csv");
	fprintf(f,
	    "t_s,active_hosts,running_vms,queued_vms,alloc_cpu,"
	    "alloc_mem,used_cpu,power_w\n");
	for (uint32_t i = 0; i < r->n_rows; i++) {
		const struct sim_row *x = &r->rows[i];

		fprintf(f, "%.3f,%u,%u,%u,%.6f,%.6f,%.6f,%.3f\n",
		    x->t_ns * 1e-9, x->active_hosts, x->running, x->queued,
		    x->alloc_cpu, x->alloc_mem, x->used_cpu, x->power_w);
	}
	if (fflush(f) != 0 || ferror(f))
		return fail(d, dir, "timeseries.csv");
	return 0;
}

/* Draws the three charts with gnuplot; 1 if drawn, 0 if gnuplot is not
 * installed, -errno on a write error. */
static int
charts(const char *dir, struct diag *d)
{
	static const char script[] =
	    "set terminal svg size 900,360 dynamic background rgb 'white'\n"
	    "set datafile separator ','\n"
	    "set key autotitle columnhead\n"
	    "set xlabel 'simulated time (h)'\n"
	    "set grid\n"
	    "set output 'active_hosts.svg'\n"
	    "set ylabel 'hosts'\n"
	    "plot 'timeseries.csv' using ($1/3600):2 with steps lw 2\n"
	    "set output 'utilisation.svg'\n"
	    "set ylabel 'share of capacity'\n"
	    "set yrange [0:*]\n"
	    "plot 'timeseries.csv' using ($1/3600):5 with lines lw 2, "
	    "'' using ($1/3600):6 with lines lw 2, "
	    "'' using ($1/3600):7 with lines lw 2\n"
	    "set output 'queue.svg'\n"
	    "set ylabel 'VMs waiting'\n"
	    "plot 'timeseries.csv' using ($1/3600):4 with steps lw 2\n";
	char path[4096];
	_cleanup_fclose_ FILE *f = NULL;
	pid_t pid;
	int st;

	snprintf(path, sizeof(path), "%s/charts.gp", dir);
	f = fopen(path, "we");
	if (!f)
		return fail(d, dir, "charts.gp");
	if (fputs(script, f) < 0 || fflush(f) != 0)
		return fail(d, dir, "charts.gp");
	pid = fork();
	if (pid < 0)
		return fail(d, dir, "charts.gp");
	if (pid == 0) {
		if (chdir(dir) == 0)
			execlp("gnuplot", "gnuplot", "charts.gp", (char *)NULL);
		_exit(127);
	}
	while (waitpid(pid, &st, 0) < 0)
		if (errno != EINTR)
			return fail(d, dir, "charts.gp");
	return WIFEXITED(st) && WEXITSTATUS(st) == 0 ? 1 : 0;
}

static int
write_html(const char *dir, const struct sim_result *r, json_t *summary,
    bool drawn, struct diag *d)
{
	char path[4096];
	_cleanup_fclose_ FILE *f = NULL;
	_cleanup_free_ char *js = json_dumps(summary, JSON_INDENT(2));

	snprintf(path, sizeof(path), "%s/index.html", dir);
	f = fopen(path, "we");
	if (!f || !js)
		return fail(d, dir, "index.html");
	fprintf(f,
	    "<!doctype html>\n<html><head><meta charset=\"utf-8\">"
	    "<title>vmgr simulation: %s + %s</title>\n"
	    "<style>body{font-family:sans-serif;max-width:960px;margin:2em "
	    "auto}"
	    "pre{background:#f4f4f4;padding:1em}</style></head><body>\n"
	    "<h1>Simulation: %s allocation, %s scheduling</h1>\n"
	    "<p>%llu VMs on %u hosts, %.1f simulated hours, %.1f host-hours, "
	    "%llu refused, %llu migrations.</p>\n",
	    r->allocation, r->scheduling, r->allocation, r->scheduling,
	    (unsigned long long)r->vms, r->hosts, r->sim_s / 3600,
	    r->host_hours, (unsigned long long)r->refused,
	    (unsigned long long)r->migrations);
	if (drawn)
		fprintf(f,
		    "<h2>Active hosts</h2><img src=\"active_hosts.svg\">\n"
		    "<h2>Utilisation</h2><img src=\"utilisation.svg\">\n"
		    "<h2>Queue</h2><img src=\"queue.svg\">\n");
	else
		fprintf(f,
		    "<p>gnuplot is not installed: no charts; the data "
		    "is in <a href=\"timeseries.csv\">timeseries.csv</a>."
		    "</p>\n");
	fprintf(f,
	    "<h2>Summary</h2><pre>%s</pre>\n"
	    "<p><a href=\"summary.json\">summary.json</a> &middot; "
	    "<a href=\"timeseries.csv\">timeseries.csv</a></p>\n"
	    "</body></html>\n",
	    js);
	if (fflush(f) != 0 || ferror(f))
		return fail(d, dir, "index.html");
	return 0;
}

int
report_write(const char *dir, const struct sim_result *r,
    const struct sim_opts *o, struct diag *d)
{
	char path[4096];
	json_t *j;
	int rc, drawn;

	if (mkdir(dir, 0755) < 0 && errno != EEXIST) {
		rc = neg_errno();
		diag_set(d, "%s: cannot create: %s", dir, strerror(-rc));
		return rc;
	}
	j = report_summary_json(r, o, false);
	if (!j)
		return -ENOMEM;
	snprintf(path, sizeof(path), "%s/summary.json", dir);
	if (json_dump_file(j, path, JSON_INDENT(2) | JSON_PRESERVE_ORDER) < 0) {
		json_decref(j);
		diag_set(d, "%s: cannot write", path);
		return -EIO;
	}
	rc = write_csv(dir, r, d);
	drawn = rc == 0 ? charts(dir, d) : 0;
	if (rc == 0 && drawn < 0)
		rc = drawn;
	if (rc == 0)
		rc = write_html(dir, r, j, drawn > 0, d);
	json_decref(j);
	return rc;
}
