/*
 * object_store_bulk_sets.c - the SQL of bulk provisioning's parameter
 * sets: listing them by index range and reading one back for a sync.
 *
 * Owns: these two statements. Does not own: creating, changing and
 * deleting sets (the generic object engine, bulk_parameter_set.c's
 * checks), running a sync (object_store_bulk.c).
 */
#include "bridge/bulk_parameter_set.h"

#include <inttypes.h>
#include <stdlib.h>
#include <string.h>

#include "bridge/object_store.h"
#include "bridge/object_store_internal.h"
#include "common/store_sql.h"
#include "common/xml_writer.h"

/* --- the sets ------------------------------------------------------------ */

/* GET /cospaceBulkParameterSets[?startIndex=N][&endIndex=M]: the engine
 * lists the sets, except when the blueprint's range arguments narrow the
 * list to sets whose range lies within [N, M] (either bound may be given
 * alone); that listing is done here. */
static const char RANGE_LIST_SQL[] =
    "SELECT (SELECT count(*) FROM cospace_bulk_parameter_sets"
    "   WHERE start_index >= ?1 AND end_index <= ?2),"
    " id, start_index, end_index FROM cospace_bulk_parameter_sets"
    " WHERE start_index >= ?1 AND end_index <= ?2 ORDER BY seq LIMIT ?3 OFFSET ?4";

void bulk_parameter_set_list_range(api_call *call, int64_t lowest, int64_t highest,
                                   const api_page *page)
{
    store_stmt *statement = store_db_statement(call->database, RANGE_LIST_SQL);
    if (!statement) {
        api_fail_internal(call, "bulk parameter set query");
        return;
    }
    store_bind_int64(statement, 1, lowest);
    store_bind_int64(statement, 2, highest);
    store_bind_int64(statement, 3, page->limit);
    store_bind_int64(statement, 4, page->offset);
    strbuf rows = STRBUF_INIT;
    int64_t total = 0;
    store_step_state state;
    while ((state = store_step(statement)) == STORE_ROW) {
        total = store_column_int64(statement, 0);
        xml_open_with_attribute(&rows, "cospaceBulkParameterSet", "id",
                                store_column_text(statement, 1));
        xml_int_element(&rows, "startIndex", store_column_int64(statement, 2));
        xml_int_element(&rows, "endIndex", store_column_int64(statement, 3));
        xml_close(&rows, "cospaceBulkParameterSet");
    }
    store_stmt_reset(statement); /* clears the bindings too */
    if (state == STORE_DONE && rows.length == 0 && page->offset > 0) {
        /* An empty page past the end: the total still counts every match. */
        store_bind_int64(statement, 1, lowest);
        store_bind_int64(statement, 2, highest);
        store_bind_int64(statement, 3, 1);
        store_bind_int64(statement, 4, 0);
        if ((state = store_step(statement)) == STORE_ROW)
            total = store_column_int64(statement, 0);
        state = state == STORE_ROW ? STORE_DONE : state;
    }
    store_stmt_done(statement);
    if (state != STORE_DONE || strbuf_status(&rows) != CV_OK) {
        api_fail_internal(call, "bulk parameter set query");
    } else {
        strbuf *out = api_reply_xml(call);
        strbuf_printf(out, "<cospaceBulkParameterSets total=\"%" PRId64 "\">", total);
        strbuf_append(out, strbuf_str(&rows), rows.length);
        xml_close(out, "cospaceBulkParameterSets");
    }
    strbuf_free(&rows);
}

/* --- reading a set back for a sync ------------------------------------ */

static const char LOAD_SQL[] =
    "SELECT start_index, end_index, cospace_uri_mapping, cospace_name_mapping,"
    " cospace_call_id_mapping, tenant, call_profile, call_leg_profile, call_branding_profile,"
    " non_member_access FROM cospace_bulk_parameter_sets WHERE id = ?1";

void bulk_parameter_set_free(bulk_parameter_set *set)
{
    if (!set)
        return;
    char **strings[] = {
        &set->uri_mapping,  &set->name_mapping,     &set->call_id_mapping,      &set->tenant,
        &set->call_profile, &set->call_leg_profile, &set->call_branding_profile};
    for (size_t i = 0; i < sizeof strings / sizeof strings[0]; i++) {
        free(*strings[i]);
        *strings[i] = NULL;
    }
}

cv_result bulk_parameter_set_load(store_db *database, const char *id, bulk_parameter_set *out)
{
    memset(out, 0, sizeof *out);
    if (!object_canonical_id(id, out->id))
        return CV_ERR_NOT_FOUND;
    store_stmt *statement = store_db_statement(database, LOAD_SQL);
    if (!statement)
        return store_db_error(database);
    store_bind_text(statement, 1, out->id);
    store_step_state state = store_step(statement);
    cv_result result;
    if (state == STORE_DONE) {
        result = CV_ERR_NOT_FOUND;
    } else if (state != STORE_ROW) {
        result = store_stmt_error(statement);
    } else {
        out->start_index = store_column_int64(statement, 0);
        out->end_index = store_column_int64(statement, 1);
        out->non_member_access = store_column_int(statement, 9) != 0;
        bool copied = object_store_copy_text(statement, 2, &out->uri_mapping) &&
                      object_store_copy_text(statement, 3, &out->name_mapping) &&
                      object_store_copy_text(statement, 4, &out->call_id_mapping) &&
                      object_store_copy_text(statement, 5, &out->tenant) &&
                      object_store_copy_text(statement, 6, &out->call_profile) &&
                      object_store_copy_text(statement, 7, &out->call_leg_profile) &&
                      object_store_copy_text(statement, 8, &out->call_branding_profile);
        result = copied ? CV_OK : CV_ERR_NO_MEMORY;
        if (result != CV_OK)
            bulk_parameter_set_free(out);
    }
    store_stmt_done(statement);
    return result;
}
