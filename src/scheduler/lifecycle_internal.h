/*
 * lifecycle_internal.h - what the lifecycle's files share: the machine
 * (queue, workers, locks), the job kinds and timer tags, the start item a
 * meeting is while it starts, and the functions one file offers the
 * others. Only src/scheduler/lifecycle*.c include it; everything else
 * uses lifecycle.h.
 */
#ifndef CONVENE_SCHEDULER_LIFECYCLE_INTERNAL_H
#define CONVENE_SCHEDULER_LIFECYCLE_INTERNAL_H

#include <pthread.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "common/ids.h"
#include "common/keyed_queue.h"
#include "common/store_db_pool.h"
#include "scheduler/booking.h"
#include "scheduler/bridges.h"
#include "scheduler/lifecycle.h"
#include "common/cms_client.h"
#include "common/cms_views.h"
#include "scheduler/scheduler.h"
#include "scheduler/timers.h"

#define TAG_START 1

#define TAG_END 2

#define TAG_POLL 3

#define TAG_WARN 4 /* the end-of-meeting warning (--end-warning-minutes) */

#define WORKER_COUNT 8

/* participant polls: while a dial-out is in progress or due again, and
 * otherwise (who is connected, is the bridge alive) */
#define POLL_INTERVAL_MS 1000

#define POLL_IDLE_MS 5000

/* a start or an end that found no bridge address answering is tried again */
#define RETRY_UNREACHABLE_MS 5000

/* starts due together are gathered until none has come for this long */
#define GATHER_MS 10

#define BATCH_MAX 2000

#define UNREACHABLE_POLLS_BEFORE_FAILOVER 3

/* JOB_HOLD is no work: live control (lifecycle_hold) queues it to mark a
 * booking busy while it talks to the bridge itself; workers never take it. */
typedef enum { JOB_START, JOB_END, JOB_REFRESH, JOB_POLL, JOB_RESUME, JOB_HOLD, JOB_WARN } job_kind;

/* A job a worker took from the queue (malloc'd; the worker frees it). */
typedef struct job {
    job_kind kind;
    bool forced; /* END: now, whatever the clock says (POST /end, cancel) */
    char booking_id[ID_TEXT_SIZE];
} job;

typedef struct {
    char bridge_id[ID_TEXT_SIZE];
    pthread_mutex_t lock;
} bridge_lock;

typedef struct {
    char booking_id[ID_TEXT_SIZE];
    int failures;
} unreachable_count;

typedef struct {
    scheduler *daemon;
    timer_service *timers;
    /* `lock` guards the queue (jobs keyed by booking: one worker per
     * booking at a time), `stopping`, `gathering`, `bridge_locks` and
     * `unreachable`; `work` signals a new job or a booking set free. */
    pthread_mutex_t lock;
    pthread_cond_t work;
    pthread_cond_t released; /* a booking was set free (lifecycle_hold waits on it) */
    keyed_queue queue;
    bool stopping;
    bool gathering; /* a worker is collecting due starts into one batch */
    bridge_lock **bridge_locks;
    size_t bridge_lock_count;
    unreachable_count *unreachable;
    size_t unreachable_count_used, unreachable_capacity;
    pthread_t workers[WORKER_COUNT];
    size_t worker_count;
} lifecycle;

/* One space as a start looked at it: the space, and whether a call is on
 * it (only asked when some call may exist). */
typedef struct {
    cms_space space;
    bool found;                       /* the bridge has it */
    char existing_call[ID_TEXT_SIZE]; /* a call on it; "" none or not asked */
} space_look;

typedef struct {
    booking record;
    bool done;           /* live, failed or handed on: nothing more to do here */
    bool resumed;        /* it had a space already (restart, failover) */
    bool new_call;       /* the call was created by this start */
    bool opened;         /* its space was PUT and it has a call on this attempt */
    const char *refusal; /* the bridge refused it: why (static text) */
    /* the survey: the space it has or was booked on, as the bridge has it */
    char known_space[ID_TEXT_SIZE]; /* its ID, stored or learnt before; "" unknown */
    space_look look;
    bool learnt; /* look found the space by call ID: remember its ID */
} start_item;

/* What choosing a space needs besides the item. */
typedef struct {
    scheduler *daemon; /* told of the failures it stores */
    store_db *database;
    const bridge_record *bridge;
    cms_client *client;
    start_item *items; /* the batch: spaces claimed by the others */
    size_t count;
    bool want_calls; /* ask for the calls on a space (some call may exist) */
} space_choice;

/* --- lifecycle_jobs.c: the queue, timers, bridge locks */

int64_t lifecycle_now_seconds(void);
/* The daemon is shutting down: requests in flight are cancelled (they
 * answer CV_ERR_BUSY) and nothing may be concluded from their failure;
 * the restart reconciles. */
bool lifecycle_shutting_down(const lifecycle *machine);
/* Every thread that acts for the lifecycle calls it first: no request of
 * this thread reaches a bridge once the node no longer leads, or once the
 * term `term` is over (checked right before each one,
 * cms_client_guard_thread). `term`: cluster_thread_term() of the thread
 * that shares its work out; 0 for a worker, which binds itself to the
 * term of each job it takes. */
void lifecycle_guard_thread(scheduler *daemon, int64_t term);
void lifecycle_release_busy(lifecycle *machine, const char *booking_id);
void lifecycle_enqueue(lifecycle *machine, job_kind kind, const char *booking_id, bool forced);
/* Takes the first job whose booking nobody works on (a copy the caller
 * frees); the
 * booking is marked busy. NULL when there is none. While a worker gathers
 * starts into a batch, other workers leave start jobs to it. Lock held. */
