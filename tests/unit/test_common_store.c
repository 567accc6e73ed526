/*
 * test_common_store.c - the SQLite helpers (src/common/store.c): the
 * settings every connection gets (WAL, foreign keys), migrations applied
 * once and in order, a failing migration rolled back whole, a database
 * newer than the program refused, constraint errors mapped to
 * CV_ERR_CONFLICT, transactions, the connection pool both daemons lend
 * with (store_db_pool.c) handing each connection to one borrower at a time
 * (a second thread waits), and the attachment kept with each pooled connection (released, once,
 * while its connection is still open), the background checkpoints (one follows a single small
 * commit, and every batch after the WAL starts over; the WAL file stays bounded under writers
 * that never pause), the writers of one pool taking turns without SQLite's busy wait. Owns no
 * production code.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "common/store.h"

#include "pool_borrow.h"

typedef struct {
    char directory[64];
    char path[96];
} fixture;

static int set_up(void **state)
{
    fixture *f = calloc(1, sizeof *f);
    if (!f)
        return -1;
    snprintf(f->directory, sizeof f->directory, "/tmp/convene-store-test-XXXXXX");
    if (!mkdtemp(f->directory))
        return -1;
    snprintf(f->path, sizeof f->path, "%s/test.sqlite", f->directory);
    *state = f;
    return 0;
}

static int tear_down(void **state)
{
    fixture *f = *state;
    const char *suffixes[] = {"", "-wal", "-shm", "-journal"};
    for (size_t i = 0; i < 4; i++) {
        char path[128];
        snprintf(path, sizeof path, "%s%s", f->path, suffixes[i]);
        unlink(path);
    }
    rmdir(f->directory);
    free(f);
    return 0;
}

static int64_t query_int(sqlite3 *database, const char *sql)
{
    sqlite3_stmt *statement = NULL;
    assert_int_equal(sqlite3_prepare_v2(database, sql, -1, &statement, NULL), SQLITE_OK);
    assert_int_equal(sqlite3_step(statement), SQLITE_ROW);
    int64_t value = sqlite3_column_int64(statement, 0);
    sqlite3_finalize(statement);
    return value;
}

static const char *const MIGRATIONS[] = {
    "CREATE TABLE a (id INTEGER PRIMARY KEY, name TEXT NOT NULL UNIQUE);",
    "CREATE TABLE b (id INTEGER PRIMARY KEY, a_id INTEGER NOT NULL REFERENCES a(id));",
};

static void test_open_settings(void **state)
{
    fixture *f = *state;
    sqlite3 *database = NULL;
    assert_int_equal(store_open(f->path, &database), CV_OK);
    sqlite3_stmt *statement = NULL;
    assert_int_equal(sqlite3_prepare_v2(database, "PRAGMA journal_mode", -1, &statement, NULL),
                     SQLITE_OK);
    assert_int_equal(sqlite3_step(statement), SQLITE_ROW);
    assert_string_equal((const char *)sqlite3_column_text(statement, 0), "wal");
    sqlite3_finalize(statement);
    assert_int_equal(query_int(database, "PRAGMA foreign_keys"), 1);
    assert_int_equal(query_int(database, "PRAGMA synchronous"), 2); /* FULL */
    store_close(database);
}

static void test_open_failure(void **state)
{
    (void)state;
    sqlite3 *database = NULL;
    assert_int_not_equal(store_open("/nonexistent-dir/x/test.sqlite", &database), CV_OK);
}

static void test_migrations_run_once_in_order(void **state)
{
    fixture *f = *state;
    sqlite3 *database = NULL;
    assert_int_equal(store_open(f->path, &database), CV_OK);
    assert_int_equal(store_migrate(database, MIGRATIONS, 1), CV_OK);
    assert_int_equal(query_int(database, "PRAGMA user_version"), 1);
    /* Again with one more: only the new step runs (the first would fail). */
    assert_int_equal(store_migrate(database, MIGRATIONS, 2), CV_OK);
    assert_int_equal(query_int(database, "PRAGMA user_version"), 2);
    assert_int_equal(store_migrate(database, MIGRATIONS, 2), CV_OK);
    assert_int_equal(query_int(database, "SELECT count(*) FROM sqlite_master WHERE type='table'"),
                     2);
    /* A program that knows fewer migrations than the file has refuses it. */
    assert_int_equal(store_migrate(database, MIGRATIONS, 1), CV_ERR_INVALID);
    assert_int_equal(query_int(database, "PRAGMA user_version"), 2);
    store_close(database);
}

