/* explain.h - refusal reasons in words: per host and aggregated. */
#ifndef MODEL_EXPLAIN_H
#define MODEL_EXPLAIN_H

#include "model/cluster.h"
#include "model/why.h"

#include <jansson.h>
#include <stddef.h>

/* One reason for people: "pm0: cpu needs 1000m, 0m free". */
void explain_reason(const struct cluster *c, vm_id v,
    const struct why_reason *r, char *out, size_t n);

/* The reason without the host, e.g. "in maintenance",
 * "anti-affinity group \"web\" already here". */
void explain_cause(const struct cluster *c, vm_id v, const struct why_reason *r,
    char *out, size_t n);

/* Aggregate over hosts, most common first: "refused: 3 hosts cpu, 2 hosts
 * anti-affinity group \"web\", 1 host in maintenance". */
void explain_summary(
    const struct cluster *c, vm_id v, const struct why *w, char *out, size_t n);

/* The aggregate's label for a reason ("cpu", "in maintenance", ...). */
void explain_key(const struct cluster *c, vm_id v, const struct why_reason *r,
    char *out, size_t n);

/* One reason as a JSON object: {"host":"pm0","reason":"capacity",
 * "dimension":"cpu","need":1000,"free":0,"text":"cpu needs 1000m, 0m free"};
 * other kinds carry "state", "label" or "group". New reference, or NULL when
 * memory runs out. */
json_t *
explain_json(const struct cluster *c, vm_id v, const struct why_reason *r);

/* Every reason in w as a JSON array (NULL on out of memory). */
json_t *explain_json_all(const struct cluster *c, vm_id v, const struct why *w);

#endif
