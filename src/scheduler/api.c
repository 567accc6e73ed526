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

#include "common/log.h"
#include "common/rfc3339.h"
#include "common/text.h"
#include "scheduler/console.h"

#define API_MAX_PATH 1024

typedef struct {
    const char *method;
    const char *segments[API_MAX_SEGMENTS];
    size_t segment_count;
    char *storage; /* the pattern, split in place */
    scheduler_api_handler handler;
    bool slow;                /* runs on the slow lane (scheduler_api_register_slow) */
    const char *const *query; /* allowed query parameters (scheduler_api_route) */
    const char *pattern;      /* as registered, for GET /routes */
    scheduler_api_permission permission;
    bool (*owned)(scheduler_api_request *request, const char *id);
} compiled_route;

struct scheduler_api_router {
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

cv_result scheduler_api_router_create(scheduler *daemon)
{
    daemon->router = calloc(1, sizeof *daemon->router);
    return daemon->router ? CV_OK : CV_ERR_NO_MEMORY;
}

void scheduler_api_router_free(scheduler *daemon)
{
    if (!daemon->router)
        return;
    for (size_t i = 0; i < daemon->router->count; i++)
        free(daemon->router->routes[i].storage);
    free(daemon->router->routes);
    free(daemon->router);
    daemon->router = NULL;
}

static cv_result register_routes(scheduler *daemon, const scheduler_api_route *routes, size_t count,
                                 bool slow)
{
    struct scheduler_api_router *router = daemon->router;
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
        route->slow = slow;
        route->query = routes[i].query;
        route->pattern = routes[i].pattern;
        route->permission = routes[i].permission;
        route->owned = routes[i].owned;
        router->count++;
    }
    return CV_OK;
}

cv_result scheduler_api_register(scheduler *daemon, const scheduler_api_route *routes, size_t count)
{
    return register_routes(daemon, routes, count, false);
}

cv_result scheduler_api_register_slow(scheduler *daemon, const scheduler_api_route *routes,
                                      size_t count)
{
    return register_routes(daemon, routes, count, true);
}

/* ---- answers -------------------------------------------------------------- */

void scheduler_api_reply_json(scheduler_api_request *request, int status, json_t *document)
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

json_t *scheduler_api_time_json(int64_t unix_seconds)
{
    char text[40];
    rfc3339_format_utc(unix_seconds, text, sizeof text);
    return json_string(text);
}

void scheduler_api_reply_empty(scheduler_api_request *request)
{
    strbuf_reset(&request->response->body);
    request->response->status = 204;
    request->response->content_type = NULL;
}

void scheduler_api_fail(scheduler_api_request *request, int status, const char *code,
                        const char *message, json_t *details)
{
    json_t *document =
        json_pack("{s:{s:s, s:s, s:o}}", "error", "code", code, "message", message ? message : "",
                  "details", details ? details : json_null());
    scheduler_api_reply_json(request, status, document);
}

void scheduler_api_fail_field(scheduler_api_request *request, const char *field, const char *format,
                              ...)
{
    char message[512];
    va_list arguments;
    va_start(arguments, format);
    vsnprintf(message, sizeof message, format, arguments);
    va_end(arguments);
    /* A message that quotes the client's bytes (jansson's parse error shows
     * the text near the error) may not be UTF-8, or be cut inside a
     * character: JSON could not carry it, which made the 400 a 500. */
    if (!text_is_valid_utf8(message, strlen(message))) {
        char printable[sizeof message];
        text_copy_printable(printable, sizeof printable, message);
        memcpy(message, printable, sizeof message);
    }
    scheduler_api_fail(request, 400, API_ERROR_INVALID, message,
                       json_pack("{s:s}", "field", field));
}

