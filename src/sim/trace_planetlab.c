/* trace_planetlab.c - PlanetLab CPU traces (CoMon via CloudSim): per-VM files of 5-minute CPU percentages, by day. */
#include "sim/tline.h"
#include "sim/trace_fmt.h"
#include "sim/trace_parse.h"

#include "core/mem.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define PL_STEP_S 300
#define PL_DAY_S 86400

/* Beloglazov & Buyya's CloudSim VM types (MIPS taken as millicores, MB as
 * MiB): org.cloudbus.cloudsim.examples.power.Constants VM_MIPS/VM_RAM. */
static const int64_t pl_types[4][2] = {
	{ 2500, 870 },
	{ 2000, 1740 },
	{ 1000, 1740 },
	{ 500, 613 },
};

int
trace_parse_planetlab_line(
    const char *s, size_t n, uint16_t *ret_pct, struct diag *d)
{
	struct trace_field f = trace_parse_trim((struct trace_field){ s, n });
	uint64_t v;
	char shown[200];

	if (trace_parse_uint(f.s, f.n, 100, &v) < 0) {
		trace_parse_show(s, n, shown, sizeof(shown));
		diag_set(d, "expected an integer CPU percentage 0..100, got %s",
		    shown);
		return -EINVAL;
	}
	*ret_pct = (uint16_t)v;
	return 0;
}

void
trace_parse_planetlab_demand(uint64_t index, struct res *ret)
{
	const int64_t *ty = pl_types[index % 4];

	memset(ret, 0, sizeof(*ret));
	ret->v[RES_CPU] = ty[0];
	ret->v[RES_MEM] = ty[1];
}

/* A day: a directory of VM files or a tar archive of them. */
struct pl_day {
	char *path;
	bool archive;
};

struct pl_state {
	struct pl_day *days;
	uint32_t n_days, days_cap, day;
	bool day_open;
	/* The open day: an archive, or a directory's files. */
	struct tline_arch *arch;
	char **files;
	uint32_t n_files, file;
	struct tline line;
	uint64_t index; /* VMs so far, for the round-robin types */
	uint16_t *cpu;
	uint32_t cap;
};

static int
add_day(struct pl_state *s, const char *path, bool archive)
{
	if (mem_grow(&s->days, &s->days_cap, s->n_days + 1, sizeof(*s->days)))
		return -ENOMEM;
	s->days[s->n_days].path = mem_strdup(path);
	if (!s->days[s->n_days].path)
		return -ENOMEM;
	s->days[s->n_days++].archive = archive;
	return 0;
}

static void
close_day(struct pl_state *s)
{
	s->arch = tline_arch_close(s->arch);
	tline_list_free(s->files, s->n_files);
	s->files = NULL;
	s->n_files = s->file = 0;
	s->day_open = false;
}

static void
pl_close(struct trace *t)
{
	struct pl_state *s = t->st;

	if (!s)
		return;
	tline_close(&s->line);
	close_day(s);
	for (uint32_t i = 0; i < s->n_days; i++)
		free(s->days[i].path);
	free(s->days);
	free(s->cpu);
	free(s);
	t->st = NULL;
}

/*
 * PATH: an archive (one day), a directory of VM files (one day), or a
 * directory of archives and/or directories of VM files (one day each, in
 * name order).
 */
static int
pl_open(struct trace *t, const char *path, struct diag *d)
{
	struct pl_state *s = calloc(1, sizeof(*s));
	enum tline_kind kind;
	char **list = NULL;
	uint32_t n = 0;
	const char *vm_file = NULL, *day_entry = NULL;
	int r;

	if (!s) {
		diag_set(d, "%s: out of memory", path);
		return -ENOMEM;
	}
	t->st = s;
	r = tline_stat(path, &kind, d);
	if (r < 0)
		return r;
	if (kind == TLINE_FILE) {
		r = add_day(s, path, true);
		goto done;
	}
	r = tline_list_dir(path, &list, &n, d);
	if (r < 0)
		return r;
	for (uint32_t i = 0; i < n && r == 0; i++) {
		enum tline_kind k;

		r = tline_stat(list[i], &k, d);
		if (r < 0)
			break;
		if (k == TLINE_DIR || tline_is_archive_name(list[i])) {
			day_entry = day_entry ? day_entry : list[i];
			r = add_day(s, list[i], k == TLINE_FILE);
		} else {
			vm_file = vm_file ? vm_file : list[i];
		}
	}
	if (r == 0 && vm_file && day_entry) {
		diag_set(d,
		    "%s: expected either VM files or days (archives or "
		    "directories of VM files), found both: %s and %s",
		    path, tline_basename(vm_file), tline_basename(day_entry));
		r = -EINVAL;
	} else if (r == 0 && vm_file) {
		r = add_day(s, path, false);
	} else if (r == 0 && !day_entry) {
		diag_set(
		    d, "%s: empty directory: expected VM files or days", path);
		r = -EINVAL;
	}
	tline_list_free(list, n);
done:
	if (r == -ENOMEM)
		diag_set(d, "%s: out of memory", path);
	return r;
}

