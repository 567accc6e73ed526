/*
 * lifecycle.c - meetings on the bridges, on time (see lifecycle.h).
 *
 * Owns: the timer service, a queue of jobs (start, end, refresh, poll,
 * resume) served by worker threads, the rule that one booking is worked
 * on by one worker at a time, the CMS request sequences of a meeting's
 * life and every state change after booking:
 *
 *   scheduled --start--> starting --call made--> live --end--> ending --> ended
 *            \-- unreachable everywhere until the end / no slot --> failed
 *
 * Starts that fall due together on one bridge share one survey and one
 * confirmation (the order of the recorded TMS traffic for a single meeting, and a bounded number
 * of requests for a thousand); their requests run a few at a time and
 * their database writes are one transaction per phase. The space and secret
 * are stored before the space is opened, calls and legs right after the
 * phase that made them, and what a crash in between leaves on the bridge is
 * adopted (matched by space, by stored leg ID, else by remote party)
 * rather than made again,
 * so a restart resumes without a second call, a second dial-out or a space
 * left open.
 *
 * This file owns the worker threads, the public calls and the
 * reconciliation after a restart; the rest lives in rooms of its own:
 * lifecycle_jobs.c (queue, busy set, bridge locks), lifecycle_start.c,
 * lifecycle_start_batch.c, lifecycle_spaces.c, lifecycle_live.c, lifecycle_end.c and
 * lifecycle_state.c (the writes), sharing lifecycle_internal.h.
 *
 * Does not own: validation and capacity (booking.c, db_slots.c), the HTTP
 * client (cms_client.c), the addresses of a bridge (bridges.c), tickets'
 * rows (tickets.c).
 */
#include "scheduler/lifecycle.h"

#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>

#include "common/ids.h"
#include "common/log.h"
#include "common/sleep.h"
#include "common/store_db_pool.h"
#include "common/strbuf.h"
#include "common/text.h"
#include "scheduler/booking.h"
#include "scheduler/bridges.h"
#include "common/cms_client.h"
#include "common/cms_views.h"
#include "scheduler/cluster.h"
#include "scheduler/db_bookings.h"
#include "scheduler/db_cluster.h"
#include "scheduler/db_slot_spaces.h"
#include "scheduler/lifecycle_internal.h"
#include "scheduler/slots.h"
#include "scheduler/tickets.h"
#include "scheduler/timers.h"

static void *worker(void *argument)
{
    lifecycle *machine = argument;
    lifecycle_guard_thread(machine->daemon, 0);
    for (;;) {
        pthread_mutex_lock(&machine->lock);
        job *item = NULL;
        while (!machine->stopping && (item = lifecycle_take_job_locked(machine, NULL)) == NULL)
            pthread_cond_wait(&machine->work, &machine->lock);
        pthread_mutex_unlock(&machine->lock);
        if (item == NULL)
            return NULL;
        /* the job acts in the term it is taken in, and only in that one */
        cluster_bind_thread(cluster_term(machine->daemon));
        if (!cluster_is_leader(machine->daemon)) {
            /* another node leads (cluster.h), or this one may not act
             * until its next renewal: whoever begins the next term finds
             * this work again in the database (lifecycle_take_over) -
             * except an end asked for (POST .../end, a cancellation),
             * which only this job holds, so it is left there for it */
            if (item->kind == JOB_END && item->forced)
                cluster_ask_leader(machine->daemon, item->booking_id, "end");
            lifecycle_release_busy(machine, item->booking_id);
            free(item);
            continue;
        }
        if (!file_watch_check(&machine->daemon->database_watch)) {
            /* The database is lost (logged once by the watch): nothing is
             * started or ended that could not be recorded. After a restart
             * with the database restored, the start-up pass reconciles. */
            lifecycle_release_busy(machine, item->booking_id);
            free(item);
            continue;
        }
        store_db *database = store_db_pool_acquire(&machine->daemon->store);
        if (item->kind == JOB_START || item->kind == JOB_RESUME) {
            lifecycle_run_starts(machine, database, item); /* frees and releases */
            store_db_pool_release(&machine->daemon->store, database);
            continue;
        }
        switch (item->kind) {
        case JOB_END:
            lifecycle_run_end(machine, database, item->booking_id, item->forced);
            break;
        case JOB_REFRESH:
            lifecycle_run_refresh(machine, database, item->booking_id);
            break;
        case JOB_POLL:
            lifecycle_run_poll(machine, database, item->booking_id);
            break;
        case JOB_WARN:
            lifecycle_run_warning(machine, database, item->booking_id);
            break;
        default:
            break;
        }
        store_db_pool_release(&machine->daemon->store, database);
        lifecycle_release_busy(machine, item->booking_id);
        free(item);
    }
}

