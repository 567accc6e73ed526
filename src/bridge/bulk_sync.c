/*
 * bulk_sync.c - /cospaceBulkSyncs and the worker that runs them; see
 * bulk_sync.h.
 *
 * Owns: the sync routes (POST queues, GETs report; through the generic
 * object engine) and the worker thread. Does not own: the sets, the
 * mapping grammar, the /coSpaces API, or the SQL of running and claiming
 * a sync (object_store_bulk.c, where what follows is done).
 *
 * How a sync runs (bulk_sync_execute), all inside one write transaction
 * (store_db_begin: the database's single writer, on SQLite or PostgreSQL)
 * so that readers see either the old spaces or the new ones:
 *   1. read the sync and its set; a missing set, a reversed or too large
 *      range, or a profile that has gone away ends it with a failure
 *      status and no change;
 *   2. inside a savepoint: delete the set's spaces that fall outside the
 *      range (all of them for removeAll);
 *   3. put every mapped URI and call ID in a temporary table and look for
 *      clashes with everything else that holds a URI or call ID (other
 *      spaces, secondary URIs, access methods) with one query per
 *      namespace; a clash rolls the savepoint back and ends the sync
 *      failedCoSpaceUriConflict / failedCallIdConflict;
 *   4. write one space per index with multi-row INSERT .. ON CONFLICT
 *      statements (256 rows each, then 16 and 1 for the rest: one round
 *      trip per batch on PostgreSQL) keyed on (bulk_parameter_set,
 *      bulk_index): a space the set made before for the same index is
 *      updated in place and keeps its ID and secret; a new index gets a
 *      new ID and a random secret.
 *
 * Claiming (across every node on the database): in one write transaction,
 * the oldest pending sync whose set has no sync running moves to running
 * with claimed_by = this node's name. The transaction makes the claim
 * exclusive, so each sync runs exactly once.
 */
#include "bridge/bulk_sync.h"

#include <errno.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "bridge/object_store.h"
#include "bridge/routes.h"
#include "common/log.h"
#include "common/store_db_pool.h"

/* How often a worker looks for syncs queued through other nodes. */
#define POLL_MILLISECONDS 500

/* --- routes -------------------------------------------------------------- */

static const char *const sync_status_values[] = {
    STATUS_PENDING,          STATUS_RUNNING,
    STATUS_COMPLETE,         STATUS_URI_CONFLICT,
    STATUS_CALL_ID_CONFLICT, STATUS_RANGE_INVALID,
    STATUS_RANGE_TOO_GREAT,  STATUS_NO_SUCH_SET,
    STATUS_FAILED,           NULL,
};

static const field_descriptor sync_fields[] = {
    /* An ID, not a checked reference: the blueprint reports an unknown set
     * through the sync's status (failedNoSuchParameterSet). */
    {.name = "cospaceBulkParameterSet",
     .column = "cospace_bulk_parameter_set",
     .type = FIELD_ID,
     .flags = FIELD_IN_LIST | FIELD_REQUIRED},
    {.name = "status",
     .column = "status",
     .type = FIELD_ENUM,
     .flags = FIELD_IN_LIST | FIELD_READ_ONLY,
     .enum_values = sync_status_values},
    {.name = "removeAll",
     .column = "remove_all",
     .type = FIELD_BOOL,
     .flags = FIELD_IN_LIST,
     .default_value = "false"},
};

/* An emptied removeAll means its default, false (the column is NOT NULL). */
static cv_result default_remove_all(object_write *write)
{
    field_value *remove_all = object_write_value(write, "removeAll");
    if (remove_all && !remove_all->set)
        return object_write_set(write, "removeAll", "false");
    return CV_OK;
}

static const equality_filter sync_filters[] = {
    {"cospaceBulkParameterSet", "cospace_bulk_parameter_set"},
    {NULL, NULL},
};

static const object_type sync_type = {
    .collection = "cospaceBulkSyncs",
    .table = "cospace_bulk_syncs",
    .list_element = "cospaceBulkSyncs",
    .element = "cospaceBulkSync",
    .missing_reason = "cospaceBulkSyncDoesNotExist",
    .audit_noun = "coSpace bulk sync",
    .fields = sync_fields,
    .field_count = sizeof sync_fields / sizeof sync_fields[0],
    .counted = true,
    .equality_filters = sync_filters,
    .prepare = default_remove_all,
};

