/* bif.c - BIF reader: a tokenizer with line:col and a two-pass parser. */
#include "fault/bif.h"

#include "core/mem.h"

#include <math.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

enum tok_kind {
	TOK_EOF,
	TOK_WORD, /* a name or a number */
	TOK_STRING, /* "quoted", without the quotes */
	TOK_PUNCT, /* one of { } ( ) [ ] | , ; */
};

struct tok {
	enum tok_kind kind;
	const char *s;
	size_t len;
	uint32_t line, col;
};

/* The parser's state: input, position, the current token, errors. */
struct lexer {
	const char *buf;
	size_t len, pos;
	uint32_t line, col;
	struct tok cur;
	struct diag *d;
	int err; /* first error, sticky */
	struct bn *bn;
	bool *has_cpt; /* per variable, pass 2 */
	uint64_t total; /* CPT entries so far */
};

static bool
is_punct(char c)
{
	return strchr("{}()[]|,;", c) != NULL && c != '\0';
}

static bool
is_blank(char c)
{
	return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\f' ||
	    c == '\v';
}

/* Sets the first error: "L:C: message". Returns the error code. */
static int __attribute__((format(printf, 5, 6))) fail_at(struct lexer *lx,
    int code, uint32_t line, uint32_t col, const char *fmt, ...)
{
	char msg[400];
	va_list ap;

	if (lx->err)
		return lx->err;
	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	diag_set(lx->d, "%u:%u: %s", line, col, msg);
	lx->err = code;
	return code;
}

/* Describes the current token for "got ...": quoted, cut, made printable. */
static void
describe(const struct tok *t, char *out, size_t n)
{
	size_t o = 0, max = t->len < 40 ? t->len : 40;

	if (t->kind == TOK_EOF) {
		snprintf(out, n, "end of file");
		return;
	}
	if (n < 8) {
		out[0] = '\0';
		return;
	}
	out[o++] = '\'';
	for (size_t i = 0; i < max && o + 5 < n; i++) {
		unsigned char c = (unsigned char)t->s[i];

		out[o++] = c < 0x20 || c >= 0x7f ? '?' : (char)c;
	}
	if (max < t->len && o + 5 < n) {
		memcpy(out + o, "...", 3);
		o += 3;
	}
	out[o++] = '\'';
	out[o] = '\0';
}

#define FAIL_EXPECTED(lx, what)                                       \
	__extension__({                                               \
		char got_[64];                                        \
		describe(&(lx)->cur, got_, sizeof(got_));             \
		fail_at((lx), -EINVAL, (lx)->cur.line, (lx)->cur.col, \
		    "expected %s, got %s", (what), got_);             \
	})

static void
advance(struct lexer *lx, size_t n)
{
	for (size_t i = 0; i < n && lx->pos < lx->len; i++) {
		if (lx->buf[lx->pos] == '\n') {
			lx->line++;
			lx->col = 1;
		} else {
			lx->col++;
		}
		lx->pos++;
	}
}

