/* trace_parse.c - shared pieces of the trace parsers: fields, numbers, times, sample arrays. */
#include "sim/trace_parse.h"

#include "core/mem.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

uint32_t
trace_parse_split(
    const char *s, size_t n, char sep, struct trace_field *f, uint32_t max)
{
	const char *p = s, *end = s + n;
	uint32_t k = 0;

	for (;;) {
		const char *q =
		    p < end ? memchr(p, sep, (size_t)(end - p)) : NULL;
		const char *stop = q ? q : end;

		if (k < max) {
			f[k].s = p;
			f[k].n = (size_t)(stop - p);
		}
		if (k < UINT32_MAX)
			k++;
		if (!q)
			return k;
		p = q + 1;
	}
}

struct trace_field
trace_parse_trim(struct trace_field f)
{
	while (f.n && (f.s[0] == ' ' || f.s[0] == '\t')) {
		f.s++;
		f.n--;
	}
	while (f.n && (f.s[f.n - 1] == ' ' || f.s[f.n - 1] == '\t'))
		f.n--;
	return f;
}

int
trace_parse_uint(const char *s, size_t n, uint64_t max, uint64_t *ret)
{
	uint64_t v = 0;

	if (n == 0)
		return -EINVAL;
	for (size_t i = 0; i < n; i++) {
		unsigned dg = (unsigned char)s[i] - '0';

		if (dg > 9)
			return -EINVAL;
		if (dg > max || v > (max - dg) / 10)
			return -EINVAL;
		v = v * 10 + dg;
	}
	*ret = v;
	return 0;
}

int
trace_parse_int(const char *s, size_t n, int64_t min, int64_t max, int64_t *ret)
{
	uint64_t v;
	int64_t x;

	if (n && s[0] == '-') {
		if (min >= 0 ||
		    trace_parse_uint(
			s + 1, n - 1, (uint64_t) - (min + 1) + 1, &v) < 0)
			return -EINVAL;
		x = v == 0 ? 0 : -(int64_t)(v - 1) - 1;
	} else {
		if (max < 0 || trace_parse_uint(s, n, (uint64_t)max, &v) < 0)
			return -EINVAL;
		x = (int64_t)v;
	}
	if (x < min || x > max)
		return -EINVAL;
	*ret = x;
	return 0;
}

static const double pow10_exact[] = { 1e0, 1e1, 1e2, 1e3, 1e4, 1e5, 1e6, 1e7,
	1e8, 1e9, 1e10, 1e11, 1e12, 1e13, 1e14, 1e15, 1e16, 1e17, 1e18, 1e19,
	1e20, 1e21, 1e22 };

int
trace_parse_num(const char *s, size_t n, double *ret)
{
	uint64_t mant = 0;
	int64_t e10 = 0, ex = 0;
	unsigned sig = 0, digits = 0;
	bool neg = false, eneg = false;
	size_t i = 0;
	double v;

	if (i < n && (s[i] == '-' || s[i] == '+'))
		neg = s[i++] == '-';
	for (; i < n && s[i] >= '0' && s[i] <= '9'; i++, digits++) {
		if (sig < 19) {
			mant = mant * 10 + (uint64_t)(s[i] - '0');
			if (mant)
				sig++;
		} else {
			e10++;
		}
	}
	if (i < n && s[i] == '.') {
		for (i++; i < n && s[i] >= '0' && s[i] <= '9'; i++, digits++) {
			if (sig < 19) {
				mant = mant * 10 + (uint64_t)(s[i] - '0');
				if (mant)
					sig++;
				e10--;
			}
		}
	}
	if (digits == 0)
		return -EINVAL;
	if (i < n && (s[i] == 'e' || s[i] == 'E')) {
		unsigned edigits = 0;

		i++;
		if (i < n && (s[i] == '-' || s[i] == '+'))
			eneg = s[i++] == '-';
		for (; i < n && s[i] >= '0' && s[i] <= '9'; i++, edigits++)
			if (ex < 100000)
				ex = ex * 10 + (s[i] - '0');
		if (edigits == 0)
			return -EINVAL;
		e10 += eneg ? -ex : ex;
	}
	if (i != n)
		return -EINVAL;
	v = (double)mant;
	if (mant == 0)
		v = 0;
	else if (e10 >= 0 && e10 <= 22)
		v *= pow10_exact[e10];
	else if (e10 < 0 && e10 >= -22)
		v /= pow10_exact[-e10];
	else if (e10 > 400)
		v = HUGE_VAL;
	else if (e10 < -400)
		v = 0;
	else
		v *= pow(10.0, (double)e10);
	if (!isfinite(v))
		return -EINVAL;
	*ret = neg ? -v : v;
	return 0;
}

int
trace_parse_secs(const char *s, size_t n, uint64_t *ret_ns)
{
	size_t dot = 0;
	uint64_t whole, frac = 0;

	while (dot < n && s[dot] != '.')
		dot++;
	if (trace_parse_uint(s, dot, TRACE_SECS_MAX, &whole) < 0)
		return -EINVAL;
	if (dot < n) {
		size_t nf = n - dot - 1;

		if (nf == 0 || nf > 9 ||
		    trace_parse_uint(s + dot + 1, nf, UINT64_MAX, &frac) < 0)
			return -EINVAL;
		for (size_t k = nf; k < 9; k++)
			frac *= 10;
		if (whole == TRACE_SECS_MAX && frac)
			return -EINVAL;
	}
	*ret_ns = whole * TRACE_NS_PER_S + frac;
	return 0;
}

void
trace_parse_show(const char *s, size_t n, char *out, size_t outn)
{
	size_t o = 0, max = n < 40 ? n : 40;

	if (outn < 16) {
		if (outn)
			out[0] = '\0';
		return;
	}
	out[o++] = '"';
	for (size_t i = 0; i < max && o + 8 < outn; i++) {
		unsigned char c = (unsigned char)s[i];

		if (c >= 0x20 && c < 0x7f && c != '"' && c != '\\')
			out[o++] = (char)c;
		else
			o += (size_t)snprintf(out + o, outn - o, "\\x%02x", c);
	}
	out[o++] = '"';
	if (max < n && o + 4 < outn) {
		memcpy(out + o, "...", 3);
		o += 3;
	}
	out[o] = '\0';
}

int
trace_parse_samples_push(struct trace_samples *s, uint16_t cpu, uint16_t mem)
{
	uint32_t cap = s->cap;

	if (s->n >= TRACE_SAMPLES_MAX)
		return -E2BIG;
	if (s->n == s->cap) {
		if (mem_grow(&s->cpu, &cap, s->n + 1, sizeof(*s->cpu)) < 0)
			return -ENOMEM;
		cap = s->cap;
		if (mem_grow(&s->mem, &cap, s->n + 1, sizeof(*s->mem)) < 0)
			return -ENOMEM;
		/* Both arrays now hold at least s->n + 1; keep the smaller
		 * capacity (mem_grow grows both the same way). */
		s->cap = cap;
	}
	s->cpu[s->n] = cpu;
	s->mem[s->n] = mem;
	s->n++;
	return 0;
}

void
trace_parse_samples_free(struct trace_samples *s)
{
	free(s->cpu);
	free(s->mem);
	s->cpu = s->mem = NULL;
	s->n = s->cap = 0;
}

uint16_t
trace_parse_share(double thousandths)
{
	if (!(thousandths > 0))
		return 0;
	if (thousandths >= 65534.5)
		return 65535;
	return (uint16_t)(thousandths + 0.5);
}
