/*
 * bridges_api.c - the /bridges resource of convened's JSON API:
 *   POST   /bridges                add (the bridge must answer first)
 *   GET    /bridges, /bridges/<id> list, one
 *   PATCH  /bridges/<id>           change settings
 *   DELETE /bridges/<id>           remove
 *   POST   /bridges/<id>/refresh   poll, discover and provision now
 * and the bridges module (routes and worker).
 *
 * Owns: reading and validating settings, the JSON form of a bridge, the
 * "already managed" and range checks (each in the transaction of the
 * write that depends on it), the settings columns' writes.
 * Does not own: the record (bridges.c), the worker (bridges_worker.c).
 */
#include "scheduler/bridges_internal.h"

#include <errno.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "common/log.h"
#include "common/rfc3339.h"
#include "common/store.h"
#include "common/strbuf.h"
#include "common/text.h"
#include "scheduler/api.h"
#include "scheduler/discovery.h"
#include "scheduler/poller.h"
#include "scheduler/schema.h"
#include "scheduler/slots.h"
#include "scheduler/tickets.h"

#define NUMERIC_ID_MAX    999999999999LL /* 12 digits, as CMS call IDs go */
#define SLOT_QUANTITY_MAX 100000

/* ---- the API ---------------------------------------------------------------------- */

/* Settings read from a POST or PATCH body. `set_*` says the member was
 * given; for nullable members a NULL value / `*_null` means "unset". */
typedef struct {
    bool set_address, set_username, set_password, set_tls_verify, set_ca_file, set_pinned;
    bool set_name, set_domain, set_base, set_quantity, set_alternate_address;
    bool set_alternate_username, set_alternate_password, set_allow_booking, set_prefix;
    const char *address, *username, *password, *ca_file, *pinned, *name, *domain;
    const char *alternate_address, *alternate_username, *alternate_password, *prefix;
    bool tls_verify, allow_booking, base_null, quantity_null;
    int64_t base, quantity;
    cms_address parsed_address;
} bridge_settings;

static const char *const bridge_fields[] = {"address",
                                            "username",
                                            "password",
                                            "tlsVerify",
                                            "caFile",
                                            "pinnedCertificate",
                                            "name",
                                            "domain",
                                            "numericIdBase",
                                            "numericIdQuantity",
                                            "alternateAddress",
                                            "alternateUsername",
                                            "alternatePassword",
                                            "allowBooking",
                                            "slotNamePrefix",
                                            NULL};

