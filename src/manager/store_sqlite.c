/* store_sqlite.c - the store on SQLite: WAL, synchronous=FULL, versioned schema. */
#include "manager/store.h"

#include "core/cleanup.h"
#include "core/error.h"

#include <sqlite3.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

struct store {
	sqlite3 *db;
	sqlite3_stmt *vm_put, *vm_get, *vm_del, *vm_list, *host_put, *host_del,
	    *host_list, *ev_add, *ev_list;
};

/*
 * The schema, one step per version. A database at version k runs steps
 * k+1.. in one transaction each; the version lives in PRAGMA user_version.
 * Never edit a step that has shipped: add one.
 */
static const char *const migrations[] = {
	/* 1: the first schema */
	"CREATE TABLE vms ("
	"  name TEXT PRIMARY KEY NOT NULL,"
	"  spec TEXT NOT NULL,"
	"  desired TEXT NOT NULL,"
	"  host TEXT NOT NULL DEFAULT '',"
	"  seq INTEGER NOT NULL);"
	"CREATE INDEX vms_seq ON vms(seq);"
	"CREATE TABLE hosts ("
	"  name TEXT PRIMARY KEY NOT NULL,"
	"  info TEXT NOT NULL);"
	"CREATE TABLE events ("
	"  seq INTEGER PRIMARY KEY AUTOINCREMENT,"
	"  json TEXT NOT NULL);",
};

static int
fail(struct store *s, struct diag *d, const char *what)
{
	diag_set(d, "store: %s: %s", what,
	    s && s->db ? sqlite3_errmsg(s->db) : "no database");
	return -EIO;
}

static int
exec(struct store *s, const char *sql, struct diag *d)
{
	char *err = NULL;

	if (sqlite3_exec(s->db, sql, NULL, NULL, &err) != SQLITE_OK) {
		diag_set(d, "store: %s", err ? err : "exec failed");
		sqlite3_free(err);
		return -EIO;
	}
	return 0;
}

static int
version(struct store *s)
{
	sqlite3_stmt *st;
	int v = -1;

	if (sqlite3_prepare_v2(s->db, "PRAGMA user_version", -1, &st, NULL) !=
	    SQLITE_OK)
		return -1;
	if (sqlite3_step(st) == SQLITE_ROW)
		v = sqlite3_column_int(st, 0);
	sqlite3_finalize(st);
	return v;
}

static int
migrate(struct store *s, struct diag *d)
{
	int v = version(s);
	char sql[64];

	if (v < 0)
		return fail(s, d, "reading the schema version");
	if (v > (int)ELEMENTSOF(migrations)) {
		diag_set(d,
		    "store: the database is at schema version %d, newer than "
		    "this vmgrd knows (%zu)",
		    v, ELEMENTSOF(migrations));
		return -EPROTO;
	}
	for (; v < (int)ELEMENTSOF(migrations); v++) {
		int r;

		if ((r = exec(s, "BEGIN IMMEDIATE", d)) < 0)
			return r;
		snprintf(sql, sizeof(sql), "PRAGMA user_version = %d", v + 1);
		if ((r = exec(s, migrations[v], d)) < 0 ||
		    (r = exec(s, sql, d)) < 0) {
			exec(s, "ROLLBACK", NULL);
			return r;
		}
		if ((r = exec(s, "COMMIT", d)) < 0)
			return r;
	}
	return 0;
}

static void
sq_close(struct store *s)
{
	if (!s)
		return;
	sqlite3_finalize(s->vm_put);
	sqlite3_finalize(s->vm_get);
	sqlite3_finalize(s->vm_del);
	sqlite3_finalize(s->vm_list);
	sqlite3_finalize(s->host_put);
	sqlite3_finalize(s->host_del);
	sqlite3_finalize(s->host_list);
	sqlite3_finalize(s->ev_add);
	sqlite3_finalize(s->ev_list);
	sqlite3_close(s->db);
	free(s);
}

static int
prepare(struct store *s, sqlite3_stmt **st, const char *sql, struct diag *d)
{
	if (sqlite3_prepare_v3(s->db, sql, -1, SQLITE_PREPARE_PERSISTENT, st,
		NULL) != SQLITE_OK)
		return fail(s, d, sql);
	return 0;
}

