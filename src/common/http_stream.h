/*
 * http_stream.h - answers the HTTP server sends a piece at a time, for as
 * long as the producer likes (Server-Sent Events).
 *
 * Owns: the list of streaming answers of one server, sleeping a stream
 * that has nothing to send (its connection is suspended, so it holds no
 * worker thread and costs nothing while idle), waking every sleeping
 * stream when the producer has something new, and ending every stream
 * when the server stops. Does not own: what a stream says (the producer's
 * `read`), limits on how many streams there are (the producer counts
 * them), or the connection limits (http_server.c; a streaming connection
 * counts against them like any other).
 *
 * Threads: `read` runs on a server worker thread, never two at once for
 * one stream; http_streams_wake may be called from any thread at any
 * time. A wake that comes while `read` runs is never lost: the stream
 * reads again instead of sleeping.
 */
#ifndef CONVENE_HTTP_STREAM_H
#define CONVENE_HTTP_STREAM_H

#include <stddef.h>
#include <sys/types.h>

#include "common/result.h"

struct MHD_Connection;
struct MHD_Response;

/* What a streaming answer reads its bytes from. */
typedef struct {
    /* Writes up to `max` bytes of the answer into `buffer` and returns how
     * many; 0 when there is nothing to send now (the stream sleeps until
     * the next http_streams_wake), -1 to end the answer. Must not block. */
    ssize_t (*read)(void *context, char *buffer, size_t max);
    /* Frees `context` once the answer is over (ended, client gone, server
     * stopped, or never sent). May be NULL. */
    void (*release)(void *context);
    void *context;
} http_stream_source;

typedef struct http_streams http_streams;

cv_result http_streams_create(http_streams **out);
/* Every stream must have ended (the server's daemon stopped). */
void http_streams_free(http_streams *streams);

/* A libmicrohttpd response reading from `source` (chunked, no length),
 * owning the source from now on (released even when this fails: NULL). */
struct MHD_Response *http_streams_response(http_streams *streams, struct MHD_Connection *connection,
                                           const http_stream_source *source);
/* Something new to send: every sleeping stream reads again. */
void http_streams_wake(http_streams *streams);
/* The server stops: every stream ends at its next read (sleeping ones are
 * woken for it) and none sleeps again. */
void http_streams_end_all(http_streams *streams);

#endif
