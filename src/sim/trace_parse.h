/* trace_parse.h - the trace formats' pure parsers: one line or record in, a value or a diagnostic out (no I/O). */
#ifndef SIM_TRACE_PARSE_H
#define SIM_TRACE_PARSE_H

#include "core/diag.h"
#include "core/rng.h"
#include "model/resource.h"
#include "sim/trace.h"

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/*
 * Every parser here is pure: it reads the bytes it is given (which may hold
 * anything, NUL included), writes only its out-parameters and the state
 * the caller passes, and on a malformed input returns -EINVAL with one
 * sentence in d saying what was expected and what it got, without a
 * location: the reader around it prefixes "file:line: ". The readers
 * (trace_<format>.c) and the fuzz targets drive them the same way.
 */

/* Samples per record: 2^20 (ten years of 5-minute samples). */
#define TRACE_SAMPLES_MAX (UINT32_C(1) << 20)
/* Times: at most 10^10 s (317 years), so that nanoseconds fit in 64 bits. */
#define TRACE_SECS_MAX UINT64_C(10000000000)
#define TRACE_NS_PER_S UINT64_C(1000000000)

/* --- shared helpers --- */

struct trace_field {
	const char *s;
	size_t n;
};

/* Splits s[0..n) at every `sep` into fields (not trimmed): the number of
 * fields, of which the first `max` are stored in f. */
uint32_t trace_parse_split(
    const char *s, size_t n, char sep, struct trace_field *f, uint32_t max);

/* f without leading and trailing spaces and tabs. */
struct trace_field trace_parse_trim(struct trace_field f);

/* Decimal digits only, value <= max: 0 and *ret, or -EINVAL. */
int trace_parse_uint(const char *s, size_t n, uint64_t max, uint64_t *ret);

/* Like trace_parse_uint with an optional leading '-', in [min, max]. */
int trace_parse_int(
    const char *s, size_t n, int64_t min, int64_t max, int64_t *ret);

/* A finite decimal number: [-+]digits[.digits][(e|E)[-+]digits] (a dot
 * alone or no digits at all is refused): 0 and *ret, or -EINVAL. */
int trace_parse_num(const char *s, size_t n, double *ret);

/* Non-negative decimal seconds with at most 9 digits after the point, at
 * most TRACE_SECS_MAX: 0 and *ret_ns (exact), or -EINVAL. */
int trace_parse_secs(const char *s, size_t n, uint64_t *ret_ns);

/* Renders s[0..n) for a message: in double quotes, at most 40 bytes, with
 * anything unprintable as \xHH ("..." when cut). */
void trace_parse_show(const char *s, size_t n, char *out, size_t outn);

/* Usage samples in thousandths of the demand, as in struct trace_rec. */
struct trace_samples {
	uint16_t *cpu, *mem;
	uint32_t n, cap;
};

/* Appends one sample: 0, -E2BIG past TRACE_SAMPLES_MAX, or -ENOMEM. */
int
trace_parse_samples_push(struct trace_samples *s, uint16_t cpu, uint16_t mem);
void trace_parse_samples_free(struct trace_samples *s);

/* A usage share rounded to thousandths and clamped to 0..65535. */
uint16_t trace_parse_share(double thousandths);

/* --- PlanetLab (CoMon via CloudSim): one CPU percentage per line --- */

/* "37" -> 37: an integer 0..100, spaces around it allowed. */
int trace_parse_planetlab_line(
    const char *s, size_t n, uint16_t *ret_pct, struct diag *d);

/* The requested demand of the index-th VM of a trace (0-based): the four
 * VM types of Beloglazov & Buyya's CloudSim setup, round-robin. */
void trace_parse_planetlab_demand(uint64_t index, struct res *ret);

/* --- Bitbrains GWA-T-12: ";\t"-separated rows, 11 columns --- */

#define TRACE_BB_STEP_S 300

struct trace_bb_row {
	uint64_t ts_s;
	uint32_t cores;
	double cpu_pct, mem_prov_kb, mem_used_kb;
};

/* The header line: 11 fields, the first starting with "Timestamp". */
int trace_parse_bitbrains_header(const char *s, size_t n, struct diag *d);

/* One data row: 11 numbers; time in integer Unix seconds, cores an
 * integer, the rest non-negative (disk and network only checked). */
int trace_parse_bitbrains_row(
    const char *s, size_t n, struct trace_bb_row *ret, struct diag *d);

