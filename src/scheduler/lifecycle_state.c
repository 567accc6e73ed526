/*
 * lifecycle_state.c - every write the lifecycle makes to a booking after
 * it was booked (see lifecycle_internal.h).
 *
 * Owns: storing a start's chosen space, a call, a failure note, a
 * participant's state and a booking's state (the SQL is db_bookings.c's;
 * each write joins the caller's transaction or makes its own).
 * Does not own: loading or validating bookings (booking.c), when to write
 * (the start, live and end files).
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
#include "scheduler/db_bookings.h"
#include "scheduler/bridges.h"
#include "common/cms_client.h"
#include "common/cms_views.h"
#include "scheduler/db_slot_spaces.h"
#include "scheduler/lifecycle_internal.h"
#include "scheduler/series_notice.h"
#include "scheduler/slots.h"
#include "scheduler/scheduler_events.h"
#include "scheduler/scheduler_metrics.h"
#include "scheduler/tickets.h"
#include "scheduler/timers.h"

/* The space, slot, secret and address a start is about to use. */
cv_result lifecycle_persist_start_choice(store_db *database, const booking *record)
{
    return db_booking_store_start_choice(database, record, lifecycle_now_seconds());
}

cv_result lifecycle_persist_call(store_db *database, const char *booking_id, const char *call_id,
                                 const char *address)
{
    return db_booking_store_call(database, booking_id, call_id, address, lifecycle_now_seconds());
}

static cv_result persist_failure_note(store_db *database, const char *booking_id,
                                      const char *failure)
{
    return db_booking_store_failure_note(database, booking_id, failure, lifecycle_now_seconds());
}

static cv_result persist_participant(store_db *database, const char *booking_id, size_t position,
                                     const booking_participant *participant)
{
    return db_participant_store(database, booking_id, position, participant, NULL);
}

/* Copies an object ID the bridge gave; false when it cannot be one. */
bool lifecycle_copy_object_id(char destination[ID_TEXT_SIZE], const char *source)
{
    size_t length = strlen(source);
    if (length == 0 || length >= ID_TEXT_SIZE)
        return false;
    memcpy(destination, source, length + 1);
    return true;
}

/* The same writes for callers that can only report a failure. */
void lifecycle_note_failure(store_db *database, const char *booking_id, const char *failure)
{
    if (persist_failure_note(database, booking_id, failure) != CV_OK)
        log_error("booking %s: cannot store its failure note", booking_id);
}

void lifecycle_forget_call(store_db *database, const booking *record)
{
    if (lifecycle_persist_call(database, record->id, NULL, record->started_via) != CV_OK)
        log_error("booking %s: cannot store that its call is gone", record->id);
}

void lifecycle_set_participant_state(booking_participant *participant, participant_state state)
{
    if (participant->state != state) {
        participant->state = state;
        participant->state_since = lifecycle_now_seconds();
    }
}

/* store_db_work: the participants' rows of the booking `context`. */
static cv_result write_all_participants(store_db *database, void *context)
{
    const booking *record = context;
    cv_result result = CV_OK;
    for (size_t index = 0; index < record->participant_count && result == CV_OK; index++)
        result = persist_participant(database, record->id, index, &record->participants[index]);
    return result;
}

/* Every participant to `state` (meeting over, or not started), written
 * together: in the caller's transaction, or in one of their own. */
/* The event of a participant's stored state. */
static void publish_participant(scheduler *daemon, const booking *record, size_t index)
{
    const booking_participant *participant = &record->participants[index];
    scheduler_events_publish(daemon, EVENT_PARTICIPANT_CHANGED, record->id,
                             json_pack("{s:s, s:s, s:b}", "uri", participant->uri, "state",
                                       participant_state_name(participant->state), "dialOut",
                                       participant->dial_out));
}

void lifecycle_persist_all_participants(scheduler *daemon, store_db *database, booking *record,
                                        participant_state state)
{
    for (size_t index = 0; index < record->participant_count; index++) {
        lifecycle_set_participant_state(&record->participants[index], state);
        record->participants[index].call_leg_id[0] = '\0';
        record->participants[index].next_attempt = 0;
    }
    if (store_db_transaction(database, write_all_participants, record) != CV_OK) {
        log_warning("booking %s: could not store the participants' state", record->id);
        return;
    }
    for (size_t index = 0; index < record->participant_count; index++)
        publish_participant(daemon, record, index);
}

/* Metrics of a new state: a start and its lateness, or a failure. */
static void count_state(scheduler *daemon, const booking *record, booking_state state)
{
    if (state == BOOKING_LIVE)
        scheduler_metrics_count_start(daemon, (double)timer_realtime_now_ms() / 1000.0 -
                                                  (double)booking_occupied_start(record));
    else if (state == BOOKING_FAILED)
        scheduler_metrics_count_failed_start(daemon);
}

void lifecycle_set_state(scheduler *daemon, store_db *database, booking *record,
                         booking_state state, const char *failure)
{
    cv_result result = booking_set_state(database, record->id, state, failure);
    if (result != CV_OK) {
        log_error("booking %s: cannot store state %s: %s", record->id, booking_state_name(state),
                  cv_result_name(result));
        return;
    }
    lifecycle_state_stored(daemon, database, record, state, failure);
}

void lifecycle_state_stored(scheduler *daemon, store_db *database, booking *record,
                            booking_state state, const char *failure)
{
    bool changed = record->state != state;
    record->state = state;
    log_info("booking %s: %s%s%s", record->id, booking_state_name(state), failure ? ": " : "",
             failure ? failure : "");
    if (changed)
        count_state(daemon, record, state);
    scheduler_events_publish(
        daemon, scheduler_event_for_state(state), record->id,
        json_pack("{s:s, s:s?}", "state", booking_state_name(state), "failure", failure));
    if (state == BOOKING_FAILED)
        series_notice_start_failed(database, record, failure);
}

bool lifecycle_store_participant(scheduler *daemon, store_db *database, const booking *record,
                                 size_t index)
{
    bool stored = false;
    if (db_participant_store(database, record->id, index, &record->participants[index], &stored) !=
        CV_OK) {
        log_warning("booking %s: could not store the state of %s", record->id,
                    record->participants[index].uri);
        return true; /* not known to be dropped */
    }
    if (!stored)
        return false; /* dropped meanwhile (or no longer in the booking) */
    series_notice_participant(database, record, index);
    publish_participant(daemon, record, index);
    return true;
}