static void test_failed_migration_changes_nothing(void **state)
{
    fixture *f = *state;
    static const char *const broken[] = {
        "CREATE TABLE a (id INTEGER PRIMARY KEY);",
        "CREATE TABLE c (id INTEGER PRIMARY KEY); THIS IS NOT SQL;",
    };
    sqlite3 *database = NULL;
    assert_int_equal(store_open(f->path, &database), CV_OK);
    assert_int_not_equal(store_migrate(database, broken, 2), CV_OK);
    assert_int_equal(query_int(database, "PRAGMA user_version"), 0);
    assert_int_equal(query_int(database, "SELECT count(*) FROM sqlite_master WHERE type='table'"),
                     0);
    assert_true(sqlite3_get_autocommit(database)); /* no transaction left open */
    store_close(database);
}

static void test_results_and_transactions(void **state)
{
    fixture *f = *state;
    sqlite3 *database = NULL;
    assert_int_equal(store_open(f->path, &database), CV_OK);
    assert_int_equal(store_migrate(database, MIGRATIONS, 2), CV_OK);
    assert_int_equal(store_exec(database, "INSERT INTO a (name) VALUES ('x')"), CV_OK);
    assert_int_equal(store_exec(database, "INSERT INTO a (name) VALUES ('x')"), CV_ERR_CONFLICT);
    assert_int_equal(store_exec(database, "INSERT INTO b (a_id) VALUES (99)"), CV_ERR_CONFLICT);
    assert_int_equal(store_exec(database, "SELECT * FROM no_such_table"), CV_ERR_STORE);

    assert_int_equal(store_begin(database), CV_OK);
    assert_int_equal(store_exec(database, "INSERT INTO a (name) VALUES ('y')"), CV_OK);
    store_rollback(database);
    store_rollback(database); /* harmless outside a transaction */
    assert_int_equal(query_int(database, "SELECT count(*) FROM a"), 1);
    assert_int_equal(store_begin(database), CV_OK);
    assert_int_equal(store_exec(database, "INSERT INTO a (name) VALUES ('y')"), CV_OK);
    assert_int_equal(store_commit(database), CV_OK);
    assert_int_equal(query_int(database, "SELECT count(*) FROM a"), 2);

    assert_int_equal(store_result(SQLITE_BUSY), CV_ERR_BUSY);
    assert_int_equal(store_result(SQLITE_LOCKED), CV_ERR_BUSY);
    assert_int_equal(store_result(SQLITE_NOMEM), CV_ERR_NO_MEMORY);
    assert_int_equal(store_result(SQLITE_CONSTRAINT_UNIQUE), CV_ERR_CONFLICT);
    assert_int_equal(store_result(SQLITE_IOERR_WRITE), CV_ERR_IO);
    assert_int_equal(store_result(SQLITE_DONE), CV_OK);
    store_close(database);
}

static cv_result insert_then(sqlite3 *database, void *context)
{
    cv_result wanted = *(const cv_result *)context;
    cv_result result = store_exec(database, "INSERT INTO a (name) VALUES ('in work')");
    return result == CV_OK ? wanted : result;
}

static void test_transaction_helper_commits_or_changes_nothing(void **state)
{
    fixture *f = *state;
    sqlite3 *database = NULL;
    assert_int_equal(store_open(f->path, &database), CV_OK);
    assert_int_equal(store_migrate(database, MIGRATIONS, 2), CV_OK);
    cv_result refused = CV_ERR_CONFLICT;
    assert_int_equal(store_transaction(database, insert_then, &refused), CV_ERR_CONFLICT);
    assert_int_equal(query_int(database, "SELECT count(*) FROM a"), 0);
    assert_true(sqlite3_get_autocommit(database));
    cv_result fine = CV_OK;
    assert_int_equal(store_transaction(database, insert_then, &fine), CV_OK);
    assert_int_equal(query_int(database, "SELECT count(*) FROM a"), 1);
    /* the same work again breaks the UNIQUE name: rolled back, reported */
    assert_int_equal(store_transaction(database, insert_then, &fine), CV_ERR_CONFLICT);
    assert_int_equal(query_int(database, "SELECT count(*) FROM a"), 1);
    store_close(database);
}

