/*
 * db_reports.c - the SQL of the reports; see db_reports.h.
 *
 * Owns: the range queries. Bookings are found through bookings_by_start
 * bounded below by the longest booking ever stored (booking_span), calls
 * through cdr_calls_by_bridge bounded by the longest call, legs through
 * their calls; so the cost follows the rows in the range.
 * Does not own: the tables (db_schema.c).
 */
#include "scheduler/db_reports.h"

#include <stdio.h>

#include "common/store_sql.h"

/* Runs a prepared query of (bridge, slot, from, to, peak) rows. */
static cv_result walk_spans(store_stmt *statement, db_report_span_visit visit, void *context)
{
    store_step_state code;
    cv_result result = CV_OK;
    while (result == CV_OK && (code = store_step(statement)) == STORE_ROW) {
        db_report_span span = {
            .bridge_id = store_column_text_or_empty(statement, 0),
            .slot = store_column_int64_or(statement, 1, -1),
            .from = store_column_int64(statement, 2),
            .to = store_column_int64(statement, 3),
            .peak = store_column_int64(statement, 4),
        };
        result = visit(&span, context);
    }
    if (result == CV_OK && code != STORE_DONE)
        result = store_stmt_error(statement);
    store_stmt_done(statement);
    return result;
}

cv_result db_report_bookings_each(store_db *database, const char *bridge_id, int64_t from,
                                  int64_t to, db_report_span_visit visit, void *context)
{
    store_stmt *statement = NULL;
    cv_result code = store_db_prepare(
        database,
        "SELECT bridge_id, slot, start_at, end_at, 0 FROM bookings"
        " WHERE start_at < ?3 AND start_at >= ?2 - (SELECT coalesce(max(longest), 0)"
        " FROM booking_span) AND end_at > ?2 AND bridge_id = ?1 AND state != 'failed'"
        " AND NOT (cancelled = 1 AND cospace_id IS NULL AND call_id IS NULL)",
        &statement);
    if (code != CV_OK)
        return store_db_error(database);
    store_bind_text(statement, 1, bridge_id);
    store_bind_int64(statement, 2, from);
    store_bind_int64(statement, 3, to);
    return walk_spans(statement, visit, context);
}

/* The calls `c` of bridge ?1 that overlap [?2, ?3), a call still open
 * counted as ending at ?4 (now). Found through cdr_calls_by_bridge,
 * bounded below by the bridge's longest call. */
#define CALLS_IN_RANGE                                                                             \
    " WHERE c.bridge_id = ?1 AND c.started < ?3 AND c.started >= ?2 - (SELECT"                     \
    " coalesce(max(coalesce(ended, ?4) - started), 0) FROM cdr_calls WHERE bridge_id = ?1)"        \
    " AND coalesce(c.ended, ?4) > ?2"

/* Runs `sql`, a query of span rows over CALLS_IN_RANGE, with its four
 * parameters bound. */
static cv_result call_spans_each(store_db *database, const char *sql, const char *bridge_id,
                                 int64_t from, int64_t to, int64_t now, db_report_span_visit visit,
                                 void *context)
{
    store_stmt *statement = NULL;
    if (store_db_prepare(database, sql, &statement) != CV_OK)
        return store_db_error(database);
    store_bind_text(statement, 1, bridge_id);
    store_bind_int64(statement, 2, from);
    store_bind_int64(statement, 3, to);
    store_bind_int64(statement, 4, now);
    return walk_spans(statement, visit, context);
}

cv_result db_report_calls_each(store_db *database, const char *bridge_id, int64_t from, int64_t to,
                               int64_t now, db_report_span_visit visit, void *context)
{
    return call_spans_each(
        database,
        "SELECT c.bridge_id, (SELECT s.slot FROM slot_spaces s WHERE s.bridge_id = c.bridge_id"
        " AND s.cospace_id = c.cospace_id), c.started, coalesce(c.ended, ?4),"
        " coalesce(c.max_active, 0) FROM cdr_calls c" CALLS_IN_RANGE,
        bridge_id, from, to, now, visit, context);
}

cv_result db_report_legs_each(store_db *database, const char *bridge_id, int64_t from, int64_t to,
                              int64_t now, db_report_span_visit visit, void *context)
{
    return call_spans_each(
        database,
        "SELECT c.bridge_id, NULL, l.connected, coalesce(l.ended, c.ended, ?4), 0"
        " FROM cdr_calls c JOIN cdr_legs l ON l.call_id = c.call_id" CALLS_IN_RANGE
        " AND l.connected IS NOT NULL",
        bridge_id, from, to, now, visit, context);
}

/* The bookings of bridge ?1 (every bridge when NULL) that start in
 * [?2, ?3), as db_report_booking rows; the caller adds the state it
 * reports and the order. */
#define MEETINGS_IN_RANGE                                                                          \
    "SELECT id, title, bridge_id, start_at, end_at, state, failure FROM bookings"                  \
    " WHERE start_at >= ?2 AND start_at < ?3 AND (CAST(?1 AS TEXT) IS NULL OR bridge_id = ?1)"

cv_result db_report_meetings_each(store_db *database, const char *bridge_id, int64_t from,
                                  int64_t to, bool failed_only, db_report_booking_visit visit,
                                  void *context)
{
    store_stmt *statement = NULL;
    cv_result code = store_db_prepare(
        database,
        failed_only ? MEETINGS_IN_RANGE " AND state = 'failed' ORDER BY start_at, id"
                    : MEETINGS_IN_RANGE " AND state = 'ended' AND NOT (cancelled = 1 AND"
                                        " cospace_id IS NULL AND call_id IS NULL)"
                                        " ORDER BY start_at, id",
        &statement);
    store_step_state step = STORE_FAILED;
    if (code != CV_OK)
        return store_db_error(database);
    store_bind_text_or_null(statement, 1, bridge_id);
    store_bind_int64(statement, 2, from);
    store_bind_int64(statement, 3, to);
    cv_result result = CV_OK;
    while (result == CV_OK && (step = store_step(statement)) == STORE_ROW) {
        db_report_booking row = {
            .id = store_column_text_or_empty(statement, 0),
            .title = store_column_text_or_empty(statement, 1),
            .bridge_id = store_column_text_or_empty(statement, 2),
            .start = store_column_int64(statement, 3),
            .end = store_column_int64(statement, 4),
            .state = store_column_text_or_empty(statement, 5),
            .failure = store_column_text_or_empty(statement, 6),
        };
        result = visit(&row, context);
    }
    if (result == CV_OK && step != STORE_DONE)
        result = store_db_error(database);
    store_stmt_done(statement);
    return result;
}
