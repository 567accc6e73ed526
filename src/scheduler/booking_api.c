/*
 * booking_api.c - the /bookings resource of convened's JSON API:
 *   POST   /bookings               book (201 with the booking)
 *   GET    /bookings?from=&to=     list those overlapping [from, to)
 *   GET    /bookings/<id>          one, with live participant state
 *   PATCH  /bookings/<id>          change (capacity checked again)
 *   DELETE /bookings/<id>          cancel (a live meeting is ended)
 *          ?scope=occurrence|following|series: how much of a series
 *          (booking_series_edit.c does following and series)
 *   POST   /bookings/<id>/extend   {"minutes": N}      (booking_running_api.c)
 *   POST   /bookings/<id>/end      end a live meeting now (booking_running_api.c)
 * and hands to booking_series_api.c the bodies with a time zone, a
 * recurrence or an organizer, GET /bookings/<id>.ics,
 * GET /bookings/<id>/occurrences and what a DELETE of an occurrence means
 * for its series.
 *
 * Owns: the request handling: parsing through booking.c, one BEGIN
 * IMMEDIATE transaction per change (never a half-saved booking), the
 * answers (400 naming the field, 404, 409 listing conflicts), and telling
 * the lifecycle afterwards. Does not own: validation rules or capacity
 * (booking.c, db_slots.c), talking to bridges (lifecycle.c).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>

#include "common/rfc3339.h"
#include "common/ids.h"
#include "common/log.h"
#include "common/store_db_pool.h"
#include "common/text.h"
#include "scheduler/api.h"
#include "scheduler/attendance.h"
#include "scheduler/audit.h"
#include "scheduler/booking.h"
#include "scheduler/booking_api_internal.h"
#include "scheduler/booking_fields.h"
#include "scheduler/booking_series.h"
#include "scheduler/booking_series_edit.h"
#include "scheduler/db_bookings.h"
#include "scheduler/db_bridges.h"
#include "scheduler/db_users.h"
#include "scheduler/lifecycle.h"
#include "scheduler/mail_module.h"
#include "scheduler/slots.h"

#define LIST_DEFAULT_LIMIT 500
#define LIST_MAX_LIMIT     5000

/* --- helpers --------------------------------------------------------- */

static int64_t now_seconds(void)
{
    return (int64_t)time(NULL);
}

booking_limits booking_api_limits(const scheduler_api_request *request)
{
    booking_limits limits = {.now = now_seconds(),
                             .max_meeting_minutes = request->daemon->options.max_meeting_minutes};
    return limits;
}

/* --- who a booking belongs to ------------------------------------------ */

bool booking_api_owned(scheduler_api_request *request, const char *id)
{
    const http_principal *principal = scheduler_api_principal(request);
    char plain[ID_TEXT_SIZE];
    size_t length = strlen(id);
    /* GET /bookings/<id>.ics names the same booking */
    if (length == ID_TEXT_SIZE - 1 + 4 && strcmp(id + length - 4, ".ics") == 0)
        length -= 4;
    if (!principal || length != ID_TEXT_SIZE - 1)
        return false;
    snprintf(plain, sizeof plain, "%.*s", (int)length, id);
    bool owned = false;
    cv_result result = db_users_booking_owned(request->database, plain, principal->user_id,
                                              principal->email, &owned);
    return result == CV_OK && owned;
}

cv_result booking_api_set_series_owner(scheduler_api_request *request, const char *series_id)
{
    const http_principal *principal = scheduler_api_principal(request);
    if (!principal || principal->user_id == 0)
        return CV_OK;
    return db_users_set_series_owner(request->database, series_id, principal->user_id);
}

/* The requesting user's account ID (0: none), the owner of what they book. */
static int64_t requesting_user(scheduler_api_request *request)
{
    const http_principal *principal = scheduler_api_principal(request);
    return principal ? (int64_t)principal->user_id : 0;
}

/* Adds "owner" (the user who booked it, or null) and the series fields. */
static cv_result decorate(store_db *database, const char *id, json_t *document)
{
    char owner[DB_USER_NAME_SIZE];
    cv_result result = db_users_booking_owner(database, id, owner, sizeof owner);
    if (result == CV_OK)
        json_object_set_new(document, "owner", owner[0] ? json_string(owner) : json_null());
    return result == CV_OK ? booking_series_decorate(database, id, document) : result;
}

