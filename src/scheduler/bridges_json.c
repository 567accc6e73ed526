/*
 * bridges_json.c - the JSON form of a managed bridge (docs/api.md, "The
 * bridge object"); see bridges_internal.h. Owns the member names; reads
 * the record, its cluster members and its tickets, never writes.
 */
#include "scheduler/bridges_internal.h"

#include <stdio.h>
#include <string.h>

#include "common/rfc3339.h"
#include "scheduler/db_bridges.h"
#include "scheduler/discovery.h"
#include "scheduler/tickets.h"

static json_t *string_or_null(const char *text)
{
    return text && *text ? json_string(text) : json_null();
}

/* db_cluster_member_visit: appends the member to the JSON array `context`. */
static cv_result append_member(const char *name, const char *address, bool added, void *context)
{
    json_t *member = json_pack("{s:s, s:s, s:b}", "name", name, "address", address, "added", added);
    if (!member || json_array_append_new(context, member) != 0)
        return CV_ERR_NO_MEMORY;
    return CV_OK;
}

static json_t *cluster_json(store_db *database, const char *bridge_id)
{
    json_t *list = json_array();
    if (list && db_cluster_members_each(database, bridge_id, append_member, list) != CV_OK) {
        json_decref(list);
        return NULL;
    }
    return list;
}

/* allowedMembers: null, or the stored space-separated list as an array. */
static json_t *allowed_members_json(const char *stored)
{
    if (!stored)
        return json_null();
    json_t *list = json_array();
    while (list && *stored) {
        size_t length = strcspn(stored, " ");
        if (length > 0 && json_array_append_new(list, json_stringn(stored, length)) != 0) {
            json_decref(list);
            return NULL;
        }
        stored += length;
        stored += strspn(stored, " ");
    }
    return list;
}

json_t *bridge_json(store_db *database, const bridge_record *record)
{
    json_t *cluster = cluster_json(database, record->id);
    json_t *tickets = tickets_json_for_bridge(database, record->id);
    char last_contact[32] = "";
    if (record->last_contact)
        rfc3339_format_utc(record->last_contact, last_contact, sizeof last_contact);
    json_t *document = NULL;
    if (cluster && tickets) {
        document = json_pack(
            "{s:s, s:s, s:s, s:b, s:o, s:o, s:o, s:o, s:o, s:o, s:o, s:o, s:o, s:b, s:s, s:o,"
            " s:b, s:o, s:o, s:{s:I, s:I}, s:o, s:{s:I, s:I, s:I, s:I, s:o}}",
            "id", record->id, "address", record->address, "username", record->username, "tlsVerify",
            record->tls_verify, "caFile", string_or_null(record->ca_file), "pinnedCertificate",
            string_or_null(record->pinned_certificate), "name", string_or_null(record->name),
            "domain", string_or_null(record->domain), "numericIdBase",
            record->has_numeric_id_base ? json_integer(record->numeric_id_base) : json_null(),
            "numericIdQuantity",
            record->has_numeric_id_quantity ? json_integer(record->numeric_id_quantity)
                                            : json_null(),
            "alternateAddress", string_or_null(record->alternate_address), "alternateUsername",
            string_or_null(record->alternate_username), "softwareVersion",
            string_or_null(record->software_version), "allowBooking", record->allow_booking,
            "slotNamePrefix", record->slot_name_prefix, "cluster", cluster, "reachable",
            record->reachable, "tickets", tickets, "provisioning",
            json_string(record->provisioning_state ? record->provisioning_state : "none"), "slots",
            "total",
            (json_int_t)(record->has_numeric_id_quantity ? record->numeric_id_quantity : 0),
            "provisioned",
            (json_int_t)(record->has_provisioned_range ? record->provisioned_quantity : 0),
            "lastContact", last_contact[0] ? json_string(last_contact) : json_null(), "status",
            "callLegsActive", (json_int_t)record->call_legs_active, "callLegsMaxActive",
            (json_int_t)record->call_legs_max_active, "callLegsCompleted",
            (json_int_t)record->call_legs_completed, "uptimeSeconds",
            (json_int_t)record->uptime_seconds, "softwareVersion",
            string_or_null(record->software_version));
        cluster = tickets = NULL; /* stolen by the "o" formats, even on failure */
    }
    if (document && json_object_set_new(document, "allowedMembers",
                                        allowed_members_json(record->allowed_members)) != 0) {
        json_decref(document);
        document = NULL;
    }
    json_decref(cluster);
    json_decref(tickets);
    return document;
}
