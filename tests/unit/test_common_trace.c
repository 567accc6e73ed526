/*
 * test_common_trace.c - the CMS-shaped API trace (src/common/trace.c):
 * request numbering, the line shape, masking (no passcode, password or secret value
 * ever reaches the file, "*****" does), content lines with '&' between
 * fields, the XML body split into one element per line with empty elements
 * such as <sipDomain></sipDomain> kept whole, audit lines, and that a block
 * is written in one piece and then emptied, passcode elements in a
 * body masked too, and control characters escaped. Owns no production code.
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

#include "common/strbuf.h"
#include "common/trace.h"

typedef struct {
    char path[64];
    trace_log *trace;
} fixture;

static int set_up(void **state)
{
    fixture *f = calloc(1, sizeof *f);
    if (!f)
        return -1;
    snprintf(f->path, sizeof f->path, "/tmp/convene-trace-test-XXXXXX");
    int descriptor = mkstemp(f->path);
    if (descriptor < 0)
        return -1;
    close(descriptor);
    if (trace_open(f->path, "cb1", &f->trace) != CV_OK)
        return -1;
    *state = f;
    return 0;
}

static int tear_down(void **state)
{
    fixture *f = *state;
    trace_close(f->trace);
    unlink(f->path);
    free(f);
    return 0;
}

/* The whole file so far. */
static char *file_contents(const fixture *f)
{
    FILE *file = fopen(f->path, "rb");
    assert_non_null(file);
    strbuf contents = STRBUF_INIT;
    char chunk[4096];
    size_t got;
    while ((got = fread(chunk, 1, sizeof chunk, file)) > 0)
        strbuf_append(&contents, chunk, got);
    fclose(file);
    return strbuf_detach(&contents);
}

/* The text after "API trace N: " on each line, joined with '\n'. */
static char *trace_payloads(const char *contents, unsigned long number)
{
    char marker[48];
    snprintf(marker, sizeof marker, "API trace %lu: ", number);
    strbuf out = STRBUF_INIT;
    const char *line = contents;
    while (*line) {
        const char *end = strchr(line, '\n');
        size_t length = end ? (size_t)(end - line) : strlen(line);
        const char *found = strstr(line, marker);
        if (found && found < line + length) {
            const char *payload = found + strlen(marker);
            strbuf_append(&out, payload, (size_t)(line + length - payload));
            strbuf_append_char(&out, '\n');
        }
        line += length + (end ? 1 : 0);
    }
    return strbuf_detach(&out);
}

static void test_numbers_increase(void **state)
{
    fixture *f = *state;
    unsigned long first = trace_next_number(f->trace);
    unsigned long second = trace_next_number(f->trace);
    assert_int_equal(first, 1);
    assert_int_equal(second, 2);
}

static void test_secret_field_names(void **state)
{
    (void)state;
    assert_true(trace_field_is_secret("passcode"));
    assert_true(trace_field_is_secret("Passcode"));
    assert_true(trace_field_is_secret("PASSCODE"));
    assert_true(trace_field_is_secret("coSpacePasscode"));
    assert_true(trace_field_is_secret("password"));
    assert_true(trace_field_is_secret("alternatePassword"));
    assert_true(trace_field_is_secret("secret"));
    assert_true(trace_field_is_secret("Secret"));
    assert_false(trace_field_is_secret("regenerateSecret")); /* true or false, nothing to hide */
    assert_false(trace_field_is_secret("name"));
    assert_false(trace_field_is_secret("pass"));
    assert_false(trace_field_is_secret(""));
}

static void test_form_lines_mask_passcodes(void **state)
{
    fixture *f = *state;
    const char *body = "name=Weekly+sync&passcode=48213957&secret=s3&Password=hunter2x&"
                       "coSpacePasscode=77002211&uri=42";
    form fields;
    assert_int_equal(form_parse(body, strlen(body), &fields), CV_OK);
    strbuf block = STRBUF_INIT;
    unsigned long number = trace_next_number(f->trace);
    trace_line(f->trace, &block, number, "PUT for \"/api/v1/coSpaces/x\" (from 127.0.0.1)");
    trace_form(f->trace, &block, number, "application/x-www-form-urlencoded", strlen(body),
               &fields);
    trace_emit(f->trace, &block);
    assert_int_equal(block.length, 0); /* emptied after writing */
    strbuf_free(&block);
    form_free(&fields);

    char *contents = file_contents(f);
    assert_null(strstr(contents, "48213957"));
    assert_null(strstr(contents, "hunter2x"));
    assert_null(strstr(contents, "77002211"));
    char *payloads = trace_payloads(contents, number);
    assert_string_equal(payloads, "PUT for \"/api/v1/coSpaces/x\" (from 127.0.0.1)\n"
                                  "content data size 94, type "
                                  "\"application/x-www-form-urlencoded\":\n"
                                  "name=Weekly sync&\n"
                                  "passcode=*****&\n"
                                  "secret=*****&\n"
                                  "Password=*****&\n"
                                  "coSpacePasscode=*****&\n"
                                  "uri=42\n");
    /* The CMS line prefix: date, facility, node name. */
    assert_non_null(strstr(contents, " user.info cb1 host:server: INFO : API trace 1: PUT for"));
    free(payloads);
    free(contents);
}

