/* diagnosis.c - vmgr's diagnosis model: symptom evidence in, ranked causes out. */
#include "fault/diagnosis.h"

#include "fault/bif.h"
#include "fault/jtree.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

/* models/vmgr-diagnosis.bif, embedded at build time (model_text.c). */
extern const char fault_model_text[];
extern const unsigned long fault_model_text_len;

struct fault_model {
	struct bn *bn;
	struct jtree *jt;
	int32_t *ev;
	uint32_t cause_var[FAULT_NCAUSES];
	uint32_t sym_var[FAULT_NSYMPTOMS];
};

static const char *const cause_vars[FAULT_NCAUSES] = {
	"HostHardwareFailure",
	"HostNetworkPartition",
	"HypervisorCrash",
	"GuestKernelFailure",
	"StorageFault",
	"HostResourceExhaustion",
};

static const char *const cause_names[FAULT_NCAUSES] = {
	"host-hardware",
	"host-partition",
	"hypervisor-crash",
	"guest-failure",
	"storage",
	"host-exhaustion",
};

static const char *const sym_vars[FAULT_NSYMPTOMS] = {
	"AgentHeartbeatsMissed",
	"PeersCannotReach",
	"QemuExit",
	"QmpUnresponsive",
	"GuestHeartbeatMissing",
	"GuestPanicked",
	"BlockIoError",
	"HostMemoryPressure",
};

static const char *const sym_names[FAULT_NSYMPTOMS] = {
	"agent-heartbeats-missed",
	"peers-cannot-reach",
	"qemu-exit",
	"qmp-unresponsive",
	"guest-heartbeat-missing",
	"guest-panicked",
	"block-io-error",
	"host-memory-pressure",
};

static const char *const qemu_states[QEMU_NEXITS] = { "running", "exit_ok",
	"exit_error", "killed", "crashed" };
static const char *const qemu_names[QEMU_NEXITS] = { "running", "exit-ok",
	"exit-error", "killed", "crashed" };
static const char *const cause_states[2] = { "absent", "present" };
static const char *const sym_states[2] = { "no", "yes" };

void
fault_obs_init(struct fault_obs *o)
{
	for (int i = 0; i < FAULT_NSYMPTOMS; i++)
		o->sym[i] = FAULT_UNOBSERVED;
}

const char *
fault_cause_name(enum fault_cause c)
{
	return c < FAULT_NCAUSES ? cause_names[c] : "?";
}

const char *
fault_symptom_name(enum fault_symptom s)
{
	return s < FAULT_NSYMPTOMS ? sym_names[s] : "?";
}

const char *
fault_qemu_exit_name(enum fault_qemu_exit e)
{
	return e < QEMU_NEXITS ? qemu_names[e] : "?";
}

/* Finds variable name with exactly the states want[0..n). */
static int
bind(const struct bn *b, const char *name, const char *const *want, uint32_t n,
    uint32_t *ret, struct diag *d)
{
	const struct bn_var *v;

	if (bn_find_var(b, name, ret) < 0) {
		diag_set(d, "the diagnosis model has no variable %s", name);
		return -ENOENT;
	}
	v = &b->vars[*ret];
	if (v->n_states != n)
		goto bad;
	for (uint32_t s = 0; s < n; s++)
		if (strcmp(v->states[s], want[s]) != 0)
			goto bad;
	return 0;
bad:
	diag_set(d, "diagnosis model: %s must have the states %s, %s%s%s...",
	    name, want[0], want[1], n > 2 ? ", " : "", n > 2 ? want[2] : "");
	return -ENOENT;
}

int
fault_model_new(struct bn *b, struct fault_model **ret, struct diag *d)
{
	struct fault_model *m = calloc(1, sizeof(*m));
	int r = 0;

	if (!m)
		return -ENOMEM;
	for (int c = 0; c < FAULT_NCAUSES && r == 0; c++)
		r = bind(
		    b, cause_vars[c], cause_states, 2, &m->cause_var[c], d);
	for (int s = 0; s < FAULT_NSYMPTOMS && r == 0; s++) {
		if (s == SYM_QEMU_EXIT)
			r = bind(b, sym_vars[s], qemu_states, QEMU_NEXITS,
			    &m->sym_var[s], d);
		else
			r = bind(
			    b, sym_vars[s], sym_states, 2, &m->sym_var[s], d);
	}
	if (r == 0)
		r = jtree_new(b, &m->jt, d);
	if (r == 0) {
		m->ev = malloc(b->n_vars * sizeof(*m->ev));
		if (!m->ev)
			r = -ENOMEM;
	}
	if (r < 0) {
		jtree_free(m->jt);
		free(m);
		return r;
	}
	m->bn = b;
	*ret = m;
	return 0;
}

