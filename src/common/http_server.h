/*
 * http_server.h - the HTTP/HTTPS server both daemons use, over libmicrohttpd.
 *
 * Owns: listening (ADDR:PORT, IPv4 or [IPv6]), TLS from PEM files, a pool of
 * worker threads, collecting request bodies up to a limit (413 beyond it),
 * HTTP Basic authentication on every request (401 with the configured
 * realm) or, for a daemon with accounts of its own, handing every kind
 * of credential (Basic, `Authorization: Bearer`, a session cookie and its
 * CSRF header) to the daemon's `identify` callback, which names the
 * principal; keep-alive, and an `observe` hook that sees every finished
 * exchange (the API trace uses it). Does not own: routing or body formats;
 * the `handle` callback does that.
 *
 * Hostile clients: connections are limited in total and per client
 * address; each request must arrive whole (headers and body) within the
 * request time limit (http_deadline.h), however slowly it trickles. As
 * soon as the headers are in, before any body is read and before any
 * "100 Continue": conflicting framing headers (two Content-Length, or
 * Content-Length with Transfer-Encoding, or a Transfer-Encoding other than
 * "chunked") get 400, credentials that are missing, wrong or not strictly
 * one credential (http_auth.h) get 401 (or what `identify` refuses them
 * with: 403, 429, 503), a declared body over the
 * limit gets 413; each of these answers closes the connection when a body
 * was announced. A chunked body that grows past the limit closes the
 * connection without an answer.
 *
 * Streaming answers (http_stream.h): the request time limit bounds only
 * receiving the request; a stream lasts as long as its producer and
 * client want, counts against the connection limits like any connection,
 * and ends (without delaying the stop) when the server stops.
 *
 * Slow handlers: a daemon may name requests whose handler waits on
 * another server (`is_slow`); they run on threads of their own, so the
 * worker threads keep answering every other request meanwhile.
 */
#ifndef CONVENE_HTTP_SERVER_H
#define CONVENE_HTTP_SERVER_H

#include <stdbool.h>
#include <stddef.h>

#include "common/http_stream.h"
#include "common/result.h"
#include "common/strbuf.h"

struct MHD_Connection;
struct sockaddr;

/* The kinds of credential a request can carry (`identify` receives one). */
typedef enum {
    HTTP_CREDENTIAL_BASIC,  /* Authorization: Basic name:password */
    HTTP_CREDENTIAL_BEARER, /* Authorization: Bearer <token> (an API token) */
    HTTP_CREDENTIAL_COOKIE, /* the session cookie (config.session_cookie) */
} http_credential_kind;

/* One request's credential, as `identify` sees it; every pointer is lent
 * for the call only. */
typedef struct {
    http_credential_kind kind;
    const char *user;     /* BASIC: the name */
    const char *password; /* BASIC: the password (never log it) */
    const char *token;    /* BEARER: the token; COOKIE: the cookie's value */
    /* COOKIE: the X-CSRF-Token header (NULL when absent); a request that
     * changes something must carry the session's CSRF token there. */
    const char *csrf;
    const char *method;         /* "GET", "POST", ... */
    const char *client_address; /* numeric address of the peer */
} http_credential;

/* What could not be reached when `identify` refuses a request with 503,
 * so the daemon's describe_refusal can name the cause: the store of the
 * accounts (its database) or an outside directory (LDAP). */
typedef enum {
    HTTP_UNAVAILABLE_DATABASE = 0,
    HTTP_UNAVAILABLE_DIRECTORY,
} http_unavailable;

#define HTTP_PRINCIPAL_NAME_SIZE  128
#define HTTP_PRINCIPAL_EMAIL_SIZE 256

/* Who a request was authenticated as: filled by `identify` (or, with the
 * plain `authenticate`, just the name). */
typedef struct {
    long long user_id; /* the daemon's account ID; 0 when it has none */
    /* The daemon's role (convened: user_role in users.h) the request acts
     * with: for a token, the token's own role. 0 is the weakest role. */
    int role;
    http_credential_kind kind;
    char name[HTTP_PRINCIPAL_NAME_SIZE];
    char email[HTTP_PRINCIPAL_EMAIL_SIZE]; /* "" when unknown */
    /* For a refusal with 429: seconds the client should wait (Retry-After). */
    unsigned retry_after;
    /* For a refusal with 503: what could not be reached. */
    http_unavailable unavailable;
} http_principal;

typedef struct {
    const char *method;         /* "GET", "POST", ... */
    const char *path;           /* the URL path, percent-decoded, no query */
    const char *client_address; /* numeric address of the peer */
    const char *user;           /* authenticated user name; NULL on a public route */
    /* Who sent it; NULL on a public route (config.is_public). */
    const http_principal *principal;
    const char *body; /* NUL-terminated; "" when there is none */
    size_t body_length;
    const char *content_type;          /* NULL when absent */
    struct MHD_Connection *connection; /* NULL in tests and fuzzers: no query */
} http_request;

#define HTTP_MAX_HEADERS                     8
#define HTTP_DEFAULT_MAX_CONNECTIONS         1000
#define HTTP_DEFAULT_REQUEST_TIMEOUT_SECONDS 30

