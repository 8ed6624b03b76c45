/* workload.c - the placement benchmark's workload CSV: reader, writer, generator and host spec. */
#include "workload.h"

#include "core/rng.h"

#include <errno.h>
#include <math.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

#define HEADER "arrive_s,depart_s,cpu_milli,memory_mib"
#define NFIELDS 4

void
workload_init(struct workload *w)
{
	memset(w, 0, sizeof(*w));
}

void
workload_done(struct workload *w)
{
	free(w->v);
	workload_init(w);
}

static int
grow(struct workload *w)
{
	struct workload_vm *v;
	uint32_t cap;

	if (w->n < w->cap)
		return 0;
	cap = w->cap ? w->cap * 2 : 1024;
	if (cap > WORKLOAD_MAX_VMS)
		cap = WORKLOAD_MAX_VMS;
	v = realloc(w->v, (size_t)cap * sizeof(*v));
	if (!v)
		return -ENOMEM;
	w->v = v;
	w->cap = cap;
	return 0;
}

/* A decimal integer in [1, max], digits only. */
static bool
parse_count(const char *s, size_t len, uint64_t max, uint64_t *ret)
{
	uint64_t x = 0;

	if (len == 0 || len > 20)
		return false;
	for (size_t i = 0; i < len; i++) {
		if (s[i] < '0' || s[i] > '9')
			return false;
		x = x * 10 + (uint64_t)(s[i] - '0');
		if (x > max)
			return false;
	}
	if (x == 0)
		return false;
	*ret = x;
	return true;
}

/*
 * A non-negative decimal number: digits with at most one '.', at least
 * one digit, optionally an exponent ("1.5e3"). No sign, no spaces, no
 * "inf" or "nan", no hexadecimal: only what a CSV writer prints.
 */
static bool
parse_seconds(const char *s, size_t len, double *ret)
{
	char buf[64], *end;
	size_t i = 0, digits = 0;
	double x;

	if (len == 0 || len >= sizeof(buf))
		return false;
	while (i < len && s[i] >= '0' && s[i] <= '9')
		i++, digits++;
	if (i < len && s[i] == '.')
		for (i++; i < len && s[i] >= '0' && s[i] <= '9'; i++)
			digits++;
	if (digits == 0)
		return false;
	if (i < len && (s[i] == 'e' || s[i] == 'E')) {
		size_t exp_digits = 0;

		i++;
		if (i < len && (s[i] == '+' || s[i] == '-'))
			i++;
		for (; i < len && s[i] >= '0' && s[i] <= '9'; i++)
			exp_digits++;
		if (exp_digits == 0)
			return false;
	}
	if (i != len)
		return false;
	memcpy(buf, s, len);
	buf[len] = '\0';
	errno = 0;
	x = strtod(buf, &end);
	if (end != buf + len || !isfinite(x) || x < 0 ||
	    x > WORKLOAD_MAX_TIME_S)
		return false;
	*ret = x;
	return true;
}

/*
 * Reads one line into buf (without its '\n' or "\r\n"): 1 and *ret_len,
 * 0 at the end of the file, -EIO, -E2BIG for a line too long, or -EINVAL
 * for a line holding a NUL byte.
 */
static int
read_line(FILE *f, char *buf, size_t cap, size_t *ret_len)
{
	size_t len = 0;
	int c;

	while ((c = getc(f)) != EOF && c != '\n') {
		if (c == '\0')
			return -EINVAL;
		if (len + 1 >= cap)
			return -E2BIG;
		buf[len++] = (char)c;
	}
	if (ferror(f))
		return -EIO;
	if (c == EOF && len == 0)
		return 0;
	if (len > 0 && buf[len - 1] == '\r')
		len--;
	buf[len] = '\0';
	*ret_len = len;
	return 1;
}