void scheduler_api_fail_not_found(scheduler_api_request *request, const char *what, const char *id)
{
    /* The ID comes from the path: any bytes, maybe not UTF-8 (which JSON
     * could not carry, making the answer a 500). */
    char shown[64];
    text_copy_printable(shown, sizeof shown, id);
    char message[256];
    snprintf(message, sizeof message, "%s %s does not exist", what, shown);
    scheduler_api_fail(request, 404, API_ERROR_NOT_FOUND, message, NULL);
}

void scheduler_api_fail_conflict(scheduler_api_request *request, const char *message,
                                 json_t *conflicts)
{
    scheduler_api_fail(request, 409, API_ERROR_CONFLICT, message,
                       json_pack("{s:o}", "conflicts", conflicts ? conflicts : json_array()));
}

void scheduler_api_fail_unreachable(scheduler_api_request *request, const char *bridge_id,
                                    const char *address, const char *reason)
{
    char message[640];
    snprintf(message, sizeof message, "bridge %s cannot be reached: %s",
             address ? address : (bridge_id ? bridge_id : ""), reason ? reason : "");
    json_t *details =
        json_pack("{s:s?, s:s?, s:s?}", "bridge", bridge_id, "address", address, "reason", reason);
    scheduler_api_fail(request, 503, API_ERROR_UNREACHABLE, message, details);
}

void scheduler_api_fail_result(scheduler_api_request *request, cv_result result, const char *what)
{
    char message[512];
    snprintf(message, sizeof message, "%s: %s", what, cv_result_name(result));
    switch (result) {
    case CV_ERR_NOT_FOUND:
        scheduler_api_fail(request, 404, API_ERROR_NOT_FOUND, message, NULL);
        return;
    case CV_ERR_CONFLICT:
        scheduler_api_fail(request, 409, API_ERROR_CONFLICT, message, NULL);
        return;
    case CV_ERR_INVALID:
    case CV_ERR_TOO_LARGE:
        scheduler_api_fail(request, 400, API_ERROR_INVALID, message, NULL);
        return;
    case CV_ERR_NETWORK: /* PostgreSQL cannot be reached (a restart) */
    case CV_ERR_TIMEOUT:
    case CV_ERR_BUSY: /* SQLite stayed locked past its busy timeout */
        scheduler_api_fail(request, 503, API_ERROR_DATABASE, message, NULL);
        return;
    default:
        log_error("%s", message);
        scheduler_api_fail(request, 500, API_ERROR_INTERNAL, message, NULL);
        return;
    }
}

/* ---- requests ------------------------------------------------------------- */

bool scheduler_api_check_fields(scheduler_api_request *request, const char *const *allowed)
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
            scheduler_api_fail_field(request, key, "unknown field \"%s\"", key);
            return false;
        }
    }
    return true;
}

bool scheduler_api_require_body(scheduler_api_request *request)
{
    if (request->body)
        return true;
    scheduler_api_fail_field(request, "body", "a JSON object body is required");
    return false;
}

const char *scheduler_api_segment(const scheduler_api_request *request, size_t index)
{
    return index < request->segment_count ? request->segments[index] : NULL;
}

const char *scheduler_api_query(const scheduler_api_request *request, const char *name)
{
    return http_request_query(request->http, name);
}

bool scheduler_api_body_string(scheduler_api_request *request, const char *field, bool *present,
                               const char **out)
{
    json_t *value = request->body ? json_object_get(request->body, field) : NULL;
    *present = value != NULL;
    *out = NULL;
    if (!value || json_is_null(value))
        return true;
    if (!json_is_string(value)) {
        scheduler_api_fail_field(request, field, "%s must be a string", field);
        return false;
    }
    const char *text = json_string_value(value);
    if (strlen(text) != json_string_length(value) || !text_is_valid_utf8(text, strlen(text))) {
        scheduler_api_fail_field(request, field, "%s must be UTF-8 text without NUL", field);
        return false;
    }
    if (strlen(text) > 4096) {
        scheduler_api_fail_field(request, field, "%s is longer than 4096 bytes", field);
        return false;
    }
    *out = text;
    return true;
}

