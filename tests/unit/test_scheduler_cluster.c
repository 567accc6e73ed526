/*
 * test_scheduler_cluster.c - the lease of several convened on one
 * database (db_cluster.c) on a real SQLite database with convened's
 * schema: who takes it, renewal keeps the epoch, a change of holder grows
 * it, an old holder is fenced out and cannot take it back, a restart of
 * the same node ID takes over at once; the node registry; the lifecycle
 * requests left for the leader (asked twice is asked once, taken once).
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/store_sql.h"
#include "scheduler/db_cluster.h"
#include "scheduler/schema.h"

#define LEASE_MS 60000 /* long: nothing expires unless a test says so */

static int setup(void **state)
{
    store_db *db = NULL;
    if (store_db_open(":memory:", NULL, &db) != CV_OK || schema_migrate(db) != CV_OK)
        return -1;
    *state = db;
    return 0;
}

static int teardown(void **state)
{
    store_db_close(*state);
    return 0;
}

/* One round of `id`; returns whether it holds the lease, *epoch updated. */
static bool round_of(store_db *db, const char *id, bool fresh, int64_t *epoch)
{
    bool holding = true;
    assert_int_equal(db_cluster_lease_round(db, id, LEASE_MS, fresh, epoch, &holding), CV_OK);
    return holding;
}

static void test_one_holder_renewal_keeps_the_epoch(void **state)
{
    store_db *db = *state;
    int64_t a = 0, b = 0;
    assert_true(round_of(db, "a", true, &a));
    assert_int_equal(a, 1);
    assert_false(round_of(db, "b", true, &b)); /* held and not expired */
    assert_int_equal(b, 0);
    assert_true(round_of(db, "a", false, &a));
    assert_int_equal(a, 1); /* renewed, not taken again */
    assert_int_equal(db_cluster_fence(db, "a", 1), CV_OK);
    assert_int_equal(db_cluster_fence(db, "b", 1), CV_ERR_CONFLICT);
}

static void test_an_expired_lease_changes_hands_and_fences_the_old_holder(void **state)
{
    store_db *db = *state;
    int64_t a = 0, b = 0;
    assert_true(round_of(db, "a", true, &a));
    /* as if it expired: its holder's clean stop sets the expiry to now */
    assert_int_equal(db_cluster_release(db, "a", a), CV_OK);
    assert_true(round_of(db, "b", true, &b));
    assert_int_equal(b, 2);
    /* the old holder wakes: its epoch is stale, the lease not expired */
    int64_t stale = a;
    assert_false(round_of(db, "a", false, &stale));
    assert_int_equal(stale, 0);
    assert_int_equal(db_cluster_fence(db, "a", a), CV_ERR_CONFLICT);
    assert_int_equal(db_cluster_fence(db, "b", b), CV_OK);
    /* a release with a stale epoch changes nothing */
    assert_int_equal(db_cluster_release(db, "a", a), CV_OK);
    assert_false(round_of(db, "a", false, &stale));
}

static void test_a_restarted_node_takes_its_own_lease_at_once(void **state)
{
    store_db *db = *state;
    int64_t first = 0;
    assert_true(round_of(db, "a", true, &first));
    /* the same ID started again (the old process is gone): a new epoch */
    int64_t restarted = 0;
    assert_true(round_of(db, "a", true, &restarted));
    assert_int_equal(restarted, first + 1);
    assert_int_equal(db_cluster_fence(db, "a", first), CV_ERR_CONFLICT);
    /* but a process that held it once never takes it back from its ID */
    int64_t old = first;
    assert_false(round_of(db, "a", false, &old));
}

static void test_nodes_and_lease_are_listed(void **state)
{
    store_db *db = *state;
    assert_int_equal(db_cluster_register(db, "b", "http://127.0.0.1:2", "1.0"), CV_OK);
    assert_int_equal(db_cluster_register(db, "a", "http://127.0.0.1:1", "1.0"), CV_OK);
    assert_int_equal(db_cluster_register(db, "a", "http://127.0.0.1:3", "1.1"), CV_OK);
    int64_t epoch = 0;
    assert_true(round_of(db, "a", true, &epoch));
    db_cluster_lease lease;
    db_cluster_node *nodes = NULL;
    size_t count = 0;
    assert_int_equal(db_cluster_read(db, &lease, &nodes, &count), CV_OK);
    assert_string_equal(lease.holder, "a");
    assert_int_equal(lease.epoch, 1);
    assert_true(lease.expires_at_ms > lease.now_ms);
    assert_true(lease.expires_at_ms <= lease.now_ms + LEASE_MS);
    assert_int_equal(count, 2);
    assert_string_equal(nodes[0].id, "a");
    assert_string_equal(nodes[0].address, "http://127.0.0.1:3"); /* re-registered */
    assert_string_equal(nodes[0].version, "1.1");
    assert_true(nodes[0].last_seen_ms >= nodes[0].started_at_ms);
    assert_string_equal(nodes[1].id, "b");
    free(nodes);
}

typedef struct {
    char seen[8][64];
    size_t count;
} visits;

static void note_request(const char *booking_id, const char *kind, void *context)
{
    visits *seen = context;
    snprintf(seen->seen[seen->count++], sizeof seen->seen[0], "%s/%s", booking_id, kind);
}

static void test_requests_are_taken_once(void **state)
{
    store_db *db = *state;
    assert_int_equal(db_cluster_request(db, "b1", "end"), CV_OK);
    assert_int_equal(db_cluster_request(db, "b1", "end"), CV_OK); /* asked twice */
    assert_int_equal(db_cluster_request(db, "b1", "changed"), CV_OK);
    visits seen = {0};
    assert_int_equal(db_cluster_take_requests(db, 8, note_request, &seen), CV_OK);
    assert_int_equal(seen.count, 2);
    bool end = false, changed = false;
    for (size_t index = 0; index < seen.count; index++) {
        end = end || strcmp(seen.seen[index], "b1/end") == 0;
        changed = changed || strcmp(seen.seen[index], "b1/changed") == 0;
    }
    assert_true(end && changed);
    visits again = {0};
    assert_int_equal(db_cluster_take_requests(db, 8, note_request, &again), CV_OK);
    assert_int_equal(again.count, 0);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_one_holder_renewal_keeps_the_epoch, setup, teardown),
        cmocka_unit_test_setup_teardown(
            test_an_expired_lease_changes_hands_and_fences_the_old_holder, setup, teardown),
        cmocka_unit_test_setup_teardown(test_a_restarted_node_takes_its_own_lease_at_once, setup,
                                        teardown),
        cmocka_unit_test_setup_teardown(test_nodes_and_lease_are_listed, setup, teardown),
        cmocka_unit_test_setup_teardown(test_requests_are_taken_once, setup, teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
