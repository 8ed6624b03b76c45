/* ve.c - variable elimination over explicit factors (baseline, cross-check). */
#include "fault/ve.h"

#include <math.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

/* A factor over vars (ascending indexes), last variable fastest. */
struct factor {
	uint32_t *vars;
	uint32_t n;
	uint64_t size;
	double *v;
	bool dead; /* multiplied into another factor */
};

static void
factor_done(struct factor *f)
{
	free(f->vars);
	free(f->v);
	memset(f, 0, sizeof(*f));
}

static int
cmp_u32(const void *a, const void *b)
{
	uint32_t x = *(const uint32_t *)a, y = *(const uint32_t *)b;

	return x < y ? -1 : x > y;
}

/* Strides of f's variables in a table over `vars` (0 where absent). */
static void
strides_in(const struct bn *b, const struct factor *f, const uint32_t *vars,
    uint32_t n, uint64_t *out)
{
	for (uint32_t k = 0; k < n; k++) {
		uint64_t s = 1;

		out[k] = 0;
		for (uint32_t j = f->n; j-- > 0;) {
			if (f->vars[j] == vars[k]) {
				out[k] = s;
				break;
			}
			s *= b->vars[f->vars[j]].n_states;
		}
	}
}

/* The CPT of v as a factor, with observed variables fixed. */
static int
cpt_factor(const struct bn *b, const int32_t *ev, uint32_t v, struct factor *f)
{
	const struct bn_var *x = &b->vars[v];
	uint32_t fam[BN_PARENTS_MAX + 1], *ctr;
	uint64_t cstride[BN_PARENTS_MAX + 1], base = 0, ts[BN_PARENTS_MAX + 1];
	uint64_t idx = 0;

	/* CPT strides: child 1, last parent n_states, ... */
	cstride[x->n_parents] = 1;
	fam[x->n_parents] = v;
	for (uint32_t k = x->n_parents, s = x->n_states; k-- > 0;) {
		fam[k] = x->parents[k];
		cstride[k] = s;
		s *= b->vars[x->parents[k]].n_states;
	}
	memset(f, 0, sizeof(*f));
	f->vars = malloc((x->n_parents + 1) * sizeof(*f->vars));
	if (!f->vars)
		return -ENOMEM;
	for (uint32_t k = 0; k <= x->n_parents; k++) {
		if (ev[fam[k]] >= 0)
			base += cstride[k] * (uint64_t)ev[fam[k]];
		else
			f->vars[f->n++] = fam[k];
	}
	qsort(f->vars, f->n, sizeof(*f->vars), cmp_u32);
	f->size = 1;
	for (uint32_t k = 0; k < f->n; k++) {
		f->size *= b->vars[f->vars[k]].n_states;
		for (uint32_t j = 0; j <= x->n_parents; j++)
			if (fam[j] == f->vars[k])
				ts[k] = cstride[j];
	}
	f->v = malloc(f->size * sizeof(*f->v));
	ctr = calloc(f->n + 1, sizeof(*ctr));
	if (!f->v || !ctr) {
		free(ctr);
		return -ENOMEM;
	}
	for (uint64_t i = 0; i < f->size; i++) {
		f->v[i] = x->cpt[base + idx];
		for (uint32_t j = f->n; j-- > 0;) {
			uint32_t card = b->vars[f->vars[j]].n_states;

			idx += ts[j];
			if (++ctr[j] < card)
				break;
			idx -= ts[j] * card;
			ctr[j] = 0;
		}
	}
	free(ctr);
	return 0;
}

/* Multiplies the live factors that hold x and sums x out: the result
 * replaces them (in slot *fs[first]). */
