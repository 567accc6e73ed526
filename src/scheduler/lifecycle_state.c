/*
 * lifecycle_state.c - every write the lifecycle makes to a booking after
 * it was booked (see lifecycle_internal.h).
 *
 * Owns: the SQL that stores a start's chosen space, a call, a failure
 * note, a participant's state and a booking's state, all through the
 * connection's statement cache; callers group them in transactions.
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
#include "common/store.h"
#include "common/strbuf.h"
#include "common/text.h"
#include "scheduler/booking.h"
#include "scheduler/bridges.h"
#include "common/cms_client.h"
#include "common/cms_views.h"
#include "scheduler/db_slot_spaces.h"
#include "scheduler/lifecycle_internal.h"
#include "scheduler/slots.h"
#include "scheduler/tickets.h"
#include "scheduler/timers.h"

static cv_result run_update(sqlite3 *database, sqlite3_stmt *statement)
{
    int code = sqlite3_step(statement);
    store_statement_done(statement);
    (void)database;
    return code == SQLITE_DONE ? CV_OK : store_result(code);
}

/* The space, slot, secret and address a start is about to use. */
cv_result lifecycle_persist_start_choice(sqlite3 *database, const booking *record)
{
    sqlite3_stmt *statement = NULL;
    int code = store_prepare(
        database,
        "UPDATE bookings SET state = 'starting', holds_capacity = 1, cospace_id = ?2, slot = ?3,"
        " secret = ?4, used_address = ?5, slot_note = ?6, failure = NULL, updated = ?7"
        " WHERE id = ?1",
        &statement);
    if (code != SQLITE_OK)
        return store_result(code);
    sqlite3_bind_text(statement, 1, record->id, -1, SQLITE_STATIC);
    store_bind_text_or_null(statement, 2, record->cospace_id);
    sqlite3_bind_int64(statement, 3, record->slot);
    store_bind_text_or_null(statement, 4, record->secret);
    store_bind_text_or_null(statement, 5, record->started_via);
    store_bind_text_or_null(statement, 6, record->slot_note);
    sqlite3_bind_int64(statement, 7, lifecycle_now_seconds());
    return run_update(database, statement);
}

cv_result lifecycle_persist_call(sqlite3 *database, const char *booking_id, const char *call_id,
                                 const char *address)
{
    sqlite3_stmt *statement = NULL;
    int code = store_prepare(
        database, "UPDATE bookings SET call_id = ?2, used_address = ?3, updated = ?4 WHERE id = ?1",
        &statement);
    if (code != SQLITE_OK)
        return store_result(code);
    sqlite3_bind_text(statement, 1, booking_id, -1, SQLITE_STATIC);
    store_bind_text_or_null(statement, 2, call_id);
    store_bind_text_or_null(statement, 3, address);
    sqlite3_bind_int64(statement, 4, lifecycle_now_seconds());
    return run_update(database, statement);
}

static cv_result persist_failure_note(sqlite3 *database, const char *booking_id,
                                      const char *failure)
{
    sqlite3_stmt *statement = NULL;
    int code = store_prepare(
        database, "UPDATE bookings SET failure = ?2, updated = ?3 WHERE id = ?1", &statement);
    if (code != SQLITE_OK)
        return store_result(code);
    sqlite3_bind_text(statement, 1, booking_id, -1, SQLITE_STATIC);
    store_bind_text_or_null(statement, 2, failure);
    sqlite3_bind_int64(statement, 3, lifecycle_now_seconds());
    return run_update(database, statement);
}

static cv_result persist_participant(sqlite3 *database, const char *booking_id, size_t position,
                                     const booking_participant *participant)
{
    sqlite3_stmt *statement = NULL;
    int code = store_prepare(
        database,
        "UPDATE participants SET state = ?3, call_leg_id = ?4, attempts = ?5, state_since = ?6,"
        " next_attempt = ?7 WHERE booking_id = ?1 AND position = ?2 AND uri = ?8",
        &statement);
    if (code != SQLITE_OK)
        return store_result(code);
    sqlite3_bind_text(statement, 1, booking_id, -1, SQLITE_STATIC);
    sqlite3_bind_int64(statement, 2, (int64_t)position);
    sqlite3_bind_text(statement, 3, participant_state_name(participant->state), -1, SQLITE_STATIC);
    store_bind_text_or_null(statement, 4, participant->call_leg_id);
    sqlite3_bind_int64(statement, 5, participant->attempts);
    sqlite3_bind_int64(statement, 6, participant->state_since);
    sqlite3_bind_int64(statement, 7, participant->next_attempt);
    sqlite3_bind_text(statement, 8, participant->uri, -1, SQLITE_STATIC);
    return run_update(database, statement);
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
void lifecycle_note_failure(sqlite3 *database, const char *booking_id, const char *failure)
{
    if (persist_failure_note(database, booking_id, failure) != CV_OK)
        log_error("booking %s: cannot store its failure note", booking_id);
}

void lifecycle_forget_call(sqlite3 *database, const booking *record)
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

/* store_work: the participants' rows of the booking `context`. */
static cv_result write_all_participants(sqlite3 *database, void *context)
{
    const booking *record = context;
    cv_result result = CV_OK;
    for (size_t index = 0; index < record->participant_count && result == CV_OK; index++)
        result = persist_participant(database, record->id, index, &record->participants[index]);
    return result;
}

/* Every participant to `state` (meeting over, or not started), written
 * together: in the caller's transaction, or in one of their own. */
void lifecycle_persist_all_participants(sqlite3 *database, booking *record, participant_state state)
{
    for (size_t index = 0; index < record->participant_count; index++) {
        lifecycle_set_participant_state(&record->participants[index], state);
        record->participants[index].call_leg_id[0] = '\0';
        record->participants[index].next_attempt = 0;
    }
    if (store_atomically(database, write_all_participants, record) != CV_OK)
        log_warning("booking %s: could not store the participants' state", record->id);
}

void lifecycle_set_state(sqlite3 *database, booking *record, booking_state state,
                         const char *failure)
{
    cv_result result = booking_set_state(database, record->id, state, failure);
    if (result != CV_OK) {
        log_error("booking %s: cannot store state %s: %s", record->id, booking_state_name(state),
                  cv_result_name(result));
        return;
    }
    record->state = state;
    log_info("booking %s: %s%s%s", record->id, booking_state_name(state), failure ? ": " : "",
             failure ? failure : "");
}

void lifecycle_store_participant(sqlite3 *database, const booking *record, size_t index)
{
    if (persist_participant(database, record->id, index, &record->participants[index]) != CV_OK)
        log_warning("booking %s: could not store the state of %s", record->id,
                    record->participants[index].uri);
}
