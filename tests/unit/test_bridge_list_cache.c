/*
 * test_bridge_list_cache.c - the cache of rendered collection pages in
 * object_store.c, driven through object_list on connections borrowed from
 * a real pool, where the integration tests cannot choose the connection:
 * a page cached on one connection must change after a commit through that
 * same connection (which PRAGMA data_version does not report), through
 * another connection of the pool, and through a connection outside the
 * pool (as the other node's process would); a page read inside an open
 * transaction must not be cached (a rollback would leave it wrong); and a
 * repeated read with nothing committed is the same bytes. Owns no
 * production code.
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

#include "bridge/object_store.h"
#include "bridge/schema.h"
#include "common/store_db_pool.h"

#include "temp_dir.h"

/* A minimal listing over the bridge's call_profiles table: the engine is
 * generic, so the test needs no more of the real type than this. */
static const field_descriptor test_fields[] = {
    {.name = "participantLimit",
     .column = "participant_limit",
     .type = FIELD_INT,
     .flags = FIELD_IN_LIST},
};

static const object_type test_type = {
    .collection = "callProfiles",
    .table = "call_profiles",
    .list_element = "callProfiles",
    .element = "callProfile",
    .missing_reason = "callProfileDoesNotExist",
    .audit_noun = "call profile",
    .fields = test_fields,
    .field_count = 1,
    .counted = true,
};

typedef struct {
    char path[96]; /* the database file, in the test's temp_dir */
    bridge node;
} fixture;

static int set_up(void **state)
{
    fixture *f = calloc(1, sizeof *f);
    if (!f || temp_dir_set_up(state) != 0)
        return -1;
    *state = f;
    snprintf(f->path, sizeof f->path, "%s/bridge.sqlite", temp_dir);
    store_db *database = NULL;
    if (store_db_open(f->path, NULL, &database) != CV_OK ||
        bridge_schema_migrate(database) != CV_OK)
        return -1;
    store_db_close(database);
    f->node.options.page_limit = 10;
    return store_db_pool_open(&f->node.store, f->path, NULL, 2) == CV_OK ? 0 : -1;
}

static int tear_down(void **state)
{
    fixture *f = *state;
    store_db_pool_close(&f->node.store);
    free(f);
    return temp_dir_tear_down(state);
}

/* GET /callProfiles on `database`; returns the body (caller frees). */
static char *list_on(fixture *f, store_db *database)
{
    http_request request = {.method = "GET", .path = "/api/v1/callProfiles", .body = ""};
    http_response response = {.body = STRBUF_INIT, .annotations = STRBUF_INIT};
    api_call call = {.node = &f->node,
                     .request = &request,
                     .response = &response,
                     .database = database,
                     .segments = {"callProfiles"},
                     .segment_count = 1};
    object_list(&call, &test_type);
    assert_int_equal(response.status, 200);
    assert_int_equal(strbuf_status(&response.body), CV_OK);
    char *body = strbuf_detach(&response.body);
    assert_non_null(body);
    strbuf_free(&response.annotations);
    for (size_t i = 0; i < response.header_count; i++)
        free(response.header_values[i]);
    return body;
}

static void assert_total(fixture *f, store_db *database, int total)
{
    char expected[48];
    snprintf(expected, sizeof expected, "<callProfiles total=\"%d\">", total);
    char *body = list_on(f, database);
    if (!strstr(body, expected))
        fail_msg("expected %s in %s", expected, body);
    free(body);
}

static void insert_profile(store_db *database, const char *id, int limit)
{
    char sql[160];
    snprintf(sql, sizeof sql, "INSERT INTO call_profiles(id, participant_limit) VALUES ('%s', %d)",
             id, limit);
    assert_int_equal(store_db_exec(database, sql), CV_OK);
}

static void test_repeated_reads_are_the_same_page(void **state)
{
    fixture *f = *state;
    store_db *a = store_db_pool_acquire(&f->node.store);
    insert_profile(a, "11111111-0000-4000-8000-000000000001", 5);
    char *first = list_on(f, a);
    char *second = list_on(f, a);
    assert_string_equal(first, second);
    assert_non_null(strstr(first, "<participantLimit>5</participantLimit>"));
    free(first);
    free(second);
    store_db_pool_release(&f->node.store, a);
}

static void test_own_commit_changes_the_page(void **state)
{
    fixture *f = *state;
    store_db *a = store_db_pool_acquire(&f->node.store);
    assert_total(f, a, 0);
    /* Read again: now from the cache. */
    assert_total(f, a, 0);
    insert_profile(a, "11111111-0000-4000-8000-000000000001", 1); /* autocommit */
    assert_total(f, a, 1);
    assert_int_equal(store_db_begin(a), CV_OK);
    insert_profile(a, "11111111-0000-4000-8000-000000000002", 2);
    assert_int_equal(store_db_commit(a), CV_OK);
    assert_total(f, a, 2);
    assert_int_equal(store_db_exec(a, "UPDATE call_profiles SET participant_limit = 77"), CV_OK);
    char *body = list_on(f, a);
    assert_non_null(strstr(body, "<participantLimit>77</participantLimit>"));
    free(body);
    store_db_pool_release(&f->node.store, a);
}

static void test_other_pooled_connection_changes_the_page(void **state)
{
    fixture *f = *state;
    store_db *a = store_db_pool_acquire(&f->node.store);
    store_db *b = store_db_pool_acquire(&f->node.store);
    assert_ptr_not_equal(a, b);
    assert_total(f, a, 0);
    assert_total(f, b, 0);
    insert_profile(b, "22222222-0000-4000-8000-000000000001", 1);
    assert_total(f, a, 1);
    assert_total(f, b, 1);
    insert_profile(a, "22222222-0000-4000-8000-000000000002", 2);
    assert_total(f, b, 2);
    assert_total(f, a, 2);
    store_db_pool_release(&f->node.store, b);
    store_db_pool_release(&f->node.store, a);
}

static void test_connection_outside_the_pool_changes_the_page(void **state)
{
    fixture *f = *state;
    store_db *a = store_db_pool_acquire(&f->node.store);
    assert_total(f, a, 0);
    store_db *outside = NULL; /* as the other node's process would write */
    assert_int_equal(store_db_open(f->path, NULL, &outside), CV_OK);
    insert_profile(outside, "33333333-0000-4000-8000-000000000001", 1);
    assert_total(f, a, 1);
    assert_int_equal(store_db_exec(outside, "DELETE FROM call_profiles"), CV_OK);
    assert_total(f, a, 0);
    store_db_close(outside);
    store_db_pool_release(&f->node.store, a);
}

static void test_a_page_read_inside_a_transaction_is_not_kept(void **state)
{
    fixture *f = *state;
    store_db *a = store_db_pool_acquire(&f->node.store);
    assert_total(f, a, 0);
    assert_int_equal(store_db_begin(a), CV_OK);
    insert_profile(a, "44444444-0000-4000-8000-000000000001", 1);
    assert_total(f, a, 1); /* the transaction sees its own row */
    store_db_rollback(a);  /* no commit: neither counter moves */
    assert_total(f, a, 0);
    store_db_pool_release(&f->node.store, a);
}

#define TEST(name) cmocka_unit_test_setup_teardown(name, set_up, tear_down)

int main(void)
{
    const struct CMUnitTest tests[] = {
        TEST(test_repeated_reads_are_the_same_page),
        TEST(test_own_commit_changes_the_page),
        TEST(test_other_pooled_connection_changes_the_page),
        TEST(test_connection_outside_the_pool_changes_the_page),
        TEST(test_a_page_read_inside_a_transaction_is_not_kept),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
