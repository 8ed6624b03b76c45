/* trace.c - trace_open's format table, and what every reader shares: limits, skipping, ordering. */
#include "sim/trace.h"

#include "sim/trace_fmt.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* In the order trace_formats() lists them. */
static const struct trace_fmt *const formats[] = {
	&trace_fmt_planetlab,
	&trace_fmt_bitbrains,
	&trace_fmt_azure,
	&trace_fmt_alibaba,
	&trace_fmt_swf,
	&trace_fmt_csv,
};

const char *
trace_formats(void)
{
	return "planetlab, bitbrains, azure, alibaba, swf, csv";
}

int
trace_fmt_bad(struct trace *t, int err, struct diag *d)
{
	if (!t->opts.skip_bad || (err != -EINVAL && err != -E2BIG))
		return err;
	if (t->n_skipped++ == 0)
		t->first_bad = *d;
	diag_clear(d);
	return 0;
}

void
trace_fmt_drop(struct trace *t)
{
	t->n_dropped++;
}

void
trace_fmt_name(struct trace_rec *rec, const char *name)
{
	snprintf(rec->name, sizeof(rec->name), "%s", name);
}

int
trace_open(const char *spec, const struct trace_opts *o, struct trace **ret,
    struct diag *d)
{
	const struct trace_fmt *fmt = NULL;
	const char *colon = spec ? strchr(spec, ':') : NULL;
	struct diag local = { 0 };
	struct trace *t;
	size_t flen;
	int r;

	if (!d)
		d = &local;
	if (!colon || colon == spec || !colon[1]) {
		diag_set(d,
		    "trace \"%s\": expected FORMAT:PATH with FORMAT one of %s",
		    spec ? spec : "", trace_formats());
		return -EINVAL;
	}
	flen = (size_t)(colon - spec);
	for (size_t i = 0; i < ELEMENTSOF(formats); i++)
		if (strlen(formats[i]->name) == flen &&
		    memcmp(formats[i]->name, spec, flen) == 0)
			fmt = formats[i];
	if (!fmt) {
		diag_set(d, "trace \"%s\": unknown format \"%.*s\" (known: %s)",
		    spec, (int)(flen > 32 ? 32 : flen), spec, trace_formats());
		return -ENOENT;
	}
	t = calloc(1, sizeof(*t));
	if (!t) {
		diag_set(d, "%s: out of memory", colon + 1);
		return -ENOMEM;
	}
	t->fmt = fmt;
	if (o)
		t->opts = *o;
	r = fmt->open(t, colon + 1, d);
	if (r < 0) {
		trace_close(t);
		return r;
	}
	*ret = t;
	return 0;
}

int
trace_next(struct trace *t, const struct trace_rec **ret, struct diag *d)
{
	int r;

	if (t->err) {
		if (d)
			*d = t->err_diag;
		return t->err;
	}
	if (t->opts.max_recs && t->n_recs >= t->opts.max_recs)
		return 0;
	diag_clear(&t->err_diag);
	r = t->fmt->next(t, &t->err_diag);
	if (r > 0 && t->rec.arrive_ns < t->last_arrive_ns) {
		/* Every reader sorts or checks; this is the backstop. */
		diag_set(&t->err_diag,
		    "%s: record \"%s\" arrives before the one before it",
		    t->fmt->name, t->rec.name);
		r = -EPROTO;
	}
	if (r > 0 && t->rec.depart_ns < t->rec.arrive_ns) {
		diag_set(&t->err_diag,
		    "%s: record \"%s\" departs before it arrives", t->fmt->name,
		    t->rec.name);
		r = -EPROTO;
	}
	if (r < 0) {
		t->err = r;
		if (d)
			*d = t->err_diag;
		return r;
	}
	if (r == 0)
		return 0;
	t->last_arrive_ns = t->rec.arrive_ns;
	t->n_recs++;
	*ret = &t->rec;
	return 1;
}

uint64_t
trace_skipped(const struct trace *t, const char **first_error)
{
	if (first_error)
		*first_error = t->first_bad.msg;
	return t->n_skipped;
}

uint64_t
trace_dropped(const struct trace *t)
{
	return t->n_dropped;
}

struct trace *
trace_close(struct trace *t)
{
	if (!t)
		return NULL;
	if (t->fmt)
		t->fmt->close(t);
	free(t);
	return NULL;
}
