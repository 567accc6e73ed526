/*
 * test_scheduler_bridge_members.c - where convened sends a bridge's
 * credentials (src/scheduler/bridges.c, bridge_endpoints_load): cluster
 * members the bridge reported are used with the bridge's own scheme and
 * trust settings whatever scheme was reported (an https bridge's member at
 * http:// is used over https), and only those in allowedMembers when that
 * is set. Also that a sealed password is opened for the endpoints
 * (db_bridge_secrets.c). Owns no production code.
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

#include "common/secret_box.h"
#include "common/store_sql.h"
#include "scheduler/bridges.h"
#include "scheduler/db_bridge_secrets.h"
#include "scheduler/schema.h"

typedef struct {
    char key_path[64];
    secret_box *key;
    store_db *database;
} fixture;

static int set_up(void **state)
{
    fixture *f = calloc(1, sizeof *f);
    strbuf error = STRBUF_INIT;
    snprintf(f->key_path, sizeof f->key_path, "/tmp/convene-members-%d.key", (int)getpid());
    unlink(f->key_path);
    if (secret_box_open(f->key_path, true, &f->key, NULL, &error) != CV_OK ||
        store_db_open(":memory:", NULL, &f->database) != CV_OK ||
        schema_migrate(f->database) != CV_OK)
        return -1;
    strbuf_free(&error);
    db_bridge_secrets_use(f->key);
    *state = f;
    return 0;
}

static int tear_down(void **state)
{
    fixture *f = *state;
    db_bridge_secrets_stop(f->key);
    store_db_close(f->database);
    unlink(f->key_path);
    free(f);
    return 0;
}

/* The bridge 'b' at `address` (CA file /etc/ca.pem, verification on,
 * password "pw" sealed) and three reported members besides itself. */
static void add_bridge(fixture *f, const char *address, const char *allowed)
{
    char *sealed = NULL;
    assert_int_equal(db_bridge_secret_seal("b", DB_BRIDGE_PASSWORD, "pw", &sealed), CV_OK);
    store_stmt *statement = NULL;
    assert_int_equal(
        store_db_prepare(f->database,
                         "INSERT INTO bridges (id, address, username, password, tls_verify,"
                         " ca_file, created, allowed_members)"
                         " VALUES ('b', ?1, 'u', ?2, 1, '/etc/ca.pem', 0, ?3)",
                         &statement),
        CV_OK);
    store_bind_text(statement, 1, address);
    store_bind_text(statement, 2, sealed);
    store_bind_text(statement, 3, allowed);
    assert_int_equal(store_step(statement), STORE_DONE);
    store_stmt_done(statement);
    free(sealed);
    assert_int_equal(
        store_db_exec(
            f->database,
            "INSERT INTO cluster_members (bridge_id, cms_id, name, address, added, position)"
            " VALUES ('b', '1', 'self', 'https://core1:445', 1, 0),"
            " ('b', '2', 'plain', 'http://10.0.0.2:8080', 0, 1),"
            " ('b', '3', 'bare', '10.0.0.3', 0, 2),"
            " ('b', '4', 'six', 'http://[fd00::5]', 0, 3)"),
        CV_OK);
}

static void load(fixture *f, bridge_record *record, bridge_endpoints *endpoints)
{
    assert_int_equal(bridge_load(f->database, "b", record), CV_OK);
    assert_string_equal(record->password, "pw"); /* opened from its sealed form */
    assert_int_equal(bridge_endpoints_load(f->database, record, endpoints), CV_OK);
    for (size_t i = 0; i < endpoints->count; i++) {
        const cms_endpoint *item = &endpoints->items[i];
        assert_string_equal(item->password, "pw");
        assert_string_equal(item->ca_file, "/etc/ca.pem");
        assert_true(item->tls_verify);
    }
}

static void test_members_keep_the_bridges_scheme(void **state)
{
    fixture *f = *state;
    add_bridge(f, "https://core1:445", NULL);
    bridge_record record;
    bridge_endpoints endpoints;
    load(f, &record, &endpoints);
    assert_int_equal(endpoints.count, 4);
    assert_string_equal(endpoints.items[0].address, "https://core1:445");
    assert_string_equal(endpoints.items[1].address, "https://10.0.0.2:8080");
    assert_string_equal(endpoints.items[2].address, "https://10.0.0.3");
    assert_string_equal(endpoints.items[3].address, "https://[fd00::5]:80");
    for (size_t i = 0; i < endpoints.count; i++)
        assert_int_equal(strncmp(endpoints.items[i].address, "https://", 8), 0);
    bridge_endpoints_free(&endpoints);
    bridge_record_free(&record);
}

static void test_a_plain_bridge_uses_plain_members(void **state)
{
    fixture *f = *state;
    add_bridge(f, "http://core1:8080", NULL);
    bridge_record record;
    bridge_endpoints endpoints;
    load(f, &record, &endpoints);
    assert_int_equal(endpoints.count, 4);
    assert_string_equal(endpoints.items[2].address, "http://10.0.0.3:443");
    bridge_endpoints_free(&endpoints);
    bridge_record_free(&record);
}

static void test_only_allowed_members_are_used(void **state)
{
    fixture *f = *state;
    add_bridge(f, "https://core1:445", "https://10.0.0.3 https://[fd00::5]:80");
    bridge_record record;
    bridge_endpoints endpoints;
    load(f, &record, &endpoints);
    assert_int_equal(endpoints.count, 3);
    assert_string_equal(endpoints.items[1].address, "https://10.0.0.3");
    assert_string_equal(endpoints.items[2].address, "https://[fd00::5]:80");
    bridge_endpoints_free(&endpoints);
    bridge_record_free(&record);

    /* An empty list: the bridge's own address only. */
    assert_int_equal(store_db_exec(f->database, "UPDATE bridges SET allowed_members = ''"), CV_OK);
    load(f, &record, &endpoints);
    assert_int_equal(endpoints.count, 1);
    bridge_endpoints_free(&endpoints);
    bridge_record_free(&record);
}

static void test_a_password_moved_to_another_row_does_not_open(void **state)
{
    fixture *f = *state;
    add_bridge(f, "https://core1:445", NULL);
    char *sealed = NULL;
    assert_int_equal(db_bridge_secret_seal("other", DB_BRIDGE_PASSWORD, "pw", &sealed), CV_OK);
    store_stmt *statement = NULL;
    assert_int_equal(store_db_prepare(f->database, "UPDATE bridges SET password = ?1", &statement),
                     CV_OK);
    store_bind_text(statement, 1, sealed);
    assert_int_equal(store_step(statement), STORE_DONE);
    store_stmt_done(statement);
    free(sealed);
    bridge_record record;
    assert_int_equal(bridge_load(f->database, "b", &record), CV_ERR_AUTH);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_members_keep_the_bridges_scheme, set_up, tear_down),
        cmocka_unit_test_setup_teardown(test_a_plain_bridge_uses_plain_members, set_up, tear_down),
        cmocka_unit_test_setup_teardown(test_only_allowed_members_are_used, set_up, tear_down),
        cmocka_unit_test_setup_teardown(test_a_password_moved_to_another_row_does_not_open, set_up,
                                        tear_down),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
