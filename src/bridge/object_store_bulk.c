/*
 * object_store_bulk.c - the SQL of bulk provisioning's syncs: running one
 * sync (its transaction, savepoint, temporary table of mapped values,
 * clash queries and writes) and the sync queue's claims. See bulk_sync.c
 * for how a sync runs and is claimed.
 *
 * Owns: these statements and the steps of a sync that run them. Does not
 * own: listing and reading back the parameter sets
 * (object_store_bulk_sets.c), the routes or the worker thread
 * (bulk_sync.c, bulk_parameter_set.c), the mapping grammar
 * (bulk_mapping.c).
 */
#include "bridge/bulk_parameter_set.h"
#include "bridge/bulk_sync.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "bridge/bulk_mapping.h"
#include "bridge/cospace.h"
#include "bridge/object_store.h"
#include "common/log.h"
#include "bridge/object_store_internal.h"
#include "common/store_sql.h"
#include "common/text.h"

/* How long a claim outlives the hold before other nodes may take the sync
 * over (its node must have died: see REQUEUE_EXPIRED_SQL). */
#define CLAIM_LEASE_MILLISECONDS 10000

/* Unix time in milliseconds by the database's clock (the queue's clock,
 * one for every node). julianday('now') is SQLite's; the PostgreSQL
 * schema defines the same function (schema_postgresql.c). */
#define SQL_NOW_MS "CAST((julianday('now') - 2440587.5) * 86400000 AS BIGINT)"

/* --- running one sync ---------------------------------------------------- */

static const char READ_SYNC_SQL[] =
    "SELECT cospace_bulk_parameter_set, remove_all FROM cospace_bulk_syncs"
    " WHERE id = ?1 AND status = '" STATUS_RUNNING "' AND claimed_by IS NOT DISTINCT FROM ?2";
static const char PROFILE_EXISTS_SQL[] = "SELECT EXISTS(SELECT 1 FROM call_profiles WHERE id = ?1),"
                                         " EXISTS(SELECT 1 FROM call_leg_profiles WHERE id = ?2)";
static const char DELETE_ALL_SQL[] = "DELETE FROM cospaces WHERE bulk_parameter_set = ?1";
static const char DELETE_OUTSIDE_SQL[] =
    "DELETE FROM cospaces WHERE bulk_parameter_set = ?1"
    " AND (bulk_index IS NULL OR bulk_index < ?2 OR bulk_index > ?3)";
static const char COUNT_KEPT_SQL[] = "SELECT count(*) FROM cospaces WHERE bulk_parameter_set = ?1";
/* A temporary table (the connection's own, on both databases); named
 * without a schema, which finds the temporary one first on both. */
static const char CREATE_VALUES_SQL[] = "CREATE TEMP TABLE IF NOT EXISTS bulk_sync_values("
                                        " bulk_index BIGINT PRIMARY KEY, uri TEXT, call_id TEXT);"
                                        "DELETE FROM bulk_sync_values;";
static const char DROP_VALUES_SQL[] = "DROP TABLE IF EXISTS bulk_sync_values";
/* The temporary table's rows go in several at a time (store_sql_append_values):
 * ?1, ?2, ?3 are the first row's index, URI and call ID, ?4… the next. */
static const char INSERT_VALUES_HEAD[] = "INSERT INTO bulk_sync_values(bulk_index, uri, call_id)";
static const char INSERT_VALUES_ROW[] = "rrr";
/* ?1 is the set. A URI is taken when another space (not made by this set)
 * has it as URI, any space but the one for the same index has it as
 * secondary URI, or an access method of any other space has it. */
