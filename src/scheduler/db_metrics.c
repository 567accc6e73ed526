/*
 * db_metrics.c - the grouped counts behind /metrics; see db_metrics.h.
 * Owns their SQL, run through the connection's statement cache.
 */
#include "scheduler/db_metrics.h"

#include "common/store.h"

/* Columns: label, second label (or NULL), number. */
static const char *const queries[] = {
    [DB_METRICS_BOOKINGS_BY_STATE] = "SELECT state, NULL, COUNT(*) FROM bookings GROUP BY state",
    [DB_METRICS_TICKETS_BY_KIND] = "SELECT kind, NULL, COUNT(*) FROM tickets GROUP BY kind",
    [DB_METRICS_OUTBOX_BY_STATE] = "SELECT state, NULL, COUNT(*) FROM outbox GROUP BY state",
    [DB_METRICS_BRIDGE_REACHABLE] =
        "SELECT id, COALESCE(name, ''), reachable <> 0 FROM bridges ORDER BY id",
};

cv_result db_metrics_read(sqlite3 *database, db_metrics_query query, db_metrics_row visit,
                          void *context)
{
    if ((size_t)query >= sizeof queries / sizeof queries[0])
        return CV_ERR_INVALID;
    sqlite3_stmt *statement = store_statement(database, queries[query]);
    if (!statement)
        return store_result(sqlite3_errcode(database));
    int code;
    while ((code = sqlite3_step(statement)) == SQLITE_ROW)
        visit(context, (const char *)sqlite3_column_text(statement, 0),
              (const char *)sqlite3_column_text(statement, 1), sqlite3_column_int64(statement, 2));
    store_statement_done(statement);
    return code == SQLITE_DONE ? CV_OK : store_result(code);
}