/* Reads and validates the body; replies 400 and returns false on error. */
static bool read_settings(api_request *request, bridge_settings *s)
{
    memset(s, 0, sizeof *s);
    if (!api_check_fields(request, bridge_fields))
        return false;
    if (!api_body_string(request, "address", &s->set_address, &s->address) ||
        !api_body_string(request, "username", &s->set_username, &s->username) ||
        !api_body_string(request, "password", &s->set_password, &s->password) ||
        !api_body_bool(request, "tlsVerify", &s->set_tls_verify, &s->tls_verify) ||
        !api_body_string(request, "caFile", &s->set_ca_file, &s->ca_file) ||
        !api_body_string(request, "pinnedCertificate", &s->set_pinned, &s->pinned) ||
        !api_body_string(request, "name", &s->set_name, &s->name) ||
        !api_body_string(request, "domain", &s->set_domain, &s->domain) ||
        !api_body_integer(request, "numericIdBase", 0, NUMERIC_ID_MAX, &s->set_base, &s->base_null,
                          &s->base) ||
        !api_body_integer(request, "numericIdQuantity", 1, SLOT_QUANTITY_MAX, &s->set_quantity,
                          &s->quantity_null, &s->quantity) ||
        !api_body_string(request, "alternateAddress", &s->set_alternate_address,
                         &s->alternate_address) ||
        !api_body_string(request, "alternateUsername", &s->set_alternate_username,
                         &s->alternate_username) ||
        !api_body_string(request, "alternatePassword", &s->set_alternate_password,
                         &s->alternate_password) ||
        !api_body_bool(request, "allowBooking", &s->set_allow_booking, &s->allow_booking) ||
        !api_body_string(request, "slotNamePrefix", &s->set_prefix, &s->prefix))
        return false;
    if (s->set_address &&
        (!s->address || cms_address_parse(s->address, &s->parsed_address) != CV_OK)) {
        api_fail_field(request, "address",
                       "address must be host, host:port or an http(s) URL of the bridge's API");
        return false;
    }
    if (s->set_username && (!s->username || !*s->username)) {
        api_fail_field(request, "username", "username must not be empty");
        return false;
    }
    if (s->set_password && (!s->password || !*s->password)) {
        api_fail_field(request, "password", "password must not be empty");
        return false;
    }
    if (s->ca_file && *s->ca_file && access(s->ca_file, R_OK) != 0) {
        api_fail_field(request, "caFile", "caFile \"%s\" cannot be read by convened", s->ca_file);
        return false;
    }
    if (s->pinned && *s->pinned && strncmp(s->pinned, "sha256//", 8) != 0 &&
        access(s->pinned, R_OK) != 0) {
        api_fail_field(request, "pinnedCertificate",
                       "pinnedCertificate must be a readable PEM certificate file or sha256//HASH");
        return false;
    }
    if (s->name && strlen(s->name) > 255) {
        api_fail_field(request, "name", "name is longer than 255 characters");
        return false;
    }
    if (s->domain && *s->domain && !bridge_domain_is_valid(s->domain)) {
        api_fail_field(request, "domain", "domain must be a DNS name such as example.com");
        return false;
    }
    cms_address alternate;
    if (s->alternate_address && *s->alternate_address &&
        cms_address_parse(s->alternate_address, &alternate) != CV_OK) {
        api_fail_field(request, "alternateAddress",
                       "alternateAddress must be host, host:port or an http(s) URL");
        return false;
    }
    if (s->set_prefix && !bridge_slot_prefix_is_valid(s->prefix)) {
        api_fail_field(request, "slotNamePrefix",
                       "slotNamePrefix must be 1 to 64 printable characters without $ or \\");
        return false;
    }
    return true;
}

/* The values a bridge will have after the change: the record with the
 * settings applied (strings borrowed from either). */
typedef struct {
    const char *address, *username, *password, *ca_file, *pinned;
    bool tls_verify;
    bool has_base, has_quantity;
    int64_t base, quantity;
    const char *alternate_address;
} effective_settings;

static const char *pick(bool set, const char *given, const char *stored)
{
    return set ? (given && *given ? given : NULL) : stored;
}

static void effective(const bridge_record *record, const bridge_settings *s,
                      effective_settings *out)
{
    out->address = s->set_address ? s->parsed_address.base_url : record->address;
    out->username = pick(s->set_username, s->username, record->username);
    out->password = pick(s->set_password, s->password, record->password);
    out->ca_file = pick(s->set_ca_file, s->ca_file, record->ca_file);
    out->pinned = pick(s->set_pinned, s->pinned, record->pinned_certificate);
    out->tls_verify = s->set_tls_verify ? s->tls_verify : record->tls_verify;
    out->has_base = s->set_base ? !s->base_null : record->has_numeric_id_base;
    out->base = s->set_base ? s->base : record->numeric_id_base;
    out->has_quantity = s->set_quantity ? !s->quantity_null : record->has_numeric_id_quantity;
    out->quantity = s->set_quantity ? s->quantity : record->numeric_id_quantity;
    out->alternate_address =
        pick(s->set_alternate_address, s->alternate_address, record->alternate_address);
}

/* Refuses (409) an address that is managed already, itself or as a member
 * of a managed cluster. */
