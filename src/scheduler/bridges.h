/*
 * bridges.h - managed bridges: the /bridges resource, the stored record
 * other modules read, the list of addresses to try for a bridge (primary,
 * alternate, other cluster members), and the background worker that
 * polls, re-discovers and provisions each bridge.
 *
 * Owns: the bridges table's rows and their JSON form, validation of
 * settings, the "refresh" of one bridge (status -> discovery -> tickets ->
 * provisioning) and its scheduling. Does not own: the CMS requests of
 * discovery (discovery.c), provisioning (provisioning.c) and polling
 * (poller.c), or tickets' rows (tickets.c).
 */
#ifndef CONVENE_SCHEDULER_BRIDGES_H
#define CONVENE_SCHEDULER_BRIDGES_H

#include <stdbool.h>
#include <stdint.h>

#include "common/ids.h"
#include "common/result.h"
#include "common/cms_client.h"
#include "common/store_db_pool.h"
#include "scheduler/scheduler.h"

/* One row of `bridges`, as loaded. Strings are owned (free with
 * bridge_record_free); optional ones are NULL when unset. */
typedef struct {
    char id[ID_TEXT_SIZE];
    char *address; /* canonical base URL */
    char *username;
    char *password;
    bool tls_verify;
    char *ca_file;
    char *pinned_certificate;
    char *name;
    char *domain;
    bool has_numeric_id_base;
    int64_t numeric_id_base;
    bool has_numeric_id_quantity;
    int64_t numeric_id_quantity;
    char *alternate_address;
    char *alternate_username;
    char *alternate_password;
    bool allow_booking;
    char *slot_name_prefix;
    /* Cluster members convened may use: canonical base URLs separated by
     * spaces; NULL = every discovered member, "" = none. */
    char *allowed_members;
    char *software_version;
    bool reachable;
    int64_t last_contact; /* 0 = never */
    int64_t uptime_seconds;
    int64_t call_legs_active;
    int64_t call_legs_max_active;
    int64_t call_legs_completed;
    char *call_profile_id;
    char *call_leg_profile_id;
    char *bulk_parameter_set_id;
    bool has_provisioned_range;
    int64_t provisioned_base;
    int64_t provisioned_quantity;
    char *provisioning_state; /* "none", "running", "complete", "failed" */
    int64_t provisioning_attempted;
    int64_t created;
} bridge_record;

void bridge_record_free(bridge_record *record);
/* CV_ERR_NOT_FOUND when there is no such bridge. */
cv_result bridge_load(store_db *database, const char *bridge_id, bridge_record *out);
/* IDs of every bridge, oldest first; free each and the array. */
cv_result bridge_list_ids(store_db *database, char ***ids, size_t *count);
void bridge_free_ids(char **ids, size_t count);

/* True when domain, numeric ID base and quantity are all set. */
bool bridge_dial_numbers_complete(const bridge_record *record);
/* The name shown in messages: name, else address. */
const char *bridge_display_name(const bridge_record *record);

/* The primary address as an endpoint (borrows the record's strings). */
cms_endpoint bridge_primary_endpoint(const bridge_record *record);

/*
 * The addresses to try for `record`, in order: the primary, the alternate
 * (own credentials), then every other discovered cluster member with an
 * address (the primary's credentials and TLS settings), without duplicate
 * endpoints. A member is used with the primary's scheme whatever scheme the
 * bridge reported for it (https stays https, so the credentials never go
 * over plain HTTP to an address the bridge chose), and only when it is in
 * the record's allowed_members, when that is set. Strings in the returned endpoints point into
 * `*storage`, which the caller frees with bridge_endpoints_free.
 */
typedef struct bridge_endpoints {
    cms_endpoint *items;
    size_t count;
    char **owned; /* strings the items point to */
    size_t owned_count;
} bridge_endpoints;
cv_result bridge_endpoints_load(store_db *database, const bridge_record *record,
                                bridge_endpoints *out);
void bridge_endpoints_free(bridge_endpoints *endpoints);

/* The client for the bridge's primary address. */
cv_result bridge_primary_client(scheduler *daemon, const bridge_record *record, cms_client **out);

/* Asks the background worker to refresh `bridge_id` soon (status,
 * discovery, tickets, provisioning). Never blocks on the network. */
void bridges_request_refresh(scheduler *daemon, const char *bridge_id);
/* Polls every bridge now rather than at the next --poll-interval (this
 * node has just become the leader, cluster.c). */
void bridges_poll_all(scheduler *daemon);

/* The module (routes /bridges, the worker thread). */
extern const scheduler_module bridges_module;

/* ---- pure helpers (unit-tested) ---------------------------------------- */

/* A slot name prefix must be 1..64 printable characters without '$' or '\'
 * (they are special in coSpaceNameMapping). */
bool bridge_slot_prefix_is_valid(const char *prefix);
/* A SIP domain: 1..253 characters of letters, digits, '-', '.' */
bool bridge_domain_is_valid(const char *domain);

#endif
