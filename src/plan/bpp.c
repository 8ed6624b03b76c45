/* bpp.c - merging an instance's types, and building/checking packings. */
#include "plan/bpp.h"

#include <stdlib.h>
#include <string.h>

struct sort_ctx {
	const struct instance *in;
	const double *w;
};

static int
cmp_type(const void *a, const void *b, void *arg)
{
	const struct sort_ctx *c = arg;
	uint32_t i = *(const uint32_t *)a, j = *(const uint32_t *)b;
	const int64_t *si = instance_size(c->in, i);
	const int64_t *sj = instance_size(c->in, j);

	if (c->w[i] != c->w[j])
		return c->w[i] > c->w[j] ? -1 : 1;
	for (uint32_t k = 0; k < c->in->dims; k++)
		if (si[k] != sj[k])
			return si[k] > sj[k] ? -1 : 1;
	return i < j ? -1 : i > j;
}

static double
norm_size(const int64_t *s, const int64_t *cap, uint32_t d)
{
	double w = 0;

	for (uint32_t k = 0; k < d; k++)
		w += (double)s[k] / (double)cap[k];
	return w;
}

int
bpp_from_instance(const struct instance *in, struct bpp **ret)
{
	struct bpp *p = calloc(1, sizeof(*p));
	size_t nt = in->n_types ? in->n_types : 1;
	uint32_t *ord = malloc(nt * sizeof(*ord));
	double *w = malloc(nt * sizeof(*w));
	struct sort_ctx ctx = { in, w };
	uint32_t d = in->dims;

	if (!p || !ord || !w)
		goto nomem;
	p->d = d;
	memcpy(p->cap, in->cap, sizeof(p->cap));
	p->s = malloc(nt * d * sizeof(*p->s));
	p->b = malloc(nt * sizeof(*p->b));
	p->w = malloc(nt * sizeof(*p->w));
	p->orig = malloc(nt * sizeof(*p->orig));
	if (!p->s || !p->b || !p->w || !p->orig)
		goto nomem;
	for (uint32_t t = 0; t < in->n_types; t++) {
		ord[t] = t;
		w[t] = norm_size(instance_size(in, t), in->cap, d);
	}
	qsort_r(ord, in->n_types, sizeof(*ord), cmp_type, &ctx);
	for (uint32_t k = 0; k < in->n_types; k++) {
		uint32_t t = ord[k];
		const int64_t *st = instance_size(in, t);

		if (p->m > 0 &&
		    memcmp(&p->s[(size_t)(p->m - 1) * d], st,
			d * sizeof(*st)) == 0) {
			p->b[p->m - 1] += in->counts[t];
		} else {
			memcpy(&p->s[(size_t)p->m * d], st, d * sizeof(*st));
			p->b[p->m] = in->counts[t];
			p->w[p->m] = w[t];
			p->m++;
		}
		p->orig[t] = p->m - 1;
	}
	p->n = in->n_items;
	p->n_orig = in->n_types;
	free(ord);
	free(w);
	*ret = p;
	return 0;
nomem:
	free(ord);
	free(w);
	bpp_free(p);
	return -ENOMEM;
}

struct bpp *
bpp_free(struct bpp *p)
{
	if (!p)
		return NULL;
	free(p->s);
	free(p->b);
	free(p->w);
	free(p->orig);
	free(p);
	return NULL;
}

void
bpp_sol_init(struct bpp_sol *s)
{
	memset(s, 0, sizeof(*s));
}

void
bpp_sol_done(struct bpp_sol *s)
{
	free(s->off);
	free(s->type);
	bpp_sol_init(s);
}

/* Replaces s by (n_bins, off, type), taking the arrays. */
static void
sol_take(struct bpp_sol *s, uint32_t n_bins, uint32_t *off, uint32_t *type)
{
	bpp_sol_done(s);
	s->n_bins = n_bins;
	s->off = off;
	s->type = type;
}

int
bpp_sol_copy(struct bpp_sol *dst, const struct bpp_sol *src)
{
	uint32_t n = src->off ? src->off[src->n_bins] : 0;
	uint32_t *off = malloc((src->n_bins + 1) * sizeof(*off));
	uint32_t *type = malloc((n ? n : 1) * sizeof(*type));

	if (!off || !type) {
		free(off);
		free(type);
		return -ENOMEM;
	}
	if (src->off)
		memcpy(off, src->off, (src->n_bins + 1) * sizeof(*off));
	else
		off[0] = 0;
	if (n)
		memcpy(type, src->type, n * sizeof(*type));
	sol_take(dst, src->n_bins, off, type);
	return 0;
}

