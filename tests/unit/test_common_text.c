/*
 * test_common_text.c - the strict text helpers (src/common/text.c): UTF-8
 * validation at every boundary (overlongs, surrogates, past U+10FFFF,
 * truncation, stray continuation bytes), integer parsing that refuses signs,
 * spaces, garbage and overflow, and the exact "true"/"false" booleans of the
 * CMS API. Owns no production code.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdlib.h>
#include <string.h>

#include "common/text.h"

static bool valid(const char *bytes)
{
    return text_is_valid_utf8(bytes, strlen(bytes));
}

static void test_utf8_accepts_well_formed_text(void **state)
{
    (void)state;
    assert_true(text_is_valid_utf8("", 0));
    assert_true(valid("plain ASCII ~\x7F"));
    assert_true(valid("\xC2\x80"));                      /* U+0080, smallest 2-byte */
    assert_true(valid("\xDF\xBF"));                      /* U+07FF */
    assert_true(valid("\xE0\xA0\x80"));                  /* U+0800, smallest 3-byte */
    assert_true(valid("\xED\x9F\xBF"));                  /* U+D7FF, just below surrogates */
    assert_true(valid("\xEE\x80\x80"));                  /* U+E000, just above */
    assert_true(valid("\xEF\xBF\xBF"));                  /* U+FFFF */
    assert_true(valid("\xF0\x90\x80\x80"));              /* U+10000, smallest 4-byte */
    assert_true(valid("\xF4\x8F\xBF\xBF"));              /* U+10FFFF, the last code point */
    assert_true(valid("Ж\xE2\x82\xAC\xF0\x9F\x98\x80")); /* mixed */
    /* A NUL byte is valid UTF-8; the form decoder rejects it separately. */
    assert_true(text_is_valid_utf8("a\0b", 3));
}

static void test_utf8_rejects_bad_lead_bytes(void **state)
{
    (void)state;
    assert_false(valid("\x80")); /* continuation without a lead */
    assert_false(valid("a\xBF"
                       "b"));
    assert_false(valid("\xC0\x80")); /* overlong NUL */
    assert_false(valid("\xC1\xBF")); /* overlong */
    assert_false(valid("\xF5\x80\x80\x80"));
    assert_false(valid("\xF8\x88\x80\x80\x80")); /* 5-byte form */
    assert_false(valid("\xFE"));
    assert_false(valid("\xFF"));
}

static void test_utf8_rejects_overlongs_surrogates_and_range(void **state)
{
    (void)state;
    assert_false(valid("\xE0\x80\x80"));     /* overlong U+0000 */
    assert_false(valid("\xE0\x9F\xBF"));     /* overlong U+07FF */
    assert_false(valid("\xF0\x80\x80\x80")); /* overlong */
    assert_false(valid("\xF0\x8F\xBF\xBF")); /* overlong U+FFFF */
    assert_false(valid("\xED\xA0\x80"));     /* U+D800 */
    assert_false(valid("\xED\xBF\xBF"));     /* U+DFFF */
    assert_false(valid("\xF4\x90\x80\x80")); /* U+110000 */
}

static void test_utf8_rejects_truncation_and_bad_continuations(void **state)
{
    (void)state;
    assert_false(valid("\xC3"));
    assert_false(valid("abc\xE2\x82"));
    assert_false(valid("\xF0\x9F\x98"));
    assert_false(valid("\xC3\x28"));
    assert_false(valid("\xE2\x28\xA1"));
    assert_false(valid("\xF0\x9F\x28\x80"));
    /* The length decides, not a terminating NUL: a valid sequence cut short. */
    assert_false(text_is_valid_utf8("\xC3\xA9", 1));
    assert_false(text_is_valid_utf8("\xF0\x9F\x98\x80", 3));
    assert_true(text_is_valid_utf8("\xC3\xA9", 2));
}

static void test_int_accepts_plain_decimals(void **state)
{
    (void)state;
    int64_t value = -1;
    assert_int_equal(text_parse_int64("0", 0, 10, &value), CV_OK);
    assert_int_equal(value, 0);
    assert_int_equal(text_parse_int64("1000", 0, INT64_MAX, &value), CV_OK);
    assert_int_equal(value, 1000);
    assert_int_equal(text_parse_int64("007", 0, 10, &value), CV_OK);
    assert_int_equal(value, 7);
    assert_int_equal(text_parse_int64("-5", -10, 10, &value), CV_OK);
    assert_int_equal(value, -5);
    assert_int_equal(text_parse_int64("9223372036854775807", 0, INT64_MAX, &value), CV_OK);
    assert_true(value == INT64_MAX);
    assert_int_equal(text_parse_int64("-9223372036854775808", INT64_MIN, 0, &value), CV_OK);
    assert_true(value == INT64_MIN);
    /* Both bounds are inclusive. */
    assert_int_equal(text_parse_int64("10", 1, 10, &value), CV_OK);
    assert_int_equal(text_parse_int64("1", 1, 10, &value), CV_OK);
}