/* Reads the next token into lx->cur. 0 or an error (lx->err set). */
static int
next(struct lexer *lx)
{
	struct tok *t = &lx->cur;

	if (lx->err)
		return lx->err;
	for (;;) {
		while (lx->pos < lx->len && is_blank(lx->buf[lx->pos]))
			advance(lx, 1);
		if (lx->pos + 1 < lx->len && lx->buf[lx->pos] == '/' &&
		    lx->buf[lx->pos + 1] == '/') {
			while (lx->pos < lx->len && lx->buf[lx->pos] != '\n')
				advance(lx, 1);
			continue;
		}
		if (lx->pos + 1 < lx->len && lx->buf[lx->pos] == '/' &&
		    lx->buf[lx->pos + 1] == '*') {
			uint32_t l = lx->line, c = lx->col;

			advance(lx, 2);
			while (lx->pos + 1 < lx->len &&
			    !(lx->buf[lx->pos] == '*' &&
				lx->buf[lx->pos + 1] == '/'))
				advance(lx, 1);
			if (lx->pos + 1 >= lx->len)
				return fail_at(lx, -EINVAL, l, c,
				    "comment not closed: expected '*/' "
				    "before the end of the file");
			advance(lx, 2);
			continue;
		}
		break;
	}
	t->line = lx->line;
	t->col = lx->col;
	t->s = lx->buf + lx->pos;
	t->len = 0;
	if (lx->pos >= lx->len) {
		t->kind = TOK_EOF;
		return 0;
	}
	if (is_punct(lx->buf[lx->pos])) {
		t->kind = TOK_PUNCT;
		t->len = 1;
		advance(lx, 1);
		return 0;
	}
	if (lx->buf[lx->pos] == '"') {
		size_t start = lx->pos + 1, end = start;

		while (end < lx->len && lx->buf[end] != '"')
			end++;
		if (end >= lx->len)
			return fail_at(lx, -EINVAL, t->line, t->col,
			    "string not closed: expected '\"' before the end "
			    "of the file");
		t->kind = TOK_STRING;
		t->s = lx->buf + start;
		t->len = end - start;
		advance(lx, end + 1 - lx->pos);
		return 0;
	}
	t->kind = TOK_WORD;
	while (lx->pos < lx->len && !is_blank(lx->buf[lx->pos]) &&
	    !is_punct(lx->buf[lx->pos]) && lx->buf[lx->pos] != '"' &&
	    !(lx->buf[lx->pos] == '/' && lx->pos + 1 < lx->len &&
		(lx->buf[lx->pos + 1] == '/' || lx->buf[lx->pos + 1] == '*'))) {
		/* A NUL byte cannot be part of a name we store as a C string. */
		if (lx->buf[lx->pos] == '\0')
			return fail_at(lx, -EINVAL, lx->line, lx->col,
			    "unexpected NUL byte");
		advance(lx, 1);
		t->len++;
	}
	return 0;
}

static bool
is_p(const struct lexer *lx, char c)
{
	return lx->cur.kind == TOK_PUNCT && lx->cur.s[0] == c;
}

static bool
is_word(const struct lexer *lx, const char *w)
{
	return lx->cur.kind == TOK_WORD && lx->cur.len == strlen(w) &&
	    memcmp(lx->cur.s, w, lx->cur.len) == 0;
}

/* Consumes punctuation c or fails with "expected 'c'". */
static int
expect_p(struct lexer *lx, char c)
{
	char what[8];

	if (lx->err)
		return lx->err;
	if (!is_p(lx, c)) {
		snprintf(what, sizeof(what), "'%c'", c);
		return FAIL_EXPECTED(lx, what);
	}
	return next(lx);
}

/* Copies the current word or string (a name) into a new string *ret,
 * owned by the caller once this returns 0. */
static int
take_name(struct lexer *lx, const char *what, char **ret)
{
	char *s;

	if (lx->err)
		return lx->err;
	if (lx->cur.kind != TOK_WORD && lx->cur.kind != TOK_STRING)
		return FAIL_EXPECTED(lx, what);
	if (lx->cur.len == 0 || lx->cur.len > BN_NAME_MAX)
		return fail_at(lx, -EINVAL, lx->cur.line, lx->cur.col,
		    "%s must be 1 to %u bytes long", what, BN_NAME_MAX);
	if (memchr(lx->cur.s, '\0', lx->cur.len))
		return fail_at(lx, -EINVAL, lx->cur.line, lx->cur.col,
		    "unexpected NUL byte in %s", what);
	s = malloc(lx->cur.len + 1);
	if (!s)
		return fail_at(
		    lx, -ENOMEM, lx->cur.line, lx->cur.col, "out of memory");
	memcpy(s, lx->cur.s, lx->cur.len);
	s[lx->cur.len] = '\0';
	/* The caller owns s from here, even when the next token fails
	 * (lx->err then says so). */
	*ret = s;
	next(lx);
	return 0;
}

/* Like take_name, into a caller buffer of BN_NAME_MAX + 1 bytes. */
static int
read_name(struct lexer *lx, const char *what, char *out)
{
	if (lx->err)
		return lx->err;
	if (lx->cur.kind != TOK_WORD && lx->cur.kind != TOK_STRING)
		return FAIL_EXPECTED(lx, what);
	if (lx->cur.len == 0 || lx->cur.len > BN_NAME_MAX ||
	    memchr(lx->cur.s, '\0', lx->cur.len))
		return fail_at(lx, -EINVAL, lx->cur.line, lx->cur.col,
		    "%s must be 1 to %u bytes long, without NUL", what,
		    BN_NAME_MAX);
	memcpy(out, lx->cur.s, lx->cur.len);
	out[lx->cur.len] = '\0';
	return next(lx);
}

