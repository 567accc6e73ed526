/*
 * scheduler_events.c - the ring of recent events and GET /api/v1/events;
 * see scheduler_events.h. Each event is kept as the finished SSE frame
 * ("id: ...\nevent: ...\ndata: {...}\n\n"), so a stream only copies bytes.
 */
#include "scheduler/scheduler_events.h"

#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "common/ids.h"
#include "common/log.h"
#include "common/rfc3339.h"
#include "common/strbuf.h"
#include "common/text.h"
#include "scheduler/api.h"
#include "scheduler/db_users.h"
#include "scheduler/users.h"

/* A stream hands the server at most about this much per refill. */
#define STREAM_BATCH_BYTES (64 * 1024)
/* Events a booker's stream takes per refill before filtering them. */
#define STREAM_BATCH_EVENTS 256
/* Sent first: the client's wait before it reconnects (milliseconds). */
#define STREAM_GREETING "retry: 2000\n: connected\n\n"

static const char *const kind_names[EVENT_KIND_COUNT] = {
    [EVENT_BOOKING_CREATED] = "booking.created",
    [EVENT_BOOKING_CHANGED] = "booking.changed",
    [EVENT_BOOKING_CANCELLED] = "booking.cancelled",
    [EVENT_BOOKING_STARTED] = "booking.started",
    [EVENT_BOOKING_ENDED] = "booking.ended",
    [EVENT_BOOKING_FAILED] = "booking.failed",
    [EVENT_PARTICIPANT_CHANGED] = "participant.changed",
    [EVENT_TICKET_OPENED] = "ticket.opened",
    [EVENT_TICKET_CLOSED] = "ticket.closed",
};

typedef struct {
    uint64_t id; /* 0: the slot was never used */
    scheduler_event_kind kind;
    char booking_id[ID_TEXT_SIZE]; /* "" when none */
    char *frame;                   /* the SSE text, ending in a blank line */
    size_t frame_length;
} stored_event;

typedef struct {
    scheduler *daemon;
    /* Guards everything below but `streams`. Held only for copies. */
    pthread_mutex_t lock;
    stored_event *ring; /* event `id` sits at ring[id % capacity] */
    size_t capacity;
    uint64_t next_id;    /* the id the next event gets */
    uint64_t oldest_id;  /* the oldest id still in the ring (== next_id when empty) */
    uint64_t heartbeats; /* counts heartbeat periods; a stream that saw an older count sends one */
    bool wake_pending;   /* an event came since the waker last woke the streams */
    bool stopping;
    pthread_cond_t tick; /* the waker's sleep, cut short by a publish or the stop */
    /* Guards `server` and is held while the streams are woken, so that
     * after a detach no wake touches the server. Never taken with `lock`. */
    pthread_mutex_t wake_lock;
    http_server *server; /* NULL before attach and after detach */
    pthread_t heartbeat_thread;
    bool heartbeat_started;
    atomic_uint streams; /* open streams, against max_event_streams */
} events_hub;

/* An event a booker's stream copied out of the ring, to filter without
 * the ring's lock (the filter asks the database). */
typedef struct {
    scheduler_event_kind kind;
    char booking_id[ID_TEXT_SIZE]; /* "" when none */
    size_t offset, length;         /* its frame in event_stream.candidates */
} candidate_event;

/* One client's stream (the http_stream_source context). */
typedef struct {
    events_hub *hub;
    http_principal principal; /* the signed-in user it is filtered for (a copy) */
    bool sees_everything;     /* an operator or admin: no filter to apply */
    candidate_event batch[STREAM_BATCH_EVENTS];
    size_t batch_count;
    strbuf candidates;        /* the frames of `batch` */
    uint64_t next_id;         /* the next event to look at */
    bool reset;               /* tell the client its resume point is gone first */
    uint64_t heartbeats_seen; /* hub->heartbeats when it last sent anything */
    strbuf pending;           /* a batch being handed over */
    size_t sent;              /* bytes of `pending` already handed over */
} event_stream;

const char *scheduler_event_kind_name(scheduler_event_kind kind)
{
    return (unsigned)kind < EVENT_KIND_COUNT ? kind_names[kind] : "unknown";
}

scheduler_event_kind scheduler_event_for_state(booking_state state)
{
    switch (state) {
    case BOOKING_LIVE:
        return EVENT_BOOKING_STARTED;
    case BOOKING_ENDED:
        return EVENT_BOOKING_ENDED;
    case BOOKING_FAILED:
        return EVENT_BOOKING_FAILED;
    default:
        return EVENT_BOOKING_CHANGED;
    }
}