static void test_atomically_joins_or_opens_a_transaction(void **state)
{
    fixture *f = *state;
    sqlite3 *database = NULL;
    assert_int_equal(store_open(f->path, &database), CV_OK);
    assert_int_equal(store_migrate(database, MIGRATIONS, 2), CV_OK);
    cv_result fine = CV_OK, refused = CV_ERR_CONFLICT;
    /* alone: its own transaction, rolled back when the work fails */
    assert_int_equal(store_atomically(database, insert_then, &refused), CV_ERR_CONFLICT);
    assert_int_equal(query_int(database, "SELECT count(*) FROM a"), 0);
    assert_true(sqlite3_get_autocommit(database));
    /* inside the caller's: the caller decides */
    assert_int_equal(store_begin(database), CV_OK);
    assert_int_equal(store_atomically(database, insert_then, &fine), CV_OK);
    assert_false(sqlite3_get_autocommit(database));
    store_rollback(database);
    assert_int_equal(query_int(database, "SELECT count(*) FROM a"), 0);
    assert_int_equal(store_atomically(database, insert_then, &fine), CV_OK);
    assert_int_equal(query_int(database, "SELECT count(*) FROM a"), 1);
    store_close(database);
}

static void test_statement_cache_compiles_once(void **state)
{
    fixture *f = *state;
    sqlite3 *database = NULL;
    assert_int_equal(store_open(f->path, &database), CV_OK);
    assert_int_equal(store_migrate(database, MIGRATIONS, 2), CV_OK);
    static const char insert[] = "INSERT INTO a (name) VALUES (?1)";
    sqlite3_stmt *first = store_statement(database, insert);
    assert_non_null(first);
    assert_int_equal(sqlite3_bind_text(first, 1, "one", -1, SQLITE_STATIC), SQLITE_OK);
    assert_int_equal(store_statement_run(first), CV_OK);
    /* handed back: the same statement, bindings cleared */
    sqlite3_stmt *again = store_statement(database, insert);
    assert_ptr_equal(again, first);
    assert_int_equal(store_statement_run(again), CV_ERR_CONFLICT); /* NULL name */
    assert_ptr_equal(store_statement(database, insert), first);

    /* a statement still being read is never handed out twice */
    static const char select[] = "SELECT name FROM a ORDER BY id";
    sqlite3_stmt *reading = store_statement(database, select);
    assert_int_equal(sqlite3_step(reading), SQLITE_ROW);
    sqlite3_stmt *other = store_statement(database, select);
    assert_non_null(other);
    assert_ptr_not_equal(other, reading);
    store_statement_done(other);
    store_statement_done(reading);
    assert_null(store_statement(database, "SELECT * FROM no_such_table"));
    store_close(database);
}

typedef struct {
    store_db_pool *pool;
    atomic_int got_connection;
} borrower;

static void *borrow(void *context)
{
    borrower *b = context;
    sqlite3 *connection = pool_borrow(b->pool);
    atomic_store(&b->got_connection, 1);
    pool_give_back(b->pool, connection);
    return NULL;
}

static void test_pool_lends_each_connection_once(void **state)
{
    fixture *f = *state;
    sqlite3 *database = NULL;
    assert_int_equal(store_open(f->path, &database), CV_OK);
    assert_int_equal(store_migrate(database, MIGRATIONS, 2), CV_OK);
    store_close(database);

    store_db_pool pool;
    assert_int_equal(store_db_pool_open(&pool, f->path, NULL, 2), CV_OK);
    sqlite3 *first = pool_borrow(&pool);
    sqlite3 *second = pool_borrow(&pool);
    assert_non_null(first);
    assert_non_null(second);
    assert_ptr_not_equal(first, second);

    /* Both are out: a third borrower waits until one comes back. (The pause
     * only gives a wrong hand-out the chance to show; a slow thread cannot
     * make this fail.) */
    borrower b = {&pool, 0};
    pthread_t thread;
    assert_int_equal(pthread_create(&thread, NULL, borrow, &b), 0);
    struct timespec pause = {0, 50 * 1000 * 1000};
    nanosleep(&pause, NULL);
    assert_int_equal(atomic_load(&b.got_connection), 0);
    pool_give_back(&pool, second);
    assert_int_equal(pthread_join(thread, NULL), 0);
    assert_int_equal(atomic_load(&b.got_connection), 1);

    /* A change through one connection is seen through the other. */
    assert_int_equal(store_exec(first, "INSERT INTO a (name) VALUES ('z')"), CV_OK);
    sqlite3 *other = pool_borrow(&pool);
    assert_ptr_not_equal(other, first);
    assert_int_equal(query_int(other, "SELECT count(*) FROM a WHERE name = 'z'"), 1);
    pool_give_back(&pool, other);
    pool_give_back(&pool, first);
    store_db_pool_close(&pool);
}