/* Reads a probability: a finite number in [0, 1 + tolerance]. */
static int
read_prob(struct lexer *lx, double *ret)
{
	char buf[64], *end;
	double x;

	if (lx->err)
		return lx->err;
	if (lx->cur.kind != TOK_WORD || lx->cur.len >= sizeof(buf))
		return FAIL_EXPECTED(lx, "a probability");
	memcpy(buf, lx->cur.s, lx->cur.len);
	buf[lx->cur.len] = '\0';
	x = strtod(buf, &end);
	if (*end || end == buf || !isfinite(x))
		return FAIL_EXPECTED(lx, "a probability");
	if (x < 0 || x > 1 + BN_ROW_TOLERANCE)
		return fail_at(lx, -EINVAL, lx->cur.line, lx->cur.col,
		    "probability %s is outside [0, 1]", buf);
	*ret = x;
	return next(lx);
}

/* Skips `property ...;` (the keyword is the current token). */
static int
skip_property(struct lexer *lx)
{
	uint32_t l = lx->cur.line, c = lx->cur.col;

	next(lx);
	while (!lx->err && !is_p(lx, ';')) {
		if (lx->cur.kind == TOK_EOF)
			return fail_at(lx, -EINVAL, l, c,
			    "property not ended: expected ';' before the end "
			    "of the file");
		next(lx);
	}
	return expect_p(lx, ';');
}

/* Skips from the current token to the '}' that closes the next '{'. */
static int
skip_block(struct lexer *lx, const char *what, uint32_t l, uint32_t c)
{
	uint32_t depth = 0;

	while (!lx->err && !is_p(lx, '{')) {
		if (lx->cur.kind == TOK_EOF || is_p(lx, '}') || is_p(lx, ';'))
			return FAIL_EXPECTED(lx, "'{'");
		next(lx);
	}
	while (!lx->err) {
		if (lx->cur.kind == TOK_EOF)
			return fail_at(lx, -EINVAL, l, c,
			    "%s block not closed: expected '}' before the "
			    "end of the file",
			    what);
		if (is_p(lx, '{'))
			depth++;
		else if (is_p(lx, '}') && --depth == 0)
			return next(lx);
		next(lx);
	}
	return lx->err;
}

static int
parse_network(struct lexer *lx)
{
	char *name = NULL;

	next(lx);
	if (take_name(lx, "a network name", &name) < 0)
		return lx->err;
	free(lx->bn->name);
	lx->bn->name = name;
	if (expect_p(lx, '{') < 0)
		return lx->err;
	while (!lx->err && !is_p(lx, '}')) {
		if (is_word(lx, "property"))
			skip_property(lx);
		else
			FAIL_EXPECTED(lx, "'property' or '}'");
	}
	return expect_p(lx, '}');
}

/* type discrete [ N ] { s1, s2, ... } ; -- into v. */
static int
parse_type(struct lexer *lx, struct bn_var *v)
{
	uint32_t l, c, n = 0, want;
	char *end, buf[16];
	unsigned long x;

	if (v->states)
		return fail_at(lx, -EINVAL, lx->cur.line, lx->cur.col,
		    "variable %s has two types", v->name);
	next(lx);
	if (!is_word(lx, "discrete"))
		return FAIL_EXPECTED(lx, "'discrete'");
	next(lx);
	expect_p(lx, '[');
	if (lx->err)
		return lx->err;
	l = lx->cur.line;
	c = lx->cur.col;
	if (lx->cur.kind != TOK_WORD || lx->cur.len >= sizeof(buf))
		return FAIL_EXPECTED(lx, "the number of states");
	memcpy(buf, lx->cur.s, lx->cur.len);
	buf[lx->cur.len] = '\0';
	x = strtoul(buf, &end, 10);
	if (*end || end == buf || buf[0] == '-' || x < 1 || x > BN_STATES_MAX)
		return fail_at(lx, -EINVAL, l, c,
		    "expected a number of states from 1 to %u, got '%s'",
		    BN_STATES_MAX, buf);
	want = (uint32_t)x;
	next(lx);
	expect_p(lx, ']');
	expect_p(lx, '{');
	if (lx->err)
		return lx->err;
	v->states = calloc(want, sizeof(*v->states));
	if (!v->states)
		return fail_at(lx, -ENOMEM, l, c, "out of memory");
	while (!lx->err && !is_p(lx, '}')) {
		char *s = NULL;

		if (n > 0 && is_p(lx, ','))
			next(lx);
		if (n == want)
			return fail_at(lx, -EINVAL, lx->cur.line, lx->cur.col,
			    "variable %s declares %u states but lists more",
			    v->name, want);
		if (take_name(lx, "a state name", &s) < 0)
			return lx->err;
		for (uint32_t i = 0; i < n; i++) {
			if (strcmp(v->states[i], s) == 0) {
				free(s);
				return fail_at(lx, -EINVAL, l, c,
				    "variable %s lists state '%s' twice",
				    v->name, v->states[i]);
			}
		}
		v->states[n++] = s;
		v->n_states = n;
	}
	if (lx->err)
		return lx->err;
	if (n != want)
		return fail_at(lx, -EINVAL, lx->cur.line, lx->cur.col,
		    "variable %s declares %u states but lists %u", v->name,
		    want, n);
	next(lx);
	return expect_p(lx, ';');
}

