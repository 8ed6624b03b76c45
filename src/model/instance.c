/* instance.c - BPPLIB and .vbp readers: a line cursor and two grammars. */
#include "model/instance.h"

#include "core/mem.h"

#include <inttypes.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

const char *
instance_format_name(enum instance_format f)
{
	switch (f) {
	case INSTANCE_BPPLIB:
		return "bpplib";
	case INSTANCE_VBP:
		return "vbp";
	case INSTANCE_AUTO:
		break;
	}
	return "auto";
}

int
instance_new(uint32_t dims, const int64_t *cap, struct instance **ret)
{
	struct instance *in;

	if (dims < 1 || dims > INSTANCE_DIMS_MAX)
		return -EINVAL;
	for (uint32_t k = 0; k < dims; k++)
		if (cap[k] < 1 || cap[k] > INSTANCE_VALUE_MAX)
			return -EINVAL;
	in = calloc(1, sizeof(*in));
	if (!in)
		return -ENOMEM;
	in->format = dims == 1 ? INSTANCE_BPPLIB : INSTANCE_VBP;
	in->dims = dims;
	memcpy(in->cap, cap, dims * sizeof(*cap));
	*ret = in;
	return 0;
}

int
instance_add(struct instance *in, const int64_t *size, uint32_t count)
{
	int r;

	if (count == 0)
		return -EINVAL;
	for (uint32_t k = 0; k < in->dims; k++)
		if (size[k] < 0 || size[k] > in->cap[k])
			return -EINVAL;
	if (count > INSTANCE_ITEMS_MAX - in->n_items)
		return -E2BIG;
	r = mem_grow(
	    &in->counts, &in->cap_counts, in->n_types + 1, sizeof(*in->counts));
	if (r < 0)
		return r;
	r = mem_grow(&in->sizes, &in->cap_types, in->n_types + 1,
	    (size_t)in->dims * sizeof(*in->sizes));
	if (r < 0)
		return r;
	memcpy(&in->sizes[(size_t)in->n_types * in->dims], size,
	    in->dims * sizeof(*size));
	in->counts[in->n_types++] = count;
	in->n_items += count;
	return 0;
}

struct instance *
instance_free(struct instance *in)
{
	if (!in)
		return NULL;
	free(in->sizes);
	free(in->counts);
	free(in);
	return NULL;
}

/* The numbers of one non-blank line, with where each starts. */
#define LINE_TOKENS_MAX (INSTANCE_DIMS_MAX + 2)

struct tok {
	int64_t v;
	uint32_t col;
};

struct line {
	uint32_t no; /* 1-based line number */
	uint32_t n; /* tokens */
	struct tok t[LINE_TOKENS_MAX];
	uint32_t end_col; /* column just past the last byte of the line */
};

struct cursor {
	const char *buf;
	size_t len, pos;
	uint32_t line_no; /* of the line at pos */
	struct diag *d;
};

static void
quote(const char *s, size_t n, char *out, size_t outn)
{
	size_t o = 0;

	for (size_t i = 0; i < n && o + 5 < outn; i++) {
		unsigned char c = (unsigned char)s[i];

		if (i >= 16) {
			o += (size_t)snprintf(out + o, outn - o, "...");
			break;
		}
		if (c >= 0x20 && c < 0x7f)
			out[o++] = (char)c;
		else
			o += (size_t)snprintf(out + o, outn - o, "\\x%02x", c);
	}
	out[o] = '\0';
}

static bool
is_blank(char c)
{
	return c == ' ' || c == '\t' || c == '\r' || c == '\v' || c == '\f';
}

/*
 * Reads the next non-blank line into *l. Returns 1 with a line, 0 at the
 * end of the buffer, -EINVAL (message in c->d) for something that is not
 * a non-negative decimal integer or for too many numbers on one line.
 */