static const char URI_CLASH_SQL[] =
    "SELECT EXISTS(SELECT 1 FROM bulk_sync_values n WHERE n.uri IS NOT NULL AND ("
    " EXISTS(SELECT 1 FROM cospaces c WHERE c.uri = n.uri"
    "    AND c.bulk_parameter_set IS DISTINCT FROM ?1)"
    " OR EXISTS(SELECT 1 FROM cospaces c WHERE c.secondary_uri = n.uri"
    "    AND NOT (c.bulk_parameter_set IS NOT DISTINCT FROM ?1"
    "    AND c.bulk_index IS NOT DISTINCT FROM n.bulk_index))"
    " OR EXISTS(SELECT 1 FROM access_methods a WHERE a.uri = n.uri AND a.cospace IS DISTINCT FROM"
    "    (SELECT c.id FROM cospaces c WHERE c.bulk_parameter_set = ?1"
    "     AND c.bulk_index = n.bulk_index))))";
static const char CALL_ID_CLASH_SQL[] =
    "SELECT EXISTS(SELECT 1 FROM bulk_sync_values n WHERE n.call_id IS NOT NULL AND ("
    " EXISTS(SELECT 1 FROM cospaces c WHERE c.call_id = n.call_id"
    "    AND c.bulk_parameter_set IS DISTINCT FROM ?1)"
    " OR EXISTS(SELECT 1 FROM access_methods a WHERE a.call_id = n.call_id"
    "    AND a.cospace IS DISTINCT FROM (SELECT c.id FROM cospaces c"
    "     WHERE c.bulk_parameter_set = ?1 AND c.bulk_index = n.bulk_index))))";
/* True when one of the set's own spaces holds a value another index is
 * about to take (the mappings changed): those must be cleared first or
 * the unique indexes would refuse the in-place updates half-way. */
static const char OWN_VALUES_MOVE_SQL[] =
    "SELECT EXISTS(SELECT 1 FROM bulk_sync_values n JOIN cospaces c ON c.uri = n.uri"
    "    WHERE c.bulk_parameter_set = ?1 AND c.bulk_index IS DISTINCT FROM n.bulk_index)"
    " OR EXISTS(SELECT 1 FROM bulk_sync_values n JOIN cospaces c ON c.call_id = n.call_id"
    "    WHERE c.bulk_parameter_set = ?1 AND c.bulk_index IS DISTINCT FROM n.bulk_index)";
static const char CLEAR_OWN_VALUES_SQL[] =
    "UPDATE cospaces SET uri = NULL, call_id = NULL WHERE bulk_parameter_set = ?1";
/* The spaces go in several at a time (store_sql_append_values). ?1 to ?6 are what
 * every space of the set shares: tenant, call profile, call leg profile,
 * branding profile, non-member access, the set; then six per row: ID,
 * name, URI, call ID, secret, index. */
static const char WRITE_SPACES_HEAD[] =
    "INSERT INTO cospaces(id, name, uri, call_id, tenant, call_profile, call_leg_profile,"
    " call_branding_profile, non_member_access, secret, bulk_parameter_set, bulk_index)";
static const char WRITE_SPACES_ROW[] = "rrrr12345r6r";
#define WRITE_SPACES_SHARED  6 /* parameters before the rows' */
#define WRITE_SPACES_PER_ROW 6
static const char WRITE_SPACES_TAIL[] =
    " ON CONFLICT(bulk_parameter_set, bulk_index) WHERE bulk_parameter_set IS NOT NULL"
    " DO UPDATE SET name = excluded.name, uri = excluded.uri, call_id = excluded.call_id,"
    " tenant = excluded.tenant, call_profile = excluded.call_profile,"
    " call_leg_profile = excluded.call_leg_profile,"
    " call_branding_profile = excluded.call_branding_profile,"
    " non_member_access = excluded.non_member_access";
static const char FINISH_SQL[] =
    "UPDATE cospace_bulk_syncs SET status = ?2, finished_at = " SQL_NOW_MS ","
    " spaces_created = ?3, spaces_updated = ?4, spaces_deleted = ?5 WHERE id = ?1";

/* Everything one sync works with; released by sync_work_release. */
typedef struct {
    store_db *database;
    const atomic_bool *stop;
    bulk_parameter_set set;
    bool set_loaded;
    bulk_mapping name_mapping, uri_mapping, call_id_mapping;
    bool mappings_parsed;
    bool uses_values; /* a URI or call ID mapping is set */
    strbuf name, uri, call_id;
    strbuf sql; /* the text of the batch statement being written */
} sync_work;

