/* test_workload.c - the placement benchmark's workload CSV (bench/workload.c): reader, writer, generator, host spec. */
#include "workload.h"

#include "tap.h"

#include <math.h>

/* Reads text as "t.csv": the result, w filled, the message in d. */
static int
read_text(const char *text, struct workload *w, struct diag *d)
{
	FILE *f = fmemopen((void *)text, strlen(text), "r");
	int r;

	workload_init(w);
	diag_clear(d);
	if (!f)
		return -ENOMEM;
	r = workload_read(w, f, "t.csv", d);
	fclose(f);
	return r;
}

/* The error message for text (empty when it reads). */
static const char *
error_of(const char *text)
{
	static struct diag d;
	struct workload w;

	if (read_text(text, &w, &d) == 0)
		diag_set(&d, "%s", "");
	workload_done(&w);
	return d.msg;
}

#define H "arrive_s,depart_s,cpu_milli,memory_mib\n"

static void
test_read(void)
{
	struct workload w;
	struct diag d;
	int r;

	r = read_text(
	    H "0,10,2000,4096\n0,,1500,1\n2.5,3e2,1,67108864\n", &w, &d);
	is_int(r, 0, "a valid file reads");
	is_int(w.n, 3, "three VMs");
	ok(w.v[0].arrive_s == 0 && w.v[0].depart_s == 10 &&
		w.v[0].cpu_milli == 2000 && w.v[0].cores == 2 &&
		w.v[0].memory_mib == 4096,
	    "first VM's fields");
	ok(isinf(w.v[1].depart_s), "an empty depart_s never leaves");
	is_int(w.v[1].cores, 2, "1500 milli round up to 2 cores");
	ok(w.v[2].arrive_s == 2.5 && w.v[2].depart_s == 300,
	    "decimals and exponents");
	is_int(w.v[2].cores, 1, "1 milli is one core");
	ok(w.v[2].memory_mib == WORKLOAD_MAX_MEMORY_MIB,
	    "the largest memory reads");
	workload_done(&w);

	r = read_text("\xef\xbb\xbf"
		      "arrive_s,depart_s,cpu_milli,memory_mib\r\n\r\n"
		      "1,2,1000,1\r\n\n",
	    &w, &d);
	ok(r == 0 && w.n == 1 && w.v[0].depart_s == 2,
	    "BOM, CRLF and empty lines are accepted");
	workload_done(&w);
	r = read_text(H, &w, &d);
	ok(r == 0 && w.n == 0, "a header alone is an empty workload");
	workload_done(&w);
	r = read_text(H "1,2,1000,1", &w, &d);
	ok(r == 0 && w.n == 1, "the last line needs no newline");
	workload_done(&w);
}

static void
test_errors(void)
{
	char big[WORKLOAD_MAX_LINE + 64];

	is_str(error_of(""),
	    "t.csv:1: empty file: expected the header line "
	    "'arrive_s,depart_s,cpu_milli,memory_mib'",
	    "empty file");
	is_str(error_of("a,b,c,d\n"),
	    "t.csv:1:1: expected the header line "
	    "'arrive_s,depart_s,cpu_milli,memory_mib'",
	    "wrong header");
	is_str(error_of(H "0,1,1000,1\n0,1,1000\n"),
	    "t.csv:3:9: 3 fields, expected 4 "
	    "(arrive_s,depart_s,cpu_milli,memory_mib)",
	    "too few fields");
	is_str(error_of(H "0,1,1000,1,2\n"),
	    "t.csv:2:12: too many fields: expected 4 "
	    "(arrive_s,depart_s,cpu_milli,memory_mib)",
	    "too many fields");
	is_str(error_of(H " 0,1,1000,1\n"),
	    "t.csv:2:1: arrive_s: expected a number of seconds from 0 to "
	    "1000000000, got ' 0'",
	    "a space is not a number");
	is_str(error_of(H "nan,1,1000,1\n"),
	    "t.csv:2:1: arrive_s: expected a number of seconds from 0 to "
	    "1000000000, got 'nan'",
	    "nan");
	is_str(error_of(H "1e10,,1000,1\n"),
	    "t.csv:2:1: arrive_s: expected a number of seconds from 0 to "
	    "1000000000, got '1e10'",
	    "a time beyond the limit");
	is_str(error_of(H "0,inf,1000,1\n"),
	    "t.csv:2:3: depart_s: expected a number of seconds from 0 to "
	    "1000000000, or nothing for a VM that never leaves, got 'inf'",
	    "inf is not a departure");
	is_str(error_of(H "7,7,1000,1\n"),
	    "t.csv:2:3: depart_s 7 is not after arrive_s 7", "a VM must live");
	is_str(error_of(H "0,1,0,1\n"),
	    "t.csv:2:5: cpu_milli: expected an integer from 1 to 1000000, "
	    "got '0'",
	    "zero cpu");
	is_str(error_of(H "0,1,1000001,1\n"),
	    "t.csv:2:5: cpu_milli: expected an integer from 1 to 1000000, "
	    "got '1000001'",
	    "too much cpu");
	is_str(error_of(H "0,1,1000,67108865\n"),
	    "t.csv:2:10: memory_mib: expected an integer from 1 to "
	    "67108864, got '67108865'",
	    "too much memory");
	is_str(error_of(H "0,1,1000,99999999999999999999999\n"),
	    "t.csv:2:10: memory_mib: expected an integer from 1 to "
	    "67108864, got '99999999999999999999999'",
	    "an integer beyond 64 bits");
	is_str(error_of(H "5,6,1000,1\n4.5,6,1000,1\n"),
	    "t.csv:3:1: arrive_s 4.5 is before the previous VM's 5: "
	    "arrivals must be non-decreasing",
	    "arrivals go back in time");
	memset(big, '1', sizeof(big));
	memcpy(big, H, strlen(H));
	big[sizeof(big) - 1] = '\0';
	is_str(error_of(big), "t.csv:2: line too long (at most 1024 bytes)",
	    "a line too long");
}

