/*
 * db_bridges.c - the bridges and cluster_members rows written by the
 * status check, provisioning and discovery; see db_bridges.h. Owns their
 * SQL, run through the connection's statement cache (store_sql.h).
 * Also loads the bridge record (bridge_load, bridge_list_ids; declared in
 * bridges.h, where their callers look).
 * Does not own: the SQL of the /bridges API's own writes (bridges_api.c).
 */
#include "scheduler/db_bridges.h"

#include "common/store_sql.h"

#include <stdlib.h>
#include <string.h>

#include "common/log.h"
#include "common/strbuf.h"
#include "common/text.h"
#include "scheduler/bridges.h"
#include "scheduler/db_bridge_secrets.h"

cv_result db_bridge_settings_read(store_db *database, const char *bridge_id,
                                  db_bridge_settings *out)
{
    *out = (db_bridge_settings){NULL, NULL, false, false};
    store_stmt *statement =
        store_db_statement(database, "SELECT name, domain, numeric_id_base IS NOT NULL,"
                                     " numeric_id_quantity IS NOT NULL FROM bridges WHERE id = ?1");
    if (statement == NULL)
        return store_db_error(database);
    store_bind_text(statement, 1, bridge_id);
    store_step_state code = store_step(statement);
    cv_result result = code == STORE_DONE ? CV_ERR_NOT_FOUND : store_db_error(database);
    if (code == STORE_ROW) {
        bool failed = false;
        out->name = store_column_copy(statement, 0, &failed);
        out->domain = store_column_copy(statement, 1, &failed);
        out->has_base = store_column_int(statement, 2) != 0;
        out->has_quantity = store_column_int(statement, 3) != 0;
        result = failed ? CV_ERR_NO_MEMORY : CV_OK;
    }
    store_stmt_done(statement);
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

static cv_result write_status(store_db *database, void *context)
{
    const status_write *write = context;
    const cms_system_status *status = write->status;
    store_stmt *statement;
    if (status) {
        statement =
            store_db_statement(database, "UPDATE bridges SET reachable = 1, last_contact = ?2,"
                                         " software_version = ?3, uptime_seconds = ?4,"
                                         " call_legs_active = ?5, call_legs_max_active = ?6,"
                                         " call_legs_completed = ?7 WHERE id = ?1");
        if (statement) {
            store_bind_int64(statement, 2, (int64_t)write->now);
            store_bind_text(statement, 3, status->software_version);
            store_bind_int64(statement, 4, status->uptime_seconds);
            store_bind_int64(statement, 5, status->call_legs_active);
            store_bind_int64(statement, 6, status->call_legs_max_active);
            store_bind_int64(statement, 7, status->call_legs_completed);
        }
    } else {
        statement = store_db_statement(database, "UPDATE bridges SET reachable = ?2 WHERE id = ?1");
        if (statement)
            store_bind_int(statement, 2, write->answered ? 1 : 0);
    }
    if (statement == NULL)
        return store_db_error(database);
    store_bind_text(statement, 1, write->bridge_id);
    return store_stmt_run(statement);
}

cv_result db_bridge_record_status(store_db *database, const char *bridge_id,
                                  const cms_system_status *status, bool answered, int64_t now)
{
    status_write write = {bridge_id, status, answered, now};
    return store_db_transaction(database, write_status, &write);
}

typedef struct {
    const char *bridge_id;
    const char *texts[3]; /* what the statement binds after the id, in order */
    int64_t numbers[2];
} provisioning_write;

static cv_result write_state(store_db *database, void *context)
{
    const provisioning_write *write = context;
    store_stmt *statement =
        store_db_statement(database, "UPDATE bridges SET provisioning_state = ?2,"
                                     " provisioning_attempted = ?3 WHERE id = ?1");
    if (statement == NULL)
        return store_db_error(database);
    store_bind_text(statement, 1, write->bridge_id);
    store_bind_text(statement, 2, write->texts[0]);
    store_bind_int64(statement, 3, (int64_t)write->numbers[0]);
    return store_stmt_run(statement);
}

static cv_result write_claim(store_db *database, void *context)
{
    const provisioning_write *write = context;
    store_stmt *statement = store_db_statement(
        database, "UPDATE bridges SET provisioning_claim = ?2, provisioning_claim_until = ?4"
                  " WHERE id = ?1 AND (provisioning_claim IS NULL OR provisioning_claim = ?2"
                  " OR provisioning_claim_until < ?3)");
    if (statement == NULL)
        return store_db_error(database);
    store_bind_text(statement, 1, write->bridge_id);
    store_bind_text(statement, 2, write->texts[0]);
    store_bind_int64(statement, 3, write->numbers[0]);
    store_bind_int64(statement, 4, write->numbers[1]);
    cv_result result = store_stmt_run(statement);
    if (result == CV_OK && store_db_changes(database) == 0)
        result = CV_ERR_CONFLICT;
    return result;
}

cv_result db_bridge_claim_provisioning(store_db *database, const char *bridge_id,
                                       const char *node_id, int64_t now, int64_t until,
                                       bool *claimed)
{
    provisioning_write write = {bridge_id, {node_id, NULL, NULL}, {now, until}};
    cv_result result = store_db_transaction(database, write_claim, &write);
    *claimed = result == CV_OK;
    return result == CV_ERR_CONFLICT ? CV_OK : result;
}

static cv_result write_release(store_db *database, void *context)
{
    const provisioning_write *write = context;
    store_stmt *statement = store_db_statement(
        database, "UPDATE bridges SET provisioning_claim = NULL, provisioning_claim_until = 0"
                  " WHERE id = ?1 AND provisioning_claim = ?2");
    if (statement == NULL)
        return store_db_error(database);
    store_bind_text(statement, 1, write->bridge_id);
    store_bind_text(statement, 2, write->texts[0]);
    return store_stmt_run(statement);
}

cv_result db_bridge_release_provisioning(store_db *database, const char *bridge_id,
                                         const char *node_id)
{
    provisioning_write write = {bridge_id, {node_id, NULL, NULL}, {0, 0}};
    return store_db_transaction(database, write_release, &write);
}

cv_result db_bridge_set_provisioning_state(store_db *database, const char *bridge_id,
                                           const char *state, int64_t now)
{
    provisioning_write write = {bridge_id, {state, NULL, NULL}, {now, 0}};
    return store_db_transaction(database, write_state, &write);
}

static cv_result write_objects(store_db *database, void *context)
{
    const provisioning_write *write = context;
    store_stmt *statement = store_db_statement(
        database, "UPDATE bridges SET call_profile_id = COALESCE(?2, call_profile_id),"
                  " call_leg_profile_id = COALESCE(?3, call_leg_profile_id),"
                  " bulk_parameter_set_id = COALESCE(?4, bulk_parameter_set_id)"
                  " WHERE id = ?1");
    if (statement == NULL)
        return store_db_error(database);
    store_bind_text(statement, 1, write->bridge_id);
    for (int index = 0; index < 3; index++)
        store_bind_text_or_null(statement, 2 + index, write->texts[index]);
    return store_stmt_run(statement);
}

cv_result db_bridge_set_provisioned_objects(store_db *database, const char *bridge_id,
                                            const char *call_profile, const char *call_leg_profile,
                                            const char *parameter_set)
{
    provisioning_write write = {bridge_id, {call_profile, call_leg_profile, parameter_set}, {0, 0}};
    return store_db_transaction(database, write_objects, &write);
}

static cv_result write_provisioned(store_db *database, void *context)
{
    const provisioning_write *write = context;
    store_stmt *statement = store_db_statement(
        database, "UPDATE bridges SET provisioned_base = ?2, provisioned_quantity = ?3,"
                  " provisioning_state = CASE WHEN numeric_id_base IS NOT DISTINCT FROM ?2"
                  "  AND numeric_id_quantity IS NOT DISTINCT FROM ?3"
                  "  AND slot_name_prefix = ?4 AND provisioning_state = 'running'"
                  "  THEN 'complete' ELSE 'none' END"
                  " WHERE id = ?1");
    if (statement == NULL)
        return store_db_error(database);
    store_bind_text(statement, 1, write->bridge_id);
    store_bind_int64(statement, 2, write->numbers[0]);
    store_bind_int64(statement, 3, write->numbers[1]);
    store_bind_text(statement, 4, write->texts[0]);
    return store_stmt_run(statement);
}

cv_result db_bridge_mark_provisioned(store_db *database, const char *bridge_id, int64_t base,
                                     int64_t quantity, const char *prefix)
{
    provisioning_write write = {bridge_id, {prefix, NULL, NULL}, {base, quantity}};
    return store_db_transaction(database, write_provisioned, &write);
}

typedef struct {
    const char *bridge_id;
    const discovery_cluster *cluster;
} cluster_write;

static cv_result write_members(store_db *database, void *context)
{
    const cluster_write *write = context;
    store_stmt *erase =
        store_db_statement(database, "DELETE FROM cluster_members WHERE bridge_id = ?1");
    if (erase == NULL)
        return store_db_error(database);
    store_bind_text(erase, 1, write->bridge_id);
    cv_result result = store_stmt_run(erase);
    for (size_t i = 0; result == CV_OK && i < write->cluster->count; i++) {
        const discovery_member *member = &write->cluster->members[i];
        store_stmt *insert =
            store_db_statement(database, "INSERT INTO cluster_members"
                                         " (bridge_id, cms_id, name, address, added, position)"
                                         " VALUES (?1, ?2, ?3, ?4, ?5, ?6)"
                                         " ON CONFLICT (bridge_id, cms_id) DO UPDATE SET"
                                         " name = excluded.name, address = excluded.address,"
                                         " added = excluded.added, position = excluded.position");
        if (insert == NULL)
            return store_db_error(database);
        store_bind_text(insert, 1, write->bridge_id);
        store_bind_text(insert, 2, member->cms_id);
        store_bind_text(insert, 3, member->name);
        store_bind_text(insert, 4, member->address);
        store_bind_int(insert, 5, member->added ? 1 : 0);
        store_bind_int64(insert, 6, (int64_t)i);
        result = store_stmt_run(insert);
    }
    return result;
}

cv_result db_cluster_members_replace(store_db *database, const char *bridge_id,
                                     const discovery_cluster *cluster)
{
    cluster_write write = {bridge_id, cluster};
    return store_db_transaction(database, write_members, &write);
}

cv_result db_bridge_addresses_each(store_db *database, const char *except_bridge_id,
                                   db_bridge_address_visit visit, void *context)
{
    /* Every managed bridge's own and alternate address, and its members. */
    store_stmt *statement = store_db_statement(
        database,
        "SELECT b.id, COALESCE(NULLIF(b.name, ''), b.address), b.address,"
        "  COALESCE(NULLIF(b.name, ''), b.address) FROM bridges b"
        " WHERE CAST(?1 AS TEXT) IS NULL OR b.id <> ?1"
        " UNION ALL SELECT b.id, COALESCE(NULLIF(b.name, ''), b.address), b.alternate_address,"
        "  'the alternate of ' || COALESCE(NULLIF(b.name, ''), b.address) FROM bridges b"
        " WHERE (CAST(?1 AS TEXT) IS NULL OR b.id <> ?1) AND b.alternate_address IS NOT NULL"
        " UNION ALL SELECT b.id, COALESCE(NULLIF(b.name, ''), b.address), m.address,"
        "  COALESCE(NULLIF(m.name, ''), m.cms_id) FROM bridges b"
        " JOIN cluster_members m ON m.bridge_id = b.id"
        " WHERE (CAST(?1 AS TEXT) IS NULL OR b.id <> ?1) AND m.address <> ''");
    if (statement == NULL)
        return store_db_error(database);
    if (except_bridge_id)
        store_bind_text(statement, 1, except_bridge_id);
    else
        store_bind_null(statement, 1);
    store_step_state code;
    while ((code = store_step(statement)) == STORE_ROW) {
        db_bridge_address row = {store_column_text(statement, 0), store_column_text(statement, 1),
                                 store_column_text(statement, 2), store_column_text(statement, 3)};
        if (visit(&row, context)) {
            code = STORE_DONE;
            break;
        }
    }
    store_stmt_done(statement);
    return code == STORE_DONE ? CV_OK : store_db_error(database);
}

/* ---- the bridge record (declared in bridges.h) ------------------------------ */

#define RECORD_COLUMNS                                                                             \
    "id, address, username, password, tls_verify, ca_file, pinned_certificate, name, domain,"      \
    " numeric_id_base, numeric_id_quantity, alternate_address, alternate_username,"                \
    " alternate_password, allow_booking, slot_name_prefix, software_version, reachable,"           \
    " last_contact, uptime_seconds, call_legs_active, call_legs_max_active,"                       \
    " call_legs_completed, call_profile_id, call_leg_profile_id, bulk_parameter_set_id,"           \
    " provisioned_base, provisioned_quantity, provisioning_state, provisioning_attempted,"         \
    " created, allowed_members"

/* The clear text of a sealed password column (NULL stays NULL). Sets
 * *unopened, and logs why, when it cannot be opened. */
static char *open_password(store_stmt *statement, int column, const char *bridge_id,
                           const char *name, bool *failed, bool *unopened)
{
    char *plain = NULL;
    strbuf error = STRBUF_INIT;
    cv_result result = db_bridge_secret_open(bridge_id, name, store_column_text(statement, column),
                                             &plain, &error);
    if (result == CV_ERR_NO_MEMORY) {
        *failed = true;
    } else if (result != CV_OK) {
        log_error("bridge %s: its %s cannot be opened: %s", bridge_id, name, strbuf_str(&error));
        *unopened = true;
    }
    strbuf_free(&error);
    return plain;
}

/* The row into *out, passwords opened. CV_ERR_AUTH when a password cannot
 * be opened with the key (logged). */
static cv_result read_record(store_stmt *statement, bridge_record *out)
{
    memset(out, 0, sizeof *out);
    bool failed = false;
    snprintf(out->id, sizeof out->id, "%s", store_column_text(statement, 0));
    out->address = store_column_copy(statement, 1, &failed);
    out->username = store_column_copy(statement, 2, &failed);
    bool unopened = false;
    out->password = open_password(statement, 3, out->id, DB_BRIDGE_PASSWORD, &failed, &unopened);
    out->tls_verify = store_column_int(statement, 4) != 0;
    out->ca_file = store_column_copy(statement, 5, &failed);
    out->pinned_certificate = store_column_copy(statement, 6, &failed);
    out->name = store_column_copy(statement, 7, &failed);
    out->domain = store_column_copy(statement, 8, &failed);
    out->has_numeric_id_base = store_column_type(statement, 9) != STORE_NULL;
    out->numeric_id_base = store_column_int64(statement, 9);
    out->has_numeric_id_quantity = store_column_type(statement, 10) != STORE_NULL;
    out->numeric_id_quantity = store_column_int64(statement, 10);
    out->alternate_address = store_column_copy(statement, 11, &failed);
    out->alternate_username = store_column_copy(statement, 12, &failed);
    out->alternate_password =
        open_password(statement, 13, out->id, DB_BRIDGE_ALTERNATE_PASSWORD, &failed, &unopened);
    out->allow_booking = store_column_int(statement, 14) != 0;
    out->slot_name_prefix = store_column_copy(statement, 15, &failed);
    out->software_version = store_column_copy(statement, 16, &failed);
    out->reachable = store_column_int(statement, 17) != 0;
    out->last_contact = store_column_int64(statement, 18);
    out->uptime_seconds = store_column_int64(statement, 19);
    out->call_legs_active = store_column_int64(statement, 20);
    out->call_legs_max_active = store_column_int64(statement, 21);
    out->call_legs_completed = store_column_int64(statement, 22);
    out->call_profile_id = store_column_copy(statement, 23, &failed);
    out->call_leg_profile_id = store_column_copy(statement, 24, &failed);
    out->bulk_parameter_set_id = store_column_copy(statement, 25, &failed);
    out->has_provisioned_range = store_column_type(statement, 26) != STORE_NULL &&
                                 store_column_type(statement, 27) != STORE_NULL;
    out->provisioned_base = store_column_int64(statement, 26);
    out->provisioned_quantity = store_column_int64(statement, 27);
    out->provisioning_state = store_column_copy(statement, 28, &failed);
    out->provisioning_attempted = store_column_int64(statement, 29);
    out->created = store_column_int64(statement, 30);
    out->allowed_members = store_column_copy(statement, 31, &failed);
    if (failed || unopened) {
        bridge_record_free(out);
        return failed ? CV_ERR_NO_MEMORY : CV_ERR_AUTH;
    }
    return CV_OK;
}

cv_result bridge_load(store_db *database, const char *bridge_id, bridge_record *out)
{
    memset(out, 0, sizeof *out);
    store_stmt *statement = NULL;
    cv_result code = store_db_prepare(
        database, "SELECT " RECORD_COLUMNS " FROM bridges WHERE id = ?1", &statement);
    store_step_state step = STORE_FAILED;
    if (code == CV_OK)
        code = store_bind_text(statement, 1, bridge_id);
    if (code == CV_OK)
        step = store_step(statement);
    cv_result result;
    if (step == STORE_ROW)
        result = read_record(statement, out);
    else if (step == STORE_DONE)
        result = CV_ERR_NOT_FOUND;
    else
        result = store_db_error(database);
    store_stmt_done(statement);
    return result;
}

cv_result bridge_list_ids(store_db *database, char ***ids, size_t *count)
{
    *ids = NULL;
    *count = 0;
    store_stmt *statement = NULL;
    cv_result code =
        store_db_prepare(database, "SELECT id FROM bridges ORDER BY created, id", &statement);
    store_step_state step = STORE_FAILED;
    cv_result result = CV_OK;
    while (code == CV_OK && (step = store_step(statement)) == STORE_ROW) {
        code = CV_OK;
        char **grown = realloc(*ids, (*count + 1) * sizeof *grown);
        char *id = strdup(store_column_text(statement, 0));
        if (!grown || !id) {
            free(id);
            if (grown)
                *ids = grown;
            result = CV_ERR_NO_MEMORY;
            break;
        }
        *ids = grown;
        (*ids)[(*count)++] = id;
    }
    if (result == CV_OK && step != STORE_DONE)
        result = store_db_error(database);
    store_stmt_done(statement);
    if (result != CV_OK) {
        bridge_free_ids(*ids, *count);
        *ids = NULL;
        *count = 0;
    }
    return result;
}

cv_result db_cluster_member_addresses_each(store_db *database, const char *bridge_id,
                                           db_member_address_visit visit, void *context)
{
    store_stmt *statement =
        store_db_statement(database, "SELECT address FROM cluster_members WHERE bridge_id = ?1"
                                     " AND added = 0 AND address <> '' ORDER BY position");
    if (statement == NULL)
        return store_db_error(database);
    store_bind_text(statement, 1, bridge_id);
    cv_result result = CV_OK;
    store_step_state code = STORE_DONE;
    while (result == CV_OK && (code = store_step(statement)) == STORE_ROW)
        result = visit(store_column_text(statement, 0), context);
    if (result == CV_OK && code != STORE_DONE)
        result = store_db_error(database);
    store_stmt_done(statement);
    return result;
}

cv_result db_cluster_members_each(store_db *database, const char *bridge_id,
                                  db_cluster_member_visit visit, void *context)
{
    store_stmt *statement =
        store_db_statement(database, "SELECT name, address, added FROM cluster_members"
                                     " WHERE bridge_id = ?1 ORDER BY position");
    if (statement == NULL)
        return store_db_error(database);
    store_bind_text(statement, 1, bridge_id);
    cv_result result = CV_OK;
    store_step_state code = STORE_DONE;
    while (result == CV_OK && (code = store_step(statement)) == STORE_ROW) {
        const char *name = store_column_text(statement, 0);
        const char *address = store_column_text(statement, 1);
        result = visit(name ? name : "", address ? address : "",
                       store_column_int(statement, 2) != 0, context);
    }
    if (result == CV_OK && code != STORE_DONE)
        result = store_db_error(database);
    store_stmt_done(statement);
    return result;
}

cv_result db_bridge_placements_each(store_db *database, db_bridge_placement_visit visit,
                                    void *context)
{
    store_stmt *statement = NULL;
    cv_result code = store_db_prepare(
        database,
        "SELECT id, name, domain, allow_booking, provisioning_state, provisioned_base,"
        " provisioned_quantity FROM bridges ORDER BY created, id",
        &statement);
    store_step_state step = STORE_FAILED;
    if (code != CV_OK)
        return store_db_error(database);
    cv_result result = CV_OK;
    while (result == CV_OK && (step = store_step(statement)) == STORE_ROW) {
        db_bridge_placement row = {
            store_column_text(statement, 0),
            store_column_text(statement, 1),
            store_column_text(statement, 2),
            store_column_int(statement, 3) != 0,
            store_column_text(statement, 4),
            store_column_type(statement, 5) != STORE_NULL &&
                store_column_type(statement, 6) != STORE_NULL,
            store_column_int64(statement, 5),
            store_column_int64(statement, 6),
        };
        result = visit(&row, context);
    }
    store_stmt_done(statement);
    if (result == CV_OK && step != STORE_DONE)
        result = store_db_error(database);
    return result;
}

/* ---- the /bridges API's writes -------------------------------------------- */

/* Binds ?1 .. ?16 and ?22, the settings columns both the INSERT and the
 * UPDATE take in this order; `sealed` holds the row's passwords as stored. */
static void bind_settings(store_stmt *statement, const db_bridge_settings_row *row,
                          const db_bridge_passwords *sealed)
{
    store_bind_text(statement, 1, row->id);
    store_bind_text(statement, 2, row->address);
    store_bind_text(statement, 3, row->username);
    store_bind_text(statement, 4, sealed->password);
    store_bind_int(statement, 5, row->tls_verify ? 1 : 0);
    store_bind_text_or_null(statement, 6, row->ca_file);
    store_bind_text_or_null(statement, 7, row->pinned_certificate);
    store_bind_text_or_null(statement, 8, row->name);
    store_bind_text_or_null(statement, 9, row->domain);
    if (row->has_base)
        store_bind_int64(statement, 10, row->base);
    if (row->has_quantity)
        store_bind_int64(statement, 11, row->quantity);
    store_bind_text_or_null(statement, 12, row->alternate_address);
    store_bind_text_or_null(statement, 13, row->alternate_username);
    store_bind_text_or_null(statement, 14, sealed->alternate_password);
    store_bind_int(statement, 15, row->allow_booking ? 1 : 0);
    store_bind_text(statement, 16, row->slot_name_prefix);
    /* "" (no member allowed) is kept apart from NULL (any member). */
    store_bind_text(statement, 22, row->allowed_members);
}

typedef struct {
    const db_bridge_settings_row *row;
    const db_bridge_update_scope *scope; /* the UPDATE only */
    int64_t created;                     /* the INSERT only */
    db_bridge_passwords sealed;          /* the row's passwords, sealed for it */
} settings_write;

static cv_result write_insert(store_db *database, void *context)
{
    const settings_write *write = context;
    store_stmt *statement = NULL;
    cv_result code = store_db_prepare(
        database,
        "INSERT INTO bridges (id, address, username, password, tls_verify, ca_file,"
        " pinned_certificate, name, domain, numeric_id_base, numeric_id_quantity,"
        " alternate_address, alternate_username, alternate_password, allow_booking,"
        " slot_name_prefix, created, allowed_members)"
        " VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14, ?15, ?16, ?17,"
        " ?22)",
        &statement);
    if (code != CV_OK)
        return store_db_error(database);
    bind_settings(statement, write->row, &write->sealed);
    store_bind_int64(statement, 17, (int64_t)write->created);
    return store_stmt_run(statement);
}

/* Runs `work` (write_insert or write_update) with the row's passwords
 * sealed for it into write->sealed. */
static cv_result write_sealed(store_db *database, settings_write *write, store_db_work work)
{
    cv_result result = db_bridge_passwords_seal(write->row->id, write->row->password,
                                                write->row->alternate_password, &write->sealed);
    if (result == CV_OK)
        result = store_db_transaction(database, work, write);
    db_bridge_passwords_free(&write->sealed);
    return result;
}

cv_result db_bridge_insert(store_db *database, const db_bridge_settings_row *row, int64_t created)
{
    settings_write write = {row, NULL, created, {NULL, NULL}};
    return write_sealed(database, &write, write_insert);
}

static cv_result write_update(store_db *database, void *context)
{
    const settings_write *write = context;
    store_stmt *statement = NULL;
    cv_result code = store_db_prepare(
        database,
        "UPDATE bridges SET address = ?2, username = ?3, password = ?4, tls_verify = ?5,"
        " ca_file = ?6, pinned_certificate = ?7,"
        " name = CASE WHEN ?17 THEN ?8 ELSE name END,"
        " domain = CASE WHEN ?18 THEN ?9 ELSE domain END,"
        " numeric_id_base = ?10, numeric_id_quantity = ?11, alternate_address = ?12,"
        " alternate_username = CASE WHEN ?19 THEN ?13 ELSE alternate_username END,"
        " alternate_password = CASE WHEN ?20 THEN ?14 ELSE alternate_password END,"
        " allow_booking = ?15, slot_name_prefix = ?16,"
        " provisioning_state = CASE WHEN ?21 THEN 'none' ELSE provisioning_state END,"
        " allowed_members = CASE WHEN ?23 THEN ?22 ELSE allowed_members END"
        " WHERE id = ?1",
        &statement);
    if (code != CV_OK)
        return store_db_error(database);
    bind_settings(statement, write->row, &write->sealed);
    store_bind_int(statement, 17, write->scope->name);
    store_bind_int(statement, 18, write->scope->domain);
    store_bind_int(statement, 19, write->scope->alternate_username);
    store_bind_int(statement, 20, write->scope->alternate_password);
    store_bind_int(statement, 21, write->scope->range_changed);
    store_bind_int(statement, 23, write->scope->allowed_members);
    return store_stmt_run(statement);
}

cv_result db_bridge_update(store_db *database, const db_bridge_settings_row *row,
                           const db_bridge_update_scope *scope)
{
    /* The password is sealed anew even when unchanged: a fresh nonce. */
    settings_write write = {row, scope, 0, {NULL, NULL}};
    return write_sealed(database, &write, write_update);
}

typedef struct {
    const char *bridge_id;
    bool *removed;
} removal;

static cv_result write_removal(store_db *database, void *context)
{
    const removal *change = context;
    store_stmt *statement = store_db_statement(database, "DELETE FROM bridges WHERE id = ?1");
    if (statement == NULL)
        return store_db_error(database);
    store_bind_text(statement, 1, change->bridge_id);
    cv_result result = store_stmt_run(statement);
    *change->removed = result == CV_OK && store_db_changes(database) > 0;
    return result;
}

cv_result db_bridge_remove(store_db *database, const char *bridge_id, bool *removed)
{
    *removed = false;
    removal change = {bridge_id, removed};
    return store_db_transaction(database, write_removal, &change);
}
