/* explain.c - turn why_reasons into sentences and summaries. */
#include "model/explain.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static const char *
group_home(const struct cluster *c, group_id g)
{
	uint32_t it = 0, h, n;

	if (g < c->n_groups && u32map_next(&c->groups[g].hosts, &it, &h, &n))
		return c->hosts[h].name;
	return "?";
}

void
explain_cause(const struct cluster *c, vm_id v, const struct why_reason *r,
    char *out, size_t n)
{
	const struct vm *vm = cluster_vm(c, v);
	char need[48], free[48];

	switch (r->kind) {
	case WHY_STATE:
		snprintf(out, n, "%s",
		    r->detail == HOST_MAINTENANCE ? "in maintenance"
			: r->detail == HOST_DOWN  ? "down"
						  : "not up");
		break;
	case WHY_LABEL:
		if (r->detail < vm->requires.n)
			snprintf(out, n, "lacks label %s=%s",
			    vm->requires.v[r->detail].key,
			    vm->requires.v[r->detail].value);
		else
			snprintf(out, n, "lacks a required label");
		break;
	case WHY_AFFINITY:
		snprintf(out, n, "affinity group \"%s\" runs on %s",
		    cluster_group_name(c, r->detail), group_home(c, r->detail));
		break;
	case WHY_ANTI_AFFINITY:
		snprintf(out, n, "anti-affinity group \"%s\" already here",
		    cluster_group_name(c, r->detail));
		break;
	case WHY_CAPACITY:
		res_format_value(r->dim, r->need, need, sizeof(need));
		res_format_value(r->dim, r->free, free, sizeof(free));
		snprintf(out, n, "%s needs %s, %s free", res_dim_name(r->dim),
		    need, free);
		break;
	case WHY_RESERVE:
		res_format_value(r->dim, r->need, need, sizeof(need));
		res_format_value(r->dim, r->free, free, sizeof(free));
		snprintf(out, n,
		    "%s needs %s, %s free outside the N+1 failover reserve",
		    res_dim_name(r->dim), need, free);
		break;
	default:
		snprintf(out, n, "refused");
		break;
	}
}

void
explain_reason(const struct cluster *c, vm_id v, const struct why_reason *r,
    char *out, size_t n)
{
	char cause[256];

	explain_cause(c, v, r, cause, sizeof(cause));
	snprintf(out, n, "%s: %s", cluster_host(c, r->host)->name, cause);
}

void
explain_key(const struct cluster *c, vm_id v, const struct why_reason *r,
    char *out, size_t n)
{
	switch (r->kind) {
	case WHY_CAPACITY:
		snprintf(out, n, "%s", res_dim_name(r->dim));
		break;
	case WHY_RESERVE:
		snprintf(out, n, "N+1 reserve (%s)", res_dim_name(r->dim));
		break;
	case WHY_AFFINITY:
		snprintf(out, n, "affinity group \"%s\"",
		    cluster_group_name(c, r->detail));
		break;
	case WHY_ANTI_AFFINITY:
		snprintf(out, n, "anti-affinity group \"%s\"",
		    cluster_group_name(c, r->detail));
		break;
	default:
		explain_cause(c, v, r, out, n);
		break;
	}
}

struct tally {
	enum why_kind kind;
	uint32_t sub; /* dim or detail */
	uint32_t hosts;
	uint32_t first; /* index of a representative reason */
};

static int
tally_cmp(const void *a, const void *b)
{
	const struct tally *x = a, *y = b;

	if (x->hosts != y->hosts)
		return x->hosts > y->hosts ? -1 : 1;
	if (x->kind != y->kind)
		return x->kind < y->kind ? -1 : 1;
	return x->sub < y->sub ? -1 : x->sub > y->sub;
}

void
explain_summary(
    const struct cluster *c, vm_id v, const struct why *w, char *out, size_t n)
{
	struct tally t[96];
	uint32_t nt = 0, extra = 0;
	size_t off;
	char key[160];

	if (c->n_hosts == 0) {
		snprintf(out, n, "refused: the cluster has no hosts");
		return;
	}
	/* Each (host, key) pair appears once, so counting reasons per key
	 * counts hosts. */
	for (uint32_t i = 0; i < w->n; i++) {
		const struct why_reason *r = &w->v[i];
		uint32_t sub =
		    (r->kind == WHY_CAPACITY || r->kind == WHY_RESERVE)
		    ? (uint32_t)r->dim
		    : r->detail;
		uint32_t j;

		for (j = 0; j < nt; j++)
			if (t[j].kind == r->kind && t[j].sub == sub)
				break;
		if (j == nt) {
			if (nt == ELEMENTSOF(t)) {
				extra++;
				continue;
			}
			t[nt++] = (struct tally){ r->kind, sub, 0, i };
		}
		t[j].hosts++;
	}
	qsort(t, nt, sizeof(t[0]), tally_cmp);
	off = (size_t)snprintf(out, n, "refused:");
	for (uint32_t j = 0; j < nt && off < n; j++) {
		explain_key(c, v, &w->v[t[j].first], key, sizeof(key));
		off += (size_t)snprintf(out + off, n - off, "%s %u host%s %s",
		    j ? "," : "", t[j].hosts, t[j].hosts == 1 ? "" : "s", key);
	}
	if (extra && off < n)
		off += (size_t)snprintf(
		    out + off, n - off, ", %u more reasons", extra);
	if (w->dropped && off < n)
		snprintf(out + off, n - off, " (%u reasons not recorded)",
		    w->dropped);
}

json_t *
explain_json(const struct cluster *c, vm_id v, const struct why_reason *r)
{
	const struct vm *vm = cluster_vm(c, v);
	char text[256], lab[2 * LABEL_LEN_MAX + 2];
	json_t *o;

	explain_cause(c, v, r, text, sizeof(text));
	o = json_pack("{s:s, s:s}", "host", cluster_host(c, r->host)->name,
	    "reason", why_kind_name(r->kind));
	if (!o)
		return NULL;
	switch (r->kind) {
	case WHY_CAPACITY:
	case WHY_RESERVE:
		json_object_set_new(
		    o, "dimension", json_string(res_dim_name(r->dim)));
		json_object_set_new(o, "need", json_integer(r->need));
		json_object_set_new(o, "free", json_integer(r->free));
		break;
	case WHY_STATE:
		json_object_set_new(o, "state",
		    json_string(host_state_name((enum host_state)r->detail)));
		break;
	case WHY_LABEL:
		if (r->detail < vm->requires.n) {
			snprintf(lab, sizeof(lab), "%s=%s",
			    vm->requires.v[r->detail].key,
			    vm->requires.v[r->detail].value);
			json_object_set_new(o, "label", json_string(lab));
		}
		break;
	case WHY_AFFINITY:
	case WHY_ANTI_AFFINITY:
		json_object_set_new(
		    o, "group", json_string(cluster_group_name(c, r->detail)));
		break;
	default:
		break;
	}
	json_object_set_new(o, "text", json_string(text));
	return o;
}

json_t *
explain_json_all(const struct cluster *c, vm_id v, const struct why *w)
{
	json_t *a = json_array(), *o;

	if (!a)
		return NULL;
	for (uint32_t i = 0; i < w->n; i++) {
		o = explain_json(c, v, &w->v[i]);
		if (!o || json_array_append_new(a, o) < 0) {
			json_decref(a);
			return NULL;
		}
	}
	return a;
}