/* Arms the timers a stored booking needs now. */
static void arm_for(lifecycle *machine, const booking *record)
{
    timer_cancel(machine->timers, record->id, TAG_START);
    timer_cancel(machine->timers, record->id, TAG_END);
    timer_cancel(machine->timers, record->id, TAG_WARN);
    if (record->cancelled && record->state == BOOKING_SCHEDULED)
        return;
    if (record->state == BOOKING_SCHEDULED) {
        lifecycle_arm(machine, record->id, TAG_START, booking_occupied_start(record) * 1000);
    } else if (record->state == BOOKING_STARTING || record->state == BOOKING_LIVE) {
        lifecycle_arm(machine, record->id, TAG_END, record->end * 1000);
        lifecycle_arm_warning(machine, record, false); /* after an extension: again */
    }
}

/* The public requests below on a node that does not lead: left in the
 * database for the leader (cluster_ask_leader), true. */
static bool asked_leader(scheduler *daemon, const char *booking_id, const char *kind)
{
    if (daemon->lifecycle_state == NULL || cluster_is_leader(daemon))
        return false;
    cluster_ask_leader(daemon, booking_id, kind);
    return true;
}

void lifecycle_booking_changed(scheduler *daemon, const booking *record)
{
    lifecycle *machine = daemon->lifecycle_state;
    if (machine != NULL && !asked_leader(daemon, record->id, "changed"))
        arm_for(machine, record);
}

void lifecycle_request_end(scheduler *daemon, const char *booking_id)
{
    lifecycle *machine = daemon->lifecycle_state;
    if (machine != NULL && !asked_leader(daemon, booking_id, "end"))
        lifecycle_enqueue(machine, JOB_END, booking_id, true);
}

void lifecycle_request_refresh(scheduler *daemon, const char *booking_id)
{
    lifecycle *machine = daemon->lifecycle_state;
    if (machine != NULL && !asked_leader(daemon, booking_id, "refresh"))
        lifecycle_enqueue(machine, JOB_REFRESH, booking_id, false);
}

/* keyed_queue_take filter: the hold job of one booking (`context`). */
static bool is_hold_of(void *context, const keyed_job *candidate)
{
    return candidate->kind == JOB_HOLD && strcmp(candidate->key, context) == 0;
}

cv_result lifecycle_hold(scheduler *daemon, const char *booking_id, int64_t timeout_ms)
{
    lifecycle *machine = daemon->lifecycle_state;
    if (machine == NULL)
        return CV_ERR_BUSY;
    int64_t deadline = timer_realtime_now_ms() + timeout_ms;
    cv_result result = CV_ERR_BUSY;
    pthread_mutex_lock(&machine->lock);
    while (!machine->stopping) {
        /* (re)queued each round: an equal hold of another request merges
         * with it, and whoever takes it first holds the booking */
        keyed_job taken;
        if (!keyed_queue_push(&machine->queue, JOB_HOLD, booking_id, false)) {
            result = CV_ERR_NO_MEMORY;
            break;
        }
        if (keyed_queue_take(&machine->queue, is_hold_of, (void *)booking_id, &taken)) {
            result = CV_OK;
            break;
        }
        int64_t now = timer_realtime_now_ms();
        if (now >= deadline) {
            keyed_queue_drop(&machine->queue, JOB_HOLD, booking_id);
            break;
        }
        int64_t until = now + (deadline - now < 50 ? deadline - now : 50);
        struct timespec wake = {.tv_sec = until / 1000, .tv_nsec = (until % 1000) * 1000000};
        pthread_cond_timedwait(&machine->released, &machine->lock, &wake);
    }
    pthread_mutex_unlock(&machine->lock);
    return result;
}

