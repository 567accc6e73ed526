/*
 * db_cluster.c - the SQL of the lease, the node registry and the
 * lifecycle requests (see db_cluster.h).
 *
 * Owns: the statements on scheduler_lease, scheduler_nodes and
 * lifecycle_requests, and the one place where "now" on the database's
 * clock is written for each backend (the two texts side by side below).
 * Does not own: the schema (db_schema.c, migration 11), the lease's
 * timing and what it allows (cluster.c).
 */
#include "scheduler/db_cluster.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/log.h"

/* Milliseconds since 1970 on the database's clock. SQLite: the machine's
 * (julianday('now') is fixed for one statement). PostgreSQL: the server's
 * clock_timestamp(), the same for every node whatever their own clocks
 * say; now() would be the transaction's start, which a lock wait makes
 * old. */
#define SQLITE_NOW_MS     "CAST((julianday('now') - 2440587.5) * 86400000.0 AS BIGINT)"
#define POSTGRESQL_NOW_MS "CAST(EXTRACT(EPOCH FROM clock_timestamp()) * 1000 AS BIGINT)"

/* One statement text per backend, from a macro taking the "now" text. */
#define BOTH(text_of)                                                                              \
    {                                                                                              \
        text_of(SQLITE_NOW_MS), text_of(POSTGRESQL_NOW_MS)                                         \
    }

#define REGISTER_SQL(now)                                                                          \
    "INSERT INTO scheduler_nodes (id, address, version, started_at, last_seen)"                    \
    " VALUES (?1, ?2, ?3, " now ", " now ")"                                                       \
    " ON CONFLICT (id) DO UPDATE SET address = excluded.address, version = excluded.version,"      \
    " started_at = excluded.started_at, last_seen = excluded.last_seen"
#define SEEN_SQL(now) "UPDATE scheduler_nodes SET last_seen = " now " WHERE id = ?1"
#define RENEW_SQL(now)                                                                             \
    "UPDATE scheduler_lease SET expires_at = " now " + ?3"                                         \
    " WHERE id = 1 AND holder = ?1 AND epoch = ?2"
/* ?3: 1 when a holder of the same node ID may be replaced (a restart). */
#define ACQUIRE_SQL(now)                                                                           \
    "UPDATE scheduler_lease SET holder = ?1, epoch = epoch + 1, expires_at = " now " + ?2"         \
    " WHERE id = 1 AND (holder IS NULL OR expires_at <= " now " OR (?3 = 1 AND holder = ?1))"      \
    " RETURNING epoch"
#define READ_SQL(now) "SELECT holder, epoch, expires_at, " now " FROM scheduler_lease WHERE id = 1"
#define RELEASE_SQL(now)                                                                           \
    "UPDATE scheduler_lease SET expires_at = " now " WHERE id = 1 AND holder = ?1 AND epoch = ?2"

static const char *const register_sql[2] = BOTH(REGISTER_SQL);
static const char *const seen_sql[2] = BOTH(SEEN_SQL);
static const char *const renew_sql[2] = BOTH(RENEW_SQL);
static const char *const acquire_sql[2] = BOTH(ACQUIRE_SQL);
static const char *const read_sql[2] = BOTH(READ_SQL);
static const char *const release_sql[2] = BOTH(RELEASE_SQL);

/* The text of `texts` for the connection's backend. */
static const char *for_backend(store_db *db, const char *const texts[2])
{
    return texts[store_db_kind(db) == STORE_POSTGRESQL ? 1 : 0];
}

static cv_result failed(store_db *db, const char *what)
{
    cv_result result = store_db_error(db);
    if (result == CV_OK)
        result = CV_ERR_STORE;
    log_error("cluster: %s: %s", what, store_db_message(db));
    return result;
}

static void copy_text(char *destination, size_t size, const char *source)
{
    snprintf(destination, size, "%s", source ? source : "");
}

cv_result db_cluster_register(store_db *db, const char *id, const char *address,
                              const char *version)
{
    store_stmt *st = store_db_statement(db, for_backend(db, register_sql));
    if (st == NULL)
        return failed(db, "registering the node");
    store_bind_text(st, 1, id);
    store_bind_text(st, 2, address);
    store_bind_text(st, 3, version);
    cv_result result = store_stmt_run(st);
    return result == CV_OK ? CV_OK : failed(db, "registering the node");
}

/* Runs the prepared, bound write `st`; *changed the rows it changed. */
static cv_result run_counting(store_db *db, store_stmt *st, int64_t *changed)
{
    cv_result result = store_stmt_run(st);
    *changed = result == CV_OK ? store_db_changes(db) : 0;
    return result;
}

typedef struct {
    const char *id;
    int64_t lease_ms;
    bool fresh;
    int64_t epoch; /* in: held epoch or 0; out: held epoch or 0 */
} lease_round;