bool scheduler_events_visible(scheduler *daemon, const http_principal *principal,
                              const scheduler_event_view *event)
{
    if (principal->role >= USER_ROLE_OPERATOR)
        return true;
    if (!event->booking_id)
        return false; /* tickets: operators and admins */
    /* A booker: the bookings they may read, as GET /bookings/<id> decides. */
    store_db *database = store_db_pool_acquire(&daemon->store);
    bool owned = false;
    cv_result result = db_users_booking_owned(database, event->booking_id, principal->user_id,
                                              principal->email, &owned);
    store_db_pool_release(&daemon->store, database);
    return result == CV_OK && owned;
}

/* The event's JSON without its id, from `data` (consumed): rendered
 * before the ring's lock is taken. NULL when out of memory. */
static char *render_body(scheduler_event_kind kind, const char *booking_id, json_t *data)
{
    char now[32];
    rfc3339_format_utc((int64_t)time(NULL), now, sizeof now);
    json_t *event = json_pack("{s:s, s:s, s:s?}", "type", scheduler_event_kind_name(kind), "time",
                              now, "bookingId", booking_id);
    if (event && json_is_object(data))
        json_object_update_missing(event, data);
    json_decref(data);
    /* Compact JSON has no line breaks (they are escaped in strings), so it
     * is one `data:` line; "type" is always there, so it is never "{}". */
    char *text = event ? json_dumps(event, JSON_COMPACT | JSON_PRESERVE_ORDER) : NULL;
    json_decref(event);
    return text;
}

/* The SSE frame of event `id` whose JSON body is `body` ("{...}"): the id
 * goes in front of the body's members. NULL when out of memory. */
static char *render_frame(uint64_t id, scheduler_event_kind kind, const char *body, size_t *length)
{
    strbuf frame = STRBUF_INIT;
    strbuf_printf(&frame, "id: %llu\nevent: %s\ndata: {\"id\":%llu,%s\n\n", (unsigned long long)id,
                  scheduler_event_kind_name(kind), (unsigned long long)id, body + 1);
    *length = frame.length;
    if (strbuf_status(&frame) != CV_OK) {
        strbuf_free(&frame);
        return NULL;
    }
    return strbuf_detach(&frame);
}

void scheduler_events_publish(scheduler *daemon, scheduler_event_kind kind, const char *booking_id,
                              json_t *data)
{
    events_hub *hub = daemon ? daemon->events_state : NULL;
    if (!hub) {
        json_decref(data);
        return;
    }
    char *body = render_body(kind, booking_id, data);
    pthread_mutex_lock(&hub->lock);
    uint64_t id = hub->next_id;
    size_t length = 0;
    char *frame = body ? render_frame(id, kind, body, &length) : NULL;
    free(body);
    if (!frame) {
        pthread_mutex_unlock(&hub->lock);
        log_error("events: out of memory: a %s event is lost", scheduler_event_kind_name(kind));
        return;
    }
    stored_event *slot = &hub->ring[id % hub->capacity];
    free(slot->frame);
    slot->id = id;
    slot->kind = kind;
    snprintf(slot->booking_id, sizeof slot->booking_id, "%s", booking_id ? booking_id : "");
    slot->frame = frame;
    slot->frame_length = length;
    hub->next_id = id + 1;
    if (hub->next_id - hub->oldest_id > hub->capacity)
        hub->oldest_id = hub->next_id - hub->capacity;
    /* The waker thread resumes the streams: the publisher (a request or
     * the lifecycle) only signals, and a burst of events is one wake.
     * Without a stream there is nobody to wake, and a booking would pay
     * for a thread switch (docs/benchmarks.md, booking p99). A stream
     * counted after this check reads the ring under this lock before it
     * first sleeps, so it still finds this event. */
    if (atomic_load(&hub->streams) > 0) {
        hub->wake_pending = true;
        pthread_cond_signal(&hub->tick);
    }
    pthread_mutex_unlock(&hub->lock);
}

void scheduler_events_attach_server(scheduler *daemon, http_server *server)
{
    events_hub *hub = daemon->events_state;
    if (!hub)
        return;
    pthread_mutex_lock(&hub->wake_lock);
    hub->server = server;
    pthread_mutex_unlock(&hub->wake_lock);
}

unsigned scheduler_events_stream_count(scheduler *daemon)
{
    events_hub *hub = daemon->events_state;
    return hub ? atomic_load(&hub->streams) : 0;
}

/* ---- one stream ------------------------------------------------------------ */

/* Takes what is new for the stream out of the ring: into `pending` for a
 * stream that sees everything, else into `batch` to be filtered after the
 * lock is released. Hub lock held. */
