/* report.h - simulation reports: summary JSON, time series CSV, charts, an HTML page. */
#ifndef SIM_REPORT_H
#define SIM_REPORT_H

#include "core/diag.h"
#include "sim/sim.h"

#include <jansson.h>
#include <stdbool.h>

/* The summary as JSON (new reference, NULL on out of memory). With
 * with_wall, the wall-clock fields (wall_s, events_per_s) are included;
 * without, the object depends only on the inputs. */
json_t *report_summary_json(
    const struct sim_result *r, const struct sim_opts *o, bool with_wall);

/*
 * Writes into dir (created if missing): summary.json (no wall-clock
 * fields: the same inputs give the same bytes), timeseries.csv, charts of
 * active hosts, utilisation and queue length (SVG, by gnuplot when it is
 * installed; the page says so when it is not) and index.html showing them.
 * 0 or -errno with "dir/file: ..." in d.
 */
int report_write(const char *dir, const struct sim_result *r,
    const struct sim_opts *o, struct diag *d);

#endif