typedef struct {
    int status;
    const char *content_type; /* static string; NULL for no body */
    strbuf body;
    const char *header_names[HTTP_MAX_HEADERS]; /* static strings */
    char *header_values[HTTP_MAX_HEADERS];      /* owned, freed by the server */
    size_t header_count;
    /* Free-form lines the handler leaves for the observer (the bridge puts
     * its audit lines here so the trace can place them); freed by the server. */
    strbuf annotations;
    /* Optional: an answer sent a piece at a time for as long as the source
     * likes (http_stream.h), instead of `body`; chunked, no length. The
     * server owns the source once the handler returns. */
    http_stream_source stream;
} http_response;

typedef void (*http_handler)(void *context, const http_request *request, http_response *response);
typedef bool (*http_authenticator)(void *context, const char *user, const char *password);
/* Checks any credential and fills *principal. Returns 0 to accept, else the
 * status of the refusal: 401 (unknown or wrong), 403 (a cookie request that
 * changes something without the right CSRF header), 429 (too many failures:
 * principal->retry_after says how long), 503 (the account directory is
 * down). Runs on a worker thread before the body is read: must be bounded. */
typedef int (*http_identifier)(void *context, const http_credential *credential,
                               http_principal *principal);
typedef void (*http_observer)(void *context, const http_request *request,
                              const http_response *response);

typedef struct {
    const char *listen;               /* "ADDR:PORT" */
    const char *tls_certificate_file; /* both NULL for plain HTTP */
    const char *tls_key_file;
    const char *realm; /* Basic realm for 401 answers */
    /* Optional body of 401 answers (e.g. a JSON error); empty when NULL. */
    const char *unauthorized_body;
    const char *unauthorized_content_type;
    size_t max_body_size;                 /* larger bodies get 413 */
    unsigned thread_count;                /* worker threads; 0 means one per core */
    unsigned max_connections;             /* in total; 0 means 1000 */
    unsigned max_connections_per_address; /* from one client address; 0 means no limit */
    unsigned request_timeout_seconds;     /* to receive one whole request; 0 means 30 */
    /* Also accept "Authorization: Basic<base64>" (no space after the
     * scheme), as Cisco Meeting Server does; the bridge sets it. */
    bool basic_without_space;
    /* Exactly one of these two: `authenticate` for Basic name + password
     * only (the bridge), `identify` for every kind of credential. */
    http_authenticator authenticate;
    http_identifier identify;
    /* Optional: whether a client address may connect, asked as each
     * connection is accepted, before anything is read from it (a refused
     * one is closed at once). NULL admits every address. */
    bool (*admit)(void *context, const struct sockaddr *address);
    /* With `identify`: the name of the session cookie (NULL: cookies are
     * not credentials). */
    const char *session_cookie;
    /* Optional: true for a route anyone may call without credentials (a
     * sign-in). Its body is limited to `public_max_body_size` (0: 4096). */
    bool (*is_public)(void *context, const char *method, const char *path);
    size_t public_max_body_size;
    /* Optional: writes the body of a 403, 429 or 503 refusal (a 401 uses
     * unauthorized_body). `refused`: what `identify` filled when it made
     * the refusal (its `unavailable` says why a 503); NULL for a 503 the
     * server made itself (every slow-lane thread busy, or stopping). */
    void (*describe_refusal)(void *context, int status, const http_principal *refused,
                             http_response *response);
    http_handler handle;
    /* Optional: true for a request whose handler may wait on another
     * server. Its handler then runs on a thread of the slow lane
     * (http_slow_lane.h) while the connection is suspended, so it never
     * holds a worker thread; when `slow_queue_max` such requests wait
     * already, it gets 503 at once. Asked on a worker thread once the
     * whole request is in; must be quick. */
    bool (*is_slow)(void *context, const char *method, const char *path);
    unsigned slow_thread_count; /* slow handlers run at once; 0 means 4 */
    unsigned slow_queue_max;    /* slow requests waiting beyond those; 0 means 64 */
    http_observer observe;      /* optional */
    void *context;
} http_server_config;

typedef struct http_server http_server;

cv_result http_server_start(const http_server_config *config, http_server **out, strbuf *error);
/* Stops accepting, finishes requests in progress, frees the server. */
void http_server_stop(http_server *server);

/* Every sleeping streaming answer reads again (its producer has
 * something new). Any thread; NULL-safe. */
void http_server_wake_streams(http_server *server);

/* A request header (the first of that name, case-insensitive) or NULL. */
const char *http_request_header(const http_request *request, const char *name);
/* The value of the request's cookie `name`, or NULL. */
const char *http_request_cookie(const http_request *request, const char *name);
/* A query-string argument (decoded) or NULL. */
const char *http_request_query(const http_request *request, const char *name);
/* Calls `visit` for every query argument; stops at the first non-zero
 * return and passes it back. */
int http_request_each_query(const http_request *request,
                            int (*visit)(void *context, const char *name, const char *value),
                            void *context);
/* True when the Content-Type `header` (may be NULL) names `media_type`,
 * e.g. "application/json": compared without case, parameters such as
 * "; charset=utf-8" ignored, nothing else allowed around it. */
bool http_content_type_is(const char *header, const char *media_type);
/* Adds a response header; the value is copied. */
cv_result http_response_add_header(http_response *response, const char *name, const char *value);

#endif