static bool check_not_managed(api_request *request, const char *address, const char *field,
                              const char *except_bridge_id)
{
    char *owner_id = NULL, *owner_name = NULL, *member_name = NULL;
    cv_result result = discovery_find_owner(request->database, address, except_bridge_id, &owner_id,
                                            &owner_name, &member_name);
    if (result == CV_ERR_NOT_FOUND)
        return true;
    if (result != CV_OK) {
        api_fail_result(request, result, "checking managed clusters");
        return false;
    }
    char message[768];
    snprintf(message, sizeof message,
             "%s %s is already managed: it is %s in the cluster of bridge \"%s\" (%s)", field,
             address, member_name, owner_name, owner_id);
    api_fail_conflict(request, message,
                      json_pack("[{s:s, s:s, s:s, s:s, s:s}]", "field", field, "bridge", owner_id,
                                "bridgeName", owner_name, "member", member_name, "address",
                                address));
    free(owner_id);
    free(owner_name);
    free(member_name);
    return false;
}

/* GET /system/status through `endpoint`; replies (503, 400) and returns
 * false when the bridge cannot be used. */
static bool probe_bridge(api_request *request, const char *bridge_id, const cms_endpoint *endpoint,
                         cms_client **client, cms_system_status *status)
{
    cv_result result = cms_registry_client(request->daemon->cms, endpoint, client);
    if (result == CV_ERR_INVALID) {
        api_fail_field(request, "pinnedCertificate",
                       "pinnedCertificate is neither sha256//HASH nor a PEM certificate");
        return false;
    }
    if (result != CV_OK) {
        api_fail_result(request, result, "preparing the CMS client");
        return false;
    }
    cms_response response;
    result = cms_get(*client, "/system/status", &response);
    if (result == CV_OK && cms_parse_system_status(response.document, status) != CV_OK)
        result = CV_ERR_PROTOCOL;
    char detail[512];
    snprintf(detail, sizeof detail, "%s", response.error);
    cms_response_free(&response);
    if (cms_result_is_unreachable(result)) {
        api_fail_unreachable(request, bridge_id, endpoint->address, detail);
        return false;
    }
    if (result == CV_ERR_AUTH) {
        api_fail_field(request, "password", "%s refused the username and password",
                       endpoint->address);
        return false;
    }
    if (result != CV_OK) {
        api_fail_field(request, "address", "%s does not answer as a Cisco Meeting Server API%s%s",
                       endpoint->address, detail[0] ? ": " : "", detail);
        return false;
    }
    return true;
}

/* Refuses (409) a new cluster whose members are managed as other bridges. */
static bool check_cluster_unmanaged(api_request *request, const discovery_cluster *cluster,
                                    const char *except_bridge_id)
{
    for (size_t i = 0; i < cluster->count; i++) {
        const discovery_member *member = &cluster->members[i];
        if (member->added || !member->address[0])
            continue;
        if (!check_not_managed(request, member->address, "cluster member", except_bridge_id))
            return false;
    }
    return true;
}

/* Active bookings whose slot falls outside [base, base+quantity-1] (or all
 * of them when has_range is false), as a JSON conflicts list. */
static json_t *bookings_outside_range(sqlite3 *database, const char *bridge_id, bool has_range,
                                      int64_t base, int64_t quantity)
{
    json_t *list = json_array();
    sqlite3_stmt *statement = NULL;
    int code = sqlite3_prepare_v2(
        database,
        "SELECT id, title, slot FROM bookings WHERE bridge_id = ?1 AND slot IS NOT NULL"
        " AND state IN " SCHEMA_ACTIVE_BOOKING_STATES
        " AND (?2 = 0 OR slot < ?3 OR slot > ?3 + ?4 - 1) ORDER BY start_at LIMIT 100",
        -1, &statement, NULL);
    if (code == SQLITE_OK) {
        sqlite3_bind_text(statement, 1, bridge_id, -1, SQLITE_TRANSIENT);
        sqlite3_bind_int(statement, 2, has_range ? 1 : 0);
        sqlite3_bind_int64(statement, 3, base);
        sqlite3_bind_int64(statement, 4, quantity);
    }
    while (list && code == SQLITE_OK && (code = sqlite3_step(statement)) == SQLITE_ROW) {
        code = SQLITE_OK;
        json_t *entry = json_pack("{s:s, s:s, s:I}", "booking", sqlite3_column_text(statement, 0),
                                  "title", sqlite3_column_text(statement, 1), "slot",
                                  (json_int_t)sqlite3_column_int64(statement, 2));
        if (!entry || json_array_append_new(list, entry) != 0) {
            json_decref(list);
            list = NULL;
        }
    }
    sqlite3_finalize(statement);
    if (code != SQLITE_DONE) {
        json_decref(list);
        return NULL;
    }
    return list;
}

