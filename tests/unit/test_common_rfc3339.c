/* test_common_rfc3339.c - the shared RFC 3339 parser and formatter. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include "common/rfc3339.h"

#define BASE_TIME 1893456000 /* 2030-01-01T00:00:00Z */

static void test_accepts_times_with_an_offset(void **state)
{
    (void)state;
    int64_t value = 0;
    assert_int_equal(rfc3339_parse("1970-01-01T00:00:00Z", &value), CV_OK);
    assert_int_equal(value, 0);
    assert_int_equal(rfc3339_parse("2030-01-01T00:00:00Z", &value), CV_OK);
    assert_int_equal(value, BASE_TIME);
    assert_int_equal(rfc3339_parse("2030-01-01T01:30:00+01:30", &value), CV_OK);
    assert_int_equal(value, BASE_TIME);
    assert_int_equal(rfc3339_parse("2029-12-31T19:00:00-05:00", &value), CV_OK);
    assert_int_equal(value, BASE_TIME);
    assert_int_equal(rfc3339_parse("2030-01-01t00:00:00.123456789z", &value), CV_OK);
    assert_int_equal(value, BASE_TIME);
    assert_int_equal(rfc3339_parse("2028-02-29T00:00:00Z", &value), CV_OK);
    assert_int_equal(rfc3339_parse("2000-02-29T00:00:00Z", &value), CV_OK);
    assert_int_equal(rfc3339_parse("9999-12-31T23:59:59Z", &value), CV_OK);
    assert_int_equal(value, 253402300799);
}

static void test_refuses_years_outside_1970_to_9999(void **state)
{
    (void)state;
    static const char *const refused[] = {
        "1969-12-31T23:59:59Z",  "0000-01-01T00:00:00Z",  "1900-06-01T12:00:00Z",
        "10000-01-01T00:00:00Z", "+2030-01-01T00:00:00Z", "-2030-01-01T00:00:00Z",
    };
    for (size_t i = 0; i < sizeof refused / sizeof refused[0]; i++) {
        int64_t value = 42;
        if (rfc3339_parse(refused[i], &value) != CV_ERR_INVALID)
            fail_msg("accepted %s", refused[i]);
        assert_int_equal(value, 42);
    }
}

static void test_refuses_what_is_not_a_time(void **state)
{
    (void)state;
    static const char *const refused[] = {
        "",
        "tomorrow",
        "2030-01-01",
        "2030-01-01T00:00:00",
        "2030-01-01 00:00:00Z",
        "2030-1-01T00:00:00Z",
        "2030-01-01T00:00Z",
        "2030-01-01T00:00:00+0100",
        "2030-01-01T00:00:00+24:00",
        "2030-01-01T00:00:00+01:60",
        "2030-02-30T00:00:00Z",
        "2029-02-29T00:00:00Z",
        "2100-02-29T00:00:00Z",
        "2030-13-01T00:00:00Z",
        "2030-00-01T00:00:00Z",
        "2030-01-00T00:00:00Z",
        "2030-04-31T00:00:00Z",
        "2030-01-01T24:00:00Z",
        "2030-01-01T00:60:00Z",
        "2030-01-01T00:00:60Z",
        "2030-01-01T00:00:00.Z",
        "2030-01-01T00:00:00.1234567890Z",
        "2030-01-01T00:00:00Zjunk",
        " 2030-01-01T00:00:00Z",
        "2030-01-01T00:00:00+01:00 ",
    };
    for (size_t i = 0; i < sizeof refused / sizeof refused[0]; i++) {
        int64_t value = 42;
        if (rfc3339_parse(refused[i], &value) != CV_ERR_INVALID)
            fail_msg("accepted %s", refused[i]);
        assert_int_equal(value, 42);
    }
    int64_t value = 42;
    assert_int_equal(rfc3339_parse(NULL, &value), CV_ERR_INVALID);
}

static void test_formats_utc_and_reads_it_back(void **state)
{
    (void)state;
    char text[RFC3339_TEXT_SIZE];
    rfc3339_format_utc(BASE_TIME + 90, text, sizeof text);
    assert_string_equal(text, "2030-01-01T00:01:30Z");
    int64_t back = 0;
    assert_int_equal(rfc3339_parse(text, &back), CV_OK);
    assert_int_equal(back, BASE_TIME + 90);
    rfc3339_format_utc(0, text, 4); /* too small: empty, never truncated */
    assert_string_equal(text, "");
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_accepts_times_with_an_offset),
        cmocka_unit_test(test_refuses_years_outside_1970_to_9999),
        cmocka_unit_test(test_refuses_what_is_not_a_time),
        cmocka_unit_test(test_formats_utc_and_reads_it_back),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
