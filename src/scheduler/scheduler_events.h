/*
 * scheduler_events.h - what happens in convened, told as it happens:
 * the publish call every module makes in one line, the bounded window of
 * recent events, and GET /api/v1/events (Server-Sent Events).
 *
 * Owns: event kinds (an enum with one name table), the ring of the last
 * --events-buffer events with their ids, waking the streams of connected
 * clients, the heartbeat comments, resuming after Last-Event-ID, the
 * limit --max-event-streams, and the one rule of who sees which event
 * (scheduler_events_visible). Does not own: sending the bytes
 * (common/http_stream.h), or what each module publishes.
 *
 * Ids: every event gets the next id; they only grow. The first id of a run
 * is the start time in seconds times 1,000,000, so an id remembered from an
 * earlier run of convened is older than any of this run (a client
 * resuming with it is told to reload: `event: reset`).
 *
 * Threads: publish from any thread, holding any lock: it takes the ring's
 * mutex for a copy into memory, signals the module's waker thread (which
 * resumes the streams, one wake for a burst of events) and never waits on
 * a client.
 */
#ifndef CONVENE_SCHEDULER_EVENTS_H
#define CONVENE_SCHEDULER_EVENTS_H

#include <jansson.h>
#include <stdbool.h>
#include <stdint.h>

#include "common/http_server.h"
#include "scheduler/booking.h"
#include "scheduler/scheduler.h"

#define EVENTS_DEFAULT_BUFFER            10000
#define EVENTS_DEFAULT_MAX_STREAMS       200
#define EVENTS_DEFAULT_HEARTBEAT_SECONDS 15

typedef enum {
    EVENT_BOOKING_CREATED,
    EVENT_BOOKING_CHANGED, /* edited, or a lifecycle state without its own kind */
    EVENT_BOOKING_CANCELLED,
    EVENT_BOOKING_STARTED, /* live */
    EVENT_BOOKING_ENDED,
    EVENT_BOOKING_FAILED,
    EVENT_PARTICIPANT_CHANGED, /* a participant's state was stored */
    EVENT_TICKET_OPENED,
    EVENT_TICKET_CLOSED,
    EVENT_KIND_COUNT
} scheduler_event_kind;

/* "booking.created", ... (the SSE `event:` field). */
const char *scheduler_event_kind_name(scheduler_event_kind kind);
/* The kind a booking's new lifecycle state is told as. */
scheduler_event_kind scheduler_event_for_state(booking_state state);

/* Records an event and wakes the streams. `booking_id` NULL for events of
 * no booking (tickets). `data` (stolen; NULL for none) is a JSON object
 * whose members go into the event's JSON beside "time" and "bookingId".
 * Before the module started or after it stopped: nothing happens. */
void scheduler_events_publish(scheduler *daemon, scheduler_event_kind kind, const char *booking_id,
                              json_t *data);

/* What the visibility rule looks at. */
typedef struct {
    scheduler_event_kind kind;
    const char *booking_id; /* NULL: not about one booking */
} scheduler_event_view;

/* Whether the signed-in `principal` (a stream's, copied from its request)
 * may see `event`: operators and admins everything; a booker the events
 * of bookings they may read (theirs, as GET /bookings/<id> decides: one
 * query on a connection of `daemon`'s pool) and no ticket events. The one
 * place this is decided. Called without the ring's lock. */
bool scheduler_events_visible(scheduler *daemon, const http_principal *principal,
                              const scheduler_event_view *event);

/* main.c: the HTTP server whose streams publish wakes; NULL before it is
 * stopped (after this returns no publish touches it). */
void scheduler_events_attach_server(scheduler *daemon, http_server *server);

/* Streams open now (for /metrics). */
unsigned scheduler_events_stream_count(scheduler *daemon);

/* The module: the ring, the heartbeat thread, GET /api/v1/events. Starts
 * before every module that publishes. */
extern const scheduler_module events_module;

#endif
