/* test_instance.c - BPPLIB and .vbp readers: good files, every error with
 * its line:column, limits, and the programmatic builder. */
#include "model/instance.h"
#include "tap.h"

static struct instance *
parse(const char *text, enum instance_format f, struct diag *d)
{
	struct instance *in = NULL;

	if (instance_parse(text, strlen(text), f, &in, d) < 0)
		return NULL;
	return in;
}

static void
expect_error(const char *text, enum instance_format f, const char *want,
    const char *what)
{
	struct diag d;
	struct instance *in = parse(text, f, &d);

	ok(in == NULL, "%s: refused", what);
	is_str(d.msg, want, "%s: message", what);
	instance_free(in);
}

int
main(void)
{
	struct instance *in;
	struct diag d;
	int64_t cap2[2] = { 10, 20 }, s2[2] = { 3, 4 }, bad[2] = { 11, 0 };

	/* BPPLIB, with CRLF line ends and trailing blank lines. */
	in = parse("3\r\n10\r\n7\r\n3\r\n3\r\n\r\n", INSTANCE_AUTO, &d);
	ok(in != NULL, "BPPLIB with CRLF parses (%s)", in ? "" : d.msg);
	if (in) {
		is_int(in->format, INSTANCE_BPPLIB, "detected as BPPLIB");
		is_int(in->dims, 1, "one dimension");
		is_int(in->cap[0], 10, "capacity");
		is_int(in->n_types, 3, "one type per weight");
		is_int(in->n_items, 3, "three items");
		is_int(instance_size(in, 0)[0], 7, "first weight");
		is_int(instance_size(in, 2)[0], 3, "last weight");
	}
	instance_free(in);

	/* .vbp: d=2, two item lines with counts. */
	in = parse("2\n10 20\n2\n3 4 5\n10 0 1\n", INSTANCE_AUTO, &d);
	ok(in != NULL, ".vbp parses");
	if (in) {
		is_int(in->format, INSTANCE_VBP, "detected as .vbp");
		is_int(in->dims, 2, "two dimensions");
		is_int(in->cap[1], 20, "second capacity");
		is_int(in->n_types, 2, "two item lines");
		is_int(in->n_items, 6, "counts add up");
		is_int(in->counts[0], 5, "first count");
		is_int(instance_size(in, 1)[0], 10, "size as large as the bin");
	}
	instance_free(in);

	/* A one-dimensional .vbp is told apart by its fourth line. */
	in = parse("1\n100\n2\n30 2\n70 1\n", INSTANCE_AUTO, &d);
	ok(in && in->format == INSTANCE_VBP && in->n_items == 3,
	    "d=1 .vbp detected by its size/count lines");
	instance_free(in);
	in = parse("1\n100\n30\n", INSTANCE_AUTO, &d);
	ok(in && in->format == INSTANCE_BPPLIB && in->n_items == 1,
	    "a one-item BPPLIB file stays BPPLIB");
	instance_free(in);

	/* Errors: where, and what was expected. */
	expect_error("", INSTANCE_AUTO,
	    "1:1: expected the number of items (line 1 of BPPLIB), got the "
	    "end of the file",
	    "empty file");
	expect_error("3\n10\n7\n3\n", INSTANCE_AUTO,
	    "5:1: expected weight 3 of 3, got the end of the file",
	    "missing weight");
	expect_error("2\n10\n7\nx3\n", INSTANCE_AUTO,
	    "4:1: expected a non-negative integer, got 'x3'", "not a number");
	expect_error("2\n10\n7\n-3\n", INSTANCE_AUTO,
	    "4:1: expected a non-negative integer, got '-3'", "negative");
	expect_error("2\n10\n7\n 11\n", INSTANCE_AUTO,
	    "4:2: weight 11 exceeds the bin capacity 10", "too heavy");
	expect_error("2\n10\n7\n3 4\n", INSTANCE_BPPLIB,
	    "4:3: expected weight 2 of 2, got more numbers",
	    "two weights on a line");
	expect_error("1\n10\n7\n3\n", INSTANCE_BPPLIB,
	    "4:1: unexpected number after the 1 weights", "extra weight");
	expect_error("0\n10\n", INSTANCE_AUTO,
	    "1:1: the number of items must be 1..1048576, got 0", "no items");
	expect_error("2\n0\n1\n1\n", INSTANCE_AUTO,
	    "2:1: the bin capacity must be at least 1", "zero capacity");
	expect_error("1\n99999999999999\n1\n", INSTANCE_AUTO,
	    "2:1: 99999999999999 is larger than the limit of 1000000000000",
	    "capacity too large");
	expect_error("2\n10 20\n1\n3 4\n", INSTANCE_AUTO,
	    "4:4: expected item line 1 of 1: 2 sizes and a count, got 2 "
	    "numbers",
	    "vbp line without count");
	expect_error("2\n10 20\n1\n3 21 1\n", INSTANCE_AUTO,
	    "4:3: size 21 in dimension 2 exceeds the bin capacity 20",
	    "vbp size too large");
	expect_error("2\n10 20\n1\n3 4 0\n", INSTANCE_AUTO,
	    "4:5: expected a count of at least 1", "vbp zero count");
	expect_error("33\n", INSTANCE_VBP,
	    "1:1: the number of dimensions must be 1..32, got 33",
	    "too many dimensions");
	expect_error("2\n10\n", INSTANCE_VBP,
	    "2:3: expected 2 bin capacities (line 2 of .vbp), got 1 number",
	    "vbp missing capacity");
	expect_error("1\n10\n1\n5 1048577\n", INSTANCE_VBP,
	    "4:3: more than 1048576 items in all", "vbp count over the limit");
	expect_error("1\n10\n2\n5 1048576\n5 1\n", INSTANCE_VBP,
	    "5:3: more than 1048576 items in all", "vbp total over the limit");
	{
		const char raw[] = "2\n10\n7\n3\0x\n";
		struct instance *x = NULL;

		ok(instance_parse(raw, sizeof(raw) - 1, INSTANCE_AUTO, &x,
		       &d) == -EINVAL &&
			strstr(d.msg,
			    "4:1: expected a non-negative integer, "
			    "got '3\\x00x'"),
		    "raw NUL byte is quoted: %s", d.msg);
		instance_free(x);
	}
	{
		char many[200] = "2\n10 20\n1\n";

		for (int i = 0; i < 40; i++)
			strcat(many, "1 ");
		strcat(many, "\n");
		expect_error(many, INSTANCE_VBP,
		    "4:69: too many numbers on one line (at most 34)",
		    "too many numbers");
	}

	/* The builder. */
	ok(instance_new(0, cap2, &in) == -EINVAL, "builder: 0 dimensions");
	ok(instance_new(2, cap2, &in) == 0, "builder: new");
	ok(instance_add(in, s2, 3) == 0, "builder: add");
	ok(instance_add(in, bad, 1) == -EINVAL, "builder: size > capacity");
	ok(instance_add(in, s2, 0) == -EINVAL, "builder: zero count");
	ok(instance_add(in, s2, INSTANCE_ITEMS_MAX) == -E2BIG,
	    "builder: item limit");
	is_int(in->n_items, 3, "builder: unchanged by failures");
	ok(instance_free(in) == NULL, "free returns NULL");
	ok(instance_free(NULL) == NULL, "free is NULL-safe");
	return tap_done();
}
