/*
 * db_slot_spaces.c - the slot_spaces table; see db_slot_spaces.h. Owns
 * its SQL, run through the connection's statement cache (store_sql.h); every
 * write through store_db_transaction (the caller's transaction or its own).
 */
#include "scheduler/db_slot_spaces.h"

#include <stdio.h>

#include "common/store_sql.h"

cv_result db_slot_space_find(store_db *database, const char *bridge_id, int64_t slot,
                             char out[ID_TEXT_SIZE])
{
    store_stmt *statement = store_db_statement(
        database, "SELECT cospace_id FROM slot_spaces WHERE bridge_id = ?1 AND slot = ?2");
    if (statement == NULL)
        return store_db_error(database);
    store_bind_text(statement, 1, bridge_id);
    store_bind_int64(statement, 2, slot);
    store_step_state code = store_step(statement);
    cv_result result = CV_ERR_NOT_FOUND;
    if (code == STORE_ROW) {
        const char *id = store_column_text(statement, 0);
        snprintf(out, ID_TEXT_SIZE, "%s", id ? id : "");
        result = id && id[0] ? CV_OK : CV_ERR_NOT_FOUND;
    } else if (code != STORE_DONE) {
        result = store_db_error(database);
    }
    store_stmt_done(statement);
    return result;
}

typedef struct {
    const char *bridge_id;
    int64_t slot;
    const char *cospace_id; /* NULL: forget the slot's space */
} slot_change;

static cv_result write_slot(store_db *database, void *context)
{
    const slot_change *change = context;
    store_stmt *statement =
        change->cospace_id
            ? store_db_statement(
                  database,
                  "INSERT INTO slot_spaces (bridge_id, slot, cospace_id) VALUES (?1, ?2, ?3)"
                  " ON CONFLICT (bridge_id, slot) DO UPDATE SET cospace_id = excluded.cospace_id")
            : store_db_statement(database,
                                 "DELETE FROM slot_spaces WHERE bridge_id = ?1 AND slot = ?2");
    if (statement == NULL)
        return store_db_error(database);
    store_bind_text(statement, 1, change->bridge_id);
    store_bind_int64(statement, 2, change->slot);
    if (change->cospace_id)
        store_bind_text(statement, 3, change->cospace_id);
    return store_stmt_run(statement);
}

cv_result db_slot_space_remember(store_db *database, const char *bridge_id, int64_t slot,
                                 const char *cospace_id)
{
    slot_change change = {bridge_id, slot, cospace_id};
    return store_db_transaction(database, write_slot, &change);
}

cv_result db_slot_space_forget(store_db *database, const char *bridge_id, int64_t slot)
{
    slot_change change = {bridge_id, slot, NULL};
    return store_db_transaction(database, write_slot, &change);
}

cv_result db_slot_spaces_count(store_db *database, const char *bridge_id, int64_t base,
                               int64_t quantity, int64_t *count)
{
    store_stmt *statement =
        store_db_statement(database, "SELECT count(*) FROM slot_spaces WHERE bridge_id = ?1"
                                     " AND slot >= ?2 AND slot < ?2 + ?3");
    if (statement == NULL)
        return store_db_error(database);
    store_bind_text(statement, 1, bridge_id);
    store_bind_int64(statement, 2, base);
    store_bind_int64(statement, 3, quantity);
    store_step_state code = store_step(statement);
    *count = code == STORE_ROW ? store_column_int64(statement, 0) : 0;
    store_stmt_done(statement);
    return code == STORE_ROW ? CV_OK : store_db_error(database);
}

typedef struct {
    const char *bridge_id;
    const db_slot_space *spaces;
    size_t count;
} replacement;

static cv_result replace_rows(store_db *database, void *context)
{
    const replacement *change = context;
    store_stmt *statement =
        store_db_statement(database, "DELETE FROM slot_spaces WHERE bridge_id = ?1");
    if (statement == NULL)
        return store_db_error(database);
    store_bind_text(statement, 1, change->bridge_id);
    cv_result result = store_stmt_run(statement);
    for (size_t index = 0; result == CV_OK && index < change->count; index++)
        result = db_slot_space_remember(database, change->bridge_id, change->spaces[index].slot,
                                        change->spaces[index].cospace_id);
    return result;
}

cv_result db_slot_spaces_replace(store_db *database, const char *bridge_id,
                                 const db_slot_space *spaces, size_t count)
{
    replacement change = {bridge_id, spaces, count};
    return store_db_transaction(database, replace_rows, &change);
}
