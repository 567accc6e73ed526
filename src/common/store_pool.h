/*
 * store_pool.h - the SQLite connections of a daemon without SQLite's own
 * API: opening a database, migrations, transactions, and the pool server
 * threads borrow connections from. A module that only borrows a connection
 * and hands it to the data layer includes this header, so it cannot run
 * SQL itself; the data layer includes store.h (statements, columns).
 *
 * Owns: opening a database the way Convene always does (WAL, full
 * synchronous commits so an acknowledged write survives a crash, a busy
 * timeout so two processes on one file wait rather than fail, foreign
 * keys), versioned schema migrations through PRAGMA user_version,
 * transactions, and a small pool of connections for server threads, each
 * with a slot for state a module keeps with that connection; the pool's
 * write transactions take turns in the order they came.
 * Does not own: statements and columns (store.h), any schema (each daemon
 * brings its own migrations) or what a module keeps in a connection's
 * slot.
 */
#ifndef CONVENE_STORE_POOL_H
#define CONVENE_STORE_POOL_H

#include <pthread.h>
#include <stdbool.h>
#include <stddef.h>

#include "common/data_dir.h"
#include "common/result.h"

/* SQLite's connection and statement, by name only (sqlite3.h declares
 * the same; C11 allows the repeat). */
typedef struct sqlite3 sqlite3;
typedef struct sqlite3_stmt sqlite3_stmt;

/* How long a writer waits for its turn (other writers of its pool, then
 * SQLite's write lock) before CV_ERR_BUSY. */
#define STORE_BUSY_TIMEOUT_MS 10000

cv_result store_open(const char *path, sqlite3 **out);
void store_close(sqlite3 *database);
/* How `database` waits for SQLite's write lock, up to the same 10 s
 * either way: eager, it tries again every 0.2 ms; otherwise (store_open's
 * setting) with SQLite's own back-off, up to 100 ms between tries, under
 * which a short transaction can wait seconds behind a stream of others.
 * A pool's own writers take turns before that (store_begin), so this is
 * the wait against other processes' writers (another node on the same
 * file). For the one small transaction that must not starve (the
 * cluster's lease). */
void store_wait_eagerly(sqlite3 *database, bool eager);
/* Applies migrations[user_version .. count-1] in one transaction each.
 * migrations[i] takes the schema from version i to i+1. */
cv_result store_migrate(sqlite3 *database, const char *const *migrations, size_t count);
cv_result store_exec(sqlite3 *database, const char *sql);
/* BEGIN IMMEDIATE: takes the write lock up front so a transaction never
 * fails half-way on a lock held by the other node's process. On a pool's
 * connection, first waits for its turn among the pool's writers, in the
 * order they came (the turn passes on at COMMIT or ROLLBACK), and refuses
 * with CV_ERR_STORE without touching the database when the pool's watched
 * file is lost (store_pool_watch). */
cv_result store_begin(sqlite3 *database);
cv_result store_commit(sqlite3 *database);
void store_rollback(sqlite3 *database);

/* One unit of writes: store_transaction runs `work` between BEGIN
 * IMMEDIATE and COMMIT, and rolls back when `work` (or the commit) fails,
 * so a check made inside `work` and the writes that depend on it see the
 * same database and nothing is half-saved. Returns what `work` returned,
 * else the result of BEGIN or COMMIT. Not nestable. */
typedef cv_result (*store_work)(sqlite3 *database, void *context);
cv_result store_transaction(sqlite3 *database, store_work work, void *context);
/* Runs `work` inside the caller's transaction when one is open (the
 * caller commits or rolls back), else through store_transaction: for
 * writes of several statements that some callers group with others and
 * some make alone. */
cv_result store_atomically(sqlite3 *database, store_work work, void *context);

/* State a module keeps with one pooled connection (object_store.c's reply
 * cache). It lives as long as the connection, and only the thread that has
 * borrowed the connection touches it, so it needs no lock of its own: the
 * lending pool's mutex (store_db_pool.c), taken on every acquire and
 * release, orders one borrower's changes before the next borrower's reads. store_pool_close calls
 * `release` before it closes the connection. */
typedef struct store_attachment {
    void (*release)(struct store_attachment *self, sqlite3 *connection);
} store_attachment;

/* Checkpoints the WAL of a pool's file from a thread of its own, so no
 * request pays for copying the WAL into the database: SQLite's automatic
 * checkpoint would run inside whichever commit crosses its threshold (the
 * booking-latency tail in docs/benchmarks.md). Every commit is still
 * fsynced; only the copy moves, and while commits keep coming it stops
 * short of the WAL's end, so the database file is synced only when the
 * WAL starts over or the commits stop (store_checkpointer.c says why).
 * Started and stopped by the pool. */
typedef struct store_checkpointer store_checkpointer;

#define STORE_CHECKPOINT_PAGES            64    /* new WAL frames that wake a pass (~5 bookings) */
#define STORE_CHECKPOINT_RESTART_PAGES    16000 /* WAL frames that make the pass start it over */
#define STORE_CHECKPOINT_FALLBACK_SECONDS 5     /* and a pass at least this often */

/* A fixed set of connections to one file; threads borrow one per request
 * through store_db_pool (store_db_pool.h), which lends them out.
 * `connections` never changes after store_pool_open; attachments[i]
 * belongs to whoever has borrowed connections[i]. */
typedef struct store_pool_shared store_pool_shared; /* store.c */

typedef struct {
    sqlite3 **connections;
    store_attachment **attachments;
    size_t size;
    store_checkpointer *checkpointer; /* NULL if it could not start */
    store_pool_shared *shared;        /* the file's watch, the writers' turns */
} store_pool;

cv_result store_pool_open(store_pool *pool, const char *path, size_t size);
void store_pool_close(store_pool *pool);
/* Stops every writer of the pool once `watch` (started on the pool's file,
 * living as long as the pool) says the file was deleted or replaced: from
 * then on store_begin refuses, and SQLite's commit hook turns every commit
 * of a change into a rollback (a transaction begun before, or a statement
 * run outside any transaction), so nothing is written to a file no one
 * will read again. Reads go on. Call once, before the pool is shared. */
void store_pool_watch(store_pool *pool, file_watch *watch);
/* The attachment slot of a connection borrowed from this pool (NULL when
 * the connection is not one of the pool's). Only the borrower may read or
 * set the slot. */
store_attachment **store_pool_attachment(store_pool *pool, sqlite3 *connection);
/* Checkpoints the pool's checkpointer has run so far (0 without one). */
unsigned long store_pool_checkpoints(store_pool *pool);
/* Changes STORE_CHECKPOINT_PAGES and STORE_CHECKPOINT_RESTART_PAGES for
 * this pool (tests make them small); from the next commit on. */
void store_pool_tune_checkpoints(store_pool *pool, int pages, int restart_pages);

#endif
