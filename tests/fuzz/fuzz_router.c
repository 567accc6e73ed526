/*
 * fuzz_router.c - libFuzzer target for the bridge's request router and
 * every object module behind it (api_handle_request in src/bridge/router.c),
 * driven without a socket: each input becomes one http_request with no MHD
 * connection (so no query string) against one bridge context that lives for
 * the whole run (a temporary SQLite data directory, the runtime with its
 * dial simulator, the bulk sync worker, a trace to /dev/null so masking and
 * body splitting run too).
 *
 * Input layout: byte 0 picks the method (bits 0-2), the content type (bits
 * 3-4) and whether "/api/v1/" is put in front of the path (bit 5); then the
 * path up to the first '\n'; the rest is the body. "{id}" in the path or
 * body stands for the ID of the object the last successful POST created, so
 * GET/PUT/DELETE on real objects are reachable.
 *
 * Owns only the properties checked on every answer: no crash, leak or UB;
 * a status the CMS API uses (never 500); a body that is well-formed XML; a
 * Location on every 200 to a POST that creates.
 */
#include <libxml/parser.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "bridge/api.h"
#include "bridge/bridge.h"
#include "bridge/bulk_sync.h"
#include "bridge/runtime.h"
#include "bridge/schema.h"
#include "common/http_server.h"
#include "common/log.h"
#include "common/store_db_pool.h"
#include "common/trace.h"

static bridge node;
static char data_dir[64];
static char database_path[128];
static char last_id[ID_TEXT_SIZE]; /* from the last Location; fuzzer thread only */

static void remove_data_dir(void);

static void fail(const char *what, const http_request *request, const http_response *response)
{
    fprintf(stderr, "fuzz_router: %s\n  %s %s (content type %s, %zu body bytes)\n  status %d\n%s\n",
            what, request->method, request->path,
            request->content_type ? request->content_type : "none", request->body_length,
            response->status, strbuf_str(&response->body));
    remove_data_dir(); /* abort() skips atexit */
    abort();
}

static void remove_data_dir(void)
{
    const char *suffixes[] = {"", "-wal", "-shm", "-journal"};
    for (size_t i = 0; i < sizeof suffixes / sizeof suffixes[0]; i++) {
        char path[160];
        snprintf(path, sizeof path, "%s%s", database_path, suffixes[i]);
        unlink(path);
    }
    rmdir(data_dir);
}

static void stop_worker(void)
{
    bulk_sync_worker_stop(node.bulk_sync);
    node.bulk_sync = NULL;
}

static void set_up_node(void)
{
    log_set_level(LOG_LEVEL_ERROR);
    snprintf(data_dir, sizeof data_dir, "/tmp/convene-fuzz-router-XXXXXX");
    if (!mkdtemp(data_dir)) {
        perror("mkdtemp");
        exit(1);
    }
    snprintf(database_path, sizeof database_path, "%s/bridge.sqlite", data_dir);
    atexit(remove_data_dir);

    bridge_options *options = &node.options;
    options->name = "fuzz-node";
    options->listen = "127.0.0.1:0";
    options->data_dir = data_dir;
    options->plain_http = true;
    options->page_limit = 10;
    options->max_body_bytes = 65536;
    options->ring_milliseconds = 0;
    options->max_requests_in_flight = 0; /* never 503 for load */

    store_db *database = NULL;
    if (store_db_open(database_path, NULL, &database) != CV_OK ||
        bridge_schema_migrate(database) != CV_OK) {
        fprintf(stderr, "fuzz_router: cannot prepare %s\n", database_path);
        exit(1);
    }
    store_db_close(database);
    if (store_db_pool_open(&node.store, database_path, NULL, 4) != CV_OK) {
        fprintf(stderr, "fuzz_router: cannot open the pool\n");
        exit(1);
    }

    static cluster_member members[2];
    members[0].name = "fuzz-node";
    members[0].address = "http://127.0.0.1:0";
    id_from_name(members[0].name, members[0].id);
    members[1].name = "fuzz-peer";
    members[1].address = "http://127.0.0.1:1";
    id_from_name(members[1].name, members[1].id);
    node.members = members;
    node.member_count = 2;

    static api_user users[1] = {{"admin", "secret"}};
    node.users = users;
    node.user_count = 1;

    id_from_name(options->name, node.host_id);
    clock_gettime(CLOCK_MONOTONIC, &node.started);
    if (trace_open("/dev/null", options->name, &node.trace) != CV_OK ||
        runtime_create(&node, &node.runtime) != CV_OK) {
        fprintf(stderr, "fuzz_router: cannot create the trace or runtime\n");
        exit(1);
    }
    /* Syncs run for real, in the worker thread, as in the daemon. */
    if (bulk_sync_worker_start(&node, &node.bulk_sync) != CV_OK) {
        fprintf(stderr, "fuzz_router: cannot start the bulk sync worker\n");
        exit(1);
    }
    atexit(stop_worker); /* runs before remove_data_dir */
}

/* A bulk parameter set may span up to a million spaces, a sync of which
 * takes the write lock for many seconds (then every write answers 503 and
 * inputs time out). Inputs that set an index beyond four digits are
 * skipped; everything else about the sets and syncs is fuzzed. */
