/*
 * bulk_parameter_set.c - /cospaceBulkParameterSets and
 * /cospaceBulkParameterSets/<id>; see bulk_parameter_set.h.
 *
 * The generic object engine (object_store.h) does the API work; this file
 * describes the parameters, checks the three mappings against the grammar
 * (a 400 parameterError naming the mapping), and reads a set back for the
 * sync worker. A set whose startIndex is above its endIndex is accepted:
 * the blueprint reports that when the set is synced
 * (failedIndexRangeInvalid), and so do we.
 */
#include "bridge/bulk_parameter_set.h"

#include <inttypes.h>
#include <stdlib.h>
#include <string.h>

#include "bridge/bulk_mapping.h"
#include "bridge/object_store.h"
#include "bridge/routes.h"
#include "common/store_sql.h"
#include "common/text.h"
#include "common/xml_writer.h"

/* Index numbers go into names, URIs and call IDs; fifteen digits is more
 * than any dial plan needs and keeps index arithmetic far from overflow. */
#define BULK_INDEX_MAXIMUM 999999999999999LL

static const field_descriptor parameter_set_fields[] = {
    {.name = "startIndex",
     .column = "start_index",
     .type = FIELD_INT,
     .flags = FIELD_IN_LIST | FIELD_REQUIRED,
     .minimum = 0,
     .maximum = BULK_INDEX_MAXIMUM},
    {.name = "endIndex",
     .column = "end_index",
     .type = FIELD_INT,
     .flags = FIELD_IN_LIST | FIELD_REQUIRED,
     .minimum = 0,
     .maximum = BULK_INDEX_MAXIMUM},
    {.name = "coSpaceUriMapping", .column = "cospace_uri_mapping", .type = FIELD_STRING},
    {.name = "coSpaceNameMapping", .column = "cospace_name_mapping", .type = FIELD_STRING},
    {.name = "coSpaceCallIdMapping", .column = "cospace_call_id_mapping", .type = FIELD_STRING},
    {.name = "tenant", .column = "tenant", .type = FIELD_ID},
    {.name = "callProfile",
     .column = "call_profile",
     .type = FIELD_REFERENCE,
     .referenced_table = "call_profiles",
     .missing_reason = "callProfileDoesNotExist"},
    {.name = "callLegProfile",
     .column = "call_leg_profile",
     .type = FIELD_REFERENCE,
     .referenced_table = "call_leg_profiles",
     .missing_reason = "callLegProfileDoesNotExist"},
    {.name = "callBrandingProfile", .column = "call_branding_profile", .type = FIELD_ID},
    {.name = "nonMemberAccess",
     .column = "non_member_access",
     .type = FIELD_BOOL,
     .default_value = "true"},
};

/* Each mapping field and the grammar variant that applies to it. */
static const struct {
    const char *field;
    bulk_mapping_kind kind;
} mapping_fields[] = {
    {"coSpaceUriMapping", BULK_MAPPING_URI},
    {"coSpaceNameMapping", BULK_MAPPING_TEXT},
    {"coSpaceCallIdMapping", BULK_MAPPING_ID},
};

/* Refuses a write whose mappings break the grammar or that would leave
 * the range without an end (PUT with an empty startIndex or endIndex); an
 * emptied nonMemberAccess goes back to its default. */
static cv_result check_parameter_set(object_write *write)
{
    static const char *const range_fields[] = {"startIndex", "endIndex"};
    for (size_t i = 0; i < 2; i++) {
        field_value *value = object_write_value(write, range_fields[i]);
        if (value && !value->set) {
            write->failed_status = 400;
            write->failed_parameter = range_fields[i];
            write->failed_reason = "valueRequired";
            return CV_OK;
        }
    }
    field_value *non_member_access = object_write_value(write, "nonMemberAccess");
    if (non_member_access && !non_member_access->set) {
        cv_result result = object_write_set(write, "nonMemberAccess", "true");
        if (result != CV_OK)
            return result;
    }
    for (size_t i = 0; i < sizeof mapping_fields / sizeof mapping_fields[0]; i++) {
        field_value *value = object_write_value(write, mapping_fields[i].field);
        if (!value || !value->set || !value->text)
            continue;
        const char *reason = NULL;
        cv_result result = bulk_mapping_validate(value->text, mapping_fields[i].kind, &reason);
        if (result == CV_ERR_INVALID) {
            write->failed_status = 400;
            write->failed_parameter = mapping_fields[i].field;
            write->failed_reason = "invalidValue";
            return CV_OK;
        }
        if (result != CV_OK)
            return result;
    }
    return CV_OK;
}

