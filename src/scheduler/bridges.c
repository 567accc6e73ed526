/*
 * bridges.c - a managed bridge's stored record; see bridges.h.
 *
 * Owns: loading the bridges rows, the addresses to try for a bridge (its
 * address, its alternate, then discovered cluster members) and the pure
 * checks of its settings.
 * Does not own: the /bridges API (bridges_api.c), the worker that
 * refreshes bridges (bridges_worker.c), the CMS requests (poller.c,
 * discovery.c, provisioning.c) or ticket rows (tickets.c).
 */
#include "scheduler/bridges.h"

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
#include "scheduler/discovery.h"

/* ---- the record ------------------------------------------------------------ */

void bridge_record_free(bridge_record *record)
{
    free(record->address);
    free(record->username);
    text_wipe_free(record->password);
    free(record->ca_file);
    free(record->pinned_certificate);
    free(record->name);
    free(record->domain);
    free(record->alternate_address);
    free(record->alternate_username);
    text_wipe_free(record->alternate_password);
    free(record->slot_name_prefix);
    free(record->software_version);
    free(record->call_profile_id);
    free(record->call_leg_profile_id);
    free(record->bulk_parameter_set_id);
    free(record->provisioning_state);
    memset(record, 0, sizeof *record);
}

#define RECORD_COLUMNS                                                                             \
    "id, address, username, password, tls_verify, ca_file, pinned_certificate, name, domain,"      \
    " numeric_id_base, numeric_id_quantity, alternate_address, alternate_username,"                \
    " alternate_password, allow_booking, slot_name_prefix, software_version, reachable,"           \
    " last_contact, uptime_seconds, call_legs_active, call_legs_max_active,"                       \
    " call_legs_completed, call_profile_id, call_leg_profile_id, bulk_parameter_set_id,"           \
    " provisioned_base, provisioned_quantity, provisioning_state, provisioning_attempted,"         \
    " created"

static cv_result read_record(sqlite3_stmt *statement, bridge_record *out)
{
    memset(out, 0, sizeof *out);
    bool failed = false;
    snprintf(out->id, sizeof out->id, "%s", (const char *)sqlite3_column_text(statement, 0));
    out->address = store_column_copy(statement, 1, &failed);
    out->username = store_column_copy(statement, 2, &failed);
    out->password = store_column_copy(statement, 3, &failed);
    out->tls_verify = sqlite3_column_int(statement, 4) != 0;
    out->ca_file = store_column_copy(statement, 5, &failed);
    out->pinned_certificate = store_column_copy(statement, 6, &failed);
    out->name = store_column_copy(statement, 7, &failed);
    out->domain = store_column_copy(statement, 8, &failed);
    out->has_numeric_id_base = sqlite3_column_type(statement, 9) != SQLITE_NULL;
    out->numeric_id_base = sqlite3_column_int64(statement, 9);
    out->has_numeric_id_quantity = sqlite3_column_type(statement, 10) != SQLITE_NULL;
    out->numeric_id_quantity = sqlite3_column_int64(statement, 10);
    out->alternate_address = store_column_copy(statement, 11, &failed);
    out->alternate_username = store_column_copy(statement, 12, &failed);
    out->alternate_password = store_column_copy(statement, 13, &failed);
    out->allow_booking = sqlite3_column_int(statement, 14) != 0;
    out->slot_name_prefix = store_column_copy(statement, 15, &failed);
    out->software_version = store_column_copy(statement, 16, &failed);
    out->reachable = sqlite3_column_int(statement, 17) != 0;
    out->last_contact = sqlite3_column_int64(statement, 18);
    out->uptime_seconds = sqlite3_column_int64(statement, 19);
    out->call_legs_active = sqlite3_column_int64(statement, 20);
    out->call_legs_max_active = sqlite3_column_int64(statement, 21);
    out->call_legs_completed = sqlite3_column_int64(statement, 22);
    out->call_profile_id = store_column_copy(statement, 23, &failed);
    out->call_leg_profile_id = store_column_copy(statement, 24, &failed);
    out->bulk_parameter_set_id = store_column_copy(statement, 25, &failed);
    out->has_provisioned_range = sqlite3_column_type(statement, 26) != SQLITE_NULL &&
                                 sqlite3_column_type(statement, 27) != SQLITE_NULL;
    out->provisioned_base = sqlite3_column_int64(statement, 26);
    out->provisioned_quantity = sqlite3_column_int64(statement, 27);
    out->provisioning_state = store_column_copy(statement, 28, &failed);
    out->provisioning_attempted = sqlite3_column_int64(statement, 29);
    out->created = sqlite3_column_int64(statement, 30);
    if (failed) {
        bridge_record_free(out);
        return CV_ERR_NO_MEMORY;
    }
    return CV_OK;
}

