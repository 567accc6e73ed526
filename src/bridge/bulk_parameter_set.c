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

#include <stdlib.h>
#include <string.h>

#include "bridge/bulk_mapping.h"
#include "bridge/object_store.h"
#include "bridge/routes.h"
#include "common/text.h"

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
    bulk_parameter_set_list_range(call, lowest, highest, &page);
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
