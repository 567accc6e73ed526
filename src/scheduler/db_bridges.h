/*
 * db_bridges.h - the bridges rows and their cluster members: the writes of
 * the status check, of provisioning and of discovery, and the reads they
 * and the ticket rules need.
 *
 * Owns: the SQL on `bridges` and `cluster_members` for these jobs. Writes
 * run through store_db_transaction (they join a caller's transaction or make
 * their own).
 * Also the bridge record's load and list (declared in bridges.h).
 * Does not own: the record's memory and checks (bridges.c), the checks of
 * the /bridges API (bridges_api.c), the sealing of the password columns
 * (db_bridge_secrets.c, called on every load and store here), what the
 * values mean (poller.c, provisioning.c, discovery.c).
 */
#ifndef CONVENE_SCHEDULER_DB_BRIDGES_H
#define CONVENE_SCHEDULER_DB_BRIDGES_H

#include <stdbool.h>
#include <stdint.h>

#include "common/cms_client.h"
#include "common/result.h"
#include "common/store_db_pool.h"
#include "scheduler/discovery.h"

/* Which dial-number settings of a bridge are set. name and domain are
 * malloc'd copies (NULL when unset); free with db_bridge_settings_free. */
typedef struct {
    char *name;
    char *domain;
    bool has_base;
    bool has_quantity;
} db_bridge_settings;

/* CV_ERR_NOT_FOUND when there is no such bridge. */
cv_result db_bridge_settings_read(store_db *database, const char *bridge_id,
                                  db_bridge_settings *out);
void db_bridge_settings_free(db_bridge_settings *settings);

/* The outcome of one status check at `now`: when `status` is given the
 * bridge answered and its figures are stored with it; otherwise only
 * whether it answered at all (`answered`: it refused our credentials). */
cv_result db_bridge_record_status(store_db *database, const char *bridge_id,
                                  const cms_system_status *status, bool answered, int64_t now);

/* Claims the provisioning of bridge `bridge_id` for node `node_id` until
 * `until` (UTC seconds): *claimed when nobody else holds it now (no claim,
 * this node's own, or one that lapsed before `now`). One statement, so two
 * nodes can never both hold it. */
cv_result db_bridge_claim_provisioning(store_db *database, const char *bridge_id,
                                       const char *node_id, int64_t now, int64_t until,
                                       bool *claimed);
/* Gives up node `node_id`'s claim on bridge `bridge_id` (nothing when it
 * holds none). */
cv_result db_bridge_release_provisioning(store_db *database, const char *bridge_id,
                                         const char *node_id);
/* provisioning_state = `state` (none, running, failed), attempted at `now`. */
cv_result db_bridge_set_provisioning_state(store_db *database, const char *bridge_id,
                                           const char *state, int64_t now);
/* Stores the IDs of the objects provisioning made on the bridge; a NULL or
 * "" ID keeps the stored one. */
cv_result db_bridge_set_provisioned_objects(store_db *database, const char *bridge_id,
                                            const char *call_profile, const char *call_leg_profile,
                                            const char *parameter_set);
/* Records the range base .. base+quantity-1 with `prefix` as provisioned;
 * the state becomes complete unless the settings changed meanwhile (then
 * none, so the worker provisions again). */
cv_result db_bridge_mark_provisioned(store_db *database, const char *bridge_id, int64_t base,
                                     int64_t quantity, const char *prefix);

/* Replaces the stored cluster members of the bridge (one transaction). */
cv_result db_cluster_members_replace(store_db *database, const char *bridge_id,
                                     const discovery_cluster *cluster);

/* One address a managed bridge answers on: its own, its alternate, or a
 * cluster member's. The texts live during the call only. */
