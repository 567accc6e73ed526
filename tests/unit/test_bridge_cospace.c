/*
 * test_bridge_cospace.c - the space queries other modules rely on
 * (cospace.h, object_store_cospaces.c) against a real SQLite database with the
 * bridge's schema: lookup (found, absent, not a UUID, upper-case ID), URI
 * and call ID uniqueness across spaces, secondary URIs and access methods,
 * the exception for a space's own rows, the passcode rule within a space,
 * the prepared checker, and the secret's shape. Owns no production code.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "bridge/cospace.h"
#include "bridge/schema.h"
#include "common/store_sql.h"

#include "bridge_database.h"

#define SPACE_A  "aaaaaaaa-0000-4000-8000-000000000001"
#define SPACE_B  "bbbbbbbb-0000-4000-8000-000000000002"
#define METHOD_A "cccccccc-0000-4000-8000-000000000003"

typedef bridge_database fixture;

static int set_up(void **state)
{
    const char *rows =
        "INSERT INTO cospaces(id, name, uri, secondary_uri, call_id, passcode, secret,"
        " non_member_access, call_profile) VALUES"
        " ('" SPACE_A "', 'Alpha', 'alpha', 'alpha.two', '100', '11', 'sa', 0, NULL),"
        " ('" SPACE_B "', 'Beta', 'beta', NULL, '200', NULL, 'sb', 1, NULL);"
        "INSERT INTO access_methods(id, cospace, uri, call_id, passcode) VALUES"
        " ('" METHOD_A "', '" SPACE_A "', 'alpha.guest', '101', '22');";
    return bridge_database_set_up(state, rows);
}

static void test_lookup(void **state)
{
    fixture *f = *state;
    cospace_summary space;
    assert_int_equal(cospace_lookup(f->database, SPACE_A, &space), CV_OK);
    assert_string_equal(space.id, SPACE_A);
    assert_string_equal(space.name, "Alpha");
    assert_string_equal(space.uri, "alpha");
    assert_string_equal(space.secondary_uri, "alpha.two");
    assert_string_equal(space.call_id, "100");
    assert_string_equal(space.passcode, "11");
    assert_string_equal(space.secret, "sa");
    assert_false(space.non_member_access);
    assert_null(space.call_profile);
    cospace_summary_free(&space);
    cospace_summary_free(&space); /* freeing twice is harmless */

    char upper[] = SPACE_B;
    for (char *c = upper; *c; c++)
        *c = (char)toupper((unsigned char)*c);
    assert_int_equal(cospace_lookup(f->database, upper, &space), CV_OK);
    assert_string_equal(space.id, SPACE_B);
    assert_true(space.non_member_access);
    assert_null(space.passcode);
    cospace_summary_free(&space);

    assert_int_equal(cospace_lookup(f->database, "dddddddd-0000-4000-8000-000000000000", &space),
                     CV_ERR_NOT_FOUND);
    assert_int_equal(cospace_lookup(f->database, "not-a-uuid", &space), CV_ERR_NOT_FOUND);
    assert_int_equal(cospace_lookup(f->database, NULL, &space), CV_ERR_NOT_FOUND);
}

static void expect_conflict(store_db *database, const char *uri, const char *secondary,
                            const char *call_id, const char *except, const char *reason)
{
    const char *found = NULL;
    assert_int_equal(cospace_check_unique(database, uri, secondary, call_id, except, &found),
                     CV_ERR_CONFLICT);
    assert_non_null(found);
    assert_string_equal(found, reason);
}

static void expect_free(store_db *database, const char *uri, const char *secondary,
                        const char *call_id, const char *except)
{
    const char *found = "unset";
    assert_int_equal(cospace_check_unique(database, uri, secondary, call_id, except, &found),
                     CV_OK);
    assert_null(found);
}

static void test_uniqueness_namespaces(void **state)
{
    fixture *f = *state;
    /* One URI namespace: uri, secondaryUri, access method uri. */
    expect_conflict(f->database, "alpha", NULL, NULL, NULL, COSPACE_DUPLICATE_URI);
    expect_conflict(f->database, "alpha.two", NULL, NULL, NULL, COSPACE_DUPLICATE_URI);
    expect_conflict(f->database, NULL, "alpha.guest", NULL, NULL, COSPACE_DUPLICATE_URI);
    expect_conflict(f->database, NULL, "beta", NULL, SPACE_A, COSPACE_DUPLICATE_URI);
    /* One call ID namespace: spaces and access methods. */
    expect_conflict(f->database, NULL, NULL, "200", NULL, COSPACE_DUPLICATE_CALL_ID);
    expect_conflict(f->database, NULL, NULL, "101", SPACE_B, COSPACE_DUPLICATE_CALL_ID);
    /* The namespaces are separate, empty values are not checked. */
    expect_free(f->database, "100", "200", NULL, NULL);
    expect_free(f->database, NULL, NULL, "alpha", NULL);
    expect_free(f->database, "", "", "", NULL);
    expect_free(f->database, NULL, NULL, NULL, NULL);
    /* A space's own rows, and its access methods', do not count. */
    expect_free(f->database, "alpha", "alpha.guest", "101", SPACE_A);
    expect_free(f->database, "alpha", NULL, "100", "AAAAAAAA-0000-4000-8000-000000000001");
    expect_conflict(f->database, "alpha", NULL, NULL, SPACE_B, COSPACE_DUPLICATE_URI);
}

