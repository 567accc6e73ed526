/*
 * test_scheduler_api.c - convened's JSON API plumbing without sockets:
 * routing (literal and "*" segments, 404 versus 405), body parsing, typed
 * member reads naming the field, the error shape, and who may call what.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>
#include <jansson.h>

#include "common/rfc3339.h"
#include "scheduler/api.h"
#include "scheduler/scheduler.h"

static char last_id[64];

static void echo_id(scheduler_api_request *request)
{
    snprintf(last_id, sizeof last_id, "%s", scheduler_api_segment(request, 1));
    scheduler_api_reply_json(request, 200, json_pack("{s:s}", "id", last_id));
}

static void read_members(scheduler_api_request *request)
{
    static const char *const allowed[] = {"name", "count", "on", NULL};
    const char *name = NULL;
    bool present = false, is_null = false, on = false;
    int64_t count = 0;
    if (!scheduler_api_check_fields(request, allowed) ||
        !scheduler_api_body_string(request, "name", &present, &name) ||
        !scheduler_api_body_integer(request, "count", 1, 10, &present, &is_null, &count) ||
        !scheduler_api_body_bool(request, "on", &present, &on))
        return;
    scheduler_api_reply_json(
        request, 201,
        json_pack("{s:s?, s:I, s:b}", "name", name, "count", (json_int_t)count, "on", on));
}

static void conflict(scheduler_api_request *request)
{
    scheduler_api_fail_conflict(request, "slot taken", json_pack("[{s:s}]", "booking", "b1"));
}

static void unreachable(scheduler_api_request *request)
{
    scheduler_api_fail_unreachable(request, "bridge-1", "https://10.0.0.5:445", "timed out");
}

static void silent(scheduler_api_request *request)
{
    (void)request;
}

/* API_ALLOW_OWNER's check: "mine" is the booker's, anything else not. */
static bool owned_by_caller(scheduler_api_request *request, const char *id)
{
    (void)request;
    return strcmp(id, "mine") == 0;
}

static const scheduler_api_route routes[] = {
    {"GET", "things/*", echo_id, NULL, API_ALLOW_ADMIN, NULL},
    {"POST", "things", read_members, NULL, API_ALLOW_ADMIN, NULL},
    {"POST", "things/*/conflict", conflict, NULL, API_ALLOW_ADMIN, NULL},
    {"GET", "down", unreachable, NULL, API_ALLOW_ADMIN, NULL},
    {"GET", "silent", silent, NULL, API_ALLOW_ADMIN, NULL},
    {"GET", "live", silent, NULL, API_ALLOW_OPERATOR, NULL},
    {"GET", "owned/*", echo_id, NULL, API_ALLOW_OWNER, owned_by_caller},
    {"GET", "anyone", silent, NULL, API_ALLOW_SIGNED_IN, NULL},
    {"POST", "open", silent, NULL, API_ALLOW_PUBLIC, NULL},
};

/* Who the next request comes from; NULL for no credentials at all. */
static const http_principal *caller;
static const http_principal admin = {.user_id = 1, .role = USER_ROLE_ADMIN, .name = "admin"};

typedef struct {
    scheduler daemon;
    char path[64];
} fixture;

static int set_up(void **state)
{
    fixture *f = calloc(1, sizeof *f);
    assert_non_null(f);
    snprintf(f->path, sizeof f->path, "/tmp/convened-api-test-%d.db", (int)getpid());
    assert_int_equal(store_db_pool_open(&f->daemon.store, f->path, NULL, 2), CV_OK);
    /* The API's routing alone: paths outside /api/ are not the web
     * console's here (tests/integration/test_console_static.py has it). */
    f->daemon.options.no_console = true;
    assert_int_equal(scheduler_api_router_create(&f->daemon), CV_OK);
    assert_int_equal(scheduler_api_register(&f->daemon, routes, sizeof routes / sizeof routes[0]),
                     CV_OK);
    caller = &admin;
    *state = f;
    return 0;
}

static int tear_down(void **state)
{
    fixture *f = *state;
    scheduler_api_router_free(&f->daemon);
    store_db_pool_close(&f->daemon.store);
    unlink(f->path);
    char wal[80];
    snprintf(wal, sizeof wal, "%s-wal", f->path);
    unlink(wal);
    snprintf(wal, sizeof wal, "%s-shm", f->path);
    unlink(wal);
    free(f);
    return 0;
}