job *lifecycle_take_job_locked(lifecycle *machine, job_kind *only_kind);
void lifecycle_arm(lifecycle *machine, const char *booking_id, int tag, int64_t wall_ms);
void lifecycle_rearm(lifecycle *machine, const char *booking_id, int tag, int64_t wall_ms);
bridge_lock *lifecycle_lock_for_bridge(lifecycle *machine, const char *bridge_id);
/* Counts consecutive unreachable polls of a live meeting; returns the new
 * count (0 after a reset). */
int lifecycle_count_unreachable(lifecycle *machine, const char *booking_id, bool reset);
/* The order to try a bridge's addresses in: `preferred` (the address a
 * meeting runs through) first when it is one of them. */
void lifecycle_order_endpoints(bridge_endpoints *endpoints, const char *preferred);

/* --- lifecycle_state.c: the writes */

/* The space, slot, secret and address a start is about to use. */
cv_result lifecycle_persist_start_choice(store_db *database, const booking *record);
cv_result lifecycle_persist_call(store_db *database, const char *booking_id, const char *call_id,
                                 const char *address);
/* Copies an object ID the bridge gave; false when it cannot be one. */
bool lifecycle_copy_object_id(char destination[ID_TEXT_SIZE], const char *source);
/* The same writes for callers that can only report a failure. */
void lifecycle_note_failure(store_db *database, const char *booking_id, const char *failure);
void lifecycle_forget_call(store_db *database, const booking *record);
/* Every participant to `state` (meeting over, or not started). The
 * daemon of these three is told of what changed (events, metrics). */
void lifecycle_persist_all_participants(scheduler *daemon, store_db *database, booking *record,
                                        participant_state state);
void lifecycle_set_state(scheduler *daemon, store_db *database, booking *record,
                         booking_state state, const char *failure);
/* Stores participants[index]'s progress and tells of it; false when the
 * row was not written: the participant was dropped meanwhile (through
 * another node) or is no longer in the booking. */
bool lifecycle_store_participant(scheduler *daemon, store_db *database, const booking *record,
                                 size_t index);

/* --- lifecycle_spaces.c: a meeting's space */

void lifecycle_placeholder_name(const bridge_record *bridge, int64_t slot, char *out, size_t size);
/* Reads the space `known_id` (when given) and, when that fails to be the
 * space of `slot`, finds the slot's space by its call ID; *learnt says the
 * latter found it (the caller remembers the ID). Then, when `want_calls`,
 * the first call on it. Unreachable results are passed back. */
cv_result lifecycle_look_at_space(cms_client *client, const char *known_id, int64_t slot,
                                  bool want_calls, space_look *look, bool *learnt, char *error,
                                  size_t error_size);
cv_result lifecycle_put_space_open(cms_client *client, const booking *record);
cv_result lifecycle_get_simple(cms_client *client, const char *path, int64_t *total, char *error,
                               size_t size);
/* Chooses the space for a meeting that has none yet: its booked slot, or
 * the lowest slot free both on the bridge and in the bookings over the
 * rest of the meeting. Records why it moved. */
cv_result lifecycle_choose_space(const space_choice *choice, start_item *item, char *why,
                                 size_t why_size);

/* --- lifecycle_live.c: a live meeting */

/* POST /calls/<call>/callLegs for one participant; the outcome goes into
 * the participant (not stored). Returns the request's result. */
cv_result lifecycle_dial_request(const scheduler_options *options, cms_client *client,
                                 booking *record, size_t index);
/* How soon to look at a live meeting again. */
int64_t lifecycle_next_poll_ms(const booking *record);
/* The leg `leg_id` (of call `call_id` unless that is NULL: a list of one
 * call's legs); NULL when absent or leg_id is "". */
const cms_leg *lifecycle_leg_by_id(const cms_leg_list *legs, const char *call_id,
                                   const char *leg_id);
const cms_leg *lifecycle_leg_for_party(const cms_leg_list *legs, const char *call_id,
                                       const char *uri);
void lifecycle_run_refresh(lifecycle *machine, store_db *database, const char *booking_id);
void lifecycle_run_poll(lifecycle *machine, store_db *database, const char *booking_id);
/* Arms the end-of-meeting warning of a starting or live meeting at
 * --end-warning-minutes before its end; `even_late`: also when that
 * instant has passed (the meeting just went live: warned at once). */
void lifecycle_arm_warning(lifecycle *machine, const booking *record, bool even_late);
/* Shows the warning on a live meeting's call (PUT /calls/<id> messageText,
 * messageDuration), with the minutes really left. */
void lifecycle_run_warning(lifecycle *machine, store_db *database, const char *booking_id);

/* --- lifecycle_start.c */

/* Starts every not-done item of `items` through `client`, the bridge's
 * address `address`: survey, open spaces, create calls, confirm, dial
 * out. The caller holds the bridge's lock. Returns CV_ERR_NETWORK /
 * CV_ERR_TIMEOUT when the address cannot serve us (the caller fails
 * over; `error` says why); items already live stay done. */
cv_result lifecycle_start_through(lifecycle *machine, store_db *database,
                                  const bridge_record *bridge, cms_client *client,
                                  const char *address, start_item *items, size_t count, char *error,
                                  size_t error_size);

/* --- lifecycle_start_batch.c */

/* Serves START jobs: this one and every other start already queued,
 * grouped by bridge. Resume jobs come through here too. */
void lifecycle_run_starts(lifecycle *machine, store_db *database, job *first);

/* --- lifecycle_end.c */

void lifecycle_run_end(lifecycle *machine, store_db *database, const char *booking_id, bool forced);

#endif