static int
parse_variable(struct lexer *lx)
{
	struct bn *b = lx->bn;
	uint32_t l = lx->cur.line, c = lx->cur.col;
	struct bn_var *v;
	char *name = NULL;
	int r;

	next(lx);
	if (take_name(lx, "a variable name", &name) < 0)
		return lx->err;
	if (bn_find_var(b, name, NULL) == 0) {
		fail_at(lx, -EINVAL, l, c, "variable %s declared twice", name);
		free(name);
		return lx->err;
	}
	if (b->n_vars >= BN_VARS_MAX) {
		free(name);
		return fail_at(
		    lx, -E2BIG, l, c, "more than %u variables", BN_VARS_MAX);
	}
	r = mem_grow(&b->vars, &b->cap_vars, b->n_vars + 1, sizeof(*b->vars));
	if (r == 0)
		r = strmap_put(&b->index, name, b->n_vars);
	if (r < 0) {
		free(name);
		return fail_at(lx, r, l, c, "out of memory");
	}
	v = &b->vars[b->n_vars++];
	memset(v, 0, sizeof(*v));
	v->name = name;
	if (expect_p(lx, '{') < 0)
		return lx->err;
	while (!lx->err && !is_p(lx, '}')) {
		if (is_word(lx, "type"))
			parse_type(lx, v);
		else if (is_word(lx, "property"))
			skip_property(lx);
		else
			FAIL_EXPECTED(lx, "'type', 'property' or '}'");
	}
	if (lx->err)
		return lx->err;
	if (!v->states)
		return fail_at(lx, -EINVAL, lx->cur.line, lx->cur.col,
		    "variable %s has no 'type discrete [N] { ... };'", v->name);
	return expect_p(lx, '}');
}

/* Reads a variable name and resolves it. */
static int
read_var(struct lexer *lx, const char *what, uint32_t *ret)
{
	char name[BN_NAME_MAX + 1], list[300];
	uint32_t l = lx->cur.line, c = lx->cur.col;

	if (read_name(lx, what, name) < 0)
		return lx->err;
	if (bn_find_var(lx->bn, name, ret) == 0)
		return 0;
	bn_var_list(lx->bn, list, sizeof(list));
	return fail_at(lx, -EINVAL, l, c,
	    "unknown variable '%s' (declared: %s)", name, list);
}

/* The per-block state of a probability declaration. */
struct cpt_build {
	struct bn_var *v;
	uint32_t var;
	double *raw; /* n_cfg * n_states, row-major like v->cpt */
	uint32_t *row_line, *row_col; /* where each row was given (0: not) */
	double *def; /* default row, or NULL */
	uint32_t def_line, def_col;
	bool table;
};