static void test_checker_reuses_statements(void **state)
{
    fixture *f = *state;
    cospace_unique_checker *checker = NULL;
    assert_int_equal(cospace_unique_checker_open(f->database, &checker), CV_OK);
    const char *reason = NULL;
    for (int round = 0; round < 3; round++) {
        assert_int_equal(cospace_unique_checker_check(checker, "new", NULL, "999", NULL, &reason),
                         CV_OK);
        assert_int_equal(cospace_unique_checker_check(checker, "beta", NULL, NULL, NULL, &reason),
                         CV_ERR_CONFLICT);
        assert_string_equal(reason, COSPACE_DUPLICATE_URI);
        assert_int_equal(cospace_unique_checker_check(checker, NULL, NULL, "100", NULL, &reason),
                         CV_ERR_CONFLICT);
        assert_string_equal(reason, COSPACE_DUPLICATE_CALL_ID);
    }
    cospace_unique_checker_close(checker);
    cospace_unique_checker_close(NULL);
}

static void test_passcode_rule_within_a_space(void **state)
{
    fixture *f = *state;
    const char *reason = NULL;
    /* A new access method of Alpha on the space's URI: only with another passcode. */
    assert_int_equal(cospace_check_passcode_clash(f->database, SPACE_A, true, NULL, "alpha", NULL,
                                                  "11", &reason),
                     CV_ERR_CONFLICT);
    assert_string_equal(reason, COSPACE_DUPLICATE_URI_PASSCODE);
    assert_int_equal(cospace_check_passcode_clash(f->database, SPACE_A, true, NULL, "alpha", NULL,
                                                  "33", &reason),
                     CV_OK);
    assert_int_equal(cospace_check_passcode_clash(f->database, SPACE_A, true, NULL, "alpha.two",
                                                  NULL, "11", &reason),
                     CV_ERR_CONFLICT);
    assert_int_equal(
        cospace_check_passcode_clash(f->database, SPACE_A, true, NULL, NULL, "101", "22", &reason),
        CV_ERR_CONFLICT);
    assert_string_equal(reason, COSPACE_DUPLICATE_CALL_ID_PASSCODE);
    /* The method itself is excepted when it is the one being modified. */
    assert_int_equal(cospace_check_passcode_clash(f->database, SPACE_A, true, METHOD_A, NULL, "101",
                                                  "22", &reason),
                     CV_OK);
    /* The space checked against its methods only (a space PUT). */
    assert_int_equal(cospace_check_passcode_clash(f->database, SPACE_A, false, NULL, "alpha.guest",
                                                  NULL, "22", &reason),
                     CV_ERR_CONFLICT);
    assert_int_equal(cospace_check_passcode_clash(f->database, SPACE_A, false, NULL, "alpha", NULL,
                                                  "11", &reason),
                     CV_OK);
    /* Unset and empty passcodes are the same. */
    assert_int_equal(
        cospace_check_passcode_clash(f->database, SPACE_B, true, NULL, "beta", NULL, "", &reason),
        CV_ERR_CONFLICT);
    assert_int_equal(
        cospace_check_passcode_clash(f->database, SPACE_B, true, NULL, "beta", NULL, NULL, &reason),
        CV_ERR_CONFLICT);
}

static void test_secrets(void **state)
{
    (void)state;
    char first[COSPACE_SECRET_SIZE], second[COSPACE_SECRET_SIZE];
    assert_int_equal(cospace_generate_secret(first), CV_OK);
    assert_int_equal(cospace_generate_secret(second), CV_OK);
    assert_int_equal(strlen(first), COSPACE_SECRET_SIZE - 1);
    for (const char *c = first; *c; c++)
        assert_true(isalnum((unsigned char)*c) || *c == '-' || *c == '_');
    assert_string_not_equal(first, second);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_lookup, set_up, bridge_database_tear_down),
        cmocka_unit_test_setup_teardown(test_uniqueness_namespaces, set_up,
                                        bridge_database_tear_down),
        cmocka_unit_test_setup_teardown(test_checker_reuses_statements, set_up,
                                        bridge_database_tear_down),
        cmocka_unit_test_setup_teardown(test_passcode_rule_within_a_space, set_up,
                                        bridge_database_tear_down),
        cmocka_unit_test(test_secrets),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