static void refill_locked(event_stream *stream)
{
    events_hub *hub = stream->hub;
    if (stream->next_id < hub->oldest_id || stream->next_id > hub->next_id)
        stream->reset = true;
    if (stream->reset) {
        /* The resume point left the window (or was never this run's): the
         * client reloads, and goes on from now. */
        stream->reset = false;
        stream->next_id = hub->next_id;
        strbuf_printf(&stream->pending,
                      "id: %llu\nevent: reset\ndata: {\"reason\":\"the events after the given "
                      "id are no longer kept: reload, then follow from here\"}\n\n",
                      (unsigned long long)(hub->next_id - 1));
    }
    for (; stream->next_id < hub->next_id && stream->pending.length < STREAM_BATCH_BYTES &&
           stream->candidates.length < STREAM_BATCH_BYTES &&
           stream->batch_count < STREAM_BATCH_EVENTS;
         stream->next_id++) {
        const stored_event *event = &hub->ring[stream->next_id % hub->capacity];
        if (stream->sees_everything) {
            strbuf_append(&stream->pending, event->frame, event->frame_length);
            continue;
        }
        candidate_event *taken = &stream->batch[stream->batch_count++];
        taken->kind = event->kind;
        memcpy(taken->booking_id, event->booking_id, sizeof taken->booking_id);
        taken->offset = stream->candidates.length;
        taken->length = event->frame_length;
        strbuf_append(&stream->candidates, event->frame, event->frame_length);
    }
    if (stream->pending.length == 0 && stream->batch_count == 0 &&
        stream->heartbeats_seen != hub->heartbeats)
        strbuf_append_str(&stream->pending, ": heartbeat\n\n");
    stream->heartbeats_seen = hub->heartbeats;
}

/* The batch a booker's stream took, filtered into `pending`. */
static void filter_batch(event_stream *stream)
{
    for (size_t i = 0; i < stream->batch_count; i++) {
        const candidate_event *taken = &stream->batch[i];
        scheduler_event_view view = {taken->kind, taken->booking_id[0] ? taken->booking_id : NULL};
        if (scheduler_events_visible(stream->hub->daemon, &stream->principal, &view))
            strbuf_append(&stream->pending, strbuf_str(&stream->candidates) + taken->offset,
                          taken->length);
    }
    stream->batch_count = 0;
    strbuf_reset(&stream->candidates);
}

/* http_stream_source.read */
static ssize_t read_events(void *context, char *buffer, size_t max)
{
    event_stream *stream = context;
    if (stream->sent == stream->pending.length) {
        strbuf_reset(&stream->pending);
        stream->sent = 0;
        pthread_mutex_lock(&stream->hub->lock);
        bool stopping = stream->hub->stopping;
        if (!stopping)
            refill_locked(stream);
        pthread_mutex_unlock(&stream->hub->lock);
        filter_batch(stream);
        if (stopping || strbuf_status(&stream->pending) != CV_OK ||
            strbuf_status(&stream->candidates) != CV_OK)
            return -1;
    }
    size_t count = stream->pending.length - stream->sent;
    if (count > max)
        count = max;
    memcpy(buffer, strbuf_str(&stream->pending) + stream->sent, count);
    stream->sent += count;
    return (ssize_t)count;
}

/* http_stream_source.release */
static void release_events(void *context)
{
    event_stream *stream = context;
    atomic_fetch_sub(&stream->hub->streams, 1);
    strbuf_free(&stream->pending);
    strbuf_free(&stream->candidates);
    free(stream);
}

/* Where a stream starts: after Last-Event-ID (header, else ?lastEventId=),
 * or from now. False after answering 400. */
static bool read_resume_point(scheduler_api_request *request, bool *given, uint64_t *after)
{
    const char *field = "Last-Event-ID";
    const char *text = http_request_header(request->http, field);
    if (!text) {
        field = "lastEventId";
        text = scheduler_api_query(request, field);
    }
    *given = text != NULL;
    int64_t value = 0;
    if (text && text_parse_int64(text, 0, INT64_MAX - 1, &value) != CV_OK) {
        scheduler_api_fail_field(request, field, "%s must be an event id (a whole number)", field);
        return false;
    }
    *after = (uint64_t)value;
    return true;
}