bool scheduler_api_body_bool(scheduler_api_request *request, const char *field, bool *present,
                             bool *out)
{
    json_t *value = request->body ? json_object_get(request->body, field) : NULL;
    *present = value != NULL;
    if (!value)
        return true;
    if (!json_is_boolean(value)) {
        scheduler_api_fail_field(request, field, "%s must be true or false", field);
        return false;
    }
    *out = json_is_true(value);
    return true;
}

bool scheduler_api_body_integer(scheduler_api_request *request, const char *field, int64_t minimum,
                                int64_t maximum, bool *present, bool *is_null, int64_t *out)
{
    json_t *value = request->body ? json_object_get(request->body, field) : NULL;
    *present = value != NULL;
    *is_null = value && json_is_null(value);
    if (!value || *is_null)
        return true;
    if (!json_is_integer(value) || json_integer_value(value) < minimum ||
        json_integer_value(value) > maximum) {
        scheduler_api_fail_field(request, field, "%s must be a whole number from %lld to %lld",
                                 field, (long long)minimum, (long long)maximum);
        return false;
    }
    *out = json_integer_value(value);
    return true;
}

/* ---- routing -------------------------------------------------------------- */

static const char *const permission_names[API_ALLOW_COUNT] = {
    [API_ALLOW_ADMIN] = "admin",   [API_ALLOW_OPERATOR] = "operator",
    [API_ALLOW_OWNER] = "owner",   [API_ALLOW_SIGNED_IN] = "signedIn",
    [API_ALLOW_PUBLIC] = "public",
};

const char *scheduler_api_permission_name(scheduler_api_permission permission)
{
    return (unsigned)permission < API_ALLOW_COUNT ? permission_names[permission] : "";
}

const http_principal *scheduler_api_principal(const scheduler_api_request *request)
{
    return request->http ? request->http->principal : NULL;
}

user_role scheduler_api_role(const scheduler_api_request *request)
{
    const http_principal *principal = scheduler_api_principal(request);
    if (!principal || principal->role < 0 || principal->role >= USER_ROLE_COUNT)
        return USER_ROLE_BOOKER;
    return (user_role)principal->role;
}

bool scheduler_api_sees_everything(const scheduler_api_request *request)
{
    return scheduler_api_principal(request) && scheduler_api_role(request) >= USER_ROLE_OPERATOR;
}

const char *scheduler_api_client_address(const scheduler_api_request *request)
{
    return request->http && request->http->client_address ? request->http->client_address : "";
}

void scheduler_api_each_route(const scheduler *daemon,
                              void (*visit)(void *context, const char *method, const char *pattern,
                                            scheduler_api_permission permission),
                              void *context)
{
    for (size_t i = 0; i < daemon->router->count; i++) {
        const compiled_route *route = &daemon->router->routes[i];
        visit(context, route->method, route->pattern, route->permission);
    }
}

void scheduler_api_describe_refusal(void *context, int status, const http_principal *refused,
                                    http_response *response)
{
    (void)context;
    scheduler_api_request request = {.response = response};
    if (status == 403)
        scheduler_api_fail(&request, 403, API_ERROR_FORBIDDEN,
                           "a request signed in by a session cookie must carry its CSRF token "
                           "in the X-CSRF-Token header",
                           NULL);
    else if (status == 429)
        scheduler_api_fail(&request, 429, "tooManyFailures",
                           "too many failed sign-ins; wait as Retry-After says", NULL);
    else if (refused == NULL)
        scheduler_api_fail(&request, status, API_ERROR_BUSY,
                           "the server is too busy or stopping; try again later", NULL);
    else if (refused->unavailable == HTTP_UNAVAILABLE_DIRECTORY)
        scheduler_api_fail(&request, status, "directoryUnavailable",
                           "the account directory cannot be reached now; try again later", NULL);
    else
        scheduler_api_fail(&request, status, API_ERROR_DATABASE,
                           "the database cannot be reached to check the credentials; try "
                           "again later",
                           NULL);
}

