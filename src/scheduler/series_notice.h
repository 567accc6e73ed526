/*
 * series_notice.h - the notices the lifecycle sends a meeting's
 * organizer by e-mail: the meeting did not start, a participant was not
 * reached after every retry, the meeting runs through another node of its
 * bridge (a failover), an occurrence of an endless series could not be
 * booked when the series was extended. Each is queued in the outbox once (a restart or a
 * second look at the same failure sends no second one) and only for an
 * occurrence of a series with an organizer, when convened sends mail.
 *
 * Owns: deciding that a notice is due, its one-line detail and its key.
 * Does not own: when the lifecycle calls (lifecycle_*.c), the message
 * (invitation.c), the queue (db_outbox.c).
 */
#ifndef CONVENE_SCHEDULER_SERIES_NOTICE_H
#define CONVENE_SCHEDULER_SERIES_NOTICE_H

#include <stddef.h>

#include "common/store_db_pool.h"
#include "scheduler/booking.h"
#include "scheduler/scheduler.h"

/* The daemon whose mail settings notices use (the mail module sets it at
 * start and clears it, with NULL, at stop); no notices without one. */
void series_notice_attach(scheduler *daemon);

/* The meeting `record` failed to start, for reason `why`. */
void series_notice_start_failed(store_db *database, const booking *record, const char *why);
/* Participant `index` of `record` was just stored: a notice when it is a
 * dial-out that failed (busy, no answer, refused) with no retry left. */
void series_notice_participant(store_db *database, const booking *record, size_t index);
/* The meeting was started through `address`, another node of its bridge,
 * because the first ones did not answer (`why`). */
void series_notice_failover(store_db *database, const booking *record, const char *address,
                            const char *why);

/* Occurrence `record` (not stored) of series `series_id` could not be
 * booked as the series was extended (`reason`). */
void series_notice_skipped(store_db *database, const char *series_id, const booking *record,
                           const char *reason);

#endif
