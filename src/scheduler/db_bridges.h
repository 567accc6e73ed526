/*
 * db_bridges.h - the bridges rows and their cluster members: the writes of
 * the status check, of provisioning and of discovery, and the reads they
 * and the ticket rules need.
 *
 * Owns: the SQL on `bridges` and `cluster_members` for these jobs. Writes
 * run through store_atomically (they join a caller's transaction or make
 * their own).
 * Does not own: the bridge record and its API (bridges.c, bridges_api.c,
 * which still hold their own SQL), what the values mean (poller.c,
 * provisioning.c, discovery.c).
 */
#ifndef CONVENE_SCHEDULER_DB_BRIDGES_H
#define CONVENE_SCHEDULER_DB_BRIDGES_H

#include <stdbool.h>
#include <stdint.h>

#include "common/cms_client.h"
#include "common/result.h"
#include "common/store.h"
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
cv_result db_bridge_settings_read(sqlite3 *database, const char *bridge_id,
                                  db_bridge_settings *out);
void db_bridge_settings_free(db_bridge_settings *settings);

/* The outcome of one status check at `now`: when `status` is given the
 * bridge answered and its figures are stored with it; otherwise only
 * whether it answered at all (`answered`: it refused our credentials). */
cv_result db_bridge_record_status(sqlite3 *database, const char *bridge_id,
                                  const cms_system_status *status, bool answered, int64_t now);

/* provisioning_state = `state` (none, running, failed), attempted at `now`. */
cv_result db_bridge_set_provisioning_state(sqlite3 *database, const char *bridge_id,
                                           const char *state, int64_t now);
/* Stores the IDs of the objects provisioning made on the bridge; a NULL or
 * "" ID keeps the stored one. */
cv_result db_bridge_set_provisioned_objects(sqlite3 *database, const char *bridge_id,
                                            const char *call_profile, const char *call_leg_profile,
                                            const char *parameter_set);
/* Records the range base .. base+quantity-1 with `prefix` as provisioned;
 * the state becomes complete unless the settings changed meanwhile (then
 * none, so the worker provisions again). */
cv_result db_bridge_mark_provisioned(sqlite3 *database, const char *bridge_id, int64_t base,
                                     int64_t quantity, const char *prefix);

/* Replaces the stored cluster members of the bridge (one transaction). */
cv_result db_cluster_members_replace(sqlite3 *database, const char *bridge_id,
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
cv_result db_bridge_addresses_each(sqlite3 *database, const char *except_bridge_id,
                                   db_bridge_address_visit visit, void *context);

#endif