static int
sq_open(const char *where, struct store **ret, struct diag *d)
{
	struct store *s;
	char path[4096];
	int r;

	if (mkdir(where, 0700) < 0 && errno != EEXIST) {
		r = neg_errno();
		diag_set(
		    d, "store: %s: cannot create: %s", where, strerror(-r));
		return r;
	}
	snprintf(path, sizeof(path), "%s/vmgr.db", where);
	s = calloc(1, sizeof(*s));
	if (!s)
		return -ENOMEM;
	if (sqlite3_open_v2(path, &s->db,
		SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE |
		    SQLITE_OPEN_NOMUTEX,
		NULL) != SQLITE_OK) {
		diag_set(d, "store: %s: %s", path,
		    s->db ? sqlite3_errmsg(s->db) : "cannot open");
		sq_close(s);
		return -EIO;
	}
	sqlite3_busy_timeout(s->db, 5000);
	/* WAL + FULL: a commit is on disk (the WAL fsynced) when it returns. */
	if ((r = exec(s, "PRAGMA journal_mode=WAL", d)) < 0 ||
	    (r = exec(s, "PRAGMA synchronous=FULL", d)) < 0 ||
	    (r = exec(s, "PRAGMA foreign_keys=ON", d)) < 0 ||
	    (r = migrate(s, d)) < 0)
		goto fail;
	if ((r = prepare(s, &s->vm_put,
		 "INSERT INTO vms(name, spec, desired, host, seq) "
		 "VALUES(?1, ?2, ?3, ?4, ?5) ON CONFLICT(name) DO UPDATE SET "
		 "spec=?2, desired=?3, host=?4",
		 d)) < 0 ||
	    (r = prepare(s, &s->vm_get,
		 "SELECT spec, desired, host, seq FROM vms WHERE name=?1", d)) <
		0 ||
	    (r = prepare(s, &s->vm_del, "DELETE FROM vms WHERE name=?1", d)) <
		0 ||
	    (r = prepare(s, &s->vm_list,
		 "SELECT name, spec, desired, host, seq FROM vms ORDER BY seq",
		 d)) < 0 ||
	    (r = prepare(s, &s->host_put,
		 "INSERT OR REPLACE INTO hosts(name, info) VALUES(?1, ?2)",
		 d)) < 0 ||
	    (r = prepare(
		 s, &s->host_del, "DELETE FROM hosts WHERE name=?1", d)) < 0 ||
	    (r = prepare(s, &s->host_list,
		 "SELECT name, info FROM hosts ORDER BY name", d)) < 0 ||
	    (r = prepare(s, &s->ev_add, "INSERT INTO events(json) VALUES(?1)",
		 d)) < 0 ||
	    (r = prepare(s, &s->ev_list,
		 "SELECT seq, json FROM events WHERE seq > ?1 ORDER BY seq "
		 "LIMIT ?2",
		 d)) < 0)
		goto fail;
	*ret = s;
	return 0;
fail:
	diag_prefix(d, "%s", path);
	sq_close(s);
	return r;
}

/* Runs a statement that returns no rows, then resets it. */
static int
run(struct store *s, sqlite3_stmt *st, struct diag *d, const char *what)
{
	int rc = sqlite3_step(st);

	sqlite3_reset(st);
	sqlite3_clear_bindings(st);
	return rc == SQLITE_DONE ? 0 : fail(s, d, what);
}

static int
sq_vm_put(struct store *s, const struct store_vm *v, struct diag *d)
{
	sqlite3_bind_text(s->vm_put, 1, v->name, -1, SQLITE_STATIC);
	sqlite3_bind_text(s->vm_put, 2, v->spec, -1, SQLITE_STATIC);
	sqlite3_bind_text(s->vm_put, 3, v->desired, -1, SQLITE_STATIC);
	sqlite3_bind_text(s->vm_put, 4, v->host, -1, SQLITE_STATIC);
	sqlite3_bind_int64(s->vm_put, 5, (sqlite3_int64)v->seq);
	return run(s, s->vm_put, d, "saving a VM");
}

static void
copy(char *dst, size_t n, const unsigned char *src)
{
	snprintf(dst, n, "%s", src ? (const char *)src : "");
}

static int
sq_vm_get(
    struct store *s, const char *name, struct store_vm *ret, struct diag *d)
{
	int rc;

	sqlite3_bind_text(s->vm_get, 1, name, -1, SQLITE_STATIC);
	rc = sqlite3_step(s->vm_get);
	if (rc == SQLITE_ROW) {
		memset(ret, 0, sizeof(*ret));
		copy(ret->name, sizeof(ret->name), (const unsigned char *)name);
		ret->spec =
		    strdup((const char *)sqlite3_column_text(s->vm_get, 0));
		copy(ret->desired, sizeof(ret->desired),
		    sqlite3_column_text(s->vm_get, 1));
		copy(ret->host, sizeof(ret->host),
		    sqlite3_column_text(s->vm_get, 2));
		ret->seq = (uint64_t)sqlite3_column_int64(s->vm_get, 3);
	}
	sqlite3_reset(s->vm_get);
	sqlite3_clear_bindings(s->vm_get);
	if (rc == SQLITE_DONE)
		return -ENOENT;
	if (rc != SQLITE_ROW)
		return fail(s, d, "reading a VM");
	return ret->spec ? 0 : -ENOMEM;
}