typedef struct {
    store_attachment base;
    sqlite3 *expected;
    int *released;
} counted_attachment;

static void release_counted(store_attachment *attachment, sqlite3 *connection)
{
    counted_attachment *counted = (counted_attachment *)attachment;
    /* Still open: an attachment may finalize statements of its own. */
    assert_ptr_equal(connection, counted->expected);
    assert_int_equal(sqlite3_exec(connection, "SELECT 1", NULL, NULL, NULL), SQLITE_OK);
    (*counted->released)++;
    free(counted);
}

static void test_pool_keeps_an_attachment_per_connection(void **state)
{
    fixture *f = *state;
    store_db_pool pool;
    assert_int_equal(store_db_pool_open(&pool, f->path, NULL, 2), CV_OK);
    store_pool *under = store_db_pool_sqlite(&pool); /* the SQLite pool below */
    sqlite3 *first = pool_borrow(&pool);
    sqlite3 *second = pool_borrow(&pool);
    store_attachment **first_slot = store_pool_attachment(under, first);
    store_attachment **second_slot = store_pool_attachment(under, second);
    assert_non_null(first_slot);
    assert_non_null(second_slot);
    assert_ptr_not_equal(first_slot, second_slot);
    assert_null(*first_slot); /* empty until a module sets it */
    assert_null(store_pool_attachment(under, NULL));

    int released = 0;
    counted_attachment *attached = calloc(1, sizeof *attached);
    assert_non_null(attached);
    *attached = (counted_attachment){{release_counted}, first, &released};
    *first_slot = &attached->base;
    pool_give_back(&pool, first);
    pool_give_back(&pool, second);
    /* The same slot comes back with the same connection. */
    sqlite3 *again = pool_borrow(&pool);
    assert_ptr_equal(*store_pool_attachment(under, again), again == first ? &attached->base : NULL);
    pool_give_back(&pool, again);
    store_db_pool_close(&pool);
    assert_int_equal(released, 1);
}

/* Commits wake the pool's checkpoint thread; no commit runs the
 * checkpoint itself (automatic checkpoints are
 * off on pool connections), and everything is there after reopening. */
static void test_pool_checkpoints_in_the_background(void **state)
{
    fixture *f = *state;
    store_db_pool pool;
    assert_int_equal(store_db_pool_open(&pool, f->path, NULL, 2), CV_OK);
    store_pool *under = store_db_pool_sqlite(&pool); /* the SQLite pool below */
    sqlite3 *database = pool_borrow(&pool);
    assert_int_equal(query_int(database, "PRAGMA wal_autocheckpoint"), 0);
    assert_int_equal(store_exec(database, "CREATE TABLE blobs (data BLOB)"), CV_OK);
    unsigned long before = store_pool_checkpoints(under);
    for (int commit = 0; commit < 60; commit++)
        assert_int_equal(store_exec(database, "INSERT INTO blobs VALUES (zeroblob(100000))"),
                         CV_OK);
    /* Each commit wakes a pass; the last of them certainly runs one. */
    for (int wait = 0; wait < 1000 && store_pool_checkpoints(under) == before; wait++)
        nanosleep(&(struct timespec){0, 10 * 1000 * 1000}, NULL);
    assert_true(store_pool_checkpoints(under) > before);
    pool_give_back(&pool, database);
    store_db_pool_close(&pool);

    sqlite3 *reopened;
    assert_int_equal(store_open(f->path, &reopened), CV_OK);
    assert_int_equal(query_int(reopened, "SELECT count(*) FROM blobs"), 60);
    store_close(reopened);
}

