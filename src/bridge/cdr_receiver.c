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
    int64_t total = 0;
    cv_result result = object_total(write->call->database, &cdr_receiver_type, &total);
    if (result == CV_OK && total >= CDR_RECEIVER_MAXIMUM)
        object_write_refuse(write, 400, "tooManyCdrReceivers");
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
