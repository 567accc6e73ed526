/*
 * test_scheduler_cms_client.c - the CMS API client against a small
 * in-process HTTP server (common/http_server): credentials sent up front,
 * a 401 challenge answered once, 503 retried with backoff, the in-flight
 * limit per address, Location ids, 404 failure details, paging through a
 * collection, and the trace with secrets masked.
 */
#include <arpa/inet.h>
#include <netinet/in.h>
#include <pthread.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include <cmocka.h>
#include <curl/curl.h>
#include <libxml/parser.h>

#include "common/http_server.h"
#include "common/text.h"
#include "common/cms_client.h"

typedef struct {
    pthread_mutex_t lock; /* guards the counters */
    int in_flight;
    int most_in_flight;
    int busy_answers_left;
    int challenges_left;
    int requests;
    int wrong_credentials;
} server_state;

static server_state state;

static bool accept_any(void *context, const char *user, const char *password)
{
    (void)context;
    if (strcmp(user, "api") != 0 || strcmp(password, "pw") != 0) {
        pthread_mutex_lock(&state.lock);
        state.wrong_credentials++;
        pthread_mutex_unlock(&state.lock);
    }
    return true;
}

static void sleep_ms(long milliseconds)
{
    struct timespec pause = {0, milliseconds * 1000000L};
    nanosleep(&pause, NULL);
}

static void reply_xml(http_response *response, const char *xml)
{
    response->status = 200;
    response->content_type = "text/xml";
    strbuf_append_str(&response->body, xml);
}

static void handle(void *context, const http_request *request, http_response *response)
{
    (void)context;
    pthread_mutex_lock(&state.lock);
    state.requests++;
    pthread_mutex_unlock(&state.lock);
    const char *path = request->path;
    if (strcmp(path, "/api/v1/slow") == 0) {
        pthread_mutex_lock(&state.lock);
        state.in_flight++;
        if (state.in_flight > state.most_in_flight)
            state.most_in_flight = state.in_flight;
        pthread_mutex_unlock(&state.lock);
        sleep_ms(60);
        pthread_mutex_lock(&state.lock);
        state.in_flight--;
        pthread_mutex_unlock(&state.lock);
        reply_xml(response, "<?xml version=\"1.0\"?><status><softwareVersion>2.9</softwareVersion>"
                            "</status>");
    } else if (strcmp(path, "/api/v1/busy") == 0) {
        pthread_mutex_lock(&state.lock);
        bool busy = state.busy_answers_left-- > 0;
        pthread_mutex_unlock(&state.lock);
        if (busy)
            response->status = 503;
        else
            reply_xml(response, "<ok/>");
    } else if (strcmp(path, "/api/v1/challenge") == 0) {
        pthread_mutex_lock(&state.lock);
        bool challenge = state.challenges_left-- > 0;
        pthread_mutex_unlock(&state.lock);
        if (challenge) {
            response->status = 401;
            http_response_add_header(response, "WWW-Authenticate", "Basic realm=\"acano\"");
        } else {
            reply_xml(response, "<ok/>");
        }
    } else if (strcmp(path, "/api/v1/coSpaces") == 0 && strcmp(request->method, "POST") == 0) {
        bool form_ok = strstr(request->body, "name=Weekly%20review") != NULL &&
                       strstr(request->body, "passcode=4321") != NULL;
        response->status = form_ok ? 200 : 400;
        http_response_add_header(response, "Location",
                                 "/api/v1/coSpaces/9b1d6f2e-1111-4222-8333-944455556666");
    } else if (strcmp(path, "/api/v1/coSpaces/missing") == 0) {
        response->status = 404;
        response->content_type = "text/xml";
        strbuf_append_str(&response->body, "<?xml version=\"1.0\"?><failureDetails>"
                                           "<coSpaceDoesNotExist /></failureDetails>");
    } else if (strcmp(path, "/api/v1/things") == 0) {
        const char *offset_text = http_request_query(request, "offset");
        int64_t offset = 0;
        if (offset_text)
            text_parse_int64(offset_text, 0, 1000, &offset);
        strbuf_printf(&response->body, "<things total=\"25\">");
        for (int64_t i = offset; i < offset + 10 && i < 25; i++)
            strbuf_printf(&response->body, "<thing id=\"t%lld\"/>", (long long)i);
        strbuf_printf(&response->body, "</things>");
        response->status = 200;
        response->content_type = "text/xml";
    } else if (strcmp(path, "/api/v1/fail") == 0) {
        response->status = 500;
    } else {
        response->status = 404;
    }
}