static void sync_work_release(sync_work *work)
{
    if (work->set_loaded)
        bulk_parameter_set_free(&work->set);
    if (work->mappings_parsed) {
        bulk_mapping_free(&work->name_mapping);
        bulk_mapping_free(&work->uri_mapping);
        bulk_mapping_free(&work->call_id_mapping);
    }
    strbuf_free(&work->name);
    strbuf_free(&work->uri);
    strbuf_free(&work->call_id);
    strbuf_free(&work->sql);
}

/* A statement from the connection's cache; hand it back with
 * store_stmt_done. */
static cv_result prepare(store_db *database, const char *sql, store_stmt **statement)
{
    *statement = store_db_statement(database, sql);
    if (*statement)
        return CV_OK;
    log_error("bulk sync: %s", store_db_message(database));
    return store_db_error(database);
}

/* Runs a statement that returns nothing or one integer (*value, may be
 * NULL) with ?1 bound to `text` and ?2, ?3 to `first`, `second`. */
static cv_result run_simple(store_db *database, const char *sql, const char *text, int64_t first,
                            int64_t second, int64_t *value)
{
    store_stmt *statement = NULL;
    cv_result result = prepare(database, sql, &statement);
    if (result != CV_OK)
        return result;
    int parameters = store_bind_count(statement);
    if (parameters >= 1)
        store_bind_text(statement, 1, text);
    if (parameters >= 2)
        store_bind_int64(statement, 2, first);
    if (parameters >= 3)
        store_bind_int64(statement, 3, second);
    store_step_state state = store_step(statement);
    if (state == STORE_ROW && value)
        *value = store_column_int64(statement, 0);
    result = state == STORE_FAILED ? store_stmt_error(statement) : CV_OK;
    if (result != CV_OK)
        log_error("bulk sync: %s", store_db_message(database));
    store_stmt_done(statement);
    return result;
}

static bool mapping_given(const char *text)
{
    return text && *text;
}

/* Parses the three mappings of the loaded set. A mapping that no longer
 * parses (the database was edited by hand) fails the sync. */
static cv_result parse_mappings(sync_work *work, const char **status)
{
    const char *reason;
    cv_result result =
        bulk_mapping_parse(work->set.name_mapping, BULK_MAPPING_TEXT, &work->name_mapping, &reason);
    if (result != CV_OK)
        goto failed;
    result =
        bulk_mapping_parse(work->set.uri_mapping, BULK_MAPPING_URI, &work->uri_mapping, &reason);
    if (result != CV_OK) {
        bulk_mapping_free(&work->name_mapping);
        goto failed;
    }
    result = bulk_mapping_parse(work->set.call_id_mapping, BULK_MAPPING_ID, &work->call_id_mapping,
                                &reason);
    if (result != CV_OK) {
        bulk_mapping_free(&work->name_mapping);
        bulk_mapping_free(&work->uri_mapping);
        goto failed;
    }
    work->mappings_parsed = true;
    return CV_OK;
failed:
    if (result == CV_ERR_INVALID) {
        log_warning("bulk sync: set %s holds an invalid mapping (%s)", work->set.id, reason);
        *status = STATUS_FAILED;
        return CV_OK;
    }
    return result;
}