/* Parses one VM line; fills *vm, or sets d (prefixed by the caller). */
static int
parse_vm(const char *line, size_t len, struct workload_vm *vm, struct diag *d,
    size_t *ret_col)
{
	static const char *const names[NFIELDS] = { "arrive_s", "depart_s",
		"cpu_milli", "memory_mib" };
	const char *field[NFIELDS];
	size_t flen[NFIELDS], nf = 0, start = 0;
	uint64_t x;

	for (size_t i = 0; i <= len; i++) {
		if (i < len && line[i] != ',')
			continue;
		if (nf == NFIELDS) {
			*ret_col = start + 1;
			diag_set(d, "too many fields: expected 4 (" HEADER ")");
			return -EINVAL;
		}
		field[nf] = line + start;
		flen[nf++] = i - start;
		start = i + 1;
	}
	if (nf < NFIELDS) {
		*ret_col = len + 1;
		diag_set(d, "%zu field%s, expected 4 (" HEADER ")", nf,
		    nf == 1 ? "" : "s");
		return -EINVAL;
	}
	*ret_col = 1;
	if (!parse_seconds(field[0], flen[0], &vm->arrive_s)) {
		diag_set(d,
		    "%s: expected a number of seconds from 0 to %.0f, got "
		    "'%.*s'",
		    names[0], WORKLOAD_MAX_TIME_S, (int)flen[0], field[0]);
		return -EINVAL;
	}
	*ret_col = (size_t)(field[1] - line) + 1;
	if (flen[1] == 0) {
		vm->depart_s = INFINITY;
	} else if (!parse_seconds(field[1], flen[1], &vm->depart_s)) {
		diag_set(d,
		    "%s: expected a number of seconds from 0 to %.0f, or "
		    "nothing for a VM that never leaves, got '%.*s'",
		    names[1], WORKLOAD_MAX_TIME_S, (int)flen[1], field[1]);
		return -EINVAL;
	} else if (!(vm->depart_s > vm->arrive_s)) {
		diag_set(d, "%s %.*s is not after arrive_s %.*s", names[1],
		    (int)flen[1], field[1], (int)flen[0], field[0]);
		return -EINVAL;
	}
	*ret_col = (size_t)(field[2] - line) + 1;
	if (!parse_count(field[2], flen[2], WORKLOAD_MAX_CPU_MILLI, &x)) {
		diag_set(d, "%s: expected an integer from 1 to %u, got '%.*s'",
		    names[2], WORKLOAD_MAX_CPU_MILLI, (int)flen[2], field[2]);
		return -EINVAL;
	}
	vm->cpu_milli = (uint32_t)x;
	vm->cores = (uint32_t)((x + 999) / 1000);
	*ret_col = (size_t)(field[3] - line) + 1;
	if (!parse_count(field[3], flen[3], WORKLOAD_MAX_MEMORY_MIB, &x)) {
		diag_set(d,
		    "%s: expected an integer from 1 to %llu, got '%.*s'",
		    names[3], (unsigned long long)WORKLOAD_MAX_MEMORY_MIB,
		    (int)flen[3], field[3]);
		return -EINVAL;
	}
	vm->memory_mib = x;
	return 0;
}

int
workload_read(struct workload *w, FILE *f, const char *name, struct diag *d)
{
	char line[WORKLOAD_MAX_LINE + 1];
	uint64_t lineno = 0;
	double last = 0;
	bool header = false;
	size_t len, col;
	int r;

	while ((r = read_line(f, line, sizeof(line), &len)) == 1) {
		struct workload_vm vm;

		lineno++;
		if (len == 0)
			continue;
		if (!header) {
			const char *l = line;

			/* A UTF-8 byte order mark, as some editors write. */
			if (len >= 3 && memcmp(l, "\xef\xbb\xbf", 3) == 0)
				l += 3;
			if (strcmp(l, HEADER) != 0) {
				diag_set(d,
				    "%s:%llu:1: expected the header line "
				    "'" HEADER "'",
				    name, (unsigned long long)lineno);
				return -EINVAL;
			}
			header = true;
			continue;
		}
		if ((r = parse_vm(line, len, &vm, d, &col)) < 0) {
			diag_prefix(d, "%s:%llu:%zu", name,
			    (unsigned long long)lineno, col);
			return r;
		}
		if (vm.arrive_s < last) {
			diag_set(d,
			    "%s:%llu:1: arrive_s %.17g is before the previous "
			    "VM's %.17g: arrivals must be non-decreasing",
			    name, (unsigned long long)lineno, vm.arrive_s,
			    last);
			return -EINVAL;
		}
		if (w->n >= WORKLOAD_MAX_VMS) {
			diag_set(d, "%s:%llu:1: more than %u VMs", name,
			    (unsigned long long)lineno, WORKLOAD_MAX_VMS);
			return -EINVAL;
		}
		if ((r = grow(w)) < 0) {
			diag_set(d, "%s:%llu: out of memory", name,
			    (unsigned long long)lineno);
			return r;
		}
		last = vm.arrive_s;
		w->v[w->n++] = vm;
	}
	if (r == -EIO) {
		diag_set(d, "%s:%llu: read error", name,
		    (unsigned long long)lineno + 1);
		return r;
	}
	if (r == -E2BIG) {
		diag_set(d, "%s:%llu: line too long (at most %d bytes)", name,
		    (unsigned long long)lineno + 1, WORKLOAD_MAX_LINE);
		return -EINVAL;
	}
	if (r < 0) {
		diag_set(d, "%s:%llu: a NUL byte: this is not a text file",
		    name, (unsigned long long)lineno + 1);
		return r;
	}
	if (!header) {
		diag_set(d,
		    "%s:%llu: empty file: expected the header line '" HEADER
		    "'",
		    name, (unsigned long long)lineno + 1);
		return -EINVAL;
	}
	return 0;
}

