/*
 * db_cdrs.h - the Call Detail Records convened received, in the data
 * layer: each record once (keyed by the sender's session and the record's
 * index), and what they say per call and per call leg.
 *
 * Owns: the SQL on `cdr_records`, `cdr_calls` and `cdr_legs`. A record
 * delivered twice is stored once and changes nothing the second time;
 * each record writes only the columns it knows (a leg's start, its
 * connection, its end), so records that arrive out of order give the same
 * rows as in order. Does not own: parsing (cdr_ingest.c), receiving
 * (cdr_receiver.c), what the rows mean for a booking (attendance.c).
 */
#ifndef CONVENE_SCHEDULER_DB_CDRS_H
#define CONVENE_SCHEDULER_DB_CDRS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "common/result.h"
#include "common/store_db_pool.h"
#include "scheduler/cdr_ingest.h"

/* Stores a batch in one transaction (the caller's when one is open).
 * `bridge_id` is the bridge it came from ("" unknown). *stored counts the
 * records that were new (the others were delivered before). */
cv_result db_cdrs_store_batch(store_db *database, const cdr_batch *batch, const char *bridge_id,
                              size_t *stored);

/* One call leg as the CDRs tell it; times UTC seconds, -1 when not told. */
typedef struct {
    const char *leg_id;
    const char *call_id;
    const char *remote_party; /* "" when not told (yet) */
    const char *direction;    /* "incoming", "outgoing" or "" */
    int64_t started, connected, ended;
    const char *reason; /* callLegEnd's reason; "" while it has not ended */
    bool remote_teardown;
} db_cdr_leg;

typedef cv_result (*db_cdr_leg_visit)(const db_cdr_leg *leg, void *context);

/* The legs of the calls a booking had: its own call `call_id` (may be
 * ""), and any call on its space `cospace_id` (may be "") that started in
 * [from, to). By the time they started. */
cv_result db_cdrs_each_leg_of_meeting(store_db *database, const char *call_id,
                                      const char *cospace_id, int64_t from, int64_t to,
                                      db_cdr_leg_visit visit, void *context);

#endif