void booking_api_publish(scheduler_api_request *request, scheduler_event_kind kind,
                         const booking *record, const bridge_views *views)
{
    const char *domain = views ? bridge_domain(views, record->bridge_id) : NULL;
    json_t *document = booking_to_json(record, domain);
    scheduler_events_publish(request->daemon, kind, record->id,
                             document ? json_pack("{s:o}", "booking", document) : NULL);
}

void booking_api_reply(scheduler_api_request *request, int status, const booking *record,
                       const bridge_views *views)
{
    json_t *document = booking_to_json(record, bridge_domain(views, record->bridge_id));
    cv_result decorated = document ? decorate(request->database, record->id, document) : CV_OK;
    if (decorated != CV_OK)
        /* the change is committed: say so with what is known (the owner
         * and series members missing) rather than a 500 the client would
         * take for a failure and repeat (e.g. the database went away
         * right after the commit) */
        log_warning("booking %s: stored, but reading its owner and series back failed: %s",
                    record->id, cv_result_name(decorated));
    scheduler_api_reply_json(request, status, document);
}

/* Loads the bridges and the booking named by segment 1; replies and
 * returns false when either fails. */
static bool load_target(scheduler_api_request *request, bridge_views *views, booking *record)
{
    const char *id = scheduler_api_segment(request, 1);
    booking_init(record);
    if (id == NULL || !id_is_valid(id)) {
        scheduler_api_fail_not_found(request, "booking", id ? id : "");
        return false;
    }
    cv_result result = bridge_views_load(request->database, views);
    if (result != CV_OK) {
        scheduler_api_fail_result(request, result, "loading the bridges");
        return false;
    }
    result = booking_load(request->database, id, record);
    if (result == CV_ERR_NOT_FOUND) {
        scheduler_api_fail_not_found(request, "booking", id);
        bridge_views_free(views);
        return false;
    }
    if (result != CV_OK) {
        scheduler_api_fail_result(request, result, "loading the booking");
        bridge_views_free(views);
        return false;
    }
    return true;
}

/* booking_api_internal.h; load_target inside the transaction. */
bool booking_api_begin_and_load(scheduler_api_request *request, bridge_views *views,
                                booking *record)
{
    cv_result result = store_db_begin(request->database);
    if (result != CV_OK) {
        scheduler_api_fail_result(request, result, "starting a transaction");
        return false;
    }
    if (!load_target(request, views, record)) {
        store_db_rollback(request->database);
        return false;
    }
    return true;
}

void booking_api_fail_state(scheduler_api_request *request, const booking *record,
                            const char *reason)
{
    store_db_rollback(request->database);
    scheduler_api_fail_conflict(request, reason,
                                json_pack("[{s:s, s:s}]", "booking", record->id, "state",
                                          booking_state_name(record->state)));
}

void booking_api_fail_placement(scheduler_api_request *request, cv_result result, json_t *conflicts,
                                const char *reason)
{
    if (result == CV_ERR_CONFLICT) {
        scheduler_api_fail_conflict(request, reason ? reason : "the booking conflicts", conflicts);
        return;
    }
    json_decref(conflicts);
    if (result == CV_ERR_NOT_FOUND)
        scheduler_api_fail_field(request, "bridge", "the bridge does not exist");
    else
        scheduler_api_fail_result(request, result, "placing the booking");
}

/* Checks that a booking can keep its bridge and slot over its (changed)
 * time, and that its participants are free: a running meeting cannot move. */
cv_result booking_api_place_in_own_slot(store_db *database, booking *record, json_t **conflicts,
                                        const char **reason)
{
    booking_bridge only;
    memset(&only, 0, sizeof only);
    snprintf(only.id, sizeof only.id, "%s", record->bridge_id);
    only.slot_base = record->slot;
    only.slot_count = 1;
    only.bookable = true;
    bool was_chosen = record->bridge_chosen;
    record->bridge_chosen = true;
    cv_result result = booking_place(database, record, &only, 1, conflicts, reason);
    record->bridge_chosen = was_chosen;
    if (result == CV_ERR_CONFLICT && *reason != NULL && strncmp(*reason, "every slot", 10) == 0)
        *reason = "the meeting's slot is booked by another meeting in that time";
    return result;
}

/* --- POST /bookings -------------------------------------------------- */

/* POST /bookings' one transaction (store_db_work): the check (placement) and
 * the write it allows commit together or not at all. */
typedef struct {
    scheduler_api_request *request;
    booking *record;
    const char *bridge_text; /* the body's "bridge", or NULL: convened chooses */
    bridge_views views;      /* loaded inside; the caller frees it when views_loaded */
    bool views_loaded;
    bool answered;    /* a refusal was already replied to */
    const char *step; /* what failed, for a 500 */
} create_work;

