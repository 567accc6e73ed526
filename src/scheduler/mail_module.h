/*
 * mail_module.h - convened's e-mail: the module that reads --smtp,
 * --mail-from and --smtp-password-file, runs the delivery thread
 * (outbox.c over db_outbox.c), serves GET /outbox, and lets changes queue
 * invitations in their own transaction.
 *
 * Owns: the SMTP settings and the password (wiped at stop), the thread,
 * the route. Does not own: what a message says (invitation.h) or when a
 * change causes one (the booking code calls mail_queue).
 */
#ifndef CONVENE_SCHEDULER_MAIL_MODULE_H
#define CONVENE_SCHEDULER_MAIL_MODULE_H

#include <stdbool.h>

#include "common/result.h"
#include "common/store_db_pool.h"
#include "scheduler/invitation.h"
#include "scheduler/scheduler.h"

extern const scheduler_module mail_module;

/* True when convened sends e-mail (--smtp given). */
bool mail_enabled(const scheduler *daemon);
/* Composes the messages `kind` causes for `event` and queues them in the
 * caller's transaction; nothing when mail is off or nobody would get one.
 * CV_ERR_INVALID (problem filled) when the event cannot be written. */
cv_result mail_queue(scheduler *daemon, store_db *database, mail_kind kind,
                     const calendar_event *event, const char *booking_id, char *problem);
/* The same for a notice to the event's organizer (MAIL_START_FAILED,
 * MAIL_UNREACHABLE, MAIL_FAILOVER, MAIL_SKIPPED) saying `detail`, queued
 * at most once under `key` (NULL: no key, as mail_queue). */
cv_result mail_queue_notice(scheduler *daemon, store_db *database, mail_kind kind,
                            const calendar_event *event, const char *booking_id, const char *detail,
                            const char *key, char *problem);
/* After the commit: deliver now rather than at the next due time. */
void mail_wake(scheduler *daemon);

#endif
