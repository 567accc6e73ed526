/*
 * test_common_xml_writer.c - XML output helpers (src/common/xml_writer.c):
 * entity escaping in text and attributes, the compact element helpers, and
 * that bytes XML cannot carry (controls, invalid UTF-8, U+FFFE/U+FFFF)
 * come out as U+FFFD so a body is always well-formed. Owns no production
 * code.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include "common/xml_writer.h"

static void expect_escaped(const char *text, const char *expected)
{
    strbuf out = STRBUF_INIT;
    xml_append_escaped(&out, text);
    assert_string_equal(strbuf_str(&out), expected);
    strbuf_free(&out);
}

static void test_entities(void **state)
{
    (void)state;
    expect_escaped("", "");
    expect_escaped("plain", "plain");
    expect_escaped("a<b>&\"c'", "a&lt;b&gt;&amp;&quot;c&apos;");
    expect_escaped("&&", "&amp;&amp;");
}

static void test_utf8_and_allowed_controls_pass(void **state)
{
    (void)state;
    expect_escaped("\xC3\xA9t\xC3\xA9 \xE2\x82\xAC \xF0\x9F\x98\x80",
                   "\xC3\xA9t\xC3\xA9 \xE2\x82\xAC \xF0\x9F\x98\x80");
    expect_escaped("a\tb\nc\rd\x7F", "a\tb\nc\rd\x7F");
    expect_escaped("\xEF\xBF\xBD", "\xEF\xBF\xBD");
}

static void test_unrepresentable_bytes_become_replacement(void **state)
{
    (void)state;
    expect_escaped("a\x01"
                   "b",
                   "a\xEF\xBF\xBD"
                   "b");
    expect_escaped("\x1F", "\xEF\xBF\xBD");
    expect_escaped("\xCA", "\xEF\xBF\xBD");                 /* truncated */
    expect_escaped("\xC3(", "\xEF\xBF\xBD(");               /* bad continuation */
    expect_escaped("\x80\x80", "\xEF\xBF\xBD\xEF\xBF\xBD"); /* stray continuations */
    expect_escaped("\xC0\xAF", "\xEF\xBF\xBD\xEF\xBF\xBD"); /* overlong */
    expect_escaped("\xED\xA0\x80", "\xEF\xBF\xBD\xEF\xBF\xBD\xEF\xBF\xBD"); /* surrogate */
    expect_escaped("\xEF\xBF\xBF", "\xEF\xBF\xBD\xEF\xBF\xBD\xEF\xBF\xBD"); /* U+FFFF */
    expect_escaped("x\xF4\x90\x80\x80<", "x\xEF\xBF\xBD\xEF\xBF\xBD\xEF\xBF\xBD\xEF\xBF\xBD&lt;");
}

static void test_elements(void **state)
{
    (void)state;
    strbuf out = STRBUF_INIT;
    xml_open_with_attribute(&out, "coSpace", "id", "a\"b");
    xml_text_element(&out, "name", "x<y");
    xml_text_element(&out, "uri", NULL);
    xml_int_element(&out, "callId", -42);
    xml_bool_element(&out, "nonMemberAccess", true);
    xml_close(&out, "coSpace");
    assert_int_equal(strbuf_status(&out), CV_OK);
    assert_string_equal(strbuf_str(&out),
                        "<coSpace id=\"a&quot;b\"><name>x&lt;y</name><uri></uri>"
                        "<callId>-42</callId><nonMemberAccess>true</nonMemberAccess>"
                        "</coSpace>");
    strbuf_free(&out);
}

static void expect_int(int64_t value, const char *expected)
{
    strbuf out = STRBUF_INIT;
    xml_int_element(&out, "n", value);
    assert_string_equal(strbuf_str(&out), expected);
    strbuf_free(&out);
}

static void test_int_elements(void **state)
{
    (void)state;
    expect_int(0, "<n>0</n>");
    expect_int(7, "<n>7</n>");
    expect_int(-1, "<n>-1</n>");
    expect_int(1000, "<n>1000</n>");
    expect_int(INT64_MAX, "<n>9223372036854775807</n>");
    expect_int(INT64_MIN, "<n>-9223372036854775808</n>");
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_entities),
        cmocka_unit_test(test_utf8_and_allowed_controls_pass),
        cmocka_unit_test(test_unrepresentable_bytes_become_replacement),
        cmocka_unit_test(test_elements),
        cmocka_unit_test(test_int_elements),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