static cv_result place_and_store(store_db *database, void *context)
{
    create_work *work = context;
    work->step = "loading the bridges";
    cv_result result = bridge_views_load(database, &work->views);
    if (result != CV_OK)
        return result;
    work->views_loaded = true;
    if (work->bridge_text != NULL) {
        if (!booking_api_resolve_bridge(work->request, &work->views, work->bridge_text,
                                        work->record->bridge_id)) {
            work->answered = true;
            return CV_ERR_INVALID;
        }
        work->record->bridge_chosen = true;
    }
    json_t *conflicts = NULL;
    const char *reason = NULL;
    result = booking_place(database, work->record, work->views.placements, work->views.count,
                           &conflicts, &reason);
    if (result != CV_OK) {
        booking_api_fail_placement(work->request, result, conflicts, reason);
        work->answered = true;
        return result;
    }
    work->step = "storing the booking";
    work->record->owner = requesting_user(work->request); /* inserted with the row */
    result = booking_store(database, work->record);
    if (result == CV_OK)
        result = audit_record(work->request, "booking.create", work->record->id,
                              json_deep_copy(work->request->body));
    return result;
}

/* The body as a new booking (not yet placed); replies and returns false
 * when it is not one. */
static bool read_new_booking(scheduler_api_request *request, booking *record,
                             const char **bridge_text)
{
    booking_limits limits = booking_api_limits(request);
    booking_changes changes;
    cv_result result =
        booking_apply_json(record, request->body, &limits, true, &changes, bridge_text);
    if (result == CV_ERR_INVALID) {
        scheduler_api_fail_field(request, changes.error.field, "%s %s", changes.error.field,
                                 changes.error.message);
        return false;
    }
    if (result != CV_OK) {
        scheduler_api_fail_result(request, result, "reading the booking");
        return false;
    }
    id_generate_ordered(record->id);
    record->created = record->updated = limits.now;
    return true;
}

/* booking.created and the 201 from one rendering of the new booking: the
 * event is written out (without an owner, like every booking event) before
 * the answer adds the owner, which is the requesting user. A new single
 * booking has no series, so nothing is read back from the database. */
static void publish_and_reply_created(scheduler_api_request *request, const booking *record,
                                      const bridge_views *views)
{
    json_t *document = booking_to_json(record, bridge_domain(views, record->bridge_id));
    scheduler_events_publish(request->daemon, EVENT_BOOKING_CREATED, record->id,
                             document ? json_pack("{s:O}", "booking", document) : NULL);
    const http_principal *principal = scheduler_api_principal(request);
    bool owned = principal && principal->user_id != 0;
    if (document)
        json_object_set_new(document, "owner", owned ? json_string(principal->name) : json_null());
    scheduler_api_reply_json(request, 201, document);
}

static void handle_create(scheduler_api_request *request)
{
    if (!scheduler_api_require_body(request))
        return;
    if (booking_series_requested(request->body)) {
        booking_series_create(request);
        return;
    }
    booking record;
    booking_init(&record);
    create_work work = {.request = request, .record = &record, .step = "starting a transaction"};
    if (!read_new_booking(request, &record, &work.bridge_text)) {
        booking_clear(&record);
        return;
    }
    cv_result result = store_db_transaction(request->database, place_and_store, &work);
    if (result != CV_OK && !work.answered)
        scheduler_api_fail_result(request, result, work.step);
    if (result == CV_OK) {
        log_info("booking %s: \"%s\" on bridge %s slot %lld", record.id, record.title,
                 record.bridge_id, (long long)record.slot);
        lifecycle_booking_changed(request->daemon, &record);
        publish_and_reply_created(request, &record, &work.views);
    }
    if (work.views_loaded)
        bridge_views_free(&work.views);
    booking_clear(&record);
}

/* --- GET /bookings --------------------------------------------------- */

bool booking_api_read_time(scheduler_api_request *request, const char *name, int64_t *out)
{
    const char *text = scheduler_api_query(request, name);
    if (text == NULL)
        return true;
    if (rfc3339_parse(text, out) != CV_OK) {
        scheduler_api_fail_field(request, name, "%s must be an RFC 3339 date-time with an offset",
                                 name);
        return false;
    }
    return true;
}

typedef struct {
    store_db *database;
    const bridge_views *views;
    json_t *list;
    unsigned fields; /* ?fields= mask; 0: every member */
} listing;

