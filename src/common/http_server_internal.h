/*
 * http_server_internal.h - what http_server.c (libmicrohttpd glue: the
 * request's life, slow requests, start and stop) and http_server_checks.c
 * (the checks made as soon as a request's headers are in) share; included
 * by nobody else.
 *
 * Owns: the server and per-request structs, and the checks' entry points.
 * Does not own: the public API (http_server.h).
 */
#ifndef CONVENE_HTTP_SERVER_INTERNAL_H
#define CONVENE_HTTP_SERVER_INTERNAL_H

#include <microhttpd.h>
#include <stdatomic.h>
#include <sys/socket.h>

#include "common/http_deadline.h"
#include "common/http_server.h"
#include "common/http_slow_lane.h"
#include "common/strbuf.h"

struct http_server {
    struct MHD_Daemon *daemon;
    http_deadline *deadline;   /* closes connections too slow to send a request */
    http_slow_lane *slow_lane; /* runs the handlers config.is_slow picks; NULL without */
    http_streams *streams;     /* the streaming answers in progress */
    /* Slow requests handed to the lane whose connection has not completed
     * yet (answer not sent): http_server_stop waits for them. */
    atomic_uint slow_unfinished;
    http_server_config config;
    char *certificate_pem;
    char *key_pem;
};

/* Per-request state, kept by MHD between calls of the access handler. */
typedef struct {
    strbuf body;
    http_principal principal; /* who sent it, from the first call */
    bool identified;          /* `principal` is filled (false on a public route) */
    bool public_route;        /* config.is_public: no credentials, small body */
    int refusal;              /* 401 kept for the last call of a request without body; else 0 */
    bool answered;            /* a response is queued: nothing more is read */
    /* A slow request (http_slow_lane.h): its connection is suspended from
     * the moment it is handed to the lane until `slow_response` is filled;
     * then the connection is resumed and the next call sends it. */
    bool deferred;
    bool slow; /* was deferred: counted in slow_unfinished until completed */
    http_response slow_response;
} request_state;

/* The peer's numeric address into `out` ("unknown" when MHD has none). */
void http_server_client_address(struct MHD_Connection *connection, char *out, size_t size);
/* MHD's accept policy: the config's `admit` decides by the peer's address. */
enum MHD_Result http_server_admit_connection(void *context, const struct sockaddr *address,
                                             socklen_t length);
/* The most a request may send: a public route (no credentials) less. */
size_t http_server_body_limit(const http_server *server, const request_state *state);
/* The checks made as soon as the headers are in, before any body is read
 * (framing, credentials handed to `identify`, the declared length): the
 * status of an early refusal, or 0 to go on. Sets *announces_body. */
int http_server_check_headers(http_server *server, struct MHD_Connection *connection,
                              const char *url, const char *method, request_state *state,
                              bool *announces_body);

#endif
