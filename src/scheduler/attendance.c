/*
 * attendance.c - a meeting's attendance from its CDRs; see attendance.h.
 *
 *   GET /bookings/<id>/attendance
 *
 * Owns: grouping the legs by participant and the JSON. An interval is a
 * leg that connected: from its connection to its end (or still going);
 * a leg that never connected is an attempt (a busy, unanswered or refused
 * dial-out). Does not own: the SQL (db_cdrs.c).
 */
#include "scheduler/attendance.h"

#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "common/ids.h"
#include "common/rfc3339.h"
#include "common/text.h"
#include "scheduler/api.h"
#include "scheduler/booking_api_internal.h"
#include "scheduler/db_cdrs.h"

/* how long before its start a meeting's call may begin (setup, a start
 * retried early) and still be the meeting's */
#define CALL_EARLY_SECONDS 120

/* One leg, copied out of the query. */
typedef struct {
    char leg_id[ID_TEXT_SIZE];
    char key[BOOKING_URI_MAX + 1]; /* its remote party as booking_uri_key makes it */
    char *remote_party;
    char direction[16];
    int64_t started, connected, ended;
    char reason[48];
    bool remote_teardown;
    bool claimed; /* matched to a booked participant */
} leg_copy;

typedef struct {
    leg_copy *items;
    size_t count;
} leg_copies;

static void leg_copies_free(leg_copies *legs)
{
    for (size_t index = 0; index < legs->count; index++)
        free(legs->items[index].remote_party);
    free(legs->items);
}

/* db_cdr_leg_visit: one leg into the copies `context`. */
static cv_result copy_leg(const db_cdr_leg *leg, void *context)
{
    leg_copies *legs = context;
    leg_copy *grown = realloc(legs->items, (legs->count + 1) * sizeof *grown);
    if (grown == NULL)
        return CV_ERR_NO_MEMORY;
    legs->items = grown;
    leg_copy *copy = &legs->items[legs->count];
    memset(copy, 0, sizeof *copy);
    copy->remote_party = text_duplicate(leg->remote_party);
    if (copy->remote_party == NULL)
        return CV_ERR_NO_MEMORY;
    legs->count++;
    snprintf(copy->leg_id, sizeof copy->leg_id, "%s", leg->leg_id);
    booking_uri_key(leg->remote_party, copy->key, sizeof copy->key);
    snprintf(copy->direction, sizeof copy->direction, "%s", leg->direction);
    copy->started = leg->started;
    copy->connected = leg->connected;
    copy->ended = leg->ended;
    snprintf(copy->reason, sizeof copy->reason, "%s", leg->reason);
    copy->remote_teardown = leg->remote_teardown;
    return CV_OK;
}

static json_t *time_or_null(int64_t seconds)
{
    if (seconds < 0)
        return json_null();
    char text[32];
    rfc3339_format_utc(seconds, text, sizeof text);
    return json_string(text);
}

/* The intervals and attempts of the legs whose key is `key` (marked
 * claimed), and the seconds connected in all, into `person`. */
static cv_result add_legs(leg_copies *legs, const char *key, int64_t now, json_t *person)
{
    json_t *intervals = json_array(), *attempts = json_array();
    int64_t total = 0, first = -1, last = -1;
    bool still_in = false;
    for (size_t index = 0; index < legs->count; index++) {
        leg_copy *leg = &legs->items[index];
        if (strcmp(leg->key, key) != 0)
            continue;
        leg->claimed = true;
        json_t *reason = leg->reason[0] ? json_string(leg->reason) : json_null();
        if (leg->connected < 0) {
            json_array_append_new(
                attempts, json_pack("{s:s, s:o, s:o, s:o, s:b}", "callLeg", leg->leg_id, "started",
                                    time_or_null(leg->started), "ended", time_or_null(leg->ended),
                                    "reason", reason, "remoteTeardown", leg->remote_teardown));
            continue;
        }
        int64_t until = leg->ended >= 0 ? leg->ended : now;
        int64_t seconds = until > leg->connected ? until - leg->connected : 0;
        total += seconds;
        still_in = still_in || leg->ended < 0;
        first = first < 0 || leg->connected < first ? leg->connected : first;
        last = leg->ended > last ? leg->ended : last;
        json_array_append_new(intervals,
                              json_pack("{s:s, s:s, s:o, s:o, s:I, s:o, s:b}", "callLeg",
                                        leg->leg_id, "direction", leg->direction, "joined",
                                        time_or_null(leg->connected), "left",
                                        time_or_null(leg->ended), "seconds", (json_int_t)seconds,
                                        "reason", reason, "remoteTeardown", leg->remote_teardown));
    }
    bool joined = json_array_size(intervals) > 0;
    int failed = json_object_set_new(person, "joined", json_boolean(joined)) |
                 json_object_set_new(person, "firstJoined", time_or_null(first)) |
                 json_object_set_new(person, "lastLeft", time_or_null(still_in ? -1 : last)) |
                 json_object_set_new(person, "connectedSeconds", json_integer(total)) |
                 json_object_set_new(person, "intervals", intervals) |
                 json_object_set_new(person, "attempts", attempts);
    return failed ? CV_ERR_NO_MEMORY : CV_OK;
}