/* Checks the set before anything changes; sets *status on a failure. */
static cv_result check_set(sync_work *work, const char **status)
{
    const bulk_parameter_set *set = &work->set;
    if (set->start_index > set->end_index) {
        *status = STATUS_RANGE_INVALID;
        return CV_OK;
    }
    if (set->end_index - set->start_index >= BULK_SYNC_MAX_SPACES) {
        *status = STATUS_RANGE_TOO_GREAT;
        return CV_OK;
    }
    cv_result result = parse_mappings(work, status);
    if (result != CV_OK || *status)
        return result;
    /* A mapping without $index$ gives every space the same value. */
    bool several = set->end_index > set->start_index;
    if (several && mapping_given(set->uri_mapping) && !work->uri_mapping.has_index) {
        *status = STATUS_URI_CONFLICT;
        return CV_OK;
    }
    if (several && mapping_given(set->call_id_mapping) && !work->call_id_mapping.has_index) {
        *status = STATUS_CALL_ID_CONFLICT;
        return CV_OK;
    }
    /* Profiles checked when the set was written may have been deleted. */
    if (set->call_profile || set->call_leg_profile) {
        store_stmt *statement = NULL;
        result = prepare(work->database, PROFILE_EXISTS_SQL, &statement);
        if (result != CV_OK)
            return result;
        store_bind_text(statement, 1, set->call_profile);
        store_bind_text(statement, 2, set->call_leg_profile);
        store_step_state state = store_step(statement);
        if (state == STORE_ROW) {
            bool call_profile_missing = set->call_profile && !store_column_int(statement, 0);
            bool leg_profile_missing = set->call_leg_profile && !store_column_int(statement, 1);
            if (call_profile_missing || leg_profile_missing) {
                log_warning("bulk sync: set %s refers to a profile that no longer exists", set->id);
                *status = STATUS_FAILED;
            }
        }
        result = state == STORE_ROW    ? CV_OK
                 : state == STORE_DONE ? CV_ERR_STORE
                                       : store_stmt_error(statement);
        store_stmt_done(statement);
        if (result != CV_OK)
            return result;
    }
    work->uses_values = mapping_given(set->uri_mapping) || mapping_given(set->call_id_mapping);
    return CV_OK;
}

/* Expands the three mappings for `index` into work->name/uri/call_id. */
static cv_result expand_all(sync_work *work, int64_t index)
{
    cv_result result = bulk_mapping_expand(&work->name_mapping, index, &work->name);
    if (result == CV_OK)
        result = bulk_mapping_expand(&work->uri_mapping, index, &work->uri);
    if (result == CV_OK)
        result = bulk_mapping_expand(&work->call_id_mapping, index, &work->call_id);
    return result;
}

/* Binds `text` (NULL when empty: an unset value). */
static void bind_optional(store_stmt *statement, int parameter, const strbuf *text)
{
    if (text->length > 0)
        store_bind_text_length(statement, parameter, text->data, text->length);
    else
        store_bind_null(statement, parameter);
}

static bool stop_requested(const sync_work *work)
{
    return work->stop && atomic_load(work->stop);
}

/* How many rows the next batch statement carries, of `remaining`: 256,
 * then 16 and 1 for the rest, so that a connection only ever prepares
 * three texts of each. A batch is one round trip on PostgreSQL (one row
 * per statement was 20,000 of them for 10,000 spaces). */
static int batch_rows(int64_t remaining)
{
    return remaining >= 256 ? 256 : remaining >= 16 ? 16 : 1;
}

/* Writes the rows of indexes first_index .. first_index + rows - 1. */
typedef cv_result (*batch_writer)(sync_work *work, int64_t first_index, int rows);

/* Runs `write` over the set's whole range, batch by batch, looking at the
 * stop flag before each (CV_ERR_BUSY when set). */
static cv_result in_batches(sync_work *work, batch_writer write)
{
    const bulk_parameter_set *set = &work->set;
    cv_result result = CV_OK;
    for (int64_t index = set->start_index; result == CV_OK && index <= set->end_index;) {
        if (stop_requested(work))
            return CV_ERR_BUSY;
        int rows = batch_rows(set->end_index - index + 1);
        result = write(work, index, rows);
        index += rows;
    }
    return result;
}

/* Adds the URIs and call IDs of `rows` indexes from `first_index` to the
 * temporary table in one statement. */
