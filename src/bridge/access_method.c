/*
 * access_method.c - /coSpaces/<id>/accessMethods and
 * /coSpaces/<id>/accessMethods/<id>: extra URI / call ID / passcode
 * combinations that reach a space, each optionally with its own call leg
 * profile. Owns the parameter table and the rules special to access
 * methods: URIs and call IDs unique across every other space and its access
 * methods (object_store_cospaces.c), a URI or call ID shared within the space
 * only with a different passcode, a secret generated when the method has a
 * call ID, regenerateSecret. Does not own: the generic engine
 * (object_store.c) or the space itself (cospace.c); deleting a space
 * deletes its access methods through the schema's foreign key.
 */
#include "bridge/cospace.h"
#include "bridge/object_store.h"
#include "bridge/routes.h"

static const char *const scopes[] = {"public", "private", NULL};

static const field_descriptor access_method_fields[] = {
    {.name = "uri",
     .column = "uri",
     .type = FIELD_URI_USER,
     .flags = FIELD_IN_LIST,
     .max_length = 254},
    {.name = "callId", .column = "call_id", .type = FIELD_DIGITS, .flags = FIELD_IN_LIST},
    {.name = "passcode",
     .column = "passcode",
     .type = FIELD_DIGITS,
     .flags = FIELD_IN_LIST | FIELD_ALWAYS_SHOWN},
    {.name = "name", .column = "name", .type = FIELD_STRING},
    {.name = "callLegProfile",
     .column = "call_leg_profile",
     .type = FIELD_REFERENCE,
     .flags = FIELD_IN_LIST,
     .referenced_table = "call_leg_profiles",
     .missing_reason = "callLegProfileDoesNotExist"},
    {.name = "secret", .column = "secret", .type = FIELD_STRING, .max_length = 256},
    {.name = "regenerateSecret", .type = FIELD_BOOL, .flags = FIELD_WRITE_ONLY | FIELD_PUT_ONLY},
    {.name = "scope", .column = "scope", .type = FIELD_ENUM, .enum_values = scopes},
    {.name = "importance", .column = "importance", .type = FIELD_INT},
    {.name = "dialInSecurityProfile", .column = "dial_in_security_profile", .type = FIELD_ID},
};

static const char *const access_method_filter_columns[] = {"name", "uri", "call_id", NULL};

static const equality_filter access_method_equality_filters[] = {
    {"callLegProfileFilter", "call_leg_profile"},
    {NULL, NULL},
};

static cv_result prepare_access_method(object_write *write)
{
    field_value *secret = object_write_value(write, "secret");
    field_value *regenerate = object_write_value(write, "regenerateSecret");
    field_value *call_id = object_write_value(write, "callId");
    bool needs_secret = (!secret->set && call_id->set) || (regenerate->set && regenerate->number);
    if (needs_secret) {
        char fresh[COSPACE_SECRET_SIZE];
        cv_result result = cospace_generate_secret(fresh);
        if (result == CV_OK)
            result = object_write_set(write, "secret", fresh);
        if (result != CV_OK)
            return result;
    }

    const field_value *uri = object_write_value(write, "uri");
    const field_value *passcode = object_write_value(write, "passcode");
    const char *reason = NULL;
    cv_result result = cospace_check_unique(
        write->call->database, uri->given && uri->set ? uri->text : NULL, NULL,
        call_id->given && call_id->set ? call_id->text : NULL, write->parent_id, &reason);
    if (result == CV_OK)
        result = cospace_check_passcode_clash(
            write->call->database, write->parent_id, true, write->creating ? NULL : write->id,
            uri->set ? uri->text : NULL, call_id->set ? call_id->text : NULL,
            passcode->set ? passcode->text : NULL, &reason);
    if (result == CV_ERR_CONFLICT) {
        object_write_refuse(write, 400, reason);
        return CV_OK;
    }
    return result;
}

const object_type access_method_type = {
    .collection = "accessMethods",
    .table = "access_methods",
    .list_element = "accessMethods",
    .element = "accessMethod",
    .missing_reason = "accessMethodDoesNotExist",
    .audit_noun = "access method",
    .fields = access_method_fields,
    .field_count = sizeof access_method_fields / sizeof access_method_fields[0],
    .filter_columns = access_method_filter_columns,
    .equality_filters = access_method_equality_filters,
    .parent_prefix = "coSpaces",
    .parent_table = "cospaces",
    .parent_column = "cospace",
    .parent_missing_reason = "coSpaceDoesNotExist",
    .audit_name_field = "name",
    .prepare = prepare_access_method,
};

static void list_access_methods(api_call *call)
{
    object_list(call, &access_method_type);
}
static void get_access_method(api_call *call)
{
    object_get(call, &access_method_type);
}
static void create_access_method(api_call *call)
{
    object_create(call, &access_method_type);
}
static void modify_access_method(api_call *call)
{
    object_modify(call, &access_method_type);
}
static void delete_access_method(api_call *call)
{
    object_delete(call, &access_method_type);
}

static const api_route routes[] = {
    {"coSpaces/*/accessMethods", list_access_methods, create_access_method, NULL, NULL},
    {"coSpaces/*/accessMethods/*", get_access_method, NULL, modify_access_method,
     delete_access_method},
};

const api_route_table access_method_routes = {routes, sizeof routes / sizeof routes[0]};
