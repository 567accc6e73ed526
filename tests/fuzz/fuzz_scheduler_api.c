/*
 * fuzz_scheduler_api.c - libFuzzer target for convened's JSON API router
 * and every route behind it (scheduler_api_handle_request in
 * src/scheduler/api.c: /bridges, /bookings, /tickets), driven without a
 * socket against one convened that lives for the whole run: a temporary data
 * directory with a migrated database, its secrets key, the store watch,
 * every module started (tickets, bridges, lifecycle, bookings) and one
 * bridge row ready for bookings (provisioned slots 1000..1004). No request
 * leaves the process: the CMS client's cancel flag is set from the start,
 * so a probe or a meeting start gives up at once, as on shutdown.
 *
 * Input layout: byte 0 picks the method (bits 0-2) and the content type
 * (bit 3: application/json or text/plain); then the path (under /api/v1/)
 * up to the first '\n'; the rest is the body. "{id}" in the path or body
 * stands for the ID in the last 201 answer, "{bridge}" for the bridge
 * row's ID, so reads and changes of real bookings are reachable.
 *
 * Owns only the properties checked on every answer: no crash, leak or UB;
 * never 500; a body, when there is one, that is a JSON object or array.
 */
#include <curl/curl.h>
#include <jansson.h>
#include <libxml/parser.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "common/cms_client.h"
#include "common/http_server.h"
#include "common/log.h"
#include "common/store_sql.h"
#include "common/trace.h"
#include "scheduler/api.h"
#include "scheduler/booking.h"
#include "scheduler/bridges.h"
#include "scheduler/db_bridge_secrets.h"
#include "scheduler/lifecycle.h"
#include "scheduler/scheduler.h"
#include "scheduler/schema.h"
#include "scheduler/tickets.h"
#include "scheduler/users_api.h"

#define BRIDGE_ID "0f6c3a52-2f8e-4b7a-9f7d-5f0e4c1d2a3b"

static scheduler convened; /* the daemon under test; fuzzer thread and its modules */
static char data_dir[64];
static char last_id[ID_TEXT_SIZE]; /* from the last 201; fuzzer thread only */
static const scheduler_module *const modules[] = {&users_module, &tickets_module, &bridges_module,
                                                  &lifecycle_module, &booking_module};
#define MODULE_COUNT (sizeof modules / sizeof modules[0])

static void remove_data_dir(void)
{
    char command[128];
    snprintf(command, sizeof command, "rm -rf '%s'", data_dir);
    if (system(command) != 0)
        fprintf(stderr, "fuzz_scheduler_api: could not remove %s\n", data_dir);
}

static void stop_daemon(void)
{
    for (size_t i = MODULE_COUNT; i > 0; i--)
        modules[i - 1]->stop(&convened);
    scheduler_api_router_free(&convened);
    cms_registry_free(convened.cms);
    trace_close(convened.trace);
    store_db_pool_close(&convened.store);
    file_watch_free(&convened.database_watch);
    db_bridge_secrets_stop(convened.secrets_key);
    free(convened.database_path);
    curl_global_cleanup();
}

static void die(const char *what)
{
    fprintf(stderr, "fuzz_scheduler_api: cannot %s\n", what);
    exit(1);
}

/* The bridge every booking can go to: reachable as far as convened knows,
 * dial numbers complete, slots 1000..1004 provisioned. */
static void add_bridge_row(store_db *database)
{
    char *sealed = NULL;
    store_stmt *statement = NULL;
    if (db_bridge_secret_seal(BRIDGE_ID, DB_BRIDGE_PASSWORD, "fuzz", &sealed) != CV_OK ||
        store_db_prepare(database,
                         "INSERT INTO bridges (id, address, username, password, name, domain,"
                         " numeric_id_base, numeric_id_quantity, reachable, provisioned_base,"
                         " provisioned_quantity, provisioning_state, created)"
                         " VALUES (?1, 'http://127.0.0.1:9', 'fuzz', ?2, 'Fuzz', 'example.com',"
                         " 1000, 5, 1, 1000, 5, 'complete', 0)",
                         &statement) != CV_OK)
        die("add the bridge row");
    store_bind_text(statement, 1, BRIDGE_ID);
    store_bind_text(statement, 2, sealed);
    if (store_step(statement) != STORE_DONE)
        die("store the bridge row");
    store_stmt_done(statement);
    free(sealed);
}

static void open_store(void)
{
    strbuf path = STRBUF_INIT, key = STRBUF_INIT, error = STRBUF_INIT;
    strbuf_printf(&path, "%s/convened.db", data_dir);
    strbuf_printf(&key, "%s/secrets.key", data_dir);
    convened.database_path = strbuf_detach(&path);
    store_db *database = NULL;
    if (store_db_open(convened.database_path, NULL, &database) != CV_OK ||
        schema_migrate(database) != CV_OK ||
        db_bridge_secrets_start(database, strbuf_str(&key), NULL, &convened.secrets_key, &error) !=
            CV_OK)
        die("prepare the database");
    add_bridge_row(database);
    store_db_close(database);
    if (store_db_pool_open(&convened.store, convened.database_path, NULL, 8) != CV_OK ||
        file_watch_start(&convened.database_watch, convened.database_path) != CV_OK)
        die("open the pool");
    store_pool_watch(store_db_pool_sqlite(&convened.store), &convened.database_watch);
    strbuf_free(&key);
    strbuf_free(&error);
}

