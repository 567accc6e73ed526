/*
 * slots.h - capacity: which numeric-ID slots and which participants are
 * taken over a stretch of time, and the lowest slot free over a whole
 * meeting.
 *
 * Owns: the capacity queries over the bookings tables (bookings and
 * participants; db_schema.c, migration 2) and
 * the conflict lists a 409 shows. A booking holds capacity while its state
 * is scheduled, starting, live or ending (the `holds_capacity` column);
 * it occupies its slot and its participants over [occupied_start, end_at)
 * where occupied_start is the start minus the setup buffer. Queries are
 * bounded on both sides through the longest occupied span ever stored
 * (booking_span), so they read only the index entries near the window.
 *
 * Does not own: transactions (callers hold one), validation of input, the
 * bridges themselves.
 */
#ifndef CONVENE_SCHEDULER_SLOTS_H
#define CONVENE_SCHEDULER_SLOTS_H

#include <jansson.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "common/result.h"
#include "common/store_db_pool.h"

/* The stretch of time asked about, in seconds since the epoch (UTC),
 * half-open. `exclude_booking` (may be NULL) is left out: the booking
 * being changed does not conflict with itself. */
typedef struct {
    int64_t from;
    int64_t to;
    const char *exclude_booking;
} slot_window;

/* The lowest slot in [base, base + quantity) that no other booking on
 * `bridge_id` holds over the window. `preferred` (or -1) is returned
 * instead when it is itself free (a changed booking keeps its slot).
 * CV_ERR_CONFLICT when every slot is taken. */
cv_result slots_find_free(store_db *database, const char *bridge_id, int64_t base, int64_t quantity,
                          const slot_window *window, int64_t preferred, int64_t *slot_out);

/* True (in *free_out) when `slot` on `bridge_id` is held by no other
 * booking over the window. */
cv_result slots_is_free(store_db *database, const char *bridge_id, int64_t slot,
                        const slot_window *window, bool *free_out);

/* Appends to `conflicts` (a JSON array) one object per other booking on
 * `bridge_id` that overlaps the window: {"booking", "title", "start",
 * "end", "slot"}. At most `limit` entries. */
cv_result slots_list_bridge_bookings(store_db *database, const char *bridge_id,
                                     const slot_window *window, size_t limit, json_t *conflicts);

/* Appends to `conflicts` one object per (participant, other booking)
 * overlap: {"participant", "booking", "title", "start", "end"}. `uri_keys`
 * are normalised participant keys (booking_uri_key). */
cv_result slots_list_participant_conflicts(store_db *database, const char *const *uri_keys,
                                           size_t count, const slot_window *window,
                                           json_t *conflicts);

/* Records that a booking occupies `span` seconds (the bound the queries
 * rely on). Call inside the transaction that stores the booking. */
cv_result slots_note_span(store_db *database, int64_t span);

/* Lowest and highest slot held by any booking holding capacity on the
 * bridge: the one answer to "which slots are in use" (a range change must
 * keep them; bridges.c asks inside the transaction that writes it). */
cv_result slots_in_use_range(store_db *database, const char *bridge_id, bool *any, int64_t *lowest,
                             int64_t *highest);

#endif
