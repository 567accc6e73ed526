/*
 * test_common_http_request.c - the parts of src/common/http_server.c that
 * work without a socket: a request built by hand (connection NULL, as unit
 * tests and the router fuzzer build them) has no query arguments and can
 * be walked safely, and response headers are copied and bounded. The
 * server itself is exercised over real sockets by tests/integration.
 * Owns no production code.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdlib.h>
#include <string.h>

#include "common/http_server.h"

static int count_visits(void *context, const char *name, const char *value)
{
    (void)name;
    (void)value;
    (*(int *)context)++;
    return 7;
}

static void test_request_without_connection_has_no_query(void **state)
{
    (void)state;
    http_request request = {
        .method = "GET", .path = "/api/v1/coSpaces", .body = "", .connection = NULL};
    assert_null(http_request_query(&request, "limit"));
    assert_null(http_request_query(&request, "offset"));
    int visits = 0;
    assert_int_equal(http_request_each_query(&request, count_visits, &visits), 0);
    assert_int_equal(visits, 0);
}

static void test_response_headers_are_copied_and_bounded(void **state)
{
    (void)state;
    http_response response = {.status = 200};
    char value[] = "/api/v1/coSpaces/1";
    assert_int_equal(http_response_add_header(&response, "Location", value), CV_OK);
    value[0] = 'X'; /* the response keeps its own copy */
    assert_string_equal(response.header_values[0], "/api/v1/coSpaces/1");
    assert_string_equal(response.header_names[0], "Location");
    for (size_t i = 1; i < HTTP_MAX_HEADERS; i++)
        assert_int_equal(http_response_add_header(&response, "X-Test", "v"), CV_OK);
    assert_int_equal(http_response_add_header(&response, "X-Test", "v"), CV_ERR_TOO_LARGE);
    assert_int_equal(response.header_count, HTTP_MAX_HEADERS);
    for (size_t i = 0; i < response.header_count; i++)
        free(response.header_values[i]);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_request_without_connection_has_no_query),
        cmocka_unit_test(test_response_headers_are_copied_and_bounded),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
