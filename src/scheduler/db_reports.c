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

#include "common/store.h"

static const char *text_or(sqlite3_stmt *statement, int column, const char *fallback)
{
    const unsigned char *text = sqlite3_column_text(statement, column);
    return text ? (const char *)text : fallback;
}

/* Runs a prepared query of (bridge, slot, from, to, peak) rows. */
static cv_result walk_spans(sqlite3_stmt *statement, db_report_span_visit visit, void *context)
{
    int code;
    cv_result result = CV_OK;
    while (result == CV_OK && (code = sqlite3_step(statement)) == SQLITE_ROW) {
        db_report_span span = {
            .bridge_id = text_or(statement, 0, ""),
            .slot = sqlite3_column_type(statement, 1) == SQLITE_NULL
                        ? -1
                        : sqlite3_column_int64(statement, 1),
            .from = sqlite3_column_int64(statement, 2),
            .to = sqlite3_column_int64(statement, 3),
            .peak = sqlite3_column_int64(statement, 4),
        };
        result = visit(&span, context);
    }
    if (result == CV_OK && code != SQLITE_DONE)
        result = store_result(code);
    store_statement_done(statement);
    return result;
}

cv_result db_report_bookings_each(sqlite3 *database, const char *bridge_id, int64_t from,
                                  int64_t to, db_report_span_visit visit, void *context)
{
    sqlite3_stmt *statement = NULL;
    int code =
        store_prepare(database,
                      "SELECT bridge_id, slot, start_at, end_at, 0 FROM bookings"
                      " WHERE start_at < ?3 AND start_at >= ?2 - (SELECT coalesce(max(longest), 0)"
                      " FROM booking_span) AND end_at > ?2 AND bridge_id = ?1 AND state != 'failed'"
                      " AND NOT (cancelled = 1 AND cospace_id IS NULL AND call_id IS NULL)",
                      &statement);
    if (code != SQLITE_OK)
        return store_result(code);
    sqlite3_bind_text(statement, 1, bridge_id, -1, SQLITE_STATIC);
    sqlite3_bind_int64(statement, 2, from);
    sqlite3_bind_int64(statement, 3, to);
    return walk_spans(statement, visit, context);
}

cv_result db_report_calls_each(sqlite3 *database, const char *bridge_id, int64_t from, int64_t to,
                               int64_t now, db_report_span_visit visit, void *context)
{
    sqlite3_stmt *statement = NULL;
    int code = store_prepare(
        database,
        "SELECT c.bridge_id, (SELECT s.slot FROM slot_spaces s WHERE s.bridge_id = c.bridge_id"
        " AND s.cospace_id = c.cospace_id), c.started, coalesce(c.ended, ?4),"
        " coalesce(c.max_active, 0) FROM cdr_calls c"
        " WHERE c.bridge_id = ?1 AND c.started < ?3 AND c.started >= ?2 - (SELECT"
        " coalesce(max(coalesce(ended, ?4) - started), 0) FROM cdr_calls WHERE bridge_id = ?1)"
        " AND coalesce(c.ended, ?4) > ?2",
        &statement);
    if (code != SQLITE_OK)
        return store_result(code);
    sqlite3_bind_text(statement, 1, bridge_id, -1, SQLITE_STATIC);
    sqlite3_bind_int64(statement, 2, from);
    sqlite3_bind_int64(statement, 3, to);
    sqlite3_bind_int64(statement, 4, now);
    return walk_spans(statement, visit, context);
}

cv_result db_report_legs_each(sqlite3 *database, const char *bridge_id, int64_t from, int64_t to,
                              int64_t now, db_report_span_visit visit, void *context)
{
    sqlite3_stmt *statement = NULL;
    int code = store_prepare(
        database,
        "SELECT c.bridge_id, NULL, l.connected, coalesce(l.ended, c.ended, ?4), 0"
        " FROM cdr_calls c JOIN cdr_legs l ON l.call_id = c.call_id"
        " WHERE c.bridge_id = ?1 AND c.started < ?3 AND c.started >= ?2 - (SELECT"
        " coalesce(max(coalesce(ended, ?4) - started), 0) FROM cdr_calls WHERE bridge_id = ?1)"
        " AND coalesce(c.ended, ?4) > ?2 AND l.connected IS NOT NULL",
        &statement);
    if (code != SQLITE_OK)
        return store_result(code);
    sqlite3_bind_text(statement, 1, bridge_id, -1, SQLITE_STATIC);
    sqlite3_bind_int64(statement, 2, from);
    sqlite3_bind_int64(statement, 3, to);
    sqlite3_bind_int64(statement, 4, now);
    return walk_spans(statement, visit, context);
}

cv_result db_report_meetings_each(sqlite3 *database, const char *bridge_id, int64_t from,
                                  int64_t to, bool failed_only, db_report_booking_visit visit,
                                  void *context)
{
    sqlite3_stmt *statement = NULL;
    int code = store_prepare(
        database,
        failed_only ? "SELECT id, title, bridge_id, start_at, end_at, state, failure FROM bookings"
                      " WHERE start_at >= ?2 AND start_at < ?3 AND (?1 IS NULL OR bridge_id = ?1)"
                      " AND state = 'failed' ORDER BY start_at, id"
                    : "SELECT id, title, bridge_id, start_at, end_at, state, failure FROM bookings"
                      " WHERE start_at >= ?2 AND start_at < ?3 AND (?1 IS NULL OR bridge_id = ?1)"
                      " AND state = 'ended' AND NOT (cancelled = 1 AND cospace_id IS NULL"
                      " AND call_id IS NULL) ORDER BY start_at, id",
        &statement);
    if (code != SQLITE_OK)
        return store_result(code);
    store_bind_text_or_null(statement, 1, bridge_id);
    sqlite3_bind_int64(statement, 2, from);
    sqlite3_bind_int64(statement, 3, to);
    cv_result result = CV_OK;
    while (result == CV_OK && (code = sqlite3_step(statement)) == SQLITE_ROW) {
        db_report_booking row = {
            .id = text_or(statement, 0, ""),
            .title = text_or(statement, 1, ""),
            .bridge_id = text_or(statement, 2, ""),
            .start = sqlite3_column_int64(statement, 3),
            .end = sqlite3_column_int64(statement, 4),
            .state = text_or(statement, 5, ""),
            .failure = text_or(statement, 6, ""),
        };
        result = visit(&row, context);
    }
    if (result == CV_OK && code != SQLITE_DONE)
        result = store_result(code);
    store_statement_done(statement);
    return result;
}