/* Reads `count` probabilities separated by optional commas, then ';'. */
static int
read_values(struct lexer *lx, double *out, uint32_t count, const char *what)
{
	uint32_t l = lx->cur.line, c = lx->cur.col;

	for (uint32_t i = 0; i < count && !lx->err; i++) {
		if (i > 0 && is_p(lx, ','))
			next(lx);
		if (is_p(lx, ';'))
			return fail_at(lx, -EINVAL, l, c,
			    "%s has %u values, expected %u", what, i, count);
		read_prob(lx, &out[i]);
	}
	if (lx->err)
		return lx->err;
	if (is_p(lx, ',') || lx->cur.kind == TOK_WORD)
		return fail_at(lx, -EINVAL, l, c,
		    "%s has more than the %u values expected", what, count);
	return expect_p(lx, ';');
}

/* ( a, b ) p, q, ...; -- one row of the CPT. */
static int
parse_row(struct lexer *lx, struct cpt_build *cb)
{
	const struct bn *b = lx->bn;
	struct bn_var *v = cb->v;
	uint32_t l = lx->cur.line, c = lx->cur.col, cfg = 0;
	char name[BN_NAME_MAX + 1], list[300], what[BN_NAME_MAX + 32];

	next(lx);
	for (uint32_t k = 0; k < v->n_parents && !lx->err; k++) {
		uint32_t p = v->parents[k], s;
		uint32_t sl = lx->cur.line, sc = lx->cur.col;

		if (k > 0)
			expect_p(lx, ',');
		if (read_name(lx, "a parent state", name) < 0)
			return lx->err;
		if (bn_find_state(b, p, name, &s) < 0) {
			bn_state_list(b, p, list, sizeof(list));
			return fail_at(lx, -EINVAL, sl, sc,
			    "%s has no state '%s' (valid: %s)", b->vars[p].name,
			    name, list);
		}
		cfg = cfg * b->vars[p].n_states + s;
	}
	if (lx->err)
		return lx->err;
	if (!is_p(lx, ')')) {
		if (v->n_parents == 0 || is_p(lx, ','))
			return fail_at(lx, -EINVAL, l, c,
			    "a row of %s must name one state of each of its "
			    "%u parents",
			    v->name, v->n_parents);
		return FAIL_EXPECTED(lx, "')'");
	}
	next(lx);
	if (cb->row_line[cfg])
		return fail_at(lx, -EINVAL, l, c,
		    "row given twice for %s (first at line %u)", v->name,
		    cb->row_line[cfg]);
	cb->row_line[cfg] = l;
	cb->row_col[cfg] = c;
	snprintf(what, sizeof(what), "the row of %s", v->name);
	return read_values(
	    lx, cb->raw + (size_t)cfg * v->n_states, v->n_states, what);
}

static int
parse_table(struct lexer *lx, struct cpt_build *cb)
{
	struct bn_var *v = cb->v;
	uint32_t l = lx->cur.line, c = lx->cur.col;
	size_t n = (size_t)v->n_cfg * v->n_states;
	double *tmp;
	char what[BN_NAME_MAX + 32];

	if (cb->table)
		return fail_at(lx, -EINVAL, l, c,
		    "probability of %s has two tables", v->name);
	cb->table = true;
	next(lx);
	tmp = malloc(n * sizeof(*tmp));
	if (!tmp)
		return fail_at(lx, -ENOMEM, l, c, "out of memory");
	snprintf(what, sizeof(what), "the table of %s", v->name);
	if (read_values(lx, tmp, (uint32_t)n, what) < 0) {
		free(tmp);
		return lx->err;
	}
	/* The table runs over the child's states slowest; rows are stored
	 * per parent configuration. */
	for (uint32_t s = 0; s < v->n_states; s++)
		for (uint32_t cfg = 0; cfg < v->n_cfg; cfg++)
			cb->raw[(size_t)cfg * v->n_states + s] =
			    tmp[(size_t)s * v->n_cfg + cfg];
	for (uint32_t cfg = 0; cfg < v->n_cfg; cfg++) {
		if (!cb->row_line[cfg]) {
			cb->row_line[cfg] = l;
			cb->row_col[cfg] = c;
		}
	}
	free(tmp);
	return 0;
}