/* Whether the principal's role may call `route`; replies 401 or 403 when
 * not. (A booker on an API_ALLOW_OWNER route is checked again by
 * owner_permitted: 404 for another's object, never a hint it exists.) */
static bool permitted(scheduler_api_request *request, const compiled_route *route)
{
    if (route->permission == API_ALLOW_PUBLIC)
        return true;
    if (!scheduler_api_principal(request)) {
        scheduler_api_fail(request, 401, API_ERROR_UNAUTHORIZED, "valid credentials are required",
                           NULL);
        return false;
    }
    user_role role = scheduler_api_role(request);
    user_role needed = route->permission == API_ALLOW_ADMIN      ? USER_ROLE_ADMIN
                       : route->permission == API_ALLOW_OPERATOR ? USER_ROLE_OPERATOR
                                                                 : USER_ROLE_BOOKER;
    if (role < needed || (unsigned)route->permission >= API_ALLOW_COUNT) {
        char message[160];
        snprintf(message, sizeof message, "this needs the %s role; you are %s",
                 user_role_name(needed), user_role_name(role));
        scheduler_api_fail(request, 403, API_ERROR_FORBIDDEN, message, NULL);
        return false;
    }
    return true;
}

/* For a booker on an API_ALLOW_OWNER route: whether the object is theirs
 * (replies 404 when not). Needs request->database. */
