/*
 * live_control.c - an operator's control of a meeting through the JSON API:
 *   POST   /bookings/<id>/participants        {"uri", "dial"}: add one (a live
 *                                             meeting dials them out at once)
 *   DELETE /bookings/<id>/participants/<uri>  drop one (live: the leg is hung
 *                                             up and never dialled again;
 *                                             before the start: removed)
 *   PATCH  /bookings/<id>/participants/<uri>  {"audioMuted", "videoMuted",
 *                                             "layout"} of one participant
 *   PATCH  /bookings/<id>/live                {"locked", "layout", "audioMuted",
 *                                             "videoMuted", "message",
 *                                             "messageSeconds"} of the call
 * `<uri>` is the participant's address as booked (the scheme and case do
 * not matter; percent-encode it in the path).
 *
 * Owns: these handlers, the CMS requests each makes (PUT/DELETE
 * /callLegs/<id>, PUT /calls/<id>, PUT /calls/<id>/participants/(star))
 * and storing what was set. Every handler holds the booking against the
 * lifecycle's workers (lifecycle_hold) while it works, so a poll cannot
 * redial a participant just dropped. Does not own: dialling itself and the
 * participants' states (lifecycle*.c), booking validation and capacity
 * (booking.c), the SQL (db_bookings.c).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>

#include "common/cms_client.h"
#include "common/cms_views.h"
#include "common/ids.h"
#include "common/log.h"
#include "common/store_db_pool.h"
#include "scheduler/api.h"
#include "scheduler/booking.h"
#include "scheduler/booking_api_internal.h"
#include "scheduler/bridges.h"
#include "scheduler/db_bookings.h"
#include "scheduler/lifecycle.h"
#include "scheduler/live_control.h"

/* how long a request waits for a lifecycle worker to finish with the
 * meeting (a start or a poll in progress) before answering 503 */
#define HOLD_TIMEOUT_MS 10000

#define MESSAGE_MAX_BYTES       2048 /* the bridge's messageText limit */
#define MESSAGE_DEFAULT_SECONDS 30
#define MESSAGE_MAX_SECONDS     86400

/* The booking a request works on, held, with its bridge's client. */
typedef struct {
    char held[ID_TEXT_SIZE]; /* the booking held against the lifecycle; "" none */
    bridge_views views;
    booking record;
    bridge_record bridge;
    cms_client *client; /* NULL unless the meeting is live */
} live_target;

static void close_target(scheduler_api_request *request, live_target *target)
{
    bridge_views_free(&target->views);
    booking_clear(&target->record);
    bridge_record_free(&target->bridge);
    if (target->held[0] != '\0')
        lifecycle_release(request->daemon, target->held);
    target->held[0] = '\0';
}

static void fail_state(scheduler_api_request *request, const booking *record, const char *message)
{
    scheduler_api_fail_conflict(request, message,
                                json_pack("[{s:s, s:s}]", "booking", record->id, "state",
                                          booking_state_name(record->state)));
}

/* Holds and loads the booking of segment 1; with `need_live`, it must be
 * live on a bridge that has an address. False after replying. */
static bool open_target(scheduler_api_request *request, live_target *target, bool need_live)
{
    memset(target, 0, sizeof *target);
    booking_init(&target->record);
    const char *id = scheduler_api_segment(request, 1);
    if (id == NULL || !id_is_valid(id)) {
        scheduler_api_fail_not_found(request, "booking", id ? id : "");
        return false;
    }
    cv_result result = lifecycle_hold(request->daemon, id, HOLD_TIMEOUT_MS);
    if (result != CV_OK) {
        scheduler_api_fail(request, 503, API_ERROR_BUSY,
                           "the meeting is busy (starting or ending); try again", NULL);
        return false;
    }
    snprintf(target->held, sizeof target->held, "%s", id);
    result = bridge_views_load(request->database, &target->views);
    if (result == CV_OK)
        result = booking_load(request->database, id, &target->record);
    if (result == CV_ERR_NOT_FOUND)
        scheduler_api_fail_not_found(request, "booking", id);
    else if (result != CV_OK)
        scheduler_api_fail_result(request, result, "loading the booking");
    if (result != CV_OK) {
        close_target(request, target);
        return false;
    }
    if (!need_live)
        return true;
    if (target->record.state != BOOKING_LIVE || target->record.call_id[0] == '\0') {
        fail_state(request, &target->record, "the meeting is not live");
        close_target(request, target);
        return false;
    }
    target->client = lifecycle_meeting_client(request->daemon, request->database, &target->record,
                                              &target->bridge);
    if (target->client == NULL) {
        scheduler_api_fail_unreachable(request, target->record.bridge_id, NULL,
                                       "the bridge has no address convened can use");
        close_target(request, target);
        return false;
    }
    return true;
}