static int
eliminate_var(const struct bn *b, struct factor *fs, uint32_t nf, uint32_t x)
{
	uint32_t *u = NULL, nu = 0, *ctr = NULL, *in = NULL, nin = 0, xpos = 0;
	uint64_t usize = 1, *ist = NULL, *rst = NULL;
	uint64_t *fidx = NULL, ridx = 0;
	struct factor res = { 0 };
	int r = -ENOMEM;

	in = malloc(nf * sizeof(*in));
	if (!in)
		return -ENOMEM;
	for (uint32_t i = 0; i < nf; i++) {
		if (fs[i].dead)
			continue;
		for (uint32_t k = 0; k < fs[i].n; k++)
			if (fs[i].vars[k] == x) {
				in[nin++] = i;
				break;
			}
	}
	if (nin == 0) {
		free(in);
		return 0;
	}
	/* The union of their variables. */
	for (uint32_t i = 0; i < nin; i++)
		nu += fs[in[i]].n;
	u = malloc(nu * sizeof(*u));
	if (!u)
		goto done;
	nu = 0;
	for (uint32_t i = 0; i < nin; i++)
		for (uint32_t k = 0; k < fs[in[i]].n; k++) {
			bool seen = false;

			for (uint32_t j = 0; j < nu && !seen; j++)
				seen = u[j] == fs[in[i]].vars[k];
			if (!seen)
				u[nu++] = fs[in[i]].vars[k];
		}
	qsort(u, nu, sizeof(*u), cmp_u32);
	for (uint32_t k = 0; k < nu; k++) {
		usize *= b->vars[u[k]].n_states;
		if (usize > VE_FACTOR_MAX) {
			r = -E2BIG;
			goto done;
		}
		if (u[k] == x)
			xpos = k;
	}
	res.n = nu - 1;
	res.size = usize / b->vars[x].n_states;
	res.vars = malloc((nu ? nu : 1) * sizeof(*res.vars));
	res.v = calloc(res.size, sizeof(*res.v));
	ist = malloc((size_t)nin * nu * sizeof(*ist));
	rst = malloc(nu * sizeof(*rst));
	fidx = calloc(nin, sizeof(*fidx));
	ctr = calloc(nu + 1, sizeof(*ctr));
	if (!res.vars || !res.v || !ist || !rst || !fidx || !ctr)
		goto done;
	for (uint32_t k = 0, j = 0; k < nu; k++)
		if (k != xpos)
			res.vars[j++] = u[k];
	for (uint32_t i = 0; i < nin; i++)
		strides_in(b, &fs[in[i]], u, nu, ist + (size_t)i * nu);
	strides_in(b, &res, u, nu, rst);
	for (uint64_t a = 0; a < usize; a++) {
		double p = 1;

		for (uint32_t i = 0; i < nin; i++)
			p *= fs[in[i]].v[fidx[i]];
		res.v[ridx] += p;
		for (uint32_t j = nu; j-- > 0;) {
			uint32_t card = b->vars[u[j]].n_states;

			for (uint32_t i = 0; i < nin; i++)
				fidx[i] += ist[(size_t)i * nu + j];
			ridx += rst[j];
			if (++ctr[j] < card)
				break;
			for (uint32_t i = 0; i < nin; i++)
				fidx[i] -= ist[(size_t)i * nu + j] * card;
			ridx -= rst[j] * card;
			ctr[j] = 0;
		}
	}
	for (uint32_t i = 0; i < nin; i++) {
		factor_done(&fs[in[i]]);
		fs[in[i]].dead = true;
	}
	fs[in[0]] = res;
	memset(&res, 0, sizeof(res));
	r = 0;
done:
	factor_done(&res);
	free(in);
	free(u);
	free(ist);
	free(rst);
	free(fidx);
	free(ctr);
	return r;
}

int
ve_marginal(const struct bn *b, const int32_t *ev, const uint32_t *order,
    uint32_t q, double *out, double *ret_log_p)
{
	uint32_t nq = b->vars[q].n_states;
	struct factor *fs;
	double sum = 0;
	int r = 0;

	for (uint32_t v = 0; v < b->n_vars; v++)
		if (ev[v] >= 0 && (uint32_t)ev[v] >= b->vars[v].n_states)
			return -EINVAL;
	fs = calloc(b->n_vars, sizeof(*fs));
	if (!fs)
		return -ENOMEM;
	for (uint32_t v = 0; v < b->n_vars && r == 0; v++)
		r = cpt_factor(b, ev, v, &fs[v]);
	for (uint32_t i = 0; i < b->n_vars && r == 0; i++)
		if (order[i] != q && ev[order[i]] < 0)
			r = eliminate_var(b, fs, b->n_vars, order[i]);
	if (r < 0)
		goto done;
	/* What is left is over q alone (or nothing when q is observed). */
	for (uint32_t s = 0; s < nq; s++)
		out[s] = ev[q] < 0 || (uint32_t)ev[q] == s ? 1 : 0;
	for (uint32_t i = 0; i < b->n_vars; i++) {
		if (fs[i].dead)
			continue;
		for (uint32_t s = 0; s < nq; s++)
			out[s] *= fs[i].n ? fs[i].v[s] : fs[i].v[0];
	}
	for (uint32_t s = 0; s < nq; s++)
		sum += out[s];
	if (!(sum > 0)) {
		r = -EDOM;
		goto done;
	}
	for (uint32_t s = 0; s < nq; s++)
		out[s] /= sum;
	if (ret_log_p)
		*ret_log_p = log(sum);
done:
	for (uint32_t i = 0; i < b->n_vars; i++)
		factor_done(&fs[i]);
	free(fs);
	return r;
}