static const object_type parameter_set_type = {
    .collection = "cospaceBulkParameterSets",
    .table = "cospace_bulk_parameter_sets",
    .list_element = "cospaceBulkParameterSets",
    .element = "cospaceBulkParameterSet",
    .missing_reason = "cospaceBulkParameterSetDoesNotExist",
    .audit_noun = "coSpace bulk parameter set",
    .fields = parameter_set_fields,
    .field_count = sizeof parameter_set_fields / sizeof parameter_set_fields[0],
    .counted = true,
    .prepare = check_parameter_set,
};

/* GET /cospaceBulkParameterSets[?startIndex=N][&endIndex=M]: the engine
 * lists the sets, except when the blueprint's range arguments narrow the
 * list to sets whose range lies within [N, M] (either bound may be given
 * alone); that listing is done here. */
static const char RANGE_LIST_SQL[] =
    "SELECT (SELECT count(*) FROM cospace_bulk_parameter_sets"
    "   WHERE start_index >= ?1 AND end_index <= ?2),"
    " id, start_index, end_index FROM cospace_bulk_parameter_sets"
    " WHERE start_index >= ?1 AND end_index <= ?2 ORDER BY seq LIMIT ?3 OFFSET ?4";

static bool read_range_argument(api_call *call, const char *name, int64_t fallback, int64_t *out)
{
    const char *text = http_request_query(call->request, name);
    *out = fallback;
    if (text && text_parse_int64(text, 0, INT64_MAX, out) != CV_OK) {
        api_fail_parameter(call, name, "invalidValue");
        return false;
    }
    return true;
}

static void list_parameter_sets(api_call *call)
{
    if (!http_request_query(call->request, "startIndex") &&
        !http_request_query(call->request, "endIndex")) {
        object_list(call, &parameter_set_type);
        return;
    }
    static const char *const allowed[] = {"startIndex", "endIndex", NULL};
    api_page page;
    int64_t lowest, highest;
    if (!api_check_query(call, allowed) || !api_read_page(call, &page) ||
        !read_range_argument(call, "startIndex", 0, &lowest) ||
        !read_range_argument(call, "endIndex", INT64_MAX, &highest))
        return;
    store_stmt *statement = store_db_statement(call->database, RANGE_LIST_SQL);
    if (!statement) {
        api_fail_internal(call, "bulk parameter set query");
        return;
    }
    store_bind_int64(statement, 1, lowest);
    store_bind_int64(statement, 2, highest);
    store_bind_int64(statement, 3, page.limit);
    store_bind_int64(statement, 4, page.offset);
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
    store_stmt_reset(statement);
    if (state == STORE_DONE && rows.length == 0 && page.offset > 0) {
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

static void get_parameter_set(api_call *call)
{
    object_get(call, &parameter_set_type);
}

static void create_parameter_set(api_call *call)
{
    object_create(call, &parameter_set_type);
}

static void modify_parameter_set(api_call *call)
{
    object_modify(call, &parameter_set_type);
}

static void delete_parameter_set(api_call *call)
{
    object_delete(call, &parameter_set_type);
}

static const api_route routes[] = {
    {"cospaceBulkParameterSets", list_parameter_sets, create_parameter_set, NULL, NULL},
    {"cospaceBulkParameterSets/*", get_parameter_set, NULL, modify_parameter_set,
     delete_parameter_set},
};

const api_route_table bulk_parameter_set_routes = {routes, sizeof routes / sizeof routes[0]};

/* --- reading a set back for a sync ------------------------------------ */

static const char LOAD_SQL[] =
    "SELECT start_index, end_index, cospace_uri_mapping, cospace_name_mapping,"
    " cospace_call_id_mapping, tenant, call_profile, call_leg_profile, call_branding_profile,"
    " non_member_access FROM cospace_bulk_parameter_sets WHERE id = ?1";

/* A text column as an owned string (NULL stays NULL); false when out of memory. */
static bool copy_text(store_stmt *statement, int column, char **out)
{
    const char *text = store_column_text(statement, column);
    if (!text) {
        *out = NULL;
        return store_column_type(statement, column) == STORE_NULL;
    }
    *out = strdup(text);
    return *out != NULL;
}

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
        bool copied = copy_text(statement, 2, &out->uri_mapping) &&
                      copy_text(statement, 3, &out->name_mapping) &&
                      copy_text(statement, 4, &out->call_id_mapping) &&
                      copy_text(statement, 5, &out->tenant) &&
                      copy_text(statement, 6, &out->call_profile) &&
                      copy_text(statement, 7, &out->call_leg_profile) &&
                      copy_text(statement, 8, &out->call_branding_profile);
        result = copied ? CV_OK : CV_ERR_NO_MEMORY;
        if (result != CV_OK)
            bulk_parameter_set_free(out);
    }
    store_stmt_done(statement);
    return result;
}
