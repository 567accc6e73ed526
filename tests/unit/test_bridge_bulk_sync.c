/*
 * test_bridge_bulk_sync.c - running one coSpace bulk sync directly against
 * a fresh database with the bridge's schema (src/bridge/bulk_sync.c,
 * bulk_sync_execute): the outcome counts of a first sync, a re-sync and a
 * shrink, that a sync asked to stop rolls everything back and stays
 * running, that a failure status leaves no space behind, and that only a
 * sync running under the caller's claim is executed. The HTTP side is covered by
 * tests/integration/test_bridge_bulk.py. Owns no production code.
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

#include "bridge/bulk_sync.h"
#include "bridge/schema.h"
#include "common/store_sql.h"

#define SET_ID  "129c6941-0b6f-4f15-a16d-8b0ce9444fb9"
#define SYNC_ID "5dd4ccc0-ed58-4ef5-97be-04dfe9937785"
#define NODE    "CallBridge"

typedef struct {
    char directory[64];
    char path[128];
    store_db *database;
} fixture;

static int set_up(void **state)
{
    fixture *test = calloc(1, sizeof *test);
    assert_non_null(test);
    snprintf(test->directory, sizeof test->directory, "/tmp/convene-bulk-sync-XXXXXX");
    assert_non_null(mkdtemp(test->directory));
    snprintf(test->path, sizeof test->path, "%s/bridge.sqlite", test->directory);
    assert_int_equal(store_db_open(test->path, NULL, &test->database), CV_OK);
    assert_int_equal(bridge_schema_migrate(test->database), CV_OK);
    *state = test;
    return 0;
}

static int tear_down(void **state)
{
    fixture *test = *state;
    store_db_close(test->database);
    char wal[160], shm[160];
    snprintf(wal, sizeof wal, "%s-wal", test->path);
    snprintf(shm, sizeof shm, "%s-shm", test->path);
    unlink(test->path);
    unlink(wal);
    unlink(shm);
    rmdir(test->directory);
    free(test);
    return 0;
}

static void exec_sql(store_db *database, const char *sql)
{
    assert_int_equal(store_db_exec(database, sql), CV_OK);
}

static int64_t query_number(store_db *database, const char *sql)
{
    store_stmt *statement = store_db_statement(database, sql);
    assert_non_null(statement);
    assert_int_equal(store_step(statement), STORE_ROW);
    int64_t value = store_column_int64(statement, 0);
    store_stmt_done(statement);
    return value;
}

static void set_range(store_db *database, int start, int end)
{
    char sql[256];
    snprintf(sql, sizeof sql,
             "UPDATE cospace_bulk_parameter_sets SET start_index = %d, end_index = %d", start, end);
    exec_sql(database, sql);
}

/* A set over [start, end] with name, URI and call ID mappings, and a
 * sync of it already claimed (running). */
static void add_set_and_running_sync(store_db *database, int start, int end)
{
    exec_sql(database, "INSERT INTO cospace_bulk_parameter_sets(id, start_index, end_index,"
                       " cospace_name_mapping, cospace_uri_mapping, cospace_call_id_mapping,"
                       " non_member_access) VALUES ('" SET_ID "', 0, 0, 'Room $index$',"
                       " 'room.$index$', '77$index$', 0)");
    set_range(database, start, end);
    exec_sql(database, "INSERT INTO cospace_bulk_syncs(id, cospace_bulk_parameter_set, status,"
                       " claimed_by) VALUES ('" SYNC_ID "', '" SET_ID "', 'running', '" NODE "')");
}

static void rerun(store_db *database)
{
    exec_sql(database, "UPDATE cospace_bulk_syncs SET status = 'running'");
}

static int64_t space_count(store_db *database)
{
    return query_number(database, "SELECT count(*) FROM cospaces");
}