static void list_syncs(api_call *call)
{
    object_list(call, &sync_type);
}

static void get_sync(api_call *call)
{
    object_get(call, &sync_type);
}

static void queue_sync(api_call *call)
{
    object_create(call, &sync_type);
    if (call->response->status == 200)
        bulk_sync_worker_wake(call->node->bulk_sync);
}

static const api_route routes[] = {
    {"cospaceBulkSyncs", list_syncs, queue_sync, NULL, NULL},
    {"cospaceBulkSyncs/*", get_sync, NULL, NULL, NULL},
};

const api_route_table bulk_sync_routes = {routes, sizeof routes / sizeof routes[0]};

/* --- the worker thread ---------------------------------------------------- */

struct bulk_sync_worker {
    bridge *node;
    pthread_t thread;
    /* `lock` guards wake_requested; `wake` is signalled when it or
     * `stopping` changes. `stopping` is atomic as well because a running
     * sync reads it without the lock. */
    pthread_mutex_t lock;
    pthread_cond_t wake;
    bool wake_requested;
    atomic_bool stopping;
};

static void deadline_after(int64_t milliseconds, struct timespec *deadline)
{
    clock_gettime(CLOCK_MONOTONIC, deadline);
    deadline->tv_sec += milliseconds / 1000;
    deadline->tv_nsec += (milliseconds % 1000) * 1000000L;
    if (deadline->tv_nsec >= 1000000000L) {
        deadline->tv_sec++;
        deadline->tv_nsec -= 1000000000L;
    }
}

/* Waits up to `milliseconds`, less when woken (if `until_woken`) or when
 * the worker stops. Returns false when the worker is stopping. */
static bool worker_wait(bulk_sync_worker *worker, int64_t milliseconds, bool until_woken)
{
    struct timespec deadline;
    deadline_after(milliseconds, &deadline);
    pthread_mutex_lock(&worker->lock);
    while (!atomic_load(&worker->stopping) && !(until_woken && worker->wake_requested)) {
        if (pthread_cond_timedwait(&worker->wake, &worker->lock, &deadline) == ETIMEDOUT)
            break;
    }
    if (until_woken)
        worker->wake_requested = false;
    pthread_mutex_unlock(&worker->lock);
    return !atomic_load(&worker->stopping);
}

/* Runs a claimed sync and records how it ended. While the database stays
 * locked by someone else (another node's long sync) the worker keeps the
 * claim and tries again; when the node stops, the sync goes back to
 * pending (or, should even that fail, is requeued by the next start). */
static void run_claimed(bulk_sync_worker *worker, const char *sync_id, int64_t retry_milliseconds)
{
    bridge *node = worker->node;
    struct timespec started, finished;
    clock_gettime(CLOCK_MONOTONIC, &started);
    bulk_sync_outcome outcome;
    cv_result result;
    for (;;) {
        store_db *database = store_db_pool_acquire(&node->store);
        result = bulk_sync_execute(database, sync_id, bridge_self(node)->name, &worker->stopping,
                                   &outcome);
        store_db_pool_release(&node->store, database);
        if (result != CV_ERR_BUSY || !worker_wait(worker, retry_milliseconds, false))
            break;
    }
    store_db *database = store_db_pool_acquire(&node->store);
    if (result == CV_ERR_BUSY) {
        if (bulk_sync_unclaim(database, sync_id, bridge_self(node)->name) != CV_OK)
            log_warning("bulk sync %s: left running; the next start requeues it", sync_id);
    } else if (result == CV_ERR_NOT_FOUND) {
        log_warning("bulk sync %s: no longer running; skipped", sync_id);
    } else if (result != CV_OK) {
        log_error("bulk sync %s failed: %s", sync_id, cv_result_name(result));
        if (bulk_sync_mark_failed(database, sync_id, bridge_self(node)->name) != CV_OK)
            log_error("bulk sync %s: cannot record the failure", sync_id);
    } else {
        clock_gettime(CLOCK_MONOTONIC, &finished);
        long elapsed = (long)((finished.tv_sec - started.tv_sec) * 1000 +
                              (finished.tv_nsec - started.tv_nsec) / 1000000);
        log_info("bulk sync %s: %s (%lld created, %lld updated, %lld deleted) in %ld ms", sync_id,
                 outcome.status, (long long)outcome.spaces_created,
                 (long long)outcome.spaces_updated, (long long)outcome.spaces_deleted, elapsed);
    }
    store_db_pool_release(&node->store, database);
}

