/*
 * store.h - SQLite helpers shared by both daemons.
 *
 * Owns: opening a database the way Convene always does (WAL, full
 * synchronous commits so an acknowledged write survives a crash, a busy
 * timeout so two processes on one file wait rather than fail, foreign
 * keys), versioned schema migrations through PRAGMA user_version,
 * transactions, and a small pool of connections for server threads.
 * Does not own: any schema; each daemon brings its own migrations.
 */
#ifndef CONVENE_STORE_H
#define CONVENE_STORE_H

#include <pthread.h>
#include <sqlite3.h>
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
/* Maps an SQLite result code to a cv_result (constraint -> CONFLICT). */
cv_result store_result(int sqlite_code);

/* A fixed set of connections to one file; threads borrow one per request.
 * The mutex and condition guard `available`. */
typedef struct {
    sqlite3 **connections;
    int *available;
    size_t size;
    pthread_mutex_t lock;
    pthread_cond_t returned;
} store_pool;

cv_result store_pool_open(store_pool *pool, const char *path, size_t size);
void store_pool_close(store_pool *pool);
sqlite3 *store_pool_acquire(store_pool *pool);
void store_pool_release(store_pool *pool, sqlite3 *connection);

#endif