static int
parse_default(struct lexer *lx, struct cpt_build *cb)
{
	char what[BN_NAME_MAX + 32];

	if (cb->def)
		return fail_at(lx, -EINVAL, lx->cur.line, lx->cur.col,
		    "probability of %s has two default rows", cb->v->name);
	cb->def_line = lx->cur.line;
	cb->def_col = lx->cur.col;
	cb->def = malloc(cb->v->n_states * sizeof(*cb->def));
	if (!cb->def)
		return fail_at(
		    lx, -ENOMEM, lx->cur.line, lx->cur.col, "out of memory");
	next(lx);
	snprintf(what, sizeof(what), "the default row of %s", cb->v->name);
	return read_values(lx, cb->def, cb->v->n_states, what);
}

/* Describes parent configuration cfg of v: "A=a, B=b". */
static void
describe_cfg(const struct bn *b, const struct bn_var *v, uint32_t cfg,
    char *out, size_t n)
{
	uint32_t idx[BN_PARENTS_MAX];
	size_t off = 0;

	for (uint32_t k = v->n_parents; k-- > 0;) {
		uint32_t ns = b->vars[v->parents[k]].n_states;

		idx[k] = cfg % ns;
		cfg /= ns;
	}
	out[0] = '\0';
	for (uint32_t k = 0; k < v->n_parents && off < n; k++)
		off += (size_t)snprintf(out + off, n - off, "%s%s=%s",
		    k ? ", " : "", b->vars[v->parents[k]].name,
		    b->vars[v->parents[k]].states[idx[k]]);
}

/* Fills missing rows from the default, checks and normalises every row. */
static int
finish_cpt(struct lexer *lx, struct cpt_build *cb, uint32_t l, uint32_t c)
{
	struct bn *b = lx->bn;
	struct bn_var *v = cb->v;
	char cfgs[300];

	for (uint32_t cfg = 0; cfg < v->n_cfg; cfg++) {
		double *row = cb->raw + (size_t)cfg * v->n_states, sum = 0;
		uint32_t rl = cb->row_line[cfg], rc = cb->row_col[cfg];

		if (!rl) {
			if (!cb->def) {
				describe_cfg(b, v, cfg, cfgs, sizeof(cfgs));
				return fail_at(lx, -EINVAL, l, c,
				    "probability of %s has no row for (%s) "
				    "and no default",
				    v->name, cfgs);
			}
			memcpy(row, cb->def, v->n_states * sizeof(*row));
			rl = cb->def_line;
			rc = cb->def_col;
		}
		for (uint32_t s = 0; s < v->n_states; s++)
			sum += row[s];
		if (!(fabs(sum - 1) <= BN_ROW_TOLERANCE)) {
			describe_cfg(b, v, cfg, cfgs, sizeof(cfgs));
			return fail_at(lx, -EINVAL, rl, rc,
			    "row of %s%s%s%s sums to %.9g; expected 1 (within "
			    "%g)",
			    v->name, v->n_parents ? " (" : "", cfgs,
			    v->n_parents ? ")" : "", sum, BN_ROW_TOLERANCE);
		}
		if (fabs(sum - 1) > BN_ROW_QUIET) {
			int r = mem_grow(&b->warnings, &b->cap_warnings,
			    b->n_warnings + 1, sizeof(*b->warnings));

			if (r < 0)
				return fail_at(lx, r, rl, rc, "out of memory");
			b->warnings[b->n_warnings++] = (struct bn_warning){
				.line = rl,
				.col = rc,
				.var = cb->var,
				.row = cfg,
				.sum = sum,
			};
		}
		for (uint32_t s = 0; s < v->n_states; s++)
			row[s] /= sum;
	}
	v->cpt = cb->raw;
	cb->raw = NULL;
	return 0;
}

