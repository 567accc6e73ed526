/*
 * lifecycle_start_batch.c - the starts that fall due together (see
 * lifecycle_internal.h and docs/lifecycle.md).
 *
 * Owns: gathering the start (and resume) jobs queued together, deciding
 * which loaded bookings are still to start, grouping them by bridge (one
 * thread per bridge), trying each bridge's addresses in order under the
 * bridge's lock (failover and its ticket), and what could not start
 * (retried shortly, else failed or ended).
 * Does not own: the start sequence through one address
 * (lifecycle_start.c), choosing a space (lifecycle_spaces.c), the writes
 * themselves (lifecycle_state.c).
 */
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/cms_client.h"
#include "common/log.h"
#include "common/sleep.h"
#include "common/store_db_pool.h"
#include "common/strbuf.h"
#include "scheduler/booking.h"
#include "scheduler/bridges.h"
#include "scheduler/cluster.h"
#include "scheduler/lifecycle_internal.h"
#include "scheduler/series_notice.h"
#include "scheduler/tickets.h"
#include "scheduler/timers.h"

static void open_failover_ticket(scheduler *daemon, store_db *database, const bridge_record *bridge,
                                 const char *used, const char *why)
{
    char message[512];
    snprintf(message, sizeof message,
             "%s could not be reached (%s); meetings were started through %s", bridge->address, why,
             used);
    if (tickets_set(daemon, database, bridge->id, TICKET_FAILOVER, true, message) != CV_OK)
        log_warning("bridge %s: could not open the failover ticket", bridge->id);
}

/* What could not start: tried again shortly while the meeting lasts;
 * failed (or, if its space may be open, ended) when it would be over by
 * then. `why` says which addresses failed and how. */
static void retry_unstarted(lifecycle *machine, store_db *database, start_item *items, size_t count,
                            const char *why)
{
    int64_t now = lifecycle_now_seconds();
    for (size_t index = 0; index < count; index++) {
        start_item *item = &items[index];
        if (item->done)
            continue;
        booking *record = &item->record;
        char failure[768];
        snprintf(failure, sizeof failure, "could not start on the bridge: %s", why);
        if (record->end > now + RETRY_UNREACHABLE_MS / 1000) {
            lifecycle_note_failure(database, record->id, failure);
            lifecycle_rearm(machine, record->id, TAG_START,
                            timer_realtime_now_ms() + RETRY_UNREACHABLE_MS);
        } else if (record->state == BOOKING_STARTING && record->cospace_id[0]) {
            /* the space may be open: close it when a bridge answers */
            lifecycle_note_failure(database, record->id, failure);
            lifecycle_enqueue(machine, JOB_END, record->id, true);
        } else {
            lifecycle_persist_all_participants(machine->daemon, database, record, PARTICIPANT_LEFT);
            lifecycle_set_state(machine->daemon, database, record, BOOKING_FAILED, failure);
        }
    }
}

/* Starts (or resumes) a group of meetings on one bridge. */
static void start_group(lifecycle *machine, store_db *database, const char *bridge_id,
                        start_item *items, size_t count)
{
    bridge_record bridge;
    memset(&bridge, 0, sizeof bridge);
    cv_result result = bridge_load(database, bridge_id, &bridge);
    if (result != CV_OK) {
        for (size_t index = 0; index < count; index++)
            lifecycle_set_state(machine->daemon, database, &items[index].record, BOOKING_FAILED,
                                "the booking's bridge no longer exists");
        return;
    }
    bridge_endpoints endpoints;
    memset(&endpoints, 0, sizeof endpoints);
    result = bridge_endpoints_load(database, &bridge, &endpoints);
    if (result != CV_OK) {
        log_error("bridge %s: cannot list its addresses: %s", bridge_id, cv_result_name(result));
        bridge_record_free(&bridge);
        return;
    }
    /* a meeting already running somewhere keeps that address first */
    for (size_t index = 0; index < count; index++) {
        if (items[index].resumed && items[index].record.started_via) {
            lifecycle_order_endpoints(&endpoints, items[index].record.started_via);
            break;
        }
    }
    bridge_lock *serial = lifecycle_lock_for_bridge(machine, bridge_id);
    if (serial)
        pthread_mutex_lock(&serial->lock);
    strbuf unreachable = STRBUF_INIT;
    size_t used = endpoints.count;
    for (size_t index = 0; index < endpoints.count; index++) {
        cms_client *client = NULL;
        char error[512] = "";
        result = cms_registry_client(machine->daemon->cms, &endpoints.items[index], &client);
        if (result == CV_OK)
            result = lifecycle_start_through(machine, database, &bridge, client,
                                             endpoints.items[index].address, items, count, error,
                                             sizeof error);
        else
            snprintf(error, sizeof error, "unusable address");
        if (result == CV_OK) {
            used = index;
            break;
        }
        log_warning("bridge %s: start through %s failed: %s", bridge_id,
                    endpoints.items[index].address, error);
        strbuf_printf(&unreachable, "%s%s: %s", unreachable.length ? "; " : "",
                      endpoints.items[index].address, error);
        if ((!cms_result_is_unreachable(result) && result != CV_ERR_AUTH) ||
            lifecycle_shutting_down(machine))
            break;
    }
    if (serial)
        pthread_mutex_unlock(&serial->lock);
    if (lifecycle_shutting_down(machine)) {
        strbuf_free(&unreachable);
        bridge_endpoints_free(&endpoints);
        bridge_record_free(&bridge);
        return;
    }
    if (used < endpoints.count && used > 0) {
        open_failover_ticket(machine->daemon, database, &bridge, endpoints.items[used].address,
                             strbuf_str(&unreachable));
        for (size_t index = 0; index < count; index++)
            if (items[index].done)
                series_notice_failover(database, &items[index].record,
                                       endpoints.items[used].address, strbuf_str(&unreachable));
    } else if (used == 0) {
        if (tickets_set(machine->daemon, database, bridge.id, TICKET_FAILOVER, false, NULL) !=
            CV_OK)
            log_warning("bridge %s: could not clear the failover ticket", bridge.id);
    }
    retry_unstarted(machine, database, items, count,
                    unreachable.length ? strbuf_str(&unreachable) : "internal error");
    strbuf_free(&unreachable);
    bridge_endpoints_free(&endpoints);
    bridge_record_free(&bridge);
}

