/*
 * db_cluster.h - the SQL of several convened on one database: the lease
 * row whose holder drives meetings, the node registry and the lifecycle
 * requests a node that is not the leader leaves for the leader (tables in
 * schema.h, version 11; the design in cluster.h and docs/operations.md).
 *
 * Owns: every statement on scheduler_lease, scheduler_nodes and
 * lifecycle_requests, and "now" on the database's clock (SQLite: the
 * machine's, so SQLite clustering is for one machine; PostgreSQL: the
 * server's clock_timestamp(), one clock for every node).
 * Does not own: when to renew or what leadership allows (cluster.c), the
 * bookings' own SQL (db_bookings.c).
 *
 * Written against common/store_sql.h, so it runs on SQLite and PostgreSQL.
 */
#ifndef CONVENE_SCHEDULER_DB_CLUSTER_H
#define CONVENE_SCHEDULER_DB_CLUSTER_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "common/result.h"
#include "common/store_sql.h"

/* The lease as stored. holder "" when nobody ever held it. */
typedef struct {
    char holder[128];
    int64_t epoch;
    int64_t expires_at_ms; /* on the database's clock */
    int64_t now_ms;        /* the database's clock when it was read */
} db_cluster_lease;

typedef struct {
    char id[128];
    char address[256];
    char version[32];
    int64_t started_at_ms;
    int64_t last_seen_ms;
} db_cluster_node;

/* Registers (or re-registers after a restart) node `id` with its API
 * address and version; started_at and last_seen become now. */
cv_result db_cluster_register(store_db *db, const char *id, const char *address,
                              const char *version);

/*
 * One round of the lease, one write transaction: the node's last_seen,
 * then renewal or acquisition.
 *   *epoch > 0: this process holds (or held) the lease with that epoch; it
 *     is renewed when holder and epoch still match (nobody took it since).
 *   Otherwise, or when renewal found another epoch, the lease is taken
 *     when it has expired, has no holder, or (`fresh`: this process never
 *     held it, e.g. a restart) is held by this same node ID; the epoch then
 *     grows by one and becomes *epoch.
 * *holding says whether the node holds the lease now; when it does not,
 * *epoch is 0. `lease_ms`: how long the lease lasts from now. A failure
 * is not logged here (the caller logs the first of a series, not one a
 * second while the database is away; store_db_message says why).
 */
cv_result db_cluster_lease_round(store_db *db, const char *id, int64_t lease_ms, bool fresh,
                                 int64_t *epoch, bool *holding);

/* Inside the caller's write transaction: CV_OK when node `id` still holds
 * the lease with `epoch` (the fencing check of a lifecycle write), else
 * CV_ERR_CONFLICT. The transaction's write lock orders it with every
 * change of holder. */
cv_result db_cluster_fence(store_db *db, const char *id, int64_t epoch);

/* A clean stop: the lease expires now, so another node takes it at once. */
cv_result db_cluster_release(store_db *db, const char *id, int64_t epoch);

/* The lease and every registered node (*nodes allocated; free()). */
cv_result db_cluster_read(store_db *db, db_cluster_lease *lease, db_cluster_node **nodes,
                          size_t *count);

/* A node that is not the leader asks the leader's lifecycle to act on a
 * booking: kind "changed" (re-arm its timers), "end", "refresh", "poll".
 * Asking twice is asking once. */
cv_result db_cluster_request(store_db *db, const char *booking_id, const char *kind);

typedef void (*db_cluster_request_visit)(const char *booking_id, const char *kind, void *context);
/* Visits and deletes every request (one transaction), at most `limit`.
 * Logs nothing: on failure the caller logs store_db_message(db). */
cv_result db_cluster_take_requests(store_db *db, size_t limit, db_cluster_request_visit visit,
                                   void *context);

typedef void (*db_cluster_due_visit)(const char *booking_id, void *context);
/* Scheduled, not cancelled bookings whose occupied start (start minus
 * setup) is in (from, to] (Unix seconds): the leader's net under the
 * requests, so a start nobody asked about is still made. */
cv_result db_cluster_each_due(store_db *db, int64_t from, int64_t to, db_cluster_due_visit visit,
                              void *context);

#endif
