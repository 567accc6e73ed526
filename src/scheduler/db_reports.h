/*
 * db_reports.h - the rows the reports add up (reports.c): bookings, the
 * calls and the call legs the CDRs told of, each walked once over a time
 * range through an index.
 *
 * Owns: the SQL of the reports. Does not own: adding them up per period
 * or the answers (reports.c).
 */
#ifndef CONVENE_SCHEDULER_DB_REPORTS_H
#define CONVENE_SCHEDULER_DB_REPORTS_H

#include <stdbool.h>
#include <stdint.h>

#include "common/result.h"
#include "common/store_db_pool.h"

/* One span of time on a bridge and slot (slot -1 when not known), with a
 * number (a call's most legs at once; 0 for bookings and legs). Texts live
 * during the call only. */
typedef struct {
    const char *bridge_id;
    int64_t slot;
    int64_t from, to; /* UTC seconds, [from, to) */
    int64_t peak;
} db_report_span;

typedef cv_result (*db_report_span_visit)(const db_report_span *span, void *context);

/* Booked meetings on `bridge_id` overlapping [from, to): every booking but
 * failed ones and those cancelled before they started. */
cv_result db_report_bookings_each(store_db *database, const char *bridge_id, int64_t from,
                                  int64_t to, db_report_span_visit visit, void *context);
/* Calls the CDRs of `bridge_id` told of overlapping [from, to) (one still
 * going ends at `now`), with their slot when the space is a slot's. */
cv_result db_report_calls_each(store_db *database, const char *bridge_id, int64_t from, int64_t to,
                               int64_t now, db_report_span_visit visit, void *context);
/* Connected call legs of those calls overlapping [from, to). */
cv_result db_report_legs_each(store_db *database, const char *bridge_id, int64_t from, int64_t to,
                              int64_t now, db_report_span_visit visit, void *context);

/* One booking for the no-show and failed-start reports; texts live during
 * the call only. */
typedef struct {
    const char *id;
    const char *title;
    const char *bridge_id;
    int64_t start, end;
    const char *state;
    const char *failure;
} db_report_booking;

typedef cv_result (*db_report_booking_visit)(const db_report_booking *row, void *context);

/* Bookings starting in [from, to) (on `bridge_id` unless it is NULL), by
 * start: with `failed_only` those that failed, else those that ran (ended,
 * not cancelled before they started). */
cv_result db_report_meetings_each(store_db *database, const char *bridge_id, int64_t from,
                                  int64_t to, bool failed_only, db_report_booking_visit visit,
                                  void *context);

#endif