/* One bridge's share of a batch of starts, run on its own thread. */
typedef struct {
    lifecycle *machine;
    start_item *items;
    size_t count;
    pthread_t thread;
    bool threaded;
    int64_t term; /* the term of the worker that shares the batch out */
} group_run;

static void run_group(group_run *run, store_db *database)
{
    log_info("lifecycle: starting %zu meeting(s) on bridge %s", run->count,
             run->items[0].record.bridge_id);
    start_group(run->machine, database, run->items[0].record.bridge_id, run->items, run->count);
}

static void *group_thread(void *argument)
{
    group_run *run = argument;
    lifecycle_guard_thread(run->machine->daemon, run->term);
    /* a connection first, then (inside start_group) the bridge's lock:
     * the order every start takes them in */
    store_db *database = store_db_pool_acquire(&run->machine->daemon->store);
    run_group(run, database);
    store_db_pool_release(&run->machine->daemon->store, database);
    return NULL;
}

#define GROUP_MAX_THREADS 32

/* Groups `items` by bridge (in the order they came) and starts each
 * bridge's group, different bridges at the same time. Takes the records:
 * they are cleared here. */
static void run_groups(lifecycle *machine, store_db *database, start_item *items, size_t count)
{
    start_item *ordered = calloc(count ? count : 1, sizeof *ordered);
    bool *grouped = calloc(count ? count : 1, sizeof *grouped);
    group_run *runs = calloc(count ? count : 1, sizeof *runs);
    if (ordered == NULL || grouped == NULL || runs == NULL) {
        log_error("lifecycle: out of memory grouping starts");
        for (size_t index = 0; index < count; index++)
            booking_clear(&items[index].record);
        free(ordered);
        free(grouped);
        free(runs);
        return;
    }
    size_t placed = 0, run_count = 0;
    for (size_t index = 0; index < count; index++) {
        if (grouped[index])
            continue;
        group_run *run = &runs[run_count++];
        run->machine = machine;
        run->term = cluster_thread_term();
        run->items = &ordered[placed];
        for (size_t other = index; other < count; other++) {
            if (!grouped[other] &&
                strcmp(items[other].record.bridge_id, items[index].record.bridge_id) == 0) {
                grouped[other] = true;
                ordered[placed++] = items[other]; /* the record moves */
                run->count++;
            }
        }
    }
    /* the first group here, the others on threads of their own */
    for (size_t index = 1; index < run_count && index <= GROUP_MAX_THREADS; index++)
        runs[index].threaded =
            pthread_create(&runs[index].thread, NULL, group_thread, &runs[index]) == 0;
    if (run_count > 0)
        run_group(&runs[0], database);
    for (size_t index = 1; index < run_count; index++)
        if (!runs[index].threaded)
            run_group(&runs[index], database);
    for (size_t index = 1; index < run_count; index++)
        if (runs[index].threaded)
            pthread_join(runs[index].thread, NULL);
    for (size_t index = 0; index < placed; index++) {
        booking_clear(&ordered[index].record);
        cms_space_clear(&ordered[index].look.space);
    }
    free(ordered);
    free(grouped);
    free(runs);
}

