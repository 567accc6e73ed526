/*
 * db_bridges.c - the bridges and cluster_members rows written by the
 * status check, provisioning and discovery; see db_bridges.h. Owns their
 * SQL, run through the connection's statement cache (store.h).
 * Does not own: the SQL of the bridge record and its API (bridges.c,
 * bridges_api.c).
 */
#include "scheduler/db_bridges.h"

#include <stdlib.h>

cv_result db_bridge_settings_read(sqlite3 *database, const char *bridge_id, db_bridge_settings *out)
{
    *out = (db_bridge_settings){NULL, NULL, false, false};
    sqlite3_stmt *statement =
        store_statement(database, "SELECT name, domain, numeric_id_base IS NOT NULL,"
                                  " numeric_id_quantity IS NOT NULL FROM bridges WHERE id = ?1");
    if (statement == NULL)
        return store_result(sqlite3_errcode(database));
    sqlite3_bind_text(statement, 1, bridge_id, -1, SQLITE_TRANSIENT);
    int code = sqlite3_step(statement);
    cv_result result = code == SQLITE_DONE ? CV_ERR_NOT_FOUND : store_result(code);
    if (code == SQLITE_ROW) {
        bool failed = false;
        out->name = store_column_copy(statement, 0, &failed);
        out->domain = store_column_copy(statement, 1, &failed);
        out->has_base = sqlite3_column_int(statement, 2) != 0;
        out->has_quantity = sqlite3_column_int(statement, 3) != 0;
        result = failed ? CV_ERR_NO_MEMORY : CV_OK;
    }
    store_statement_done(statement);
    if (result != CV_OK)
        db_bridge_settings_free(out);
    return result;
}

void db_bridge_settings_free(db_bridge_settings *settings)
{
    free(settings->name);
    free(settings->domain);
    settings->name = settings->domain = NULL;
}

typedef struct {
    const char *bridge_id;
    const cms_system_status *status;
    bool answered;
    int64_t now;
} status_write;

static cv_result write_status(sqlite3 *database, void *context)
{
    const status_write *write = context;
    const cms_system_status *status = write->status;
    sqlite3_stmt *statement;
    if (status) {
        statement = store_statement(database, "UPDATE bridges SET reachable = 1, last_contact = ?2,"
                                              " software_version = ?3, uptime_seconds = ?4,"
                                              " call_legs_active = ?5, call_legs_max_active = ?6,"
                                              " call_legs_completed = ?7 WHERE id = ?1");
        if (statement) {
            sqlite3_bind_int64(statement, 2, (sqlite3_int64)write->now);
            sqlite3_bind_text(statement, 3, status->software_version, -1, SQLITE_TRANSIENT);
            sqlite3_bind_int64(statement, 4, status->uptime_seconds);
            sqlite3_bind_int64(statement, 5, status->call_legs_active);
            sqlite3_bind_int64(statement, 6, status->call_legs_max_active);
            sqlite3_bind_int64(statement, 7, status->call_legs_completed);
        }
    } else {
        statement = store_statement(database, "UPDATE bridges SET reachable = ?2 WHERE id = ?1");
        if (statement)
            sqlite3_bind_int(statement, 2, write->answered ? 1 : 0);
    }
    if (statement == NULL)
        return store_result(sqlite3_errcode(database));
    sqlite3_bind_text(statement, 1, write->bridge_id, -1, SQLITE_TRANSIENT);
    return store_statement_run(statement);
}

cv_result db_bridge_record_status(sqlite3 *database, const char *bridge_id,
                                  const cms_system_status *status, bool answered, int64_t now)
{
    status_write write = {bridge_id, status, answered, now};
    return store_atomically(database, write_status, &write);
}

typedef struct {
    const char *bridge_id;
    const char *texts[3]; /* what the statement binds after the id, in order */
    int64_t numbers[2];
} provisioning_write;

static cv_result write_state(sqlite3 *database, void *context)
{
    const provisioning_write *write = context;
    sqlite3_stmt *statement =
        store_statement(database, "UPDATE bridges SET provisioning_state = ?2,"
                                  " provisioning_attempted = ?3 WHERE id = ?1");
    if (statement == NULL)
        return store_result(sqlite3_errcode(database));
    sqlite3_bind_text(statement, 1, write->bridge_id, -1, SQLITE_TRANSIENT);
    sqlite3_bind_text(statement, 2, write->texts[0], -1, SQLITE_TRANSIENT);
    sqlite3_bind_int64(statement, 3, (sqlite3_int64)write->numbers[0]);
    return store_statement_run(statement);
}

cv_result db_bridge_set_provisioning_state(sqlite3 *database, const char *bridge_id,
                                           const char *state, int64_t now)
{
    provisioning_write write = {bridge_id, {state, NULL, NULL}, {now, 0}};
    return store_atomically(database, write_state, &write);
}

static cv_result write_objects(sqlite3 *database, void *context)
{
    const provisioning_write *write = context;
    sqlite3_stmt *statement = store_statement(
        database, "UPDATE bridges SET call_profile_id = COALESCE(?2, call_profile_id),"
                  " call_leg_profile_id = COALESCE(?3, call_leg_profile_id),"
                  " bulk_parameter_set_id = COALESCE(?4, bulk_parameter_set_id)"
                  " WHERE id = ?1");
    if (statement == NULL)
        return store_result(sqlite3_errcode(database));
    sqlite3_bind_text(statement, 1, write->bridge_id, -1, SQLITE_TRANSIENT);
    for (int index = 0; index < 3; index++)
        store_bind_text_or_null(statement, 2 + index, write->texts[index]);
    return store_statement_run(statement);
}