int
fault_model_default(struct fault_model **ret, struct diag *d)
{
	struct bn *b = NULL;
	int r;

	r = bif_parse(fault_model_text, fault_model_text_len, &b, d);
	if (r < 0)
		return r;
	r = fault_model_new(b, ret, d);
	if (r < 0)
		bn_free(b);
	return r;
}

struct fault_model *
fault_model_free(struct fault_model *m)
{
	if (!m)
		return NULL;
	jtree_free(m->jt);
	bn_free(m->bn);
	free(m->ev);
	free(m);
	return NULL;
}

const struct bn *
fault_model_bn(const struct fault_model *m)
{
	return m->bn;
}

int
fault_diagnose(
    struct fault_model *m, const struct fault_obs *o, struct fault_dx *ret)
{
	double log_p, log_none;
	int r;

	for (uint32_t i = 0; i < m->bn->n_vars; i++)
		m->ev[i] = -1;
	for (int s = 0; s < FAULT_NSYMPTOMS; s++) {
		int8_t x = o->sym[s];
		uint32_t n = m->bn->vars[m->sym_var[s]].n_states;

		if (x == FAULT_UNOBSERVED)
			continue;
		if (x < 0 || (uint32_t)x >= n)
			return -EINVAL;
		m->ev[m->sym_var[s]] = x;
	}
	r = jtree_query(m->jt, m->ev, &log_p);
	if (r < 0)
		return r;
	for (int c = 0; c < FAULT_NCAUSES; c++) {
		ret->p[c] = jtree_marginal(m->jt, m->cause_var[c])[1];
		ret->rank[c] = (enum fault_cause)c;
	}
	ret->p_evidence = exp(log_p);
	/* P(no cause | obs) = P(obs, no cause) / P(obs): one more query with
	 * every cause clamped absent. */
	for (int c = 0; c < FAULT_NCAUSES; c++)
		m->ev[m->cause_var[c]] = 0;
	r = jtree_query(m->jt, m->ev, &log_none);
	ret->p_none = r == 0 ? exp(log_none - log_p) : 0;
	if (ret->p_none > 1)
		ret->p_none = 1;
	/* Insertion sort: six causes, most probable first, ties by order. */
	for (int i = 1; i < FAULT_NCAUSES; i++) {
		enum fault_cause x = ret->rank[i];
		int j = i;

		while (j > 0 && ret->p[ret->rank[j - 1]] < ret->p[x]) {
			ret->rank[j] = ret->rank[j - 1];
			j--;
		}
		ret->rank[j] = x;
	}
	return 0;
}

int
fault_cause_parse(const char *s, enum fault_cause *ret)
{
	for (int c = 0; c < FAULT_NCAUSES; c++) {
		if (strcmp(s, cause_names[c]) == 0) {
			*ret = (enum fault_cause)c;
			return 0;
		}
	}
	return -ENOENT;
}

bool
fault_cause_is_host(enum fault_cause c)
{
	return c == FAULT_HOST_HARDWARE || c == FAULT_HOST_PARTITION ||
	    c == FAULT_HOST_EXHAUSTION;
}

int
fault_sample(const struct fault_model *m, enum fault_cause cause, struct rng *r,
    struct fault_obs *ret)
{
	const struct bn *b = m->bn;
	int32_t st[256];
	uint32_t left = b->n_vars;

	if (cause >= FAULT_NCAUSES || b->n_vars > 256)
		return -EINVAL;
	for (uint32_t v = 0; v < b->n_vars; v++)
		st[v] = -1;
	for (int c = 0; c < FAULT_NCAUSES; c++) {
		st[m->cause_var[c]] = c == (int)cause; /* {absent, present} */
		left--;
	}
	/* Ancestral order: a variable draws once all its parents have. */
	while (left > 0) {
		uint32_t progress = 0;

		for (uint32_t v = 0; v < b->n_vars; v++) {
			const struct bn_var *x = &b->vars[v];
			uint32_t cfg = 0;
			double u, acc = 0;
			bool ready = st[v] < 0;

			for (uint32_t k = 0; ready && k < x->n_parents; k++)
				ready = st[x->parents[k]] >= 0;
			if (!ready)
				continue;
			for (uint32_t k = 0; k < x->n_parents; k++)
				cfg = cfg * b->vars[x->parents[k]].n_states +
				    (uint32_t)st[x->parents[k]];
			u = rng_unit(r);
			st[v] = (int32_t)x->n_states - 1;
			for (uint32_t s2 = 0; s2 < x->n_states; s2++) {
				acc += x->cpt[(size_t)cfg * x->n_states + s2];
				if (u < acc) {
					st[v] = (int32_t)s2;
					break;
				}
			}
			left--;
			progress++;
		}
		if (progress == 0)
			return -EINVAL; /* a cycle: cannot happen in a BN */
	}
	for (int s2 = 0; s2 < FAULT_NSYMPTOMS; s2++)
		ret->sym[s2] = (int8_t)st[m->sym_var[s2]];
	return 0;
}
