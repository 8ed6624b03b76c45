/* test_core.c - rng, maps, params, JSON helpers, clock, diagnostics. */
#include "core/clock.h"
#include "core/diag.h"
#include "core/jv.h"
#include "core/mem.h"
#include "core/params.h"
#include "core/rng.h"
#include "core/strmap.h"
#include "core/u32map.h"
#include "tap.h"

static void
test_rng(void)
{
	struct rng a, b;
	uint64_t counts[10] = { 0 };
	bool same = true, in_range = true;

	rng_init(&a, 42);
	rng_init(&b, 42);
	for (int i = 0; i < 1000; i++)
		if (rng_u64(&a) != rng_u64(&b))
			same = false;
	ok(same, "same seed, same sequence");
	rng_init(&b, 43);
	ok(rng_u64(&a) != rng_u64(&b), "different seeds differ");
	for (int i = 0; i < 100000; i++) {
		uint64_t x = rng_below(&a, 10);

		if (x >= 10)
			in_range = false;
		else
			counts[x]++;
	}
	ok(in_range, "rng_below stays below n");
	for (int i = 0; i < 10; i++)
		if (counts[i] < 9000 || counts[i] > 11000)
			in_range = false;
	ok(in_range, "rng_below is roughly uniform over 10 buckets");
	in_range = true;
	for (int i = 0; i < 10000; i++) {
		int64_t x = rng_range(&a, -3, 3);
		double u = rng_unit(&a);

		if (x < -3 || x > 3 || u < 0 || u >= 1)
			in_range = false;
	}
	ok(in_range, "rng_range and rng_unit stay in range");
	ok(rng_range(&a, INT64_MIN, INT64_MAX) || 1,
	    "full range does not trap");
	ok(rng_exp(&a, 5.0) >= 0, "exponential draw is non-negative");
}

static void
test_strmap(void)
{
	struct strmap m;
	char keys[2000][16];
	uint32_t v;
	bool good = true;

	strmap_init(&m);
	ok(strmap_get(&m, "x", &v) == -ENOENT, "empty map has nothing");
	for (int i = 0; i < 2000; i++) {
		snprintf(keys[i], sizeof(keys[i]), "k%d", i);
		if (strmap_put(&m, keys[i], (uint32_t)i) != 0)
			good = false;
	}
	ok(good && m.n == 2000, "2000 inserts");
	ok(strmap_put(&m, "k7", 1) == -EEXIST, "duplicate refused");
	for (int i = 0; i < 2000; i += 2)
		if (strmap_del(&m, keys[i]) != 0)
			good = false;
	ok(good, "1000 deletes");
	for (int i = 0; i < 2000; i++) {
		int r = strmap_get(&m, keys[i], &v);

		if (i % 2 == 0 ? r != -ENOENT : (r != 0 || v != (uint32_t)i))
			good = false;
	}
	ok(good, "lookups agree after backward-shift deletes");
	ok(strmap_del(&m, "nope") == -ENOENT, "deleting a missing key");
	strmap_done(&m);
}

static void
test_u32map(void)
{
	struct u32map m;
	static uint32_t shadow[4096];
	static bool present[4096];
	struct rng r;
	bool good = true;
	uint32_t it = 0, k, v, n = 0;

	u32map_init(&m);
	rng_init(&r, 7);
	for (int i = 0; i < 200000; i++) {
		uint32_t key = (uint32_t)rng_below(&r, 4096);

		switch (rng_below(&r, 3)) {
		case 0:
			u32map_set(&m, key, (uint32_t)i);
			shadow[key] = (uint32_t)i;
			present[key] = true;
			break;
		case 1:
			if ((u32map_del(&m, key) == 0) != present[key])
				good = false;
			present[key] = false;
			break;
		default:
			if ((u32map_get(&m, key, &v) == 0) != present[key] ||
			    (present[key] && v != shadow[key]))
				good = false;
		}
	}
	ok(good, "u32map agrees with an array over 200000 random operations");
	while (u32map_next(&m, &it, &k, &v))
		if (present[k] && shadow[k] == v)
			n++;
	ok(n == m.n, "iteration visits every entry once");
	u32map_done(&m);
}

static const char *const modes[] = { "a", "b", NULL };
static const struct param_spec spec[] = {
	{ "target", PARAM_DOUBLE, "0.8", 0, 1, NULL, "utilisation target" },
	{ "slots", PARAM_INT, "4", 1, 64, NULL, "slots" },
	{ "strict", PARAM_BOOL, "false", 0, 0, NULL, "strict" },
	{ "mode", PARAM_ENUM, "a", 0, 0, modes, "mode" },
	{ "tag", PARAM_STRING, "x", 0, 0, NULL, "tag" },
};