static bool owner_permitted(scheduler_api_request *request, const compiled_route *route)
{
    if (route->permission != API_ALLOW_OWNER || scheduler_api_role(request) >= USER_ROLE_OPERATOR)
        return true;
    const char *id = scheduler_api_segment(request, 1);
    if (id && route->owned && route->owned(request, id))
        return true;
    scheduler_api_fail_not_found(request, route->segments[0], id ? id : "");
    return false;
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
static bool query_allowed(scheduler_api_request *request, const compiled_route *route)
{
    query_check check = {.allowed = route->query};
    if (http_request_each_query(request->http, check_query_name, &check) == 0)
        return true;
    scheduler_api_fail_field(request, check.unknown, "unknown query parameter \"%s\"",
                             check.unknown);
    return false;
}

static bool route_matches_path(const compiled_route *route, const scheduler_api_request *request)
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

/* The route for the request's method and path; NULL when there is none
 * (the reply is set: 405 when the path is known, else 404). */
static const compiled_route *choose_route(scheduler *daemon, scheduler_api_request *request)
{
    const compiled_route *chosen = NULL;
    bool path_known = false;
    for (size_t i = 0; i < daemon->router->count && !chosen; i++) {
        const compiled_route *route = &daemon->router->routes[i];
        if (!route_matches_path(route, request))
            continue;
        path_known = true;
        if (strcmp(route->method, request->http->method) == 0)
            chosen = route;
    }
    if (!chosen && path_known) {
        char message[128];
        snprintf(message, sizeof message, "%s is not supported here", request->http->method);
        scheduler_api_fail(request, 405, API_ERROR_METHOD, message, NULL);
    } else if (!chosen) {
        scheduler_api_fail(request, 404, API_ERROR_NOT_FOUND, "no such resource", NULL);
    }
    return chosen;
}

/* The route of METHOD PATH (a full URL path), or NULL. */
static const compiled_route *find_route(scheduler *daemon, const char *method, const char *path)
{
    char copy[API_MAX_PATH];
    size_t prefix_length = strlen(API_PREFIX) - 1; /* "/api/v1" */
    scheduler_api_request request = {.daemon = daemon};
    if (strncmp(path, API_PREFIX, prefix_length) != 0 || strlen(path) >= sizeof copy)
        return NULL;
    snprintf(copy, sizeof copy, "%s", path + prefix_length);
    if (!split_api_path(copy, request.segments, &request.segment_count))
        return NULL;
    for (size_t i = 0; i < daemon->router->count; i++) {
        const compiled_route *route = &daemon->router->routes[i];
        if (strcmp(route->method, method) == 0 && route_matches_path(route, &request))
            return route;
    }
    return NULL;
}

bool scheduler_api_is_slow(void *context, const char *method, const char *path)
{
    const compiled_route *route = find_route(context, method, path);
    return route && route->slow;
}

bool scheduler_api_is_public(void *context, const char *method, const char *path)
{
    if (console_claims(context, method, path))
        return true; /* the console's files hold no data */
    const compiled_route *route = find_route(context, method, path);
    return route && route->permission == API_ALLOW_PUBLIC;
}

void scheduler_api_handle_request(void *context, const http_request *http, http_response *response)
{
    scheduler *daemon = context;
    scheduler_api_request request = {.daemon = daemon, .http = http, .response = response};
    if (console_claims(daemon, http->method, http->path)) {
        console_serve(daemon, http, response);
        return;
    }
    /* Issue 8: no change once the database is gone (a new empty one would
     * take it), and JSON only as JSON: a browser page may send text/plain
     * across sites with the user's cached credentials (CSRF). */
    bool changes = strcmp(http->method, "GET") != 0 && strcmp(http->method, "HEAD") != 0;
    if (changes && !file_watch_check(&daemon->database_watch)) {
        scheduler_api_fail(
            &request, 503, "databaseLost",
            "the database file was deleted or replaced; nothing can be changed until "
            "convened is restarted with it restored",
            NULL);
        return;
    }
    if (http->body_length > 0 && !http_content_type_is(http->content_type, "application/json")) {
        scheduler_api_fail(&request, 415, "unsupportedMediaType",
                           "the body must be application/json",
                           json_pack("{s:s}", "field", "Content-Type"));
        return;
    }
    char path[API_MAX_PATH];
    size_t prefix_length = strlen(API_PREFIX) - 1; /* "/api/v1" */
    if (strncmp(http->path, API_PREFIX, prefix_length) != 0 ||
        (http->path[prefix_length] != '/' && http->path[prefix_length] != '\0') ||
        strlen(http->path) >= sizeof path) {
        scheduler_api_fail(&request, 404, API_ERROR_NOT_FOUND,
                           "no such resource (the API is under /api/v1/)", NULL);
        return;
    }
    snprintf(path, sizeof path, "%s", http->path + prefix_length);
    if (!split_api_path(path, request.segments, &request.segment_count) ||
        request.segment_count == 0) {
        scheduler_api_fail(&request, 404, API_ERROR_NOT_FOUND, "no such resource", NULL);
        return;
    }

    const compiled_route *chosen = choose_route(daemon, &request);
    if (!chosen)
        return;
    if (!permitted(&request, chosen) || !query_allowed(&request, chosen))
        return;

    bool wants_body = strcmp(http->method, "POST") == 0 || strcmp(http->method, "PUT") == 0 ||
                      strcmp(http->method, "PATCH") == 0;
    if (wants_body && http->body_length > 0) {
        json_error_t error;
        request.body = json_loadb(http->body, http->body_length, JSON_REJECT_DUPLICATES, &error);
        if (!request.body || !json_is_object(request.body)) {
            json_decref(request.body);
            if (request.body)
                scheduler_api_fail_field(&request, "body", "the body must be a JSON object");
            else
                scheduler_api_fail_field(&request, "body",
                                         "the body is not valid JSON: %s (line %d)", error.text,
                                         error.line);
            return;
        }
    }
    request.database = store_db_pool_acquire(&daemon->store);
    response->status = 0;
    if (owner_permitted(&request, chosen))
        chosen->handler(&request);
    store_db_pool_release(&daemon->store, request.database);
    json_decref(request.body);
    if (response->status == 0)
        scheduler_api_fail(&request, 500, API_ERROR_INTERNAL, "the handler gave no answer", NULL);
}
