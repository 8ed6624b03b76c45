/* test_resource.c - resource vector arithmetic: zero, maxima, overcommit, overflow. */
#include "model/resource.h"
#include "tap.h"

static struct res
R(int64_t c, int64_t m, int64_t d, int64_t n) {
	struct res r = { { c, m, d, n } };
	return r;
}

int
main(void)
{
	struct res a, b, t;
	uint32_t one[RES_NDIM] = { 1000, 1000, 1000, 1000 };
	uint32_t oc[RES_NDIM] = { 4000, 1500, 1000, 1 };
	uint32_t bad[RES_NDIM] = { 0, 1000, 1000, 1000 };
	uint32_t huge[RES_NDIM] = { RES_RATIO_MAX + 1, 1000, 1000, 1000 };
	char buf[128];
	enum res_dim dim;

	/* zero */
	a = R(0, 0, 0, 0);
	ok(res_valid(&a), "zero vector is valid");
	ok(res_add(&a, &a, &t) == 0 && t.v[0] == 0 && t.v[3] == 0, "0 + 0 = 0");
	ok(res_sub(&a, &a, &t) == 0 && t.v[1] == 0, "0 - 0 = 0");
	ok(res_fits(&a, &a), "zero fits in zero");
	is_int(res_first_short(&a, &a), -1, "nothing short of zero");

	/* maximum values */
	a = R(RES_VALUE_MAX, RES_VALUE_MAX, RES_VALUE_MAX, RES_VALUE_MAX);
	ok(res_valid(&a), "RES_VALUE_MAX in every dimension is valid");
	b = R(0, 0, 0, 0);
	ok(res_add(&a, &b, &t) == 0 && t.v[2] == RES_VALUE_MAX,
	    "max + 0 = max");
	b = R(0, 0, 0, 1);
	t = R(7, 7, 7, 7);
	is_int(res_add(&a, &b, &t), -EOVERFLOW, "max + 1 overflows");
	is_int(t.v[0], 7, "result untouched after overflow");
	a = R(INT64_MAX, 0, 0, 0);
	ok(!res_valid(&a), "INT64_MAX is out of range");
	is_int(res_add(&a, &a, &t), -EOVERFLOW,
	    "INT64_MAX + INT64_MAX is caught, not wrapped");
	a = R(-1, 0, 0, 0);
	ok(!res_valid(&a), "negative component is invalid");
	a = R(RES_VALUE_MAX, 1, 2, 3);
	b = R(RES_VALUE_MAX, 1, 2, 3);
	ok(res_sub(&a, &b, &t) == 0 && t.v[0] == 0 && t.v[3] == 0,
	    "max - max = 0");
	b = R(0, 2, 0, 0);
	is_int(res_sub(&a, &b, &t), -ERANGE, "1 - 2 is refused, not negative");

	/* fits / first short */
	a = R(1000, 512, 0, 0);
	b = R(1000, 1024, 10, 10);
	ok(res_fits(&a, &b), "1 core 512 MiB fits 1 core 1 GiB");
	b = R(999, 1024, 10, 10);
	ok(!res_fits(&a, &b), "1 core does not fit 999m");
	is_int(res_first_short(&a, &b), RES_CPU, "cpu is the short dimension");
	b = R(1000, 511, 10, 10);
	is_int(
	    res_first_short(&a, &b), RES_MEM, "memory is the short dimension");

	/* overcommit ratios */
	a = R(1000, 1024, 100, 1000);
	ok(res_scale(&a, one, &t) == 0 && t.v[0] == 1000 && t.v[1] == 1024,
	    "ratio 1.0 keeps capacity");
	ok(res_scale(&a, oc, &t) == 0, "mixed ratios scale");
	is_int(t.v[RES_CPU], 4000, "cpu x4");
	is_int(t.v[RES_MEM], 1536, "memory x1.5");
	is_int(t.v[RES_DISK], 100, "disk x1");
	is_int(t.v[RES_NET], 1, "net x0.001 floors to 1");
	is_int(res_scale(&a, bad, &t), -EINVAL, "ratio 0 is rejected");
	is_int(res_scale(&a, huge, &t), -EINVAL, "ratio above max rejected");
	a = R(RES_VALUE_MAX, 0, 0, 0);
	is_int(res_scale(&a, oc, &t), -EOVERFLOW,
	    "max capacity x4 overflows and is caught");
	a = R(RES_VALUE_MAX / 4, 0, 0, 0);
	ok(res_scale(&a, oc, &t) == 0 && t.v[0] == RES_VALUE_MAX,
	    "max/4 x4 lands exactly on max");

	/* names and formatting */
	is_str(res_dim_name(RES_CPU), "cpu", "cpu name");
	is_str(res_dim_key(RES_MEM), "memory_mib", "memory key");
	ok(res_dim_parse("net", &dim) == 0 && dim == RES_NET, "parse net");
	ok(res_dim_parse("gpu", &dim) == -ENOENT, "unknown dimension");
	res_format_value(RES_CPU, 1000, buf, sizeof(buf));
	is_str(buf, "1000m", "cpu formats in millicores");
	res_format(&(struct res){ { 1000, 512, 0, 0 } }, buf, sizeof(buf));
	is_str(buf, "cpu 1000m, memory 512 MiB, disk 0 GiB, net 0 Mbit/s",
	    "vector formats");
	return tap_done();
}
