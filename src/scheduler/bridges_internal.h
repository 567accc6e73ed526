/*
 * bridges_internal.h - what bridges_api.c needs of bridges_worker.c. Only
 * src/scheduler/bridges*.c include it; everything else uses bridges.h.
 */
#ifndef CONVENE_SCHEDULER_BRIDGES_INTERNAL_H
#define CONVENE_SCHEDULER_BRIDGES_INTERNAL_H

#include <jansson.h>
#include <stdbool.h>

#include "common/result.h"
#include "common/store_db_pool.h"
#include "scheduler/bridges.h"
#include "scheduler/scheduler.h"

/* Starts the worker threads and the ticker (daemon->bridge_worker). */
cv_result bridges_worker_start(scheduler *daemon);
/* Stops them and frees the worker; jobs still queued are dropped. */
void bridges_worker_stop(scheduler *daemon);
/* True when the bridge's cluster should be discovered now: `forced`,
 * never discovered, or longer ago than --discovery-interval. When true,
 * now is recorded as its last discovery (the caller runs it, or just did:
 * POST /bridges passes forced after discovering). */
bool bridges_discovery_due(struct bridge_worker *worker, const char *bridge_id, bool forced);
/* Forgets when the bridge was last discovered: the next refresh
 * discovers it (its address or credentials changed). */
void bridges_forget_discovery(struct bridge_worker *worker, const char *bridge_id);

/* The bridge object of the API (settings, state, slots, cluster, tickets;
 * never a password). NULL when out of memory. */
json_t *bridge_json(store_db *database, const bridge_record *record);

#endif
