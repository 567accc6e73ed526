/*
 * test_bridge_bulk_mapping.c - the coSpace bulk mapping grammar
 * (src/bridge/bulk_mapping.c): $index$ expansion, the \$ and \\ escapes,
 * mappings without an index, and every way a mapping can be invalid
 * (unknown $...$ tokens, a lone $, a second $index$, bad or trailing
 * backslashes, '@' in a URI mapping). Owns no production code.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <string.h>

#include "bridge/bulk_mapping.h"

/* Expands `text` for `index` and checks the result. */
static void expect_expansion(const char *text, bulk_mapping_kind kind, int64_t index,
                             const char *expected)
{
    bulk_mapping mapping;
    const char *reason = "unset";
    assert_int_equal(bulk_mapping_parse(text, kind, &mapping, &reason), CV_OK);
    assert_null(reason);
    strbuf out = STRBUF_INIT;
    assert_int_equal(bulk_mapping_expand(&mapping, index, &out), CV_OK);
    assert_string_equal(strbuf_str(&out), expected);
    strbuf_free(&out);
    bulk_mapping_free(&mapping);
}

static void expect_invalid(const char *text, bulk_mapping_kind kind, const char *expected_reason)
{
    bulk_mapping mapping = {(char *)"not touched", NULL, true};
    const char *reason = NULL;
    assert_int_equal(bulk_mapping_parse(text, kind, &mapping, &reason), CV_ERR_INVALID);
    assert_non_null(reason);
    assert_string_equal(reason, expected_reason);
    assert_null(mapping.prefix);
    assert_null(mapping.suffix);
    assert_int_equal(bulk_mapping_validate(text, kind, &reason), CV_ERR_INVALID);
}

static void test_index_is_replaced(void **state)
{
    (void)state;
    expect_expansion("TMS_Scheduled_Meeting_$index$", BULK_MAPPING_TEXT, 1,
                     "TMS_Scheduled_Meeting_1");
    expect_expansion("$index$", BULK_MAPPING_URI, 42, "42");
    expect_expansion("$index$", BULK_MAPPING_ID, 0, "0");
    expect_expansion("room.$index$.video", BULK_MAPPING_URI, 1000005, "room.1000005.video");
    expect_expansion("88$index$", BULK_MAPPING_ID, 9223372036854775807, "889223372036854775807");
}

static void test_escapes_produce_literals(void **state)
{
    (void)state;
    expect_expansion("cost\\$$index$", BULK_MAPPING_TEXT, 5, "cost$5");
    expect_expansion("a\\\\b$index$", BULK_MAPPING_TEXT, 7, "a\\b7");
    expect_expansion("\\$index\\$", BULK_MAPPING_TEXT, 3, "$index$");
    expect_expansion("$index$\\\\\\$", BULK_MAPPING_URI, 9, "9\\$");
}

static void test_mapping_without_index_is_constant(void **state)
{
    (void)state;
    expect_expansion("Same name", BULK_MAPPING_TEXT, 1, "Same name");
    expect_expansion("Same name", BULK_MAPPING_TEXT, 2, "Same name");
    expect_expansion("", BULK_MAPPING_URI, 2, "");
    bulk_mapping mapping;
    const char *reason;
    assert_int_equal(bulk_mapping_parse("fixed", BULK_MAPPING_URI, &mapping, &reason), CV_OK);
    assert_false(mapping.has_index);
    bulk_mapping_free(&mapping);
    assert_int_equal(bulk_mapping_parse(NULL, BULK_MAPPING_URI, &mapping, &reason), CV_OK);
    assert_false(mapping.has_index);
    assert_string_equal(mapping.prefix, "");
    bulk_mapping_free(&mapping);
}

static void test_unicode_text_is_kept(void **state)
{
    (void)state;
    expect_expansion("Встреча $index$ \xe2\x9c\x93", BULK_MAPPING_TEXT, 12,
                     "Встреча 12 \xe2\x9c\x93");
}

static void test_invalid_mappings_are_refused(void **state)
{
    (void)state;
    expect_invalid("room$id$", BULK_MAPPING_TEXT, "unknownToken");
    expect_invalid("$INDEX$", BULK_MAPPING_TEXT, "unknownToken");
    expect_invalid("$index", BULK_MAPPING_TEXT, "unescapedDollar");
    expect_invalid("cost $5", BULK_MAPPING_TEXT, "unescapedDollar");
    expect_invalid("$", BULK_MAPPING_ID, "unescapedDollar");
    expect_invalid("$index$-$index$", BULK_MAPPING_TEXT, "repeatedIndexToken");
    expect_invalid("a\\b", BULK_MAPPING_TEXT, "invalidEscape");
    expect_invalid("ends\\", BULK_MAPPING_TEXT, "trailingBackslash");
    expect_invalid("$index$@example.com", BULK_MAPPING_URI, "atSignInUri");
}

static void test_at_sign_is_fine_outside_uris(void **state)
{
    (void)state;
    expect_expansion("mail $index$@home", BULK_MAPPING_TEXT, 4, "mail 4@home");
}

static void test_expansion_reuses_the_buffer(void **state)
{
    (void)state;
    bulk_mapping mapping;
    const char *reason;
    assert_int_equal(bulk_mapping_parse("x$index$y", BULK_MAPPING_TEXT, &mapping, &reason), CV_OK);
    strbuf out = STRBUF_INIT;
    for (int64_t index = 1; index <= 1000; index++)
        assert_int_equal(bulk_mapping_expand(&mapping, index, &out), CV_OK);
    assert_string_equal(strbuf_str(&out), "x1000y");
    assert_int_equal(bulk_mapping_expand(&mapping, 3, &out), CV_OK);
    assert_string_equal(strbuf_str(&out), "x3y");
    strbuf_free(&out);
    bulk_mapping_free(&mapping);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_index_is_replaced),
        cmocka_unit_test(test_escapes_produce_literals),
        cmocka_unit_test(test_mapping_without_index_is_constant),
        cmocka_unit_test(test_unicode_text_is_kept),
        cmocka_unit_test(test_invalid_mappings_are_refused),
        cmocka_unit_test(test_at_sign_is_fine_outside_uris),
        cmocka_unit_test(test_expansion_reuses_the_buffer),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