static cv_result collect_batch(sync_work *work, int64_t first_index, int rows)
{
    store_stmt *statement = NULL;
    strbuf_reset(&work->sql);
    strbuf_append_str(&work->sql, INSERT_VALUES_HEAD);
    cv_result result = store_sql_append_values(&work->sql, INSERT_VALUES_ROW, 0, rows);
    if (result == CV_OK)
        result = prepare(work->database, strbuf_str(&work->sql), &statement);
    for (int row = 0; result == CV_OK && row < rows; row++) {
        int64_t index = first_index + row;
        result = bulk_mapping_expand(&work->uri_mapping, index, &work->uri);
        if (result == CV_OK)
            result = bulk_mapping_expand(&work->call_id_mapping, index, &work->call_id);
        if (result != CV_OK)
            break;
        store_bind_int64(statement, row * 3 + 1, index);
        bind_optional(statement, row * 3 + 2, &work->uri);
        bind_optional(statement, row * 3 + 3, &work->call_id);
    }
    if (result != CV_OK) {
        store_stmt_done(statement);
        return result;
    }
    return store_stmt_run(statement);
}

/* Fills the temporary table with every index's URI and call ID. */
static cv_result collect_values(sync_work *work)
{
    cv_result result = store_db_exec(work->database, CREATE_VALUES_SQL);
    return result == CV_OK ? in_batches(work, collect_batch) : result;
}

/* Looks for URI and call ID clashes; sets *status when there is one. */
static cv_result find_clashes(sync_work *work, const char **status)
{
    int64_t clash = 0;
    cv_result result = run_simple(work->database, URI_CLASH_SQL, work->set.id, 0, 0, &clash);
    if (result == CV_OK && clash) {
        *status = STATUS_URI_CONFLICT;
        return CV_OK;
    }
    if (result == CV_OK)
        result = run_simple(work->database, CALL_ID_CLASH_SQL, work->set.id, 0, 0, &clash);
    if (result == CV_OK && clash)
        *status = STATUS_CALL_ID_CONFLICT;
    return result;
}

/* Writes the spaces of `rows` indexes from `first_index` in one
 * statement. */
static cv_result write_batch(sync_work *work, int64_t first_index, int rows)
{
    const bulk_parameter_set *set = &work->set;
    store_stmt *statement = NULL;
    strbuf_reset(&work->sql);
    strbuf_append_str(&work->sql, WRITE_SPACES_HEAD);
    store_sql_append_values(&work->sql, WRITE_SPACES_ROW, WRITE_SPACES_SHARED, rows);
    strbuf_append_str(&work->sql, WRITE_SPACES_TAIL);
    cv_result result = strbuf_status(&work->sql);
    if (result == CV_OK)
        result = prepare(work->database, strbuf_str(&work->sql), &statement);
    if (result != CV_OK)
        return result;
    store_bind_text(statement, 1, set->tenant);
    store_bind_text(statement, 2, set->call_profile);
    store_bind_text(statement, 3, set->call_leg_profile);
    store_bind_text(statement, 4, set->call_branding_profile);
    store_bind_int(statement, 5, set->non_member_access ? 1 : 0);
    store_bind_text(statement, 6, set->id);
    char id[ID_TEXT_SIZE];
    char secret[COSPACE_SECRET_SIZE];
    for (int row = 0; result == CV_OK && row < rows; row++) {
        int64_t index = first_index + row;
        result = expand_all(work, index);
        if (result == CV_OK)
            result = cospace_generate_secret(secret);
        if (result != CV_OK)
            break;
        id_generate(id);
        int first = WRITE_SPACES_SHARED + row * WRITE_SPACES_PER_ROW + 1;
        store_bind_text(statement, first, id);
        bind_optional(statement, first + 1, &work->name);
        bind_optional(statement, first + 2, &work->uri);
        bind_optional(statement, first + 3, &work->call_id);
        store_bind_text(statement, first + 4, secret);
        store_bind_int64(statement, first + 5, index);
    }
    if (result != CV_OK) {
        store_stmt_done(statement);
        return result;
    }
    result = store_stmt_run(statement);
    if (result != CV_OK)
        log_error("bulk sync: writing indexes %lld to %lld: %s", (long long)first_index,
                  (long long)(first_index + rows - 1), store_db_message(work->database));
    return result;
}

/* Writes one space per index (step 4 of the file comment). */
static cv_result write_spaces(sync_work *work)
{
    return in_batches(work, write_batch);
}

