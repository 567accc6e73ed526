/*
 * booking_series.h - bookings made with a time zone, a recurrence or an
 * organizer (issue 10), in convened's JSON API:
 *   POST /bookings with "timeZone", "recurrence", "exdates",
 *        "skipConflicts" or "organizer"   a series: one booking row per
 *        occurrence, each with its own slot and lifecycle
 *   GET  /bookings/<id>/occurrences?from=&to=&limit=   its occurrences
 *   GET  /bookings/<id>.ics                            its iCalendar
 * and the series facts added to every booking's JSON form.
 *
 * Owns: expanding the series into occurrences, placing each under the
 * same capacity rules as a single booking (409 listing only the clashing
 * occurrences; skipConflicts books the rest and lists the skipped; an
 * endless rule --series-horizon-days ahead), all
 * in one BEGIN IMMEDIATE transaction with the series row. Does not own:
 * the other booking members (booking.c), the rows' SQL (db_series.c,
 * db_bookings.c), running the meetings (lifecycle.h).
 */
#ifndef CONVENE_SCHEDULER_BOOKING_SERIES_H
#define CONVENE_SCHEDULER_BOOKING_SERIES_H

#include <jansson.h>
#include <stdbool.h>

#include "common/store_db_pool.h"
#include "scheduler/api.h"

/* Occurrences listed in a 409 (the rest are counted). */
#define SERIES_CLASHES_LISTED 100

/* True when the body has a member only a series understands. */
bool booking_series_requested(const json_t *body);
/* POST /bookings for such a body. */
void booking_series_create(scheduler_api_request *request);
/* Adds "timeZone", "localStart", "localEnd" and "series" to a booking's
 * JSON form when the booking belongs to a series; nothing otherwise. */
cv_result booking_series_decorate(store_db *database, const char *booking_id, json_t *document);
/* GET /bookings/<id>/occurrences */
void booking_series_handle_occurrences(scheduler_api_request *request);
/* GET /bookings/<id>.ics; `id` is the segment without ".ics". */
void booking_series_handle_ics(scheduler_api_request *request, const char *id);

#endif