int
bpp_sol_from_bins(const struct bpp *p, const uint32_t *cnt,
    const uint32_t *bin_of, uint32_t n_bins, struct bpp_sol *s)
{
	uint32_t n = 0, used = 0, i = 0;
	uint32_t *renum, *off, *type;

	if (!cnt)
		cnt = p->b;
	for (uint32_t t = 0; t < p->m; t++)
		n += cnt[t];
	renum = malloc((n_bins ? n_bins : 1) * sizeof(*renum));
	off = calloc((size_t)n_bins + 2, sizeof(*off));
	type = malloc((n ? n : 1) * sizeof(*type));
	if (!renum || !off || !type) {
		free(renum);
		free(off);
		free(type);
		return -ENOMEM;
	}
	for (uint32_t b = 0; b < n_bins; b++)
		renum[b] = UINT32_MAX;
	for (i = 0; i < n; i++) {
		uint32_t b = bin_of[i];

		if (renum[b] == UINT32_MAX)
			renum[b] = used++;
		off[renum[b] + 1]++;
	}
	for (uint32_t b = 0; b < used; b++)
		off[b + 1] += off[b];
	i = 0;
	for (uint32_t t = 0; t < p->m; t++) {
		for (uint32_t c = 0; c < cnt[t]; c++, i++) {
			uint32_t b = renum[bin_of[i]];

			/* off[b] runs to the end of bin b while filling;
			 * shifted back below. */
			type[off[b]++] = t;
		}
	}
	for (uint32_t b = used; b > 0; b--)
		off[b] = off[b - 1];
	off[0] = 0;
	free(renum);
	sol_take(s, used, off, type);
	return 0;
}

int
bpp_sol_append(struct bpp_sol *dst, const struct bpp_sol *src)
{
	uint32_t na = dst->off ? dst->off[dst->n_bins] : 0;
	uint32_t nb = src->off ? src->off[src->n_bins] : 0;
	uint32_t *off, *type;

	if (src->n_bins == 0)
		return 0;
	off = malloc((dst->n_bins + src->n_bins + 1) * sizeof(*off));
	type = malloc((na + nb ? na + nb : 1) * sizeof(*type));
	if (!off || !type) {
		free(off);
		free(type);
		return -ENOMEM;
	}
	off[0] = 0;
	for (uint32_t i = 0; i < dst->n_bins; i++)
		off[i + 1] = dst->off[i + 1];
	for (uint32_t i = 0; i < src->n_bins; i++)
		off[dst->n_bins + i + 1] = na + src->off[i + 1];
	if (na)
		memcpy(type, dst->type, na * sizeof(*type));
	if (nb)
		memcpy(type + na, src->type, nb * sizeof(*type));
	sol_take(dst, dst->n_bins + src->n_bins, off, type);
	return 0;
}

int
bpp_sol_from_patterns(const struct bpp *p, uint32_t n_pat, const uint32_t *poff,
    const uint32_t *typ, const uint32_t *cnt, const uint32_t *mult,
    struct bpp_sol *s)
{
	uint32_t *left = malloc((p->m ? p->m : 1) * sizeof(*left));
	uint32_t *off = NULL, *type = NULL, bins = 0, n = 0;
	uint64_t total_bins = 0;

	if (!left)
		return -ENOMEM;
	memcpy(left, p->b, p->m * sizeof(*left));
	for (uint32_t j = 0; j < n_pat; j++)
		total_bins += mult[j];
	if (total_bins > p->n) /* at most one bin per item is ever useful */
		total_bins = p->n;
	off = malloc((size_t)(total_bins + 1) * sizeof(*off));
	type = malloc((p->n ? p->n : 1) * sizeof(*type));
	if (!off || !type)
		goto nomem;
	off[0] = 0;
	for (uint32_t j = 0; j < n_pat && n < p->n; j++) {
		/* A copy that adds nothing means every later copy of this
		 * pattern adds nothing either: multiplicities from a solver
		 * can be huge, so stop there. */
		for (uint32_t r = 0; r < mult[j] && n < p->n; r++) {
			uint32_t start = n;

			for (uint32_t e = poff[j]; e < poff[j + 1]; e++) {
				uint32_t t = typ[e];
				uint32_t c =
				    cnt[e] < left[t] ? cnt[e] : left[t];

				left[t] -= c;
				while (c--)
					type[n++] = t;
			}
			if (n == start)
				break;
			bins++;
			off[bins] = n;
		}
	}
	for (uint32_t t = 0; t < p->m; t++)
		if (left[t]) {
			free(left);
			free(off);
			free(type);
			return -EINVAL;
		}
	free(left);
	sol_take(s, bins, off, type);
	return 0;
nomem:
	free(left);
	free(off);
	free(type);
	return -ENOMEM;
}

bool
bpp_sol_valid(const struct bpp *p, const struct bpp_sol *s)
{
	uint32_t *seen = calloc(p->m ? p->m : 1, sizeof(*seen));
	bool ok = seen != NULL;

	if (!s->off || s->off[0] != 0)
		ok = false;
	for (uint32_t i = 0; ok && i < s->n_bins; i++) {
		int64_t load[INSTANCE_DIMS_MAX] = { 0 };

		if (s->off[i + 1] < s->off[i] || s->off[i + 1] > p->n)
			ok = false;
		for (uint32_t e = s->off[i]; ok && e < s->off[i + 1]; e++) {
			uint32_t t = s->type[e];

			if (t >= p->m) {
				ok = false;
				break;
			}
			seen[t]++;
			for (uint32_t k = 0; k < p->d; k++) {
				load[k] += bpp_size(p, t)[k];
				if (load[k] > p->cap[k])
					ok = false;
			}
		}
	}
	for (uint32_t t = 0; ok && t < p->m; t++)
		if (seen[t] != p->b[t])
			ok = false;
	free(seen);
	return ok;
}