/* Steps 2-4 inside the savepoint; *status is set on a failure status. */
static cv_result apply_changes(sync_work *work, bool remove_all, const char **status,
                               bulk_sync_outcome *outcome)
{
    const bulk_parameter_set *set = &work->set;
    if (remove_all) {
        cv_result result = run_simple(work->database, DELETE_ALL_SQL, set->id, 0, 0, NULL);
        outcome->spaces_deleted = store_db_changes(work->database);
        return result;
    }
    cv_result result = check_set(work, status);
    if (result != CV_OK || *status)
        return result;
    result = run_simple(work->database, DELETE_OUTSIDE_SQL, set->id, set->start_index,
                        set->end_index, NULL);
    if (result != CV_OK)
        return result;
    outcome->spaces_deleted = store_db_changes(work->database);
    int64_t kept = 0;
    result = run_simple(work->database, COUNT_KEPT_SQL, set->id, 0, 0, &kept);
    if (result != CV_OK)
        return result;
    if (work->uses_values) {
        result = collect_values(work);
        if (result == CV_OK)
            result = find_clashes(work, status);
        if (result != CV_OK || *status)
            return result;
        int64_t values_move = 0;
        if (kept > 0)
            result = run_simple(work->database, OWN_VALUES_MOVE_SQL, set->id, 0, 0, &values_move);
        if (result == CV_OK && values_move)
            result = run_simple(work->database, CLEAR_OWN_VALUES_SQL, set->id, 0, 0, NULL);
        if (result != CV_OK)
            return result;
    }
    result = write_spaces(work);
    if (result == CV_OK) {
        outcome->spaces_updated = kept;
        outcome->spaces_created = set->end_index - set->start_index + 1 - kept;
    }
    return result;
}

static cv_result record_finish(store_db *database, const char *sync_id,
                               const bulk_sync_outcome *outcome)
{
    store_stmt *statement = NULL;
    cv_result result = prepare(database, FINISH_SQL, &statement);
    if (result != CV_OK)
        return result;
    store_bind_text(statement, 1, sync_id);
    store_bind_text(statement, 2, outcome->status);
    store_bind_int64(statement, 3, outcome->spaces_created);
    store_bind_int64(statement, 4, outcome->spaces_updated);
    store_bind_int64(statement, 5, outcome->spaces_deleted);
    return store_stmt_run(statement);
}

/* Reads the sync row: its set and removeAll. CV_ERR_NOT_FOUND when the
 * sync is not (or no longer) running under this node's claim. */
static cv_result read_sync(store_db *database, const char *sync_id, const char *node_name,
                           char set_id[ID_TEXT_SIZE], bool *remove_all)
{
    store_stmt *statement = NULL;
    cv_result result = prepare(database, READ_SYNC_SQL, &statement);
    if (result != CV_OK)
        return result;
    store_bind_text(statement, 1, sync_id);
    store_bind_text(statement, 2, node_name);
    store_step_state state = store_step(statement);
    if (state == STORE_ROW) {
        const char *text = store_column_text(statement, 0);
        snprintf(set_id, ID_TEXT_SIZE, "%s", text ? text : "");
        *remove_all = store_column_int(statement, 1) != 0;
        result = CV_OK;
    } else {
        result = state == STORE_DONE ? CV_ERR_NOT_FOUND : store_stmt_error(statement);
    }
    store_stmt_done(statement);
    return result;
}

