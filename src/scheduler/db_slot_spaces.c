/*
 * db_slot_spaces.c - the slot_spaces table; see db_slot_spaces.h. Owns
 * its SQL, run through the connection's statement cache (store.h).
 */
#include "scheduler/db_slot_spaces.h"

#include <stdio.h>

#include "common/store.h"

cv_result db_slot_space_find(sqlite3 *database, const char *bridge_id, int64_t slot,
                             char out[ID_TEXT_SIZE])
{
    sqlite3_stmt *statement = store_statement(
        database, "SELECT cospace_id FROM slot_spaces WHERE bridge_id = ?1 AND slot = ?2");
    if (statement == NULL)
        return store_result(sqlite3_errcode(database));
    sqlite3_bind_text(statement, 1, bridge_id, -1, SQLITE_STATIC);
    sqlite3_bind_int64(statement, 2, slot);
    int code = sqlite3_step(statement);
    cv_result result = CV_ERR_NOT_FOUND;
    if (code == SQLITE_ROW) {
        const char *id = (const char *)sqlite3_column_text(statement, 0);
        snprintf(out, ID_TEXT_SIZE, "%s", id ? id : "");
        result = id && id[0] ? CV_OK : CV_ERR_NOT_FOUND;
    } else if (code != SQLITE_DONE) {
        result = store_result(code);
    }
    store_statement_done(statement);
    return result;
}

cv_result db_slot_space_remember(sqlite3 *database, const char *bridge_id, int64_t slot,
                                 const char *cospace_id)
{
    sqlite3_stmt *statement = store_statement(
        database, "INSERT INTO slot_spaces (bridge_id, slot, cospace_id) VALUES (?1, ?2, ?3)"
                  " ON CONFLICT (bridge_id, slot) DO UPDATE SET cospace_id = excluded.cospace_id");
    if (statement == NULL)
        return store_result(sqlite3_errcode(database));
    sqlite3_bind_text(statement, 1, bridge_id, -1, SQLITE_STATIC);
    sqlite3_bind_int64(statement, 2, slot);
    sqlite3_bind_text(statement, 3, cospace_id, -1, SQLITE_STATIC);
    return store_statement_run(statement);
}

cv_result db_slot_space_forget(sqlite3 *database, const char *bridge_id, int64_t slot)
{
    sqlite3_stmt *statement =
        store_statement(database, "DELETE FROM slot_spaces WHERE bridge_id = ?1 AND slot = ?2");
    if (statement == NULL)
        return store_result(sqlite3_errcode(database));
    sqlite3_bind_text(statement, 1, bridge_id, -1, SQLITE_STATIC);
    sqlite3_bind_int64(statement, 2, slot);
    return store_statement_run(statement);
}

cv_result db_slot_spaces_count(sqlite3 *database, const char *bridge_id, int64_t base,
                               int64_t quantity, int64_t *count)
{
    sqlite3_stmt *statement =
        store_statement(database, "SELECT count(*) FROM slot_spaces WHERE bridge_id = ?1"
                                  " AND slot >= ?2 AND slot < ?2 + ?3");
    if (statement == NULL)
        return store_result(sqlite3_errcode(database));
    sqlite3_bind_text(statement, 1, bridge_id, -1, SQLITE_STATIC);
    sqlite3_bind_int64(statement, 2, base);
    sqlite3_bind_int64(statement, 3, quantity);
    int code = sqlite3_step(statement);
    *count = code == SQLITE_ROW ? sqlite3_column_int64(statement, 0) : 0;
    store_statement_done(statement);
    return code == SQLITE_ROW ? CV_OK : store_result(code);
}

typedef struct {
    const char *bridge_id;
    const db_slot_space *spaces;
    size_t count;
} replacement;

static cv_result replace_rows(sqlite3 *database, void *context)
{
    const replacement *change = context;
    sqlite3_stmt *statement =
        store_statement(database, "DELETE FROM slot_spaces WHERE bridge_id = ?1");
    if (statement == NULL)
        return store_result(sqlite3_errcode(database));
    sqlite3_bind_text(statement, 1, change->bridge_id, -1, SQLITE_STATIC);
    cv_result result = store_statement_run(statement);
    for (size_t index = 0; result == CV_OK && index < change->count; index++)
        result = db_slot_space_remember(database, change->bridge_id, change->spaces[index].slot,
                                        change->spaces[index].cospace_id);
    return result;
}

cv_result db_slot_spaces_replace(sqlite3 *database, const char *bridge_id,
                                 const db_slot_space *spaces, size_t count)
{
    replacement change = {bridge_id, spaces, count};
    return store_transaction(database, replace_rows, &change);
}
