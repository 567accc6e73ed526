/*
 * router.c - from an HTTP request to the object module that answers it.
 *
 * Owns: the list of every module's routes, the /api/v1/ prefix, case-
 * insensitive matching of object names (TMS sends "/api/v1/cospaces"), the
 * trailing slash, unrecognizedObject and invalidOperation, form decoding
 * of POST/PUT bodies, the 503 when the node is over its request limit,
 * Basic credentials checking, and writing each exchange to the trace.
 * Does not own: what any object does.
 */
#include <stdatomic.h>
#include <string.h>
#include <strings.h>

#include "bridge/api.h"
#include "bridge/routes.h"
#include "common/log.h"
#include "common/text.h"

static const api_route_table *const route_tables[] = {
    &system_routes,
    &call_bridge_routes,
    &call_profile_routes,
    &call_leg_profile_routes,
    &cospace_routes,
    &access_method_routes,
    &dial_plan_rule_routes,
    &cdr_receiver_routes,
    &system_profiles_routes,
    &bulk_parameter_set_routes,
    &bulk_sync_routes,
    &call_routes,
    &call_leg_routes,
    &call_leg_trace_routes,
    &participant_routes,
    &inbound_dial_plan_rule_routes,
    &dial_transform_routes,
};

#define PATH_PREFIX     "/api/v1/"
#define MAX_PATH_LENGTH 1024

static bool segment_matches(const char *pattern, size_t pattern_length, const char *segment)
{
    if (pattern_length == 1 && pattern[0] == '*')
        return true;
    return strlen(segment) == pattern_length && strncasecmp(pattern, segment, pattern_length) == 0;
}

static bool route_matches(const char *pattern, const char *const *segments, size_t count)
{
    size_t index = 0;
    const char *cursor = pattern;
    while (*cursor) {
        const char *slash = strchr(cursor, '/');
        size_t length = slash ? (size_t)(slash - cursor) : strlen(cursor);
        if (index == count || !segment_matches(cursor, length, segments[index]))
            return false;
        index++;
        cursor += length + (slash ? 1 : 0);
    }
    return index == count;
}

static const api_route *find_route(const char *const *segments, size_t count)
{
    for (size_t t = 0; t < sizeof route_tables / sizeof route_tables[0]; t++)
        for (size_t r = 0; r < route_tables[t]->count; r++)
            if (route_matches(route_tables[t]->routes[r].pattern, segments, count))
                return &route_tables[t]->routes[r];
    return NULL;
}

/* Splits the path after /api/v1/ in place; false when it is not an API path. */
static bool split_path(char *path, api_call *call)
{
    if (strncasecmp(path, PATH_PREFIX, strlen(PATH_PREFIX)) != 0)
        return false;
    char *cursor = path + strlen(PATH_PREFIX);
    call->segment_count = 0;
    while (*cursor) {
        char *slash = strchr(cursor, '/');
        if (slash)
            *slash = '\0';
        if (*cursor == '\0') /* "//" inside the path */
            return false;
        if (call->segment_count == API_MAX_SEGMENTS)
            return false;
        call->segments[call->segment_count++] = cursor;
        if (!slash)
            break;
        cursor = slash + 1; /* a trailing slash leaves an empty rest: done */
    }
    return call->segment_count > 0;
}

static api_handler handler_for(const api_route *route, const char *method, bool *known_method)
{
    *known_method = true;
    if (strcmp(method, "GET") == 0)
        return route->get;
    if (strcmp(method, "POST") == 0)
        return route->post;
    if (strcmp(method, "PUT") == 0)
        return route->put;
    if (strcmp(method, "DELETE") == 0)
        return route->delete;
    *known_method = false;
    return NULL;
}

