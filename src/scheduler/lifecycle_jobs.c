/*
 * lifecycle_jobs.c - the lifecycle's work queue (see lifecycle_internal.h).
 *
 * Owns: the queue of jobs (start, end, refresh, poll, resume), the set of
 * bookings a worker is busy with (one worker per booking at a time), the
 * timers that queue jobs, one lock per bridge (starts on a bridge are
 * serialised), the count of consecutive unreachable polls of a meeting,
 * and the order in which a bridge's addresses are tried.
 * Does not own: what a job does (lifecycle_start*.c, lifecycle_live.c,
 * lifecycle_end.c) or the worker threads (lifecycle.c).
 */
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
#include "scheduler/db_slot_spaces.h"
#include "scheduler/lifecycle_internal.h"
#include "scheduler/slots.h"
#include "scheduler/tickets.h"
#include "scheduler/timers.h"

int64_t lifecycle_now_seconds(void)
{
    return timer_realtime_now_ms() / 1000;
}

/* The daemon is shutting down: requests in flight are cancelled (they
 * answer CV_ERR_BUSY) and nothing may be concluded from their failure;
 * the restart reconciles. */
bool lifecycle_shutting_down(const lifecycle *machine)
{
    /* a node that stopped leading stops as a stopping daemon does: the
     * new leader reconciles, as a restart would */
    return atomic_load(&machine->daemon->stopping) || !cluster_is_leader(machine->daemon);
}

static bool may_act(void *daemon)
{
    return cluster_is_leader(daemon);
}

void lifecycle_guard_thread(scheduler *daemon, int64_t term)
{
    cluster_bind_thread(term);
    cms_client_guard_thread(may_act, daemon);
}

void lifecycle_release_busy(lifecycle *machine, const char *booking_id)
{
    pthread_mutex_lock(&machine->lock);
    keyed_queue_release(&machine->queue, booking_id);
    pthread_cond_broadcast(&machine->work);
    pthread_cond_broadcast(&machine->released);
    pthread_mutex_unlock(&machine->lock);
}

void lifecycle_enqueue(lifecycle *machine, job_kind kind, const char *booking_id, bool forced)
{
    pthread_mutex_lock(&machine->lock);
    bool queued = keyed_queue_push(&machine->queue, (int)kind, booking_id, forced);
    if (queued)
        pthread_cond_signal(&machine->work);
    pthread_mutex_unlock(&machine->lock);
    if (!queued)
        log_error("lifecycle: out of memory queueing work for booking %s", booking_id);
}

typedef struct {
    const lifecycle *machine;
    const job_kind *only_kind;
} job_filter;

/* Starts and resumes are one kind of work (lifecycle_run_starts serves
 * both): a restart or a take-over resumes many meetings in one batch. */
static bool is_start(int kind)
{
    return kind == JOB_START || kind == JOB_RESUME;
}

/* While a worker gathers starts into a batch, other workers leave start
 * jobs to it; the gatherer takes only starts (only_kind JOB_START: starts
 * and resumes). */
static bool job_wanted(void *context, const keyed_job *candidate)
{
    const job_filter *filter = context;
    if (candidate->kind == JOB_HOLD)
        return false; /* taken by lifecycle_hold itself */
    if (filter->only_kind != NULL)
        return *filter->only_kind == JOB_START ? is_start(candidate->kind)
                                               : candidate->kind == (int)*filter->only_kind;
    return !(is_start(candidate->kind) && filter->machine->gathering);
}

/* Takes the first job whose booking nobody works on (see job_wanted); the
 * booking is marked busy. NULL when there is none. Lock held. */
job *lifecycle_take_job_locked(lifecycle *machine, job_kind *only_kind)
{
    job_filter filter = {machine, only_kind};
    keyed_job taken;
    if (!keyed_queue_take(&machine->queue, job_wanted, &filter, &taken))
        return NULL;
    job *item = calloc(1, sizeof *item);
    if (item == NULL) {
        keyed_queue_release(&machine->queue, taken.key);
        log_error("lifecycle: out of memory taking the work for booking %s", taken.key);
        return NULL;
    }
    item->kind = (job_kind)taken.kind;
    item->forced = taken.flag;
    memcpy(item->booking_id, taken.key, sizeof item->booking_id);
    return item;
}

