/*
 * test_common_store_checkpointer.c - when the pool's checkpoint thread
 * (src/common/store_checkpointer.c) syncs the database file: not while
 * commits keep coming (its copies stop short of the WAL's end), once they
 * stop, and two pools on one file (two convened nodes) still let the WAL
 * start over. The fsyncs are counted by a VFS that wraps SQLite's own
 * (registered as the default for this program). Owns no production code.
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
#include "temp_dir.h"

/* --- a VFS that counts the fsyncs of database and WAL files ------------
 * SQLite's own VFS opens every file; this one then points the file at a
 * copy of its methods whose xSync counts before it calls the real one
 * (the file is still the real VFS's, so every other method works as is). */

static sqlite3_vfs *real_vfs;
static sqlite3_vfs counting_vfs;
/* The real VFS gives database files and WAL files methods of their own. */
static const sqlite3_io_methods *real_database_methods, *real_wal_methods;
static sqlite3_io_methods database_methods, wal_methods;
static _Atomic int database_syncs, wal_syncs;

static int sync_database(sqlite3_file *file, int flags)
{
    atomic_fetch_add(&database_syncs, 1);
    return real_database_methods->xSync(file, flags);
}

static int sync_wal(sqlite3_file *file, int flags)
{
    atomic_fetch_add(&wal_syncs, 1);
    return real_wal_methods->xSync(file, flags);
}

/* Points `file` at `counted` (made from its real methods the first time). */
static void count_syncs(sqlite3_file *file, const sqlite3_io_methods **real,
                        sqlite3_io_methods *counted, int (*sync)(sqlite3_file *, int))
{
    if (*real == NULL) {
        *real = file->pMethods;
        *counted = *file->pMethods;
        counted->xSync = sync;
    }
    assert_ptr_equal(file->pMethods, *real);
    file->pMethods = counted;
}

static int open_counted(sqlite3_vfs *vfs, sqlite3_filename name, sqlite3_file *file, int flags,
                        int *out_flags)
{
    (void)vfs;
    int code = real_vfs->xOpen(real_vfs, name, file, flags, out_flags);
    if (code != SQLITE_OK || file->pMethods == NULL)
        return code;
    if (flags & SQLITE_OPEN_MAIN_DB)
        count_syncs(file, &real_database_methods, &database_methods, sync_database);
    else if (flags & SQLITE_OPEN_WAL)
        count_syncs(file, &real_wal_methods, &wal_methods, sync_wal);
    return code;
}

static int register_counting_vfs(void **state)
{
    (void)state;
    real_vfs = sqlite3_vfs_find(NULL);
    counting_vfs = *real_vfs;
    counting_vfs.zName = "counting";
    counting_vfs.xOpen = open_counted;
    return sqlite3_vfs_register(&counting_vfs, 1) == SQLITE_OK ? 0 : -1;
}

/* The test's database: a file in temp_dir (made fresh for each test). */
static void database_path(char *path, size_t size)
{
    snprintf(path, size, "%s/test.sqlite", temp_dir);
}

static void sleep_ms(long milliseconds)
{
    nanosleep(&(struct timespec){milliseconds / 1000, milliseconds % 1000 * 1000000L}, NULL);
}

/* store_transaction work: one row of `context` (an intptr_t) bytes. */
static cv_result insert_a_row(sqlite3 *database, void *context)
{
    char sql[80];
    snprintf(sql, sizeof sql, "INSERT INTO rows VALUES (randomblob(%d))", (int)(intptr_t)context);
    return store_exec(database, sql);
}

/* --- tests ---------------------------------------------------------------- */

#define STREAM_COMMITS 400
#define STREAM_PAGES   8 /* new frames that wake a pass: about one per 8 commits */