static int
next_line(struct cursor *c, struct line *l)
{
	while (c->pos < c->len) {
		size_t start = c->pos, i = start;
		size_t eol = start;

		while (eol < c->len && c->buf[eol] != '\n')
			eol++;
		l->no = ++c->line_no;
		l->n = 0;
		l->end_col = (uint32_t)(eol - start) + 1;
		c->pos = eol < c->len ? eol + 1 : eol;
		while (i < eol) {
			size_t tstart;
			char what[80];
			int64_t v = 0;
			bool big = false;

			while (i < eol && is_blank(c->buf[i]))
				i++;
			if (i >= eol)
				break;
			tstart = i;
			while (i < eol && !is_blank(c->buf[i]))
				i++;
			for (size_t k = tstart; k < i; k++) {
				char ch = c->buf[k];

				if (ch < '0' || ch > '9') {
					quote(c->buf + tstart, i - tstart, what,
					    sizeof(what));
					diag_set(c->d,
					    "%u:%zu: expected a non-negative "
					    "integer, got '%s'",
					    l->no, tstart - start + 1, what);
					return -EINVAL;
				}
				if (v > (INSTANCE_VALUE_MAX - (ch - '0')) / 10)
					big = true;
				else
					v = v * 10 + (ch - '0');
			}
			if (big) {
				quote(c->buf + tstart, i - tstart, what,
				    sizeof(what));
				diag_set(c->d,
				    "%u:%zu: %s is larger than the limit of "
				    "%" PRId64,
				    l->no, tstart - start + 1, what,
				    INSTANCE_VALUE_MAX);
				return -EINVAL;
			}
			if (l->n >= LINE_TOKENS_MAX) {
				diag_set(c->d,
				    "%u:%zu: too many numbers on one line "
				    "(at most %u)",
				    l->no, tstart - start + 1, LINE_TOKENS_MAX);
				return -EINVAL;
			}
			l->t[l->n].v = v;
			l->t[l->n].col = (uint32_t)(tstart - start) + 1;
			l->n++;
		}
		if (l->n > 0)
			return 1;
	}
	return 0;
}

/* "end of file" or "L:C" for what follows the last line read. */
static void
eof_where(const struct cursor *c, char *out, size_t n)
{
	snprintf(out, n, "%u:1", c->line_no + 1);
}

/* Reads a line that must hold exactly `want` numbers; `what` names them. */
static int
want_line(struct cursor *c, struct line *l, uint32_t want, const char *what)
{
	char where[32];
	int r = next_line(c, l);

	if (r < 0)
		return r;
	if (r == 0) {
		eof_where(c, where, sizeof(where));
		diag_set(c->d, "%s: expected %s, got the end of the file",
		    where, what);
		return -EINVAL;
	}
	if (l->n < want) {
		diag_set(c->d, "%u:%u: expected %s, got %u number%s", l->no,
		    l->end_col, what, l->n, l->n == 1 ? "" : "s");
		return -EINVAL;
	}
	if (l->n > want) {
		diag_set(c->d, "%u:%u: expected %s, got more numbers", l->no,
		    l->t[want].col, what);
		return -EINVAL;
	}
	return 0;
}

static int
add_checked(struct cursor *c, struct instance *in, const struct line *l,
    const int64_t *size, uint32_t count, uint32_t count_col)
{
	int r;

	for (uint32_t k = 0; k < in->dims; k++) {
		if (size[k] > in->cap[k]) {
			if (in->dims == 1)
				diag_set(c->d,
				    "%u:%u: weight %" PRId64
				    " exceeds the bin capacity %" PRId64,
				    l->no, l->t[k].col, size[k], in->cap[k]);
			else
				diag_set(c->d,
				    "%u:%u: size %" PRId64 " in dimension %u "
				    "exceeds the bin capacity %" PRId64,
				    l->no, l->t[k].col, size[k], k + 1,
				    in->cap[k]);
			return -EINVAL;
		}
	}
	r = instance_add(in, size, count);
	if (r == -E2BIG)
		diag_set(c->d, "%u:%u: more than %u items in all", l->no,
		    count_col, INSTANCE_ITEMS_MAX);
	else if (r == -EINVAL)
		diag_set(c->d, "%u:%u: expected a count of at least 1", l->no,
		    count_col);
	else if (r < 0)
		diag_set(c->d, "out of memory");
	return r;
}

static int
trailing(struct cursor *c, const char *after)
{
	struct line l;
	int r = next_line(c, &l);

	if (r < 0)
		return r;
	if (r > 0) {
		diag_set(c->d, "%u:%u: unexpected number after %s", l.no,
		    l.t[0].col, after);
		return -EINVAL;
	}
	return 0;
}

static int
parse_bpplib(struct cursor *c, struct instance **ret)
{
	struct instance *in = NULL;
	struct line l;
	uint32_t n;
	int64_t cap;
	char after[64];
	int r;

	r = want_line(c, &l, 1, "the number of items (line 1 of BPPLIB)");
	if (r < 0)
		return r;
	if (l.t[0].v < 1 || l.t[0].v > INSTANCE_ITEMS_MAX) {
		diag_set(c->d,
		    "%u:%u: the number of items must be 1..%u, "
		    "got %" PRId64,
		    l.no, l.t[0].col, INSTANCE_ITEMS_MAX, l.t[0].v);
		return -EINVAL;
	}
	n = (uint32_t)l.t[0].v;
	r = want_line(c, &l, 1, "the bin capacity (line 2 of BPPLIB)");
	if (r < 0)
		return r;
	cap = l.t[0].v;
	if (cap < 1) {
		diag_set(c->d, "%u:%u: the bin capacity must be at least 1",
		    l.no, l.t[0].col);
		return -EINVAL;
	}
	r = instance_new(1, &cap, &in);
	if (r < 0)
		return r;
	in->format = INSTANCE_BPPLIB;
	for (uint32_t i = 0; i < n; i++) {
		char what[64];

		snprintf(what, sizeof(what), "weight %u of %u", i + 1, n);
		r = want_line(c, &l, 1, what);
		if (r < 0)
			goto fail;
		r = add_checked(c, in, &l, &l.t[0].v, 1, l.t[0].col);
		if (r < 0)
			goto fail;
	}
	snprintf(after, sizeof(after), "the %u weights", n);
	r = trailing(c, after);
	if (r < 0)
		goto fail;
	*ret = in;
	return 0;
fail:
	instance_free(in);
	return r;
}