/* The bridge did not do what was asked: 503 when it did not answer, 502
 * with its own words when it refused. */
static void fail_bridge(scheduler_api_request *request, const live_target *target, cv_result result,
                        const char *error)
{
    if (cms_result_is_unreachable(result) || result == CV_ERR_BUSY) {
        scheduler_api_fail_unreachable(request, target->record.bridge_id,
                                       cms_client_base_url(target->client), error);
        return;
    }
    char message[640];
    snprintf(message, sizeof message, "the bridge refused: %s", error);
    scheduler_api_fail(request, 502, API_ERROR_BRIDGE_REFUSED, message,
                       json_pack("{s:s}", "bridge", target->record.bridge_id));
}

/* The participant named by path segment 3 (as booked: scheme and case do
 * not matter); -1 after replying 404. */
static long find_participant(scheduler_api_request *request, const booking *record)
{
    const char *text = scheduler_api_segment(request, 3);
    char wanted[BOOKING_URI_MAX + 1], seen[BOOKING_URI_MAX + 1];
    booking_uri_key(text ? text : "", wanted, sizeof wanted);
    for (size_t index = 0; index < record->participant_count; index++) {
        booking_uri_key(record->participants[index].uri, seen, sizeof seen);
        if (strcmp(wanted, seen) == 0)
            return (long)index;
    }
    scheduler_api_fail_not_found(request, "participant", text ? text : "");
    return -1;
}

/* The call leg of a participant of a live meeting into leg_id: a dial-out
 * by the leg ID stored when it was dialled, a dial-in by its remote party
 * among the call's legs. CV_ERR_NOT_FOUND when it has none now. */
static cv_result participant_leg(live_target *target, const booking_participant *participant,
                                 char leg_id[ID_TEXT_SIZE], char *error, size_t error_size)
{
    if (participant->dial_out) {
        snprintf(leg_id, ID_TEXT_SIZE, "%s", participant->call_leg_id);
        return leg_id[0] ? CV_OK : CV_ERR_NOT_FOUND;
    }
    char path[128];
    snprintf(path, sizeof path, "/calls/%s/callLegs", target->record.call_id);
    cms_leg_list legs = {0};
    cv_result result = cms_legs_list(target->client, path, &legs, error, error_size);
    if (result == CV_OK) {
        result = CV_ERR_NOT_FOUND;
        char wanted[BOOKING_URI_MAX + 1], seen[BOOKING_URI_MAX + 1];
        booking_uri_key(participant->uri, wanted, sizeof wanted);
        for (size_t index = 0; index < legs.count && result == CV_ERR_NOT_FOUND; index++) {
            booking_uri_key(legs.items[index].remote_party ? legs.items[index].remote_party : "",
                            seen, sizeof seen);
            if (strcmp(wanted, seen) == 0) {
                snprintf(leg_id, ID_TEXT_SIZE, "%s", legs.items[index].id);
                result = CV_OK;
            }
        }
    }
    cms_leg_list_free(&legs);
    return result;
}

/* PUT `path` with the `count` fields; false after replying when the
 * bridge did not take it. */
static bool put_to_bridge(scheduler_api_request *request, live_target *target, const char *path,
                          const cms_field *fields, size_t count)
{
    if (count == 0)
        return true;
    cms_response response = {0};
    cv_result result = cms_put(target->client, path, fields, count, &response);
    if (result != CV_OK)
        fail_bridge(request, target, result, response.error);
    cms_response_free(&response);
    return result == CV_OK;
}

/* Answers a live-control change with the booking, and tells the events
 * stream (GET /api/v1/events) that the booking changed. */
static void reply_changed(scheduler_api_request *request, int status, const booking *record,
                          const bridge_views *views)
{
    booking_api_publish(request, EVENT_BOOKING_CHANGED, record, views);
    booking_api_reply(request, status, record, views);
}

/* --- POST /bookings/<id>/participants ---------------------------------- */

