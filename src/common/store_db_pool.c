/* store_db_pool.c - lending store_db connections; see store_db_pool.h. */
#include "common/store_db_pool.h"

#include <stdlib.h>
#include <string.h>

/* Opens the wrappers: adopted SQLite connections of pool->sqlite, or
 * PostgreSQL connections of their own. */
static cv_result open_connections(store_db_pool *pool, const char *location,
                                  const char *password_file)
{
    for (size_t i = 0; i < pool->size; i++) {
        cv_result result =
            pool->kind == STORE_SQLITE
                ? store_db_adopt_sqlite(pool->sqlite.connections[i], &pool->connections[i])
                : store_db_open(location, password_file, &pool->connections[i]);
        if (result != CV_OK)
            return result;
        pool->available[i] = 1;
    }
    return CV_OK;
}

cv_result store_db_pool_open(store_db_pool *pool, const char *location, const char *password_file,
                             size_t size)
{
    memset(pool, 0, sizeof *pool);
    pool->kind = store_location_is_postgresql(location) ? STORE_POSTGRESQL : STORE_SQLITE;
    pthread_mutex_init(&pool->lock, NULL);
    pthread_cond_init(&pool->returned, NULL);
    pool->connections = calloc(size, sizeof *pool->connections);
    pool->available = calloc(size, sizeof *pool->available);
    pool->size = size;
    cv_result result = pool->connections && pool->available ? CV_OK : CV_ERR_NO_MEMORY;
    if (result == CV_OK && pool->kind == STORE_SQLITE)
        result = store_pool_open(&pool->sqlite, location, size);
    if (result == CV_OK)
        result = open_connections(pool, location, password_file);
    if (result != CV_OK)
        store_db_pool_close(pool);
    return result;
}

void store_db_pool_close(store_db_pool *pool)
{
    if (!pool->connections && !pool->available) {
        pool->size = 0;
        return;
    }
    /* The wrappers first: they finalize their statements while the SQLite
     * connections under them are still open. */
    for (size_t i = 0; pool->connections && i < pool->size; i++)
        store_db_close(pool->connections[i]);
    if (pool->sqlite.connections)
        store_pool_close(&pool->sqlite);
    free(pool->connections);
    free(pool->available);
    pool->connections = NULL;
    pool->available = NULL;
    pool->size = 0;
    pthread_mutex_destroy(&pool->lock);
    pthread_cond_destroy(&pool->returned);
}

store_db *store_db_pool_acquire(store_db_pool *pool)
{
    pthread_mutex_lock(&pool->lock);
    for (;;) {
        for (size_t i = 0; i < pool->size; i++) {
            if (pool->available[i]) {
                pool->available[i] = 0;
                pthread_mutex_unlock(&pool->lock);
                return pool->connections[i];
            }
        }
        pthread_cond_wait(&pool->returned, &pool->lock);
    }
}

void store_db_pool_release(store_db_pool *pool, store_db *db)
{
    pthread_mutex_lock(&pool->lock);
    for (size_t i = 0; i < pool->size; i++) {
        if (pool->connections[i] == db) {
            pool->available[i] = 1;
            break;
        }
    }
    pthread_cond_signal(&pool->returned);
    pthread_mutex_unlock(&pool->lock);
}

store_pool *store_db_pool_sqlite(store_db_pool *pool)
{
    return pool->kind == STORE_SQLITE && pool->sqlite.connections ? &pool->sqlite : NULL;
}