static void
test_nul(void)
{
	static const char text[] = H "0,1,10\0"
				     "00,1\n";
	FILE *f = fmemopen((void *)text, sizeof(text) - 1, "r");
	struct workload w;
	struct diag d;
	int r;

	workload_init(&w);
	diag_clear(&d);
	r = f ? workload_read(&w, f, "t.csv", &d) : -ENOMEM;
	if (f)
		fclose(f);
	is_int(r, -EINVAL, "a NUL byte is refused");
	is_str(d.msg, "t.csv:2: a NUL byte: this is not a text file",
	    "and said so");
	workload_done(&w);
}

static void
test_generate_roundtrip(void)
{
	struct workload a, b, c;
	struct diag d;
	char *out = NULL;
	size_t len = 0;
	FILE *f;
	bool same = true, sane = true, ties = false;
	int r;

	workload_init(&a);
	workload_init(&b);
	is_int(workload_generate(&a, 0, 1), -EINVAL, "0 VMs is refused");
	is_int(workload_generate(&a, 5000, 42), 0, "generate 5000 VMs");
	is_int(workload_generate(&b, 5000, 42), 0, "again, same seed");
	for (uint32_t i = 0; i < a.n; i++) {
		const struct workload_vm *v = &a.v[i];

		if (memcmp(v, &b.v[i], sizeof(*v)) != 0)
			same = false;
		if (v->cpu_milli % 1000 || v->cores != v->cpu_milli / 1000 ||
		    v->arrive_s != floor(v->arrive_s) ||
		    !(v->depart_s > v->arrive_s) ||
		    (i > 0 && v->arrive_s < a.v[i - 1].arrive_s) ||
		    v->memory_mib % 1024)
			sane = false;
		if (i > 0 && v->arrive_s == a.v[i - 1].arrive_s)
			ties = true;
	}
	ok(same, "the generator is deterministic for a seed");
	ok(sane, "generated VMs: whole cores, whole seconds, in order");
	ok(ties, "generated arrivals share times, as traces do");
	is_int(workload_generate(&b, 5000, 43), 0, "another seed");
	ok(memcmp(a.v, b.v, 100 * sizeof(*a.v)) != 0, "differs");

	f = open_memstream(&out, &len);
	ok(f && workload_write(&a, f) == 0, "write");
	if (f)
		fclose(f);
	workload_done(&b);
	r = out ? read_text(out, &c, &d) : -ENOMEM;
	is_int(r, 0, "what was written reads back");
	ok(r == 0 && c.n == a.n && memcmp(c.v, a.v, a.n * sizeof(*a.v)) == 0,
	    "identically");
	free(out);
	workload_done(&c);
	workload_done(&a);
}

static void
test_hosts(void)
{
	struct workload_hosts hs;
	struct diag d;

	diag_clear(&d);
	ok(workload_hosts_parse("10000:32:128", &hs, &d) == 0 &&
		hs.count == 10000 && hs.cores == 32 && hs.mem_gib == 128,
	    "10000:32:128");
	is_int(workload_hosts_parse("0:32:128", &hs, &d), -EINVAL, "0 hosts");
	is_str(d.msg,
	    "host spec '0:32:128': COUNT must be an integer from 1 to "
	    "1000000 (expected COUNT:CORES:MEM_GIB, e.g. 1000:32:128)",
	    "says which part");
	is_int(workload_hosts_parse("1:4097:1", &hs, &d), -EINVAL,
	    "too many cores");
	is_int(workload_hosts_parse("1:4", &hs, &d), -EINVAL, "no MEM_GIB");
	is_int(workload_hosts_parse("1:4:8:9", &hs, &d), -EINVAL,
	    "one part too many");
	is_str(d.msg,
	    "host spec '1:4:8:9': unexpected ':9' after MEM_GIB (expected "
	    "COUNT:CORES:MEM_GIB, e.g. 1000:32:128)",
	    "says what is extra");
	is_int(workload_hosts_parse("1x4:8", &hs, &d), -EINVAL, "garbage");
}

int
main(void)
{
	test_read();
	test_errors();
	test_nul();
	test_generate_roundtrip();
	test_hosts();
	return tap_done();
}