typedef struct {
    http_server *server;
    int port;
    char base_url[64];
    char trace_path[64];
    trace_log *trace;
    cms_registry *registry;
    cms_client *client;
} fixture;

static int free_port(void)
{
    int probe = socket(AF_INET, SOCK_STREAM, 0);
    struct sockaddr_in address = {.sin_family = AF_INET, .sin_addr.s_addr = htonl(INADDR_LOOPBACK)};
    socklen_t length = sizeof address;
    bind(probe, (struct sockaddr *)&address, sizeof address);
    getsockname(probe, (struct sockaddr *)&address, &length);
    close(probe);
    return ntohs(address.sin_port);
}

static int set_up(void **fixture_state)
{
    fixture *f = calloc(1, sizeof *f);
    assert_non_null(f);
    memset(&state, 0, sizeof state);
    pthread_mutex_init(&state.lock, NULL);
    f->port = free_port();
    char listen[32];
    snprintf(listen, sizeof listen, "127.0.0.1:%d", f->port);
    http_server_config config = {.listen = listen, .realm = "acano", .max_body_size = 65536,
                                 .thread_count = 8, .authenticate = accept_any, .handle = handle};
    strbuf error = STRBUF_INIT;
    assert_int_equal(http_server_start(&config, &f->server, &error), CV_OK);
    strbuf_free(&error);
    snprintf(f->base_url, sizeof f->base_url, "http://127.0.0.1:%d", f->port);
    snprintf(f->trace_path, sizeof f->trace_path, "/tmp/convened-cms-trace-%d.log", (int)getpid());
    unlink(f->trace_path);
    assert_int_equal(trace_open(f->trace_path, "convened", &f->trace), CV_OK);
    cms_client_settings settings = {.max_in_flight = 2, .connect_timeout_ms = 2000,
                                    .timeout_ms = 5000, .busy_retries = 3,
                                    .busy_backoff_ms = 10, .trace = f->trace};
    assert_int_equal(cms_registry_create(&settings, &f->registry), CV_OK);
    cms_endpoint endpoint = {.address = f->base_url, .username = "api", .password = "pw",
                             .tls_verify = true};
    assert_int_equal(cms_registry_client(f->registry, &endpoint, &f->client), CV_OK);
    *fixture_state = f;
    return 0;
}

static int tear_down(void **fixture_state)
{
    fixture *f = *fixture_state;
    cms_registry_free(f->registry);
    http_server_stop(f->server);
    trace_close(f->trace);
    unlink(f->trace_path);
    pthread_mutex_destroy(&state.lock);
    free(f);
    return 0;
}

static void *get_slow(void *argument)
{
    cms_client *client = argument;
    cms_response response;
    cv_result result = cms_get(client, "/slow", &response);
    cms_response_free(&response);
    return (void *)(intptr_t)result;
}

static void in_flight_limit(void **fixture_state)
{
    fixture *f = *fixture_state;
    pthread_t threads[8];
    for (size_t i = 0; i < 8; i++)
        assert_int_equal(pthread_create(&threads[i], NULL, get_slow, f->client), 0);
    for (size_t i = 0; i < 8; i++) {
        void *result = NULL;
        pthread_join(threads[i], &result);
        assert_int_equal((intptr_t)result, CV_OK);
    }
    assert_int_equal(state.requests, 8);
    assert_true(state.most_in_flight >= 1);
    assert_true(state.most_in_flight <= 2);
    assert_int_equal(state.wrong_credentials, 0); /* Basic sent up front, right values */
}

static void busy_is_retried(void **fixture_state)
{
    fixture *f = *fixture_state;
    cms_response response;
    state.busy_answers_left = 2;
    assert_int_equal(cms_get(f->client, "/busy", &response), CV_OK);
    assert_int_equal(response.status, 200);
    assert_int_equal(state.requests, 3);
    cms_response_free(&response);

    state.busy_answers_left = 10; /* more than the retries: unreachable */
    state.requests = 0;
    cv_result result = cms_get(f->client, "/busy", &response);
    assert_int_equal(result, CV_ERR_NETWORK);
    assert_true(cms_result_is_unreachable(result));
    assert_int_equal(response.status, 503);
    assert_int_equal(state.requests, 4);
    cms_response_free(&response);

    assert_int_equal(cms_get(f->client, "/fail", &response), CV_ERR_NETWORK);
    cms_response_free(&response);
}