/* Runs one request with a body of `content_type`; returns the parsed
 * answer (NULL for no body). */
static json_t *call_typed(fixture *f, const char *method, const char *path, const char *body,
                          const char *content_type, int *status)
{
    http_request request = {.method = method,
                            .path = path,
                            .client_address = "127.0.0.1",
                            .user = caller ? caller->name : NULL,
                            .principal = caller,
                            .body = body ? body : "",
                            .body_length = body ? strlen(body) : 0,
                            .content_type = content_type};
    http_response response = {.status = 200};
    strbuf_init(&response.body);
    strbuf_init(&response.annotations);
    scheduler_api_handle_request(&f->daemon, &request, &response);
    *status = response.status;
    json_t *document = NULL;
    if (response.body.length) {
        assert_string_equal(response.content_type, "application/json");
        document = json_loads(strbuf_str(&response.body), 0, NULL);
        assert_non_null(document);
    }
    strbuf_free(&response.body);
    strbuf_free(&response.annotations);
    return document;
}

/* Runs one request, its body (if any) sent as application/json. */
static json_t *call(fixture *f, const char *method, const char *path, const char *body, int *status)
{
    return call_typed(f, method, path, body, body ? "application/json" : NULL, status);
}

static const char *error_field(json_t *document, const char *member)
{
    json_t *error = json_object_get(document, "error");
    assert_non_null(error);
    assert_non_null(json_object_get(error, "code"));
    assert_non_null(json_object_get(error, "message"));
    assert_non_null(json_object_get(error, "details"));
    if (strcmp(member, "code") == 0)
        return json_string_value(json_object_get(error, "code"));
    return json_string_value(json_object_get(json_object_get(error, "details"), member));
}

static void routing(void **state)
{
    fixture *f = *state;
    int status = 0;
    json_t *answer = call(f, "GET", "/api/v1/things/abc", NULL, &status);
    assert_int_equal(status, 200);
    assert_string_equal(last_id, "abc");
    json_decref(answer);

    answer = call(f, "GET", "/api/v1/things/xyz/", NULL, &status); /* trailing slash */
    assert_int_equal(status, 200);
    assert_string_equal(last_id, "xyz");
    json_decref(answer);

    answer = call(f, "DELETE", "/api/v1/things/abc", NULL, &status);
    assert_int_equal(status, 405);
    assert_string_equal(error_field(answer, "code"), API_ERROR_METHOD);
    json_decref(answer);

    const char *missing[] = {"/api/v1/nothing",      "/api/v1",        "/api/v2/things", "/",
                             "/api/v1/things/a/b/c", "/api/v1x/things"};
    for (size_t i = 0; i < sizeof missing / sizeof missing[0]; i++) {
        answer = call(f, "GET", missing[i], NULL, &status);
        assert_int_equal(status, 404);
        assert_string_equal(error_field(answer, "code"), API_ERROR_NOT_FOUND);
        json_decref(answer);
    }

    answer = call(f, "GET", "/api/v1/silent", NULL, &status);
    assert_int_equal(status, 500);
    json_decref(answer);
}

static void bodies(void **state)
{
    fixture *f = *state;
    int status = 0;
    json_t *answer =
        call(f, "POST", "/api/v1/things", "{\"name\":\"x\",\"count\":3,\"on\":true}", &status);
    assert_int_equal(status, 201);
    assert_string_equal(json_string_value(json_object_get(answer, "name")), "x");
    json_decref(answer);

    /* JSON sent as anything but application/json: a cross-site form (CSRF). */
    const char *not_json[] = {"text/plain", NULL, "application/x-www-form-urlencoded"};
    for (size_t i = 0; i < sizeof not_json / sizeof not_json[0]; i++) {
        answer = call_typed(f, "POST", "/api/v1/things", "{\"name\":\"x\"}", not_json[i], &status);
        assert_int_equal(status, 415);
        assert_string_equal(error_field(answer, "field"), "Content-Type");
        json_decref(answer);
    }

    static const struct {
        const char *body;
        const char *field;
    } bad[] = {
        {"{not json", "body"},
        {"[1,2]", "body"},
        {"{\"name\":1}", "name"},
        {"{\"count\":11}", "count"},
        {"{\"count\":1.5}", "count"},
        {"{\"count\":\"2\"}", "count"},
        {"{\"on\":\"yes\"}", "on"},
        {"{\"colour\":\"red\"}", "colour"},
        {"{\"name\":\"a\",\"name\":\"b\"}", "body"},
        {"{\"name\":\"a\\u0000b\"}", "body"}, /* jansson refuses NUL */
    };
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        answer = call(f, "POST", "/api/v1/things", bad[i].body, &status);
        if (status != 400)
            fail_msg("%s: status %d", bad[i].body, status);
        assert_string_equal(error_field(answer, "code"), API_ERROR_INVALID);
        assert_string_equal(error_field(answer, "field"), bad[i].field);
        json_decref(answer);
    }
}