void lifecycle_release(scheduler *daemon, const char *booking_id)
{
    lifecycle *machine = daemon->lifecycle_state;
    if (machine != NULL)
        lifecycle_release_busy(machine, booking_id);
}

void lifecycle_request_poll(scheduler *daemon, const char *booking_id)
{
    lifecycle *machine = daemon->lifecycle_state;
    if (machine != NULL && !asked_leader(daemon, booking_id, "poll"))
        lifecycle_enqueue(machine, JOB_POLL, booking_id, false);
}

typedef struct {
    lifecycle *machine;
    size_t armed;
} scheduled_arming;

/* db_scheduled_visit: the start timer of one scheduled booking (again
 * on each new term: the one an earlier term armed is replaced, not
 * doubled). */
static void arm_scheduled(const char *id, int64_t occupied_start, void *context)
{
    scheduled_arming *arming = context;
    lifecycle_rearm(arming->machine, id, TAG_START, occupied_start * 1000);
    arming->armed++;
}

/* After a restart or on taking over from another node (the same thing):
 * scheduled bookings get their timers (a start that is
 * due fires at once), running ones are checked against their bridge, and
 * ending ones are ended. */
static cv_result reconcile(lifecycle *machine)
{
    store_db *database = store_db_pool_acquire(&machine->daemon->store);
    static const booking_state running[] = {BOOKING_STARTING, BOOKING_LIVE};
    static const booking_state ending[] = {BOOKING_ENDING};
    char **ids = NULL;
    size_t count = 0;
    /* one pass over the scheduled bookings: their start timers */
    scheduled_arming arming = {machine, 0};
    cv_result result = db_bookings_each_scheduled(database, arm_scheduled, &arming);
    size_t scheduled = arming.armed;
    if (result == CV_OK)
        result = booking_ids_in_states(database, running, 2, &ids, &count);
    for (size_t index = 0; result == CV_OK && index < count; index++)
        lifecycle_enqueue(machine, JOB_RESUME, ids[index], false);
    for (size_t index = 0; index < count; index++)
        free(ids[index]);
    free(ids);
    size_t resumed = count;
    ids = NULL;
    count = 0;
    if (result == CV_OK)
        result = booking_ids_in_states(database, ending, 1, &ids, &count);
    for (size_t index = 0; result == CV_OK && index < count; index++)
        lifecycle_enqueue(machine, JOB_END, ids[index], true);
    for (size_t index = 0; index < count; index++)
        free(ids[index]);
    free(ids);
    store_db_pool_release(&machine->daemon->store, database);
    if (result == CV_OK)
        log_info("lifecycle: %zu scheduled, %zu to resume, %zu to end", scheduled, resumed, count);
    return result;
}

void lifecycle_take_over(scheduler *daemon)
{
    lifecycle *machine = daemon->lifecycle_state;
    if (machine != NULL && reconcile(machine) != CV_OK)
        log_error("lifecycle: could not reconcile on taking over; the next take-over or restart "
                  "does");
}

/* db_cluster_take_requests: one request another node left. */
static void take_request(const char *booking_id, const char *kind, void *context)
{
    lifecycle *machine = context;
    if (strcmp(kind, "end") == 0) {
        lifecycle_enqueue(machine, JOB_END, booking_id, true);
    } else if (strcmp(kind, "refresh") == 0) {
        lifecycle_enqueue(machine, JOB_REFRESH, booking_id, false);
    } else if (strcmp(kind, "poll") == 0) {
        lifecycle_enqueue(machine, JOB_POLL, booking_id, false);
    } else if (strcmp(kind, "changed") == 0) {
        store_db *database = store_db_pool_acquire(&machine->daemon->store);
        booking record;
        if (database != NULL && booking_load(database, booking_id, &record) == CV_OK) {
            arm_for(machine, &record);
            booking_clear(&record);
        }
        store_db_pool_release(&machine->daemon->store, database);
    }
}