/* While commits keep coming, the passes copy the WAL into the database
 * file without syncing it (the copy ends short of the WAL's end, behind
 * the thread's reader): each such fsync made a commit that landed meanwhile
 * wait (docs/benchmarks.md, "Booking p99"). Every commit still syncs the
 * WAL. Once the commits stop, a pass copies everything and syncs the file,
 * long before the fallback pass (STORE_CHECKPOINT_FALLBACK_SECONDS). */
static void test_database_synced_when_commits_stop(void **state)
{
    (void)state;
    char path[128];
    database_path(path, sizeof path);
    store_db_pool pool;
    assert_int_equal(store_db_pool_open(&pool, path, NULL, 1), CV_OK);
    store_pool *under = store_db_pool_sqlite(&pool);
    store_pool_tune_checkpoints(under, STREAM_PAGES, 1000000); /* never start the WAL over */
    sqlite3 *database = pool_borrow(&pool);
    assert_int_equal(store_exec(database, "CREATE TABLE rows (data BLOB)"), CV_OK);
    /* the first pass (no reader held yet) copies everything and syncs */
    for (int commit = 0; commit < 2 * STREAM_PAGES; commit++)
        assert_int_equal(store_transaction(database, insert_a_row, (void *)(intptr_t)100), CV_OK);
    for (int waited = 0; waited < 200 && store_pool_checkpoints(under) == 0; waited++)
        sleep_ms(5);
    assert_true(store_pool_checkpoints(under) > 0);

    unsigned long passes = store_pool_checkpoints(under);
    int database_before = atomic_load(&database_syncs), wal_before = atomic_load(&wal_syncs);
    for (int commit = 0; commit < STREAM_COMMITS; commit++)
        assert_int_equal(store_transaction(database, insert_a_row, (void *)(intptr_t)100), CV_OK);
    int database_during = atomic_load(&database_syncs) - database_before;
    unsigned long passes_during = store_pool_checkpoints(under) - passes;
    assert_true(atomic_load(&wal_syncs) - wal_before >= STREAM_COMMITS); /* every commit */
    assert_true(passes_during >= 10);
    /* Each pass synced before. Now only a pass after a pause of
     * STORE_CHECKPOINT_QUIET_MS between two commits does (a busy machine
     * makes some), and one may still have been finishing the first copy. */
    assert_true(database_during * 3 <= (int)passes_during);

    /* The commits stopped: the file is synced within STORE_CHECKPOINT_QUIET_MS
     * (50) and a pass, well before the fallback pass. */
    int stopped = atomic_load(&database_syncs);
    int waited = 0;
    for (; waited < 400 && atomic_load(&database_syncs) == stopped; waited++)
        sleep_ms(5);
    assert_true(atomic_load(&database_syncs) > stopped);
    assert_true(waited * 5 < STORE_CHECKPOINT_FALLBACK_SECONDS * 1000 / 2);
    /* and everything was copied: a PASSIVE of the test's own finds the WAL
     * copied to its end */
    int frames = -1, copied = -2, code = SQLITE_BUSY;
    for (int tries = 0; tries < 200 && code == SQLITE_BUSY; tries++) {
        sleep_ms(tries ? 5 : 0); /* BUSY while the pass that synced is ending */
        code =
            sqlite3_wal_checkpoint_v2(database, NULL, SQLITE_CHECKPOINT_PASSIVE, &frames, &copied);
    }
    assert_int_equal(code, SQLITE_OK);
    assert_int_equal(copied, frames);
    pool_give_back(&pool, database);
    store_db_pool_close(&pool);
}

#define TWO_POOL_COMMITS       1200 /* per pool */
#define TWO_POOL_RESTART_PAGES 200
#define TWO_POOL_MAX_FRAMES    2000 /* the bound asserted, with room for the passes' lag */

#define TWO_POOL_SLOW_MS 900 /* a RESTART waiting out its 1 s for a reader */
/* Slow commits a writer takes before it stops: one can be the machine's
 * (a sanitizer build beside other tests took 900 ms once); readers that
 * never go make every RESTART one. */
#define TWO_POOL_SLOW_MAX 3

