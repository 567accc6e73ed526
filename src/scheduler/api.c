/*
 * api.c - convened's JSON API: routing, request context and answers; see
 * api.h. Owns the route table (filled by modules before the server starts,
 * read-only afterwards, so it needs no lock) and the error shape.
 */
#include "scheduler/api.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <openssl/crypto.h>

#include "common/log.h"
#include "common/text.h"

#define API_MAX_PATH 1024

typedef struct {
    const char *method;
    const char *segments[API_MAX_SEGMENTS];
    size_t segment_count;
    char *storage; /* the pattern, split in place */
    api_handler handler;
    const char *const *query; /* allowed query parameters (api_route) */
} compiled_route;

struct api_router {
    compiled_route *routes;
    size_t count;
};

/* Splits `path` (modified in place) on '/'; false when it has too many
 * segments. Empty segments (from "//" or a trailing '/') are skipped. */
static bool split_api_path(char *path, const char **segments, size_t *count)
{
    *count = 0;
    char *save = NULL;
    for (char *part = strtok_r(path, "/", &save); part; part = strtok_r(NULL, "/", &save)) {
        if (*count == API_MAX_SEGMENTS)
            return false;
        segments[(*count)++] = part;
    }
    return true;
}

cv_result api_router_create(scheduler *daemon)
{
    daemon->router = calloc(1, sizeof *daemon->router);
    return daemon->router ? CV_OK : CV_ERR_NO_MEMORY;
}

void api_router_free(scheduler *daemon)
{
    if (!daemon->router)
        return;
    for (size_t i = 0; i < daemon->router->count; i++)
        free(daemon->router->routes[i].storage);
    free(daemon->router->routes);
    free(daemon->router);
    daemon->router = NULL;
}

cv_result api_register(scheduler *daemon, const api_route *routes, size_t count)
{
    struct api_router *router = daemon->router;
    compiled_route *grown = realloc(router->routes, (router->count + count) * sizeof *grown);
    if (!grown)
        return CV_ERR_NO_MEMORY;
    router->routes = grown;
    for (size_t i = 0; i < count; i++) {
        compiled_route *route = &router->routes[router->count];
        memset(route, 0, sizeof *route);
        route->storage = strdup(routes[i].pattern);
        if (!route->storage)
            return CV_ERR_NO_MEMORY;
        if (!split_api_path(route->storage, route->segments, &route->segment_count)) {
            free(route->storage);
            return CV_ERR_INVALID;
        }
        route->method = routes[i].method;
        route->handler = routes[i].handler;
        route->query = routes[i].query;
        router->count++;
    }
    return CV_OK;
}

/* ---- answers -------------------------------------------------------------- */

void api_reply_json(api_request *request, int status, json_t *document)
{
    http_response *response = request->response;
    strbuf_reset(&response->body);
    char *text = document ? json_dumps(document, JSON_INDENT(2) | JSON_PRESERVE_ORDER) : NULL;
    json_decref(document);
    if (!text) {
        response->status = 500;
        response->content_type = "application/json";
        strbuf_append_str(&response->body, "{\"error\":{\"code\":\"internal\",\"message\":"
                                           "\"out of memory\",\"details\":null}}\n");
        return;
    }
    response->status = status;
    response->content_type = "application/json";
    strbuf_append_str(&response->body, text);
    strbuf_append_char(&response->body, '\n');
    free(text);
}

void api_reply_empty(api_request *request)
{
    strbuf_reset(&request->response->body);
    request->response->status = 204;
    request->response->content_type = NULL;
}

void api_fail(api_request *request, int status, const char *code, const char *message,
              json_t *details)
{
    json_t *document =
        json_pack("{s:{s:s, s:s, s:o}}", "error", "code", code, "message", message ? message : "",
                  "details", details ? details : json_null());
    api_reply_json(request, status, document);
}

void api_fail_field(api_request *request, const char *field, const char *format, ...)
{
    char message[512];
    va_list arguments;
    va_start(arguments, format);
    vsnprintf(message, sizeof message, format, arguments);
    va_end(arguments);
    api_fail(request, 400, API_ERROR_INVALID, message, json_pack("{s:s}", "field", field));
}

void api_fail_not_found(api_request *request, const char *what, const char *id)
{
    char message[256];
    snprintf(message, sizeof message, "%s %s does not exist", what, id ? id : "");
    api_fail(request, 404, API_ERROR_NOT_FOUND, message, NULL);
}

void api_fail_conflict(api_request *request, const char *message, json_t *conflicts)
{
    api_fail(request, 409, API_ERROR_CONFLICT, message,
             json_pack("{s:o}", "conflicts", conflicts ? conflicts : json_array()));
}

