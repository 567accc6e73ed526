/*
 * pool_borrow.h - borrowing a SQLite connection the way both daemons do,
 * through store_db_pool (common/store_db_pool.h), for the unit tests of
 * what lies under it (store.c: settings, the file watch, attachments,
 * the checkpointer), which speak to the sqlite3 handle. Owns no
 * production code.
 */
#ifndef CONVENE_TEST_POOL_BORROW_H
#define CONVENE_TEST_POOL_BORROW_H

#include <assert.h>

#include "common/store.h"
#include "common/store_db_pool.h"

/* Waits for a free connection of `pool` (a SQLite one) and hands its
 * SQLite handle; give it back with pool_give_back. */
static sqlite3 *pool_borrow(store_db_pool *pool)
{
    return store_db_sqlite(store_db_pool_acquire(pool));
}

/* Returns the connection whose SQLite handle pool_borrow handed out. */
static void pool_give_back(store_db_pool *pool, sqlite3 *connection)
{
    for (size_t i = 0; i < pool->size; i++) {
        if (store_db_sqlite(pool->connections[i]) == connection) {
            store_db_pool_release(pool, pool->connections[i]);
            return;
        }
    }
    assert(!"pool_give_back: not a connection of this pool");
}

#endif
