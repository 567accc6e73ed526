/*
 * booking_series_edit.h - changing and cancelling occurrences of a
 * series: PATCH and DELETE /bookings/<id>?scope=occurrence|following|series.
 *   occurrence  (default) only this one; a changed occurrence becomes an
 *               exception (its own VEVENT with RECURRENCE-ID)
 *   following   this and every later occurrence: the series is split, the
 *               old one ends (UNTIL) before this occurrence, a new series
 *               with its own UID starts here with the change
 *   series      every occurrence that has not begun
 * Occurrences that are starting, running or over are never changed by
 * following or series.
 *
 * Owns: reading the scope, re-expanding the changed part, capacity checks
 * only for occurrences whose time changes, the series rows' new SEQUENCE
 * and the iMIP REQUEST or CANCEL each change causes, all in one
 * transaction. Does not own: the single-booking PATCH and DELETE
 * (booking_api.c), the calendar events (series_calendar.h).
 */
#ifndef CONVENE_SCHEDULER_BOOKING_SERIES_EDIT_H
#define CONVENE_SCHEDULER_BOOKING_SERIES_EDIT_H

#include <stdbool.h>

#include "scheduler/api.h"
#include "scheduler/booking.h"
#include "scheduler/booking_api_internal.h"

typedef enum {
    EDIT_SCOPE_OCCURRENCE,
    EDIT_SCOPE_FOLLOWING,
    EDIT_SCOPE_SERIES,
} edit_scope;

/* "occurrence", "following", "series" */
const char *edit_scope_name(edit_scope scope);
/* ?scope=; replies 400 naming "scope" and returns false when it is not
 * one of the names above. */
bool booking_edit_read_scope(scheduler_api_request *request, edit_scope *out);

/* PATCH /bookings/<id>?scope=following|series: the whole request, in its
 * own transaction. */
void booking_series_patch(scheduler_api_request *request, edit_scope scope);
/* DELETE /bookings/<id>?scope=following|series: likewise. */
void booking_series_delete(scheduler_api_request *request, edit_scope scope);

/* DELETE of occurrence `record` (already stored as cancelled, in the
 * caller's transaction): the series leaves it out from now on (EXDATE,
 * SEQUENCE raised) and its organizer, its attendees and the e-mails of the
 * occurrence's participants are sent a CANCEL for that occurrence
 * (RECURRENCE-ID). Nothing for a booking without a series. */
cv_result booking_series_cancelled(scheduler_api_request *request, const booking *record,
                                   const bridge_views *views);
/* PATCH of occurrence `record` alone (stored, in the caller's
 * transaction): SEQUENCE raised and a REQUEST for that RECURRENCE-ID to
 * the organizer and that occurrence's attendees: the series' attendees,
 * less those whose participant the change took out (in `before[0 ..
 * before_count-1]`, the participants before the change, no longer in
 * `record`), plus the e-mails of `record`'s participants. Nothing for a
 * booking without a series. */
cv_result booking_series_occurrence_changed(scheduler_api_request *request, const booking *record,
                                            const booking_participant *before, size_t before_count,
                                            const bridge_views *views);

#endif
