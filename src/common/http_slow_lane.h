/*
 * http_slow_lane.h - threads of their own for requests whose handler may
 * wait on another server (convened probing a bridge that never answers),
 * so the HTTP server's worker threads keep answering everyone else.
 *
 * How http_server.c uses it: the connection of such a request is
 * suspended (libmicrohttpd stops watching it), the request goes into this
 * lane's queue, one of the lane's threads runs the handler, and the
 * connection is resumed to send the answer. A worker thread is held for
 * microseconds, not for the handler's time.
 *
 * Owns: a first-in first-out queue of jobs with a bound on how many wait,
 * the threads that run them, and stopping (jobs not started by then are
 * given to their `cancel` function instead). Does not own: what a job
 * does, or suspending and resuming connections (http_server.c).
 */
#ifndef CONVENE_HTTP_SLOW_LANE_H
#define CONVENE_HTTP_SLOW_LANE_H

#include <stdbool.h>

#include "common/result.h"

typedef struct http_slow_lane http_slow_lane;

/* One piece of work. `run` is called on a lane thread; `cancel` instead
 * when the lane stops before the job started. Exactly one of the two is
 * called, once; it owns `argument` from then on. */
typedef struct {
    void (*run)(void *argument);
    void (*cancel)(void *argument);
    void *argument;
} http_slow_job;

/* `threads`: jobs run at once; `queue_max`: jobs that may wait beyond
 * those (both at least 1). */
cv_result http_slow_lane_start(unsigned threads, unsigned queue_max, http_slow_lane **out);
/* Queues `job`. CV_ERR_BUSY when queue_max jobs are waiting already, or
 * the lane is stopping: the job was not taken (neither function called). */
cv_result http_slow_lane_push(http_slow_lane *lane, http_slow_job job);
/* Cancels the jobs still waiting, waits for the running ones to finish,
 * joins the threads and frees the lane. NULL is fine. */
void http_slow_lane_stop(http_slow_lane *lane);

#endif