/* Checkpoints the pool's thread has run, once it has run none for 300 ms
 * (a pass already woken has then ended). */
static unsigned long settled_checkpoints(store_pool *under)
{
    unsigned long seen = store_pool_checkpoints(under);
    for (int quiet = 0; quiet < 30;) {
        nanosleep(&(struct timespec){0, 10 * 1000 * 1000}, NULL);
        unsigned long now = store_pool_checkpoints(under);
        quiet = now == seen ? quiet + 1 : 0;
        seen = now;
    }
    return seen;
}

/* Small commits are copied together: a commit wakes the pool's thread only
 * once STORE_CHECKPOINT_PAGES WAL frames are new since its last pass
 * (store.c says why), and then a pass follows soon, long before the
 * fallback pass (STORE_CHECKPOINT_FALLBACK_SECONDS). */
static void test_pool_checkpoint_follows_a_batch_of_commits(void **state)
{
    fixture *f = *state;
    store_db_pool pool;
    assert_int_equal(store_db_pool_open(&pool, f->path, NULL, 1), CV_OK);
    store_pool *under = store_db_pool_sqlite(&pool); /* the SQLite pool below */
    sqlite3 *database = pool_borrow(&pool);
    assert_int_equal(store_exec(database, "CREATE TABLE notes (text TEXT)"), CV_OK);
    /* Copy the CREATE TABLE's frames first, so that the batch below is
     * counted from an empty start. */
    assert_int_equal(
        sqlite3_wal_checkpoint_v2(database, NULL, SQLITE_CHECKPOINT_PASSIVE, NULL, NULL),
        SQLITE_OK);
    unsigned long before = settled_checkpoints(under);
    /* One commit of one page: far fewer frames than a batch, so no pass
     * (the fallback is seconds away: the pool was opened just now). */
    assert_int_equal(store_exec(database, "INSERT INTO notes VALUES ('one row')"), CV_OK);
    assert_int_equal(settled_checkpoints(under), before);
    /* A batch of them wakes a pass. */
    for (int commit = 0; commit < STORE_CHECKPOINT_PAGES; commit++)
        assert_int_equal(store_exec(database, "INSERT INTO notes VALUES ('one more row')"), CV_OK);
    int waited = 0;
    for (; waited < 200 && store_pool_checkpoints(under) == before; waited++)
        nanosleep(&(struct timespec){0, 10 * 1000 * 1000}, NULL);
    /* 2 s at most: half the fallback period, so only the batch's own
     * wake-up can have started this pass. */
    assert_true(store_pool_checkpoints(under) > before);
    assert_true(waited * 10 < STORE_CHECKPOINT_FALLBACK_SECONDS * 1000 / 2);
    pool_give_back(&pool, database);
    store_db_pool_close(&pool);
}

/* Every batch counts, not only the first: once a pass has copied every
 * frame, the next commit starts the WAL over from its first frame, and
 * from there another STORE_CHECKPOINT_PAGES frames must wake the next
 * pass (a count that compared the restarted WAL's size with the previous
 * pass's copied frames woke it only after twice as many). */
