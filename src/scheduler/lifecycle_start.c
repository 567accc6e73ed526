/*
 * lifecycle_start.c - starting (and resuming) meetings (see
 * lifecycle_internal.h and docs/lifecycle.md).
 *
 * Owns: gathering the starts that fall due together, grouping them by
 * bridge, trying the bridge's addresses in order (failover and its
 * ticket), and the start sequence through one address: survey, choose
 * and store the spaces, open them and make the calls, confirm, dial out,
 * live. The per-meeting requests run a few at a time in phases; the
 * database writes are one transaction per phase. Every request about a
 * space names exactly that space, so a start costs the same however many
 * spaces the bridge has.
 * Does not own: choosing a space (lifecycle_spaces.c), dialling
 * (lifecycle_live.c), the writes themselves (lifecycle_state.c).
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
#include "scheduler/series_notice.h"
#include "scheduler/slots.h"
#include "scheduler/scheduler_metrics.h"
#include "scheduler/tickets.h"
#include "scheduler/timers.h"

/* One phase of a start run over many meetings by a few threads (as many
 * as the bridge takes requests at once). The threads only talk to the
 * bridge and write into their own item; the database is written by the
 * caller afterwards, in one transaction. */
typedef struct start_phase {
    scheduler *daemon; /* counts the dial-outs (metrics) */
    const scheduler_options *options;
    cms_client *client;
    const cms_leg_list *legs; /* every leg on the bridge (dial phase) */
    bool want_calls;          /* survey: ask which call is on each space */
    start_item *items;
    size_t count;
    void (*step)(struct start_phase *phase, start_item *item);
    _Atomic size_t next;
    /* `lock` guards the first unreachable failure below */
    pthread_mutex_t lock;
    cv_result unreachable;
    char error[512];
} start_phase;

static void phase_unreachable(start_phase *phase, cv_result result, const char *what)
{
    pthread_mutex_lock(&phase->lock);
    if (phase->unreachable == CV_OK) {
        phase->unreachable = result;
        snprintf(phase->error, sizeof phase->error, "%.400s", what);
    }
    pthread_mutex_unlock(&phase->lock);
}

static bool phase_failed(start_phase *phase)
{
    pthread_mutex_lock(&phase->lock);
    bool failed = phase->unreachable != CV_OK;
    pthread_mutex_unlock(&phase->lock);
    return failed;
}

static void *phase_thread(void *argument)
{
    start_phase *phase = argument;
    lifecycle_guard_thread(phase->daemon);
    for (;;) {
        size_t index = atomic_fetch_add(&phase->next, 1);
        if (index >= phase->count || phase_failed(phase))
            return NULL;
        start_item *item = &phase->items[index];
        if (!item->done && item->refusal == NULL)
            phase->step(phase, item);
    }
}

#define PHASE_MAX_THREADS 16

/* Runs `step` over every item; CV_OK unless the address stopped answering. */
static cv_result run_phase(start_phase *phase, char *error, size_t error_size)
{
    atomic_store(&phase->next, 0);
    phase->unreachable = CV_OK;
    phase->error[0] = '\0';
    pthread_mutex_init(&phase->lock, NULL);
    size_t wanted =
        phase->options->cms_max_in_flight > 0 ? (size_t)phase->options->cms_max_in_flight : 4;
    if (wanted > PHASE_MAX_THREADS)
        wanted = PHASE_MAX_THREADS;
    if (wanted > phase->count)
        wanted = phase->count;
    pthread_t threads[PHASE_MAX_THREADS];
    size_t started = 0;
    for (; started + 1 < wanted; started++)
        if (pthread_create(&threads[started], NULL, phase_thread, phase) != 0)
            break;
    phase_thread(phase); /* this thread works too */
    for (size_t index = 0; index < started; index++)
        pthread_join(threads[index], NULL);
    pthread_mutex_destroy(&phase->lock);
    if (phase->unreachable != CV_OK)
        snprintf(error, error_size, "%s", phase->error);
    return phase->unreachable;
}