/* GET /api/v1/events */
static void get_events(scheduler_api_request *request)
{
    events_hub *hub = request->daemon->events_state;
    bool given = false;
    uint64_t after = 0;
    if (!read_resume_point(request, &given, &after))
        return;
    unsigned limit = (unsigned)request->daemon->options.max_event_streams;
    if (atomic_fetch_add(&hub->streams, 1) >= limit) {
        atomic_fetch_sub(&hub->streams, 1);
        scheduler_api_fail(request, 503, "tooManyStreams",
                           "every event stream is taken (--max-event-streams); retry later",
                           json_pack("{s:I}", "limit", (json_int_t)limit));
        return;
    }
    event_stream *stream = calloc(1, sizeof *stream);
    const http_principal *principal = scheduler_api_principal(request);
    if (!stream || !principal) { /* a principal is there: the route is signed-in only */
        free(stream);
        atomic_fetch_sub(&hub->streams, 1);
        scheduler_api_fail_result(request, CV_ERR_NO_MEMORY, "events");
        return;
    }
    stream->hub = hub;
    stream->principal = *principal;
    stream->sees_everything = scheduler_api_sees_everything(request);
    pthread_mutex_lock(&hub->lock);
    stream->next_id = given ? after + 1 : hub->next_id;
    stream->heartbeats_seen = hub->heartbeats;
    pthread_mutex_unlock(&hub->lock);
    strbuf_append_str(&stream->pending, STREAM_GREETING);
    http_response *response = request->response;
    strbuf_reset(&response->body);
    response->status = 200;
    response->content_type = "text/event-stream";
    http_response_add_header(response, "Cache-Control", "no-cache");
    /* nginx and similar proxies otherwise hold the stream back */
    http_response_add_header(response, "X-Accel-Buffering", "no");
    response->stream = (http_stream_source){read_events, release_events, stream};
}

/* ---- the module ------------------------------------------------------------ */

/* The waker: resumes the streams when events came, and every heartbeat
 * period (then streams with nothing to say send a comment, so proxies keep
 * them open and a client that left is noticed). */
static void *heartbeat_main(void *argument)
{
    events_hub *hub = argument;
    int64_t period = hub->daemon->options.events_heartbeat_seconds;
    struct timespec next_heartbeat;
    clock_gettime(CLOCK_REALTIME, &next_heartbeat);
    next_heartbeat.tv_sec += period;
    pthread_mutex_lock(&hub->lock);
    while (!hub->stopping) {
        bool due = false;
        while (!hub->stopping && !hub->wake_pending && !due)
            due = pthread_cond_timedwait(&hub->tick, &hub->lock, &next_heartbeat) != 0;
        if (hub->stopping)
            break;
        if (due) {
            hub->heartbeats++;
            clock_gettime(CLOCK_REALTIME, &next_heartbeat);
            next_heartbeat.tv_sec += period;
        }
        hub->wake_pending = false;
        pthread_mutex_unlock(&hub->lock);
        pthread_mutex_lock(&hub->wake_lock);
        http_server_wake_streams(hub->server);
        pthread_mutex_unlock(&hub->wake_lock);
        pthread_mutex_lock(&hub->lock);
    }
    pthread_mutex_unlock(&hub->lock);
    return NULL;
}

static void free_hub(events_hub *hub)
{
    for (size_t i = 0; hub->ring && i < hub->capacity; i++)
        free(hub->ring[i].frame);
    free(hub->ring);
    pthread_cond_destroy(&hub->tick);
    pthread_mutex_destroy(&hub->wake_lock);
    pthread_mutex_destroy(&hub->lock);
    free(hub);
}

static const char *const events_query[] = {"lastEventId", NULL};
static const scheduler_api_route events_routes[] = {
    {"GET", "events", get_events, events_query, API_ALLOW_SIGNED_IN, NULL},
};

static cv_result events_start(scheduler *daemon)
{
    events_hub *hub = calloc(1, sizeof *hub);
    if (!hub)
        return CV_ERR_NO_MEMORY;
    hub->daemon = daemon;
    hub->capacity = (size_t)daemon->options.events_buffer;
    hub->ring = calloc(hub->capacity, sizeof *hub->ring);
    hub->next_id = (uint64_t)time(NULL) * 1000000u;
    hub->oldest_id = hub->next_id;
    pthread_mutex_init(&hub->lock, NULL);
    pthread_mutex_init(&hub->wake_lock, NULL);
    pthread_cond_init(&hub->tick, NULL);
    if (!hub->ring) {
        free_hub(hub);
        return CV_ERR_NO_MEMORY;
    }
    hub->heartbeat_started = pthread_create(&hub->heartbeat_thread, NULL, heartbeat_main, hub) == 0;
    if (!hub->heartbeat_started) {
        free_hub(hub);
        return CV_ERR_IO;
    }
    daemon->events_state = hub;
    return scheduler_api_register(daemon, events_routes,
                                  sizeof events_routes / sizeof events_routes[0]);
}

static void events_stop(scheduler *daemon)
{
    events_hub *hub = daemon->events_state;
    if (!hub)
        return;
    pthread_mutex_lock(&hub->lock);
    hub->stopping = true;
    pthread_cond_broadcast(&hub->tick);
    pthread_mutex_unlock(&hub->lock);
    pthread_join(hub->heartbeat_thread, NULL);
    daemon->events_state = NULL;
    free_hub(hub);
}

const scheduler_module events_module = {"events", events_start, events_stop};