/* db_booking_id_visit: the booking `id` joins the JSON list `context`. */
static cv_result append_booking(const char *id, void *context)
{
    listing *listed = context;
    booking record;
    cv_result result = booking_load(listed->database, id, &record);
    if (result != CV_OK)
        return result;
    json_t *entry = booking_to_json(&record, bridge_domain(listed->views, record.bridge_id));
    booking_clear(&record);
    /* A compact listing skips the owner and series look-ups unless asked. */
    bool full = listed->fields == 0 || (listed->fields & BOOKING_FIELD_OWNER);
    if (entry && full && decorate(listed->database, id, entry) != CV_OK) {
        json_decref(entry);
        return CV_ERR_STORE;
    }
    if (entry && listed->fields != 0)
        booking_fields_keep(entry, listed->fields);
    if (entry == NULL || json_array_append_new(listed->list, entry) != 0)
        return CV_ERR_NO_MEMORY;
    return CV_OK;
}

static void handle_list(scheduler_api_request *request)
{
    int64_t from = now_seconds(), to = INT64_MAX, limit = LIST_DEFAULT_LIMIT;
    if (!booking_api_read_time(request, "from", &from) ||
        !booking_api_read_time(request, "to", &to))
        return;
    const char *limit_text = scheduler_api_query(request, "limit");
    if (limit_text && text_parse_int64(limit_text, 1, LIST_MAX_LIMIT, &limit) != CV_OK) {
        scheduler_api_fail_field(request, "limit", "limit must be an integer from 1 to %d",
                                 LIST_MAX_LIMIT);
        return;
    }
    if (to <= from) {
        scheduler_api_fail_field(request, "to", "to must be after from");
        return;
    }
    unsigned fields;
    if (!booking_fields_read(request, &fields))
        return;
    bridge_views views;
    cv_result result = bridge_views_load(request->database, &views);
    if (result != CV_OK) {
        scheduler_api_fail_result(request, result, "loading the bridges");
        return;
    }
    /* ?bridge=<id or name>: only that bridge's bookings */
    const char *bridge_text = scheduler_api_query(request, "bridge");
    char bridge_id[ID_TEXT_SIZE] = "";
    if (bridge_text != NULL &&
        !booking_api_resolve_bridge(request, &views, bridge_text, bridge_id)) {
        bridge_views_free(&views);
        return;
    }
    json_t *list = json_array();
    listing listed = {request->database, &views, list, fields};
    const char *only_bridge = bridge_id[0] ? bridge_id : NULL;
    const http_principal *booker =
        scheduler_api_sees_everything(request) ? NULL : scheduler_api_principal(request);
    if (!list)
        result = CV_ERR_NO_MEMORY;
    else if (booker) /* a booker lists only their own */
        result =
            db_users_each_owned_in_window(request->database, booker->user_id, booker->email, from,
                                          to, limit, only_bridge, append_booking, &listed);
    else
        result = db_bookings_each_in_window(request->database, from, to, limit, only_bridge,
                                            append_booking, &listed);
    bridge_views_free(&views);
    if (result != CV_OK) {
        json_decref(list);
        scheduler_api_fail_result(request, result, "listing bookings");
        return;
    }
    scheduler_api_reply_json(request, 200, json_pack("{s:o}", "bookings", list));
}

/* --- GET /bookings/<id> ---------------------------------------------- */

static void handle_get(scheduler_api_request *request)
{
    const char *segment = scheduler_api_segment(request, 1);
    size_t length = segment ? strlen(segment) : 0;
    if (length > 4 && strcmp(segment + length - 4, ".ics") == 0) {
        char id[ID_TEXT_SIZE + 4];
        snprintf(id, sizeof id, "%.*s", (int)(length - 4), segment);
        booking_series_handle_ics(request, id);
        return;
    }
    bridge_views views;
    booking record;
    if (!load_target(request, &views, &record))
        return;
    json_t *document = booking_to_json(&record, bridge_domain(&views, record.bridge_id));
    json_t *attendance = NULL;
    if (document && (decorate(request->database, record.id, document) != CV_OK ||
                     attendance_json(request->database, &record, &attendance) != CV_OK ||
                     json_object_set_new(document, "attendance", attendance) != 0)) {
        json_decref(document);
        document = NULL; /* answered 500 */
    }
    scheduler_api_reply_json(request, 200, document);
    bridge_views_free(&views);
    booking_clear(&record);
}

