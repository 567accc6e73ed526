/*
 * test_common_store_watch.c - a pool whose database file is lost stops
 * every writer (src/common/store.c, store_pool_watch): once the file is
 * deleted, store_begin refuses, a transaction begun before cannot commit
 * its changes, and a write outside any transaction is rolled back; reads
 * go on. Owns no production code.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "common/data_dir.h"
#include "common/store.h"

#include "pool_borrow.h"

#include "temp_dir.h"

static char path[128]; /* the database file, in the test's temp_dir */

static int set_up(void **state)
{
    if (temp_dir_set_up(state) != 0)
        return -1;
    snprintf(path, sizeof path, "%s/watched.sqlite", temp_dir);
    return 0;
}

static int count_rows(sqlite3 *database)
{
    sqlite3_stmt *statement = NULL;
    assert_int_equal(sqlite3_prepare_v2(database, "SELECT count(*) FROM t", -1, &statement, NULL),
                     SQLITE_OK);
    assert_int_equal(sqlite3_step(statement), SQLITE_ROW);
    int count = sqlite3_column_int(statement, 0);
    sqlite3_finalize(statement);
    return count;
}

static void test_lost_file_stops_every_writer(void **state)
{
    (void)state;
    store_db_pool pool;
    assert_int_equal(store_db_pool_open(&pool, path, NULL, 2), CV_OK);
    file_watch watch;
    assert_int_equal(file_watch_start(&watch, path), CV_OK);
    store_pool_watch(store_db_pool_sqlite(&pool), &watch);

    sqlite3 *database = pool_borrow(&pool);
    assert_int_equal(store_exec(database, "CREATE TABLE t (x INTEGER)"), CV_OK);
    assert_int_equal(store_begin(database), CV_OK);
    assert_int_equal(store_exec(database, "INSERT INTO t VALUES (1)"), CV_OK);
    assert_int_equal(store_commit(database), CV_OK);
    assert_int_equal(count_rows(database), 1);

    /* A transaction under way when the file goes. */
    sqlite3 *other = pool_borrow(&pool);
    assert_int_equal(store_begin(other), CV_OK);
    assert_int_equal(store_exec(other, "INSERT INTO t VALUES (2)"), CV_OK);

    char moved[160];
    snprintf(moved, sizeof moved, "%s/moved-away.sqlite", temp_dir);
    assert_int_equal(rename(path, moved), 0);
    assert_int_equal(atomic_load(&watch.lost_at), 0);

    assert_int_not_equal(store_commit(other), CV_OK); /* rolled back */
    store_rollback(other);
    assert_false(file_watch_check(&watch));
    assert_true(atomic_load(&watch.lost_at) > 0);

    assert_int_equal(store_begin(database), CV_ERR_STORE); /* refused up front */
    assert_true(sqlite3_get_autocommit(database));         /* and nothing begun */
    assert_int_not_equal(store_exec(database, "INSERT INTO t VALUES (3)"), CV_OK);
    assert_int_equal(count_rows(database), 1); /* reads go on; nothing was added */

    pool_give_back(&pool, other);
    pool_give_back(&pool, database);
    store_db_pool_close(&pool);
    file_watch_free(&watch);
}

static int count_commits(void *counter)
{
    (*(int *)counter)++;
    return 0;
}

static void test_unwatched_pool_writes_as_before(void **state)
{
    (void)state;
    store_db_pool pool;
    assert_int_equal(store_db_pool_open(&pool, path, NULL, 1), CV_OK);
    sqlite3 *database = pool_borrow(&pool);
    /* A module's own commit hook (the bridge's list cache has one) is
     * none of the watch's business. */
    int commits = 0;
    sqlite3_commit_hook(database, count_commits, &commits);
    assert_int_equal(store_exec(database, "CREATE TABLE t (x INTEGER)"), CV_OK);
    assert_int_equal(commits, 1);
    char moved[160];
    snprintf(moved, sizeof moved, "%s/moved-away.sqlite", temp_dir);
    assert_int_equal(rename(path, moved), 0);
    assert_int_equal(store_begin(database), CV_OK); /* no watch: nothing checks */
    assert_int_equal(store_exec(database, "INSERT INTO t VALUES (1)"), CV_OK);
    assert_int_equal(store_commit(database), CV_OK);
    assert_int_equal(commits, 2);
    pool_give_back(&pool, database);
    store_db_pool_close(&pool);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_lost_file_stops_every_writer, set_up,
                                        temp_dir_tear_down),
        cmocka_unit_test_setup_teardown(test_unwatched_pool_writes_as_before, set_up,
                                        temp_dir_tear_down),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