/* Refuses a range that would drop a slot holding a booked or live meeting.
 * Called inside the transaction that writes the range, so no booking can
 * land on a dropped slot between this check and that write. */
static bool check_range_keeps_meetings(api_request *request, const bridge_record *record,
                                       const effective_settings *after)
{
    bool has_range = after->has_base && after->has_quantity;
    bool any = false;
    int64_t lowest = 0, highest = 0;
    cv_result result = slots_in_use_range(request->database, record->id, &any, &lowest, &highest);
    if (result != CV_OK) {
        api_fail_result(request, result, "checking slots in use");
        return false;
    }
    if (!any ||
        (has_range && lowest >= after->base && highest <= after->base + after->quantity - 1))
        return true;
    json_t *conflicts = bookings_outside_range(request->database, record->id, has_range,
                                               after->base, after->quantity);
    char message[256];
    snprintf(message, sizeof message,
             "the new numeric ID range would remove slots %lld..%lld that hold booked or live "
             "meetings",
             (long long)lowest, (long long)highest);
    api_fail_conflict(request, message, conflicts);
    return false;
}

static void reply_bridge(api_request *request, const char *bridge_id, int status)
{
    bridge_record record;
    cv_result result = bridge_load(request->database, bridge_id, &record);
    if (result != CV_OK) {
        if (result == CV_ERR_NOT_FOUND)
            api_fail_not_found(request, "bridge", bridge_id);
        else
            api_fail_result(request, result, "reading the bridge");
        return;
    }
    json_t *document = bridge_json(request->database, &record);
    bridge_record_free(&record);
    api_reply_json(request, status, document);
}

/* INSERT of POST /bridges: the new row with the given settings. */
static cv_result insert_bridge_row(sqlite3 *database, const char *id, const char *address,
                                   bool tls_verify, const bridge_settings *s)
{
    sqlite3_stmt *statement = NULL;
    int code = sqlite3_prepare_v2(
        database,
        "INSERT INTO bridges (id, address, username, password, tls_verify, ca_file,"
        " pinned_certificate, name, domain, numeric_id_base, numeric_id_quantity,"
        " alternate_address, alternate_username, alternate_password, allow_booking,"
        " slot_name_prefix, created)"
        " VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14, ?15, ?16, ?17)",
        -1, &statement, NULL);
    if (code != SQLITE_OK)
        return store_result(code);
    cms_address alternate;
    const char *alternate_address =
        s->alternate_address && *s->alternate_address &&
                cms_address_parse(s->alternate_address, &alternate) == CV_OK
            ? alternate.base_url
            : NULL;
    sqlite3_bind_text(statement, 1, id, -1, SQLITE_TRANSIENT);
    sqlite3_bind_text(statement, 2, address, -1, SQLITE_TRANSIENT);
    sqlite3_bind_text(statement, 3, s->username, -1, SQLITE_TRANSIENT);
    sqlite3_bind_text(statement, 4, s->password, -1, SQLITE_TRANSIENT);
    sqlite3_bind_int(statement, 5, tls_verify ? 1 : 0);
    store_bind_text_or_null(statement, 6, s->ca_file);
    store_bind_text_or_null(statement, 7, s->pinned);
    store_bind_text_or_null(statement, 8, s->name);
    store_bind_text_or_null(statement, 9, s->domain);
    if (s->set_base && !s->base_null)
        sqlite3_bind_int64(statement, 10, s->base);
    if (s->set_quantity && !s->quantity_null)
        sqlite3_bind_int64(statement, 11, s->quantity);
    store_bind_text_or_null(statement, 12, alternate_address);
    store_bind_text_or_null(statement, 13, s->alternate_username);
    store_bind_text_or_null(statement, 14, s->alternate_password);
    sqlite3_bind_int(statement, 15, s->set_allow_booking ? s->allow_booking : 1);
    sqlite3_bind_text(statement, 16, s->set_prefix ? s->prefix : SCHEDULER_DEFAULT_SLOT_PREFIX, -1,
                      SQLITE_TRANSIENT);
    sqlite3_bind_int64(statement, 17, (sqlite3_int64)time(NULL));
    code = sqlite3_step(statement);
    sqlite3_finalize(statement);
    return code == SQLITE_DONE ? CV_OK : store_result(code);
}

