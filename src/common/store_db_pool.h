/*
 * store_db_pool.h - a fixed set of store_db connections (store_sql.h) that
 * server threads borrow one per request, on SQLite or PostgreSQL alike.
 *
 * Owns: opening the connections (and, on SQLite, the store_pool under
 * them, which keeps its checkpointer, file watch and attachment slots),
 * lending them out one borrower at a time.
 * Does not own: the statements and transactions (store_sql.h), the SQLite
 * settings and checkpointer (store.c). Both daemons lend their
 * connections through it.
 */
#ifndef CONVENE_STORE_DB_POOL_H
#define CONVENE_STORE_DB_POOL_H

#include <pthread.h>
#include <stddef.h>

#include "common/result.h"
#include "common/store_pool.h"
#include "common/store_sql.h"

/* The mutex and condition guard `available`; `connections` and `kind`
 * never change between open and close. */
typedef struct {
    store_kind kind;
    store_pool sqlite;      /* SQLite: owns the connections under the wrappers */
    store_db **connections; /* what is lent out */
    int *available;
    size_t size;
    pthread_mutex_t lock;
    pthread_cond_t returned;
} store_db_pool;

/* `location` and `password_file` as in store_db_open; `size` connections. */
cv_result store_db_pool_open(store_db_pool *pool, const char *location, const char *password_file,
                             size_t size);
/* Closes every connection; none may be borrowed. Safe on a pool that
 * failed to open or was zeroed. */
void store_db_pool_close(store_db_pool *pool);
/* Waits for a free connection. */
store_db *store_db_pool_acquire(store_db_pool *pool);
void store_db_pool_release(store_db_pool *pool, store_db *db);
/* The SQLite pool under the connections (attachment slots, the file watch,
 * checkpoints); NULL on PostgreSQL. */
store_pool *store_db_pool_sqlite(store_db_pool *pool);

#endif