static void challenge_is_answered_once(void **fixture_state)
{
    fixture *f = *fixture_state;
    cms_response response;
    state.challenges_left = 1;
    assert_int_equal(cms_get(f->client, "/challenge", &response), CV_OK);
    assert_int_equal(state.requests, 2);
    cms_response_free(&response);

    state.challenges_left = 5;
    state.requests = 0;
    assert_int_equal(cms_get(f->client, "/challenge", &response), CV_ERR_AUTH);
    assert_int_equal(state.requests, 2);
    assert_int_equal(response.status, 401);
    cms_response_free(&response);
}

static void create_and_failures(void **fixture_state)
{
    fixture *f = *fixture_state;
    cms_response response;
    const cms_field fields[] = {{"name", "Weekly review"}, {"passcode", "4321"}};
    assert_int_equal(cms_post(f->client, "/coSpaces", fields, 2, &response), CV_OK);
    assert_string_equal(response.location_id, "9b1d6f2e-1111-4222-8333-944455556666");
    assert_null(response.document);
    cms_response_free(&response);

    assert_int_equal(cms_get(f->client, "/coSpaces/missing", &response), CV_ERR_NOT_FOUND);
    assert_non_null(strstr(response.error, "coSpaceDoesNotExist"));
    cms_response_free(&response);

    /* The trace has both exchanges, the passcode masked. */
    FILE *file = fopen(f->trace_path, "r");
    assert_non_null(file);
    char text[8192];
    size_t length = fread(text, 1, sizeof text - 1, file);
    text[length] = '\0';
    fclose(file);
    assert_non_null(strstr(text, "POST for \"/api/v1/coSpaces\" (to http://127.0.0.1:"));
    assert_non_null(strstr(text, "name=Weekly review&"));
    assert_non_null(strstr(text, "passcode=*****"));
    assert_null(strstr(text, "4321"));
    assert_non_null(strstr(text, "Location: /api/v1/coSpaces/9b1d6f2e"));
    assert_non_null(strstr(text, "received 404 response"));
    assert_non_null(strstr(text, "<coSpaceDoesNotExist />"));
}

static cv_result count_thing(void *context, xmlNodePtr element)
{
    int *count = context;
    char id[16];
    char expected[16];
    snprintf(expected, sizeof expected, "t%d", *count);
    if (!cms_xml_id(element, id, sizeof id) || strcmp(id, expected) != 0)
        return CV_ERR_PROTOCOL;
    (*count)++;
    return CV_OK;
}

static void paging(void **fixture_state)
{
    fixture *f = *fixture_state;
    int count = 0;
    char error[256] = "";
    assert_int_equal(cms_get_all(f->client, "/things", "thing", count_thing, &count, error,
                                 sizeof error),
                     CV_OK);
    assert_int_equal(count, 25);
    assert_int_equal(state.requests, 3);
}

static void cancel_stops_retries(void **fixture_state)
{
    fixture *f = *fixture_state;
    atomic_bool cancel = true;
    cms_client_settings settings = {.max_in_flight = 1, .busy_retries = 5,
                                    .busy_backoff_ms = 1000, .cancel = &cancel};
    cms_registry *registry = NULL;
    assert_int_equal(cms_registry_create(&settings, &registry), CV_OK);
    cms_endpoint endpoint = {.address = f->base_url, .username = "api", .password = "pw",
                             .tls_verify = true};
    cms_client *client = NULL;
    assert_int_equal(cms_registry_client(registry, &endpoint, &client), CV_OK);
    cms_response response;
    state.busy_answers_left = 10;
    cv_result result = cms_get(client, "/busy", &response);
    assert_true(result == CV_ERR_BUSY || result == CV_ERR_NETWORK);
    assert_true(state.requests <= 1); /* no retries with 1 s backoff */
    cms_response_free(&response);
    cms_registry_free(registry);
}

int main(void)
{
    curl_global_init(CURL_GLOBAL_DEFAULT);
    xmlInitParser();
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(in_flight_limit, set_up, tear_down),
        cmocka_unit_test_setup_teardown(busy_is_retried, set_up, tear_down),
        cmocka_unit_test_setup_teardown(challenge_is_answered_once, set_up, tear_down),
        cmocka_unit_test_setup_teardown(create_and_failures, set_up, tear_down),
        cmocka_unit_test_setup_teardown(paging, set_up, tear_down),
        cmocka_unit_test_setup_teardown(cancel_stops_retries, set_up, tear_down),
    };
    int failed = cmocka_run_group_tests(tests, NULL, NULL);
    xmlCleanupParser();
    curl_global_cleanup();
    return failed;
}
