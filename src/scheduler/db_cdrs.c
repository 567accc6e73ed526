/*
 * db_cdrs.c - the SQL on the CDR tables; see db_cdrs.h.
 *
 * Owns: storing records once and folding each into its call or leg row
 * (order-independent upserts), and reading a meeting's legs back.
 * Does not own: the tables (db_schema.c, migration 7).
 */
#include "scheduler/db_cdrs.h"

#include <stdio.h>
#include <string.h>

#include "common/store_sql.h"

/* Records the record itself; *fresh false when it was stored before. */
static cv_result store_record(store_db *database, const cdr_batch *batch, const cdr_record *record,
                              bool *fresh)
{
    store_stmt *statement = NULL;
    cv_result code = store_db_prepare(database,
                                      "INSERT INTO cdr_records (session, record_index, type, time)"
                                      " VALUES (?1, ?2, ?3, ?4) ON CONFLICT DO NOTHING",
                                      &statement);
    if (code != CV_OK)
        return store_db_error(database);
    store_bind_text(statement, 1, batch->session);
    store_bind_int64(statement, 2, record->record_index);
    store_bind_text(statement, 3, record->type);
    store_bind_int64(statement, 4, record->time);
    cv_result result = store_stmt_run(statement);
    *fresh = result == CV_OK && store_db_changes(database) > 0;
    return result;
}

/* The upsert for a record of `kind`: each sets only what its record
 * tells, so the order records arrive in does not matter (a connection
 * keeps the earliest time told). */
static const char *upsert_sql(cdr_kind kind, const char *state)
{
    switch (kind) {
    case CDR_KIND_CALL_START:
        return "INSERT INTO cdr_calls (call_id, bridge_id, cospace_id, name, started)"
               " VALUES (?1, ?2, ?3, ?4, ?5) ON CONFLICT(call_id) DO UPDATE SET"
               " bridge_id = coalesce(cdr_calls.bridge_id, excluded.bridge_id),"
               " cospace_id = excluded.cospace_id, name = excluded.name,"
               " started = excluded.started";
    case CDR_KIND_CALL_END:
        return "INSERT INTO cdr_calls (call_id, bridge_id, ended, max_active)"
               " VALUES (?1, ?2, ?5, ?6) ON CONFLICT(call_id) DO UPDATE SET"
               " bridge_id = coalesce(cdr_calls.bridge_id, excluded.bridge_id),"
               " ended = excluded.ended, max_active = excluded.max_active";
    case CDR_KIND_LEG_START:
        return "INSERT INTO cdr_legs (leg_id, call_id, remote_party, direction, started)"
               " VALUES (?1, ?7, ?8, ?9, ?5) ON CONFLICT(leg_id) DO UPDATE SET"
               " call_id = excluded.call_id, remote_party = excluded.remote_party,"
               " direction = excluded.direction, started = excluded.started";
    case CDR_KIND_LEG_UPDATE:
        if (strcmp(state, "connected") != 0)
            return "INSERT INTO cdr_legs (leg_id, call_id) VALUES (?1, nullif(?7, ''))"
                   " ON CONFLICT(leg_id) DO UPDATE SET"
                   " call_id = coalesce(cdr_legs.call_id, excluded.call_id)";
        return "INSERT INTO cdr_legs (leg_id, call_id, connected)"
               " VALUES (?1, nullif(?7, ''), ?5) ON CONFLICT(leg_id) DO UPDATE SET"
               " call_id = coalesce(cdr_legs.call_id, excluded.call_id),"
               " connected = CASE WHEN cdr_legs.connected IS NULL"
               "  OR excluded.connected < cdr_legs.connected"
               " THEN excluded.connected ELSE cdr_legs.connected END";
    case CDR_KIND_LEG_END:
        return "INSERT INTO cdr_legs (leg_id, ended, reason, remote_teardown)"
               " VALUES (?1, ?5, ?10, ?11) ON CONFLICT(leg_id) DO UPDATE SET"
               " ended = excluded.ended, reason = excluded.reason,"
               " remote_teardown = excluded.remote_teardown";
    default:
        return NULL;
    }
}

