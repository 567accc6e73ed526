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

#include "common/cms_client.h"
#include "common/result.h"
#include "common/store_db_pool.h"
#include "scheduler/booking.h"
#include "scheduler/bridges.h"
#include "common/store_sql.h"
#include "scheduler/scheduler.h"

/* After a booking was created, changed or cancelled (and committed):
 * re-arms its timers from `record` as stored. Never blocks on the network
 * or the database. */
void lifecycle_booking_changed(scheduler *daemon, const struct booking *record);
/* Ends a starting or live meeting as soon as possible (POST /end, cancel). */
void lifecycle_request_end(scheduler *daemon, const char *booking_id);
/* What follows a state change committed outside the lifecycle (POST /end
 * stores `ending` with its audit row): `record` takes `state`, and the
 * log, metrics and events tell of it as for the lifecycle's own changes.
 * `failure` as stored (NULL when none). */
void lifecycle_state_stored(scheduler *daemon, store_db *database, struct booking *record,
                            booking_state state, const char *failure);
/* Tells the bridge again what a live meeting is (PUT /coSpaces/<id> with
 * the same fields: after an extension or a change of title or passcode). */
void lifecycle_request_refresh(scheduler *daemon, const char *booking_id);

/* Looks at a live meeting's participants now rather than at the next
 * poll (after live control dialled someone). */
void lifecycle_request_poll(scheduler *daemon, const char *booking_id);
/* Live control (live_control.c) talks to the bridge about a running
 * meeting itself, with no lifecycle worker on the same booking meanwhile:
 * lifecycle_hold waits up to `timeout_ms` for the booking's worker (if
 * any) to finish and marks the booking busy, so its polls, ends and
 * resumes wait until lifecycle_release. CV_ERR_BUSY when it stayed busy
 * or the daemon is stopping. */
cv_result lifecycle_hold(scheduler *daemon, const char *booking_id, int64_t timeout_ms);
void lifecycle_release(scheduler *daemon, const char *booking_id);
/* The client for the address a running meeting was started through (else
 * the bridge's first); NULL when the bridge or its addresses are gone.
 * `bridge` is filled (free it with bridge_record_free either way). */
cms_client *lifecycle_meeting_client(scheduler *daemon, store_db *database,
                                     const struct booking *record, bridge_record *bridge);
/* The one place a participant's state changes (lifecycle*.c and live
 * control): the state and the time it was entered, when it differs. */
void lifecycle_set_participant_state(booking_participant *participant, participant_state state);
/* Dials participant `index` of live meeting `record` out now (POST
 * /calls/<call>/callLegs); the outcome goes into the participant, not
 * stored. Returns the request's result. */
cv_result lifecycle_dial_participant(scheduler *daemon, cms_client *client, struct booking *record,
                                     size_t index);

/* The module: starts the timers and workers, then reconciles every
 * booking that is not over with what the bridges really have. */
/* This node has just become the leader (cluster.c): reconciles exactly
 * as after a restart (start timers, resumes of running meetings through
 * their bridge, ends of ending ones). */
void lifecycle_take_over(scheduler *daemon);
/* The leader's share of each lease round (cluster.c, on `db`): the
 * requests other nodes left, and the starts that fell due in
 * (from - 1, to - 1] (Unix seconds) with no timer here. */
void lifecycle_lead(scheduler *daemon, store_db *db, int64_t from, int64_t to);

extern const scheduler_module lifecycle_module;

#endif
