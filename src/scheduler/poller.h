/*
 * poller.h - status polling of a bridge: GET /system/status, recording
 * reachability, call-leg counters, uptime and software version, and the
 * "Unreachable" / "Authentication failed" tickets that follow from it.
 *
 * Owns: one status check and what it writes. Does not own: the timing of
 * checks (bridges.c runs them at --poll-interval).
 */
#ifndef CONVENE_SCHEDULER_POLLER_H
#define CONVENE_SCHEDULER_POLLER_H

#include "common/result.h"
#include "common/store_db_pool.h"
#include "scheduler/bridges.h"
#include "common/cms_client.h"

/* Polls the bridge's primary address, stores the outcome and opens or
 * clears the Unreachable and Authentication tickets. Returns the request's
 * result (CV_OK when the bridge answered a CMS status). `status` may be
 * NULL. */
cv_result poller_check(scheduler *daemon, store_db *database, const bridge_record *record,
                       cms_client *client, cms_system_status *status, char *error,
                       size_t error_size);

/* Records an outcome without asking (used by bridges.c when an add already
 * fetched the status). */
cv_result poller_record(scheduler *daemon, store_db *database, const bridge_record *record,
                        cv_result result, const cms_system_status *status, const char *error);

#endif