static void test_empty_passcode_is_shown_empty(void **state)
{
    fixture *f = *state;
    /* Unsetting a passcode (TMS does at the end of a meeting) reveals nothing. */
    const char *body = "passcode=&nonMemberAccess=false";
    form fields;
    assert_int_equal(form_parse(body, strlen(body), &fields), CV_OK);
    strbuf block = STRBUF_INIT;
    trace_form(f->trace, &block, 7, NULL, strlen(body), &fields);
    trace_emit(f->trace, &block);
    strbuf_free(&block);
    form_free(&fields);

    char *contents = file_contents(f);
    char *payloads = trace_payloads(contents, 7);
    assert_string_equal(payloads, "content data size 31, type \"\":\n"
                                  "passcode=&\n"
                                  "nonMemberAccess=false\n");
    free(payloads);
    free(contents);
}

static void expect_body_lines(fixture *f, unsigned long number, const char *body,
                              const char *expected)
{
    strbuf block = STRBUF_INIT;
    trace_body(f->trace, &block, number, body, strlen(body));
    trace_emit(f->trace, &block);
    strbuf_free(&block);
    char *contents = file_contents(f);
    char *payloads = trace_payloads(contents, number);
    assert_string_equal(payloads, expected);
    free(payloads);
    free(contents);
}

static void test_body_one_element_per_line(void **state)
{
    fixture *f = *state;
    expect_body_lines(f, 11,
                      "<?xml version=\"1.0\"?>\n"
                      "<callBridge id=\"2684406a-1e80-54bd-8d03-1579f7b465a3\"><name>cb1</name>"
                      "<address>https://10.0.0.1:445</address><sipDomain></sipDomain>"
                      "</callBridge>",
                      "<callBridge id=\"2684406a-1e80-54bd-8d03-1579f7b465a3\">\n"
                      "<name>cb1</name>\n"
                      "<address>https://10.0.0.1:445</address>\n"
                      "<sipDomain></sipDomain>\n"
                      "</callBridge>\n");
}

static void test_body_nested_and_self_closing(void **state)
{
    fixture *f = *state;
    expect_body_lines(f, 12,
                      "<?xml version=\"1.0\"?>\n<coSpaces total=\"2\"><coSpace id=\"a\">"
                      "<name>TMS_Scheduled_Meeting_1</name><uri>1</uri><callId>1</callId>"
                      "</coSpace><coSpace id=\"b\"><name></name></coSpace></coSpaces>",
                      "<coSpaces total=\"2\">\n"
                      "<coSpace id=\"a\">\n"
                      "<name>TMS_Scheduled_Meeting_1</name>\n"
                      "<uri>1</uri>\n"
                      "<callId>1</callId>\n"
                      "</coSpace>\n"
                      "<coSpace id=\"b\">\n"
                      "<name></name>\n"
                      "</coSpace>\n"
                      "</coSpaces>\n");
    expect_body_lines(f, 13,
                      "<?xml version=\"1.0\"?>\n<failureDetails><coSpaceDoesNotExist />"
                      "</failureDetails>",
                      "<failureDetails>\n"
                      "<coSpaceDoesNotExist />\n"
                      "</failureDetails>\n");
    /* Without a declaration, and text that is not XML at all. */
    expect_body_lines(f, 14, "<a><b>x</b></a>", "<a>\n<b>x</b>\n</a>\n");
    expect_body_lines(f, 15, "plain", "plain\n");
}

static void test_body_masks_passcode_elements(void **state)
{
    fixture *f = *state;
    /* A GET of a space shows its passcode element; the value never reaches
     * the trace, an empty one stays empty. */
    expect_body_lines(f, 17,
                      "<?xml version=\"1.0\"?>\n<coSpace id=\"a\"><name>x</name>"
                      "<passcode>48213957</passcode><Passcode>1</Passcode>"
                      "<passcode></passcode><secret>s3</secret></coSpace>",
                      "<coSpace id=\"a\">\n"
                      "<name>x</name>\n"
                      "<passcode>*****</passcode>\n"
                      "<Passcode>*****</Passcode>\n"
                      "<passcode></passcode>\n"
                      "<secret>*****</secret>\n"
                      "</coSpace>\n");
    char *contents = file_contents(f);
    assert_null(strstr(contents, "48213957"));
    free(contents);
}

