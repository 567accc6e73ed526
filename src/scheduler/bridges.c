/*
 * bridges.c - a managed bridge's stored record; see bridges.h.
 *
 * Owns: the record's memory, the addresses to try for a bridge (its
 * address, its alternate, then discovered cluster members) and the pure
 * checks of its settings. Loading the rows is db_bridges.c's.
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
#include "common/strbuf.h"
#include "common/text.h"
#include "scheduler/db_bridges.h"
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
    free(record->allowed_members);
    free(record->software_version);
    free(record->call_profile_id);
    free(record->call_leg_profile_id);
    free(record->bulk_parameter_set_id);
    free(record->provisioning_state);
    memset(record, 0, sizeof *record);
}

void bridge_free_ids(char **ids, size_t count)
{
    for (size_t i = 0; i < count; i++)
        free(ids[i]);
    free(ids);
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

/* True when `member` is one of the space-separated addresses of `list`. */
static bool member_listed(const char *list, const cms_address *member)
{
    char item[CMS_HOST_MAX + 32];
    while (*list) {
        size_t length = strcspn(list, " ");
        if (length > 0 && length < sizeof item) {
            memcpy(item, list, length);
            item[length] = '\0';
            if (cms_address_same_endpoint(item, member->base_url))
                return true;
        }
        list += length;
        list += strspn(list, " ");
    }
    return false;
}

/* Where convened may reach a cluster member that `record`'s bridge
 * reported at `reported`, into out[size]: the member's host and port with
 * the scheme of the bridge it was learnt from, never another (an https
 * bridge's member is used over https, checked with the same CA file, pin
 * and verification setting, since the endpoint copies them; a bridge's
 * answer cannot downgrade where its credentials go). False when it must
 * not be used: unparsable, or not in the operator's allowedMembers list
 * when there is one. */
static bool member_address(const bridge_record *record, const char *reported, char *out,
                           size_t size)
{
    cms_address member, primary;
    if (cms_address_parse(reported, &member) != CV_OK)
        return false;
    if (record->allowed_members && !member_listed(record->allowed_members, &member)) {
        log_debug("bridge %s: cluster member %s is not in allowedMembers; not used", record->id,
                  member.base_url);
        return false;
    }
    bool https = cms_address_parse(record->address, &primary) != CV_OK || primary.https;
    bool bracketed = strchr(member.host, ':') != NULL; /* an IPv6 address */
    char text[CMS_HOST_MAX + 32];
    snprintf(text, sizeof text, "%s://%s%s%s:%d", https ? "https" : "http", bracketed ? "[" : "",
             member.host, bracketed ? "]" : "", member.port);
    cms_address used;
    if (cms_address_parse(text, &used) != CV_OK)
        return false;
    if (https != member.https)
        log_debug("bridge %s: cluster member reported as %s is used as %s, like the bridge",
                  record->id, member.base_url, used.base_url);
    snprintf(out, size, "%s", used.base_url);
    return true;
}

typedef struct {
    const bridge_record *record;
    bridge_endpoints *endpoints;
} member_adding;

/* db_member_address_visit: a cluster member's address joins the endpoints
 * (with the bridge's credentials, scheme and trust settings: member_address)
 * unless it must not be used or is there already. */
static cv_result add_member_endpoint(const char *reported, void *context)
{
    member_adding *adding = context;
    bridge_endpoints *out = adding->endpoints;
    char address[CMS_HOST_MAX + 32];
    if (!member_address(adding->record, reported, address, sizeof address) ||
        endpoints_contain(out, address))
        return CV_OK;
    char **grown = realloc(out->owned, (out->owned_count + 1) * sizeof *grown);
    char *copy = strdup(address);
    if (grown)
        out->owned = grown;
    if (!grown || !copy) {
        free(copy);
        return CV_ERR_NO_MEMORY;
    }
    out->owned[out->owned_count++] = copy;
    cms_endpoint member = bridge_primary_endpoint(adding->record);
    member.address = copy;
    return endpoints_add(out, member);
}

cv_result bridge_endpoints_load(store_db *database, const bridge_record *record,
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
    if (result == CV_OK)
        result = db_cluster_member_addresses_each(database, record->id, add_member_endpoint,
                                                  &(member_adding){record, out});
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