static void test_pool_checkpoint_follows_every_batch(void **state)
{
    fixture *f = *state;
    store_db_pool pool;
    assert_int_equal(store_db_pool_open(&pool, f->path, NULL, 1), CV_OK);
    store_pool *under = store_db_pool_sqlite(&pool);
    sqlite3 *database = pool_borrow(&pool);
    assert_int_equal(store_exec(database, "CREATE TABLE notes (text TEXT)"), CV_OK);
    for (int batch = 0; batch < 3; batch++) {
        /* every frame copied (after the thread's pass, if one runs) */
        settled_checkpoints(under);
        assert_int_equal(
            sqlite3_wal_checkpoint_v2(database, NULL, SQLITE_CHECKPOINT_PASSIVE, NULL, NULL),
            SQLITE_OK);
        /* so one commit starts the WAL over: it is then that commit's
         * frame only (this PASSIVE copies that frame too, so the batch's
         * first commit below starts it over once more) */
        assert_int_equal(store_exec(database, "INSERT INTO notes VALUES ('first')"), CV_OK);
        int frames = -1;
        assert_int_equal(
            sqlite3_wal_checkpoint_v2(database, NULL, SQLITE_CHECKPOINT_PASSIVE, &frames, NULL),
            SQLITE_OK);
        assert_int_equal(frames, 1);
        unsigned long before = settled_checkpoints(under);
        /* one page per commit: a batch of frames from the WAL's start */
        for (int commit = 0; commit < STORE_CHECKPOINT_PAGES; commit++)
            assert_int_equal(store_exec(database, "INSERT INTO notes VALUES ('a row')"), CV_OK);
        int waited = 0;
        for (; waited < 200 && store_pool_checkpoints(under) == before; waited++)
            nanosleep(&(struct timespec){0, 10 * 1000 * 1000}, NULL);
        assert_true(store_pool_checkpoints(under) > before);
        assert_true(waited * 10 < STORE_CHECKPOINT_FALLBACK_SECONDS * 1000 / 2);
    }
    pool_give_back(&pool, database);
    store_db_pool_close(&pool);
}

/* A busy handler that counts its calls and keeps waiting. */
static int count_busy_waits(void *counter, int tries)
{
    (void)tries;
    atomic_fetch_add((_Atomic int *)counter, 1);
    nanosleep(&(struct timespec){0, 100 * 1000}, NULL);
    return 1;
}

#define TURN_WRITERS 4
#define TURN_COMMITS 300 /* per writer */

typedef struct {
    store_db_pool *pool;
    int failures;
} turn_writer;

/* Transactions of two statements each, one after another. */
static void *write_transactions(void *argument)
{
    turn_writer *writer = argument;
    sqlite3 *database = pool_borrow(writer->pool);
    for (int commit = 0; commit < TURN_COMMITS; commit++) {
        cv_result result = store_begin(database);
        if (result == CV_OK)
            result = store_exec(database, "INSERT INTO rows VALUES (randomblob(100))");
        if (result == CV_OK)
            result = store_exec(database, "UPDATE totals SET count = count + 1");
        if (result == CV_OK)
            result = store_commit(database);
        if (result != CV_OK) {
            store_rollback(database);
            writer->failures++;
        }
    }
    pool_give_back(writer->pool, database);
    return NULL;
}

/* The writers of one pool take turns before SQLite's write lock, so none
 * of them ever waits in SQLite's busy handler (which sleeps 1 to 100 ms
 * between tries and let a writer wait seconds behind the others:
 * fair_lock.h), and every transaction commits. */
static void test_pool_writers_take_turns(void **state)
{
    fixture *f = *state;
    store_db_pool pool;
    assert_int_equal(store_db_pool_open(&pool, f->path, NULL, TURN_WRITERS), CV_OK);
    store_pool *under = store_db_pool_sqlite(&pool);
    /* no RESTART pass: only the writers themselves could make one wait */
    store_pool_tune_checkpoints(under, STORE_CHECKPOINT_PAGES, 1000000);
    _Atomic int busy_waits = 0;
    for (size_t i = 0; i < under->size; i++)
        sqlite3_busy_handler(under->connections[i], count_busy_waits, (void *)&busy_waits);
    sqlite3 *database = pool_borrow(&pool);
    assert_int_equal(store_exec(database, "CREATE TABLE rows (data BLOB);"
                                          "CREATE TABLE totals (count INTEGER);"
                                          "INSERT INTO totals VALUES (0)"),
                     CV_OK);
    pool_give_back(&pool, database);
    turn_writer writers[TURN_WRITERS];
    pthread_t threads[TURN_WRITERS];
    for (int i = 0; i < TURN_WRITERS; i++) {
        writers[i] = (turn_writer){&pool, 0};
        assert_int_equal(pthread_create(&threads[i], NULL, write_transactions, &writers[i]), 0);
    }
    for (int i = 0; i < TURN_WRITERS; i++) {
        pthread_join(threads[i], NULL);
        assert_int_equal(writers[i].failures, 0);
    }
    assert_int_equal(atomic_load(&busy_waits), 0);
    database = pool_borrow(&pool);
    assert_int_equal(query_int(database, "SELECT count FROM totals"), TURN_WRITERS * TURN_COMMITS);
    pool_give_back(&pool, database);
    store_db_pool_close(&pool);
}