cv_result db_bridge_set_provisioned_objects(sqlite3 *database, const char *bridge_id,
                                            const char *call_profile, const char *call_leg_profile,
                                            const char *parameter_set)
{
    provisioning_write write = {bridge_id, {call_profile, call_leg_profile, parameter_set}, {0, 0}};
    return store_atomically(database, write_objects, &write);
}

static cv_result write_provisioned(sqlite3 *database, void *context)
{
    const provisioning_write *write = context;
    sqlite3_stmt *statement = store_statement(
        database,
        "UPDATE bridges SET provisioned_base = ?2, provisioned_quantity = ?3,"
        " provisioning_state = CASE WHEN numeric_id_base IS ?2 AND numeric_id_quantity IS ?3"
        "  AND slot_name_prefix = ?4 AND provisioning_state = 'running'"
        "  THEN 'complete' ELSE 'none' END"
        " WHERE id = ?1");
    if (statement == NULL)
        return store_result(sqlite3_errcode(database));
    sqlite3_bind_text(statement, 1, write->bridge_id, -1, SQLITE_TRANSIENT);
    sqlite3_bind_int64(statement, 2, write->numbers[0]);
    sqlite3_bind_int64(statement, 3, write->numbers[1]);
    sqlite3_bind_text(statement, 4, write->texts[0], -1, SQLITE_TRANSIENT);
    return store_statement_run(statement);
}

cv_result db_bridge_mark_provisioned(sqlite3 *database, const char *bridge_id, int64_t base,
                                     int64_t quantity, const char *prefix)
{
    provisioning_write write = {bridge_id, {prefix, NULL, NULL}, {base, quantity}};
    return store_atomically(database, write_provisioned, &write);
}

typedef struct {
    const char *bridge_id;
    const discovery_cluster *cluster;
} cluster_write;

static cv_result write_members(sqlite3 *database, void *context)
{
    const cluster_write *write = context;
    sqlite3_stmt *erase =
        store_statement(database, "DELETE FROM cluster_members WHERE bridge_id = ?1");
    if (erase == NULL)
        return store_result(sqlite3_errcode(database));
    sqlite3_bind_text(erase, 1, write->bridge_id, -1, SQLITE_TRANSIENT);
    cv_result result = store_statement_run(erase);
    for (size_t i = 0; result == CV_OK && i < write->cluster->count; i++) {
        const discovery_member *member = &write->cluster->members[i];
        sqlite3_stmt *insert =
            store_statement(database, "INSERT OR REPLACE INTO cluster_members"
                                      " (bridge_id, cms_id, name, address, added, position)"
                                      " VALUES (?1, ?2, ?3, ?4, ?5, ?6)");
        if (insert == NULL)
            return store_result(sqlite3_errcode(database));
        sqlite3_bind_text(insert, 1, write->bridge_id, -1, SQLITE_TRANSIENT);
        sqlite3_bind_text(insert, 2, member->cms_id, -1, SQLITE_TRANSIENT);
        sqlite3_bind_text(insert, 3, member->name, -1, SQLITE_TRANSIENT);
        sqlite3_bind_text(insert, 4, member->address, -1, SQLITE_TRANSIENT);
        sqlite3_bind_int(insert, 5, member->added ? 1 : 0);
        sqlite3_bind_int64(insert, 6, (sqlite3_int64)i);
        result = store_statement_run(insert);
    }
    return result;
}

cv_result db_cluster_members_replace(sqlite3 *database, const char *bridge_id,
                                     const discovery_cluster *cluster)
{
    cluster_write write = {bridge_id, cluster};
    return store_atomically(database, write_members, &write);
}

cv_result db_bridge_addresses_each(sqlite3 *database, const char *except_bridge_id,
                                   db_bridge_address_visit visit, void *context)
{
    /* Every managed bridge's own and alternate address, and its members. */
    sqlite3_stmt *statement = store_statement(
        database,
        "SELECT b.id, COALESCE(NULLIF(b.name, ''), b.address), b.address,"
        "  COALESCE(NULLIF(b.name, ''), b.address) FROM bridges b"
        " WHERE ?1 IS NULL OR b.id <> ?1"
        " UNION ALL SELECT b.id, COALESCE(NULLIF(b.name, ''), b.address), b.alternate_address,"
        "  'the alternate of ' || COALESCE(NULLIF(b.name, ''), b.address) FROM bridges b"
        " WHERE (?1 IS NULL OR b.id <> ?1) AND b.alternate_address IS NOT NULL"
        " UNION ALL SELECT b.id, COALESCE(NULLIF(b.name, ''), b.address), m.address,"
        "  COALESCE(NULLIF(m.name, ''), m.cms_id) FROM bridges b"
        " JOIN cluster_members m ON m.bridge_id = b.id"
        " WHERE (?1 IS NULL OR b.id <> ?1) AND m.address <> ''");
    if (statement == NULL)
        return store_result(sqlite3_errcode(database));
    if (except_bridge_id)
        sqlite3_bind_text(statement, 1, except_bridge_id, -1, SQLITE_TRANSIENT);
    else
        sqlite3_bind_null(statement, 1);
    int code;
    while ((code = sqlite3_step(statement)) == SQLITE_ROW) {
        db_bridge_address row = {(const char *)sqlite3_column_text(statement, 0),
                                 (const char *)sqlite3_column_text(statement, 1),
                                 (const char *)sqlite3_column_text(statement, 2),
                                 (const char *)sqlite3_column_text(statement, 3)};
        if (visit(&row, context)) {
            code = SQLITE_DONE;
            break;
        }
    }
    store_statement_done(statement);
    return code == SQLITE_DONE ? CV_OK : store_result(code);
}
