/*
 * store.h - SQLite helpers shared by both daemons.
 *
 * Owns: opening a database the way Convene always does (WAL, full
 * synchronous commits so an acknowledged write survives a crash, a busy
 * timeout so two processes on one file wait rather than fail, foreign
 * keys), versioned schema migrations through PRAGMA user_version,
 * transactions, and a small pool of connections for server threads, each
 * with a slot for state a module keeps with that connection.
 * Does not own: any schema (each daemon brings its own migrations) or
 * what a module keeps in a connection's slot.
 */
#ifndef CONVENE_STORE_H
#define CONVENE_STORE_H

#include <pthread.h>
#include <sqlite3.h>
#include <stdbool.h>
#include <stddef.h>

#include "common/result.h"

cv_result store_open(const char *path, sqlite3 **out);
void store_close(sqlite3 *database);
/* Applies migrations[user_version .. count-1] in one transaction each.
 * migrations[i] takes the schema from version i to i+1. */
cv_result store_migrate(sqlite3 *database, const char *const *migrations, size_t count);
cv_result store_exec(sqlite3 *database, const char *sql);
/* BEGIN IMMEDIATE: takes the write lock up front so a transaction never
 * fails half-way on a lock held by the other node's process. */
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

/* The statement cache. store_statement returns a prepared statement for
 * `sql` kept with the connection: compiled on first use (as persistent)
 * and found again by its text afterwards, so a statement is compiled once
 * per connection, not once per request. NULL when it cannot be compiled
 * (the connection's sqlite3_errmsg says why). The caller binds, steps and
 * must hand it back with store_statement_done (reset, bindings cleared)
 * before the next use of the same text; one still in use (stepped, not
 * reset) is never handed out twice: a second one is compiled instead.
 * Statements go when the connection is closed (store_close). */
sqlite3_stmt *store_statement(sqlite3 *database, const char *sql);
void store_statement_done(sqlite3_stmt *statement);
/* store_statement with sqlite3_prepare_v2's calling convention: *out is
 * the cached statement (NULL on failure) and the result is an SQLite code.
 * Hand it back with store_statement_done, never sqlite3_finalize. */
int store_prepare(sqlite3 *database, const char *sql, sqlite3_stmt **out);
/* Runs a cached write statement already bound: step, then done. CV_OK when
 * it finished (SQLITE_DONE). */
cv_result store_statement_run(sqlite3_stmt *statement);
/* Column and parameter helpers. store_column_copy: a malloc'd copy of a
 * text column; NULL for SQL NULL (*failed set when out of memory; failed
 * may be NULL). store_column_into: the text (or "") into out[size].
 * store_bind_text_or_null: binds `text` (copied), or NULL when it is NULL
 * or "". */
char *store_column_copy(sqlite3_stmt *statement, int column, bool *failed);
void store_column_into(sqlite3_stmt *statement, int column, char *out, size_t size);
int store_bind_text_or_null(sqlite3_stmt *statement, int index, const char *text);

/* Maps an SQLite result code to a cv_result (constraint -> CONFLICT). */
cv_result store_result(int sqlite_code);

/* State a module keeps with one pooled connection (object_store.c's reply
 * cache). It lives as long as the connection, and only the thread that has
 * borrowed the connection touches it, so it needs no lock of its own: the
 * pool's mutex, taken on every acquire and release, orders one borrower's
 * changes before the next borrower's reads. store_pool_close calls
 * `release` before it closes the connection. */
typedef struct store_attachment {
    void (*release)(struct store_attachment *self, sqlite3 *connection);
} store_attachment;

/* Checkpoints the WAL of a pool's file from a thread of its own, so no
 * request pays for copying the WAL into the database: SQLite's automatic
 * checkpoint would run inside whichever commit crosses its threshold (the
 * booking-latency tail in docs/benchmarks.md). Every commit is still
 * fsynced; only the copy moves. Started and stopped by the pool. */
typedef struct store_checkpointer store_checkpointer;

#define STORE_CHECKPOINT_PAGES            1000 /* WAL size that wakes the checkpointer */
#define STORE_CHECKPOINT_FALLBACK_SECONDS 5    /* and a pass at least this often */

/* A fixed set of connections to one file; threads borrow one per request.
 * The mutex and condition guard `available`; `connections` never changes
 * after store_pool_open; attachments[i] belongs to whoever has borrowed
 * connections[i]. */
typedef struct {
    sqlite3 **connections;
    store_attachment **attachments;
    int *available;
    size_t size;
    pthread_mutex_t lock;
    pthread_cond_t returned;
    store_checkpointer *checkpointer; /* NULL if it could not start */
} store_pool;

cv_result store_pool_open(store_pool *pool, const char *path, size_t size);
void store_pool_close(store_pool *pool);
sqlite3 *store_pool_acquire(store_pool *pool);
void store_pool_release(store_pool *pool, sqlite3 *connection);
/* The attachment slot of a connection borrowed from this pool (NULL when
 * the connection is not one of the pool's). Only the borrower may read or
 * set the slot. */
store_attachment **store_pool_attachment(store_pool *pool, sqlite3 *connection);
/* Checkpoints the pool's checkpointer has run so far (0 without one). */
unsigned long store_pool_checkpoints(store_pool *pool);

#endif
