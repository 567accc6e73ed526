/* store.c - SQLite helpers; see store.h. */
#include "common/store.h"

#include <stdatomic.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/array.h"
#include "common/fair_lock.h"
#include "common/store_checkpointer.h"
#include "common/log.h"

cv_result store_result(int sqlite_code)
{
    switch (sqlite_code & 0xff) {
    case SQLITE_OK:
    case SQLITE_DONE:
    case SQLITE_ROW:
        return CV_OK;
    case SQLITE_CONSTRAINT:
        return CV_ERR_CONFLICT;
    case SQLITE_NOMEM:
        return CV_ERR_NO_MEMORY;
    case SQLITE_BUSY:
    case SQLITE_LOCKED:
        return CV_ERR_BUSY;
    case SQLITE_FULL:
    case SQLITE_IOERR:
    case SQLITE_CANTOPEN:
        return CV_ERR_IO;
    default:
        return CV_ERR_STORE;
    }
}

cv_result store_exec(sqlite3 *database, const char *sql)
{
    char *message = NULL;
    int code = sqlite3_exec(database, sql, NULL, NULL, &message);
    if (code != SQLITE_OK) {
        log_error("database: %s", message ? message : sqlite3_errstr(code));
        sqlite3_free(message);
    }
    return store_result(code);
}

cv_result store_open(const char *path, sqlite3 **out)
{
    sqlite3 *database = NULL;
    int code = sqlite3_open_v2(
        path, &database, SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE | SQLITE_OPEN_NOMUTEX, NULL);
    if (code != SQLITE_OK) {
        log_error("database %s: %s", path, database ? sqlite3_errmsg(database) : "cannot open");
        sqlite3_close(database);
        return store_result(code);
    }
    sqlite3_busy_timeout(database, STORE_BUSY_TIMEOUT_MS);
    /* cache_spill: a transaction may keep up to this many changed pages
     * (4 KiB each: 64 MiB) before it writes some of them to the WAL ahead
     * of its commit. At SQLite's default (the 2 MiB page cache) a series of
     * 3,650 occurrences, whose placement queries also read many pages,
     * wrote changed pages out and changed them again: 13-62 MB per series
     * instead of 3-5 MB (docs/benchmarks.md, issue 7 and 10 last part).
     * Pages not changed are still kept only up to the cache size. */
    cv_result result = store_exec(database, "PRAGMA journal_mode=WAL;"
                                            "PRAGMA synchronous=FULL;"
                                            "PRAGMA foreign_keys=ON;"
                                            "PRAGMA cache_spill=16384;");
    if (result != CV_OK) {
        sqlite3_close(database);
        return result;
    }
    *out = database;
    return CV_OK;
}

void store_close(sqlite3 *database)
{
    /* Modules may keep prepared statements with their connection
     * (object_store.c); they go with it. */
    sqlite3_stmt *statement;
    while (database && (statement = sqlite3_next_stmt(database, NULL)) != NULL)
        sqlite3_finalize(statement);
    sqlite3_close(database);
}

/* The cache is the connection's own list of prepared statements
 * (sqlite3_next_stmt): a statement whose text is `sql` and that nobody is
 * stepping (sqlite3_stmt_busy false, i.e. reset or never stepped) is
 * free to hand out. Only the thread that has borrowed the connection
 * calls this, so the list needs no lock. */
sqlite3_stmt *store_statement(sqlite3 *database, const char *sql)
{
    for (sqlite3_stmt *statement = sqlite3_next_stmt(database, NULL); statement != NULL;
         statement = sqlite3_next_stmt(database, statement)) {
        const char *text = sqlite3_sql(statement);
        if (text != NULL && !sqlite3_stmt_busy(statement) && strcmp(text, sql) == 0)
            return statement;
    }
    sqlite3_stmt *prepared = NULL;
    if (sqlite3_prepare_v3(database, sql, -1, SQLITE_PREPARE_PERSISTENT, &prepared, NULL) !=
        SQLITE_OK) {
        sqlite3_finalize(prepared);
        return NULL;
    }
    return prepared;
}