/* The legs nobody booked, one entry per remote party. */
static cv_result add_others(leg_copies *legs, int64_t now, json_t *others)
{
    for (size_t index = 0; index < legs->count; index++) {
        leg_copy *leg = &legs->items[index];
        if (leg->claimed)
            continue;
        json_t *person = json_pack("{s:s}", "uri", leg->remote_party);
        char key[BOOKING_URI_MAX + 1];
        snprintf(key, sizeof key, "%s", leg->key);
        if (person == NULL || add_legs(legs, key, now, person) != CV_OK ||
            json_array_append_new(others, person) != 0)
            return CV_ERR_NO_MEMORY;
    }
    return CV_OK;
}

static cv_result build(const booking *record, leg_copies *legs, json_t *document)
{
    int64_t now = (int64_t)time(NULL);
    json_t *participants = json_array(), *never = json_array(), *others = json_array();
    json_object_set_new(document, "participants", participants);
    json_object_set_new(document, "neverJoined", never);
    json_object_set_new(document, "others", others);
    if (participants == NULL || never == NULL || others == NULL)
        return CV_ERR_NO_MEMORY;
    for (size_t index = 0; index < record->participant_count; index++) {
        const booking_participant *participant = &record->participants[index];
        char key[BOOKING_URI_MAX + 1];
        booking_uri_key(participant->uri, key, sizeof key);
        json_t *person = json_pack("{s:s, s:s}", "uri", participant->uri, "dial",
                                   participant->dial_out ? "out" : "in");
        if (person == NULL || add_legs(legs, key, now, person) != CV_OK ||
            json_array_append_new(participants, person) != 0)
            return CV_ERR_NO_MEMORY;
        if (!json_is_true(json_object_get(person, "joined")) &&
            json_array_append_new(never, json_string(participant->uri)) != 0)
            return CV_ERR_NO_MEMORY;
    }
    return add_others(legs, now, others);
}

cv_result attendance_json(store_db *database, const booking *record, json_t **out)
{
    *out = NULL;
    leg_copies legs = {0};
    cv_result result = CV_OK;
    if (record->call_id[0] != '\0' || record->cospace_id[0] != '\0')
        result = db_cdrs_each_leg_of_meeting(database, record->call_id, record->cospace_id,
                                             booking_occupied_start(record) - CALL_EARLY_SECONDS,
                                             record->end, copy_leg, &legs);
    json_t *document = json_pack("{s:s}", "booking", record->id);
    if (document == NULL)
        result = CV_ERR_NO_MEMORY;
    if (result == CV_OK)
        result = build(record, &legs, document);
    leg_copies_free(&legs);
    if (result != CV_OK) {
        json_decref(document);
        return result;
    }
    *out = document;
    return CV_OK;
}

static void handle_attendance(scheduler_api_request *request)
{
    const char *id = scheduler_api_segment(request, 1);
    if (id == NULL || !id_is_valid(id)) {
        scheduler_api_fail_not_found(request, "booking", id ? id : "");
        return;
    }
    booking record;
    cv_result result = booking_load(request->database, id, &record);
    if (result == CV_ERR_NOT_FOUND) {
        scheduler_api_fail_not_found(request, "booking", id);
        return;
    }
    json_t *document = NULL;
    if (result == CV_OK)
        result = attendance_json(request->database, &record, &document);
    booking_clear(&record);
    if (result != CV_OK)
        scheduler_api_fail_result(request, result, "reading the attendance");
    else
        scheduler_api_reply_json(request, 200, document);
}

static const scheduler_api_route attendance_routes[] = {
    /* whoever may read the booking */
    {"GET", "bookings/*/attendance", handle_attendance, NULL, API_ALLOW_OWNER, booking_api_owned},
};

static cv_result attendance_start(scheduler *daemon)
{
    return scheduler_api_register(daemon, attendance_routes,
                                  sizeof attendance_routes / sizeof attendance_routes[0]);
}

static void attendance_stop(scheduler *daemon)
{
    (void)daemon;
}

const scheduler_module attendance_module = {"attendance", attendance_start, attendance_stop};