static void post_bridge(api_request *request)
{
    bridge_settings s;
    if (!api_require_body(request) || !read_settings(request, &s))
        return;
    const char *missing = !s.set_address    ? "address"
                          : !s.set_username ? "username"
                          : !s.set_password ? "password"
                                            : NULL;
    if (missing) {
        api_fail_field(request, missing, "%s is required", missing);
        return;
    }
    if (s.set_base && !s.base_null && s.set_quantity && !s.quantity_null &&
        s.base + s.quantity - 1 > NUMERIC_ID_MAX) {
        api_fail_field(request, "numericIdQuantity",
                       "the last numeric ID (base + quantity - 1) must not exceed %lld",
                       (long long)NUMERIC_ID_MAX);
        return;
    }
    const char *address = s.parsed_address.base_url;
    if (!check_not_managed(request, address, "address", NULL))
        return;

    char id[ID_TEXT_SIZE];
    id_generate(id);
    bool tls_verify = s.set_tls_verify ? s.tls_verify : true;
    cms_endpoint endpoint = {address, s.username, s.password, tls_verify, s.ca_file, s.pinned};
    cms_client *client = NULL;
    cms_system_status status;
    if (!probe_bridge(request, NULL, &endpoint, &client, &status))
        return;
    discovery_cluster cluster = {NULL, 0};
    char error[512] = "";
    if (discovery_fetch(client, address, &cluster, error, sizeof error) != CV_OK)
        log_warning("bridge %s: discovery failed: %s", address, error);
    if (!check_cluster_unmanaged(request, &cluster, NULL)) {
        discovery_cluster_free(&cluster);
        return;
    }

    sqlite3 *database = request->database;
    cv_result result = store_begin(database);
    /* Checked again inside the write lock: another add may have won. */
    bool still_free = result == CV_OK && check_not_managed(request, address, "address", NULL) &&
                      check_cluster_unmanaged(request, &cluster, NULL);
    if (result == CV_OK && !still_free) {
        store_rollback(database);
        discovery_cluster_free(&cluster);
        return;
    }
    if (result == CV_OK)
        result = insert_bridge_row(database, id, address, tls_verify, &s);
    bridge_record record;
    memset(&record, 0, sizeof record);
    if (result == CV_OK)
        result = bridge_load(database, id, &record);
    if (result == CV_OK)
        result = poller_record(database, &record, CV_OK, &status, NULL);
    if (result == CV_OK)
        result = tickets_update_settings(database, id);
    if (result == CV_OK)
        result = store_commit(database);
    else
        store_rollback(database);
    bridge_record_free(&record);
    if (result == CV_OK) {
        /* Outside the transaction: discovery_store has its own. */
        cv_result stored = discovery_store(database, id, &cluster);
        if (stored != CV_OK)
            log_warning("bridge %s: cluster not stored: %s", id, cv_result_name(stored));
    }
    discovery_cluster_free(&cluster);
    if (result != CV_OK) {
        api_fail_result(request, result, "adding the bridge");
        return;
    }
    log_info("bridge %s added (%s, CMS %s)", id, address, status.software_version);
    {
        /* Discovery just ran: the worker only needs to poll and provision. */
        struct bridge_worker *worker = request->daemon->bridge_worker;
        if (worker)
            bridges_discovery_due(worker, id, true);
        bridges_request_refresh(request->daemon, id);
    }
    reply_bridge(request, id, 201);
}

