/*
 * api.h - what every CMS API object module uses to answer a request.
 *
 * Owns: the per-request context (api_call), the route table type, and the
 * shapes of CMS answers: 200 with Location for a create, text/xml bodies,
 * <failureDetails> for 400 parameter errors and 404 "...DoesNotExist",
 * collection paging (offset, limit capped by the server's maximum), and the
 * audit lines of the trace. Does not own: any object's parameters.
 */
#ifndef CONVENE_BRIDGE_API_H
#define CONVENE_BRIDGE_API_H

#include <stdbool.h>
#include <stdint.h>

#include "bridge/bridge.h"
#include "common/form.h"
#include "common/http_server.h"
#include "common/strbuf.h"

#define API_MAX_SEGMENTS 8

typedef struct api_call {
    bridge *node;
    const http_request *request;
    http_response *response;
    store_db *database;                     /* borrowed from the pool for this request */
    form fields;                            /* decoded body of POST and PUT */
    const char *segments[API_MAX_SEGMENTS]; /* path after /api/v1/, split on '/' */
    size_t segment_count;
} api_call;

typedef void (*api_handler)(api_call *call);

/* One path shape. Literal segments match case-insensitively; "*" matches an
 * object ID (any segment). A NULL handler means the method is not
 * supported on this object (405 invalidOperation). */
typedef struct {
    const char *pattern; /* e.g. "coSpaces/{id}/accessMethods" written with a star for {id} */
    api_handler get;
    api_handler post;
    api_handler put;
    api_handler delete;
} api_route;

/* Each object module exposes its routes through one of these. */
typedef struct {
    const api_route *routes;
    size_t count;
} api_route_table;

/* --- answers --------------------------------------------------------- */

/* 200 + Location: /api/v1/<collection path>/<id>, empty body. */
void api_reply_created(api_call *call, const char *collection_path, const char *id);
/* 200, empty body (PUT, DELETE). */
void api_reply_ok(api_call *call);
/* Starts a 200 text/xml body with the XML declaration; append to it. */
strbuf *api_reply_xml(api_call *call);
/* 400 <failureDetails><parameterError parameter="NAME" error="REASON"/>. */
void api_fail_parameter(api_call *call, const char *parameter, const char *reason);
/* <failureDetails><REASON /></failureDetails> with the given status. */
void api_fail(api_call *call, int status, const char *reason);
/* 404 <failureDetails><REASON /></failureDetails>, e.g. "coSpaceDoesNotExist". */
void api_fail_not_found(api_call *call, const char *reason);
/* 500 for a store failure; logs the cause. */
void api_fail_internal(api_call *call, const char *what);

/* --- requests -------------------------------------------------------- */

/* Paging: offset (default 0) and limit (default and cap: the server's page
 * limit). Replies 400 and returns false on bad values. */
typedef struct {
    int64_t offset;
    int64_t limit;
} api_page;
bool api_read_page(api_call *call, api_page *page);

/* A body parameter the object does not know. As on a real CMS it is
 * ignored and the trace says so (an annotation); with --strict it is
 * refused (400 parameterError unrecognisedParameter). Returns false after
 * replying, true when the caller should carry on without it. */
bool api_unknown_field(api_call *call, const char *name);
/* Applies api_unknown_field to every body field not named in `allowed`
 * (NULL-terminated). Returns false after replying. */
bool api_check_fields(api_call *call, const char *const *allowed);
/* Checks the query against `allowed` (offset/limit/filter are always
 * allowed). Names match without regard to case and unknown arguments are
 * ignored (noted in the trace), as on a real CMS; with --strict a name must
 * match exactly and an unknown one is refused. False after replying. */
bool api_check_query(api_call *call, const char *const *allowed);

/* An object ID from the path, validated; replies 404 with `missing` when
 * it is not a UUID (no such object can exist). */
const char *api_path_id(api_call *call, size_t segment, const char *missing);

/* Adds an audit line to the trace: API user "<user>" <text>. */
void api_audit(api_call *call, const char *format, ...) __attribute__((format(printf, 2, 3)));

/* --- routing (router.c) ------------------------------------------------ */

/* Entry point given to the HTTP server. */
void api_handle_request(void *context, const http_request *request, http_response *response);
bool api_authenticate(void *context, const char *user, const char *password);
void api_trace_exchange(void *context, const http_request *request, const http_response *response);

#endif