/* db_cluster_each_due: a start no timer here was armed for. */
static void start_due(const char *booking_id, void *context)
{
    lifecycle_enqueue(context, JOB_START, booking_id, false);
}

#define LEAD_REQUESTS_MAX 1000

void lifecycle_lead(scheduler *daemon, store_db *db, int64_t from, int64_t to)
{
    lifecycle *machine = daemon->lifecycle_state;
    if (machine == NULL)
        return;
    /* The file can be deleted between the lease round's check and this
     * transaction: the watch then refuses the BEGIN and has logged the one
     * error line of a lost database, so a lost file adds nothing here. */
    if (db_cluster_take_requests(db, LEAD_REQUESTS_MAX, take_request, machine) != CV_OK &&
        file_watch_check(&daemon->database_watch))
        log_error("lifecycle: could not take the other nodes' requests (%s); trying again",
                  store_db_message(db));
    /* one second late: a timer here fires on time and its start is
     * claimed by then, so only starts nobody here knew of are queued */
    if (db_cluster_each_due(db, from - 1, to - 1, start_due, machine) != CV_OK)
        log_warning("lifecycle: could not read the due bookings; trying again");
}

static void lifecycle_stop(scheduler *daemon);

static cv_result lifecycle_start(scheduler *daemon)
{
    lifecycle *machine = calloc(1, sizeof *machine);
    if (machine == NULL)
        return CV_ERR_NO_MEMORY;
    machine->daemon = daemon;
    pthread_mutex_init(&machine->lock, NULL);
    pthread_cond_init(&machine->work, NULL);
    pthread_cond_init(&machine->released, NULL);
    cv_result result = timer_service_start(NULL, &machine->timers);
    if (result != CV_OK) {
        pthread_mutex_destroy(&machine->lock);
        pthread_cond_destroy(&machine->work);
        pthread_cond_destroy(&machine->released);
        free(machine);
        return result;
    }
    daemon->lifecycle_state = machine;
    for (size_t index = 0; index < WORKER_COUNT; index++) {
        if (pthread_create(&machine->workers[index], NULL, worker, machine) != 0) {
            lifecycle_stop(daemon);
            return CV_ERR_IO;
        }
        machine->worker_count++;
    }
    /* nothing is armed until this node leads: the cluster module (started
     * after this one) calls lifecycle_take_over then */
    return CV_OK;
}

static void lifecycle_stop(scheduler *daemon)
{
    lifecycle *machine = daemon->lifecycle_state;
    if (machine == NULL)
        return;
    /* workers first (they arm timers), then the timer thread (it queues
     * jobs); the queue itself goes last */
    pthread_mutex_lock(&machine->lock);
    machine->stopping = true;
    pthread_cond_broadcast(&machine->work);
    pthread_mutex_unlock(&machine->lock);
    for (size_t index = 0; index < machine->worker_count; index++)
        pthread_join(machine->workers[index], NULL);
    timer_service_stop(machine->timers);
    daemon->lifecycle_state = NULL;
    keyed_queue_free(&machine->queue);
    for (size_t index = 0; index < machine->bridge_lock_count; index++) {
        pthread_mutex_destroy(&machine->bridge_locks[index]->lock);
        free(machine->bridge_locks[index]);
    }
    free(machine->bridge_locks);
    free(machine->unreachable);
    pthread_mutex_destroy(&machine->lock);
    pthread_cond_destroy(&machine->work);
    pthread_cond_destroy(&machine->released);
    free(machine);
}

const scheduler_module lifecycle_module = {"lifecycle", lifecycle_start, lifecycle_stop};
