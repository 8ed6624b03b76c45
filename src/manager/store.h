/* store.h - the manager's durable state behind an interface (SQLite now, etcd later). */
#ifndef MANAGER_STORE_H
#define MANAGER_STORE_H

#include "core/diag.h"

#include <stdint.h>

/*
 * What the manager must not lose: every VM as the user asked for it (its
 * spec, the desired state, where the manager placed it), every host it
 * knows, and the event log. Specs and host details are JSON text, so the
 * schema stays stable while they grow. Every write is durable when it
 * returns (the SQLite backend commits in WAL mode with synchronous=FULL),
 * which is what lets the API acknowledge a request only after it is safe.
 * A store is used by one thread at a time (the manager holds its lock).
 */
struct store_vm {
	char name[64];
	char *spec; /* JSON text, owned */
	char desired[16]; /* "running" or "stopped" */
	char host[64]; /* where it is placed, "" when nowhere */
	uint64_t seq; /* creation order */
};

struct store_host {
	char name[64];
	char *info; /* JSON text: url, capacity, labels, state; owned */
};

struct store;

struct store_ops {
	const char *name;
	/* Opens (creating and migrating the schema as needed) the store at
	 * `where`. 0, or -errno with "where: ..." in d. */
	int (*open)(const char *where, struct store **ret, struct diag *d);
	void (*close)(struct store *s);
	/* Insert or replace by name. 0 or -EIO (d says why). */
	int (*vm_put)(
	    struct store *s, const struct store_vm *v, struct diag *d);
	/* 0 or -ENOENT; ret->spec owned by the caller. */
	int (*vm_get)(struct store *s, const char *name, struct store_vm *ret,
	    struct diag *d);
	int (*vm_delete)(struct store *s, const char *name, struct diag *d);
	/* Calls cb for every VM in creation order; cb returning < 0 stops
	 * the walk with that value. The VM is borrowed for the call. */
	int (*vm_list)(struct store *s,
	    int (*cb)(void *ud, const struct store_vm *v), void *ud,
	    struct diag *d);
	int (*host_put)(
	    struct store *s, const struct store_host *h, struct diag *d);
	int (*host_delete)(struct store *s, const char *name, struct diag *d);
	int (*host_list)(struct store *s,
	    int (*cb)(void *ud, const struct store_host *h), void *ud,
	    struct diag *d);
	/* Appends an event (JSON text); *ret_seq its number (1, 2, ...). */
	int (*event_append)(struct store *s, const char *json,
	    uint64_t *ret_seq, struct diag *d);
	/* Events with seq > after, oldest first, at most max. */
	int (*event_list)(struct store *s, uint64_t after, uint32_t max,
	    int (*cb)(void *ud, uint64_t seq, const char *json), void *ud,
	    struct diag *d);
	/* The schema version the store is at. */
	int (*schema_version)(struct store *s);
};

/* The SQLite backend. `where` is a directory (created if missing); the
 * database is where/vmgr.db. */
extern const struct store_ops store_sqlite;

/* Frees what a store_vm owns and clears it. */
void store_vm_done(struct store_vm *v);

#endif