static void error_shapes(void **state)
{
    fixture *f = *state;
    int status = 0;
    json_t *answer = call(f, "POST", "/api/v1/things/a/conflict", NULL, &status);
    assert_int_equal(status, 409);
    json_t *conflicts =
        json_object_get(json_object_get(json_object_get(answer, "error"), "details"), "conflicts");
    assert_int_equal(json_array_size(conflicts), 1);
    json_decref(answer);

    answer = call(f, "GET", "/api/v1/down", NULL, &status);
    assert_int_equal(status, 503);
    assert_string_equal(error_field(answer, "code"), API_ERROR_UNREACHABLE);
    assert_string_equal(error_field(answer, "bridge"), "bridge-1");
    assert_string_equal(error_field(answer, "address"), "https://10.0.0.5:445");
    json_decref(answer);
}

/* Each role against each kind of route: 403 below the route's role, 404
 * for a booker's look at another's object, 401 without a principal. */
static void permissions(void **state)
{
    fixture *f = *state;
    static const http_principal operator= {.user_id = 2, .role = USER_ROLE_OPERATOR};
    static const http_principal booker = {.user_id = 3, .role = USER_ROLE_BOOKER};
    const struct {
        const http_principal *who;
        const char *method, *path;
        int status;
    } cases[] = {
        {&admin, "GET", "/api/v1/silent", 500},
        {&operator, "GET", "/api/v1/silent", 403},
        {&booker, "GET", "/api/v1/silent", 403},
        {NULL, "GET", "/api/v1/silent", 401},
        {&admin, "GET", "/api/v1/live", 500},
        {&operator, "GET", "/api/v1/live", 500},
        {&booker, "GET", "/api/v1/live", 403},
        {&booker, "GET", "/api/v1/owned/mine", 200},
        {&booker, "GET", "/api/v1/owned/other", 404},
        {&operator, "GET", "/api/v1/owned/other", 200},
        {&booker, "GET", "/api/v1/anyone", 500},
        {NULL, "GET", "/api/v1/anyone", 401},
        {NULL, "POST", "/api/v1/open", 500},
        {&booker, "POST", "/api/v1/open", 500},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        caller = cases[i].who;
        int status = 0;
        json_t *answer = call_typed(f, cases[i].method, cases[i].path, NULL, NULL, &status);
        if (status != cases[i].status)
            fail_msg("case %zu: %s %s answered %d, expected %d", i, cases[i].method, cases[i].path,
                     status, cases[i].status);
        if (status == 403)
            assert_string_equal(error_field(answer, "code"), API_ERROR_FORBIDDEN);
        json_decref(answer);
    }
    caller = &admin;
    assert_string_equal(scheduler_api_permission_name(API_ALLOW_ADMIN), "admin");
    assert_true(scheduler_api_is_public(&f->daemon, "POST", "/api/v1/open"));
    assert_false(scheduler_api_is_public(&f->daemon, "GET", "/api/v1/anyone"));
}

static void time_format(void **state)
{
    (void)state;
    char text[32];
    rfc3339_format_utc(0, text, sizeof text);
    assert_string_equal(text, "1970-01-01T00:00:00Z");
    rfc3339_format_utc(1795597200, text, sizeof text);
    assert_string_equal(text, "2026-11-25T09:00:00Z");
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(routing, set_up, tear_down),
        cmocka_unit_test_setup_teardown(bodies, set_up, tear_down),
        cmocka_unit_test_setup_teardown(error_shapes, set_up, tear_down),
        cmocka_unit_test_setup_teardown(permissions, set_up, tear_down),
        cmocka_unit_test(time_format),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