/* Reads {"uri", "dial"} into `out`; false after replying 400. */
static bool read_new_participant(scheduler_api_request *request, booking_participant *out)
{
    static const char *const allowed[] = {"uri", "dial", NULL};
    if (!scheduler_api_require_body(request) || !scheduler_api_check_fields(request, allowed))
        return false;
    bool present = false;
    const char *uri = NULL, *dial = NULL;
    if (!scheduler_api_body_string(request, "uri", &present, &uri))
        return false;
    if (uri == NULL || !booking_uri_is_valid(uri)) {
        scheduler_api_fail_field(request, "uri", "uri must be a SIP address (user@host)");
        return false;
    }
    if (!scheduler_api_body_string(request, "dial", &present, &dial))
        return false;
    if (dial != NULL && strcmp(dial, "out") != 0 && strcmp(dial, "in") != 0) {
        scheduler_api_fail_field(request, "dial", "dial must be \"out\" or \"in\"");
        return false;
    }
    memset(out, 0, sizeof *out);
    snprintf(out->uri, sizeof out->uri, "%s", uri);
    out->dial_out = dial == NULL || strcmp(dial, "out") == 0;
    out->state = PARTICIPANT_PENDING;
    out->state_since = (int64_t)time(NULL);
    return true;
}

/* The booking again, inside the transaction just begun (a PATCH may have
 * changed it since it was held); false after replying. */
static bool reload(scheduler_api_request *request, live_target *target)
{
    booking_clear(&target->record);
    cv_result result = booking_load(request->database, target->held, &target->record);
    if (result != CV_OK)
        scheduler_api_fail_result(request, result, "loading the booking");
    return result == CV_OK;
}

/* Appends `added` to the booking (in the caller's transaction), after
 * checking that it is new and free at that time. False after replying. */
static bool store_added(scheduler_api_request *request, live_target *target,
                        const booking_participant *added)
{
    if (!reload(request, target))
        return false;
    booking *record = &target->record;
    char key[BOOKING_URI_MAX + 1], seen[BOOKING_URI_MAX + 1];
    booking_uri_key(added->uri, key, sizeof key);
    for (size_t index = 0; index < record->participant_count; index++) {
        booking_uri_key(record->participants[index].uri, seen, sizeof seen);
        if (strcmp(key, seen) == 0) {
            scheduler_api_fail_conflict(request, "already a participant of this meeting",
                                        json_pack("[{s:s}]", "uri", added->uri));
            return false;
        }
    }
    if (record->participant_count >= BOOKING_PARTICIPANTS_MAX) {
        scheduler_api_fail_field(request, "uri",
                                 "the meeting has the most participants allowed (%d)",
                                 BOOKING_PARTICIPANTS_MAX);
        return false;
    }
    booking_participant *grown =
        realloc(record->participants, (record->participant_count + 1) * sizeof *grown);
    if (grown == NULL) {
        scheduler_api_fail_result(request, CV_ERR_NO_MEMORY, "adding the participant");
        return false;
    }
    record->participants = grown;
    record->participants[record->participant_count++] = *added;
    json_t *conflicts = NULL;
    const char *reason = NULL;
    cv_result result =
        booking_api_place_in_own_slot(request->database, record, &conflicts, &reason);
    if (result != CV_OK) {
        booking_api_fail_placement(request, result, conflicts, reason);
        return false;
    }
    record->updated = (int64_t)time(NULL);
    result = booking_store(request->database, record);
    if (result != CV_OK) {
        scheduler_api_fail_result(request, result, "storing the participant");
        return false;
    }
    return true;
}

static void handle_add(scheduler_api_request *request)
{
    booking_participant added;
    if (!read_new_participant(request, &added))
        return;
    live_target target;
    if (!open_target(request, &target, false))
        return;
    booking *record = &target.record;
    if (record->state != BOOKING_SCHEDULED && record->state != BOOKING_STARTING &&
        record->state != BOOKING_LIVE) {
        fail_state(request, record, "the meeting is over or ending");
        goto done;
    }
    bool live = record->state == BOOKING_LIVE && record->call_id[0] != '\0';
    if (live && !added.dial_out)
        added.state = PARTICIPANT_WAITING;
    cv_result result = store_db_begin(request->database);
    if (result != CV_OK) {
        scheduler_api_fail_result(request, result, "starting a transaction");
        goto done;
    }
    if (!store_added(request, &target, &added)) {
        store_db_rollback(request->database);
        goto done;
    }
    result = store_db_commit(request->database);
    if (result != CV_OK) {
        store_db_rollback(request->database);
        scheduler_api_fail_result(request, result, "storing the participant");
        goto done;
    }
    size_t index = record->participant_count - 1;
    log_info("booking %s: participant %s added (dial %s)", record->id, added.uri,
             added.dial_out ? "out" : "in");
    if (live && added.dial_out) {
        /* dialled now; a failure is retried by the lifecycle's polls like
         * any dial-out's, and shows in the participant's state */
        target.client =
            lifecycle_meeting_client(request->daemon, request->database, record, &target.bridge);
        if (target.client != NULL)
            lifecycle_dial_participant(request->daemon, target.client, record, index);
        else
            lifecycle_set_participant_state(&record->participants[index], PARTICIPANT_FAILED);
        db_participant_store(request->database, record->id, index, &record->participants[index],
                             NULL);
        lifecycle_request_poll(request->daemon, record->id); /* follows it after the release */
    }
    reply_changed(request, 201, record, &target.views);
done:
    close_target(request, &target);
}