int store_prepare(sqlite3 *database, const char *sql, sqlite3_stmt **out)
{
    *out = store_statement(database, sql);
    if (*out != NULL)
        return SQLITE_OK;
    int code = sqlite3_errcode(database);
    return code == SQLITE_OK ? SQLITE_ERROR : code;
}

void store_statement_done(sqlite3_stmt *statement)
{
    if (statement == NULL)
        return;
    sqlite3_reset(statement);
    sqlite3_clear_bindings(statement);
}

cv_result store_statement_run(sqlite3_stmt *statement)
{
    int code = sqlite3_step(statement);
    store_statement_done(statement);
    return code == SQLITE_DONE ? CV_OK : store_result(code);
}

/* BEGIN, COMMIT and ROLLBACK through the cache too: compiling them on
 * every transaction was a tenth of a booking's CPU (docs/benchmarks.md). */
static cv_result run_cached(sqlite3 *database, const char *sql)
{
    sqlite3_stmt *statement = store_statement(database, sql);
    if (statement == NULL) {
        log_error("database: %s: %s", sql, sqlite3_errmsg(database));
        return store_result(sqlite3_errcode(database));
    }
    return store_statement_run(statement);
}

/* What the connections of one pool share, on the heap so that it stays
 * put wherever the store_pool itself is kept: the watch of their file
 * (store_pool_watch) and the lock their write transactions take in turn.
 * Only the thread that has borrowed connection i reads or sets
 * writing[i]. */
struct store_pool_shared {
    file_watch *watch; /* set once, before the pool is shared */
    fair_lock writers;
    bool *writing; /* writing[i]: connection i holds `writers` */
};

/* Every open pool's connections, so that store_begin, store_commit and
 * store_rollback, given only a connection, find what its pool shares.
 * Entries are added when a pool opens and removed when it closes.
 * `pooled_lock` guards the three; `pooled_count` is also read without
 * it, to skip the lock entirely while no pool is open. */
typedef struct {
    sqlite3 *connection;
    store_pool_shared *shared;
    size_t index; /* the connection's place in its pool */
} pooled_connection;

static pthread_mutex_t pooled_lock = PTHREAD_MUTEX_INITIALIZER;
static pooled_connection *pooled;
static size_t pooled_capacity;
static _Atomic size_t pooled_count;

/* What the pool of `database` shares, and the connection's place in it;
 * NULL for a connection of no pool. */
static store_pool_shared *shared_of(sqlite3 *database, size_t *index)
{
    if (atomic_load(&pooled_count) == 0)
        return NULL;
    store_pool_shared *found = NULL;
    pthread_mutex_lock(&pooled_lock);
    for (size_t i = 0; i < atomic_load(&pooled_count) && !found; i++)
        if (pooled[i].connection == database) {
            found = pooled[i].shared;
            *index = pooled[i].index;
        }
    pthread_mutex_unlock(&pooled_lock);
    return found;
}

/* Lets the next writer of the pool in, if this connection was writing. */
static void leave_writers(sqlite3 *database)
{
    size_t index = 0;
    store_pool_shared *shared = shared_of(database, &index);
    if (shared && shared->writing[index] && sqlite3_get_autocommit(database)) {
        shared->writing[index] = false;
        fair_lock_release(&shared->writers);
    }
}

/* The commit hook of a watched pool's connections: non-zero turns the
 * commit into a rollback. */
static int refuse_commit_when_lost(void *watch)
{
    return file_watch_check(watch) ? 0 : 1;
}

/* Why a BEGIN IMMEDIATE failed: SQLite's extended code tells a lock held
 * past the busy timeout (SQLITE_BUSY, 5) from a read snapshot this
 * connection still holds (SQLITE_BUSY_SNAPSHOT, 517: a statement left
 * stepping keeps its read transaction open, and SQLite then refuses the
 * write lock without waiting); such statements are named. */
static void log_begin_failure(sqlite3 *database)
{
    log_warning("database: cannot begin a transaction: %s (SQLite code %d)",
                sqlite3_errmsg(database), sqlite3_extended_errcode(database));
    for (sqlite3_stmt *statement = sqlite3_next_stmt(database, NULL); statement != NULL;
         statement = sqlite3_next_stmt(database, statement))
        if (sqlite3_stmt_busy(statement))
            log_warning("database: a statement is still running: %s", sqlite3_sql(statement));
}

