/*
 * test_common_form.c - the urlencoded form decoder (src/common/form.c):
 * field order, '+' and percent decoding, malformed and truncated escapes,
 * embedded NULs, invalid UTF-8, repeated names, empty pairs and names, the
 * field limit, and that a failed parse leaves no fields behind. Owns no
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

#include "common/form.h"
#include "common/strbuf.h"

/* Parses a NUL-terminated body (without the NUL). */
static cv_result parse(const char *body, form *out)
{
    return form_parse(body, strlen(body), out);
}

static void expect_failure(const char *body, size_t length, cv_result expected,
                           const char *parameter, const char *reason)
{
    form decoded;
    cv_result result = form_parse(body, length, &decoded);
    assert_int_equal(result, expected);
    assert_int_equal(decoded.count, 0);
    assert_null(decoded.fields);
    assert_non_null(decoded.error_parameter);
    assert_string_equal(decoded.error_parameter, parameter);
    assert_non_null(decoded.error_reason);
    assert_string_equal(decoded.error_reason, reason);
    form_free(&decoded);
}

static void test_fields_keep_their_order(void **state)
{
    (void)state;
    form decoded;
    assert_int_equal(parse("participantLimit=1000&messageBoardEnabled=false", &decoded), CV_OK);
    assert_int_equal(decoded.count, 2);
    assert_string_equal(decoded.fields[0].name, "participantLimit");
    assert_string_equal(decoded.fields[0].value, "1000");
    assert_string_equal(decoded.fields[1].name, "messageBoardEnabled");
    assert_string_equal(decoded.fields[1].value, "false");
    assert_string_equal(form_get(&decoded, "participantLimit"), "1000");
    assert_null(form_get(&decoded, "participantlimit")); /* names are case-sensitive */
    assert_null(form_get(&decoded, "absent"));
    assert_null(decoded.error_parameter);
    form_free(&decoded);
}

static void test_empty_body_has_no_fields(void **state)
{
    (void)state;
    form decoded;
    assert_int_equal(form_parse("", 0, &decoded), CV_OK);
    assert_int_equal(decoded.count, 0);
    form_free(&decoded);
}

static void test_plus_and_percent_decoding(void **state)
{
    (void)state;
    form decoded;
    assert_int_equal(parse("name=Team+Meeting%20One&uri=a%2Bb%40example.com&x=%7e%7E&"
                           "na%6De2=%C3%A9t%C3%A9",
                           &decoded),
                     CV_OK);
    assert_int_equal(decoded.count, 4);
    assert_string_equal(form_get(&decoded, "name"), "Team Meeting One");
    assert_string_equal(form_get(&decoded, "uri"), "a+b@example.com");
    assert_string_equal(form_get(&decoded, "x"), "~~");
    /* Names are decoded too. */
    assert_string_equal(decoded.fields[3].name, "name2");
    assert_string_equal(form_get(&decoded, "name2"), "\xC3\xA9t\xC3\xA9");
    form_free(&decoded);
}

static void test_mapping_with_dollar_and_backslash(void **state)
{
    (void)state;
    form decoded;
    /* What TMS sends for a bulk parameter set. */
    assert_int_equal(parse("coSpaceNameMapping=TMS_Scheduled_Meeting_%24index%24&"
                           "coSpaceUriMapping=$index$&coSpaceCallIdMapping=%5C%24$index$",
                           &decoded),
                     CV_OK);
    assert_string_equal(form_get(&decoded, "coSpaceNameMapping"), "TMS_Scheduled_Meeting_$index$");
    assert_string_equal(form_get(&decoded, "coSpaceUriMapping"), "$index$");
    assert_string_equal(form_get(&decoded, "coSpaceCallIdMapping"), "\\$$index$");
    form_free(&decoded);
}

static void test_missing_equals_and_empty_values(void **state)
{
    (void)state;
    form decoded;
    assert_int_equal(parse("passcode=&regenerateSecret&name==x", &decoded), CV_OK);
    assert_int_equal(decoded.count, 3);
    assert_string_equal(form_get(&decoded, "passcode"), "");
    assert_string_equal(form_get(&decoded, "regenerateSecret"), "");
    assert_string_equal(form_get(&decoded, "name"), "=x"); /* only the first '=' splits */
    form_free(&decoded);
}

static void test_empty_pairs_are_skipped(void **state)
{
    (void)state;
    form decoded;
    assert_int_equal(parse("&a=1&&b=2&", &decoded), CV_OK);
    assert_int_equal(decoded.count, 2);
    assert_string_equal(form_get(&decoded, "a"), "1");
    assert_string_equal(form_get(&decoded, "b"), "2");
    form_free(&decoded);

    /* A stray line ending after the last '&' is not a field. */
    assert_int_equal(parse("a=1&\r\n", &decoded), CV_OK);
    assert_int_equal(decoded.count, 1);
    form_free(&decoded);

    assert_int_equal(parse("&&&", &decoded), CV_OK);
    assert_int_equal(decoded.count, 0);
    form_free(&decoded);
}

static void test_empty_name_is_rejected(void **state)
{
    (void)state;
    expect_failure("=1", 2, CV_ERR_INVALID, "", "empty parameter name");
    expect_failure("a=1&=2", 6, CV_ERR_INVALID, "", "empty parameter name");
}

static void test_malformed_escapes_are_rejected(void **state)
{
    (void)state;
    expect_failure("name=%G1", 8, CV_ERR_INVALID, "name", "malformed percent escape");
    expect_failure("name=%1G", 8, CV_ERR_INVALID, "name", "malformed percent escape");
    expect_failure("name=%%41", 9, CV_ERR_INVALID, "name", "malformed percent escape");
    expect_failure("na%zzme=1", 9, CV_ERR_INVALID, "na%zzme", "malformed percent escape");
    /* An earlier good field is dropped too. */
    expect_failure("a=1&b=%xy", 9, CV_ERR_INVALID, "b", "malformed percent escape");
}