#define BOUNDED_WRITERS        4
#define BOUNDED_COMMITS        1500 /* per writer */
#define BOUNDED_RESTART_PAGES  100
#define BOUNDED_WAL_MAX_FRAMES 3000 /* the bound asserted, with room for the passes' lag */

typedef struct {
    store_db_pool *pool;
    int failures;
} bounded_writer;

/* store_transaction work: one 3 kB row. */
static cv_result insert_a_row(sqlite3 *database, void *context)
{
    (void)context;
    return store_exec(database, "INSERT INTO rows VALUES (randomblob(3000))");
}

/* Commits a 3 kB row after another, never pausing between them, in
 * transactions as the daemons write. */
static void *write_without_pause(void *argument)
{
    bounded_writer *writer = argument;
    sqlite3 *database = pool_borrow(writer->pool);
    for (int commit = 0; commit < BOUNDED_COMMITS; commit++)
        if (store_transaction(database, insert_a_row, NULL) != CV_OK)
            writer->failures++;
    pool_give_back(writer->pool, database);
    return NULL;
}

/* Writers that never pause leave no moment when every WAL frame is copied
 * and a write begins, which is when SQLite starts the WAL over; without
 * the checkpointer's RESTART pass the file grew with every commit. */
static void test_pool_wal_stays_bounded_under_steady_writers(void **state)
{
    fixture *f = *state;
    store_db_pool pool;
    assert_int_equal(store_db_pool_open(&pool, f->path, NULL, BOUNDED_WRITERS), CV_OK);
    store_pool_tune_checkpoints(store_db_pool_sqlite(&pool), 1, BOUNDED_RESTART_PAGES);
    sqlite3 *database = pool_borrow(&pool);
    assert_int_equal(store_exec(database, "CREATE TABLE rows (data BLOB)"), CV_OK);
    pool_give_back(&pool, database);
    pthread_t threads[BOUNDED_WRITERS];
    bounded_writer writers[BOUNDED_WRITERS];
    for (int i = 0; i < BOUNDED_WRITERS; i++) {
        writers[i] = (bounded_writer){&pool, 0};
        assert_int_equal(pthread_create(&threads[i], NULL, write_without_pause, &writers[i]), 0);
    }
    for (int i = 0; i < BOUNDED_WRITERS; i++) {
        pthread_join(threads[i], NULL);
        assert_int_equal(writers[i].failures, 0);
    }
    char wal[128];
    snprintf(wal, sizeof wal, "%s-wal", f->path);
    struct stat status;
    assert_int_equal(stat(wal, &status), 0);
    /* Every commit wrote at least one 4 kB page: unbounded, the WAL would
     * hold BOUNDED_WRITERS * BOUNDED_COMMITS frames or more. */
    assert_true(status.st_size <= (off_t)BOUNDED_WAL_MAX_FRAMES * (4096 + 24) + 32);
    database = pool_borrow(&pool);
    assert_int_equal(query_int(database, "SELECT count(*) FROM rows"),
                     BOUNDED_WRITERS * BOUNDED_COMMITS);
    pool_give_back(&pool, database);
    store_db_pool_close(&pool);
}

#define TEST(name) cmocka_unit_test_setup_teardown(name, set_up, tear_down)

int main(void)
{
    const struct CMUnitTest tests[] = {
        TEST(test_open_settings),
        cmocka_unit_test(test_open_failure),
        TEST(test_migrations_run_once_in_order),
        TEST(test_failed_migration_changes_nothing),
        TEST(test_results_and_transactions),
        TEST(test_transaction_helper_commits_or_changes_nothing),
        TEST(test_atomically_joins_or_opens_a_transaction),
        TEST(test_statement_cache_compiles_once),
        TEST(test_pool_lends_each_connection_once),
        TEST(test_pool_keeps_an_attachment_per_connection),
        TEST(test_pool_checkpoints_in_the_background),
        TEST(test_pool_checkpoint_follows_a_batch_of_commits),
        TEST(test_pool_checkpoint_follows_every_batch),
        TEST(test_pool_writers_take_turns),
        TEST(test_pool_wal_stays_bounded_under_steady_writers),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