/* The write transactions of one pool's connections take their turns on
 * the pool's `writers` lock before BEGIN IMMEDIATE, in the order they came
 * (fair_lock.h says why): SQLite's own wait is then left to writers of
 * other processes (another node on the same file). */
cv_result store_begin(sqlite3 *database)
{
    size_t index = 0;
    store_pool_shared *shared = shared_of(database, &index);
    if (shared && shared->watch && !file_watch_check(shared->watch))
        return CV_ERR_STORE; /* logged once, by the watch */
    if (shared) {
        if (fair_lock_acquire(&shared->writers, STORE_BUSY_TIMEOUT_MS) != CV_OK) {
            log_warning("database: waited %d ms for the other writers of this process",
                        STORE_BUSY_TIMEOUT_MS);
            return CV_ERR_BUSY;
        }
        shared->writing[index] = true;
    }
    cv_result result = run_cached(database, "BEGIN IMMEDIATE");
    if (result != CV_OK) {
        log_begin_failure(database);
        leave_writers(database);
    }
    return result;
}

cv_result store_commit(sqlite3 *database)
{
    cv_result result = run_cached(database, "COMMIT");
    leave_writers(database); /* unless the transaction is still open */
    return result;
}

cv_result store_atomically(sqlite3 *database, store_work work, void *context)
{
    return sqlite3_get_autocommit(database) ? store_transaction(database, work, context)
                                            : work(database, context);
}

cv_result store_transaction(sqlite3 *database, store_work work, void *context)
{
    cv_result result = store_begin(database);
    if (result != CV_OK)
        return result;
    result = work(database, context);
    if (result == CV_OK)
        result = store_commit(database);
    if (result != CV_OK)
        store_rollback(database);
    return result;
}

void store_rollback(sqlite3 *database)
{
    if (!sqlite3_get_autocommit(database) && run_cached(database, "ROLLBACK") != CV_OK)
        sqlite3_exec(database, "ROLLBACK", NULL, NULL, NULL);
    leave_writers(database);
}

static cv_result schema_version(sqlite3 *database, int *version)
{
    sqlite3_stmt *statement = NULL;
    int code = sqlite3_prepare_v2(database, "PRAGMA user_version", -1, &statement, NULL);
    if (code == SQLITE_OK && sqlite3_step(statement) == SQLITE_ROW)
        *version = sqlite3_column_int(statement, 0);
    else
        code = SQLITE_ERROR;
    sqlite3_finalize(statement);
    return store_result(code);
}

cv_result store_migrate(sqlite3 *database, const char *const *migrations, size_t count)
{
    /* The write lock makes two processes starting on one file migrate once. */
    cv_result result = store_begin(database);
    if (result != CV_OK)
        return result;
    int version = 0;
    result = schema_version(database, &version);
    if (result == CV_OK && (size_t)version > count) {
        log_error("database schema version %d is newer than this program (%zu)", version, count);
        result = CV_ERR_INVALID;
    }
    for (size_t step = (size_t)version; result == CV_OK && step < count; step++) {
        result = store_exec(database, migrations[step]);
        if (result == CV_OK) {
            char pragma[48];
            snprintf(pragma, sizeof pragma, "PRAGMA user_version=%zu", step + 1);
            result = store_exec(database, pragma);
        }
    }
    if (result == CV_OK)
        return store_commit(database);
    store_rollback(database);
    return result;
}

/* The pool's checkpoint thread lives in store_checkpointer.c. */
void store_wait_eagerly(sqlite3 *database, bool eager)
{
    if (eager)
        sqlite3_busy_handler(database, store_retry_soon,
                             (void *)(intptr_t)(STORE_BUSY_TIMEOUT_MS * 5));
    else
        sqlite3_busy_timeout(database, STORE_BUSY_TIMEOUT_MS);
}

unsigned long store_pool_checkpoints(store_pool *pool)
{
    return store_checkpointer_passes(pool->checkpointer);
}

void store_pool_tune_checkpoints(store_pool *pool, int pages, int restart_pages)
{
    store_checkpointer_tune(pool->checkpointer, pages, restart_pages);
}

static bool register_pool(store_pool *pool);