/* Phase 1: open the space and make (or adopt) the call. */
static void open_step(start_phase *phase, start_item *item)
{
    booking *record = &item->record;
    if (!cluster_is_leader(phase->daemon)) {
        phase_unreachable(phase, CV_ERR_BUSY, "this node no longer leads");
        return;
    }
    cv_result result = lifecycle_put_space_open(phase->client, record);
    if (result != CV_OK) {
        if (cms_result_is_unreachable(result) || result == CV_ERR_BUSY)
            phase_unreachable(phase, result, "PUT /coSpaces: no answer");
        else
            item->refusal = "the bridge refused to open the space";
        return;
    }
    /* one call per meeting: adopt the call already on the space */
    const space_look *look = &item->look;
    if (look->found && look->existing_call[0] != '\0' &&
        strcasecmp(look->space.id, record->cospace_id) == 0) {
        snprintf(record->call_id, sizeof record->call_id, "%s", look->existing_call);
        item->new_call = false;
        item->opened = true;
        return;
    }
    const cms_field fields[] = {{"coSpace", record->cospace_id}};
    cms_response response = {0};
    result = cms_post(phase->client, "/calls", fields, 1, &response);
    if (result == CV_OK && lifecycle_copy_object_id(record->call_id, response.location_id)) {
        item->new_call = true;
        item->opened = true;
    } else if (result != CV_OK && (cms_result_is_unreachable(result) || result == CV_ERR_BUSY)) {
        char what[600];
        snprintf(what, sizeof what, "POST /calls: %s", response.error);
        phase_unreachable(phase, result, what);
    } else {
        log_warning("booking %s: POST /calls: %s", record->id,
                    result == CV_OK ? "no call ID in the answer" : response.error);
        item->refusal = "the bridge refused to create the call";
    }
    cms_response_free(&response);
}

/* Phase 2: dial out to every dial-out participant that needs it. */
static void dial_step(start_phase *phase, start_item *item)
{
    booking *record = &item->record;
    if (!item->opened)
        return;
    for (size_t index = 0; index < record->participant_count; index++) {
        booking_participant *participant = &record->participants[index];
        if (!participant->dial_out) {
            if (participant->state == PARTICIPANT_PENDING)
                lifecycle_set_participant_state(participant, PARTICIPANT_WAITING);
            continue;
        }
        if (participant->state == PARTICIPANT_DROPPED)
            continue; /* an operator dropped them: never dialled again */
        /* already dialled before a restart: keep that leg, found by the
         * call leg ID stored when it was made, else (a crash before that
         * store) by its remote party, which the bridge may have rewritten */
        const cms_leg *leg =
            lifecycle_leg_by_id(phase->legs, record->call_id, participant->call_leg_id);
        if (leg == NULL)
            leg = lifecycle_leg_for_party(phase->legs, record->call_id, participant->uri);
        if (leg != NULL) {
            snprintf(participant->call_leg_id, sizeof participant->call_leg_id, "%s", leg->id);
            continue;
        }
        if (!item->new_call && participant->state != PARTICIPANT_PENDING &&
            participant->state != PARTICIPANT_DIALING && participant->state != PARTICIPANT_RINGING)
            continue; /* its outcome is known; polling retries if due */
        if (item->new_call && participant->call_leg_id[0] != '\0') {
            participant->attempts = 0; /* a new call: its old leg went with the old call */
            participant->call_leg_id[0] = '\0';
        }
        if (!cluster_is_leader(phase->daemon)) { /* right before the dial-out */
            phase_unreachable(phase, CV_ERR_BUSY, "this node no longer leads");
            return;
        }
        participant_state before = participant->state;
        cv_result result = lifecycle_dial_request(phase->options, phase->client, record, index);
        scheduler_metrics_count_dial_out(phase->daemon, true, before, participant->state);
        if (result != CV_OK && (cms_result_is_unreachable(result) || result == CV_ERR_BUSY)) {
            phase_unreachable(phase, result, "POST /calls/<call>/callLegs: no answer");
            return;
        }
    }
}