/* Serves START jobs: this one and every other start already queued,
 * grouped by bridge. Resume jobs come through here too. */
/* Takes every start job queued until none has come for GATHER_MS (at most
 * BATCH_MAX in all, `first` included) into taken[]; returns how many.
 * Only one worker gathers at a time; the others leave starts to it. */
static size_t gather_starts(lifecycle *machine, job *first, job **taken)
{
    size_t taken_count = 0;
    taken[taken_count++] = first;
    pthread_mutex_lock(&machine->lock);
    bool gatherer = (first->kind == JOB_START || first->kind == JOB_RESUME) && !machine->gathering;
    if (gatherer)
        machine->gathering = true;
    pthread_mutex_unlock(&machine->lock);
    if (!gatherer)
        return taken_count;
    int64_t gather_until = timer_monotonic_now_ms() + GATHER_MS;
    job_kind start_kind = JOB_START;
    while (taken_count < BATCH_MAX) {
        pthread_mutex_lock(&machine->lock);
        job *next = lifecycle_take_job_locked(machine, &start_kind);
        pthread_mutex_unlock(&machine->lock);
        if (next != NULL) {
            taken[taken_count++] = next;
            gather_until = timer_monotonic_now_ms() + GATHER_MS;
            continue;
        }
        if (timer_monotonic_now_ms() >= gather_until)
            break;
        sleep_milliseconds(1);
    }
    pthread_mutex_lock(&machine->lock);
    machine->gathering = false;
    pthread_cond_broadcast(&machine->work);
    pthread_mutex_unlock(&machine->lock);
    return taken_count;
}

/* Whether a loaded booking is to be started (or resumed) now; otherwise
 * deals with it (ended, failed, re-armed for later) and clears it. */
static bool admit_start(lifecycle *machine, store_db *database, start_item *item, int64_t now)
{
    booking *record = &item->record;
    bool scheduled = record->state == BOOKING_SCHEDULED;
    bool running = record->state == BOOKING_STARTING || record->state == BOOKING_LIVE;
    if (record->cancelled || (!scheduled && !running)) {
        /* cancelled while running (and the end was lost in a restart): end it now */
        if (record->cancelled && running)
            lifecycle_enqueue(machine, JOB_END, record->id, true);
    } else if (scheduled && booking_occupied_start(record) * 1000 > timer_realtime_now_ms() + 50) {
        /* moved later since the timer was set */
        lifecycle_rearm(machine, record->id, TAG_START, booking_occupied_start(record) * 1000);
    } else if (record->end <= now) {
        if (running && record->cospace_id[0]) {
            lifecycle_enqueue(machine, JOB_END, record->id, true);
        } else {
            lifecycle_persist_all_participants(machine->daemon, database, record, PARTICIPANT_LEFT);
            lifecycle_set_state(machine->daemon, database, record, BOOKING_FAILED,
                                "the meeting was over before it could be started (was the "
                                "scheduler stopped?)");
        }
    } else if (record->bridge_id[0] == '\0') {
        lifecycle_set_state(machine->daemon, database, record, BOOKING_FAILED,
                            "the booking's bridge was removed");
    } else {
        item->resumed = record->cospace_id[0] != '\0';
        if (scheduled)
            log_info("booking %s: starting, %lld ms after its time", record->id,
                     (long long)(timer_realtime_now_ms() - booking_occupied_start(record) * 1000));
        return true;
    }
    booking_clear(record);
    return false;
}

void lifecycle_run_starts(lifecycle *machine, store_db *database, job *first)
{
    job **taken = calloc(BATCH_MAX, sizeof *taken);
    if (taken == NULL) {
        log_error("lifecycle: out of memory starting meetings");
        lifecycle_release_busy(machine, first->booking_id);
        free(first);
        return;
    }
    size_t taken_count = gather_starts(machine, first, taken);
    start_item *items = calloc(taken_count, sizeof *items);
    if (items == NULL) {
        log_error("lifecycle: out of memory starting meetings");
    } else {
        int64_t now = lifecycle_now_seconds();
        size_t count = 0;
        for (size_t index = 0; index < taken_count; index++) {
            start_item *item = &items[count];
            if (booking_load(database, taken[index]->booking_id, &item->record) == CV_OK &&
                admit_start(machine, database, item, now))
                count++;
        }
        run_groups(machine, database, items, count);
        free(items);
    }
    for (size_t index = 0; index < taken_count; index++) {
        lifecycle_release_busy(machine, taken[index]->booking_id);
        free(taken[index]);
    }
    free(taken);
}
