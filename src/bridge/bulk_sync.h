/*
 * bulk_sync.h - /cospaceBulkSyncs: queueing a sync of a coSpace bulk
 * parameter set, reading its status, and the background worker that runs
 * the queue.
 *
 * Owns: the sync queue (table cospace_bulk_syncs, shared by every node on
 * one data directory), claiming a pending sync so it runs exactly once
 * across nodes, and turning a set into spaces: one space per index with the
 * mapped name, URI and call ID, the set's profiles and nonMemberAccess,
 * stable IDs across re-syncs, removal of what falls out of the range or of
 * everything with removeAll, and the failure statuses of the blueprint. A
 * sync is one SQLite transaction: it applies completely or not at all.
 * Does not own: the sets (bulk_parameter_set.c), the mapping grammar
 * (bulk_mapping.c), the /coSpaces API (cospace.c).
 */
#ifndef CONVENE_BRIDGE_BULK_SYNC_H
#define CONVENE_BRIDGE_BULK_SYNC_H

#include <stdatomic.h>
#include <stdbool.h>
#include <stdint.h>

#include "bridge/bridge.h"
#include "common/result.h"
#include "common/store_sql.h"
#include "common/store_sql.h"

/* The largest number of spaces one sync may make (endIndex - startIndex +
 * 1); beyond it the sync ends failedIndexRangeTooGreat. */
#define BULK_SYNC_MAX_SPACES 1000000

/* A sync's status values (the API's). */
#define STATUS_PENDING          "pending"
#define STATUS_RUNNING          "running"
#define STATUS_COMPLETE         "complete"
#define STATUS_URI_CONFLICT     "failedCoSpaceUriConflict"
#define STATUS_CALL_ID_CONFLICT "failedCallIdConflict"
#define STATUS_RANGE_INVALID    "failedIndexRangeInvalid"
#define STATUS_RANGE_TOO_GREAT  "failedIndexRangeTooGreat"
#define STATUS_NO_SUCH_SET      "failedNoSuchParameterSet"
#define STATUS_FAILED           "failed"

/* --- the background worker (one per node) ------------------------------ */

typedef struct bulk_sync_worker bulk_sync_worker;

/* Starts the node's worker thread. It first puts back to pending any sync
 * this node (by name) was running when it last stopped, then runs pending
 * syncs oldest first; it looks for syncs queued by other nodes every
 * half second, and takes over syncs whose node died mid-way (a claim
 * expires 10 s after the hold of --bulk-sync-hold-ms). */
cv_result bulk_sync_worker_start(bridge *node, bulk_sync_worker **out);
/* Tells the worker a sync was queued (safe from any thread; NULL is fine). */
void bulk_sync_worker_wake(bulk_sync_worker *worker);
/* Stops and frees the worker: a sync in progress is abandoned (rolled back
 * and left pending for the next start or another node). NULL is fine. */
void bulk_sync_worker_stop(bulk_sync_worker *worker);

/* --- running one claimed sync (the worker's job; exposed for tests) ---- */

typedef struct {
    const char *status; /* "complete", "failedCoSpaceUriConflict", ... (static) */
    int64_t spaces_created;
    int64_t spaces_updated;
    int64_t spaces_deleted;
} bulk_sync_outcome;

/* Applies the sync `sync_id` (lower-case UUID, status running, claimed by
 * `node_name`) and records its final status, all in one transaction on
 * `database`. CV_ERR_NOT_FOUND when the sync is not running under that
 * claim (nothing is done). When `stop` (may be NULL) becomes true mid-way
 * the work is rolled back and CV_ERR_BUSY returned (the sync stays
 * running; the caller puts it back to pending); CV_ERR_BUSY also means the
 * database stayed locked. Other non-OK results are store failures; the
 * caller records "failed". */
cv_result bulk_sync_execute(store_db *database, const char *sync_id, const char *node_name,
                            const atomic_bool *stop, bulk_sync_outcome *outcome);

/* --- the queue, for the worker (object_store_bulk.c) --------------- */

/* Claims the oldest runnable sync that has waited at least
 * `hold_milliseconds` for `node_name`, in one write transaction
 * (store_db_begin; first requeueing syncs whose claim expired); *claimed tells whether
 * there was one, its ID in sync_id. */
cv_result bulk_sync_claim_next(store_db *database, const char *node_name, int64_t hold_milliseconds,
                               char sync_id[ID_TEXT_SIZE], bool *claimed);
/* Gives a sync this node claimed back to the queue (pending again). */
cv_result bulk_sync_unclaim(store_db *database, const char *sync_id, const char *node_name);
/* Ends a sync this node claimed with status "failed". */
cv_result bulk_sync_mark_failed(store_db *database, const char *sync_id, const char *node_name);
/* Puts back in the queue every sync `node_name` was running when it stopped. */
cv_result bulk_sync_recover(store_db *database, const char *node_name);

#endif
