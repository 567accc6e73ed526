/* store.c - SQLite helpers; see store.h. */
#include "common/store.h"

#include <errno.h>
#include <signal.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#ifdef __linux__
#include <sys/resource.h>
#include <sys/syscall.h>
#include <unistd.h>
#endif

#include "common/array.h"
#include "common/fair_lock.h"
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

/* When the checkpointer copies the WAL into the database. A copy ends with
 * an fsync of the database file, and a commit whose own fsync of the WAL
 * lands meanwhile waits for it, behind the copied pages on the same disk.
 * Copies of 1,000 pages made 1 booking in ~80 take 3-5 ms instead of
 * 0.6 ms (docs/benchmarks.md). A copy after every commit (a dozen pages
 * for a booking) kept that tail away, but paid two fsyncs (the WAL's,
 * then the database's) and a random write of each page per commit, and
 * wrote again at every commit the pages that every booking changes (the
 * last page of each table and of its time-ordered indexes). So a commit
 * wakes the thread once STORE_CHECKPOINT_PAGES frames are new since the
 * last copy (64: about five bookings): each such page is copied once per
 * batch, the fsyncs are shared, and a copy is still small enough that
 * the one commit it overlaps is barely slower (a third less CPU and
 * written bytes per booking, the same p99: docs/benchmarks.md, issue 7
 * last part; 128 frames already made the overlapped commits the p99).
 *
 * Writers that never pause keep the WAL from starting over (it restarts
 * only when a write begins with every frame copied), so it would grow
 * without bound (1.4 GB after loading 100,000 bookings from 4 clients):
 * past `restart_pages` frames a RESTART pass makes the writers wait for
 * the last frames' copy once, and the next write starts the WAL over. */
struct store_checkpointer {
    pthread_t thread;
    sqlite3 *connection;  /* the checkpointer's own; used by its thread only */
    fair_lock *writers;   /* the pool's writers' turns (store_pool_shared) */
    pthread_mutex_t lock; /* guards everything below but `done` */
    pthread_cond_t wake;
    bool wanted;
    bool stopping;
    int pages;         /* new frames that wake a pass (STORE_CHECKPOINT_PAGES) */
    int restart_pages; /* WAL frames that make a pass RESTART */
    _Atomic unsigned long done;
    int frames; /* the WAL's size in frames after the latest commit */
    int fresh;  /* frames committed since the latest pass began */
};

/* sqlite3_wal_hook: runs after every commit on a pool connection, on the
 * committing thread (commits are one at a time: they hold the write lock);
 * `pages` is the WAL's size in frames. A WAL smaller than after the
 * previous commit has started over (a write that began with every frame
 * copied writes from the first frame again), and all its frames are this
 * commit's: counting them against the old size instead would have woken
 * the next pass only after twice the batch. (A WAL started over that
 * already ends past the old size is counted short by the old size: one
 * pass a little later.) */
static int wal_grew(void *context, sqlite3 *connection, const char *name, int pages)
{
    (void)connection;
    (void)name;
    store_checkpointer *checkpointer = context;
    pthread_mutex_lock(&checkpointer->lock);
    int added = pages >= checkpointer->frames ? pages - checkpointer->frames : pages;
    checkpointer->frames = pages;
    checkpointer->fresh += added;
    if (checkpointer->fresh >= checkpointer->pages) {
        checkpointer->wanted = true;
        pthread_cond_signal(&checkpointer->wake);
    }
    pthread_mutex_unlock(&checkpointer->lock);
    return SQLITE_OK;
}

/* One pass: PASSIVE copies what it can without waiting for anybody; a
 * RESTART follows when the WAL has grown past restart_pages. The RESTART
 * takes its turn among the pool's writers first: it then finds SQLite's
 * write lock free at once instead of racing a stream of writers for it
 * (at its lower priority it would lose that race on a busy machine), and
 * the writers queued behind it wait for it as they wait for each other. */
static void checkpoint_pass(store_checkpointer *checkpointer, int restart_pages)
{
    int frames = 0, copied = 0;
    int code = sqlite3_wal_checkpoint_v2(checkpointer->connection, NULL, SQLITE_CHECKPOINT_PASSIVE,
                                         &frames, &copied);
    if (code == SQLITE_OK && frames >= restart_pages &&
        fair_lock_acquire(checkpointer->writers, STORE_BUSY_TIMEOUT_MS) == CV_OK) {
        code = sqlite3_wal_checkpoint_v2(checkpointer->connection, NULL, SQLITE_CHECKPOINT_RESTART,
                                         &frames, &copied);
        fair_lock_release(checkpointer->writers);
    }
    if (code != SQLITE_OK && code != SQLITE_BUSY)
        log_warning("database checkpoint: %s", sqlite3_errstr(code));
    atomic_fetch_add(&checkpointer->done, 1);
}

/* A busy handler for a connection that must not lose the write lock to a
 * stream of writers: the writers' own handler (sqlite3_busy_timeout)
 * sleeps 1 ms and more, up to 100 ms, between tries, so one that also did
 * would rarely find the lock free while writers never pause; this one
 * tries again every 0.2 ms, up to `context` tries (an intptr_t). Used by
 * the checkpointer (a RESTART pass waits for the write lock and for
 * readers, for up to 1 s: the writers wait meanwhile; a pass that gives
 * up leaves it to the next) and by store_wait_eagerly. */
static int retry_soon(void *context, int tries)
{
    if (tries >= (intptr_t)context)
        return 0;
    nanosleep(&(struct timespec){0, 200 * 1000}, NULL);
    return 1;
}