static int
parse_probability(struct lexer *lx)
{
	struct bn *b = lx->bn;
	uint32_t l = lx->cur.line, c = lx->cur.col, var, pl, pc;
	struct cpt_build cb = { 0 };
	uint64_t n_cfg = 1, n;
	struct bn_var *v;

	next(lx);
	expect_p(lx, '(');
	if (read_var(lx, "the variable's name", &var) < 0)
		return lx->err;
	v = &b->vars[var];
	if (lx->has_cpt[var])
		return fail_at(lx, -EINVAL, l, c,
		    "second probability block for %s", v->name);
	lx->has_cpt[var] = true;
	v->parents = calloc(BN_PARENTS_MAX, sizeof(*v->parents));
	if (!v->parents)
		return fail_at(lx, -ENOMEM, l, c, "out of memory");
	if (is_p(lx, '|')) {
		next(lx);
		do {
			uint32_t p;

			if (v->n_parents > 0)
				next(lx);
			pl = lx->cur.line;
			pc = lx->cur.col;
			if (read_var(lx, "a parent's name", &p) < 0)
				return lx->err;
			if (v->n_parents == BN_PARENTS_MAX)
				return fail_at(lx, -E2BIG, pl, pc,
				    "%s has more than %u parents", v->name,
				    BN_PARENTS_MAX);
			for (uint32_t k = 0; k < v->n_parents; k++)
				if (v->parents[k] == p)
					return fail_at(lx, -EINVAL, pl, pc,
					    "parent %s listed twice",
					    b->vars[p].name);
			if (p == var)
				return fail_at(lx, -EINVAL, pl, pc,
				    "%s cannot be its own parent", v->name);
			v->parents[v->n_parents++] = p;
			n_cfg *= b->vars[p].n_states;
			if (n_cfg > BN_TABLE_MAX)
				return fail_at(lx, -E2BIG, pl, pc,
				    "the table of %s would exceed %u entries",
				    v->name, BN_TABLE_MAX);
		} while (!lx->err && is_p(lx, ','));
	}
	if (expect_p(lx, ')') < 0)
		return lx->err;
	n = n_cfg * v->n_states;
	if (n > BN_TABLE_MAX)
		return fail_at(lx, -E2BIG, l, c,
		    "the table of %s would exceed %u entries", v->name,
		    BN_TABLE_MAX);
	lx->total += n;
	if (lx->total > BN_TOTAL_MAX)
		return fail_at(lx, -E2BIG, l, c,
		    "the tables would exceed %u entries in all", BN_TOTAL_MAX);
	v->n_cfg = (uint32_t)n_cfg;
	cb.v = v;
	cb.var = var;
	cb.raw = calloc(n, sizeof(*cb.raw));
	cb.row_line = calloc(n_cfg, sizeof(*cb.row_line));
	cb.row_col = calloc(n_cfg, sizeof(*cb.row_col));
	if (!cb.raw || !cb.row_line || !cb.row_col) {
		fail_at(lx, -ENOMEM, l, c, "out of memory");
		goto done;
	}
	if (expect_p(lx, '{') < 0)
		goto done;
	while (!lx->err && !is_p(lx, '}')) {
		if (is_p(lx, '('))
			parse_row(lx, &cb);
		else if (is_word(lx, "table"))
			parse_table(lx, &cb);
		else if (is_word(lx, "default"))
			parse_default(lx, &cb);
		else if (is_word(lx, "property"))
			skip_property(lx);
		else
			FAIL_EXPECTED(
			    lx, "'(', 'table', 'default', 'property' or '}'");
	}
	if (!lx->err) {
		finish_cpt(lx, &cb, l, c);
		expect_p(lx, '}');
	}
done:
	free(cb.raw);
	free(cb.row_line);
	free(cb.row_col);
	free(cb.def);
	return lx->err;
}

static void
lexer_start(struct lexer *lx)
{
	lx->pos = 0;
	lx->line = 1;
	lx->col = 1;
	next(lx);
}

/* Pass 1: the network and variable blocks; probability blocks skipped. */
static int
pass_declarations(struct lexer *lx)
{
	lexer_start(lx);
	while (!lx->err && lx->cur.kind != TOK_EOF) {
		uint32_t l = lx->cur.line, c = lx->cur.col;

		if (is_word(lx, "network")) {
			parse_network(lx);
		} else if (is_word(lx, "variable")) {
			parse_variable(lx);
		} else if (is_word(lx, "probability")) {
			next(lx);
			skip_block(lx, "probability", l, c);
		} else {
			FAIL_EXPECTED(
			    lx, "'network', 'variable' or 'probability'");
		}
	}
	return lx->err;
}

/* Pass 2: the probability blocks (the rest was checked by pass 1). */
static int
pass_probabilities(struct lexer *lx)
{
	lexer_start(lx);
	while (!lx->err && lx->cur.kind != TOK_EOF) {
		uint32_t l = lx->cur.line, c = lx->cur.col;

		if (is_word(lx, "probability")) {
			parse_probability(lx);
		} else {
			next(lx);
			skip_block(lx, "declaration", l, c);
		}
	}
	return lx->err;
}