/*
 * One VM's rows resampled on a 300 s grid from its first timestamp: a row
 * goes to the nearest slot; rows of one slot (duplicates, short steps) are
 * averaged; a slot no row reached (a gap) repeats the slot before it.
 * Demand is the largest provisioned cores and memory seen; samples are
 * CPU usage % x cores of the row over that demand, and memory used over
 * the largest provisioned memory. Zero it, add rows, finish, reset for the
 * next VM; free at the end (NULL-safe).
 */
struct trace_bb_vm {
	uint64_t first_ts, prev_ts;
	uint32_t n_rows, n_slots, cap, slot;
	float *cpu, *mem; /* per finished slot: core-thousandths, KiB */
	double acc_cpu, acc_mem;
	uint32_t acc_n, max_cores;
	double max_mem_kb;
};

/* 0; -EINVAL for a time before the previous row's (nothing changed);
 * -E2BIG when the rows span more than TRACE_SAMPLES_MAX slots; -ENOMEM. */
int trace_parse_bitbrains_add(
    struct trace_bb_vm *v, const struct trace_bb_row *row, struct diag *d);

/* Fills rec's demand, n_samples, step_ns, samples (in out), arrive_ns = 0
 * and depart_ns = n_samples x 300 s. -EINVAL if no row was added. */
int trace_parse_bitbrains_finish(struct trace_bb_vm *v, struct trace_rec *rec,
    struct trace_samples *out, struct diag *d);
void trace_parse_bitbrains_reset(struct trace_bb_vm *v);
void trace_parse_bitbrains_free(struct trace_bb_vm *v);

/* --- Azure 2017 arrivals as flavour sequences (Huawei Cloud's form) --- */

#define TRACE_AZURE_BINS_MAX 4096u

/* flav_map.txt: "vCPU,GB letter" lines. */
struct trace_azure_flavours {
	bool known[26];
	struct res demand[26];
};

/* "2,3.5 g": adds flavour g = 2000 millicores, 3584 MiB (GB taken as
 * GiB, rounded to MiB). -EEXIST for a letter seen before. */
int trace_parse_azure_flavour(
    const char *s, size_t n, struct trace_azure_flavours *f, struct diag *d);

/*
 * v1.interval_map.txt: "duration_s bin" lines, durations strictly
 * increasing, bins starting at 0 and growing by 0 or 1 from line to line.
 * Bin b holds lifetimes in [lo_s[b], lo_s[b + 1]); the last bin ends one
 * step (the last difference between durations) after its last duration;
 * bin n_bins (one past the map) holds everything longer.
 */
struct trace_azure_bins {
	uint64_t lo_s[TRACE_AZURE_BINS_MAX + 1];
	uint32_t n_bins;
	uint64_t n_lines, last_s, step_s;
};

int trace_parse_azure_interval(
    const char *s, size_t n, struct trace_azure_bins *b, struct diag *d);
/* After the last line: -EINVAL unless there were at least two lines. */
int trace_parse_azure_bins_done(struct trace_azure_bins *b, struct diag *d);

/*
 * A lifetime in nanoseconds for a VM whose duration token says bin `bin`
 * (<= n_bins), drawn uniformly from the bin with r. `left_s` is the time
 * from the VM's arrival to the duration file's censoring time (UINT64_MAX
 * when unknown): an uncensored VM ended before it, so the draw stays
 * below left_s + one step.
 */
uint64_t trace_parse_azure_lifetime(const struct trace_azure_bins *b,
    uint32_t bin, uint64_t left_s, struct rng *r);

/* One token of a line: a VM (flavour, and once the duration line is
 * parsed, its bin and whether it is censored) or the end of a batch. */
struct trace_azure_item {
	uint8_t bound; /* 1: '|' */
	uint8_t flavour; /* 0..25 */
	uint8_t censored; /* 'C' */
	uint32_t bin;
};

struct trace_azure_line {
	uint64_t t_s;
	struct trace_azure_item *items;
	uint32_t n, cap;
};

/*
 * A flavour line "<t> tok,tok,...", t in seconds, each tok a letter of
 * the flavour map or '|' (end of a batch). Replaces line's items.
 * -ENOMEM besides -EINVAL.
 */
int trace_parse_azure_seq(const char *s, size_t n,
    const struct trace_azure_flavours *f, struct trace_azure_line *line,
    struct diag *d);

/*
 * The matching duration line: the same t and one token per token of the
 * flavour line, "U<bin>" or "C<bin>" (bin <= b->n_bins) for a VM, '|'
 * where the flavour line has '|'. Fills the items' bins.
 */
int trace_parse_azure_durs(const char *s, size_t n,
    const struct trace_azure_bins *b, struct trace_azure_line *line,
    struct diag *d);