static bool index_range_is_small(const char *body, size_t length)
{
    form fields;
    bool small = true;
    if (form_parse(body, length, &fields) == CV_OK) {
        for (size_t i = 0; i < fields.count; i++) {
            const char *name = fields.fields[i].name;
            const char *value = fields.fields[i].value;
            if ((strcmp(name, "startIndex") == 0 || strcmp(name, "endIndex") == 0) &&
                (strlen(value) > 4 || strspn(value, "0123456789") != strlen(value)))
                small = false;
        }
    }
    form_free(&fields);
    return small;
}

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
    (void)argc;
    (void)argv;
    xmlInitParser();
    set_up_node();
    return 0;
}

/* Copies `length` bytes (stopping at a NUL when `stop_at_nul`: a decoded
 * URL path has none, a body may) and expands "{id}" to last_id. */
static char *expand(const uint8_t *data, size_t length, bool stop_at_nul, size_t *out_length)
{
    size_t capacity = length * (ID_TEXT_SIZE / 4 + 1) + 1;
    char *out = malloc(capacity);
    if (!out)
        return NULL;
    size_t used = 0;
    for (size_t i = 0; i < length && !(stop_at_nul && data[i] == '\0'); i++) {
        if (last_id[0] && length - i >= 4 && memcmp(data + i, "{id}", 4) == 0) {
            memcpy(out + used, last_id, ID_TEXT_SIZE - 1);
            used += ID_TEXT_SIZE - 1;
            i += 3;
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
    switch (response->status) {
    case 200:
    case 400:
    case 404:
    case 405:
    case 409:
    case 413:
    case 503:
        break;
    default:
        fail("unexpected status", request, response);
    }
    if (strbuf_status(&response->body) != CV_OK)
        fail("response body ran out of memory", request, response);
    if (response->body.length > 0) {
        if (!response->content_type || strcmp(response->content_type, "text/xml") != 0)
            fail("a body that is not text/xml", request, response);
        xmlDocPtr document =
            xmlReadMemory(response->body.data, (int)response->body.length, "response.xml", NULL,
                          XML_PARSE_NONET | XML_PARSE_NOERROR | XML_PARSE_NOWARNING);
        if (!document)
            fail("the response body is not well-formed XML", request, response);
        xmlFreeDoc(document);
    }
    bool located = false;
    for (size_t i = 0; i < response->header_count; i++) {
        if (strcmp(response->header_names[i], "Location") != 0)
            continue;
        located = true;
        const char *location = response->header_values[i];
        if (strncmp(location, "/api/v1/", 8) != 0)
            fail("a Location outside /api/v1/", request, response);
        const char *slash = strrchr(location, '/');
        if (strlen(slash + 1) == ID_TEXT_SIZE - 1 && id_is_valid(slash + 1))
            memcpy(last_id, slash + 1, ID_TEXT_SIZE);
    }
    if (strcmp(request->method, "POST") == 0 && response->status == 200 && !located)
        fail("a POST answered 200 without a Location", request, response);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    static const char *const methods[] = {"GET",   "POST", "PUT", "DELETE",
                                          "PATCH", "HEAD", "get", "OPTIONS"};
    static const char *const content_types[] = {"application/x-www-form-urlencoded", NULL,
                                                "text/xml",
                                                "Application/X-WWW-Form-Urlencoded; charset=UTF-8"};
    if (size == 0)
        return 0;
    uint8_t selector = data[0];
    data++;
    size--;
    const uint8_t *newline = memchr(data, '\n', size);
    size_t path_length = newline ? (size_t)(newline - data) : size;
    const uint8_t *body_start = newline ? newline + 1 : data + size;
    size_t body_size = (size_t)(data + size - body_start);

    size_t expanded_path_length, body_length;
    char *raw_path = expand(data, path_length, true, &expanded_path_length);
    char *body = expand(body_start, body_size, false, &body_length);
    char *path = raw_path ? malloc(expanded_path_length + 9) : NULL;
    if (!raw_path || !body || !path) {
        free(raw_path);
        free(body);
        free(path);
        return 0;
    }
    snprintf(path, expanded_path_length + 9, "%s%s", (selector & 0x20) ? "/api/v1/" : "", raw_path);
    free(raw_path);
    if (!index_range_is_small(body, body_length)) {
        free(path);
        free(body);
        return 0;
    }

    http_request request = {
        .method = methods[selector & 7],
        .path = path,
        .client_address = "127.0.0.1",
        .user = "admin",
        .body = body,
        .body_length = body_length,
        .content_type = content_types[(selector >> 3) & 3],
        .connection = NULL,
    };
    http_response response = {.status = 200};
    strbuf_init(&response.body);
    strbuf_init(&response.annotations);

    api_handle_request(&node, &request, &response);
    check_answer(&request, &response);
    api_trace_exchange(&node, &request, &response);

    strbuf_free(&response.body);
    strbuf_free(&response.annotations);
    for (size_t i = 0; i < response.header_count; i++)
        free(response.header_values[i]);
    free(path);
    free(body);
    return 0;
}
