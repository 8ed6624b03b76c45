/* pack.h - packing an instance with a registered allocation strategy:
 * one host per potential bin, one VM per item (shared by `vmgr pack` and
 * the packing-quality benchmark). */
#ifndef CLI_PACK_H
#define CLI_PACK_H

#include "core/diag.h"
#include "model/instance.h"

#include <stdint.h>

enum pack_order {
	PACK_ARRIVAL, /* the file's order */
	PACK_DECREASING, /* largest first: sum over dimensions of
			  * size / capacity, ties in file order */
};

/* "arrival", "decreasing"; parse: 0 or -ENOENT. */
const char *pack_order_name(enum pack_order o);
int pack_order_parse(const char *s, enum pack_order *ret);

/* The resource dimensions an instance's dimensions map to, in order. */
#define PACK_DIMS_MAX 4u

/*
 * Packs in with the allocation strategy `strategy` (params "k=v,.." or
 * NULL, seed): a cluster of in->n_items identical up hosts whose capacity
 * is the bin's (dimension 1 -> cpu_milli, 2 -> memory_mib, 3 -> disk_gib,
 * 4 -> net_mbps), the items as VMs in `order`, each placed by the strategy
 * and committed before the next. *ret_bins = hosts that hold a VM.
 * -EINVAL with a message in d when the instance has more than
 * PACK_DIMS_MAX dimensions or the strategy preempts or refuses an item;
 * -ENOENT for an unknown strategy, -ENOMEM.
 */
int pack_with_strategy(const struct instance *in, const char *strategy,
    const char *params, uint64_t seed, enum pack_order order,
    uint32_t *ret_bins, struct diag *d);

/* ceil(total / capacity), the largest over dimensions: the simple lower
 * bound `vmgr pack` prints. */
uint64_t pack_lower_bound(const struct instance *in);

#endif