static void test_truncated_escapes_are_rejected(void **state)
{
    (void)state;
    expect_failure("name=%", 6, CV_ERR_INVALID, "name", "truncated percent escape");
    expect_failure("name=%4", 7, CV_ERR_INVALID, "name", "truncated percent escape");
    expect_failure("name=ab%4&x=1", 13, CV_ERR_INVALID, "name", "truncated percent escape");
    expect_failure("a%2", 3, CV_ERR_INVALID, "a%2", "truncated percent escape");
    /* The escape must not run on into the next pair. */
    expect_failure("a=%4&1=1", 8, CV_ERR_INVALID, "a", "truncated percent escape");
}

static void test_embedded_nul_is_rejected(void **state)
{
    (void)state;
    expect_failure("name=a%00b", 10, CV_ERR_INVALID, "name", "embedded NUL character");
    expect_failure("name=a\0b", 8, CV_ERR_INVALID, "name", "embedded NUL character");
    expect_failure("na%00me=1", 9, CV_ERR_INVALID, "na%00me", "embedded NUL character");
}

static void test_invalid_utf8_is_rejected(void **state)
{
    (void)state;
    expect_failure("name=%C3%28", 11, CV_ERR_INVALID, "name", "invalid UTF-8");
    expect_failure("name=%FF", 8, CV_ERR_INVALID, "name", "invalid UTF-8");
    expect_failure("name=%C0%AF", 11, CV_ERR_INVALID, "name", "invalid UTF-8");    /* overlong */
    expect_failure("name=%ED%A0%80", 14, CV_ERR_INVALID, "name", "invalid UTF-8"); /* surrogate */
    expect_failure("name=%E2%82", 11, CV_ERR_INVALID, "name", "invalid UTF-8");    /* truncated */
    expect_failure("name=\xC3", 6, CV_ERR_INVALID, "name", "invalid UTF-8");       /* raw byte */

    form decoded;
    assert_int_equal(parse("name=%F0%9F%98%80", &decoded), CV_OK);
    assert_string_equal(form_get(&decoded, "name"), "\xF0\x9F\x98\x80");
    form_free(&decoded);
}

static void test_repeated_names_are_rejected(void **state)
{
    (void)state;
    expect_failure("name=a&uri=1&name=b", 19, CV_ERR_INVALID, "name", "parameter repeated");
    /* Repetition is judged after decoding. */
    expect_failure("name=a&na%6De=b", 15, CV_ERR_INVALID, "name", "parameter repeated");
}

static void test_field_limit(void **state)
{
    (void)state;
    strbuf body = STRBUF_INIT;
    for (int i = 0; i < FORM_MAX_FIELDS; i++)
        strbuf_printf(&body, "%sf%d=%d", i ? "&" : "", i, i);
    assert_int_equal(strbuf_status(&body), CV_OK);

    form decoded;
    assert_int_equal(form_parse(body.data, body.length, &decoded), CV_OK);
    assert_int_equal(decoded.count, FORM_MAX_FIELDS);
    assert_string_equal(decoded.fields[FORM_MAX_FIELDS - 1].name, "f255");
    form_free(&decoded);

    strbuf_append_str(&body, "&one=more");
    expect_failure(body.data, body.length, CV_ERR_TOO_LARGE, "one", "too many parameters");
    strbuf_free(&body);
}

static void test_length_is_respected(void **state)
{
    (void)state;
    /* Bytes past `length` are not read: the body need not be NUL-terminated. */
    char *body = malloc(7);
    assert_non_null(body);
    memcpy(body, "a=1&b=2", 7);
    form decoded;
    assert_int_equal(form_parse(body, 7, &decoded), CV_OK);
    assert_int_equal(decoded.count, 2);
    assert_string_equal(form_get(&decoded, "b"), "2");
    form_free(&decoded);
    assert_int_equal(form_parse(body, 3, &decoded), CV_OK);
    assert_int_equal(decoded.count, 1);
    assert_string_equal(form_get(&decoded, "a"), "1");
    form_free(&decoded);
    free(body);
}

static void test_form_free_twice_is_harmless(void **state)
{
    (void)state;
    form decoded;
    assert_int_equal(parse("a=%zz", &decoded), CV_ERR_INVALID);
    form_free(&decoded);
    form_free(&decoded);
    assert_null(decoded.error_parameter);
    assert_null(decoded.fields);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_fields_keep_their_order),
        cmocka_unit_test(test_empty_body_has_no_fields),
        cmocka_unit_test(test_plus_and_percent_decoding),
        cmocka_unit_test(test_mapping_with_dollar_and_backslash),
        cmocka_unit_test(test_missing_equals_and_empty_values),
        cmocka_unit_test(test_empty_pairs_are_skipped),
        cmocka_unit_test(test_empty_name_is_rejected),
        cmocka_unit_test(test_malformed_escapes_are_rejected),
        cmocka_unit_test(test_truncated_escapes_are_rejected),
        cmocka_unit_test(test_embedded_nul_is_rejected),
        cmocka_unit_test(test_invalid_utf8_is_rejected),
        cmocka_unit_test(test_repeated_names_are_rejected),
        cmocka_unit_test(test_field_limit),
        cmocka_unit_test(test_length_is_respected),
        cmocka_unit_test(test_form_free_twice_is_harmless),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
