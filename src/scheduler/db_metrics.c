/*
 * db_metrics.c - the grouped counts behind /metrics; see db_metrics.h.
 * Owns their SQL, run through the connection's statement cache.
 */
#include "scheduler/db_metrics.h"

#include "common/store_sql.h"

/* Columns: label, second label (or NULL), number. */
static const char *const queries[] = {
    [DB_METRICS_BOOKINGS_BY_STATE] = "SELECT state, NULL, COUNT(*) FROM bookings GROUP BY state",
    [DB_METRICS_TICKETS_BY_KIND] = "SELECT kind, NULL, COUNT(*) FROM tickets GROUP BY kind",
    [DB_METRICS_OUTBOX_BY_STATE] = "SELECT state, NULL, COUNT(*) FROM outbox GROUP BY state",
    [DB_METRICS_BRIDGE_REACHABLE] =
        "SELECT id, COALESCE(name, ''), reachable <> 0 FROM bridges ORDER BY id",
};

cv_result db_metrics_read(store_db *database, db_metrics_query query, db_metrics_row visit,
                          void *context)
{
    if ((size_t)query >= sizeof queries / sizeof queries[0])
        return CV_ERR_INVALID;
    store_stmt *statement = store_db_statement(database, queries[query]);
    if (!statement)
        return store_db_error(database);
    store_step_state code;
    while ((code = store_step(statement)) == STORE_ROW)
        visit(context, store_column_text(statement, 0), store_column_text(statement, 1),
              store_column_int64(statement, 2));
    store_stmt_done(statement);
    return code == STORE_DONE ? CV_OK : store_db_error(database);
}