static void expect_int_invalid(const char *text, int64_t minimum, int64_t maximum)
{
    int64_t value = 12345;
    assert_int_equal(text_parse_int64(text, minimum, maximum, &value), CV_ERR_INVALID);
    assert_int_equal(value, 12345); /* untouched on failure */
}

static void test_int_rejects_everything_else(void **state)
{
    (void)state;
    expect_int_invalid(NULL, 0, 10);
    expect_int_invalid("", 0, 10);
    expect_int_invalid("-", -10, 10);
    expect_int_invalid("-1", 0, 10); /* no sign unless negatives are allowed */
    expect_int_invalid("-0", 0, 10);
    expect_int_invalid("+1", 0, 10);
    expect_int_invalid("+1", -10, 10);
    expect_int_invalid("--1", -10, 10);
    expect_int_invalid(" 1", 0, 10);
    expect_int_invalid("1 ", 0, 10);
    expect_int_invalid("1\n", 0, 10);
    expect_int_invalid("1a", 0, 10);
    expect_int_invalid("0x10", 0, 100);
    expect_int_invalid("1e3", 0, 10000);
    expect_int_invalid("1.0", 0, 10);
    expect_int_invalid("11", 0, 10); /* above the range */
    expect_int_invalid("0", 1, 10);  /* below the range */
    expect_int_invalid("-11", -10, 10);
    expect_int_invalid("9223372036854775808", 0, INT64_MAX);  /* overflow */
    expect_int_invalid("-9223372036854775809", INT64_MIN, 0); /* underflow */
    expect_int_invalid("99999999999999999999999999", 0, INT64_MAX);
    expect_int_invalid("\xD9\xA3", 0, 10); /* ARABIC-INDIC DIGIT THREE is no digit here */
}

static void test_bool_is_exact(void **state)
{
    (void)state;
    bool value = false;
    assert_int_equal(text_parse_bool("true", &value), CV_OK);
    assert_true(value);
    assert_int_equal(text_parse_bool("false", &value), CV_OK);
    assert_false(value);

    const char *rejected[] = {"True", "TRUE",  "FALSE", "1",   "0",     "yes", "no",
                              "",     "true ", " true", "tru", "truee", "on"};
    for (size_t i = 0; i < sizeof rejected / sizeof rejected[0]; i++) {
        value = true;
        assert_int_equal(text_parse_bool(rejected[i], &value), CV_ERR_INVALID);
        assert_true(value); /* untouched */
    }
    assert_int_equal(text_parse_bool(NULL, &value), CV_ERR_INVALID);
}

static void test_small_helpers(void **state)
{
    (void)state;
    assert_true(text_equals_ignore_case("coSpaces", "COSPACES"));
    assert_true(text_equals_ignore_case("", ""));
    assert_false(text_equals_ignore_case("coSpace", "coSpaces"));

    assert_true(text_is_digits("0123456789"));
    assert_false(text_is_digits(""));
    assert_false(text_is_digits(NULL));
    assert_false(text_is_digits("12a"));
    assert_false(text_is_digits("-1"));
    assert_false(text_is_digits(" 1"));

    assert_null(text_duplicate(NULL));
    char *copy = text_duplicate("abc");
    assert_non_null(copy);
    assert_string_equal(copy, "abc");
    free(copy);

    char out[6];
    text_copy_printable(out, sizeof out, "a\nb\x1b\xc3\xa9zzz");
    assert_string_equal(out, "a?b??");
    text_copy_printable(out, sizeof out, NULL);
    assert_string_equal(out, "");
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_utf8_accepts_well_formed_text),
        cmocka_unit_test(test_utf8_rejects_bad_lead_bytes),
        cmocka_unit_test(test_utf8_rejects_overlongs_surrogates_and_range),
        cmocka_unit_test(test_utf8_rejects_truncation_and_bad_continuations),
        cmocka_unit_test(test_int_accepts_plain_decimals),
        cmocka_unit_test(test_int_rejects_everything_else),
        cmocka_unit_test(test_bool_is_exact),
        cmocka_unit_test(test_small_helpers),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
