/*
 * lifecycle.h - running meetings on the bridges, on time: start (the
 * order of TMS's recorded traffic ("Verify"): survey, open the slot's space, create the call,
 * confirm, dial out), live participant state, extension, end, failover to
 * other addresses of the bridge, and reconciliation after a restart.
 *
 * Owns: the timers of every booking (timers.h), the worker threads that
 * talk to bridges for meetings, the per-booking serialisation of that work
 * and every state change of a booking after it was booked. Does not own:
 * validation or capacity (booking.h), the HTTP client (cms_client.h), the
 * list of addresses of a bridge (bridges.h).
 */
#ifndef CONVENE_SCHEDULER_LIFECYCLE_H
#define CONVENE_SCHEDULER_LIFECYCLE_H

#include "common/result.h"
#include "scheduler/scheduler.h"

struct booking;

/* After a booking was created, changed or cancelled (and committed):
 * re-arms its timers from `record` as stored. Never blocks on the network
 * or the database. */
void lifecycle_booking_changed(scheduler *daemon, const struct booking *record);
/* Ends a starting or live meeting as soon as possible (POST /end, cancel). */
void lifecycle_request_end(scheduler *daemon, const char *booking_id);
/* Tells the bridge again what a live meeting is (PUT /coSpaces/<id> with
 * the same fields: after an extension or a change of title or passcode). */
void lifecycle_request_refresh(scheduler *daemon, const char *booking_id);

/* The module: starts the timers and workers, then reconciles every
 * booking that is not over with what the bridges really have. */
extern const scheduler_module lifecycle_module;

#endif
