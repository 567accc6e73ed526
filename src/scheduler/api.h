/*
 * api.h - convened's JSON REST API under /api/v1/.
 *
 * Owns: routing (a table of METHOD + path pattern -> handler that modules
 * add to with scheduler_api_register before the server starts), the per-request
 * context (a borrowed database connection, the parsed JSON body, the path
 * segments), JSON answers and the one error shape:
 *   {"error": {"code": "...", "message": "...", "details": ...}}
 * with 400 naming the field, 401, 404, 405, 409 listing what conflicts and
 * 503 naming the unreachable bridge; and who may call each route (see
 * scheduler_api_permission). Checking the credential itself is done
 * before the body is read, by common/http_server with auth.c.
 * Does not own: any resource's logic (bridges.c, tickets.c, booking.c ...).
 */
#ifndef CONVENE_SCHEDULER_API_H
#define CONVENE_SCHEDULER_API_H

#include <jansson.h>
#include <stdbool.h>
#include <stdint.h>

#include "common/http_server.h"
#include "common/store_db_pool.h"
#include "scheduler/scheduler.h"
#include "scheduler/users.h"

#define API_PREFIX       "/api/v1/"
#define API_MAX_SEGMENTS 8

/* Error codes (the "code" member). */
#define API_ERROR_INVALID        "invalid"           /* 400; details {"field": NAME} */
#define API_ERROR_UNAUTHORIZED   "unauthorized"      /* 401 */
#define API_ERROR_FORBIDDEN      "forbidden"         /* 403: the role may not do this */
#define API_ERROR_NOT_FOUND      "notFound"          /* 404 */
#define API_ERROR_METHOD         "methodNotAllowed"  /* 405 */
#define API_ERROR_CONFLICT       "conflict"          /* 409; details lists the conflicts */
#define API_ERROR_UNREACHABLE    "bridgeUnreachable" /* 503; details {"bridge": ID, ...} */
#define API_ERROR_INTERNAL       "internal"          /* 500 */
#define API_ERROR_BUSY           "busy"              /* 503: the meeting is busy; try again */
#define API_ERROR_BRIDGE_REFUSED "bridgeRefused"     /* 502; the bridge refused the request */
/* 503: the database cannot be reached or stays locked; try again. The
 * same code convene-bridge answers for its database (CMS's own code). */
#define API_ERROR_DATABASE "databaseNotReady"

typedef struct scheduler_api_request {
    scheduler *daemon;
    const http_request *http;
    http_response *response;
    store_db *database; /* borrowed from daemon->store for this request */
    json_t *body;       /* parsed JSON object for POST/PUT/PATCH with a body; else NULL */
    const char *segments[API_MAX_SEGMENTS]; /* path after /api/v1/, split on '/' */
    size_t segment_count;
} scheduler_api_request;

typedef void (*scheduler_api_handler)(scheduler_api_request *request);

/*
 * Who may call a route (users.h has the roles). The zero value is
 * admin-only, so a route whose table entry says nothing is safe. The
 * router answers 403 to a role below the route's before the handler runs.
 */
typedef enum {
    API_ALLOW_ADMIN = 0, /* admins only (bridges, users, settings) */
    API_ALLOW_OPERATOR,  /* operators and admins (live control, tickets) */
    /* Every role, but a booker only for an object that is theirs: the
     * router asks the route's `owned` with path segment 1 (the ID) and
     * answers 404 for another's, exactly as for one that does not exist. */
    API_ALLOW_OWNER,
    /* Every signed-in role; the handler itself limits what a booker sees
     * (lists filtered to their own, creating in their name). */
    API_ALLOW_SIGNED_IN,
    /* No credentials at all (signing in); its body is limited to 4 KiB. */
    API_ALLOW_PUBLIC,
    API_ALLOW_COUNT
} scheduler_api_permission;

/* "admin", "operator", "owner", "signedIn", "public". */
const char *scheduler_api_permission_name(scheduler_api_permission permission);

/* One route. `pattern` is the path after /api/v1/ with '/' separators;
 * a "*" segment matches any one segment (an ID), e.g. "bookings/ * /extend"
 * written without the spaces. Literal segments match exactly. */
typedef struct {
    const char *method; /* "GET", "POST", "PUT", "PATCH", "DELETE" */
    const char *pattern;
    scheduler_api_handler handler;
    /* The query parameters the handler reads, NULL-terminated; NULL (the
     * default when the initialiser leaves it out) allows none. Any other
     * parameter is refused with 400 naming it before the handler runs. */
    const char *const *query;
    scheduler_api_permission permission; /* left out: admin-only */
    /* API_ALLOW_OWNER: true when the object `id` (path segment 1) is the
     * requesting booker's. Left out with API_ALLOW_OWNER: bookers get 404. */
    bool (*owned)(scheduler_api_request *request, const char *id);
} scheduler_api_route;

/* Adds routes to the daemon's router (copies the table's pointers; the
 * strings and handlers must live as long as the daemon, e.g. static). Call
 * from a module's start(), before the HTTP server listens. */
cv_result scheduler_api_register(scheduler *daemon, const scheduler_api_route *routes,
                                 size_t count);