static void get_bridges(api_request *request)
{
    char **ids = NULL;
    size_t count = 0;
    cv_result result = bridge_list_ids(request->database, &ids, &count);
    json_t *list = json_array();
    for (size_t i = 0; result == CV_OK && list && i < count; i++) {
        bridge_record record;
        result = bridge_load(request->database, ids[i], &record);
        if (result == CV_ERR_NOT_FOUND) { /* deleted meanwhile */
            result = CV_OK;
            continue;
        }
        if (result != CV_OK)
            break;
        json_t *document = bridge_json(request->database, &record);
        bridge_record_free(&record);
        if (!document || json_array_append_new(list, document) != 0)
            result = CV_ERR_NO_MEMORY;
    }
    bridge_free_ids(ids, count);
    if (result != CV_OK || !list) {
        json_decref(list);
        api_fail_result(request, result != CV_OK ? result : CV_ERR_NO_MEMORY, "listing bridges");
        return;
    }
    api_reply_json(request, 200, list);
}

static bool path_bridge_id(api_request *request, const char **id)
{
    *id = api_segment(request, 1);
    if (!*id || !id_is_valid(*id)) {
        api_fail_not_found(request, "bridge", *id);
        return false;
    }
    return true;
}

static void get_bridge(api_request *request)
{
    const char *id;
    if (path_bridge_id(request, &id))
        reply_bridge(request, id, 200);
}

static bool connection_changed(const bridge_settings *s)
{
    return s->set_address || s->set_username || s->set_password || s->set_tls_verify ||
           s->set_ca_file || s->set_pinned;
}

/* The UPDATE of PATCH /bridges/<id>. `record` is the row as read inside
 * the caller's transaction, `after` the values it will have. */
static cv_result write_settings(sqlite3 *database, const bridge_record *record,
                                const bridge_settings *s, const effective_settings *after)
{
    bool range_changed =
        (s->set_base && (after->has_base != record->has_numeric_id_base ||
                         after->base != record->numeric_id_base)) ||
        (s->set_quantity && (after->has_quantity != record->has_numeric_id_quantity ||
                             after->quantity != record->numeric_id_quantity)) ||
        (s->set_prefix && strcmp(s->prefix, record->slot_name_prefix) != 0);
    cms_address alternate;
    const char *alternate_address =
        after->alternate_address && cms_address_parse(after->alternate_address, &alternate) == CV_OK
            ? alternate.base_url
            : NULL;
    sqlite3_stmt *statement = NULL;
    int code = sqlite3_prepare_v2(
        database,
        "UPDATE bridges SET address = ?2, username = ?3, password = ?4, tls_verify = ?5,"
        " ca_file = ?6, pinned_certificate = ?7,"
        " name = CASE WHEN ?17 THEN ?8 ELSE name END,"
        " domain = CASE WHEN ?18 THEN ?9 ELSE domain END,"
        " numeric_id_base = ?10, numeric_id_quantity = ?11, alternate_address = ?12,"
        " alternate_username = CASE WHEN ?19 THEN ?13 ELSE alternate_username END,"
        " alternate_password = CASE WHEN ?20 THEN ?14 ELSE alternate_password END,"
        " allow_booking = ?15, slot_name_prefix = ?16,"
        " provisioning_state = CASE WHEN ?21 THEN 'none' ELSE provisioning_state END"
        " WHERE id = ?1",
        -1, &statement, NULL);
    if (code == SQLITE_OK) {
        sqlite3_bind_text(statement, 1, record->id, -1, SQLITE_TRANSIENT);
        sqlite3_bind_text(statement, 2, after->address, -1, SQLITE_TRANSIENT);
        sqlite3_bind_text(statement, 3, after->username ? after->username : record->username, -1,
                          SQLITE_TRANSIENT);
        sqlite3_bind_text(statement, 4, after->password ? after->password : record->password, -1,
                          SQLITE_TRANSIENT);
        sqlite3_bind_int(statement, 5, after->tls_verify ? 1 : 0);
        store_bind_text_or_null(statement, 6, after->ca_file);
        store_bind_text_or_null(statement, 7, after->pinned);
        store_bind_text_or_null(statement, 8, s->name);
        store_bind_text_or_null(statement, 9, s->domain);
        if (after->has_base)
            sqlite3_bind_int64(statement, 10, after->base);
        if (after->has_quantity)
            sqlite3_bind_int64(statement, 11, after->quantity);
        store_bind_text_or_null(statement, 12, alternate_address);
        store_bind_text_or_null(statement, 13, s->alternate_username);
        store_bind_text_or_null(statement, 14, s->alternate_password);
        sqlite3_bind_int(statement, 15,
                         (s->set_allow_booking ? s->allow_booking : record->allow_booking) ? 1 : 0);
        sqlite3_bind_text(statement, 16, s->set_prefix ? s->prefix : record->slot_name_prefix, -1,
                          SQLITE_TRANSIENT);
        sqlite3_bind_int(statement, 17, s->set_name);
        sqlite3_bind_int(statement, 18, s->set_domain);
        sqlite3_bind_int(statement, 19, s->set_alternate_username);
        sqlite3_bind_int(statement, 20, s->set_alternate_password);
        sqlite3_bind_int(statement, 21, range_changed);
        code = sqlite3_step(statement);
    }
    sqlite3_finalize(statement);
    cv_result result = code == SQLITE_DONE ? CV_OK : store_result(code);
    if (result == CV_OK)
        result = tickets_update_settings(database, record->id);
    return result;
}