static void set_up_daemon(void)
{
    log_set_level(LOG_LEVEL_ERROR);
    snprintf(data_dir, sizeof data_dir, "/tmp/convene-fuzz-scheduler-XXXXXX");
    if (!mkdtemp(data_dir))
        die("make a data directory");
    atexit(remove_data_dir);
    scheduler_options *options = &convened.options;
    options->data_dir = data_dir;
    options->cms_max_in_flight = 4;
    options->cms_connect_timeout_ms = 100;
    options->cms_timeout_ms = 100;
    options->poll_interval_seconds = 3600;
    options->discovery_interval_seconds = 3600;
    options->provisioning_timeout_seconds = 300;
    options->max_meeting_minutes = 24 * 60;
    options->dial_out_retries = 1;
    options->dial_out_retry_seconds = 10;
    options->dial_out_answer_seconds = 30;
    convened.admin_name = "admin";
    convened.admin_password = "secret";
    atomic_store(&convened.stopping, true); /* every CMS request gives up at once */
    open_store();
    cms_client_settings settings = {.max_in_flight = 4,
                                    .connect_timeout_ms = 100,
                                    .timeout_ms = 100,
                                    .busy_retries = 0,
                                    .busy_backoff_ms = 1,
                                    .cancel = &convened.stopping};
    if (trace_open("/dev/null", "convened", &convened.trace) != CV_OK ||
        (settings.trace = convened.trace, cms_registry_create(&settings, &convened.cms)) != CV_OK ||
        scheduler_api_router_create(&convened) != CV_OK)
        die("create the trace, client registry or router");
    for (size_t i = 0; i < MODULE_COUNT; i++)
        if (modules[i]->start(&convened) != CV_OK)
            die("start the modules");
    atexit(stop_daemon); /* runs before remove_data_dir */
}

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
    (void)argc;
    (void)argv;
    xmlInitParser();
    curl_global_init(CURL_GLOBAL_DEFAULT); /* as convened's main does */
    set_up_daemon();
    return 0;
}

/* Copies `length` bytes (stopping at a NUL when `stop_at_nul`) and expands
 * "{id}" and "{bridge}". */
static char *expand(const uint8_t *data, size_t length, bool stop_at_nul, size_t *out_length)
{
    size_t capacity = length * ID_TEXT_SIZE + 1;
    char *out = malloc(capacity);
    if (!out)
        return NULL;
    size_t used = 0;
    for (size_t i = 0; i < length && !(stop_at_nul && data[i] == '\0'); i++) {
        if (last_id[0] && length - i >= 4 && memcmp(data + i, "{id}", 4) == 0) {
            memcpy(out + used, last_id, ID_TEXT_SIZE - 1);
            used += ID_TEXT_SIZE - 1;
            i += 3;
        } else if (length - i >= 8 && memcmp(data + i, "{bridge}", 8) == 0) {
            memcpy(out + used, BRIDGE_ID, ID_TEXT_SIZE - 1);
            used += ID_TEXT_SIZE - 1;
            i += 7;
        } else {
            out[used++] = (char)data[i];
        }
    }
    out[used] = '\0';
    *out_length = used;
    return out;
}

static void check_answer(const http_request *request, const http_response *response)
{
    json_t *document = NULL;
    if (response->body.length)
        document = json_loadb(strbuf_str(&response->body), response->body.length, 0, NULL);
    bool bad_body = response->body.length && !json_is_object(document) && !json_is_array(document);
    if (response->status == 500 || response->status < 200 || bad_body) {
        fprintf(stderr, "fuzz_scheduler_api: %s\n  %s %s\n  status %d\n%s\n",
                bad_body ? "a body that is not JSON" : "unexpected status", request->method,
                request->path, response->status, strbuf_str(&response->body));
        abort();
    }
    const char *id = json_string_value(json_object_get(document, "id"));
    if (response->status == 201 && id && strlen(id) == ID_TEXT_SIZE - 1)
        memcpy(last_id, id, ID_TEXT_SIZE);
    json_decref(document);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    static const char *const methods[] = {"GET", "POST", "PATCH", "DELETE",
                                          "PUT", "GET",  "POST",  "PATCH"};
    if (size < 1)
        return 0;
    const char *method = methods[data[0] & 7];
    const char *content_type = data[0] & 8 ? "text/plain" : "application/json";
    const uint8_t *rest = data + 1;
    size_t rest_size = size - 1;
    const uint8_t *newline = memchr(rest, '\n', rest_size);
    size_t path_size = newline ? (size_t)(newline - rest) : rest_size;
    size_t path_length = 0, body_length = 0;
    char *tail = expand(rest, path_size, true, &path_length);
    char *body = newline ? expand(newline + 1, rest_size - path_size - 1, false, &body_length)
                         : expand(rest, 0, false, &body_length);
    strbuf path = STRBUF_INIT;
    strbuf_printf(&path, "/api/v1/%s", tail ? tail : "");
    if (tail && body && strbuf_status(&path) == CV_OK) {
        /* user 1 is the --admin-user account; bits 4-5 pick the role it
         * acts with, so the permission checks are fuzzed too */
        http_principal principal = {.user_id = 1, .role = (data[0] >> 4) & 3, .name = "admin"};
        if (principal.role >= USER_ROLE_COUNT)
            principal.role = USER_ROLE_ADMIN;
        http_request request = {.method = method,
                                .path = strbuf_str(&path),
                                .client_address = "127.0.0.1",
                                .user = "admin",
                                .principal = &principal,
                                .body = body,
                                .body_length = body_length,
                                .content_type = body_length ? content_type : NULL};
        http_response response = {.status = 200};
        strbuf_init(&response.body);
        strbuf_init(&response.annotations);
        scheduler_api_handle_request(&convened, &request, &response);
        check_answer(&request, &response);
        strbuf_free(&response.body);
        strbuf_free(&response.annotations);
        for (size_t i = 0; i < response.header_count; i++)
            free(response.header_values[i]);
    }
    strbuf_free(&path);
    free(tail);
    free(body);
    return 0;
}
