/*
 * cdr_receiver.c - /system/cdrReceivers and /system/cdrReceivers/<id>: the
 * URLs call detail records are posted to. Owns the parameter table and
 * the limit on how many receivers may exist (tooManyCdrReceivers, and the
 * listing's maximum="N"). Does not own: the generic engine
 * (object_store.c) or sending CDRs (a later issue).
 */
#include <stdio.h>

#include "bridge/object_store.h"
#include "bridge/routes.h"
#include "common/store.h"

#define CDR_RECEIVER_MAXIMUM 4

static const field_descriptor cdr_receiver_fields[] = {
    {.name = "uri",
     .column = "uri",
     .type = FIELD_STRING,
     .flags = FIELD_IN_LIST,
     .max_length = 2048},
};

static cv_result prepare_cdr_receiver(object_write *write)
{
    if (!write->creating)
        return CV_OK;
    sqlite3_stmt *statement = NULL;
    int code =
        sqlite3_prepare_v2(write->call->database,
                           "SELECT total FROM object_counts WHERE object_table = 'cdr_receivers'",
                           -1, &statement, NULL);
    if (code != SQLITE_OK)
        return store_result(code);
    code = sqlite3_step(statement);
    cv_result result =
        code == SQLITE_ROW ? CV_OK : store_result(code == SQLITE_DONE ? SQLITE_ERROR : code);
    if (code == SQLITE_ROW && sqlite3_column_int64(statement, 0) >= CDR_RECEIVER_MAXIMUM)
        object_write_refuse(write, 400, "tooManyCdrReceivers");
    sqlite3_finalize(statement);
    return result;
}

static void show_maximum(api_call *call, strbuf *out)
{
    (void)call;
    strbuf_printf(out, " maximum=\"%d\"", CDR_RECEIVER_MAXIMUM);
}

const object_type cdr_receiver_type = {
    .collection = "system/cdrReceivers",
    .table = "cdr_receivers",
    .list_element = "cdrReceivers",
    .element = "cdrReceiver",
    .missing_reason = "cdrReceiverDoesNotExist",
    .audit_noun = "CDR receiver",
    .fields = cdr_receiver_fields,
    .field_count = sizeof cdr_receiver_fields / sizeof cdr_receiver_fields[0],
    .counted = true,
    .prepare = prepare_cdr_receiver,
    .list_attributes = show_maximum,
    .list_attributes_cacheable = true, /* a constant */
};

static void list_receivers(api_call *call)
{
    object_list(call, &cdr_receiver_type);
}
static void get_receiver(api_call *call)
{
    object_get(call, &cdr_receiver_type);
}
static void create_receiver(api_call *call)
{
    object_create(call, &cdr_receiver_type);
}
static void modify_receiver(api_call *call)
{
    object_modify(call, &cdr_receiver_type);
}
static void delete_receiver(api_call *call)
{
    object_delete(call, &cdr_receiver_type);
}

static const api_route routes[] = {
    {"system/cdrReceivers", list_receivers, create_receiver, NULL, NULL},
    {"system/cdrReceivers/*", get_receiver, NULL, modify_receiver, delete_receiver},
};

const api_route_table cdr_receiver_routes = {routes, sizeof routes / sizeof routes[0]};
