/*
 * bridges_api.c - the /bridges resource of convened's JSON API:
 *   POST   /bridges                add (the bridge must answer first)
 *   GET    /bridges, /bridges/<id> list, one
 *   PATCH  /bridges/<id>           change settings
 *   DELETE /bridges/<id>           remove
 *   POST   /bridges/<id>/refresh   poll, discover and provision now
 * and the bridges module (routes and worker).
 *
 * Owns: the "already managed" and range checks (each in the transaction of
 * the write that depends on it), the probe of a bridge before it is added
 * or reached differently, the settings columns' writes.
 * Does not own: reading and validating settings (bridges_settings.c), the
 * record (bridges.c), its JSON form (bridges_json.c), the worker
 * (bridges_worker.c).
 */
#include "scheduler/audit.h"
#include "scheduler/bridges_internal.h"
#include "scheduler/bridges_settings.h"

#include <errno.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "common/log.h"
#include "common/rfc3339.h"
#include "common/store_db_pool.h"
#include "common/strbuf.h"
#include "common/text.h"
#include "scheduler/api.h"
#include "scheduler/discovery.h"
#include "scheduler/poller.h"
#include "scheduler/schema.h"
#include "scheduler/db_bookings.h"
#include "scheduler/db_bridges.h"
#include "scheduler/slots.h"
#include "scheduler/tickets.h"

/* ---- the API ---------------------------------------------------------------------- */

/* Refuses (409) an address that is managed already, itself or as a member
 * of a managed cluster. */
static bool check_not_managed(scheduler_api_request *request, const char *address,
                              const char *field, const char *except_bridge_id)
{
    char *owner_id = NULL, *owner_name = NULL, *member_name = NULL;
    cv_result result = discovery_find_owner(request->database, address, except_bridge_id, &owner_id,
                                            &owner_name, &member_name);
    if (result == CV_ERR_NOT_FOUND)
        return true;
    if (result != CV_OK) {
        scheduler_api_fail_result(request, result, "checking managed clusters");
        return false;
    }
    char message[768];
    snprintf(message, sizeof message,
             "%s %s is already managed: it is %s in the cluster of bridge \"%s\" (%s)", field,
             address, member_name, owner_name, owner_id);
    scheduler_api_fail_conflict(request, message,
                                json_pack("[{s:s, s:s, s:s, s:s, s:s}]", "field", field, "bridge",
                                          owner_id, "bridgeName", owner_name, "member", member_name,
                                          "address", address));
    free(owner_id);
    free(owner_name);
    free(member_name);
    return false;
}

/* GET /system/status through `endpoint`; replies (503, 400) and returns
 * false when the bridge cannot be used. */
static bool probe_bridge(scheduler_api_request *request, const char *bridge_id,
                         const cms_endpoint *endpoint, cms_client **client,
                         cms_system_status *status)
{
    cv_result result = cms_registry_client(request->daemon->cms, endpoint, client);
    if (result == CV_ERR_INVALID) {
        scheduler_api_fail_field(request, "pinnedCertificate",
                                 "pinnedCertificate is neither sha256//HASH nor a PEM certificate");
        return false;
    }
    if (result != CV_OK) {
        scheduler_api_fail_result(request, result, "preparing the CMS client");
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
        scheduler_api_fail_unreachable(request, bridge_id, endpoint->address, detail);
        return false;
    }
    if (result == CV_ERR_AUTH) {
        scheduler_api_fail_field(request, "password", "%s refused the username and password",
                                 endpoint->address);
        return false;
    }
    if (result == CV_ERR_BUSY && atomic_load(&request->daemon->stopping)) {
        scheduler_api_fail(request, 503, "stopping",
                           "convened is stopping; try again when it is back", NULL);
        return false;
    }
    if (result != CV_OK) {
        scheduler_api_fail_field(request, "address",
                                 "%s does not answer as a Cisco Meeting Server API%s%s",
                                 endpoint->address, detail[0] ? ": " : "", detail);
        return false;
    }
    return true;
}

/* Refuses (409) a new cluster whose members are managed as other bridges. */
static bool check_cluster_unmanaged(scheduler_api_request *request,
                                    const discovery_cluster *cluster, const char *except_bridge_id)
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

/* db_booking_on_slot_visit: appends the booking to the JSON array
 * `context`. */