static bool decode_body(api_call *call)
{
    const http_request *request = call->request;
    if (request->body_length == 0)
        return true;
    /* A real CMS reads every body as a form whatever its Content-Type says
     * (Cisco's own examples send "www-formurl-encoded"); a JSON body then
     * decodes to parameters no object knows, which are ignored. */
    const char *type = request->content_type;
    if (call->node->options.strict &&
        (!type || strncasecmp(type, "application/x-www-form-urlencoded", 33) != 0)) {
        api_fail_parameter(call, "", "unsupportedContentType");
        return false;
    }
    cv_result result = form_parse(request->body, request->body_length, &call->fields);
    if (result == CV_ERR_NO_MEMORY) {
        api_fail(call, 503, "outOfMemory");
        return false;
    }
    if (result != CV_OK) {
        api_fail_parameter(call, call->fields.error_parameter ? call->fields.error_parameter : "",
                           call->fields.error_reason ? call->fields.error_reason : "invalid");
        return false;
    }
    return true;
}

void api_handle_request(void *context, const http_request *request, http_response *response)
{
    bridge *node = context;
    api_call call = {.node = node, .request = request, .response = response};
    long in_flight = atomic_fetch_add(&node->requests_in_flight, 1) + 1;
    char path[MAX_PATH_LENGTH];

    if (node->options.max_requests_in_flight > 0 &&
        in_flight > node->options.max_requests_in_flight) {
        response->status = 503;
        goto done;
    }
    if (strlen(request->path) >= sizeof path) {
        api_fail_not_found(&call, "unrecognizedObject");
        goto done;
    }
    strcpy(path, request->path);
    if (!split_path(path, &call)) {
        api_fail_not_found(&call, "unrecognizedObject");
        goto done;
    }
    const api_route *route = find_route(call.segments, call.segment_count);
    if (!route) {
        api_fail_not_found(&call, "unrecognizedObject");
        goto done;
    }
    bool known_method;
    api_handler handler = handler_for(route, request->method, &known_method);
    if (!handler) {
        api_fail(&call, 405, "invalidOperation");
        goto done;
    }
    if (!decode_body(&call))
        goto done;
    call.database = store_db_pool_acquire(&node->store);
    handler(&call);
    store_db_pool_release(&node->store, call.database);
done:
    form_free(&call.fields);
    atomic_fetch_sub(&node->requests_in_flight, 1);
}

bool api_authenticate(void *context, const char *user, const char *password)
{
    bridge *node = context;
    bool accepted = false;
    /* Compare every entry so the time taken does not reveal which matched. */
    for (size_t i = 0; i < node->user_count; i++) {
        bool name_matches = strcmp(node->users[i].name, user) == 0;
        size_t expected_length = strlen(node->users[i].password);
        size_t given_length = strlen(password);
        unsigned difference = expected_length != given_length;
        for (size_t k = 0; k < expected_length; k++)
            difference |= (unsigned char)node->users[i].password[k] ^
                          (unsigned char)password[k < given_length ? k : 0];
        if (name_matches && difference == 0)
            accepted = true;
    }
    return accepted;
}

void api_trace_exchange(void *context, const http_request *request, const http_response *response)
{
    bridge *node = context;
    trace_log *trace = node->trace;
    if (!trace)
        return;
    unsigned long number = trace_next_number(trace);
    strbuf block = STRBUF_INIT;
    trace_line(trace, &block, number, "%s for \"%s\" (from %s)", request->method, request->path,
               request->client_address);
    if (request->body_length > 0 && response->status != 401) {
        form fields;
        if (form_parse(request->body, request->body_length, &fields) == CV_OK) {
            trace_form(trace, &block, number, request->content_type, request->body_length, &fields);
        } else {
            trace_line(trace, &block, number,
                       "content data size %zu, type \"%s\": (not shown: malformed)",
                       request->body_length, request->content_type ? request->content_type : "");
        }
        form_free(&fields);
    }
    const char *notes = strbuf_str(&response->annotations);
    while (*notes) {
        const char *end = strchr(notes, '\n');
        size_t length = end ? (size_t)(end - notes) : strlen(notes);
        trace_audit(trace, &block, request->client_address, "%.*s", (int)length, notes);
        notes += length + (end ? 1 : 0);
    }
    trace_line(trace, &block, number, "sending %d response, size %zu", response->status,
               response->body.length);
    for (size_t i = 0; i < response->header_count; i++)
        trace_line(trace, &block, number, "%s: %s", response->header_names[i],
                   response->header_values[i]);
    if (response->body.length > 0)
        trace_body(trace, &block, number, response->body.data, response->body.length);
    trace_emit(trace, &block);
    strbuf_free(&block);
}
