/*
 * object_store_claims.c - the SQL of the cluster-wide claims of spaces'
 * active calls (table space_calls): which node runs a space's call.
 *
 * Owns: claiming (check and write in one transaction) and releasing
 * claims. Does not own: when a node claims (calls.c), the schema.
 */
#include "bridge/object_store.h"

#include <stdio.h>
#include <string.h>

#include "bridge/object_store_internal.h"
#include "common/store_sql.h"

/* --- the space's active call across the cluster (space_calls) ---------------- */

/* The node holding the space's claim into `holder` ("" when none). */
static cv_result read_claim_holder(store_db *database, const char *cospace_id, char *holder,
                                   size_t size)
{
    holder[0] = '\0';
    store_stmt *statement =
        store_db_statement(database, "SELECT node FROM space_calls WHERE cospace = ?1");
    if (!statement)
        return store_db_error(database);
    store_bind_text(statement, 1, cospace_id);
    store_step_state state = store_step(statement);
    if (state == STORE_ROW)
        snprintf(holder, size, "%s", store_column_text(statement, 0));
    cv_result result = state == STORE_FAILED ? store_stmt_error(statement) : CV_OK;
    store_stmt_done(statement);
    return result;
}

cv_result object_claim_space_call(store_db *database, const char *cospace_id, const char *node,
                                  const char *call_id, const char *stale_holder, char *holder,
                                  size_t holder_size)
{
    cv_result result = store_db_begin(database);
    if (result != CV_OK)
        return result;
    result = read_claim_holder(database, cospace_id, holder, holder_size);
    if (result == CV_OK && holder[0] && !(stale_holder && strcmp(holder, stale_holder) == 0))
        result = CV_ERR_CONFLICT;
    const char *texts[] = {cospace_id, node, call_id};
    if (result == CV_OK)
        result = object_store_run(
            database,
            "INSERT INTO space_calls(cospace, node, call) VALUES (?1, ?2, ?3)"
            " ON CONFLICT (cospace) DO UPDATE SET node = excluded.node, call = excluded.call",
            texts, 3, NULL, NULL);
    if (result == CV_OK)
        result = store_db_commit(database);
    else
        store_db_rollback(database);
    return result;
}

cv_result object_release_call_claim(store_db *database, const char *call_id)
{
    const char *texts[] = {call_id};
    return object_store_run(database, "DELETE FROM space_calls WHERE call = ?1", texts, 1, NULL,
                            NULL);
}

cv_result object_release_space_claim(store_db *database, const char *cospace_id, const char *node)
{
    const char *texts[] = {cospace_id, node};
    return object_store_run(database, "DELETE FROM space_calls WHERE cospace = ?1 AND node = ?2",
                            texts, 2, NULL, NULL);
}

cv_result object_release_node_claims(store_db *database, const char *node)
{
    const char *texts[] = {node};
    return object_store_run(database, "DELETE FROM space_calls WHERE node = ?1", texts, 1, NULL,
                            NULL);
}