/* --- PATCH /bookings/<id> -------------------------------------------- */

static bool is_state(const booking *record, booking_state state)
{
    return record->state == state;
}

/* Reads a PATCH body into `record` and checks the change is allowed: a
 * running meeting keeps its start, buffer, bridge and participants.
 * False when it is not (the reply is set; the caller rolls back). */
static bool read_patch(scheduler_api_request *request, const bridge_views *views, booking *record,
                       bool running, const booking_limits *limits, booking_changes *changes)
{
    int64_t old_start = record->start;
    int64_t old_buffer = record->setup_buffer_minutes;
    const char *bridge_text = NULL;
    cv_result result =
        booking_apply_json(record, request->body, limits, false, changes, &bridge_text);
    if (result == CV_ERR_INVALID) {
        scheduler_api_fail_field(request, changes->error.field, "%s %s", changes->error.field,
                                 changes->error.message);
        return false;
    }
    if (result != CV_OK) {
        scheduler_api_fail_result(request, result, "reading the change");
        return false;
    }
    if (running && (changes->has_bridge || changes->has_participants ||
                    record->start != old_start || record->setup_buffer_minutes != old_buffer)) {
        scheduler_api_fail_conflict(
            request, "the meeting has started: only title, passcode and end can change",
            json_pack("[{s:s, s:s}]", "booking", record->id, "state",
                      booking_state_name(record->state)));
        return false;
    }
    if (changes->has_bridge) {
        if (bridge_text == NULL) {
            record->bridge_chosen = false;
        } else {
            char chosen[ID_TEXT_SIZE];
            if (!booking_api_resolve_bridge(request, views, bridge_text, chosen))
                return false;
            if (strcmp(chosen, record->bridge_id) != 0)
                record->slot = -1;
            snprintf(record->bridge_id, sizeof record->bridge_id, "%s", chosen);
            record->bridge_chosen = true;
        }
    }
    return true;
}

/* A copy of `record`'s participants into *out (NULL when it has none);
 * false after replying when out of memory. */
static bool copy_participants(scheduler_api_request *request, const booking *record,
                              booking_participant **out)
{
    *out = NULL;
    if (record->participant_count == 0)
        return true;
    *out = malloc(record->participant_count * sizeof **out);
    if (*out == NULL) {
        scheduler_api_fail_result(request, CV_ERR_NO_MEMORY, "reading the change");
        return false;
    }
    memcpy(*out, record->participants, record->participant_count * sizeof **out);
    return true;
}

static void handle_patch(scheduler_api_request *request)
{
    edit_scope scope;
    if (!booking_edit_read_scope(request, &scope))
        return;
    if (scope != EDIT_SCOPE_OCCURRENCE) {
        booking_series_patch(request, scope);
        return;
    }
    if (!scheduler_api_require_body(request))
        return;
    bridge_views views;
    booking record;
    if (!booking_api_begin_and_load(request, &views, &record))
        return;
    cv_result result = CV_OK;
    booking_participant *before = NULL;
    size_t before_count = 0;
    bool running = is_state(&record, BOOKING_STARTING) || is_state(&record, BOOKING_LIVE);
    if (!is_state(&record, BOOKING_SCHEDULED) && !running) {
        booking_api_fail_state(request, &record,
                               "the meeting is over or ending and can no longer be changed");
        goto done;
    }
    /* the participants before the change: whoever it takes out is no
     * longer sent this occurrence's REQUEST */
    before_count = record.participant_count;
    if (!copy_participants(request, &record, &before)) {
        store_db_rollback(request->database);
        goto done;
    }
    booking_limits limits = booking_api_limits(request);
    booking_changes changes;
    if (!read_patch(request, &views, &record, running, &limits, &changes)) {
        store_db_rollback(request->database);
        goto done;
    }
    json_t *conflicts = NULL;
    const char *reason = NULL;
    if (running) {
        /* the slot is in use on the bridge: it must stay free for the new
         * end, and so must every participant */
        result = booking_api_place_in_own_slot(request->database, &record, &conflicts, &reason);
    } else {
        result = booking_place(request->database, &record, views.placements, views.count,
                               &conflicts, &reason);
    }
    if (result != CV_OK) {
        store_db_rollback(request->database);
        booking_api_fail_placement(request, result, conflicts, reason);
        goto done;
    }
    record.updated = limits.now;
    result = booking_store(request->database, &record);
    if (result == CV_OK)
        result = audit_record(request, "booking.change", record.id, json_deep_copy(request->body));
    if (result == CV_OK)
        result = booking_series_occurrence_changed(request, &record, before, before_count, &views);
    if (result == CV_OK)
        result = store_db_commit(request->database);
    if (result != CV_OK) {
        store_db_rollback(request->database);
        scheduler_api_fail_result(request, result, "storing the change");
        goto done;
    }
    mail_wake(request->daemon);
    lifecycle_booking_changed(request->daemon, &record);
    booking_api_publish(request, EVENT_BOOKING_CHANGED, &record, &views);
    if (running && (changes.has_title || changes.has_passcode || changes.has_end))
        lifecycle_request_refresh(request->daemon, record.id);
    booking_api_reply(request, 200, &record, &views);
done:
    free(before);
    bridge_views_free(&views);
    booking_clear(&record);
}