/* The same for routes whose handler may wait on a bridge (it probes one):
 * they run on the HTTP server's slow lane (http_slow_lane.h), never on a
 * worker thread, so a bridge that hangs cannot keep the API from
 * answering everyone else. */
cv_result scheduler_api_register_slow(scheduler *daemon, const scheduler_api_route *routes,
                                      size_t count);

/* --- answers ---------------------------------------------------------- */

/* `document` is stolen (json_decref'd), NULL-safe (then 500). */
void scheduler_api_reply_json(scheduler_api_request *request, int status, json_t *document);
/* An RFC 3339 UTC time as a JSON string ("2026-11-25T09:00:00Z"). */
json_t *scheduler_api_time_json(int64_t unix_seconds);
/* 204 No Content. */
void scheduler_api_reply_empty(scheduler_api_request *request);
/* The error shape; `details` stolen, may be NULL. */
void scheduler_api_fail(scheduler_api_request *request, int status, const char *code,
                        const char *message, json_t *details);
/* 400 naming the field: details {"field": field}. printf-style message. */
void scheduler_api_fail_field(scheduler_api_request *request, const char *field, const char *format,
                              ...) __attribute__((format(printf, 3, 4)));
/* 404 "<what> <id> does not exist". */
void scheduler_api_fail_not_found(scheduler_api_request *request, const char *what, const char *id);
/* 409; `conflicts` (stolen) is put in details as {"conflicts": [...]}. */
void scheduler_api_fail_conflict(scheduler_api_request *request, const char *message,
                                 json_t *conflicts);
/* 503 naming the bridge: details {"bridge": id, "address": address, "reason": reason}. */
void scheduler_api_fail_unreachable(scheduler_api_request *request, const char *bridge_id,
                                    const char *address, const char *reason);
/* Maps a cv_result to an answer: NOT_FOUND 404, CONFLICT 409, INVALID 400,
 * NETWORK/TIMEOUT/BUSY 503 databaseNotReady (for results from the store, not
 * from a bridge), NO_MEMORY/STORE/IO 500 ... `what` goes in the message. */
void scheduler_api_fail_result(scheduler_api_request *request, cv_result result, const char *what);

/* --- requests --------------------------------------------------------- */

/* Who sent the request (NULL only on an API_ALLOW_PUBLIC route). */
const http_principal *scheduler_api_principal(const scheduler_api_request *request);
/* The principal's role (a booker when there is none). */
user_role scheduler_api_role(const scheduler_api_request *request);
/* True for operators and admins: they see every booking. */
bool scheduler_api_sees_everything(const scheduler_api_request *request);
/* The address the request came from (for the audit trail). */
const char *scheduler_api_client_address(const scheduler_api_request *request);

/* Replies 400 naming the first member of the body not in `allowed`
 * (NULL-terminated) and returns false. True when there is no body. */
bool scheduler_api_check_fields(scheduler_api_request *request, const char *const *allowed);
/* Replies 400 "a JSON object body is required" unless there is one. */
bool scheduler_api_require_body(scheduler_api_request *request);
/* Path segment `index` (0 = first after /api/v1/). */
const char *scheduler_api_segment(const scheduler_api_request *request, size_t index);
/* A query argument or NULL. */
const char *scheduler_api_query(const scheduler_api_request *request, const char *name);

/* Typed reads of optional body members. Each returns false after replying
 * 400 naming `field` when the member is present with the wrong type or out
 * of range; *present says whether it was there (a JSON null counts as
 * present with *out = NULL for strings). */
bool scheduler_api_body_string(scheduler_api_request *request, const char *field, bool *present,
                               const char **out);
bool scheduler_api_body_bool(scheduler_api_request *request, const char *field, bool *present,
                             bool *out);
bool scheduler_api_body_integer(scheduler_api_request *request, const char *field, int64_t minimum,
                                int64_t maximum, bool *present, bool *is_null, int64_t *out);

/* --- wiring (used by main.c) ------------------------------------------ */

cv_result scheduler_api_router_create(scheduler *daemon);
void scheduler_api_router_free(scheduler *daemon);
/* The HTTP server's callbacks for convened (named for the daemon: the
 * bridge has its own router). */
void scheduler_api_handle_request(void *context, const http_request *request,
                                  http_response *response);
/* http_server_config.is_public: true when the route of METHOD PATH is
 * declared API_ALLOW_PUBLIC. */
bool scheduler_api_is_public(void *context, const char *method, const char *path);
/* http_server_config.describe_refusal: the error shape for 403, 429 and
 * 503 (databaseNotReady or directoryUnavailable as `refused` says; busy
 * for one the server made itself, `refused` NULL). */
void scheduler_api_describe_refusal(void *context, int status, const http_principal *refused,
                                    http_response *response);
/* Calls `visit` for every registered route (GET /routes; the permission
 * test walks them all). */
void scheduler_api_each_route(const scheduler *daemon,
                              void (*visit)(void *context, const char *method, const char *pattern,
                                            scheduler_api_permission permission),
                              void *context);
/* http_server_config.is_slow: true when the route of METHOD PATH was
 * registered with scheduler_api_register_slow. */
bool scheduler_api_is_slow(void *context, const char *method, const char *path);

#endif
