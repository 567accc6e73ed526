/*
 * db_bookings.h - the writes a meeting's progress makes to its booking and
 * participants rows (the lifecycle's start, call, failure note and
 * participant states), and the scheduled bookings a restart arms. They
 * live in db_bookings.c with the rest of the bookings family's SQL; the
 * booking model's own calls (store, load, state change, list by state)
 * are declared in booking.h, where their callers look.
 *
 * Owns: these declarations. Each write runs through store_atomically: in
 * the caller's transaction when one is open, else in one of its own.
 * Does not own: when to write (lifecycle_*.c).
 */
#ifndef CONVENE_SCHEDULER_DB_BOOKINGS_H
#define CONVENE_SCHEDULER_DB_BOOKINGS_H

#include <stddef.h>
#include <stdint.h>

#include "common/result.h"
#include "scheduler/booking.h"

/* The space, slot, secret and address a start is about to use; the state
 * becomes starting (holding capacity) and any failure note goes. `now`:
 * the `updated` time, seconds since the epoch. */
cv_result db_booking_store_start_choice(sqlite3 *database, const booking *record, int64_t now);
/* The call on the bridge (NULL: none any more) and the address it runs on. */
cv_result db_booking_store_call(sqlite3 *database, const char *booking_id, const char *call_id,
                                const char *address, int64_t now);
/* The booking's failure note (NULL clears it). */
cv_result db_booking_store_failure_note(sqlite3 *database, const char *booking_id,
                                        const char *failure, int64_t now);
/* The state, call leg, attempts and times of the participant at `position`
 * (matched by its URI too, so a changed list is never written over). */
cv_result db_participant_store(sqlite3 *database, const char *booking_id, size_t position,
                               const booking_participant *participant);

/* Called with the id and occupied start (seconds since the epoch) of each
 * scheduled, not cancelled booking; the id lives during the call only. */
typedef void (*db_scheduled_visit)(const char *id, int64_t occupied_start, void *context);
/* Every booking still waiting for its start, for the timers after a
 * restart. */
cv_result db_bookings_each_scheduled(sqlite3 *database, db_scheduled_visit visit, void *context);

#endif