/* The shortest of %.15g, %.16g, %.17g that reads back as x. */
static int
put_seconds(FILE *f, double x)
{
	char buf[40];

	for (int prec = 15; prec <= 17; prec++) {
		snprintf(buf, sizeof(buf), "%.*g", prec, x);
		if (strtod(buf, NULL) == x)
			break;
	}
	return fputs(buf, f) < 0 ? -EIO : 0;
}

int
workload_write(const struct workload *w, FILE *f)
{
	if (fprintf(f, HEADER "\n") < 0)
		return -EIO;
	for (uint32_t i = 0; i < w->n; i++) {
		const struct workload_vm *vm = &w->v[i];

		if (put_seconds(f, vm->arrive_s) < 0 || fputc(',', f) == EOF)
			return -EIO;
		if (isfinite(vm->depart_s) && put_seconds(f, vm->depart_s) < 0)
			return -EIO;
		if (fprintf(f, ",%u,%llu\n", vm->cpu_milli,
			(unsigned long long)vm->memory_mib) < 0)
			return -EIO;
	}
	return fflush(f) == EOF ? -EIO : 0;
}

int
workload_generate(struct workload *w, uint32_t n, uint64_t seed)
{
	static const uint32_t cores[] = { 1, 2, 4, 8, 16 };
	static const uint32_t weight[] = { 30, 30, 20, 15, 5 };
	static const uint32_t gib_per_core[] = { 2, 4, 8 };
	struct rng r;
	double t = 0;

	if (n == 0 || n > WORKLOAD_MAX_VMS)
		return -EINVAL;
	w->n = 0;
	if (w->cap < n) {
		struct workload_vm *v = realloc(w->v, (size_t)n * sizeof(*v));

		if (!v) {
			workload_done(w);
			return -ENOMEM;
		}
		w->v = v;
		w->cap = n;
	}
	rng_init(&r, seed);
	for (uint32_t i = 0; i < n; i++) {
		struct workload_vm *vm = &w->v[i];
		uint64_t pick = rng_below(&r, 100);
		double life;
		uint32_t k = 0;

		t += rng_exp(&r, 1.0);
		while (pick >= weight[k]) {
			pick -= weight[k];
			k++;
		}
		life = ceil(rng_exp(&r, n / 2.0));
		vm->arrive_s = floor(t);
		vm->depart_s = vm->arrive_s + (life < 1 ? 1 : life);
		vm->cores = cores[k];
		vm->cpu_milli = cores[k] * 1000;
		vm->memory_mib =
		    (uint64_t)cores[k] * gib_per_core[rng_below(&r, 3)] * 1024;
	}
	w->n = n;
	return 0;
}

int
workload_hosts_parse(
    const char *spec, struct workload_hosts *ret, struct diag *d)
{
	static const char *const names[3] = { "COUNT", "CORES", "MEM_GIB" };
	static const uint64_t max[3] = { WORKLOAD_MAX_HOSTS,
		WORKLOAD_MAX_HOST_CORES, WORKLOAD_MAX_HOST_MEM_GIB };
	uint64_t x[3];
	const char *p = spec;

	for (int i = 0; i < 3; i++) {
		size_t len = strcspn(p, ":");

		if (!parse_count(p, len, max[i], &x[i])) {
			diag_set(d,
			    "host spec '%s': %s must be an integer from 1 to "
			    "%llu (expected COUNT:CORES:MEM_GIB, e.g. "
			    "1000:32:128)",
			    spec, names[i], (unsigned long long)max[i]);
			return -EINVAL;
		}
		p += len;
		if (i < 2 && *p++ != ':') {
			diag_set(d,
			    "host spec '%s': expected COUNT:CORES:MEM_GIB, "
			    "e.g. 1000:32:128",
			    spec);
			return -EINVAL;
		}
	}
	if (*p != '\0') {
		diag_set(d,
		    "host spec '%s': unexpected '%s' after MEM_GIB (expected "
		    "COUNT:CORES:MEM_GIB, e.g. 1000:32:128)",
		    spec, p);
		return -EINVAL;
	}
	*ret = (struct workload_hosts){ (uint32_t)x[0], (uint32_t)x[1],
		(uint32_t)x[2] };
	return 0;
}
