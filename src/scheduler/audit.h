/*
 * audit.h - convened's audit trail: who changed what, when, from where.
 *
 * Owns: recording a change (one call, in the transaction of the change, so
 * a change and its record are saved or lost together), masking secrets
 * in what is recorded, GET /api/v1/audit (admin) and the hourly purge of
 * rows older than --audit-retention-days. Does not own: the SQL
 * (db_audit.c), deciding what a module records (each module calls
 * audit_record where it changes something).
 *
 * Actions are "<resource>.<verb>", e.g. "booking.create", "user.delete",
 * "session.signIn", "session.signInFailed".
 */
#ifndef CONVENE_SCHEDULER_AUDIT_H
#define CONVENE_SCHEDULER_AUDIT_H

#include <jansson.h>

#include "common/result.h"
#include "common/store_db_pool.h"
#include "scheduler/api.h"
#include "scheduler/scheduler.h"

/* Records a change made by `request` (its principal, its client address)
 * on the request's connection: call it inside the change's transaction,
 * before the commit. `object`: the ID or name changed (may be NULL).
 * `details` (stolen, may be NULL): what changed; members named like a
 * secret (password, secret, token, passcode) are masked first. */
cv_result audit_record(scheduler_api_request *request, const char *action, const char *object,
                       json_t *details);
/* The same without a request (`actor` "" for convened itself). */
cv_result audit_write(store_db *database, const char *actor, const char *address,
                      const char *action, const char *object, json_t *details);
/* Replaces the value of every member named like a secret with "***". */
void audit_mask(json_t *details);

extern const scheduler_module audit_module;

#endif