cv_result bridge_load(sqlite3 *database, const char *bridge_id, bridge_record *out)
{
    memset(out, 0, sizeof *out);
    sqlite3_stmt *statement = NULL;
    int code = sqlite3_prepare_v2(database, "SELECT " RECORD_COLUMNS " FROM bridges WHERE id = ?1",
                                  -1, &statement, NULL);
    if (code == SQLITE_OK)
        code = sqlite3_bind_text(statement, 1, bridge_id, -1, SQLITE_TRANSIENT);
    if (code == SQLITE_OK)
        code = sqlite3_step(statement);
    cv_result result;
    if (code == SQLITE_ROW)
        result = read_record(statement, out);
    else if (code == SQLITE_DONE)
        result = CV_ERR_NOT_FOUND;
    else
        result = store_result(code);
    sqlite3_finalize(statement);
    return result;
}

void bridge_free_ids(char **ids, size_t count)
{
    for (size_t i = 0; i < count; i++)
        free(ids[i]);
    free(ids);
}

cv_result bridge_list_ids(sqlite3 *database, char ***ids, size_t *count)
{
    *ids = NULL;
    *count = 0;
    sqlite3_stmt *statement = NULL;
    int code = sqlite3_prepare_v2(database, "SELECT id FROM bridges ORDER BY created, id", -1,
                                  &statement, NULL);
    cv_result result = CV_OK;
    while (code == SQLITE_OK && (code = sqlite3_step(statement)) == SQLITE_ROW) {
        code = SQLITE_OK;
        char **grown = realloc(*ids, (*count + 1) * sizeof *grown);
        char *id = strdup((const char *)sqlite3_column_text(statement, 0));
        if (!grown || !id) {
            free(id);
            if (grown)
                *ids = grown;
            result = CV_ERR_NO_MEMORY;
            break;
        }
        *ids = grown;
        (*ids)[(*count)++] = id;
    }
    if (result == CV_OK && code != SQLITE_DONE)
        result = store_result(code);
    sqlite3_finalize(statement);
    if (result != CV_OK) {
        bridge_free_ids(*ids, *count);
        *ids = NULL;
        *count = 0;
    }
    return result;
}

bool bridge_dial_numbers_complete(const bridge_record *record)
{
    return record->domain && *record->domain && record->has_numeric_id_base &&
           record->has_numeric_id_quantity && record->numeric_id_quantity > 0;
}

const char *bridge_display_name(const bridge_record *record)
{
    return record->name && *record->name ? record->name : record->address;
}

cms_endpoint bridge_primary_endpoint(const bridge_record *record)
{
    cms_endpoint endpoint = {
        .address = record->address,
        .username = record->username,
        .password = record->password,
        .tls_verify = record->tls_verify,
        .ca_file = record->ca_file,
        .pinned_certificate = record->pinned_certificate,
    };
    return endpoint;
}

cv_result bridge_primary_client(scheduler *daemon, const bridge_record *record, cms_client **out)
{
    cms_endpoint endpoint = bridge_primary_endpoint(record);
    return cms_registry_client(daemon->cms, &endpoint, out);
}

void bridge_endpoints_free(bridge_endpoints *endpoints)
{
    for (size_t i = 0; i < endpoints->owned_count; i++)
        free(endpoints->owned[i]);
    free(endpoints->owned);
    free(endpoints->items);
    memset(endpoints, 0, sizeof *endpoints);
}