/* --- DELETE /bookings/<id> ------------------------------------------- */

static void handle_cancel(scheduler_api_request *request)
{
    edit_scope scope;
    if (!booking_edit_read_scope(request, &scope))
        return;
    if (scope != EDIT_SCOPE_OCCURRENCE) {
        booking_series_delete(request, scope);
        return;
    }
    bridge_views views;
    booking record;
    if (!booking_api_begin_and_load(request, &views, &record))
        return;
    cv_result result = CV_OK;
    bool end_it = false;
    if (!record.cancelled && booking_state_holds_capacity(record.state)) {
        record.cancelled = true;
        record.updated = now_seconds();
        if (is_state(&record, BOOKING_SCHEDULED)) {
            record.state = BOOKING_ENDED;
            for (size_t index = 0; index < record.participant_count; index++)
                record.participants[index].state = PARTICIPANT_LEFT;
        } else {
            end_it = !is_state(&record, BOOKING_ENDING);
        }
        result = booking_store(request->database, &record);
        if (result == CV_OK)
            result = booking_series_cancelled(request, &record, &views);
    }
    if (result == CV_OK)
        result = audit_record(request, "booking.cancel", record.id, NULL);
    if (result == CV_OK)
        result = store_db_commit(request->database);
    if (result != CV_OK) {
        store_db_rollback(request->database);
        scheduler_api_fail_result(request, result, "cancelling the booking");
    } else {
        log_info("booking %s cancelled (%s)", record.id, booking_state_name(record.state));
        mail_wake(request->daemon);
        lifecycle_booking_changed(request->daemon, &record);
        booking_api_publish(request, EVENT_BOOKING_CANCELLED, &record, &views);
        if (end_it)
            lifecycle_request_end(request->daemon, record.id);
        booking_api_reply(request, 200, &record, &views);
    }
    bridge_views_free(&views);
    booking_clear(&record);
}

/* --- module ---------------------------------------------------------- */

/* what GET /bookings reads (every other route takes no query) */
static const char *const list_query[] = {"from", "to", "limit", "bridge", "fields", NULL};

static const char *const occurrences_query[] = {"from", "to", "limit", NULL};

/* PATCH and DELETE of an occurrence: how much of its series */
static const char *const scope_query[] = {"scope", NULL};

static const scheduler_api_route booking_routes[] = {
    {"POST", "bookings", handle_create, NULL, API_ALLOW_SIGNED_IN, NULL},
    {"GET", "bookings", handle_list, list_query, API_ALLOW_SIGNED_IN, NULL},
    {"GET", "bookings/*", handle_get, NULL, API_ALLOW_OWNER, booking_api_owned},
    {"GET", "bookings/*/occurrences", booking_series_handle_occurrences, occurrences_query,
     API_ALLOW_OWNER, booking_api_owned},
    {"PATCH", "bookings/*", handle_patch, scope_query, API_ALLOW_OWNER, booking_api_owned},
    {"DELETE", "bookings/*", handle_cancel, scope_query, API_ALLOW_OWNER, booking_api_owned},
    {"POST", "bookings/*/extend", booking_api_handle_extend, NULL, API_ALLOW_OWNER,
     booking_api_owned},
    {"POST", "bookings/*/end", booking_api_handle_end, NULL, API_ALLOW_OWNER, booking_api_owned},
};

static cv_result booking_module_start(scheduler *daemon)
{
    return scheduler_api_register(daemon, booking_routes,
                                  sizeof booking_routes / sizeof booking_routes[0]);
}

static void booking_module_stop(scheduler *daemon)
{
    (void)daemon;
}

const scheduler_module booking_module = {"bookings", booking_module_start, booking_module_stop};
