/*
 * db_tickets.c - the tickets rows; see db_tickets.h. Owns their SQL, run
 * through the connection's statement cache (store.h).
 * Does not own: the ticket rules (tickets.c).
 */
#include "scheduler/db_tickets.h"

#include "common/store.h"

typedef struct {
    const char *id;
    const char *bridge_id;
    const char *kind;
    const char *message;
    int64_t opened;
    bool *changed;
} ticket_write;

static cv_result run_counting(sqlite3 *database, sqlite3_stmt *statement, bool *changed)
{
    cv_result result = store_statement_run(statement);
    if (changed)
        *changed = result == CV_OK && sqlite3_changes(database) > 0;
    return result;
}

static cv_result open_row(sqlite3 *database, void *context)
{
    const ticket_write *write = context;
    sqlite3_stmt *statement =
        store_statement(database, "INSERT INTO tickets (id, bridge_id, kind, message, opened)"
                                  " VALUES (?1, ?2, ?3, ?4, ?5)"
                                  " ON CONFLICT (bridge_id, kind) DO UPDATE SET message = ?4"
                                  " WHERE message <> ?4");
    if (statement == NULL)
        return store_result(sqlite3_errcode(database));
    sqlite3_bind_text(statement, 1, write->id, -1, SQLITE_TRANSIENT);
    sqlite3_bind_text(statement, 2, write->bridge_id, -1, SQLITE_TRANSIENT);
    sqlite3_bind_text(statement, 3, write->kind, -1, SQLITE_STATIC);
    sqlite3_bind_text(statement, 4, write->message, -1, SQLITE_TRANSIENT);
    sqlite3_bind_int64(statement, 5, (sqlite3_int64)write->opened);
    return run_counting(database, statement, write->changed);
}

cv_result db_ticket_open(sqlite3 *database, const char *id, const char *bridge_id, const char *kind,
                         const char *message, int64_t opened, bool *changed)
{
    ticket_write write = {id, bridge_id, kind, message, opened, changed};
    return store_atomically(database, open_row, &write);
}

static cv_result clear_row(sqlite3 *database, void *context)
{
    const ticket_write *write = context;
    sqlite3_stmt *statement =
        store_statement(database, "DELETE FROM tickets WHERE bridge_id = ?1 AND kind = ?2");
    if (statement == NULL)
        return store_result(sqlite3_errcode(database));
    sqlite3_bind_text(statement, 1, write->bridge_id, -1, SQLITE_TRANSIENT);
    sqlite3_bind_text(statement, 2, write->kind, -1, SQLITE_STATIC);
    return run_counting(database, statement, write->changed);
}

cv_result db_ticket_clear(sqlite3 *database, const char *bridge_id, const char *kind, bool *changed)
{
    ticket_write write = {NULL, bridge_id, kind, NULL, 0, changed};
    return store_atomically(database, clear_row, &write);
}

/* Hands every row of a statement already bound to `visit`; columns are
 * id, bridge_id, kind, message, opened. Hands the statement back. */
static cv_result visit_rows(sqlite3_stmt *statement, db_ticket_visit visit, void *context,
                            bool *any)
{
    cv_result result = CV_OK;
    int code = SQLITE_DONE;
    while (result == CV_OK && (code = sqlite3_step(statement)) == SQLITE_ROW) {
        db_ticket row = {(const char *)sqlite3_column_text(statement, 0),
                         (const char *)sqlite3_column_text(statement, 1),
                         (const char *)sqlite3_column_text(statement, 2),
                         (const char *)sqlite3_column_text(statement, 3),
                         sqlite3_column_int64(statement, 4)};
        *any = true;
        result = visit(&row, context);
    }
    if (result == CV_OK && code != SQLITE_DONE)
        result = store_result(code);
    store_statement_done(statement);
    return result;
}

cv_result db_tickets_each(sqlite3 *database, const char *bridge_id, db_ticket_visit visit,
                          void *context)
{
    sqlite3_stmt *statement =
        store_statement(database, "SELECT id, bridge_id, kind, message, opened FROM tickets"
                                  " WHERE ?1 IS NULL OR bridge_id = ?1 ORDER BY opened, kind");
    if (statement == NULL)
        return store_result(sqlite3_errcode(database));
    if (bridge_id)
        sqlite3_bind_text(statement, 1, bridge_id, -1, SQLITE_TRANSIENT);
    else
        sqlite3_bind_null(statement, 1);
    bool any = false;
    return visit_rows(statement, visit, context, &any);
}

cv_result db_ticket_find(sqlite3 *database, const char *id, db_ticket_visit visit, void *context)
{
    sqlite3_stmt *statement =
        store_statement(database, "SELECT id, bridge_id, kind, message, opened FROM tickets"
                                  " WHERE id = ?1");
    if (statement == NULL)
        return store_result(sqlite3_errcode(database));
    sqlite3_bind_text(statement, 1, id, -1, SQLITE_TRANSIENT);
    bool any = false;
    cv_result result = visit_rows(statement, visit, context, &any);
    return result == CV_OK && !any ? CV_ERR_NOT_FOUND : result;
}