/* What the pool's connections share; false when out of memory. */
static bool make_shared(store_pool *pool, size_t size)
{
    pool->shared = calloc(1, sizeof *pool->shared);
    if (pool->shared)
        pool->shared->writing = calloc(size, sizeof *pool->shared->writing);
    if (!pool->shared || !pool->shared->writing) {
        free(pool->shared);
        pool->shared = NULL;
        return false;
    }
    fair_lock_init(&pool->shared->writers);
    return true;
}

cv_result store_pool_open(store_pool *pool, const char *path, size_t size)
{
    pool->checkpointer = NULL;
    pool->shared = NULL;
    pool->connections = calloc(size, sizeof *pool->connections);
    pool->attachments = calloc(size, sizeof *pool->attachments);
    pool->size = size;
    if (!pool->connections || !pool->attachments || !make_shared(pool, size)) {
        free(pool->connections);
        free(pool->attachments);
        return CV_ERR_NO_MEMORY;
    }
    for (size_t i = 0; i < size; i++) {
        cv_result result = store_open(path, &pool->connections[i]);
        if (result != CV_OK) {
            pool->size = i;
            store_pool_close(pool);
            return result;
        }
    }
    if (!register_pool(pool)) {
        store_pool_close(pool);
        return CV_ERR_NO_MEMORY;
    }
    pool->checkpointer =
        store_checkpointer_start(path, pool->connections, pool->size, &pool->shared->writers);
    return CV_OK;
}

/* Adds the pool's connections to the registry; false when out of memory. */
static bool register_pool(store_pool *pool)
{
    pthread_mutex_lock(&pooled_lock);
    size_t count = atomic_load(&pooled_count);
    bool room = true;
    while (room && count + pool->size > pooled_capacity)
        room = array_make_room((void **)&pooled, &pooled_capacity, pooled_capacity, sizeof *pooled);
    for (size_t i = 0; room && i < pool->size; i++)
        pooled[count + i] = (pooled_connection){pool->connections[i], pool->shared, i};
    if (room)
        atomic_store(&pooled_count, count + pool->size);
    pthread_mutex_unlock(&pooled_lock);
    return room;
}

/* Takes the pool's connections out of the registry (they are closing). */
static void unregister_pool(store_pool *pool)
{
    pthread_mutex_lock(&pooled_lock);
    size_t kept = 0, count = atomic_load(&pooled_count);
    for (size_t i = 0; i < count; i++)
        if (pooled[i].shared != pool->shared)
            pooled[kept++] = pooled[i];
    atomic_store(&pooled_count, kept);
    if (kept == 0) {
        free(pooled);
        pooled = NULL;
        pooled_capacity = 0;
    }
    pthread_mutex_unlock(&pooled_lock);
}

void store_pool_watch(store_pool *pool, file_watch *watch)
{
    pool->shared->watch = watch; /* before the pool is shared: no lock */
    for (size_t i = 0; i < pool->size; i++)
        sqlite3_commit_hook(pool->connections[i], refuse_commit_when_lost, watch);
}

void store_pool_close(store_pool *pool)
{
    store_checkpointer_stop(pool->checkpointer, pool->connections, pool->size);
    pool->checkpointer = NULL;
    if (pool->shared)
        unregister_pool(pool);
    for (size_t i = 0; i < pool->size; i++) {
        /* The attachment may hold statements of its connection: first. */
        if (pool->attachments[i])
            pool->attachments[i]->release(pool->attachments[i], pool->connections[i]);
        store_close(pool->connections[i]);
    }
    free(pool->connections);
    free(pool->attachments);
    pool->connections = NULL;
    pool->attachments = NULL;
    pool->size = 0;
    if (pool->shared) {
        fair_lock_destroy(&pool->shared->writers);
        free(pool->shared->writing);
        free(pool->shared);
        pool->shared = NULL;
    }
}

store_attachment **store_pool_attachment(store_pool *pool, sqlite3 *connection)
{
    /* No lock: `connections` does not change while the pool is open, and
     * the slot found is the borrower's alone. */
    for (size_t i = 0; i < pool->size; i++)
        if (pool->connections[i] == connection)
            return &pool->attachments[i];
    return NULL;
}