void api_fail_unreachable(api_request *request, const char *bridge_id, const char *address,
                          const char *reason)
{
    char message[640];
    snprintf(message, sizeof message, "bridge %s cannot be reached: %s",
             address ? address : (bridge_id ? bridge_id : ""), reason ? reason : "");
    json_t *details =
        json_pack("{s:s?, s:s?, s:s?}", "bridge", bridge_id, "address", address, "reason", reason);
    api_fail(request, 503, API_ERROR_UNREACHABLE, message, details);
}

void api_fail_result(api_request *request, cv_result result, const char *what)
{
    char message[512];
    snprintf(message, sizeof message, "%s: %s", what, cv_result_name(result));
    switch (result) {
    case CV_ERR_NOT_FOUND:
        api_fail(request, 404, API_ERROR_NOT_FOUND, message, NULL);
        return;
    case CV_ERR_CONFLICT:
        api_fail(request, 409, API_ERROR_CONFLICT, message, NULL);
        return;
    case CV_ERR_INVALID:
    case CV_ERR_TOO_LARGE:
        api_fail(request, 400, API_ERROR_INVALID, message, NULL);
        return;
    case CV_ERR_NETWORK:
    case CV_ERR_TIMEOUT:
    case CV_ERR_BUSY:
        api_fail(request, 503, API_ERROR_UNREACHABLE, message, NULL);
        return;
    default:
        log_error("%s", message);
        api_fail(request, 500, API_ERROR_INTERNAL, message, NULL);
        return;
    }
}

/* ---- requests ------------------------------------------------------------- */

bool api_check_fields(api_request *request, const char *const *allowed)
{
    if (!request->body)
        return true;
    const char *key;
    json_t *value;
    json_object_foreach(request->body, key, value)
    {
        bool known = false;
        for (size_t i = 0; allowed[i]; i++)
            known |= strcmp(allowed[i], key) == 0;
        if (!known) {
            api_fail_field(request, key, "unknown field \"%s\"", key);
            return false;
        }
    }
    return true;
}

bool api_require_body(api_request *request)
{
    if (request->body)
        return true;
    api_fail_field(request, "body", "a JSON object body is required");
    return false;
}

const char *api_segment(const api_request *request, size_t index)
{
    return index < request->segment_count ? request->segments[index] : NULL;
}

const char *api_query(const api_request *request, const char *name)
{
    return http_request_query(request->http, name);
}

bool api_body_string(api_request *request, const char *field, bool *present, const char **out)
{
    json_t *value = request->body ? json_object_get(request->body, field) : NULL;
    *present = value != NULL;
    *out = NULL;
    if (!value || json_is_null(value))
        return true;
    if (!json_is_string(value)) {
        api_fail_field(request, field, "%s must be a string", field);
        return false;
    }
    const char *text = json_string_value(value);
    if (strlen(text) != json_string_length(value) || !text_is_valid_utf8(text, strlen(text))) {
        api_fail_field(request, field, "%s must be UTF-8 text without NUL", field);
        return false;
    }
    if (strlen(text) > 4096) {
        api_fail_field(request, field, "%s is longer than 4096 bytes", field);
        return false;
    }
    *out = text;
    return true;
}

bool api_body_bool(api_request *request, const char *field, bool *present, bool *out)
{
    json_t *value = request->body ? json_object_get(request->body, field) : NULL;
    *present = value != NULL;
    if (!value)
        return true;
    if (!json_is_boolean(value)) {
        api_fail_field(request, field, "%s must be true or false", field);
        return false;
    }
    *out = json_is_true(value);
    return true;
}

bool api_body_integer(api_request *request, const char *field, int64_t minimum, int64_t maximum,
                      bool *present, bool *is_null, int64_t *out)
{
    json_t *value = request->body ? json_object_get(request->body, field) : NULL;
    *present = value != NULL;
    *is_null = value && json_is_null(value);
    if (!value || *is_null)
        return true;
    if (!json_is_integer(value) || json_integer_value(value) < minimum ||
        json_integer_value(value) > maximum) {
        api_fail_field(request, field, "%s must be a whole number from %lld to %lld", field,
                       (long long)minimum, (long long)maximum);
        return false;
    }
    *out = json_integer_value(value);
    return true;
}

/* ---- routing -------------------------------------------------------------- */

bool scheduler_api_authenticate(void *context, const char *user, const char *password)
{
    scheduler *daemon = context;
    size_t length = strlen(daemon->admin_password);
    /* Constant time over the password once the lengths agree. */
    return strcmp(user, daemon->admin_name) == 0 && strlen(password) == length &&
           CRYPTO_memcmp(password, daemon->admin_password, length) == 0;
}

/* http_request_each_query visitor: stops (returns 1) at the first
 * parameter the route does not list, remembering its name. */