cv_result bulk_sync_execute(store_db *database, const char *sync_id, const char *node_name,
                            const atomic_bool *stop, bulk_sync_outcome *outcome)
{
    memset(outcome, 0, sizeof *outcome);
    sync_work work = {.database = database, .stop = stop};
    strbuf_init(&work.name);
    strbuf_init(&work.uri);
    strbuf_init(&work.call_id);
    cv_result result = store_db_begin(database);
    if (result != CV_OK)
        return result;
    char set_id[ID_TEXT_SIZE];
    bool remove_all = false;
    result = read_sync(database, sync_id, node_name, set_id, &remove_all);
    if (result == CV_OK) {
        result = bulk_parameter_set_load(database, set_id, &work.set);
        work.set_loaded = result == CV_OK;
        if (result == CV_ERR_NOT_FOUND) {
            /* removeAll still clears what a since deleted set made; only
             * when there is nothing of it either is the set unknown. */
            result = CV_OK;
            if (remove_all) {
                result = run_simple(database, DELETE_ALL_SQL, set_id, 0, 0, NULL);
                outcome->spaces_deleted = store_db_changes(database);
            }
            if (result == CV_OK)
                outcome->status =
                    outcome->spaces_deleted > 0 ? STATUS_COMPLETE : STATUS_NO_SUCH_SET;
        }
    }
    if (result == CV_OK && !outcome->status)
        result = store_db_exec(database, "SAVEPOINT bulk_sync_changes");
    if (result == CV_OK && !outcome->status) {
        result = apply_changes(&work, remove_all, &outcome->status, outcome);
        if (result == CV_OK && outcome->status) {
            /* A failure status: nothing of this sync may remain. */
            result = store_db_exec(database, "ROLLBACK TO bulk_sync_changes");
            outcome->spaces_created = outcome->spaces_updated = outcome->spaces_deleted = 0;
        }
        if (result == CV_OK)
            result = store_db_exec(database, "RELEASE bulk_sync_changes");
        if (result == CV_OK && !outcome->status)
            outcome->status = STATUS_COMPLETE;
    }
    if (result == CV_OK)
        result = store_db_exec(database, DROP_VALUES_SQL);
    if (result == CV_OK)
        result = record_finish(database, sync_id, outcome);
    if (result == CV_OK)
        result = store_db_commit(database);
    if (result != CV_OK)
        store_db_rollback(database);
    sync_work_release(&work);
    return result;
}

/* --- claiming ------------------------------------------------------------- */

/* Is there work: a pending sync, or a running one whose claim expired? */
static const char ANY_WORK_SQL[] =
    "SELECT EXISTS(SELECT 1 FROM cospace_bulk_syncs WHERE status = '" STATUS_PENDING "')"
    " OR EXISTS(SELECT 1 FROM cospace_bulk_syncs WHERE status = '" STATUS_RUNNING "'"
    "   AND lease_until < " SQL_NOW_MS ")";
/* A claim expires when its node died before finishing (the sync's own
 * transaction rolled back with it). While a sync is being applied its node
 * holds the write lock, so nobody can requeue it then; and a requeued sync
 * is only ever applied under its newest claim (READ_SYNC_SQL). */
static const char REQUEUE_EXPIRED_SQL[] =
    "UPDATE cospace_bulk_syncs SET status = '" STATUS_PENDING "', claimed_by = NULL,"
    " lease_until = NULL WHERE status = '" STATUS_RUNNING "' AND lease_until < " SQL_NOW_MS;
/* The oldest pending sync that has waited at least ?1 ms and whose set has
 * no sync running (syncs of one set run in the order they were queued). */
static const char NEXT_PENDING_SQL[] =
    "SELECT id FROM cospace_bulk_syncs p WHERE status = '" STATUS_PENDING "'"
    " AND queued_at <= " SQL_NOW_MS " - ?1"
    " AND NOT EXISTS(SELECT 1 FROM cospace_bulk_syncs r WHERE r.status = '" STATUS_RUNNING "'"
    "   AND r.cospace_bulk_parameter_set = p.cospace_bulk_parameter_set)"
    " ORDER BY seq LIMIT 1";
static const char CLAIM_SQL[] =
    "UPDATE cospace_bulk_syncs SET status = '" STATUS_RUNNING "', claimed_by = ?2,"
    " lease_until = " SQL_NOW_MS " + ?3 WHERE id = ?1 AND status = '" STATUS_PENDING "'";
static const char UNCLAIM_SQL[] =
    "UPDATE cospace_bulk_syncs SET status = '" STATUS_PENDING "', claimed_by = NULL,"
    " lease_until = NULL WHERE id = ?1 AND status = '" STATUS_RUNNING "' AND claimed_by = ?2";