void store_wait_eagerly(sqlite3 *database, bool eager)
{
    if (eager)
        sqlite3_busy_handler(database, retry_soon, (void *)(intptr_t)(STORE_BUSY_TIMEOUT_MS * 5));
    else
        sqlite3_busy_timeout(database, STORE_BUSY_TIMEOUT_MS);
}

/* The checkpointer's share of the CPU when requests want it too: copies
 * can wait, a request being answered should not. On two CPUs the client,
 * the request's thread and a pass running at the same priority made the
 * request's thread lose its CPU in the middle of a booking (0.8-1 such
 * switch per booking, 0.1-0.5 with this; docs/benchmarks.md, booking
 * p99). At nice 10 the scheduler still gives the pass about a tenth of a
 * busy CPU, so copies never stop, and all of an idle one. Linux applies
 * the nice value of a thread id to that thread only; elsewhere this is a
 * no-op that changes the whole process's, so it is Linux only. */
#define STORE_CHECKPOINTER_NICE 10

static void lower_own_priority(void)
{
#ifdef __linux__
    if (setpriority(PRIO_PROCESS, (id_t)syscall(SYS_gettid), STORE_CHECKPOINTER_NICE) != 0)
        log_warning("database checkpoint: cannot lower its priority: %s", strerror(errno));
#endif
}

static void *run_checkpointer(void *argument)
{
    store_checkpointer *checkpointer = argument;
    lower_own_priority();
    pthread_mutex_lock(&checkpointer->lock);
    while (!checkpointer->stopping) {
        if (!checkpointer->wanted) {
            struct timespec deadline;
            clock_gettime(CLOCK_REALTIME, &deadline);
            deadline.tv_sec += STORE_CHECKPOINT_FALLBACK_SECONDS;
            /* A timeout is the fallback pass: the WAL never grows unbounded
             * even if a hook call was missed. */
            pthread_cond_timedwait(&checkpointer->wake, &checkpointer->lock, &deadline);
            if (checkpointer->stopping)
                break;
        }
        checkpointer->wanted = false;
        checkpointer->fresh = 0; /* this pass copies them */
        int restart_pages = checkpointer->restart_pages;
        pthread_mutex_unlock(&checkpointer->lock);
        checkpoint_pass(checkpointer, restart_pages);
        pthread_mutex_lock(&checkpointer->lock);
        /* A batch committed during the pass (some of it maybe copied by
         * it) asks for the next one. */
        checkpointer->wanted = checkpointer->fresh >= checkpointer->pages;
    }
    pthread_mutex_unlock(&checkpointer->lock);
    return NULL;
}

/* Starts the thread, then moves the pool's connections over to it. On any
 * failure the pool keeps SQLite's automatic checkpoints. */
static void start_checkpointer(store_pool *pool, const char *path)
{
    store_checkpointer *checkpointer = calloc(1, sizeof *checkpointer);
    if (!checkpointer || store_open(path, &checkpointer->connection) != CV_OK) {
        free(checkpointer);
        log_warning("database: no checkpoint thread; SQLite checkpoints inline");
        return;
    }
    sqlite3_busy_handler(checkpointer->connection, retry_soon, (void *)(intptr_t)5000);
    checkpointer->writers = &pool->shared->writers;
    checkpointer->pages = STORE_CHECKPOINT_PAGES;
    checkpointer->restart_pages = STORE_CHECKPOINT_RESTART_PAGES;
    pthread_mutex_init(&checkpointer->lock, NULL);
    pthread_cond_init(&checkpointer->wake, NULL);
    /* The thread must never take the daemons' shutdown signals. */
    sigset_t all, previous;
    sigfillset(&all);
    pthread_sigmask(SIG_BLOCK, &all, &previous);
    int created = pthread_create(&checkpointer->thread, NULL, run_checkpointer, checkpointer);
    pthread_sigmask(SIG_SETMASK, &previous, NULL);
    if (created != 0) {
        store_close(checkpointer->connection);
        pthread_mutex_destroy(&checkpointer->lock);
        pthread_cond_destroy(&checkpointer->wake);
        free(checkpointer);
        log_warning("database: no checkpoint thread; SQLite checkpoints inline");
        return;
    }
    for (size_t i = 0; i < pool->size; i++) {
        sqlite3_wal_autocheckpoint(pool->connections[i], 0);
        sqlite3_wal_hook(pool->connections[i], wal_grew, checkpointer);
    }
    pool->checkpointer = checkpointer;
}

static void stop_checkpointer(store_pool *pool)
{
    store_checkpointer *checkpointer = pool->checkpointer;
    if (!checkpointer)
        return;
    for (size_t i = 0; i < pool->size; i++)
        sqlite3_wal_hook(pool->connections[i], NULL, NULL);
    pthread_mutex_lock(&checkpointer->lock);
    checkpointer->stopping = true;
    pthread_cond_signal(&checkpointer->wake);
    pthread_mutex_unlock(&checkpointer->lock);
    pthread_join(checkpointer->thread, NULL);
    store_close(checkpointer->connection);
    pthread_mutex_destroy(&checkpointer->lock);
    pthread_cond_destroy(&checkpointer->wake);
    free(checkpointer);
    pool->checkpointer = NULL;
}

unsigned long store_pool_checkpoints(store_pool *pool)
{
    return pool->checkpointer ? atomic_load(&pool->checkpointer->done) : 0;
}

void store_pool_tune_checkpoints(store_pool *pool, int pages, int restart_pages)
{
    store_checkpointer *checkpointer = pool->checkpointer;
    if (!checkpointer)
        return;
    pthread_mutex_lock(&checkpointer->lock);
    checkpointer->pages = pages;
    checkpointer->restart_pages = restart_pages;
    pthread_mutex_unlock(&checkpointer->lock);
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
    start_checkpointer(pool, path);
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
    stop_checkpointer(pool);
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