typedef struct {
    const char *const *allowed;
    char unknown[64];
} query_check;

static int check_query_name(void *context, const char *name, const char *value)
{
    (void)value;
    query_check *check = context;
    for (const char *const *allowed = check->allowed; allowed && *allowed; allowed++)
        if (strcmp(*allowed, name) == 0)
            return 0;
    text_copy_printable(check->unknown, sizeof check->unknown, name);
    return 1;
}

/* 400 naming the first query parameter the route does not read. */
static bool query_allowed(api_request *request, const compiled_route *route)
{
    query_check check = {.allowed = route->query};
    if (http_request_each_query(request->http, check_query_name, &check) == 0)
        return true;
    api_fail_field(request, check.unknown, "unknown query parameter \"%s\"", check.unknown);
    return false;
}

static bool route_matches_path(const compiled_route *route, const api_request *request)
{
    if (route->segment_count != request->segment_count)
        return false;
    for (size_t i = 0; i < route->segment_count; i++) {
        if (strcmp(route->segments[i], "*") == 0)
            continue;
        if (strcmp(route->segments[i], request->segments[i]) != 0)
            return false;
    }
    return true;
}

void scheduler_api_handle_request(void *context, const http_request *http, http_response *response)
{
    scheduler *daemon = context;
    api_request request = {.daemon = daemon, .http = http, .response = response};
    /* Issue 8: no change once the database is gone (a new empty one would
     * take it), and JSON only as JSON: a browser page may send text/plain
     * across sites with the user's cached credentials (CSRF). */
    bool changes = strcmp(http->method, "GET") != 0 && strcmp(http->method, "HEAD") != 0;
    if (changes && !file_watch_check(&daemon->database_watch)) {
        api_fail(&request, 503, "databaseLost",
                 "the database file was deleted or replaced; nothing can be changed until "
                 "convened is restarted with it restored",
                 NULL);
        return;
    }
    if (http->body_length > 0 && !http_content_type_is(http->content_type, "application/json")) {
        api_fail(&request, 415, "unsupportedMediaType", "the body must be application/json",
                 json_pack("{s:s}", "field", "Content-Type"));
        return;
    }
    char path[API_MAX_PATH];
    size_t prefix_length = strlen(API_PREFIX) - 1; /* "/api/v1" */
    if (strncmp(http->path, API_PREFIX, prefix_length) != 0 ||
        (http->path[prefix_length] != '/' && http->path[prefix_length] != '\0') ||
        strlen(http->path) >= sizeof path) {
        api_fail(&request, 404, API_ERROR_NOT_FOUND, "no such resource (the API is under /api/v1/)",
                 NULL);
        return;
    }
    snprintf(path, sizeof path, "%s", http->path + prefix_length);
    if (!split_api_path(path, request.segments, &request.segment_count) ||
        request.segment_count == 0) {
        api_fail(&request, 404, API_ERROR_NOT_FOUND, "no such resource", NULL);
        return;
    }

    const compiled_route *chosen = NULL;
    bool path_known = false;
    for (size_t i = 0; i < daemon->router->count && !chosen; i++) {
        const compiled_route *route = &daemon->router->routes[i];
        if (!route_matches_path(route, &request))
            continue;
        path_known = true;
        if (strcmp(route->method, http->method) == 0)
            chosen = route;
    }
    if (!chosen) {
        if (path_known) {
            char message[128];
            snprintf(message, sizeof message, "%s is not supported here", http->method);
            api_fail(&request, 405, API_ERROR_METHOD, message, NULL);
        } else {
            api_fail(&request, 404, API_ERROR_NOT_FOUND, "no such resource", NULL);
        }
        return;
    }
    if (!query_allowed(&request, chosen))
        return;

    bool wants_body = strcmp(http->method, "POST") == 0 || strcmp(http->method, "PUT") == 0 ||
                      strcmp(http->method, "PATCH") == 0;
    if (wants_body && http->body_length > 0) {
        json_error_t error;
        request.body = json_loadb(http->body, http->body_length, JSON_REJECT_DUPLICATES, &error);
        if (!request.body || !json_is_object(request.body)) {
            json_decref(request.body);
            if (request.body)
                api_fail_field(&request, "body", "the body must be a JSON object");
            else
                api_fail_field(&request, "body", "the body is not valid JSON: %s (line %d)",
                               error.text, error.line);
            return;
        }
    }
    request.database = store_pool_acquire(&daemon->store);
    response->status = 0;
    chosen->handler(&request);
    store_pool_release(&daemon->store, request.database);
    json_decref(request.body);
    if (response->status == 0)
        api_fail(&request, 500, API_ERROR_INTERNAL, "the handler gave no answer", NULL);
}
