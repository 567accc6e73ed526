/*
 * timers.h - the scheduler's clock: callbacks at wall-clock instants.
 *
 * Owns: one thread that sleeps on CLOCK_MONOTONIC (a condition variable
 * created with pthread_condattr_setclock) until the earliest pending timer
 * is due, a binary min-heap of pending timers ordered by their wall-clock
 * instant, and the handling of wall-clock jumps. Every wait is computed
 * as monotonic-now + (instant - realtime-now) and is never longer than a
 * coarse check interval, so a change of the realtime-monotonic offset
 * (NTP step, administrator setting the date) is noticed within that
 * interval; a timer fires only once the realtime clock has really reached
 * its instant, so a backward jump never fires early and a forward jump
 * fires exactly the timers whose instant has now passed.
 *
 * Does not own: what a timer means. Callbacks run on the timer thread with
 * no lock held and must return quickly (lifecycle.c hands the work to its
 * own workers). Does not read the database.
 */
#ifndef CONVENE_SCHEDULER_TIMERS_H
#define CONVENE_SCHEDULER_TIMERS_H

#include <stddef.h>
#include <stdint.h>

#include "common/result.h"

#define TIMER_KEY_SIZE 48

typedef void (*timer_callback)(void *context, const char *key, int tag);

/* The clocks the service reads, replaceable by unit tests. Both return
 * milliseconds: realtime since the Unix epoch, monotonic since any origin
 * (it must be CLOCK_MONOTONIC's origin: the thread waits on that clock). */
typedef struct {
    int64_t (*realtime_ms)(void *context);
    void *context;
} timer_clock;

typedef struct {
    /* Longest single wait; bounds how late a wall-clock jump is noticed.
     * 0 means the default (1000 ms). */
    int64_t check_interval_ms;
    /* NULL: the system's CLOCK_REALTIME. */
    const timer_clock *clock;
} timer_options;

typedef struct timer_service timer_service;

cv_result timer_service_start(const timer_options *options, timer_service **out);
/* Stops the thread; pending timers are dropped without firing. */
void timer_service_stop(timer_service *service);

/* Calls callback(context, key, tag) once the wall clock reaches
 * `wall_ms` (milliseconds since the epoch; an instant in the past fires at
 * once). `key` (shorter than TIMER_KEY_SIZE) is copied. `id_out` may be
 * NULL. */
cv_result timer_schedule(timer_service *service, int64_t wall_ms, timer_callback callback,
                         void *context, const char *key, int tag, uint64_t *id_out);
/* Drops pending timers with this key (and this tag, unless tag < 0).
 * Returns how many were dropped. A callback already running is not
 * affected. */
size_t timer_cancel(timer_service *service, const char *key, int tag);
size_t timer_pending_count(timer_service *service);

/* The system clocks in milliseconds. */
int64_t timer_realtime_now_ms(void);
int64_t timer_monotonic_now_ms(void);

#endif
