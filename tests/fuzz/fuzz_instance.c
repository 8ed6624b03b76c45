/* fuzz_instance.c - libFuzzer target: the BPPLIB/.vbp reader on arbitrary
 * bytes, in every format, and the bounds and heuristics on what parses. */
#include "model/instance.h"
#include "plan/bounds.h"
#include "plan/bpp.h"
#include "plan/heur.h"

#include <assert.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static const enum instance_format fmts[] = { INSTANCE_AUTO,
		INSTANCE_BPPLIB, INSTANCE_VBP };

	for (size_t f = 0; f < sizeof(fmts) / sizeof(fmts[0]); f++) {
		struct instance *in = NULL;
		struct diag d = { 0 };
		int r =
		    instance_parse((const char *)data, size, fmts[f], &in, &d);

		/* An instance or an error with a message, never both. */
		assert((r == 0) == (in != NULL));
		assert(r == 0 || r == -ENOMEM ||
		    ((r == -EINVAL || r == -E2BIG) && d.msg[0]));
		if (!in)
			continue;
		assert(in->dims >= 1 && in->dims <= INSTANCE_DIMS_MAX);
		assert(in->n_items <= INSTANCE_ITEMS_MAX);
		for (uint32_t t = 0; t < in->n_types; t++)
			for (uint32_t k = 0; k < in->dims; k++)
				assert(instance_size(in, t)[k] >= 0 &&
				    instance_size(in, t)[k] <= in->cap[k]);
		/* What parses can be bounded and packed, validly. */
		if (in->n_items <= 2000) {
			struct bpp *p = NULL;
			struct bounds b;
			struct bpp_sol s;

			bpp_sol_init(&s);
			if (bpp_from_instance(in, &p) == 0 &&
			    bounds_compute(p, &b) == 0 &&
			    heur_run(p, NULL, HEUR_FFD, NULL, &s) == 0) {
				assert(bpp_sol_valid(p, &s));
				assert(b.best <= s.n_bins);
			}
			bpp_sol_done(&s);
			bpp_free(p);
		}
		instance_free(in);
	}
	return 0;
}
