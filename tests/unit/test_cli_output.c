/*
 * test_cli_output.c - what `convene` prints: aligned tables (widths in
 * UTF-8 characters, control characters neutralised, "-" for missing
 * cells), JSON values as text, collection answers in either shape, the
 * one-line description of a refused request (message, field, conflicts,
 * unreachable bridge, 401, non-JSON bodies), and path segments encoded.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli/cli.h"
#include "cli/json_view.h"
#include "cli/table.h"

static char *printed(const table *rows, int indent)
{
    char *text = NULL;
    size_t length = 0;
    FILE *memory = open_memstream(&text, &length);
    assert_non_null(memory);
    table_print_indented(rows, memory, indent);
    fclose(memory);
    return text;
}

static void test_table_aligns_by_characters(void **state)
{
    (void)state;
    static const char *const headers[] = {"NAME", "CALL ID"};
    table *rows = table_create(2, headers);
    assert_non_null(rows);
    const char *first[] = {"Встреча", "1"};
    const char *second[] = {"TMS_Scheduled_Meeting_10", NULL};
    assert_int_equal(table_add_row(rows, first), CV_OK);
    assert_int_equal(table_add_row(rows, second), CV_OK);
    assert_int_equal(table_row_count(rows), 2);
    char *text = printed(rows, 2);
    assert_string_equal(text, "  NAME                      CALL ID\n"
                              "  Встреча                   1\n"
                              "  TMS_Scheduled_Meeting_10  -\n");
    free(text);
    table_free(rows);
    assert_int_equal(display_width("Встреча"), 7);
}

static void test_table_neutralises_control_characters(void **state)
{
    (void)state;
    static const char *const headers[] = {"TITLE"};
    table *rows = table_create(1, headers);
    const char *evil[] = {"a\033[2Jb\nc\td"};
    assert_int_equal(table_add_row(rows, evil), CV_OK);
    char *text = printed(rows, 0);
    assert_string_equal(text, "TITLE\na [2Jb c d\n");
    free(text);
    table_free(rows);
}

static void test_json_values_as_text(void **state)
{
    (void)state;
    json_t *document = json_pack("{s:s, s:i, s:b, s:n, s:[i,i]}", "name", "x", "slot", 3,
                                 "allowBooking", 1, "domain", "list", 1, 2);
    char buffer[32];
    assert_string_equal(json_member_text(document, "name", buffer, sizeof buffer), "x");
    assert_string_equal(json_member_text(document, "slot", buffer, sizeof buffer), "3");
    assert_string_equal(json_member_text(document, "allowBooking", buffer, sizeof buffer), "true");
    assert_string_equal(json_member_text(document, "domain", buffer, sizeof buffer), "-");
    assert_string_equal(json_member_text(document, "missing", buffer, sizeof buffer), "-");
    assert_string_equal(json_member_text(document, "list", buffer, sizeof buffer), "[2 items]");
    assert_null(json_member_string(document, "slot"));
    json_decref(document);
}

static void test_collections_in_either_shape(void **state)
{
    (void)state;
    json_t *bare = json_pack("[{s:s}]", "id", "a");
    assert_ptr_equal(json_collection(bare, "bridges"), bare);
    json_t *wrapped = json_pack("{s:i, s:[{s:s}]}", "total", 1, "bookings", "id", "b");
    assert_int_equal(json_array_size(json_collection(wrapped, "bookings")), 1);
    assert_int_equal(json_array_size(json_collection(wrapped, "other")), 1); /* first array */
    json_t *none = json_pack("{s:i}", "total", 0);
    assert_null(json_collection(none, "bookings"));
    json_decref(bare);
    json_decref(wrapped);
    json_decref(none);
}

static char *describe(long status, const char *body)
{
    client_answer answer = {0};
    answer.status = status;
    answer.body = strdup(body);
    answer.body_length = strlen(body);
    answer.document = json_loads(body, 0, NULL);
    strbuf line = STRBUF_INIT;
    cli_describe_error(&answer, &line);
    client_answer_free(&answer);
    assert_int_equal(strbuf_status(&line), CV_OK);
    assert_null(strchr(strbuf_str(&line), '\n'));
    return strbuf_detach(&line);
}

static void test_refusals_are_described_in_one_line(void **state)
{
    (void)state;
    char *line = describe(400, "{\"error\": {\"code\": \"invalid\", \"message\": \"must be after "
                               "the start\", \"details\": {\"field\": \"end\"}}}");
    assert_string_equal(line, "must be after the start (field \"end\")");
    free(line);
    line = describe(400, "{\"error\": {\"code\": \"invalid\", \"message\": \"passcode must be "
                         "digits\", \"details\": {\"field\": \"passcode\"}}}");
    assert_string_equal(line, "passcode must be digits");
    free(line);
    line = describe(409, "{\"error\": {\"code\": \"conflict\", \"message\": \"no free slot\", "
                         "\"details\": {\"conflicts\": [{\"booking\": \"b1\", \"title\": \"T\", "
                         "\"start\": \"S\", \"end\": \"E\", \"slot\": 2}, {\"participant\": "
                         "\"sip:a@x\", \"booking\": \"b2\", \"title\": \"U\"}]}}}");
    assert_string_equal(line, "no free slot; conflicts with: \"T\" (booking b1, S to E) slot 2; "
                              "sip:a@x in \"U\" (booking b2)");
    free(line);
    line = describe(503, "{\"error\": {\"code\": \"bridgeUnreachable\", \"message\": \"the "
                         "bridge cannot be reached\", \"details\": {\"bridge\": \"b9\", "
                         "\"address\": \"https://cms:445\", \"reason\": \"timeout\"}}}");
    assert_string_equal(line,
                        "the bridge cannot be reached (bridge b9 at https://cms:445: timeout)");
    free(line);
    line = describe(401, "");
    assert_non_null(strstr(line, "HTTP 401"));
    assert_non_null(strstr(line, "--user"));
    free(line);
    line = describe(502, "<html>Bad gateway</html>\nmore");
    assert_string_equal(line, "the server answered HTTP 502: <html>Bad gateway</html>");
    free(line);
}

static void test_path_segments_are_encoded(void **state)
{
    (void)state;
    strbuf path = STRBUF_INIT;
    assert_int_equal(cli_append_segment(&path, "a/b c?d%e-f_g.h~"), CV_OK);
    assert_string_equal(strbuf_str(&path), "a%2Fb%20c%3Fd%25e-f_g.h~");
    strbuf_free(&path);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_table_aligns_by_characters),
        cmocka_unit_test(test_table_neutralises_control_characters),
        cmocka_unit_test(test_json_values_as_text),
        cmocka_unit_test(test_collections_in_either_shape),
        cmocka_unit_test(test_refusals_are_described_in_one_line),
        cmocka_unit_test(test_path_segments_are_encoded),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