static const char RECOVER_SQL[] =
    "UPDATE cospace_bulk_syncs SET status = '" STATUS_PENDING "', claimed_by = NULL,"
    " lease_until = NULL WHERE status = '" STATUS_RUNNING "' AND claimed_by = ?1";
static const char MARK_FAILED_SQL[] =
    "UPDATE cospace_bulk_syncs SET status = '" STATUS_FAILED "', finished_at = " SQL_NOW_MS
    " WHERE id = ?1 AND status = '" STATUS_RUNNING "' AND claimed_by = ?2";

/* Claims the next runnable sync for `node_name`; *claimed tells whether
 * there was one (its ID in sync_id). */
cv_result bulk_sync_claim_next(store_db *database, const char *node_name, int64_t hold_milliseconds,
                               char sync_id[ID_TEXT_SIZE], bool *claimed)
{
    *claimed = false;
    /* A plain read first, so that idle polling never takes the write lock. */
    int64_t any_work = 0;
    cv_result result = run_simple(database, ANY_WORK_SQL, NULL, 0, 0, &any_work);
    if (result != CV_OK || !any_work)
        return result;
    result = store_db_begin(database);
    if (result != CV_OK)
        return result;
    result = run_simple(database, REQUEUE_EXPIRED_SQL, NULL, 0, 0, NULL);
    if (result == CV_OK && store_db_changes(database) > 0)
        log_warning("bulk sync: requeued %lld sync(s) whose node stopped without finishing",
                    (long long)store_db_changes(database));
    store_stmt *statement = NULL;
    if (result == CV_OK)
        result = prepare(database, NEXT_PENDING_SQL, &statement);
    bool found = false;
    if (result == CV_OK) {
        store_bind_int64(statement, 1, hold_milliseconds);
        store_step_state state = store_step(statement);
        if (state == STORE_ROW) {
            const char *text = store_column_text(statement, 0);
            found = text != NULL;
            snprintf(sync_id, ID_TEXT_SIZE, "%s", text ? text : "");
        } else if (state == STORE_FAILED) {
            result = store_stmt_error(statement);
        }
        store_stmt_done(statement);
    }
    if (result == CV_OK && found) {
        statement = NULL;
        result = prepare(database, CLAIM_SQL, &statement);
        if (result == CV_OK) {
            store_bind_text(statement, 1, sync_id);
            store_bind_text(statement, 2, node_name);
            store_bind_int64(statement, 3, hold_milliseconds + CLAIM_LEASE_MILLISECONDS);
            result = store_stmt_run(statement);
            *claimed = result == CV_OK && store_db_changes(database) == 1;
        }
    }
    if (result == CV_OK)
        result = store_db_commit(database);
    if (result != CV_OK) {
        store_db_rollback(database);
        *claimed = false;
    }
    return result;
}

/* Runs one statement in its own transaction with ?1 bound to `first` and
 * ?2, when the statement has it, to `second`. */
static cv_result update_one(store_db *database, const char *sql, const char *first,
                            const char *second)
{
    cv_result result = store_db_begin(database);
    if (result != CV_OK)
        return result;
    store_stmt *statement = NULL;
    result = prepare(database, sql, &statement);
    if (result == CV_OK) {
        store_bind_text(statement, 1, first);
        if (store_bind_count(statement) >= 2)
            store_bind_text(statement, 2, second);
        result = store_stmt_run(statement);
    }
    if (result == CV_OK)
        result = store_db_commit(database);
    if (result != CV_OK)
        store_db_rollback(database);
    return result;
}

cv_result bulk_sync_unclaim(store_db *database, const char *sync_id, const char *node_name)
{
    return update_one(database, UNCLAIM_SQL, sync_id, node_name);
}

cv_result bulk_sync_mark_failed(store_db *database, const char *sync_id, const char *node_name)
{
    return update_one(database, MARK_FAILED_SQL, sync_id, node_name);
}

cv_result bulk_sync_recover(store_db *database, const char *node_name)
{
    return update_one(database, RECOVER_SQL, node_name, NULL);
}