/* Stores the outcome of phase 1 for every item in one transaction. */
static void store_opened(scheduler *daemon, store_db *database, start_item *items, size_t count,
                         const char *address)
{
    /* Without a transaction nothing is written: a half-saved phase is worse
     * than none. Items left not done are retried by the caller. */
    if (store_db_begin(database) != CV_OK) {
        log_error("lifecycle: cannot begin storing the calls just made");
        return;
    }
    if (cluster_fence(daemon, database) != CV_OK) {
        store_db_rollback(database); /* the new leader resumes and adopts the calls */
        return;
    }
    for (size_t index = 0; index < count; index++) {
        start_item *item = &items[index];
        if (item->done)
            continue;
        if (item->refusal != NULL) {
            lifecycle_set_state(daemon, database, &item->record, BOOKING_FAILED, item->refusal);
            item->done = true;
        } else if (item->opened && lifecycle_persist_call(database, item->record.id,
                                                          item->record.call_id, address) != CV_OK) {
            log_error("booking %s: cannot store call %s", item->record.id, item->record.call_id);
        }
    }
    if (store_db_commit(database) != CV_OK) {
        store_db_rollback(database);
        log_error("lifecycle: cannot store the calls just made");
    }
}

/* Phase 0, the survey: the space each meeting has or was booked on,
 * asked for exactly (GET /coSpaces/<id>, or ?filter=<call ID> when its ID
 * is not known), and the call on it when some call may exist. */
static void survey_step(start_phase *phase, start_item *item)
{
    char error[512] = "";
    bool want_calls = phase->want_calls || item->resumed;
    cv_result result = lifecycle_look_at_space(phase->client, item->known_space,
                                               item->resumed ? -1 : item->record.slot, want_calls,
                                               &item->look, &item->learnt, error, sizeof error);
    if (result == CV_OK)
        return;
    if (cms_result_is_unreachable(result) || result == CV_ERR_BUSY || result == CV_ERR_AUTH) {
        char what[600];
        snprintf(what, sizeof what, "GET /coSpaces: %s", error);
        phase_unreachable(phase, result, what);
    } else {
        log_warning("booking %s: reading its space: %s", item->record.id, error);
        item->refusal = "the bridge did not answer with the meeting's space";
    }
}

/* Phase 2, the confirmation: the space and its call, as TMS confirms in its recorded traffic
 * (status, spaces, calls), for exactly this meeting's space. */
static void confirm_step(start_phase *phase, start_item *item)
{
    if (!item->opened)
        return;
    char error[512] = "";
    cms_space space = {.call_id = -1};
    cv_result result =
        cms_space_get(phase->client, item->record.cospace_id, &space, error, sizeof error);
    cms_space_clear(&space);
    cms_call_list calls = {0};
    if (result == CV_OK)
        result =
            cms_calls_list(phase->client, item->record.cospace_id, &calls, error, sizeof error);
    bool listed = false;
    for (size_t index = 0; index < calls.count; index++)
        if (strcasecmp(calls.items[index].id, item->record.call_id) == 0)
            listed = true;
    cms_call_list_free(&calls);
    if (result != CV_OK && (cms_result_is_unreachable(result) || result == CV_ERR_BUSY))
        phase_unreachable(phase, result, error);
    else if (!listed)
        log_warning("booking %s: call %s is not listed by the bridge", item->record.id,
                    item->record.call_id);
}

/* Chooses (or keeps) the space of every meeting of the batch and stores
 * it, with a fresh secret and the address used, before any is opened: one
 * BEGIN IMMEDIATE transaction, so the bookings checked for a free slot
 * and the choice are one. No transaction: nothing is written, CV_ERR_STORE
 * (the caller retries later). */