static int
open_day(struct pl_state *s, struct diag *d)
{
	const struct pl_day *day = &s->days[s->day];
	int r;

	s->file = 0;
	if (day->archive)
		r = tline_arch_open(day->path, &s->arch, d);
	else
		r = tline_list_dir(day->path, &s->files, &s->n_files, d);
	if (r == 0)
		s->day_open = true;
	return r;
}

/* Opens the day's next VM file: 1 with its name, 0 when the day is done. */
static int
open_vm(struct pl_state *s, const char **ret_name, struct diag *d)
{
	const char *name;
	int r;

	for (;;) {
		if (s->arch) {
			r = tline_arch_next(s->arch, &name, d);
			if (r <= 0)
				return r;
			if (tline_basename(name)[0] == '.')
				continue;
			tline_open_member(&s->line, s->arch);
		} else {
			enum tline_kind k;

			if (s->file >= s->n_files)
				return 0;
			name = s->files[s->file++];
			r = tline_stat(name, &k, d);
			if (r < 0)
				return r;
			if (k != TLINE_FILE) {
				diag_set(d,
				    "%s: expected a VM file (one CPU "
				    "percentage per line), found a directory",
				    name);
				return -EINVAL;
			}
			r = tline_open_file(&s->line, name, d);
			if (r < 0)
				return r;
		}
		*ret_name = tline_basename(name);
		return 1;
	}
}

/* Reads the open VM file's samples: n or -errno (d set, file closed). */
static int
read_vm(struct trace *t, struct pl_state *s, uint32_t *ret_n, struct diag *d)
{
	const char *line;
	size_t len;
	uint32_t n = 0;
	uint16_t pct;
	int r;

	while ((r = tline_next(&s->line, &line, &len, d)) != 0) {
		if (r == 1)
			r = trace_parse_planetlab_line(line, len, &pct, d);
		if (r == -EINVAL)
			diag_prefix(d, "%s:%llu", s->line.where,
			    (unsigned long long)s->line.lineno);
		if (r < 0) {
			/* A skipped line keeps the 5-minute grid: its slot
			 * repeats the sample before it. */
			r = trace_fmt_bad(t, r, d);
			if (r < 0)
				return r;
			pct = n ? (uint16_t)(s->cpu[n - 1] / 10) : 0;
		}
		if (n >= TRACE_SAMPLES_MAX) {
			diag_set(d, "%s:%llu: more than %u samples",
			    s->line.where, (unsigned long long)s->line.lineno,
			    (unsigned)TRACE_SAMPLES_MAX);
			return -E2BIG;
		}
		if (mem_grow(&s->cpu, &s->cap, n + 1, sizeof(*s->cpu)) < 0) {
			diag_set(d, "%s: out of memory", s->line.where);
			return -ENOMEM;
		}
		s->cpu[n++] = (uint16_t)(pct * 10);
	}
	if (n == 0) {
		diag_set(d,
		    "%s: expected CPU percentages, one per line; the file is "
		    "empty",
		    s->line.where);
		return -EINVAL;
	}
	*ret_n = n;
	return 0;
}

static int
pl_next(struct trace *t, struct diag *d)
{
	struct pl_state *s = t->st;
	struct trace_rec *rec = &t->rec;
	const char *name;
	uint32_t n;
	int r;

	for (;;) {
		if (!s->day_open) {
			if (s->day >= s->n_days)
				return 0;
			r = open_day(s, d);
			if (r < 0)
				return r;
		}
		r = open_vm(s, &name, d);
		if (r < 0)
			return r;
		if (r == 0) {
			close_day(s);
			s->day++;
			continue;
		}
		trace_fmt_name(rec, name);
		r = read_vm(t, s, &n, d);
		tline_close(&s->line);
		if (r < 0) {
			/* A file too long or empty is skipped whole. */
			r = trace_fmt_bad(t, r, d);
			if (r < 0)
				return r;
			continue;
		}
		rec->arrive_ns = (uint64_t)s->day * PL_DAY_S * TRACE_NS_PER_S;
		rec->step_ns = PL_STEP_S * TRACE_NS_PER_S;
		rec->depart_ns = rec->arrive_ns + (uint64_t)n * rec->step_ns;
		trace_parse_planetlab_demand(s->index++, &rec->demand);
		rec->priority = 0;
		rec->gpu_milli = 0;
		rec->n_samples = n;
		rec->cpu_use = s->cpu;
		rec->mem_use = NULL;
		return 1;
	}
}

const struct trace_fmt trace_fmt_planetlab = {
	.name = "planetlab",
	.open = pl_open,
	.next = pl_next,
	.close = pl_close,
};