/* --- DELETE /bookings/<id>/participants/<uri> -------------------------- */

/* Before the start: the participant leaves the booking. */
static void remove_participant(scheduler_api_request *request, live_target *target, size_t index)
{
    booking *record = &target->record;
    char uri[BOOKING_URI_MAX + 1];
    snprintf(uri, sizeof uri, "%s", record->participants[index].uri);
    cv_result result = store_db_begin(request->database);
    if (result != CV_OK) {
        scheduler_api_fail_result(request, result, "starting a transaction");
        return;
    }
    if (!reload(request, target)) {
        store_db_rollback(request->database);
        return;
    }
    /* the same participant in the booking as it is now */
    size_t found = record->participant_count;
    for (size_t at = 0; at < record->participant_count; at++)
        if (strcmp(record->participants[at].uri, uri) == 0)
            found = at;
    if (found < record->participant_count) {
        memmove(&record->participants[found], &record->participants[found + 1],
                (record->participant_count - found - 1) * sizeof *record->participants);
        record->participant_count--;
    }
    record->updated = (int64_t)time(NULL);
    if (record->state != BOOKING_SCHEDULED)
        result = CV_ERR_CONFLICT; /* it started meanwhile */
    if (result == CV_OK)
        result = booking_store(request->database, record);
    if (result == CV_OK)
        result = store_db_commit(request->database);
    if (result != CV_OK) {
        store_db_rollback(request->database);
        scheduler_api_fail_result(request, result, "removing the participant");
        return;
    }
    reply_changed(request, 200, record, &target->views);
}

/* A live meeting: the leg is hung up and the participant marked dropped,
 * which no poll, resume or failover dials again. */
static void drop_participant(scheduler_api_request *request, live_target *target, size_t index)
{
    booking_participant *participant = &target->record.participants[index];
    char leg_id[ID_TEXT_SIZE] = "", error[512] = "";
    cv_result result = participant_leg(target, participant, leg_id, error, sizeof error);
    if (result == CV_OK) {
        char path[96];
        snprintf(path, sizeof path, "/callLegs/%s", leg_id);
        cms_response response = {0};
        result = cms_delete(target->client, path, &response);
        snprintf(error, sizeof error, "%s", response.error);
        cms_response_free(&response);
    }
    if (result != CV_OK && result != CV_ERR_NOT_FOUND) { /* not found: gone already */
        fail_bridge(request, target, result, error);
        return;
    }
    lifecycle_set_participant_state(participant, PARTICIPANT_DROPPED);
    participant->call_leg_id[0] = '\0';
    participant->next_attempt = 0;
    result = db_participant_store(request->database, target->record.id, index, participant, NULL);
    if (result != CV_OK) {
        scheduler_api_fail_result(request, result, "storing the participant");
        return;
    }
    log_info("booking %s: participant %s dropped", target->record.id, participant->uri);
    reply_changed(request, 200, &target->record, &target->views);
}

static void handle_drop(scheduler_api_request *request)
{
    live_target target;
    if (!open_target(request, &target, false))
        return;
    long index = find_participant(request, &target.record);
    if (index < 0)
        goto done;
    if (target.record.state == BOOKING_SCHEDULED) {
        remove_participant(request, &target, (size_t)index);
        goto done;
    }
    if (target.record.state != BOOKING_LIVE || target.record.call_id[0] == '\0') {
        fail_state(request, &target.record, "the meeting is not live");
        goto done;
    }
    target.client = lifecycle_meeting_client(request->daemon, request->database, &target.record,
                                             &target.bridge);
    if (target.client == NULL)
        scheduler_api_fail_unreachable(request, target.record.bridge_id, NULL,
                                       "the bridge has no address convened can use");
    else
        drop_participant(request, &target, (size_t)index);
done:
    close_target(request, &target);
}