/* Folds one new record into its call or leg row. */
static cv_result fold_record(store_db *database, const cdr_record *record, const char *bridge_id)
{
    const char *sql = upsert_sql(record->kind, record->state);
    if (sql == NULL || record->object_id[0] == '\0')
        return CV_OK; /* kept as a record only */
    store_stmt *statement = NULL;
    cv_result code = store_db_prepare(database, sql, &statement);
    if (code != CV_OK)
        return store_db_error(database);
    /* every statement names the parameters it uses; unused ones are ignored */
    int count = store_bind_count(statement);
    store_bind_text(statement, 1, record->object_id);
    if (count >= 2)
        store_bind_text_or_null(statement, 2, bridge_id);
    if (count >= 3)
        store_bind_text_or_null(statement, 3, record->cospace_id);
    if (count >= 4)
        store_bind_text(statement, 4, record->name);
    if (count >= 5)
        store_bind_int64(statement, 5, record->time);
    if (count >= 6)
        store_bind_int64(statement, 6, record->max_active);
    if (count >= 7)
        store_bind_text(statement, 7, record->call_id);
    if (count >= 8)
        store_bind_text(statement, 8, record->remote_party);
    if (count >= 9)
        store_bind_text(statement, 9, record->direction);
    if (count >= 10)
        store_bind_text(statement, 10, record->reason);
    if (count >= 11)
        store_bind_int(statement, 11, record->remote_teardown ? 1 : 0);
    return store_stmt_run(statement);
}

typedef struct {
    const cdr_batch *batch;
    const char *bridge_id;
    size_t stored;
} batch_write;

/* store_db_work: every record of the batch `context`. */
static cv_result write_batch(store_db *database, void *context)
{
    batch_write *write = context;
    write->stored = 0;
    for (size_t index = 0; index < write->batch->count; index++) {
        const cdr_record *record = &write->batch->records[index];
        bool fresh = false;
        cv_result result = store_record(database, write->batch, record, &fresh);
        if (result == CV_OK && fresh)
            result = fold_record(database, record, write->bridge_id);
        if (result != CV_OK)
            return result;
        write->stored += fresh;
    }
    return CV_OK;
}

cv_result db_cdrs_store_batch(store_db *database, const cdr_batch *batch, const char *bridge_id,
                              size_t *stored)
{
    batch_write write = {batch, bridge_id, 0};
    cv_result result = store_db_transaction(database, write_batch, &write);
    *stored = result == CV_OK ? write.stored : 0;
    return result;
}

cv_result db_cdrs_each_leg_of_meeting(store_db *database, const char *call_id,
                                      const char *cospace_id, int64_t from, int64_t to,
                                      db_cdr_leg_visit visit, void *context)
{
    store_stmt *statement = NULL;
    cv_result code = store_db_prepare(
        database,
        "SELECT leg_id, call_id, remote_party, direction, started, connected, ended, reason,"
        " remote_teardown FROM cdr_legs WHERE call_id = ?1 OR call_id IN"
        " (SELECT call_id FROM cdr_calls WHERE cospace_id = ?2 AND started >= ?3"
        " AND started < ?4) ORDER BY coalesce(started, connected, ended), leg_id",
        &statement);
    store_step_state step = STORE_FAILED;
    if (code != CV_OK)
        return store_db_error(database);
    store_bind_text(statement, 1, call_id);
    store_bind_text(statement, 2, cospace_id);
    store_bind_int64(statement, 3, from);
    store_bind_int64(statement, 4, to);
    cv_result result = CV_OK;
    while (result == CV_OK && (step = store_step(statement)) == STORE_ROW) {
        db_cdr_leg leg = {
            .leg_id = store_column_text_or_empty(statement, 0),
            .call_id = store_column_text_or_empty(statement, 1),
            .remote_party = store_column_text_or_empty(statement, 2),
            .direction = store_column_text_or_empty(statement, 3),
            .started = store_column_int64_or(statement, 4, -1),
            .connected = store_column_int64_or(statement, 5, -1),
            .ended = store_column_int64_or(statement, 6, -1),
            .reason = store_column_text_or_empty(statement, 7),
            .remote_teardown = store_column_int(statement, 8) != 0,
        };
        result = visit(&leg, context);
    }
    if (result == CV_OK && step != STORE_DONE)
        result = store_db_error(database);
    store_stmt_done(statement);
    return result;
}
