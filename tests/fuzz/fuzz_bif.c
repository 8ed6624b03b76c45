/* fuzz_bif.c - libFuzzer target: the BIF reader, then inference, on arbitrary bytes. */
#include "fault/bif.h"
#include "fault/jtree.h"

#include <assert.h>
#include <math.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct jtree *t = NULL;
	struct bn *b = NULL;
	struct diag d = { 0 };
	int32_t *ev;
	int r;

	r = bif_parse((const char *)data, size, &b, &d);
	/* Either a network or an error with a "L:C: " message. */
	assert((r == 0) == (b != NULL));
	assert(r == 0 || r == -ENOMEM || r == -E2BIG ||
	    (r == -EINVAL && d.msg[0] >= '1' && d.msg[0] <= '9'));
	if (!b)
		return 0;
	/* What parsed is a proper network: every row sums to 1. */
	for (uint32_t v = 0; v < b->n_vars; v++) {
		const struct bn_var *x = &b->vars[v];

		for (uint32_t c = 0; c < x->n_cfg; c++) {
			double sum = 0;

			for (uint32_t s = 0; s < x->n_states; s++)
				sum += x->cpt[(size_t)c * x->n_states + s];
			assert(fabs(sum - 1) < 1e-9);
		}
	}
	/* Compile and query it with and without evidence on the first
	 * variable: posteriors sum to 1, or the evidence is impossible. */
	if (jtree_new(b, &t, &d) == 0) {
		ev = malloc(b->n_vars * sizeof(*ev));
		for (int q = 0; ev && q < 2; q++) {
			for (uint32_t v = 0; v < b->n_vars; v++)
				ev[v] = -1;
			if (q == 1)
				ev[0] = (int32_t)(b->vars[0].n_states - 1);
			r = jtree_query(t, ev, NULL);
			assert(r == 0 || r == -EDOM);
			for (uint32_t v = 0; r == 0 && v < b->n_vars; v++) {
				const double *m = jtree_marginal(t, v);
				double sum = 0;

				for (uint32_t s = 0; s < b->vars[v].n_states;
				     s++)
					sum += m[s];
				assert(fabs(sum - 1) < 1e-9);
			}
		}
		free(ev);
		jtree_free(t);
	}
	bn_free(b);
	return 0;
}