static cv_result append_outside(const db_booking_on_slot *row, void *context)
{
    json_t *entry = json_pack("{s:s, s:s, s:I}", "booking", row->id, "title", row->title, "slot",
                              (json_int_t)row->slot);
    if (!entry || json_array_append_new(context, entry) != 0)
        return CV_ERR_NO_MEMORY;
    return CV_OK;
}

/* Active bookings whose slot falls outside [base, base+quantity-1] (or all
 * of them when has_range is false), as a JSON conflicts list. */
static json_t *bookings_outside_range(store_db *database, const char *bridge_id, bool has_range,
                                      int64_t base, int64_t quantity)
{
    json_t *list = json_array();
    if (list && db_bookings_outside_range_each(database, bridge_id, has_range, base, quantity,
                                               append_outside, list) != CV_OK) {
        json_decref(list);
        return NULL;
    }
    return list;
}

/* Refuses a range that would drop a slot holding a booked or live meeting.
 * Called inside the transaction that writes the range, so no booking can
 * land on a dropped slot between this check and that write. */
static bool check_range_keeps_meetings(scheduler_api_request *request, const bridge_record *record,
                                       const effective_settings *after)
{
    bool has_range = after->has_base && after->has_quantity;
    bool any = false;
    int64_t lowest = 0, highest = 0;
    cv_result result = slots_in_use_range(request->database, record->id, &any, &lowest, &highest);
    if (result != CV_OK) {
        scheduler_api_fail_result(request, result, "checking slots in use");
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
    scheduler_api_fail_conflict(request, message, conflicts);
    return false;
}

static void reply_bridge(scheduler_api_request *request, const char *bridge_id, int status)
{
    bridge_record record;
    cv_result result = bridge_load(request->database, bridge_id, &record);
    if (result != CV_OK) {
        if (result == CV_ERR_NOT_FOUND)
            scheduler_api_fail_not_found(request, "bridge", bridge_id);
        else
            scheduler_api_fail_result(request, result, "reading the bridge");
        return;
    }
    json_t *document = bridge_json(request->database, &record);
    bridge_record_free(&record);
    scheduler_api_reply_json(request, status, document);
}

/* INSERT of POST /bridges: the new row with the given settings. */
static cv_result insert_bridge_row(store_db *database, const char *id, const char *address,
                                   bool tls_verify, const bridge_settings *s)
{
    cms_address alternate;
    const char *alternate_address =
        s->alternate_address && *s->alternate_address &&
                cms_address_parse(s->alternate_address, &alternate) == CV_OK
            ? alternate.base_url
            : NULL;
    bool failed = false;
    char *allowed = bridge_allowed_members_text(s->allowed_members, &failed);
    db_bridge_settings_row row = {
        .id = id,
        .address = address,
        .username = s->username,
        .password = s->password,
        .tls_verify = tls_verify,
        .ca_file = s->ca_file,
        .pinned_certificate = s->pinned,
        .name = s->name,
        .domain = s->domain,
        .has_base = s->set_base && !s->base_null,
        .base = s->base,
        .has_quantity = s->set_quantity && !s->quantity_null,
        .quantity = s->quantity,
        .alternate_address = alternate_address,
        .alternate_username = s->alternate_username,
        .alternate_password = s->alternate_password,
        .allow_booking = s->set_allow_booking ? s->allow_booking : true,
        .slot_name_prefix = s->set_prefix ? s->prefix : SCHEDULER_DEFAULT_SLOT_PREFIX,
        .allowed_members = allowed,
    };
    cv_result result =
        failed ? CV_ERR_NO_MEMORY : db_bridge_insert(database, &row, (int64_t)time(NULL));
    free(allowed);
    return result;
}

/* The rules a new bridge's settings must meet beyond each member's own:
 * false when they do not (the reply is set). */
static bool check_new_bridge(scheduler_api_request *request, const bridge_settings *s)
{
    const char *missing = !s->set_address    ? "address"
                          : !s->set_username ? "username"
                          : !s->set_password ? "password"
                                             : NULL;
    if (missing) {
        scheduler_api_fail_field(request, missing, "%s is required", missing);
        return false;
    }
    if (s->set_base && !s->base_null && s->set_quantity && !s->quantity_null &&
        s->base + s->quantity - 1 > NUMERIC_ID_MAX) {
        scheduler_api_fail_field(request, "numericIdQuantity",
                                 "the last numeric ID (base + quantity - 1) must not exceed %lld",
                                 (long long)NUMERIC_ID_MAX);
        return false;
    }
    return true;
}

/* Stores a probed bridge `id`: in one transaction, the checks that its
 * address and cluster are still unmanaged, the row, its status and its
 * settings tickets; then its cluster members. *replied: a check failed
 * and set the reply (another add won); any other failure is left to the
 * caller to report. */
static cv_result store_new_bridge(scheduler_api_request *request, const char *id,
                                  const bridge_settings *s, bool tls_verify,
                                  const cms_system_status *status, const discovery_cluster *cluster,
                                  bool *replied)
{
    *replied = false;
    store_db *database = request->database;
    const char *address = s->parsed_address.base_url;
    cv_result result = store_db_begin(database);
    /* Checked again inside the write lock: another add may have won. */
    bool still_free = result == CV_OK && check_not_managed(request, address, "address", NULL) &&
                      check_cluster_unmanaged(request, cluster, NULL);
    if (result == CV_OK && !still_free) {
        store_db_rollback(database);
        *replied = true;
        return CV_ERR_CONFLICT;
    }
    if (result == CV_OK)
        result = insert_bridge_row(database, id, address, tls_verify, s);
    bridge_record record;
    memset(&record, 0, sizeof record);
    if (result == CV_OK)
        result = bridge_load(database, id, &record);
    if (result == CV_OK)
        result = poller_record(request->daemon, database, &record, CV_OK, status, NULL);
    if (result == CV_OK)
        result = tickets_update_settings(request->daemon, database, id);
    if (result == CV_OK)
        result = audit_record(request, "bridge.create", id, json_deep_copy(request->body));
    if (result == CV_OK)
        result = store_db_commit(database);
    else
        store_db_rollback(database);
    bridge_record_free(&record);
    if (result == CV_OK) {
        /* Outside the transaction: discovery_store has its own. */
        cv_result stored = discovery_store(database, id, cluster);
        if (stored != CV_OK)
            log_warning("bridge %s: cluster not stored: %s", id, cv_result_name(stored));
    }
    return result;
}

static void post_bridge(scheduler_api_request *request)
{
    bridge_settings s;
    if (!scheduler_api_require_body(request) || !bridge_settings_read(request, &s))
        return;
    if (!check_new_bridge(request, &s))
        return;
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

    bool replied = false;
    cv_result result = store_new_bridge(request, id, &s, tls_verify, &status, &cluster, &replied);
    discovery_cluster_free(&cluster);
    if (replied)
        return;
    if (result != CV_OK) {
        scheduler_api_fail_result(request, result, "adding the bridge");
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

static void get_bridges(scheduler_api_request *request)
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
        scheduler_api_fail_result(request, result != CV_OK ? result : CV_ERR_NO_MEMORY,
                                  "listing bridges");
        return;
    }
    scheduler_api_reply_json(request, 200, list);
}

static bool path_bridge_id(scheduler_api_request *request, const char **id)
{
    *id = scheduler_api_segment(request, 1);
    if (!*id || !id_is_valid(*id)) {
        scheduler_api_fail_not_found(request, "bridge", *id);
        return false;
    }
    return true;
}

static void get_bridge(scheduler_api_request *request)
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

/* True when the change moves the slots: range or name prefix. */
static bool slots_change(const bridge_record *record, const bridge_settings *s,
                         const effective_settings *after)
{
    return (s->set_base && (after->has_base != record->has_numeric_id_base ||
                            after->base != record->numeric_id_base)) ||
           (s->set_quantity && (after->has_quantity != record->has_numeric_id_quantity ||
                                after->quantity != record->numeric_id_quantity)) ||
           (s->set_prefix && strcmp(s->prefix, record->slot_name_prefix) != 0);
}

/* The UPDATE of PATCH /bridges/<id>. `record` is the row as read inside
 * the caller's transaction, `after` the values it will have. */
static cv_result write_settings(scheduler *daemon, store_db *database, const bridge_record *record,
                                const bridge_settings *s, const effective_settings *after)
{
    bool range_changed = slots_change(record, s, after);
    cms_address alternate;
    const char *alternate_address =
        after->alternate_address && cms_address_parse(after->alternate_address, &alternate) == CV_OK
            ? alternate.base_url
            : NULL;
    bool failed = false;
    char *allowed = bridge_allowed_members_text(s->allowed_members, &failed);
    db_bridge_settings_row row = {
        .id = record->id,
        .address = after->address,
        .username = after->username ? after->username : record->username,
        .password = after->password ? after->password : record->password,
        .tls_verify = after->tls_verify,
        .ca_file = after->ca_file,
        .pinned_certificate = after->pinned,
        .name = s->name,
        .domain = s->domain,
        .has_base = after->has_base,
        .base = after->base,
        .has_quantity = after->has_quantity,
        .quantity = after->quantity,
        .alternate_address = alternate_address,
        .alternate_username = s->alternate_username,
        .alternate_password = s->alternate_password,
        .allow_booking = s->set_allow_booking ? s->allow_booking : record->allow_booking,
        .slot_name_prefix = s->set_prefix ? s->prefix : record->slot_name_prefix,
        .allowed_members = allowed,
    };
    db_bridge_update_scope scope = {
        s->set_name,   s->set_domain,         s->set_alternate_username, s->set_alternate_password,
        range_changed, s->set_allowed_members};
    cv_result result = failed ? CV_ERR_NO_MEMORY : db_bridge_update(database, &row, &scope);
    free(allowed);
    if (result == CV_OK)
        result = tickets_update_settings(daemon, database, record->id);
    return result;
}

/* Loads bridge `id` for a handler; false (with the answer sent) when it
 * cannot. */
static bool load_for_request(scheduler_api_request *request, const char *id, bridge_record *record)
{
    cv_result result = bridge_load(request->database, id, record);
    if (result == CV_OK)
        return true;
    if (result == CV_ERR_NOT_FOUND)
        scheduler_api_fail_not_found(request, "bridge", id);
    else
        scheduler_api_fail_result(request, result, "reading the bridge");
    return false;
}

/* The checks of PATCH that need no lock: addresses, the numeric ID limit
 * and, when the connection changes, that the bridge answers with it. */
static bool check_patch(scheduler_api_request *request, const char *id, const bridge_settings *s,
                        const effective_settings *after)
{
    if (s->set_address && !check_not_managed(request, after->address, "address", id))
        return false;
    if (after->alternate_address && s->set_alternate_address &&
        cms_address_same_endpoint(after->alternate_address, after->address)) {
        scheduler_api_fail_field(request, "alternateAddress",
                                 "alternateAddress must differ from the bridge's address");
        return false;
    }
    if (after->has_base && after->has_quantity &&
        after->base + after->quantity - 1 > NUMERIC_ID_MAX) {
        scheduler_api_fail_field(request, s->set_quantity ? "numericIdQuantity" : "numericIdBase",
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

static void patch_bridge(scheduler_api_request *request)
{
    const char *id;
    bridge_settings s;
    if (!path_bridge_id(request, &id) || !scheduler_api_require_body(request) ||
        !bridge_settings_read(request, &s))
        return;
    bridge_record record;
    if (!load_for_request(request, id, &record))
        return;
    effective_settings after;
    bridge_settings_effective(&record, &s, &after);
    bool ok = check_patch(request, id, &s, &after);
    bridge_record_free(&record);
    if (!ok)
        return;
    /* The range check and the write that depends on it in one BEGIN
     * IMMEDIATE transaction: a booking racing this change either lands
     * first (and the shrink is refused) or sees the new range. */
    cv_result result = store_db_begin(request->database);
    if (result != CV_OK) {
        scheduler_api_fail_result(request, result, "starting a transaction");
        return;
    }
    if (!load_for_request(request, id, &record)) {
        store_db_rollback(request->database);
        return;
    }
    bridge_settings_effective(&record, &s, &after);
    if ((s.set_base || s.set_quantity) && !check_range_keeps_meetings(request, &record, &after)) {
        store_db_rollback(request->database);
        bridge_record_free(&record);
        return;
    }
    result = write_settings(request->daemon, request->database, &record, &s, &after);
    bridge_record_free(&record);
    if (result == CV_OK)
        result = audit_record(request, "bridge.change", id, json_deep_copy(request->body));
    if (result == CV_OK)
        result = store_db_commit(request->database);
    if (result != CV_OK) {
        store_db_rollback(request->database);
        scheduler_api_fail_result(request, result, "changing the bridge");
        return;
    }
    if (connection_changed(&s))
        bridges_forget_discovery(request->daemon->bridge_worker, id);
    bridges_request_refresh(request->daemon, id);
    reply_bridge(request, id, 200);
}

/* DELETE FROM bridges; *removed says whether the row was there. */
static cv_result remove_bridge_row(store_db *database, const char *id, bool *removed)
{
    return db_bridge_remove(database, id, removed);
}

static void delete_bridge(scheduler_api_request *request)
{
    const char *id;
    if (!path_bridge_id(request, &id))
        return;
    /* The check for bookings and the delete in one BEGIN IMMEDIATE
     * transaction: a booking racing the delete either lands first (and the
     * delete is refused) or finds the bridge gone. */
    cv_result result = store_db_begin(request->database);
    if (result != CV_OK) {
        scheduler_api_fail_result(request, result, "starting a transaction");
        return;
    }
    json_t *conflicts = bookings_outside_range(request->database, id, false, 0, 0);
    if (!conflicts) {
        store_db_rollback(request->database);
        scheduler_api_fail_result(request, CV_ERR_STORE, "checking the bridge's bookings");
        return;
    }
    if (json_array_size(conflicts) > 0) {
        store_db_rollback(request->database);
        scheduler_api_fail_conflict(
            request, "the bridge holds booked or live meetings; cancel or move them first",
            conflicts);
        return;
    }
    json_decref(conflicts);
    bool removed = false;
    result = remove_bridge_row(request->database, id, &removed);
    if (result == CV_OK && removed)
        result = audit_record(request, "bridge.delete", id, NULL);
    if (result == CV_OK)
        result = store_db_commit(request->database);
    if (result != CV_OK) {
        store_db_rollback(request->database);
        scheduler_api_fail_result(request, result, "removing the bridge");
    } else if (!removed) {
        scheduler_api_fail_not_found(request, "bridge", id);
    } else {
        log_info("bridge %s removed", id);
        scheduler_api_reply_empty(request);
    }
}

/* POST /bridges/<id>/refresh: poll, discover and provision now. */
static void refresh_bridge_now(scheduler_api_request *request)
{
    const char *id;
    if (!path_bridge_id(request, &id))
        return;
    bridge_record record;
    cv_result result = bridge_load(request->database, id, &record);
    if (result != CV_OK) {
        if (result == CV_ERR_NOT_FOUND)
            scheduler_api_fail_not_found(request, "bridge", id);
        else
            scheduler_api_fail_result(request, result, "reading the bridge");
        return;
    }
    bridge_record_free(&record);
    bridges_forget_discovery(request->daemon->bridge_worker, id);
    bridges_request_refresh(request->daemon, id);
    scheduler_api_reply_json(request, 202, json_pack("{s:s}", "refresh", "queued"));
}

static const scheduler_api_route bridge_routes[] = {
    {"GET", "bridges", get_bridges, NULL, API_ALLOW_OPERATOR, NULL},
    {"GET", "bridges/*", get_bridge, NULL, API_ALLOW_OPERATOR, NULL},
    {"DELETE", "bridges/*", delete_bridge, NULL, API_ALLOW_ADMIN, NULL},
    {"POST", "bridges/*/refresh", refresh_bridge_now, NULL, API_ALLOW_ADMIN, NULL},
};

/* Adding a bridge and changing how it is reached probe it before answering. */
static const scheduler_api_route probing_routes[] = {
    {"POST", "bridges", post_bridge, NULL, API_ALLOW_ADMIN, NULL},
    {"PATCH", "bridges/*", patch_bridge, NULL, API_ALLOW_ADMIN, NULL},
};

static cv_result bridges_start(scheduler *daemon)
{
    cv_result result = scheduler_api_register(daemon, bridge_routes,
                                              sizeof bridge_routes / sizeof bridge_routes[0]);
    if (result == CV_OK)
        result = scheduler_api_register_slow(daemon, probing_routes,
                                             sizeof probing_routes / sizeof probing_routes[0]);
    if (result == CV_OK)
        result = bridges_worker_start(daemon);
    return result;
}

static void bridges_stop(scheduler *daemon)
{
    bridges_worker_stop(daemon);
}

const scheduler_module bridges_module = {"bridges", bridges_start, bridges_stop};
