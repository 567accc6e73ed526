/*
 * test_common_ids.c - object identifiers (src/common/ids.c): random v4
 * UUIDs, time-ordered v7 UUIDs (their clock prefix and order), name-based v5 UUIDs that every
 * cluster node derives alike (pinned to fixed values, so a change of namespace or algorithm fails
 * here before it splits a cluster), and strict validation of IDs from request paths. Owns no
 * production code.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "common/ids.h"
#include "common/sleep.h"

static void test_generated_ids_are_v4_and_distinct(void **state)
{
    (void)state;
    char first[ID_TEXT_SIZE], second[ID_TEXT_SIZE];
    id_generate(first);
    id_generate(second);
    assert_int_equal(strlen(first), 36);
    assert_true(id_is_valid(first));
    assert_true(id_is_valid(second));
    assert_string_not_equal(first, second);
    assert_int_equal(first[14], '4');           /* version */
    assert_non_null(strchr("89ab", first[19])); /* RFC 4122 variant */
    for (int i = 0; i < 36; i++)
        assert_false(first[i] >= 'A' && first[i] <= 'F'); /* lower case */
}

/* The first 48 bits of a v7 UUID as milliseconds. */
static unsigned long long ordered_milliseconds(const char *id)
{
    char hex[13];
    memcpy(hex, id, 8);
    memcpy(hex + 8, id + 9, 4);
    hex[12] = '\0';
    return strtoull(hex, NULL, 16);
}

static void test_ordered_ids_are_v7_with_the_clock_first(void **state)
{
    (void)state;
    char first[ID_TEXT_SIZE], same_millisecond[ID_TEXT_SIZE], later[ID_TEXT_SIZE];
    struct timespec before;
    clock_gettime(CLOCK_REALTIME, &before);
    id_generate_ordered(first);
    id_generate_ordered(same_millisecond);
    sleep_milliseconds(3);
    id_generate_ordered(later);
    assert_true(id_is_valid(first));
    assert_string_not_equal(first, same_millisecond); /* the random bits differ */
    assert_int_equal(first[14], '7');                 /* version */
    assert_non_null(strchr("89ab", first[19]));       /* RFC 9562 variant */
    unsigned long long now_ms =
        (unsigned long long)before.tv_sec * 1000u + (unsigned long long)before.tv_nsec / 1000000u;
    assert_true(ordered_milliseconds(first) >= now_ms);
    assert_true(ordered_milliseconds(first) < now_ms + 1000);
    /* made later, sorts later: text order is time order */
    assert_true(strcmp(first, later) < 0);
    assert_true(strcmp(same_millisecond, later) < 0);
}

static void test_name_ids_are_v5_and_deterministic(void **state)
{
    (void)state;
    char first[ID_TEXT_SIZE], again[ID_TEXT_SIZE], other[ID_TEXT_SIZE];
    id_from_name("CallBridge", first);
    id_from_name("CallBridge", again);
    id_from_name("callbridge", other);
    assert_string_equal(first, again);
    assert_string_not_equal(first, other); /* names are case-sensitive */
    assert_true(id_is_valid(first));
    assert_int_equal(first[14], '5');
    assert_non_null(strchr("89ab", first[19]));
}

static void test_name_ids_are_pinned(void **state)
{
    (void)state;
    /* uuid5(6b4f1c35-8a0e-5d8c-9a51-3f0e2c7d9b14, name), computed independently. */
    char id[ID_TEXT_SIZE];
    id_from_name("CallBridge", id);
    assert_string_equal(id, "2684406a-1e80-54bd-8d03-1579f7b465a3");
    id_from_name("cb1", id);
    assert_string_equal(id, "24126227-158a-5bb2-b21e-04009474860b");
    id_from_name("", id);
    assert_string_equal(id, "63690bc3-b6ed-5956-a85d-f5c9a7fca2b2");
}

static void test_validation(void **state)
{
    (void)state;
    assert_true(id_is_valid("2684406a-1e80-54bd-8d03-1579f7b465a3"));
    assert_true(id_is_valid("2684406A-1E80-54BD-8D03-1579F7B465A3"));
    assert_true(id_is_valid("00000000-0000-0000-0000-000000000000"));

    assert_false(id_is_valid(NULL));
    assert_false(id_is_valid(""));
    assert_false(id_is_valid("2684406a-1e80-54bd-8d03-1579f7b465a"));   /* 35 */
    assert_false(id_is_valid("2684406a-1e80-54bd-8d03-1579f7b465a33")); /* 37 */
    assert_false(id_is_valid("2684406a1e80-54bd-8d03-1579f7b465a3a"));  /* hyphen moved */
    assert_false(id_is_valid("2684406a-1e80-54bd-8d03_1579f7b465a3"));
    assert_false(id_is_valid("2684406g-1e80-54bd-8d03-1579f7b465a3")); /* not hex */
    assert_false(id_is_valid("{684406a-1e80-54bd-8d03-1579f7b465a}"));
    assert_false(id_is_valid("2684406a 1e80 54bd 8d03 1579f7b465a3"));
    assert_false(id_is_valid("2684406a-1e80-54bd-8d03-1579f7b465\xC3\xA9"));
    assert_false(id_is_valid("../../../../../../../../../etc/passwd"));
    assert_false(id_is_valid("2684406a-1e80-54bd-8d03-1579f7b465a3\n"));
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_generated_ids_are_v4_and_distinct),
        cmocka_unit_test(test_ordered_ids_are_v7_with_the_clock_first),
        cmocka_unit_test(test_name_ids_are_v5_and_deterministic),
        cmocka_unit_test(test_name_ids_are_pinned),
        cmocka_unit_test(test_validation),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