/* Every variable has a CPT and the parent graph has no cycle (Kahn). */
static int
check_graph(struct lexer *lx)
{
	struct bn *b = lx->bn;
	uint32_t *indeg, *queue, *nchild, *off, *child, head = 0, tail = 0;
	uint64_t edges = 0;
	int r = 0;

	for (uint32_t i = 0; i < b->n_vars; i++) {
		if (!lx->has_cpt[i])
			return fail_at(lx, -EINVAL, lx->cur.line, lx->cur.col,
			    "expected a probability block for %s before the "
			    "end of the file",
			    b->vars[i].name);
		edges += b->vars[i].n_parents;
	}
	indeg = calloc(b->n_vars, sizeof(*indeg));
	queue = calloc(b->n_vars, sizeof(*queue));
	nchild = calloc(b->n_vars + 1, sizeof(*nchild));
	off = calloc(b->n_vars + 1, sizeof(*off));
	child = calloc(edges ? edges : 1, sizeof(*child));
	if (!indeg || !queue || !nchild || !off || !child) {
		r = fail_at(lx, -ENOMEM, 1, 1, "out of memory");
		goto done;
	}
	for (uint32_t i = 0; i < b->n_vars; i++) {
		indeg[i] = b->vars[i].n_parents;
		for (uint32_t k = 0; k < b->vars[i].n_parents; k++)
			nchild[b->vars[i].parents[k]]++;
	}
	for (uint32_t i = 0; i < b->n_vars; i++)
		off[i + 1] = off[i] + nchild[i];
	memset(nchild, 0, (b->n_vars + 1) * sizeof(*nchild));
	for (uint32_t i = 0; i < b->n_vars; i++)
		for (uint32_t k = 0; k < b->vars[i].n_parents; k++) {
			uint32_t p = b->vars[i].parents[k];

			child[off[p] + nchild[p]++] = i;
		}
	for (uint32_t i = 0; i < b->n_vars; i++)
		if (indeg[i] == 0)
			queue[tail++] = i;
	while (head < tail) {
		uint32_t u = queue[head++];

		for (uint32_t k = off[u]; k < off[u + 1]; k++)
			if (--indeg[child[k]] == 0)
				queue[tail++] = child[k];
	}
	if (tail < b->n_vars) {
		for (uint32_t i = 0; i < b->n_vars; i++) {
			if (indeg[i]) {
				r = fail_at(lx, -EINVAL, lx->cur.line,
				    lx->cur.col,
				    "the network has a cycle through %s",
				    b->vars[i].name);
				break;
			}
		}
	}
done:
	free(indeg);
	free(queue);
	free(nchild);
	free(off);
	free(child);
	return r;
}

static int
cmp_warning(const void *a, const void *b)
{
	const struct bn_warning *x = a, *y = b;

	if (x->line != y->line)
		return x->line < y->line ? -1 : 1;
	return x->col < y->col ? -1 : x->col > y->col;
}

int
bif_parse(const char *buf, size_t len, struct bn **ret, struct diag *d)
{
	struct lexer lx = { .buf = buf, .len = len, .d = d };
	int r;

	diag_clear(d);
	r = bn_new(&lx.bn);
	if (r < 0) {
		diag_set(d, "out of memory");
		return r;
	}
	pass_declarations(&lx);
	if (!lx.err && lx.bn->n_vars == 0)
		fail_at(&lx, -EINVAL, lx.cur.line, lx.cur.col,
		    "expected at least one 'variable' block, got end of file");
	if (!lx.err) {
		lx.has_cpt = calloc(lx.bn->n_vars, sizeof(*lx.has_cpt));
		if (!lx.has_cpt)
			fail_at(&lx, -ENOMEM, 1, 1, "out of memory");
	}
	if (!lx.err)
		pass_probabilities(&lx);
	if (!lx.err)
		check_graph(&lx);
	free(lx.has_cpt);
	if (lx.err) {
		bn_free(lx.bn);
		return lx.err;
	}
	if (lx.bn->n_warnings > 1)
		qsort(lx.bn->warnings, lx.bn->n_warnings,
		    sizeof(*lx.bn->warnings), cmp_warning);
	*ret = lx.bn;
	return 0;
}