static bool endpoints_contain(const bridge_endpoints *endpoints, const char *address)
{
    for (size_t i = 0; i < endpoints->count; i++)
        if (cms_address_same_endpoint(endpoints->items[i].address, address))
            return true;
    return false;
}

static cv_result endpoints_add(bridge_endpoints *endpoints, cms_endpoint endpoint)
{
    cms_endpoint *grown = realloc(endpoints->items, (endpoints->count + 1) * sizeof *grown);
    if (!grown)
        return CV_ERR_NO_MEMORY;
    endpoints->items = grown;
    endpoints->items[endpoints->count++] = endpoint;
    return CV_OK;
}

cv_result bridge_endpoints_load(sqlite3 *database, const bridge_record *record,
                                bridge_endpoints *out)
{
    memset(out, 0, sizeof *out);
    cv_result result = endpoints_add(out, bridge_primary_endpoint(record));
    if (result == CV_OK && record->alternate_address && *record->alternate_address &&
        !endpoints_contain(out, record->alternate_address)) {
        cms_endpoint alternate = bridge_primary_endpoint(record);
        alternate.address = record->alternate_address;
        if (record->alternate_username && *record->alternate_username) {
            alternate.username = record->alternate_username;
            alternate.password = record->alternate_password ? record->alternate_password : "";
        }
        result = endpoints_add(out, alternate);
    }
    sqlite3_stmt *statement = NULL;
    int code = SQLITE_OK;
    if (result == CV_OK)
        code = sqlite3_prepare_v2(database,
                                  "SELECT address FROM cluster_members WHERE bridge_id = ?1"
                                  " AND added = 0 AND address <> '' ORDER BY position",
                                  -1, &statement, NULL);
    if (result == CV_OK && code == SQLITE_OK)
        code = sqlite3_bind_text(statement, 1, record->id, -1, SQLITE_TRANSIENT);
    while (result == CV_OK && code == SQLITE_OK && (code = sqlite3_step(statement)) == SQLITE_ROW) {
        code = SQLITE_OK;
        const char *address = (const char *)sqlite3_column_text(statement, 0);
        cms_address parsed;
        if (cms_address_parse(address, &parsed) != CV_OK || endpoints_contain(out, address))
            continue;
        char **grown = realloc(out->owned, (out->owned_count + 1) * sizeof *grown);
        char *copy = strdup(address);
        if (grown)
            out->owned = grown;
        if (!grown || !copy) {
            free(copy);
            result = CV_ERR_NO_MEMORY;
            break;
        }
        out->owned[out->owned_count++] = copy;
        cms_endpoint member = bridge_primary_endpoint(record);
        member.address = copy;
        result = endpoints_add(out, member);
    }
    if (result == CV_OK && code != SQLITE_OK && code != SQLITE_DONE)
        result = store_result(code);
    sqlite3_finalize(statement);
    if (result != CV_OK)
        bridge_endpoints_free(out);
    return result;
}

/* ---- pure helpers ------------------------------------------------------------ */

bool bridge_slot_prefix_is_valid(const char *prefix)
{
    size_t length = prefix ? strlen(prefix) : 0;
    if (length == 0 || length > 64 || !text_is_valid_utf8(prefix, length))
        return false;
    for (const unsigned char *c = (const unsigned char *)prefix; *c; c++)
        if (*c < 0x20 || *c == 0x7f || *c == '$' || *c == '\\')
            return false;
    return true;
}

bool bridge_domain_is_valid(const char *domain)
{
    size_t length = domain ? strlen(domain) : 0;
    if (length == 0 || length > 253 || domain[0] == '.' || domain[0] == '-' ||
        domain[length - 1] == '.')
        return false;
    for (const char *c = domain; *c; c++) {
        bool ok = (*c >= 'a' && *c <= 'z') || (*c >= 'A' && *c <= 'Z') ||
                  (*c >= '0' && *c <= '9') || *c == '-' || *c == '.';
        if (!ok || (c[0] == '.' && c[1] == '.'))
            return false;
    }
    return true;
}
