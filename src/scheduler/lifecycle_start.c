/*
 * lifecycle_start.c - starting (and resuming) meetings (see
 * lifecycle_internal.h and docs/lifecycle.md).
 *
 * Owns: the start sequence through one address of a bridge: survey,
 * choose and store the spaces, open them and make the calls, confirm,
 * dial out, live. The per-meeting requests run a few at a time in
 * phases; the database writes are one transaction per phase. Every
 * request about a space names exactly that space, so a start costs the
 * same however many spaces the bridge has.
 * Does not own: gathering the starts that fall due together, grouping
 * them by bridge and trying the bridge's addresses in order
 * (lifecycle_start_batch.c), choosing a space (lifecycle_spaces.c),
 * dialling (lifecycle_live.c), the writes themselves (lifecycle_state.c).
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
#include "common/text.h"
#include "scheduler/booking.h"
#include "scheduler/bridges.h"
#include "common/cms_client.h"
#include "common/cms_views.h"
#include "scheduler/cluster.h"
#include "scheduler/db_slot_spaces.h"
#include "scheduler/lifecycle_internal.h"
#include "scheduler/slots.h"
#include "scheduler/scheduler_metrics.h"
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
    int64_t term; /* the term of the thread that runs the phase */
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
    lifecycle_guard_thread(phase->daemon, phase->term);
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
    phase->term = cluster_thread_term();
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

/* A call made again for a meeting an operator had locked (a failover, a
 * call found gone) is locked again before anyone is dialled: the lock is
 * the one setting of the call itself that live control keeps (the mutes
 * and layouts go with each new leg, lifecycle_dial_request). A refusal
 * does not stop the meeting; it is logged. */
static void lock_new_call(cms_client *client, const booking *record)
{
    if (!record->live_locked)
        return;
    char path[128];
    snprintf(path, sizeof path, "/calls/%s", record->call_id);
    const cms_field fields[] = {{"locked", "true"}};
    cms_response response = {0};
    if (cms_put(client, path, fields, 1, &response) == CV_OK)
        log_info("booking %s: call %s locked again, as it was", record->id, record->call_id);
    else
        log_warning("booking %s: could not lock call %s again: %s", record->id, record->call_id,
                    response.error);
    cms_response_free(&response);
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
        lock_new_call(phase->client, record);
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

/* The whole sequence through one address: lifecycle_internal.h. */
cv_result lifecycle_start_through(lifecycle *machine, store_db *database,
                                  const bridge_record *bridge, cms_client *client,
                                  const char *address, start_item *items, size_t count, char *error,
                                  size_t error_size)
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
