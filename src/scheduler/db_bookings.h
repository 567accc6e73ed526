/*
 * db_bookings.h - the writes a meeting's progress makes to its booking and
 * participants rows (the lifecycle's start, call, failure note and
 * participant states), the scheduled bookings a restart arms, the list
 * of GET /bookings and the bookings a bridge's range change would drop. They
 * live in db_bookings.c with the rest of the bookings family's SQL; the
 * booking model's own calls (store, load, state change, list by state)
 * are declared in booking.h, where their callers look.
 *
 * Owns: these declarations. Each write runs through store_db_transaction: in
 * the caller's transaction when one is open, else in one of its own.
 * Does not own: when to write (lifecycle_*.c).
 */
#ifndef CONVENE_SCHEDULER_DB_BOOKINGS_H
#define CONVENE_SCHEDULER_DB_BOOKINGS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "common/result.h"
#include "scheduler/booking.h"

/* Stores `count` new bookings (IDs never stored; placed and checked by the
 * caller in its transaction, none overlapping another of them) with their
 * participants and span, up to 64 rows per statement: booking_store of
 * each, in a few round trips (a series' occurrences). */
cv_result db_bookings_insert_new(store_db *database, const booking *records, size_t count);

/* The space, slot, secret and address a start is about to use; the state
 * becomes starting (holding capacity) and any failure note goes. `now`:
 * the `updated` time, seconds since the epoch. */
cv_result db_booking_store_start_choice(store_db *database, const booking *record, int64_t now);
/* The call on the bridge (NULL: none any more) and the address it runs on. */
cv_result db_booking_store_call(store_db *database, const char *booking_id, const char *call_id,
                                const char *address, int64_t now);
/* The booking's failure note (NULL clears it). */
cv_result db_booking_store_failure_note(store_db *database, const char *booking_id,
                                        const char *failure, int64_t now);
/* The state, call leg, attempts and times of the participant at `position`
 * (matched by its URI too, so a changed list is never written over). A
 * participant stored as dropped (live control) stays so: only a write of
 * the dropped state itself changes its row then, so a node's poll that
 * read the booking before another node dropped them cannot undo the drop.
 * *stored (may be NULL): whether the row was written. */
cv_result db_participant_store(store_db *database, const char *booking_id, size_t position,
                               const booking_participant *participant, bool *stored);
/* Whether the participant at `position` (with `uri`) of booking
 * `booking_id` is stored as dropped now (false when not there). */
cv_result db_participant_is_dropped(store_db *database, const char *booking_id, size_t position,
                                    const char *uri, bool *dropped);

/* Called with the id and occupied start (seconds since the epoch) of each
 * scheduled, not cancelled booking; the id lives during the call only. */
typedef void (*db_scheduled_visit)(const char *id, int64_t occupied_start, void *context);
/* Every booking still waiting for its start, for the timers after a
 * restart. */
cv_result db_bookings_each_scheduled(store_db *database, db_scheduled_visit visit, void *context);

/* Called with each booking's id (lives during the call only); a result
 * other than CV_OK stops the walk and is returned. */
typedef cv_result (*db_booking_id_visit)(const char *id, void *context);
/* The bookings that overlap [from, to), on `bridge_id` only when it is not
 * NULL, by start time, at most `limit` (GET /bookings). */
cv_result db_bookings_each_in_window(store_db *database, int64_t from, int64_t to, int64_t limit,
                                     const char *bridge_id, db_booking_id_visit visit,
                                     void *context);

/* One booking whose slot a range change would drop. */
typedef struct {
    const char *id;
    const char *title;
    int64_t slot;
} db_booking_on_slot;
typedef cv_result (*db_booking_on_slot_visit)(const db_booking_on_slot *row, void *context);
/* The active bookings on `bridge_id` whose slot is outside base ..
 * base+quantity-1 (every one when has_range is false), by start time, at
 * most 100. Call it inside the transaction that writes the range. */
cv_result db_bookings_outside_range_each(store_db *database, const char *bridge_id, bool has_range,
                                         int64_t base, int64_t quantity,
                                         db_booking_on_slot_visit visit, void *context);

/* The live control settings of `record` as they are now (live_control.c):
 * the call's lock and layout on the booking row, and each participant's
 * mutes and own layout (found by position and URI: a row replaced
 * meanwhile is left alone). One transaction (the caller's if open). */
cv_result db_booking_store_live_controls(store_db *database, const booking *record);

#endif
