/*
 * db_tickets.c - the tickets rows; see db_tickets.h. Owns their SQL, run
 * through the connection's statement cache (store_sql.h).
 * Does not own: the ticket rules (tickets.c).
 */
#include "scheduler/db_tickets.h"

#include "common/store_sql.h"

typedef struct {
    const char *id;
    const char *bridge_id;
    const char *kind;
    const char *message;
    int64_t opened;
    bool *changed;
} ticket_write;

static cv_result run_counting(store_db *database, store_stmt *statement, bool *changed)
{
    cv_result result = store_stmt_run(statement);
    if (changed)
        *changed = result == CV_OK && store_db_changes(database) > 0;
    return result;
}

static cv_result open_row(store_db *database, void *context)
{
    const ticket_write *write = context;
    store_stmt *statement =
        store_db_statement(database, "INSERT INTO tickets (id, bridge_id, kind, message, opened)"
                                     " VALUES (?1, ?2, ?3, ?4, ?5)"
                                     " ON CONFLICT (bridge_id, kind) DO UPDATE SET message = ?4"
                                     " WHERE tickets.message <> ?4");
    if (statement == NULL)
        return store_db_error(database);
    store_bind_text(statement, 1, write->id);
    store_bind_text(statement, 2, write->bridge_id);
    store_bind_text(statement, 3, write->kind);
    store_bind_text(statement, 4, write->message);
    store_bind_int64(statement, 5, (int64_t)write->opened);
    return run_counting(database, statement, write->changed);
}

cv_result db_ticket_open(store_db *database, const char *id, const char *bridge_id,
                         const char *kind, const char *message, int64_t opened, bool *changed)
{
    ticket_write write = {id, bridge_id, kind, message, opened, changed};
    return store_db_transaction(database, open_row, &write);
}

static cv_result clear_row(store_db *database, void *context)
{
    const ticket_write *write = context;
    store_stmt *statement =
        store_db_statement(database, "DELETE FROM tickets WHERE bridge_id = ?1 AND kind = ?2");
    if (statement == NULL)
        return store_db_error(database);
    store_bind_text(statement, 1, write->bridge_id);
    store_bind_text(statement, 2, write->kind);
    return run_counting(database, statement, write->changed);
}

cv_result db_ticket_clear(store_db *database, const char *bridge_id, const char *kind,
                          bool *changed)
{
    ticket_write write = {NULL, bridge_id, kind, NULL, 0, changed};
    return store_db_transaction(database, clear_row, &write);
}

/* Hands every row of a statement already bound to `visit`; columns are
 * id, bridge_id, kind, message, opened. Hands the statement back. */
static cv_result visit_rows(store_stmt *statement, db_ticket_visit visit, void *context, bool *any)
{
    cv_result result = CV_OK;
    store_step_state code = STORE_DONE;
    while (result == CV_OK && (code = store_step(statement)) == STORE_ROW) {
        db_ticket row = {store_column_text(statement, 0), store_column_text(statement, 1),
                         store_column_text(statement, 2), store_column_text(statement, 3),
                         store_column_int64(statement, 4)};
        *any = true;
        result = visit(&row, context);
    }
    if (result == CV_OK && code != STORE_DONE)
        result = store_stmt_error(statement);
    store_stmt_done(statement);
    return result;
}

cv_result db_tickets_each(store_db *database, const char *bridge_id, db_ticket_visit visit,
                          void *context)
{
    store_stmt *statement = store_db_statement(
        database, "SELECT id, bridge_id, kind, message, opened FROM tickets"
                  " WHERE CAST(?1 AS TEXT) IS NULL OR bridge_id = ?1 ORDER BY opened, kind");
    if (statement == NULL)
        return store_db_error(database);
    if (bridge_id)
        store_bind_text(statement, 1, bridge_id);
    else
        store_bind_null(statement, 1);
    bool any = false;
    return visit_rows(statement, visit, context, &any);
}

cv_result db_ticket_find(store_db *database, const char *id, db_ticket_visit visit, void *context)
{
    store_stmt *statement =
        store_db_statement(database, "SELECT id, bridge_id, kind, message, opened FROM tickets"
                                     " WHERE id = ?1");
    if (statement == NULL)
        return store_db_error(database);
    store_bind_text(statement, 1, id);
    bool any = false;
    cv_result result = visit_rows(statement, visit, context, &any);
    return result == CV_OK && !any ? CV_ERR_NOT_FOUND : result;
}
