/*
 * http_deadline.h - a bound on the time a client may take to send one
 * whole request (headers and body), for the HTTP server.
 *
 * Why: libmicrohttpd's own connection timeout is an idle timer that every
 * received byte restarts, so a client sending one byte every few seconds
 * holds a connection for ever ("slowloris"). Here every connection's clock
 * starts when it is accepted and again each time an answer has been sent;
 * a connection still receiving a request when the limit has passed is shut
 * down (shutdown(2), which libmicrohttpd sees as the peer closing).
 *
 * Owns: the list of open connections and their phase, one watcher thread
 * that sweeps it a few times per limit, and a warning line (at most one
 * every 10 s) counting the connections it closed. Does not own: accepting
 * or closing connections otherwise (http_server.c tells it of both).
 *
 * Threads: every function may be called from any libmicrohttpd worker;
 * the list sits behind a mutex, the phase and clock of an entry are atomic.
 * An entry is forgotten (under the mutex) before libmicrohttpd closes its
 * socket, so the watcher never shuts down a reused descriptor.
 */
#ifndef CONVENE_HTTP_DEADLINE_H
#define CONVENE_HTTP_DEADLINE_H

#include "common/result.h"

typedef struct http_deadline http_deadline;
typedef struct http_deadline_entry http_deadline_entry;

/* `limit_ms`: the longest a connection may take to deliver one request. */
cv_result http_deadline_start(unsigned limit_ms, http_deadline **out);
/* Stops the watcher thread and frees the list; connections must be gone. */
void http_deadline_stop(http_deadline *deadline);

/* A connection was accepted on `socket`; NULL when out of memory (the
 * connection is then only bounded by the idle timeout). */
http_deadline_entry *http_deadline_track(http_deadline *deadline, int socket);
/* The connection is about to be closed; `entry` is freed. NULL is fine. */
void http_deadline_forget(http_deadline *deadline, http_deadline_entry *entry);
/* The whole request is in; the time spent answering it does not count. */
void http_deadline_answering(http_deadline_entry *entry);
/* The answer was sent; the clock for the next request starts now. */
void http_deadline_restart(http_deadline_entry *entry);

#endif