/* --- PATCH /bookings/<id>/participants/<uri> --------------------------- */

/* What a PATCH asks for; has_* when the member was sent. */
typedef struct {
    bool has_audio, audio_muted;
    bool has_video, video_muted;
    bool has_layout;
    const char *layout; /* NULL: back to the meeting's */
} control_request;

/* Reads audioMuted, videoMuted and layout; false after replying 400. */
static bool read_controls(scheduler_api_request *request, control_request *out)
{
    memset(out, 0, sizeof *out);
    if (!scheduler_api_body_bool(request, "audioMuted", &out->has_audio, &out->audio_muted) ||
        !scheduler_api_body_bool(request, "videoMuted", &out->has_video, &out->video_muted) ||
        !scheduler_api_body_string(request, "layout", &out->has_layout, &out->layout))
        return false;
    if (out->layout != NULL && !cms_layout_is_known(out->layout)) {
        scheduler_api_fail_field(request, "layout",
                                 "layout must be one of the bridge's layouts (allEqual, "
                                 "speakerOnly, telepresence, stacked, allEqualQuarters, ...)");
        return false;
    }
    return true;
}

/* The CMS fields for `controls`: rxAudioMute, rxVideoMute and the
 * layout under `layout_name`; returns how many. */
static size_t control_fields(const control_request *controls, const char *layout_name,
                             cms_field fields[3])
{
    size_t count = 0;
    if (controls->has_audio)
        fields[count++] = (cms_field){"rxAudioMute", controls->audio_muted ? "true" : "false"};
    if (controls->has_video)
        fields[count++] = (cms_field){"rxVideoMute", controls->video_muted ? "true" : "false"};
    if (controls->has_layout)
        fields[count++] = (cms_field){layout_name, controls->layout ? controls->layout : ""};
    return count;
}

static void apply_controls(const control_request *controls, booking_participant *participant)
{
    if (controls->has_audio)
        participant->audio_muted = controls->audio_muted;
    if (controls->has_video)
        participant->video_muted = controls->video_muted;
}

static void handle_control(scheduler_api_request *request)
{
    static const char *const allowed[] = {"audioMuted", "videoMuted", "layout", NULL};
    control_request controls;
    if (!scheduler_api_require_body(request) || !scheduler_api_check_fields(request, allowed) ||
        !read_controls(request, &controls))
        return;
    live_target target;
    if (!open_target(request, &target, true))
        return;
    long index = find_participant(request, &target.record);
    if (index < 0)
        goto done;
    booking_participant *participant = &target.record.participants[index];
    char leg_id[ID_TEXT_SIZE] = "", error[512] = "";
    cv_result result = participant_leg(&target, participant, leg_id, error, sizeof error);
    if (result == CV_ERR_NOT_FOUND) {
        scheduler_api_fail_conflict(request, "the participant is not in the meeting now",
                                    json_pack("[{s:s, s:s}]", "uri", participant->uri, "state",
                                              participant_state_name(participant->state)));
        goto done;
    }
    if (result != CV_OK) {
        fail_bridge(request, &target, result, error);
        goto done;
    }
    cms_field fields[3];
    size_t count = control_fields(&controls, "chosenLayout", fields);
    char path[96];
    snprintf(path, sizeof path, "/callLegs/%s", leg_id);
    if (!put_to_bridge(request, &target, path, fields, count))
        goto done;
    apply_controls(&controls, participant);
    if (controls.has_layout)
        snprintf(participant->layout, sizeof participant->layout, "%s",
                 controls.layout ? controls.layout : "");
    result = db_booking_store_live_controls(request->database, &target.record);
    if (result != CV_OK)
        scheduler_api_fail_result(request, result, "storing the change");
    else
        reply_changed(request, 200, &target.record, &target.views);
done:
    close_target(request, &target);
}

/* --- PATCH /bookings/<id>/live ----------------------------------------- */

/* The call's own members of PATCH /live: lock and message. */
typedef struct {
    bool has_locked, locked;
    bool has_message;
    const char *message; /* NULL: take the message down */
    int64_t seconds;
} call_request;