static void *worker_main(void *argument)
{
    bulk_sync_worker *worker = argument;
    bridge *node = worker->node;
    const char *node_name = bridge_self(node)->name;
    int64_t hold = node->options.bulk_sync_hold_ms;
    int64_t poll = POLL_MILLISECONDS;
    if (hold > 0 && hold / 4 < poll)
        poll = hold / 4 > 10 ? hold / 4 : 10;

    store_db *database = store_db_pool_acquire(&node->store);
    if (bulk_sync_recover(database, node_name) != CV_OK)
        log_warning("bulk sync: cannot requeue syncs interrupted by the last stop");
    store_db_pool_release(&node->store, database);

    while (!atomic_load(&worker->stopping)) {
        char sync_id[ID_TEXT_SIZE];
        bool claimed = false;
        database = store_db_pool_acquire(&node->store);
        cv_result result = bulk_sync_claim_next(database, node_name, hold, sync_id, &claimed);
        store_db_pool_release(&node->store, database);
        if (result != CV_OK && result != CV_ERR_BUSY)
            log_warning("bulk sync: cannot read the queue: %s", cv_result_name(result));
        if (!claimed) {
            worker_wait(worker, poll, true);
            continue;
        }
        if (hold > 0 && !worker_wait(worker, hold, false)) {
            database = store_db_pool_acquire(&node->store);
            bulk_sync_unclaim(database, sync_id, node_name);
            store_db_pool_release(&node->store, database);
            break;
        }
        run_claimed(worker, sync_id, POLL_MILLISECONDS);
    }
    return NULL;
}

cv_result bulk_sync_worker_start(bridge *node, bulk_sync_worker **out)
{
    bulk_sync_worker *worker = calloc(1, sizeof *worker);
    if (!worker)
        return CV_ERR_NO_MEMORY;
    worker->node = node;
    atomic_init(&worker->stopping, false);
    pthread_condattr_t attributes;
    if (pthread_condattr_init(&attributes) != 0) {
        free(worker);
        return CV_ERR_NO_MEMORY;
    }
    pthread_condattr_setclock(&attributes, CLOCK_MONOTONIC);
    int failed = pthread_cond_init(&worker->wake, &attributes);
    pthread_condattr_destroy(&attributes);
    if (failed) {
        free(worker);
        return CV_ERR_NO_MEMORY;
    }
    if (pthread_mutex_init(&worker->lock, NULL) != 0) {
        pthread_cond_destroy(&worker->wake);
        free(worker);
        return CV_ERR_NO_MEMORY;
    }
    if (pthread_create(&worker->thread, NULL, worker_main, worker) != 0) {
        pthread_mutex_destroy(&worker->lock);
        pthread_cond_destroy(&worker->wake);
        free(worker);
        return CV_ERR_NO_MEMORY;
    }
    *out = worker;
    return CV_OK;
}

void bulk_sync_worker_wake(bulk_sync_worker *worker)
{
    if (!worker)
        return;
    pthread_mutex_lock(&worker->lock);
    worker->wake_requested = true;
    pthread_cond_signal(&worker->wake);
    pthread_mutex_unlock(&worker->lock);
}

void bulk_sync_worker_stop(bulk_sync_worker *worker)
{
    if (!worker)
        return;
    pthread_mutex_lock(&worker->lock);
    atomic_store(&worker->stopping, true);
    pthread_cond_signal(&worker->wake);
    pthread_mutex_unlock(&worker->lock);
    pthread_join(worker->thread, NULL);
    pthread_mutex_destroy(&worker->lock);
    pthread_cond_destroy(&worker->wake);
    free(worker);
}
