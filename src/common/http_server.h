/*
 * http_server.h - the HTTP/HTTPS server both daemons use, over libmicrohttpd.
 *
 * Owns: listening (ADDR:PORT, IPv4 or [IPv6]), TLS from PEM files, a pool of
 * worker threads, collecting request bodies up to a limit (413 beyond it),
 * HTTP Basic authentication on every request (401 with the configured
 * realm), keep-alive, and an `observe` hook that sees every finished
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
 * one Basic credential (http_auth.h) get 401, a declared body over the
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

typedef struct {
    const char *method;         /* "GET", "POST", ... */
    const char *path;           /* the URL path, percent-decoded, no query */
    const char *client_address; /* numeric address of the peer */
    const char *user;           /* authenticated user name */
    const char *body;           /* NUL-terminated; "" when there is none */
    size_t body_length;
    const char *content_type;          /* NULL when absent */
    struct MHD_Connection *connection; /* NULL in tests and fuzzers: no query */
} http_request;

#define HTTP_MAX_HEADERS                     4
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
    http_authenticator authenticate;
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