static void test_body_is_bounded_by_length(void **state)
{
    fixture *f = *state;
    /* Not NUL-terminated: the splitter must stay inside `length`. */
    const char text[] = "<a><b></b>";
    char *body = malloc(sizeof text - 1);
    assert_non_null(body);
    memcpy(body, text, sizeof text - 1);
    strbuf block = STRBUF_INIT;
    trace_body(f->trace, &block, 16, body, sizeof text - 1);
    trace_body(f->trace, &block, 16, body, 4); /* "<a><" */
    trace_emit(f->trace, &block);
    strbuf_free(&block);
    free(body);
    char *contents = file_contents(f);
    char *payloads = trace_payloads(contents, 16);
    assert_string_equal(payloads, "<a>\n<b></b>\n<a>\n<\n");
    free(payloads);
    free(contents);
}

static void test_audit_lines(void **state)
{
    fixture *f = *state;
    strbuf block = STRBUF_INIT;
    trace_audit(f->trace, &block, "127.0.0.1", "API user \"%s\" created new call profile %s",
                "admin", "abc");
    trace_emit(f->trace, &block);
    strbuf_free(&block);
    char *contents = file_contents(f);
    assert_non_null(strstr(contents, " local0.info cb1 host:server: INFO : 127.0.0.1: API user "
                                     "\"admin\" created new call profile abc\n"));
    free(contents);
}

static void test_control_characters_are_escaped(void **state)
{
    fixture *f = *state;
    /* A path, a form value and a name a bridge returned, each trying to
     * start a line that looks like an audit line. */
    const char *forged = "x\r\nNov 30 10:00:00 local0.info cb1 host:server: INFO : "
                         "10.0.0.9: API user \"admin\" deleted coSpace y\x1b[2J\xc2\x9b";
    strbuf block = STRBUF_INIT;
    trace_line(f->trace, &block, 21, "GET for \"/api/v1/%s\" (from 127.0.0.1)", forged);
    trace_audit(f->trace, &block, "127.0.0.1", "API user \"admin\" created coSpace (%s)", forged);
    strbuf body = STRBUF_INIT;
    strbuf_printf(&body, "<status><softwareVersion>%s</softwareVersion></status>", forged);
    trace_body(f->trace, &block, 21, body.data, body.length);
    trace_emit(f->trace, &block);
    strbuf_free(&block);
    strbuf_free(&body);
    char *contents = file_contents(f);
    const char *escaped = "x\\r\\nNov 30 10:00:00 local0.info cb1 host:server: INFO : "
                          "10.0.0.9: API user \"admin\" deleted coSpace y\\x1B[2J\\u009B";
    char *payloads = trace_payloads(contents, 21);
    strbuf expected = STRBUF_INIT;
    strbuf_printf(&expected,
                  "GET for \"/api/v1/%s\" (from 127.0.0.1)\n<status>\n"
                  "<softwareVersion>%s</softwareVersion>\n</status>\n",
                  escaped, escaped);
    assert_string_equal(payloads, expected.data);
    /* Five lines written, five newlines: nothing started a line of its own. */
    size_t lines = 0;
    for (const char *c = contents; *c; c++)
        lines += *c == '\n';
    assert_int_equal(lines, 5);
    assert_null(strchr(contents, '\r'));
    assert_null(strchr(contents, '\x1b'));
    strbuf_free(&expected);
    free(payloads);
    free(contents);
}

static void test_empty_block_writes_nothing(void **state)
{
    fixture *f = *state;
    strbuf block = STRBUF_INIT;
    trace_emit(f->trace, &block);
    char *contents = file_contents(f);
    assert_string_equal(contents, "");
    free(contents);
}

static void test_open_failure(void **state)
{
    (void)state;
    trace_log *trace = NULL;
    assert_int_equal(trace_open("/nonexistent-dir/x/trace.log", "cb1", &trace), CV_ERR_IO);
    assert_null(trace);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_numbers_increase, set_up, tear_down),
        cmocka_unit_test(test_secret_field_names),
        cmocka_unit_test_setup_teardown(test_form_lines_mask_passcodes, set_up, tear_down),
        cmocka_unit_test_setup_teardown(test_empty_passcode_is_shown_empty, set_up, tear_down),
        cmocka_unit_test_setup_teardown(test_body_one_element_per_line, set_up, tear_down),
        cmocka_unit_test_setup_teardown(test_body_nested_and_self_closing, set_up, tear_down),
        cmocka_unit_test_setup_teardown(test_body_masks_passcode_elements, set_up, tear_down),
        cmocka_unit_test_setup_teardown(test_body_is_bounded_by_length, set_up, tear_down),
        cmocka_unit_test_setup_teardown(test_audit_lines, set_up, tear_down),
        cmocka_unit_test_setup_teardown(test_control_characters_are_escaped, set_up, tear_down),
        cmocka_unit_test_setup_teardown(test_empty_block_writes_nothing, set_up, tear_down),
        cmocka_unit_test(test_open_failure),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