static cv_result store_choices(const space_choice *choice, const char *address, char *error,
                               size_t error_size)
{
    store_db *database = choice->database;
    if (store_db_begin(database) != CV_OK) {
        snprintf(error, error_size, "the database cannot begin a transaction");
        return CV_ERR_STORE;
    }
    /* the claim of these starts: only under this node's lease and epoch */
    if (cluster_fence(choice->daemon, database) != CV_OK) {
        store_db_rollback(database);
        snprintf(error, error_size, "this node no longer leads");
        return CV_ERR_BUSY;
    }
    for (size_t index = 0; index < choice->count; index++) {
        start_item *item = &choice->items[index];
        booking *record = &item->record;
        if (item->done || item->refusal != NULL)
            continue;
        if (item->learnt)
            db_slot_space_remember(database, choice->bridge->id, record->slot, item->look.space.id);
        if (item->resumed && !item->look.found) {
            log_warning("booking %s: its space %s is gone; choosing again", record->id,
                        record->cospace_id);
            record->cospace_id[0] = '\0';
            record->call_id[0] = '\0';
            item->resumed = false;
            /* the slot's own space, if it is still there */
            db_slot_space_forget(database, choice->bridge->id, record->slot);
        }
        if (record->cospace_id[0] == '\0') {
            char why[256] = "";
            cv_result chosen = lifecycle_choose_space(choice, item, why, sizeof why);
            if (chosen == CV_ERR_CONFLICT) {
                lifecycle_persist_all_participants(choice->daemon, database, record,
                                                   PARTICIPANT_LEFT);
                lifecycle_set_state(choice->daemon, database, record, BOOKING_FAILED, why);
                item->done = true;
                continue;
            }
            if (chosen != CV_OK) {
                log_error("booking %s: choosing a slot: %s", record->id, cv_result_name(chosen));
                item->refusal = "internal error choosing a slot";
                continue;
            }
            id_generate(record->secret);
        } else if (record->secret[0] == '\0') {
            id_generate(record->secret);
        }
        free(record->started_via);
        record->started_via = text_duplicate(address);
        if (record->started_via == NULL ||
            lifecycle_persist_start_choice(database, record) != CV_OK) {
            log_error("booking %s: cannot store the chosen space", record->id);
            item->refusal = "internal error storing the chosen space";
            continue;
        }
        record->state = BOOKING_STARTING;
    }
    if (store_db_commit(database) != CV_OK) {
        store_db_rollback(database);
        log_error("lifecycle: cannot store the chosen spaces");
        snprintf(error, error_size, "the database refused the chosen spaces");
        return CV_ERR_STORE;
    }
    return CV_OK;
}

/* Dial-outs placed (or kept), then live: every outcome stored in one
 * transaction, and the end timer and participant poll armed. */
static void store_live(lifecycle *machine, store_db *database, start_item *items, size_t count)
{
    /* no transaction: store nothing and leave the items not done, so the
     * caller retries the start (which resumes the calls already made) */
    bool transaction = store_db_begin(database) == CV_OK;
    if (!transaction)
        log_error("lifecycle: cannot begin storing the meetings just started");
    if (transaction && cluster_fence(machine->daemon, database) != CV_OK) {
        store_db_rollback(database); /* the new leader resumes them */
        transaction = false;
    }
    for (size_t index = 0; index < count && transaction; index++) {
        start_item *item = &items[index];
        booking *record = &item->record;
        if (item->done || !item->opened)
            continue;
        for (size_t p = 0; p < record->participant_count; p++)
            lifecycle_store_participant(machine->daemon, database, record, p);
        lifecycle_set_state(machine->daemon, database, record, BOOKING_LIVE, NULL);
        item->done = true;
    }
    if (transaction && store_db_commit(database) != CV_OK) {
        store_db_rollback(database);
        log_error("lifecycle: cannot store the meetings just started");
    }
    for (size_t index = 0; index < count; index++) {
        start_item *item = &items[index];
        if (!item->opened || item->record.state != BOOKING_LIVE)
            continue;
        lifecycle_rearm(machine, item->record.id, TAG_END, item->record.end * 1000);
        lifecycle_arm_warning(machine, &item->record, true);
        lifecycle_rearm(machine, item->record.id, TAG_POLL, lifecycle_next_poll_ms(&item->record));
    }
}

/* Before the survey: each meeting's space ID as stored (resumed) or known
 * for its slot, and the per-attempt flags reset. */