typedef struct {
    const char *path;
    int failures;
    int slow; /* commits that took TWO_POOL_SLOW_MS or more (at TWO_POOL_SLOW_MAX it stops) */
} pool_writer;

static double now_ms(void)
{
    struct timespec now;
    clock_gettime(CLOCK_MONOTONIC, &now);
    return now.tv_sec * 1e3 + now.tv_nsec / 1e6;
}

/* A pool of its own (as a second convened node on the file has) that
 * commits 3 kB rows without pausing. */
static void *write_from_another_pool(void *argument)
{
    pool_writer *writer = argument;
    store_db_pool pool;
    if (store_db_pool_open(&pool, writer->path, NULL, 1) != CV_OK) {
        writer->failures = TWO_POOL_COMMITS;
        return NULL;
    }
    store_pool_tune_checkpoints(store_db_pool_sqlite(&pool), 4, TWO_POOL_RESTART_PAGES);
    sqlite3 *database = pool_borrow(&pool);
    for (int commit = 0; commit < TWO_POOL_COMMITS && writer->slow < TWO_POOL_SLOW_MAX; commit++) {
        double started = now_ms();
        if (store_transaction(database, insert_a_row, (void *)(intptr_t)3000) != CV_OK)
            writer->failures++;
        if (now_ms() - started >= TWO_POOL_SLOW_MS)
            writer->slow++;
    }
    pool_give_back(&pool, database);
    store_db_pool_close(&pool);
    return NULL;
}

/* Each pool's thread holds a reader while its commits keep coming, and a
 * RESTART waits for every reader to go, up to 1 s, while the writers wait
 * for it: two pools on one file must let their readers go once the WAL
 * has passed the restart size, or every RESTART waits out its second and
 * fails, and the WAL file grows with every commit. */
static void test_two_pools_let_the_wal_start_over(void **state)
{
    (void)state;
    char path[128];
    database_path(path, sizeof path);
    sqlite3 *database = NULL;
    assert_int_equal(store_open(path, &database), CV_OK);
    assert_int_equal(store_exec(database, "CREATE TABLE rows (data BLOB)"), CV_OK);
    pool_writer writers[2] = {{path, 0, 0}, {path, 0, 0}};
    pthread_t threads[2];
    for (int i = 0; i < 2; i++)
        assert_int_equal(pthread_create(&threads[i], NULL, write_from_another_pool, &writers[i]),
                         0);
    for (int i = 0; i < 2; i++) {
        pthread_join(threads[i], NULL);
        assert_int_equal(writers[i].failures, 0);
        assert_true(writers[i].slow < TWO_POOL_SLOW_MAX);
    }
    char wal[160];
    snprintf(wal, sizeof wal, "%s-wal", path);
    struct stat status;
    assert_int_equal(stat(wal, &status), 0);
    /* every commit wrote at least one 4 kB page: unbounded, the WAL would
     * hold 2 * TWO_POOL_COMMITS frames or more */
    assert_true(status.st_size <= (off_t)TWO_POOL_MAX_FRAMES * (4096 + 24) + 32);
    sqlite3_stmt *count = NULL;
    assert_int_equal(sqlite3_prepare_v2(database, "SELECT count(*) FROM rows", -1, &count, NULL),
                     SQLITE_OK);
    assert_int_equal(sqlite3_step(count), SQLITE_ROW);
    assert_int_equal(sqlite3_column_int(count, 0), 2 * TWO_POOL_COMMITS);
    sqlite3_finalize(count);
    store_close(database);
}

#define TEST(name) cmocka_unit_test_setup_teardown(name, temp_dir_set_up, temp_dir_tear_down)

int main(void)
{
    const struct CMUnitTest tests[] = {
        TEST(test_database_synced_when_commits_stop),
        TEST(test_two_pools_let_the_wal_start_over),
    };
    return cmocka_run_group_tests(tests, register_counting_vfs, NULL);
}
