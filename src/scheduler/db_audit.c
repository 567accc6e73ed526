/* db_audit.c - the SQL of the audit trail; see db_audit.h. Owns that SQL;
 * does not own masking or what is recorded (audit.c). */
#include "scheduler/db_audit.h"

#include <string.h>

#include "common/store_sql.h"

cv_result db_audit_insert(store_db *database, const db_audit_row *row)
{
    store_stmt *statement = store_db_statement(
        database, "INSERT INTO audit (at, actor, address, action, object, details)"
                  " VALUES (?1, ?2, ?3, ?4, ?5, ?6)");
    if (!statement)
        return store_db_error(database);
    store_bind_int64(statement, 1, row->at);
    store_bind_text(statement, 2, row->actor ? row->actor : "");
    store_bind_text_or_null(statement, 3, row->address);
    store_bind_text(statement, 4, row->action);
    store_bind_text_or_null(statement, 5, row->object);
    store_bind_text_or_null(statement, 6, row->details);
    return store_stmt_run(statement);
}

cv_result db_audit_each(store_db *database, const db_audit_filter *filter,
                        cv_result (*visit)(const db_audit_row *row, void *context), void *context)
{
    store_stmt *statement = store_db_statement(
        database, "SELECT id, at, actor, address, action, object, details FROM audit"
                  " WHERE (CAST(?1 AS TEXT) IS NULL OR actor = ?1)"
                  " AND (CAST(?2 AS TEXT) IS NULL OR action = ?2 OR (substr(?2, length(?2)) = '.'"
                  "  AND substr(action, 1, length(?2)) = ?2))"
                  " AND at >= ?3 AND (?4 = 0 OR at < ?4)"
                  " ORDER BY id DESC LIMIT ?5");
    if (!statement)
        return store_db_error(database);
    store_bind_text_or_null(statement, 1, filter->actor);
    store_bind_text_or_null(statement, 2, filter->action);
    store_bind_int64(statement, 3, filter->from);
    store_bind_int64(statement, 4, filter->to);
    store_bind_int64(statement, 5, filter->limit);
    cv_result result = CV_OK;
    store_step_state step;
    while (result == CV_OK && (step = store_step(statement)) == STORE_ROW) {
        db_audit_row row = {
            .id = store_column_int64(statement, 0),
            .at = store_column_int64(statement, 1),
            .actor = store_column_text(statement, 2),
            .address = store_column_text(statement, 3),
            .action = store_column_text(statement, 4),
            .object = store_column_text(statement, 5),
            .details = store_column_text(statement, 6),
        };
        result = visit(&row, context);
    }
    if (result == CV_OK && step != STORE_DONE)
        result = store_db_error(database);
    store_stmt_done(statement);
    return result;
}

cv_result db_audit_purge(store_db *database, int64_t before, int64_t *removed)
{
    store_stmt *statement = store_db_statement(database, "DELETE FROM audit WHERE at < ?1");
    if (!statement)
        return store_db_error(database);
    store_bind_int64(statement, 1, before);
    cv_result result = store_stmt_run(statement);
    *removed = result == CV_OK ? store_db_changes(database) : 0;
    return result;
}