/* Loads bridge `id` for a handler; false (with the answer sent) when it
 * cannot. */
static bool load_for_request(api_request *request, const char *id, bridge_record *record)
{
    cv_result result = bridge_load(request->database, id, record);
    if (result == CV_OK)
        return true;
    if (result == CV_ERR_NOT_FOUND)
        api_fail_not_found(request, "bridge", id);
    else
        api_fail_result(request, result, "reading the bridge");
    return false;
}

/* The checks of PATCH that need no lock: addresses, the numeric ID limit
 * and, when the connection changes, that the bridge answers with it. */
static bool check_patch(api_request *request, const char *id, const bridge_settings *s,
                        const effective_settings *after)
{
    if (s->set_address && !check_not_managed(request, after->address, "address", id))
        return false;
    if (after->alternate_address && s->set_alternate_address &&
        cms_address_same_endpoint(after->alternate_address, after->address)) {
        api_fail_field(request, "alternateAddress",
                       "alternateAddress must differ from the bridge's address");
        return false;
    }
    if (after->has_base && after->has_quantity &&
        after->base + after->quantity - 1 > NUMERIC_ID_MAX) {
        api_fail_field(request, s->set_quantity ? "numericIdQuantity" : "numericIdBase",
                       "the last numeric ID (base + quantity - 1) must not exceed %lld",
                       (long long)NUMERIC_ID_MAX);
        return false;
    }
    if (!connection_changed(s))
        return true;
    cms_endpoint endpoint = {after->address,    after->username, after->password,
                             after->tls_verify, after->ca_file,  after->pinned};
    cms_client *client = NULL;
    cms_system_status status;
    return probe_bridge(request, id, &endpoint, &client, &status);
}

static void patch_bridge(api_request *request)
{
    const char *id;
    bridge_settings s;
    if (!path_bridge_id(request, &id) || !api_require_body(request) || !read_settings(request, &s))
        return;
    bridge_record record;
    if (!load_for_request(request, id, &record))
        return;
    effective_settings after;
    effective(&record, &s, &after);
    bool ok = check_patch(request, id, &s, &after);
    bridge_record_free(&record);
    if (!ok)
        return;
    /* The range check and the write that depends on it in one BEGIN
     * IMMEDIATE transaction: a booking racing this change either lands
     * first (and the shrink is refused) or sees the new range. */
    cv_result result = store_begin(request->database);
    if (result != CV_OK) {
        api_fail_result(request, result, "starting a transaction");
        return;
    }
    if (!load_for_request(request, id, &record)) {
        store_rollback(request->database);
        return;
    }
    effective(&record, &s, &after);
    if ((s.set_base || s.set_quantity) && !check_range_keeps_meetings(request, &record, &after)) {
        store_rollback(request->database);
        bridge_record_free(&record);
        return;
    }
    result = write_settings(request->database, &record, &s, &after);
    bridge_record_free(&record);
    if (result == CV_OK)
        result = store_commit(request->database);
    if (result != CV_OK) {
        store_rollback(request->database);
        api_fail_result(request, result, "changing the bridge");
        return;
    }
    if (connection_changed(&s))
        bridges_forget_discovery(request->daemon->bridge_worker, id);
    bridges_request_refresh(request->daemon, id);
    reply_bridge(request, id, 200);
}