static void test_sync_creates_updates_and_deletes(void **state)
{
    fixture *test = *state;
    add_set_and_running_sync(test->database, 1, 100);
    bulk_sync_outcome outcome;
    assert_int_equal(bulk_sync_execute(test->database, SYNC_ID, NODE, NULL, &outcome), CV_OK);
    assert_string_equal(outcome.status, "complete");
    assert_int_equal(outcome.spaces_created, 100);
    assert_int_equal(outcome.spaces_updated, 0);
    assert_int_equal(space_count(test->database), 100);
    assert_int_equal(
        query_number(test->database,
                     "SELECT total FROM object_counts WHERE object_table = 'cospaces'"),
        100);
    assert_int_equal(query_number(test->database, "SELECT count(*) FROM cospaces WHERE"
                                                  " name = 'Room 42' AND uri = 'room.42' AND"
                                                  " call_id = '7742' AND non_member_access = 0"),
                     1);
    assert_int_equal(query_number(test->database, "SELECT spaces_created FROM cospace_bulk_syncs"),
                     100);

    rerun(test->database);
    set_range(test->database, 51, 150);
    assert_int_equal(bulk_sync_execute(test->database, SYNC_ID, NODE, NULL, &outcome), CV_OK);
    assert_string_equal(outcome.status, "complete");
    assert_int_equal(outcome.spaces_created, 50);
    assert_int_equal(outcome.spaces_updated, 50);
    assert_int_equal(outcome.spaces_deleted, 50);
    assert_int_equal(space_count(test->database), 100);
    assert_int_equal(
        query_number(test->database,
                     "SELECT total FROM object_counts WHERE object_table = 'cospaces'"),
        100);
    assert_int_equal(query_number(test->database, "SELECT min(bulk_index) FROM cospaces"), 51);
}

static void test_a_stop_rolls_everything_back(void **state)
{
    fixture *test = *state;
    add_set_and_running_sync(test->database, 1, 5000);
    atomic_bool stop;
    atomic_init(&stop, true);
    bulk_sync_outcome outcome;
    assert_int_equal(bulk_sync_execute(test->database, SYNC_ID, NODE, &stop, &outcome),
                     CV_ERR_BUSY);
    assert_int_equal(space_count(test->database), 0);
    assert_int_equal(
        query_number(test->database, "SELECT status = 'running' FROM cospace_bulk_syncs"), 1);
    assert_false(store_db_in_transaction(test->database));
    atomic_store(&stop, false);
    assert_int_equal(bulk_sync_execute(test->database, SYNC_ID, NODE, &stop, &outcome), CV_OK);
    assert_int_equal(space_count(test->database), 5000);
}

static void test_a_conflict_leaves_no_space(void **state)
{
    fixture *test = *state;
    add_set_and_running_sync(test->database, 1, 10);
    bulk_sync_outcome outcome;
    assert_int_equal(bulk_sync_execute(test->database, SYNC_ID, NODE, NULL, &outcome), CV_OK);
    exec_sql(test->database, "INSERT INTO cospaces(id, name, call_id, secret) VALUES"
                             " ('00000000-0000-4000-8000-000000000001', 'Other', '7715', 's')");
    rerun(test->database);
    set_range(test->database, 5, 20);
    assert_int_equal(bulk_sync_execute(test->database, SYNC_ID, NODE, NULL, &outcome), CV_OK);
    assert_string_equal(outcome.status, "failedCallIdConflict");
    assert_int_equal(outcome.spaces_deleted, 0);
    /* The ten spaces of the first sync are all still there. */
    assert_int_equal(space_count(test->database), 11);
    assert_int_equal(query_number(test->database, "SELECT min(bulk_index) FROM cospaces"), 1);
    assert_int_equal(query_number(test->database,
                                  "SELECT status = 'failedCallIdConflict' FROM cospace_bulk_syncs"),
                     1);
}

static void test_only_a_running_sync_is_executed(void **state)
{
    fixture *test = *state;
    add_set_and_running_sync(test->database, 1, 3);
    exec_sql(test->database, "UPDATE cospace_bulk_syncs SET status = 'pending'");
    bulk_sync_outcome outcome;
    assert_int_equal(bulk_sync_execute(test->database, SYNC_ID, NODE, NULL, &outcome),
                     CV_ERR_NOT_FOUND);
    /* Running, but under another node's claim (it took the sync over). */
    exec_sql(test->database, "UPDATE cospace_bulk_syncs SET status = 'running',"
                             " claimed_by = 'OtherNode'");
    assert_int_equal(bulk_sync_execute(test->database, SYNC_ID, NODE, NULL, &outcome),
                     CV_ERR_NOT_FOUND);
    assert_int_equal(space_count(test->database), 0);
    assert_false(store_db_in_transaction(test->database));
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_sync_creates_updates_and_deletes, set_up, tear_down),
        cmocka_unit_test_setup_teardown(test_a_stop_rolls_everything_back, set_up, tear_down),
        cmocka_unit_test_setup_teardown(test_a_conflict_leaves_no_space, set_up, tear_down),
        cmocka_unit_test_setup_teardown(test_only_a_running_sync_is_executed, set_up, tear_down),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