void trace_parse_azure_line_free(struct trace_azure_line *line);

/* --- Alibaba GPU cluster v2023 (openb pod and node lists) --- */

enum trace_ali_col {
	TRACE_ALI_NAME,
	TRACE_ALI_CPU,
	TRACE_ALI_MEM,
	TRACE_ALI_NUM_GPU,
	TRACE_ALI_GPU_MILLI,
	TRACE_ALI_QOS,
	TRACE_ALI_CREATE,
	TRACE_ALI_DELETE,
	TRACE_ALI_NCOLS,
};

/* Where each known column is (-1: absent) and how many fields a row has. */
struct trace_ali_cols {
	int32_t idx[TRACE_ALI_NCOLS];
	uint32_t n;
};

/* The pod list's header: name, cpu_milli and memory_mib are required;
 * num_gpu, gpu_milli, qos, creation_time and deletion_time are used when
 * present (deletion_time only with creation_time); other columns are
 * ignored. */
int trace_parse_alibaba_header(
    const char *s, size_t n, struct trace_ali_cols *c, struct diag *d);

struct trace_ali_pod {
	char name[64];
	struct res demand;
	uint32_t gpu_milli; /* num_gpu x gpu_milli */
	int32_t priority;
	uint64_t create_ns, delete_ns; /* delete_ns TRACE_FOREVER: never */
};

/* One pod row. qos maps to priority: Guaranteed 3, LS 2, Burstable 1,
 * BE or empty 0. Times in seconds (a fraction allowed); an empty
 * deletion_time means the pod never ends; without creation_time in the
 * header every pod arrives at 0 and never ends. */
int trace_parse_alibaba_pod(const char *s, size_t n,
    const struct trace_ali_cols *c, struct trace_ali_pod *p, struct diag *d);

/* The node list: header with sn, cpu_milli, memory_mib (others ignored),
 * then one host capacity per row (disk and network 0). */
int trace_parse_alibaba_node_header(
    const char *s, size_t n, struct trace_ali_cols *c, struct diag *d);
int trace_parse_alibaba_node(const char *s, size_t n,
    const struct trace_ali_cols *c, struct res *ret, struct diag *d);

/* --- Standard Workload Format (Parallel Workloads Archive) --- */

#define TRACE_SWF_FIELDS 18
/* Memory per processor when a job gives none (SWF fields 7 and 10). */
#define TRACE_SWF_DEFAULT_MIB_PER_PROC 2048

/* 0 for a comment (';') or blank line, 1 for a job with its 18 fields in
 * f (each a number >= 0 or -1), -EINVAL otherwise. */
int trace_parse_swf_line(
    const char *s, size_t n, double f[TRACE_SWF_FIELDS], struct diag *d);

/*
 * A job as a record: 1 and rec (name "job<N>", arrive = submit time,
 * depart = submit + run time, demand = processors x 1000 millicores and
 * memory per processor x processors), or 0 when the job is not one to
 * replay, with the reason in *ret_why: cancelled (run time -1), no
 * processor count, no submit time. -EINVAL when a value is out of range.
 */
int trace_parse_swf_job(const double f[TRACE_SWF_FIELDS], struct trace_rec *rec,
    const char **ret_why, struct diag *d);

/* --- vmgr's CSV (docs/traces.md) --- */

enum trace_csv_col {
	TRACE_CSV_NAME,
	TRACE_CSV_ARRIVE,
	TRACE_CSV_DEPART,
	TRACE_CSV_CPU,
	TRACE_CSV_MEM,
	TRACE_CSV_DISK,
	TRACE_CSV_NET,
	TRACE_CSV_PRIORITY,
	TRACE_CSV_GPU,
	TRACE_CSV_SAMPLES,
	TRACE_CSV_NCOLS,
};

struct trace_csv_cols {
	int32_t idx[TRACE_CSV_NCOLS];
	uint32_t n;
};

/* True for a line the CSV reader skips: blank, or '#' first. */
bool trace_parse_csv_skip(const char *s, size_t n);

/* The header: each column once, name/arrive_s/depart_s/cpu_milli/
 * memory_mib required, disk_gib/net_mbps/priority/gpu_milli/samples
 * optional, nothing else. */
int trace_parse_csv_header(
    const char *s, size_t n, struct trace_csv_cols *c, struct diag *d);

/* One row into rec (samples in smp, which rec then points into). */
int trace_parse_csv_row(const char *s, size_t n, const struct trace_csv_cols *c,
    struct trace_rec *rec, struct trace_samples *smp, struct diag *d);

#endif