static void timer_fired(void *context, const char *key, int tag)
{
    lifecycle *machine = context;
    job_kind kind = tag == TAG_START  ? JOB_START
                    : tag == TAG_END  ? JOB_END
                    : tag == TAG_WARN ? JOB_WARN
                                      : JOB_POLL;
    lifecycle_enqueue(machine, kind, key, false);
}

void lifecycle_arm(lifecycle *machine, const char *booking_id, int tag, int64_t wall_ms)
{
    cv_result result =
        timer_schedule(machine->timers, wall_ms, timer_fired, machine, booking_id, tag, NULL);
    if (result != CV_OK)
        log_error("lifecycle: cannot arm a timer for booking %s: %s", booking_id,
                  cv_result_name(result));
}

void lifecycle_rearm(lifecycle *machine, const char *booking_id, int tag, int64_t wall_ms)
{
    timer_cancel(machine->timers, booking_id, tag);
    lifecycle_arm(machine, booking_id, tag, wall_ms);
}

bridge_lock *lifecycle_lock_for_bridge(lifecycle *machine, const char *bridge_id)
{
    pthread_mutex_lock(&machine->lock);
    for (size_t index = 0; index < machine->bridge_lock_count; index++) {
        if (strcmp(machine->bridge_locks[index]->bridge_id, bridge_id) == 0) {
            bridge_lock *found = machine->bridge_locks[index];
            pthread_mutex_unlock(&machine->lock);
            return found;
        }
    }
    bridge_lock *created = calloc(1, sizeof *created);
    bridge_lock **grown =
        created ? realloc(machine->bridge_locks, (machine->bridge_lock_count + 1) * sizeof *grown)
                : NULL;
    if (grown == NULL) {
        free(created);
        pthread_mutex_unlock(&machine->lock);
        return NULL;
    }
    machine->bridge_locks = grown;
    snprintf(created->bridge_id, sizeof created->bridge_id, "%s", bridge_id);
    pthread_mutex_init(&created->lock, NULL);
    machine->bridge_locks[machine->bridge_lock_count++] = created;
    pthread_mutex_unlock(&machine->lock);
    return created;
}

/* Counts consecutive unreachable polls of a live meeting; returns the new
 * count (0 after a reset). */
int lifecycle_count_unreachable(lifecycle *machine, const char *booking_id, bool reset)
{
    pthread_mutex_lock(&machine->lock);
    int count = 0;
    size_t index = 0;
    for (; index < machine->unreachable_count_used; index++)
        if (strcmp(machine->unreachable[index].booking_id, booking_id) == 0)
            break;
    if (reset) {
        if (index < machine->unreachable_count_used)
            machine->unreachable[index] = machine->unreachable[--machine->unreachable_count_used];
    } else {
        if (index == machine->unreachable_count_used) {
            if (machine->unreachable_count_used == machine->unreachable_capacity) {
                size_t capacity =
                    machine->unreachable_capacity ? machine->unreachable_capacity * 2 : 16;
                unreachable_count *grown = realloc(machine->unreachable, capacity * sizeof *grown);
                if (grown == NULL) {
                    pthread_mutex_unlock(&machine->lock);
                    return 1;
                }
                machine->unreachable = grown;
                machine->unreachable_capacity = capacity;
            }
            memset(&machine->unreachable[index], 0, sizeof machine->unreachable[index]);
            snprintf(machine->unreachable[index].booking_id, ID_TEXT_SIZE, "%s", booking_id);
            machine->unreachable_count_used++;
        }
        count = ++machine->unreachable[index].failures;
    }
    pthread_mutex_unlock(&machine->lock);
    return count;
}

/* The order to try a bridge's addresses in: `preferred` (the address a
 * meeting runs through) first when it is one of them. */
void lifecycle_order_endpoints(bridge_endpoints *endpoints, const char *preferred)
{
    if (preferred == NULL || preferred[0] == '\0')
        return;
    for (size_t index = 1; index < endpoints->count; index++) {
        if (cms_address_same_endpoint(endpoints->items[index].address, preferred)) {
            cms_endpoint chosen = endpoints->items[index];
            memmove(&endpoints->items[1], &endpoints->items[0], index * sizeof chosen);
            endpoints->items[0] = chosen;
            return;
        }
    }
}