static cv_result try_acquire(store_db *db, lease_round *round)
{
    store_stmt *st = store_db_statement(db, for_backend(db, acquire_sql));
    if (st == NULL)
        return CV_ERR_STORE;
    store_bind_text(st, 1, round->id);
    store_bind_int64(st, 2, round->lease_ms);
    store_bind_int(st, 3, round->fresh ? 1 : 0);
    store_step_state state = store_step(st);
    if (state == STORE_ROW)
        round->epoch = store_column_int64(st, 0);
    else
        round->epoch = 0;
    if (state == STORE_ROW)
        state = store_step(st);
    store_stmt_done(st);
    return state == STORE_FAILED ? store_db_error(db) : CV_OK;
}

static cv_result lease_round_work(store_db *db, void *context)
{
    lease_round *round = context;
    store_stmt *st = store_db_statement(db, for_backend(db, seen_sql));
    if (st == NULL)
        return CV_ERR_STORE;
    store_bind_text(st, 1, round->id);
    cv_result result = store_stmt_run(st);
    if (result != CV_OK)
        return result;
    if (round->epoch > 0) {
        st = store_db_statement(db, for_backend(db, renew_sql));
        if (st == NULL)
            return CV_ERR_STORE;
        store_bind_text(st, 1, round->id);
        store_bind_int64(st, 2, round->epoch);
        store_bind_int64(st, 3, round->lease_ms);
        int64_t changed = 0;
        result = run_counting(db, st, &changed);
        if (result != CV_OK || changed == 1)
            return result;
        round->fresh = false; /* someone took it since: never take it back from the same ID */
    }
    return try_acquire(db, round);
}

cv_result db_cluster_lease_round(store_db *db, const char *id, int64_t lease_ms, bool fresh,
                                 int64_t *epoch, bool *holding)
{
    lease_round round = {id, lease_ms, fresh, *epoch};
    /* a stream of other writers must not keep the lease waiting past the
     * leader's deadline */
    store_db_wait_eagerly(db, true);
    cv_result result = store_db_transaction(db, lease_round_work, &round);
    store_db_wait_eagerly(db, false);
    if (result != CV_OK) {
        *holding = false; /* unknown: act as if not (the caller keeps *epoch to renew) */
        return result == CV_OK ? CV_ERR_STORE : result; /* logged by the caller, once */
    }
    *epoch = round.epoch;
    *holding = round.epoch > 0;
    return CV_OK;
}

cv_result db_cluster_fence(store_db *db, const char *id, int64_t epoch)
{
    store_stmt *st = store_db_statement(
        db, "SELECT 1 FROM scheduler_lease WHERE id = 1 AND holder = ?1 AND epoch = ?2");
    if (st == NULL)
        return failed(db, "checking the lease");
    store_bind_text(st, 1, id);
    store_bind_int64(st, 2, epoch);
    store_step_state state = store_step(st);
    store_stmt_done(st);
    if (state == STORE_FAILED)
        return failed(db, "checking the lease");
    return state == STORE_ROW ? CV_OK : CV_ERR_CONFLICT;
}

cv_result db_cluster_release(store_db *db, const char *id, int64_t epoch)
{
    store_stmt *st = store_db_statement(db, for_backend(db, release_sql));
    if (st == NULL)
        return failed(db, "releasing the lease");
    store_bind_text(st, 1, id);
    store_bind_int64(st, 2, epoch);
    return store_stmt_run(st) == CV_OK ? CV_OK : failed(db, "releasing the lease");
}

static cv_result read_lease(store_db *db, db_cluster_lease *lease)
{
    memset(lease, 0, sizeof *lease);
    store_stmt *st = store_db_statement(db, for_backend(db, read_sql));
    if (st == NULL)
        return failed(db, "reading the lease");
    store_step_state state = store_step(st);
    if (state == STORE_ROW) {
        copy_text(lease->holder, sizeof lease->holder, store_column_text(st, 0));
        lease->epoch = store_column_int64(st, 1);
        lease->expires_at_ms = store_column_int64(st, 2);
        lease->now_ms = store_column_int64(st, 3);
    }
    store_stmt_done(st);
    if (state == STORE_FAILED)
        return failed(db, "reading the lease");
    return state == STORE_ROW ? CV_OK : CV_ERR_NOT_FOUND;
}

