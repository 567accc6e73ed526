/*
 * db_outbox.h - the `outbox` table (schema versions 6 and 7): queuing finished
 * e-mails in the transaction of the change that causes them, the store
 * behind outbox.c's delivery thread, and the list GET /outbox shows.
 *
 * Owns: the SQL on `outbox`. Does not own: composing messages
 * (invitation.h), delivering them (outbox.h).
 */
#ifndef CONVENE_SCHEDULER_DB_OUTBOX_H
#define CONVENE_SCHEDULER_DB_OUTBOX_H

#include <jansson.h>
#include <stdint.h>

#include "common/result.h"
#include "common/store_db_pool.h"
#include "scheduler/invitation.h"
#include "scheduler/outbox.h"

/* Queues every message of `mails` (pending, due now). The caller holds the
 * transaction of the change that caused them; `booking_id` may be NULL.
 * With a `key` (a notice that must go out once), nothing is queued when a
 * message was queued under that key before (a restart or a second look at
 * the same failure sends no second notice); NULL for none. */
cv_result db_outbox_queue(store_db *database, const char *booking_id, mail_kind kind,
                          const char *sender, const composed_mails *mails, int64_t now,
                          const char *key);
/* outbox.c's backend over a pool: each call borrows one connection. */
outbox_backend db_outbox_backend(store_db_pool *pool);
/* The newest `limit` rows (state "pending", "sent", "failed" or NULL for
 * all) as {"messages": [...], "pending": n}. */
cv_result db_outbox_list(store_db *database, const char *state, int64_t limit, json_t **out);

#endif