/* DELETE FROM bridges; *removed says whether the row was there. */
static cv_result remove_bridge_row(sqlite3 *database, const char *id, bool *removed)
{
    sqlite3_stmt *statement = NULL;
    int code =
        sqlite3_prepare_v2(database, "DELETE FROM bridges WHERE id = ?1", -1, &statement, NULL);
    if (code == SQLITE_OK)
        code = sqlite3_bind_text(statement, 1, id, -1, SQLITE_TRANSIENT);
    if (code == SQLITE_OK)
        code = sqlite3_step(statement);
    *removed = sqlite3_changes(database) > 0;
    sqlite3_finalize(statement);
    return code == SQLITE_DONE ? CV_OK : store_result(code);
}

static void delete_bridge(api_request *request)
{
    const char *id;
    if (!path_bridge_id(request, &id))
        return;
    /* The check for bookings and the delete in one BEGIN IMMEDIATE
     * transaction: a booking racing the delete either lands first (and the
     * delete is refused) or finds the bridge gone. */
    cv_result result = store_begin(request->database);
    if (result != CV_OK) {
        api_fail_result(request, result, "starting a transaction");
        return;
    }
    json_t *conflicts = bookings_outside_range(request->database, id, false, 0, 0);
    if (!conflicts) {
        store_rollback(request->database);
        api_fail_result(request, CV_ERR_STORE, "checking the bridge's bookings");
        return;
    }
    if (json_array_size(conflicts) > 0) {
        store_rollback(request->database);
        api_fail_conflict(request,
                          "the bridge holds booked or live meetings; cancel or move them first",
                          conflicts);
        return;
    }
    json_decref(conflicts);
    bool removed = false;
    result = remove_bridge_row(request->database, id, &removed);
    if (result == CV_OK)
        result = store_commit(request->database);
    if (result != CV_OK) {
        store_rollback(request->database);
        api_fail_result(request, result, "removing the bridge");
    } else if (!removed) {
        api_fail_not_found(request, "bridge", id);
    } else {
        log_info("bridge %s removed", id);
        api_reply_empty(request);
    }
}

/* POST /bridges/<id>/refresh: poll, discover and provision now. */
static void refresh_bridge_now(api_request *request)
{
    const char *id;
    if (!path_bridge_id(request, &id))
        return;
    bridge_record record;
    cv_result result = bridge_load(request->database, id, &record);
    if (result != CV_OK) {
        if (result == CV_ERR_NOT_FOUND)
            api_fail_not_found(request, "bridge", id);
        else
            api_fail_result(request, result, "reading the bridge");
        return;
    }
    bridge_record_free(&record);
    bridges_forget_discovery(request->daemon->bridge_worker, id);
    bridges_request_refresh(request->daemon, id);
    api_reply_json(request, 202, json_pack("{s:s}", "refresh", "queued"));
}

static const api_route bridge_routes[] = {
    {"POST", "bridges", post_bridge, NULL},
    {"GET", "bridges", get_bridges, NULL},
    {"GET", "bridges/*", get_bridge, NULL},
    {"PATCH", "bridges/*", patch_bridge, NULL},
    {"DELETE", "bridges/*", delete_bridge, NULL},
    {"POST", "bridges/*/refresh", refresh_bridge_now, NULL},
};

static cv_result bridges_start(scheduler *daemon)
{
    cv_result result =
        api_register(daemon, bridge_routes, sizeof bridge_routes / sizeof bridge_routes[0]);
    if (result == CV_OK)
        result = bridges_worker_start(daemon);
    return result;
}

static void bridges_stop(scheduler *daemon)
{
    bridges_worker_stop(daemon);
}

const scheduler_module bridges_module = {"bridges", bridges_start, bridges_stop};