cv_result db_cluster_read(store_db *db, db_cluster_lease *lease, db_cluster_node **nodes,
                          size_t *count)
{
    *nodes = NULL;
    *count = 0;
    cv_result result = read_lease(db, lease);
    if (result != CV_OK)
        return result;
    store_stmt *st = store_db_statement(
        db, "SELECT id, address, version, started_at, last_seen FROM scheduler_nodes ORDER BY id");
    if (st == NULL)
        return failed(db, "reading the nodes");
    size_t capacity = 0;
    store_step_state state;
    while ((state = store_step(st)) == STORE_ROW) {
        if (*count == capacity) {
            size_t grown = capacity ? capacity * 2 : 8;
            db_cluster_node *more = realloc(*nodes, grown * sizeof *more);
            if (more == NULL) {
                result = CV_ERR_NO_MEMORY;
                break;
            }
            *nodes = more;
            capacity = grown;
        }
        db_cluster_node *node = &(*nodes)[(*count)++];
        copy_text(node->id, sizeof node->id, store_column_text(st, 0));
        copy_text(node->address, sizeof node->address, store_column_text(st, 1));
        copy_text(node->version, sizeof node->version, store_column_text(st, 2));
        node->started_at_ms = store_column_int64(st, 3);
        node->last_seen_ms = store_column_int64(st, 4);
    }
    store_stmt_done(st);
    if (result == CV_OK && state == STORE_FAILED)
        result = failed(db, "reading the nodes");
    if (result != CV_OK) {
        free(*nodes);
        *nodes = NULL;
        *count = 0;
    }
    return result;
}

cv_result db_cluster_request(store_db *db, const char *booking_id, const char *kind)
{
    store_stmt *st = store_db_statement(db, "INSERT INTO lifecycle_requests (booking_id, kind)"
                                            " VALUES (?1, ?2) ON CONFLICT DO NOTHING");
    if (st == NULL)
        return failed(db, "asking the leader");
    store_bind_text(st, 1, booking_id);
    store_bind_text(st, 2, kind);
    return store_stmt_run(st) == CV_OK ? CV_OK : failed(db, "asking the leader");
}

/* One request read before its row is deleted. */
typedef struct {
    char *booking_id;
    char *kind;
} taken_request;

typedef struct {
    size_t limit;
    taken_request *taken;
    size_t count;
} take_context;

static cv_result take_work(store_db *db, void *context)
{
    take_context *take = context;
    store_stmt *st =
        store_db_statement(db, "SELECT booking_id, kind FROM lifecycle_requests LIMIT ?1");
    if (st == NULL)
        return CV_ERR_STORE;
    store_bind_int64(st, 1, (int64_t)take->limit);
    store_step_state state;
    while ((state = store_step(st)) == STORE_ROW && take->count < take->limit) {
        taken_request *request = &take->taken[take->count];
        request->booking_id = strdup(store_column_text_or_empty(st, 0));
        request->kind = strdup(store_column_text_or_empty(st, 1));
        take->count++;
        if (request->booking_id == NULL || request->kind == NULL) {
            state = STORE_FAILED;
            break;
        }
    }
    store_stmt_done(st);
    if (state == STORE_FAILED)
        return CV_ERR_STORE;
    for (size_t index = 0; index < take->count; index++) {
        st = store_db_statement(db, "DELETE FROM lifecycle_requests"
                                    " WHERE booking_id = ?1 AND kind = ?2");
        if (st == NULL)
            return CV_ERR_STORE;
        store_bind_text(st, 1, take->taken[index].booking_id);
        store_bind_text(st, 2, take->taken[index].kind);
        cv_result result = store_stmt_run(st);
        if (result != CV_OK)
            return result;
    }
    return CV_OK;
}

cv_result db_cluster_take_requests(store_db *db, size_t limit, db_cluster_request_visit visit,
                                   void *context)
{
    take_context take = {limit, calloc(limit ? limit : 1, sizeof(taken_request)), 0};
    if (take.taken == NULL)
        return CV_ERR_NO_MEMORY;
    cv_result result = store_db_transaction(db, take_work, &take);
    for (size_t index = 0; index < take.count; index++) {
        if (result == CV_OK)
            visit(take.taken[index].booking_id, take.taken[index].kind, context);
        free(take.taken[index].booking_id);
        free(take.taken[index].kind);
    }
    free(take.taken);
    /* not logged here: the caller knows whether the database file is lost
     * (one error line already said so) or the failure is news */
    return result;
}

cv_result db_cluster_each_due(store_db *db, int64_t from, int64_t to, db_cluster_due_visit visit,
                              void *context)
{
    /* start_at >= occupied_start: the index on start_at bounds the scan
     * (setup is at most a day) */
    store_stmt *st = store_db_statement(
        db, "SELECT id FROM bookings WHERE start_at > ?1 AND start_at <= ?2 + 86400"
            " AND occupied_start > ?1 AND occupied_start <= ?2"
            " AND state = 'scheduled' AND cancelled = 0");
    if (st == NULL)
        return failed(db, "reading the due bookings");
    store_bind_int64(st, 1, from);
    store_bind_int64(st, 2, to);
    store_step_state state;
    while ((state = store_step(st)) == STORE_ROW) {
        const char *id = store_column_text(st, 0);
        if (id != NULL)
            visit(id, context);
    }
    store_stmt_done(st);
    return state == STORE_FAILED ? failed(db, "reading the due bookings") : CV_OK;
}