static void
test_params(void)
{
	struct params p;
	struct diag d = { 0 };

	ok(params_init(&p, spec, 5, &d) == 0, "defaults parse");
	ok(params_double(&p, "target") == 0.8 && params_int(&p, "slots") == 4 &&
		!params_bool(&p, "strict") && params_enum(&p, "mode") == 0 &&
		strcmp(params_str(&p, "tag"), "x") == 0,
	    "defaults are the spec's");
	ok(params_set_list(
	       &p, "target=0.5,slots=8,strict=yes,mode=b,tag=hi", &d) == 0,
	    "a full list applies");
	ok(params_double(&p, "target") == 0.5 && params_int(&p, "slots") == 8 &&
		params_bool(&p, "strict") && params_enum(&p, "mode") == 1 &&
		strcmp(params_str(&p, "tag"), "hi") == 0,
	    "values set");
	is_int(params_set(&p, "bogus", "1", &d), -ENOENT, "unknown key");
	is_str(d.msg,
	    "unknown parameter 'bogus' (valid: target, slots, strict, mode, "
	    "tag)",
	    "unknown key lists the valid ones");
	is_int(params_set(&p, "slots", "65", &d), -EINVAL, "out of range");
	is_str(d.msg, "slots: must be an integer from 1 to 64, got '65'",
	    "range message");
	is_int(params_set(&p, "slots", "3x", &d), -EINVAL, "trailing junk");
	is_int(params_set(&p, "target", "nan", &d), -EINVAL, "nan refused");
	is_int(params_set(&p, "strict", "maybe", &d), -EINVAL, "bad bool");
	is_int(params_set(&p, "mode", "c", &d), -EINVAL, "bad enum");
	is_str(d.msg, "mode: must be one of a, b, got 'c'", "enum message");
	is_int(params_set_list(&p, "slots", &d), -EINVAL, "missing '='");
	is_int(params_int(&p, "slots"), 8, "failed sets leave values");
	params_done(&p);
}

static void
test_jv(void)
{
	struct diag d = { 0 };
	json_t *j = NULL;
	int64_t i;
	double x;
	const char *s;
	bool b;
	static const char *const allowed[] = { "a", "b", NULL };
	const char *src;

	is_int(jv_parse("{\"a\":", 5, &j, &d), -EINVAL, "truncated JSON");
	ok(strncmp(d.msg, "1:", 2) == 0, "syntax error has line:col (%s)",
	    d.msg);
	is_int(jv_parse("{\"a\":1,\"a\":2}", 13, &j, &d), -EINVAL,
	    "duplicate keys are rejected");
	src = "{\"a\":-5,\"b\":\"s\",\"c\":1.5,\"t\":true}";
	ok(jv_parse(src, strlen(src), &j, &d) == 0, "valid JSON parses");
	is_int(jv_get_int(j, "a", "vms[1]", 1, INT64_MAX, &i, &d), -EINVAL,
	    "negative refused");
	is_str(d.msg, "vms[1].a: must be a positive integer, got -5",
	    "message names the path and the value");
	is_int(jv_get_int(j, "zz", "x", 0, 1, &i, &d), -ENOENT, "absent key");
	is_int(jv_get_int(j, "b", "", 0, 10, &i, &d), -EINVAL, "string as int");
	is_str(d.msg, "b: must be an integer from 0 to 10, got \"s\"",
	    "type message");
	ok(jv_get_num(j, "c", "", 0, 2, &x, &d) == 0 && x == 1.5, "number");
	ok(jv_get_str(j, "b", "", 8, &s, &d) == 0 && strcmp(s, "s") == 0,
	    "string");
	ok(jv_get_bool(j, "t", "", &b, &d) == 0 && b, "bool");
	is_int(jv_check_keys(j, "top", allowed, &d), -EINVAL, "unknown key");
	is_str(d.msg, "top.c: unknown key (expected one of: a, b)",
	    "unknown key message");
	json_decref(j);
	{
		/* Console bytes: valid UTF-8 kept, every bad byte a '?'. */
		static const struct {
			const char *in, *out;
			size_t n;
		} cases[] = {
			{ "plain\n", "plain\n", 6 },
			{ "caf\xc3\xa9 \xe2\x82\xac \xf0\x9f\x98\x80",
			    "caf\xc3\xa9 \xe2\x82\xac \xf0\x9f\x98\x80", 14 },
			{ "a\xff"
			  "b\x80"
			  "c",
			    "a?b?c", 5 },
			{ "\xc0\xaf", "??", 2 }, /* overlong '/' */
			{ "\xed\xa0\x80", "???", 3 }, /* a surrogate */
			{ "\xf4\x90\x80\x80", "????", 4 }, /* > U+10FFFF */
			{ "x\xe2\x82", "x??", 3 }, /* cut short */
		};

		for (size_t k = 0; k < sizeof(cases) / sizeof(cases[0]); k++) {
			json_t *t = jv_string_lossy(cases[k].in, cases[k].n);

			ok(t && json_string_length(t) == cases[k].n &&
				memcmp(json_string_value(t), cases[k].out,
				    cases[k].n) == 0,
			    "jv_string_lossy case %zu", k);
			json_decref(t);
		}
	}
}

int
main(void)
{
	struct clock c;
	struct diag d;
	uint32_t cap = 0;
	int *arr = NULL;

	test_rng();
	test_strmap();
	test_u32map();
	test_params();
	test_jv();

	clock_init_virtual(&c, 5);
	is_int(clock_now(&c), 5, "virtual clock starts where told");
	clock_set(&c, 10 * NS_PER_S);
	is_int(clock_now(&c), 10 * NS_PER_S, "virtual clock moves when set");
	clock_init_monotonic(&c);
	ok(clock_now(&c) > 0 && clock_now(&c) <= clock_now(&c),
	    "monotonic clock reads forward");

	diag_clear(&d);
	ok(!diag_has(&d), "clear diag");
	diag_set(&d, "x %d", 1);
	diag_prefix(&d, "file");
	is_str(d.msg, "file: x 1", "prefix");
	diag_set(NULL, "ignored");

	ok(mem_grow(&arr, &cap, 100, sizeof(*arr)) == 0 && cap >= 100,
	    "mem_grow grows");
	ok(arr[99] == 0, "new slots are zero");
	free(arr);
	return tap_done();
}