typedef struct {
    const char *owner_id;    /* the bridge's id */
    const char *owner_name;  /* its name, else its address */
    const char *address;     /* the address */
    const char *member_name; /* what answers there, for messages */
} db_bridge_address;
/* Called per address; returns true to stop the walk. */
typedef bool (*db_bridge_address_visit)(const db_bridge_address *address, void *context);
/* Every address of every bridge except `except_bridge_id` (may be NULL). */
cv_result db_bridge_addresses_each(store_db *database, const char *except_bridge_id,
                                   db_bridge_address_visit visit, void *context);

/* Called with each address (lives during the call only); a result other
 * than CV_OK stops the walk and is returned. */
typedef cv_result (*db_member_address_visit)(const char *address, void *context);
/* The addresses of the bridge's other cluster members (not the one it was
 * added by), in the order the bridge listed them. */
cv_result db_cluster_member_addresses_each(store_db *database, const char *bridge_id,
                                           db_member_address_visit visit, void *context);

/* Called with each member's name, address ("" when unknown) and whether
 * it is the one the bridge was added by; the texts live during the call
 * only. A result other than CV_OK stops the walk and is returned. */
typedef cv_result (*db_cluster_member_visit)(const char *name, const char *address, bool added,
                                             void *context);
/* The bridge's stored cluster members, in the order the bridge listed
 * them. */
cv_result db_cluster_members_each(store_db *database, const char *bridge_id,
                                  db_cluster_member_visit visit, void *context);

/* What placing a booking needs to know of one bridge; the texts live
 * during the call only. */
typedef struct {
    const char *id;
    const char *name;   /* NULL when unset */
    const char *domain; /* NULL when unset */
    bool allow_booking;
    const char *provisioning_state; /* none, running, complete, failed */
    bool has_provisioned_range;     /* both numbers below are set */
    int64_t provisioned_base;
    int64_t provisioned_quantity;
} db_bridge_placement;
/* A result other than CV_OK stops the walk and is returned. */
typedef cv_result (*db_bridge_placement_visit)(const db_bridge_placement *row, void *context);
/* Every bridge, oldest first. */
cv_result db_bridge_placements_each(store_db *database, db_bridge_placement_visit visit,
                                    void *context);

/* The settings columns of one bridges row as the /bridges API writes
 * them. Texts NULL or "" are stored as NULL, except address, username,
 * slot_name_prefix and allowed_members, stored as given. The two
 * passwords are given in clear: db_bridge_insert and db_bridge_update
 * seal them for the row (db_bridge_secrets.h) before they are stored. */
typedef struct {
    const char *id;
    const char *address, *username, *password;
    bool tls_verify;
    const char *ca_file, *pinned_certificate, *name, *domain;
    bool has_base, has_quantity; /* else the column is NULL */
    int64_t base, quantity;
    const char *alternate_address, *alternate_username, *alternate_password;
    bool allow_booking;
    const char *slot_name_prefix;
    /* The operator's allowed cluster member addresses as stored
     * (bridge_allowed_members_text): NULL for any member, "" for none. */
    const char *allowed_members;
} db_bridge_settings_row;

/* Which of the optional settings an update writes; the others keep their
 * stored value. range_changed: the slot range or prefix changed, so the
 * provisioning state goes back to none (provision again). */
typedef struct {
    bool name, domain, alternate_username, alternate_password, range_changed;
    bool allowed_members;
} db_bridge_update_scope;

/* POST /bridges: a new row, created at `created` (seconds since the
 * epoch). CV_ERR_CONFLICT when the id is taken. */
cv_result db_bridge_insert(store_db *database, const db_bridge_settings_row *row, int64_t created);
/* PATCH /bridges/<id>: the row's settings. Call it inside the transaction
 * that read the row and checked the change. */
cv_result db_bridge_update(store_db *database, const db_bridge_settings_row *row,
                           const db_bridge_update_scope *scope);
/* DELETE /bridges/<id>; *removed: whether the row was there. Its cluster
 * members, tickets and slot spaces go with it (ON DELETE CASCADE). */
cv_result db_bridge_remove(store_db *database, const char *bridge_id, bool *removed);

#endif