static void prepare_items(store_db *database, const bridge_record *bridge, start_item *items,
                          size_t count)
{
    for (size_t index = 0; index < count; index++) {
        start_item *item = &items[index];
        item->opened = false;
        item->refusal = NULL;
        item->learnt = false;
        item->known_space[0] = '\0';
        if (item->done)
            continue;
        item->resumed = item->record.cospace_id[0] != '\0';
        if (item->resumed)
            snprintf(item->known_space, sizeof item->known_space, "%s", item->record.cospace_id);
        else if (db_slot_space_find(database, bridge->id, item->record.slot, item->known_space) !=
                 CV_OK)
            item->known_space[0] = '\0';
    }
}

/*
 * Starts every not-done item of `items` through one client: survey, open
 * spaces, create calls, confirm, dial out. Every request about a space
 * names exactly that space, so a start costs the same however many spaces
 * the bridge has. Returns CV_ERR_NETWORK / CV_ERR_TIMEOUT when the address
 * cannot serve us (the caller fails over); items already live stay done.
 */
static cv_result start_through(lifecycle *machine, store_db *database, const bridge_record *bridge,
                               cms_client *client, const char *address, start_item *items,
                               size_t count, char *error, size_t error_size)
{
    int64_t participants_total = -1;
    int64_t began_ms = timer_monotonic_now_ms();
    cv_result result = lifecycle_get_simple(client, "/system/status", NULL, error, error_size);
    if (result == CV_OK)
        result =
            lifecycle_get_simple(client, "/participants", &participants_total, error, error_size);
    if (result != CV_OK)
        return result;
    prepare_items(database, bridge, items, count);
    /* which spaces have calls: only asked when some call may exist (the
     * order TMS uses otherwise) */
    start_phase phase = {.daemon = machine->daemon,
                         .options = &machine->daemon->options,
                         .client = client,
                         .want_calls = participants_total != 0,
                         .items = items,
                         .count = count,
                         .step = survey_step};
    result = run_phase(&phase, error, error_size);
    if (result != CV_OK)
        return result;
    space_choice choice = {machine->daemon,        database, bridge, client, items, count,
                           participants_total != 0};
    result = store_choices(&choice, address, error, error_size);
    if (result != CV_OK)
        return result;

    int64_t surveyed_ms = timer_monotonic_now_ms();
    phase.step = open_step; /* open the spaces and make the calls */
    result = run_phase(&phase, error, error_size);
    store_opened(machine->daemon, database, items, count, address);
    if (result != CV_OK)
        return result;

    int64_t opened_ms = timer_monotonic_now_ms();
    /* confirm, as TMS does: status, the space, its calls */
    result = lifecycle_get_simple(client, "/system/status", NULL, error, error_size);
    phase.step = confirm_step;
    if (result == CV_OK)
        result = run_phase(&phase, error, error_size);
    bool any_dial_out = false;
    for (size_t index = 0; index < count; index++)
        for (size_t p = 0; p < items[index].record.participant_count; p++)
            if (!items[index].done && items[index].opened &&
                items[index].record.participants[p].dial_out)
                any_dial_out = true;
    cms_leg_list legs = {0};
    if (result == CV_OK && any_dial_out)
        result = cms_legs_list(client, "/callLegs", &legs, error, error_size);
    if (result != CV_OK) {
        cms_leg_list_free(&legs);
        return result;
    }

    int64_t confirmed_ms = timer_monotonic_now_ms();
    phase.step = dial_step;
    phase.legs = &legs;
    cv_result dialled = run_phase(&phase, error, error_size);
    store_live(machine, database, items, count);
    cms_leg_list_free(&legs);
    int64_t finished_ms = timer_monotonic_now_ms();
    log_info("lifecycle: %zu meeting(s) through %s: survey %lld ms, open %lld ms, confirm %lld "
             "ms, dial-outs and store %lld ms",
             count, address, (long long)(surveyed_ms - began_ms),
             (long long)(opened_ms - surveyed_ms), (long long)(confirmed_ms - opened_ms),
             (long long)(finished_ms - confirmed_ms));
    if (dialled != CV_OK)
        log_warning("lifecycle: the bridge stopped answering during dial-outs (%s); polling "
                    "will notice and resume",
                    error);
    return CV_OK;
}

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
            result =
                start_through(machine, database, &bridge, client, endpoints.items[index].address,
                              items, count, error, sizeof error);
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
    lifecycle_guard_thread(run->machine->daemon);
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