static bool read_call_request(scheduler_api_request *request, call_request *out)
{
    memset(out, 0, sizeof *out);
    bool has_seconds = false, seconds_null = false;
    out->seconds = MESSAGE_DEFAULT_SECONDS;
    if (!scheduler_api_body_bool(request, "locked", &out->has_locked, &out->locked) ||
        !scheduler_api_body_string(request, "message", &out->has_message, &out->message) ||
        !scheduler_api_body_integer(request, "messageSeconds", 1, MESSAGE_MAX_SECONDS, &has_seconds,
                                    &seconds_null, &out->seconds))
        return false;
    if (seconds_null)
        out->seconds = MESSAGE_DEFAULT_SECONDS;
    if (has_seconds && !out->has_message) {
        scheduler_api_fail_field(request, "messageSeconds", "messageSeconds needs a message");
        return false;
    }
    if (out->message != NULL &&
        (out->message[0] == '\0' || strlen(out->message) > MESSAGE_MAX_BYTES)) {
        scheduler_api_fail_field(request, "message",
                                 "message must be 1 to %d bytes (null takes "
                                 "it down)",
                                 MESSAGE_MAX_BYTES);
        return false;
    }
    return true;
}

static void handle_live(scheduler_api_request *request)
{
    static const char *const allowed[] = {"locked",  "layout",         "audioMuted", "videoMuted",
                                          "message", "messageSeconds", NULL};
    control_request controls;
    call_request call;
    if (!scheduler_api_require_body(request) || !scheduler_api_check_fields(request, allowed) ||
        !read_controls(request, &controls) || !read_call_request(request, &call))
        return;
    live_target target;
    if (!open_target(request, &target, true))
        return;
    booking *record = &target.record;
    char seconds[24], path[128];
    snprintf(seconds, sizeof seconds, "%lld", call.message ? (long long)call.seconds : 0LL);
    cms_field call_fields[3];
    size_t call_count = 0;
    if (call.has_locked)
        call_fields[call_count++] = (cms_field){"locked", call.locked ? "true" : "false"};
    if (call.has_message) {
        call_fields[call_count++] = (cms_field){"messageText", call.message ? call.message : ""};
        call_fields[call_count++] = (cms_field){"messageDuration", seconds};
    }
    snprintf(path, sizeof path, "/calls/%s", record->call_id);
    if (!put_to_bridge(request, &target, path, call_fields, call_count))
        goto done;
    /* everyone now in the call (CMS: "set properties for all participants") */
    cms_field fields[3];
    size_t count = control_fields(&controls, "defaultLayout", fields);
    snprintf(path, sizeof path, "/calls/%s/participants/*", record->call_id);
    if (!put_to_bridge(request, &target, path, fields, count))
        goto done;
    if (call.has_locked)
        record->live_locked = call.locked;
    if (controls.has_layout)
        snprintf(record->live_layout, sizeof record->live_layout, "%s",
                 controls.layout ? controls.layout : "");
    for (size_t index = 0; index < record->participant_count; index++)
        apply_controls(&controls, &record->participants[index]);
    cv_result result = db_booking_store_live_controls(request->database, record);
    if (result != CV_OK) {
        scheduler_api_fail_result(request, result, "storing the change");
        goto done;
    }
    log_info("booking %s: live control changed", record->id);
    reply_changed(request, 200, record, &target.views);
done:
    close_target(request, &target);
}

/* --- module ------------------------------------------------------------- */

static const scheduler_api_route live_routes[] = {
    /* operators and admins, and a booker for their own meeting */
    {"POST", "bookings/*/participants", handle_add, NULL, API_ALLOW_OWNER, booking_api_owned},
    {"DELETE", "bookings/*/participants/*", handle_drop, NULL, API_ALLOW_OWNER, booking_api_owned},
    {"PATCH", "bookings/*/participants/*", handle_control, NULL, API_ALLOW_OWNER,
     booking_api_owned},
    {"PATCH", "bookings/*/live", handle_live, NULL, API_ALLOW_OWNER, booking_api_owned},
};

static cv_result live_control_start(scheduler *daemon)
{
    /* they wait on the bridge and on the lifecycle's hold: the slow lane */
    return scheduler_api_register_slow(daemon, live_routes,
                                       sizeof live_routes / sizeof live_routes[0]);
}

static void live_control_stop(scheduler *daemon)
{
    (void)daemon;
}

const scheduler_module live_control_module = {"live control", live_control_start,
                                              live_control_stop};