static int
parse_vbp(struct cursor *c, struct instance **ret)
{
	struct instance *in = NULL;
	int64_t cap[INSTANCE_DIMS_MAX], size[INSTANCE_DIMS_MAX];
	struct line l;
	uint32_t dims, m;
	char what[96];
	int r;

	r = want_line(c, &l, 1, "the number of dimensions (line 1 of .vbp)");
	if (r < 0)
		return r;
	if (l.t[0].v < 1 || l.t[0].v > INSTANCE_DIMS_MAX) {
		diag_set(c->d,
		    "%u:%u: the number of dimensions must be 1..%u, "
		    "got %" PRId64,
		    l.no, l.t[0].col, INSTANCE_DIMS_MAX, l.t[0].v);
		return -EINVAL;
	}
	dims = (uint32_t)l.t[0].v;
	snprintf(what, sizeof(what), "%u bin capacit%s (line 2 of .vbp)", dims,
	    dims == 1 ? "y" : "ies");
	r = want_line(c, &l, dims, what);
	if (r < 0)
		return r;
	for (uint32_t k = 0; k < dims; k++) {
		cap[k] = l.t[k].v;
		if (cap[k] < 1) {
			diag_set(c->d,
			    "%u:%u: the capacity of dimension %u must be at "
			    "least 1",
			    l.no, l.t[k].col, k + 1);
			return -EINVAL;
		}
	}
	r = want_line(c, &l, 1, "the number of item lines (line 3 of .vbp)");
	if (r < 0)
		return r;
	if (l.t[0].v < 1 || l.t[0].v > INSTANCE_ITEMS_MAX) {
		diag_set(c->d,
		    "%u:%u: the number of item lines must be 1..%u, "
		    "got %" PRId64,
		    l.no, l.t[0].col, INSTANCE_ITEMS_MAX, l.t[0].v);
		return -EINVAL;
	}
	m = (uint32_t)l.t[0].v;
	r = instance_new(dims, cap, &in);
	if (r < 0)
		return r;
	in->format = INSTANCE_VBP;
	for (uint32_t i = 0; i < m; i++) {
		snprintf(what, sizeof(what),
		    "item line %u of %u: %u size%s and a count", i + 1, m, dims,
		    dims == 1 ? "" : "s");
		r = want_line(c, &l, dims + 1, what);
		if (r < 0)
			goto fail;
		for (uint32_t k = 0; k < dims; k++)
			size[k] = l.t[k].v;
		if (l.t[dims].v > INSTANCE_ITEMS_MAX) {
			diag_set(c->d, "%u:%u: more than %u items in all", l.no,
			    l.t[dims].col, INSTANCE_ITEMS_MAX);
			r = -E2BIG;
			goto fail;
		}
		r = add_checked(
		    c, in, &l, size, (uint32_t)l.t[dims].v, l.t[dims].col);
		if (r < 0)
			goto fail;
	}
	snprintf(what, sizeof(what), "the %u item lines", m);
	r = trailing(c, what);
	if (r < 0)
		goto fail;
	*ret = in;
	return 0;
fail:
	instance_free(in);
	return r;
}

/* INSTANCE_AUTO: look at the shape of lines 2 and 4. A lexing error here
 * falls through to the chosen grammar, which reports it in place. */
static enum instance_format
sniff(const char *buf, size_t len)
{
	struct cursor c = { .buf = buf, .len = len };
	struct line l;

	for (int i = 1; i <= 4; i++) {
		if (next_line(&c, &l) <= 0)
			break;
		if (i == 2 && l.n != 1)
			return INSTANCE_VBP;
		if (i == 4)
			return l.n >= 2 ? INSTANCE_VBP : INSTANCE_BPPLIB;
	}
	return INSTANCE_BPPLIB;
}

int
instance_parse(const char *buf, size_t len, enum instance_format fmt,
    struct instance **ret, struct diag *d)
{
	struct cursor c = { .buf = buf, .len = len, .d = d };

	diag_clear(d);
	if (fmt == INSTANCE_AUTO)
		fmt = sniff(buf, len);
	return fmt == INSTANCE_VBP ? parse_vbp(&c, ret) : parse_bpplib(&c, ret);
}
