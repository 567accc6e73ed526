/*
 * booking_api_internal.h - what the /bookings handlers share between
 * booking_api.c (single bookings), booking_running_api.c (extend and end
 * a running meeting) and booking_series_api.c (bookings with a time zone,
 * a recurrence or an organizer).
 *
 * Owns: the bridges as placement sees them and the helpers both files use
 * to answer. Does not own: the handlers themselves.
 */
#ifndef CONVENE_SCHEDULER_BOOKING_API_INTERNAL_H
#define CONVENE_SCHEDULER_BOOKING_API_INTERNAL_H

#include <jansson.h>
#include <stdbool.h>

#include "common/ids.h"
#include "common/store_db_pool.h"
#include "scheduler/api.h"
#include "scheduler/booking.h"
#include "scheduler/scheduler_events.h"

typedef struct {
    booking_bridge placement;
    char *name;
    char *domain;
} bridge_view;

typedef struct {
    bridge_view *items;
    size_t count;
    booking_bridge *placements; /* parallel copy for booking_place */
} bridge_views;

/* Every bridge, in the order placement tries them. */
cv_result bridge_views_load(store_db *database, bridge_views *out);
void bridge_views_free(bridge_views *views);
/* The SIP domain of bridge `id` (NULL when unknown or none). */
const char *bridge_domain(const bridge_views *views, const char *id);
/* Tells `record` as an event of `kind` (its JSON under "booking"); the
 * bridges' domains from `views` when given (NULL: the dial-in URI is
 * left out). */
void booking_api_publish(scheduler_api_request *request, scheduler_event_kind kind,
                         const booking *record, const bridge_views *views);
/* A bridge named by the client: its ID, or its name when unambiguous.
 * Replies 400 naming "bridge" and returns false when it names none. */
bool booking_api_resolve_bridge(scheduler_api_request *request, const bridge_views *views,
                                const char *text, char out[ID_TEXT_SIZE]);
/* Query argument `name` as an RFC 3339 time into *out (left as it is when
 * absent); replies 400 naming it and returns false when it is bad. */
bool booking_api_read_time(scheduler_api_request *request, const char *name, int64_t *out);
/* Now and the daemon's longest meeting. */
booking_limits booking_api_limits(const scheduler_api_request *request);
/* Answers a failed booking_place: 409 with `conflicts` (stolen), 400 for
 * an unknown bridge, else the result. */
void booking_api_fail_placement(scheduler_api_request *request, cv_result result, json_t *conflicts,
                                const char *reason);
/* Rolls the change back and answers 409 with `reason`, listing the
 * booking and its state: it is in no state to take the request. */
void booking_api_fail_state(scheduler_api_request *request, const booking *record,
                            const char *reason);
/* Checks that a booking can keep its bridge and slot over its (changed)
 * time, and that its participants are free: a running meeting cannot move.
 * As booking_place. */
cv_result booking_api_place_in_own_slot(store_db *database, booking *record, json_t **conflicts,
                                        const char **reason);
/* Begins the transaction of a change and loads the booking the path
 * names inside it, so the checks made on it and the write share it.
 * Replies, with nothing left open, and returns false when either fails. */
bool booking_api_begin_and_load(scheduler_api_request *request, bridge_views *views,
                                booking *record);
/* POST /bookings/<id>/extend and /end (booking_running_api.c). */
void booking_api_handle_extend(scheduler_api_request *request);
void booking_api_handle_end(scheduler_api_request *request);
/* Answers with the booking (its series' members added). */
void booking_api_reply(scheduler_api_request *request, int status, const booking *record,
                       const bridge_views *views);

/* A copy of the request's body for booking_apply_json: no series members
 * (series.h), and start and end in UTC when they are local times in
 * `zone` (NULL: no zone, times must carry an offset). Replies 400 naming
 * the member and returns NULL on a bad time. (booking_series_api.c) */
json_t *booking_series_plain_body(scheduler_api_request *request, const char *zone);

/* API_ALLOW_OWNER's check for bookings: true when booking `id` (or
 * "<id>.ics") is the requesting user's (they booked it or its series, or
 * organize it). */
bool booking_api_owned(scheduler_api_request *request, const char *id);
/* Records the requesting user as the owner of a new series and so of its
 * occurrences; in the caller's transaction. (A single booking's owner is
 * inserted with its row: booking.owner.) */
cv_result booking_api_set_series_owner(scheduler_api_request *request, const char *series_id);

#endif
