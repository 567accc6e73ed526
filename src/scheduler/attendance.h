/*
 * attendance.h - who attended a meeting, from the CDRs its bridge sent:
 * per booking (each occurrence of a series is its own booking), every
 * participant's intervals in the call (joined, left, how long, why they
 * left: the callLegEnd reason), their attempts that never connected, the
 * callers nobody booked, and who never joined.
 *
 * Owns: matching a meeting's call legs (db_cdrs.c) to its participants
 * (by remote party, without scheme or case) and the JSON of
 * GET /bookings/<id>/attendance (also the booking's "attendance" member).
 * Does not own: the CDRs (db_cdrs.c, cdr_receiver.c) or the booking.
 */
#ifndef CONVENE_SCHEDULER_ATTENDANCE_H
#define CONVENE_SCHEDULER_ATTENDANCE_H

#include <jansson.h>

#include "common/result.h"
#include "common/store_db_pool.h"
#include "scheduler/booking.h"
#include "scheduler/scheduler.h"

/* The attendance of `record` as a new JSON object into *out. */
cv_result attendance_json(store_db *database, const booking *record, json_t **out);

/* Registers GET /bookings/<id>/attendance. */
extern const scheduler_module attendance_module;

#endif