static int
sq_vm_delete(struct store *s, const char *name, struct diag *d)
{
	sqlite3_bind_text(s->vm_del, 1, name, -1, SQLITE_STATIC);
	return run(s, s->vm_del, d, "deleting a VM");
}

static int
sq_vm_list(struct store *s, int (*cb)(void *ud, const struct store_vm *v),
    void *ud, struct diag *d)
{
	int rc, r = 0;

	while ((rc = sqlite3_step(s->vm_list)) == SQLITE_ROW && r >= 0) {
		struct store_vm v = { 0 };

		copy(
		    v.name, sizeof(v.name), sqlite3_column_text(s->vm_list, 0));
		v.spec = (char *)sqlite3_column_text(s->vm_list, 1);
		copy(v.desired, sizeof(v.desired),
		    sqlite3_column_text(s->vm_list, 2));
		copy(
		    v.host, sizeof(v.host), sqlite3_column_text(s->vm_list, 3));
		v.seq = (uint64_t)sqlite3_column_int64(s->vm_list, 4);
		r = cb(ud, &v);
	}
	sqlite3_reset(s->vm_list);
	if (r < 0)
		return r;
	return rc == SQLITE_DONE || rc == SQLITE_ROW
	    ? 0
	    : fail(s, d, "listing VMs");
}

static int
sq_host_put(struct store *s, const struct store_host *h, struct diag *d)
{
	sqlite3_bind_text(s->host_put, 1, h->name, -1, SQLITE_STATIC);
	sqlite3_bind_text(s->host_put, 2, h->info, -1, SQLITE_STATIC);
	return run(s, s->host_put, d, "saving a host");
}

static int
sq_host_delete(struct store *s, const char *name, struct diag *d)
{
	sqlite3_bind_text(s->host_del, 1, name, -1, SQLITE_STATIC);
	return run(s, s->host_del, d, "deleting a host");
}

static int
sq_host_list(struct store *s, int (*cb)(void *ud, const struct store_host *h),
    void *ud, struct diag *d)
{
	int rc, r = 0;

	while ((rc = sqlite3_step(s->host_list)) == SQLITE_ROW && r >= 0) {
		struct store_host h = { 0 };

		copy(h.name, sizeof(h.name),
		    sqlite3_column_text(s->host_list, 0));
		h.info = (char *)sqlite3_column_text(s->host_list, 1);
		r = cb(ud, &h);
	}
	sqlite3_reset(s->host_list);
	if (r < 0)
		return r;
	return rc == SQLITE_DONE || rc == SQLITE_ROW
	    ? 0
	    : fail(s, d, "listing hosts");
}

static int
sq_event_append(
    struct store *s, const char *json, uint64_t *ret_seq, struct diag *d)
{
	int r;

	sqlite3_bind_text(s->ev_add, 1, json, -1, SQLITE_STATIC);
	r = run(s, s->ev_add, d, "saving an event");
	if (r == 0 && ret_seq)
		*ret_seq = (uint64_t)sqlite3_last_insert_rowid(s->db);
	return r;
}

static int
sq_event_list(struct store *s, uint64_t after, uint32_t max,
    int (*cb)(void *ud, uint64_t seq, const char *json), void *ud,
    struct diag *d)
{
	int rc, r = 0;

	sqlite3_bind_int64(s->ev_list, 1, (sqlite3_int64)after);
	sqlite3_bind_int64(s->ev_list, 2, max);
	while ((rc = sqlite3_step(s->ev_list)) == SQLITE_ROW && r >= 0)
		r = cb(ud, (uint64_t)sqlite3_column_int64(s->ev_list, 0),
		    (const char *)sqlite3_column_text(s->ev_list, 1));
	sqlite3_reset(s->ev_list);
	sqlite3_clear_bindings(s->ev_list);
	if (r < 0)
		return r;
	return rc == SQLITE_DONE || rc == SQLITE_ROW
	    ? 0
	    : fail(s, d, "listing events");
}

static int
sq_schema_version(struct store *s)
{
	return version(s);
}

const struct store_ops store_sqlite = {
	.name = "sqlite",
	.open = sq_open,
	.close = sq_close,
	.vm_put = sq_vm_put,
	.vm_get = sq_vm_get,
	.vm_delete = sq_vm_delete,
	.vm_list = sq_vm_list,
	.host_put = sq_host_put,
	.host_delete = sq_host_delete,
	.host_list = sq_host_list,
	.event_append = sq_event_append,
	.event_list = sq_event_list,
	.schema_version = sq_schema_version,
};

void
store_vm_done(struct store_vm *v)
{
	free(v->spec);
	v->spec = NULL;
}
