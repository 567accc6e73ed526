/* db_audit.c - the SQL of the audit trail; see db_audit.h. Owns that SQL;
 * does not own masking or what is recorded (audit.c). */
#include "scheduler/db_audit.h"

#include <string.h>

#include "common/store.h"

cv_result db_audit_insert(sqlite3 *database, const db_audit_row *row)
{
    sqlite3_stmt *statement =
        store_statement(database, "INSERT INTO audit (at, actor, address, action, object, details)"
                                  " VALUES (?1, ?2, ?3, ?4, ?5, ?6)");
    if (!statement)
        return store_result(sqlite3_errcode(database));
    sqlite3_bind_int64(statement, 1, row->at);
    sqlite3_bind_text(statement, 2, row->actor ? row->actor : "", -1, SQLITE_TRANSIENT);
    store_bind_text_or_null(statement, 3, row->address);
    sqlite3_bind_text(statement, 4, row->action, -1, SQLITE_TRANSIENT);
    store_bind_text_or_null(statement, 5, row->object);
    store_bind_text_or_null(statement, 6, row->details);
    return store_statement_run(statement);
}

cv_result db_audit_each(sqlite3 *database, const db_audit_filter *filter,
                        cv_result (*visit)(const db_audit_row *row, void *context), void *context)
{
    sqlite3_stmt *statement = store_statement(
        database, "SELECT id, at, actor, address, action, object, details FROM audit"
                  " WHERE (?1 IS NULL OR actor = ?1)"
                  " AND (?2 IS NULL OR action = ?2 OR (substr(?2, -1) = '.'"
                  "  AND substr(action, 1, length(?2)) = ?2))"
                  " AND at >= ?3 AND (?4 = 0 OR at < ?4)"
                  " ORDER BY id DESC LIMIT ?5");
    if (!statement)
        return store_result(sqlite3_errcode(database));
    store_bind_text_or_null(statement, 1, filter->actor);
    store_bind_text_or_null(statement, 2, filter->action);
    sqlite3_bind_int64(statement, 3, filter->from);
    sqlite3_bind_int64(statement, 4, filter->to);
    sqlite3_bind_int64(statement, 5, filter->limit);
    cv_result result = CV_OK;
    int step;
    while (result == CV_OK && (step = sqlite3_step(statement)) == SQLITE_ROW) {
        db_audit_row row = {
            .id = sqlite3_column_int64(statement, 0),
            .at = sqlite3_column_int64(statement, 1),
            .actor = (const char *)sqlite3_column_text(statement, 2),
            .address = (const char *)sqlite3_column_text(statement, 3),
            .action = (const char *)sqlite3_column_text(statement, 4),
            .object = (const char *)sqlite3_column_text(statement, 5),
            .details = (const char *)sqlite3_column_text(statement, 6),
        };
        result = visit(&row, context);
    }
    if (result == CV_OK && step != SQLITE_DONE)
        result = store_result(step);
    store_statement_done(statement);
    return result;
}

cv_result db_audit_purge(sqlite3 *database, int64_t before, int64_t *removed)
{
    sqlite3_stmt *statement = store_statement(database, "DELETE FROM audit WHERE at < ?1");
    if (!statement)
        return store_result(sqlite3_errcode(database));
    sqlite3_bind_int64(statement, 1, before);
    cv_result result = store_statement_run(statement);
    *removed = result == CV_OK ? sqlite3_changes(database) : 0;
    return result;
}
