/*
 * booking_api.c - the /bookings resource of convened's JSON API:
 *   POST   /bookings               book (201 with the booking)
 *   GET    /bookings?from=&to=     list those overlapping [from, to)
 *   GET    /bookings/<id>          one, with live participant state
 *   PATCH  /bookings/<id>          change (capacity checked again)
 *   DELETE /bookings/<id>          cancel (a live meeting is ended)
 *   POST   /bookings/<id>/extend   {"minutes": N}
 *   POST   /bookings/<id>/end      end a live meeting now
 * and hands to booking_series_api.c the bodies with a time zone, a
 * recurrence or an organizer, GET /bookings/<id>.ics,
 * GET /bookings/<id>/occurrences and what a DELETE of an occurrence means
 * for its series.
 *
 * Owns: the request handling: parsing through booking.c, one BEGIN
 * IMMEDIATE transaction per change (never a half-saved booking), the
 * answers (400 naming the field, 404, 409 listing conflicts), and telling
 * the lifecycle afterwards. Does not own: validation rules or capacity
 * (booking.c, slots.c), talking to bridges (lifecycle.c).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>

#include "common/rfc3339.h"
#include "common/ids.h"
#include "common/log.h"
#include "common/store.h"
#include "common/text.h"
#include "scheduler/api.h"
#include "scheduler/booking.h"
#include "scheduler/booking_api_internal.h"
#include "scheduler/booking_series.h"
#include "scheduler/lifecycle.h"
#include "scheduler/mail_module.h"
#include "scheduler/slots.h"

#define LIST_DEFAULT_LIMIT 500
#define LIST_MAX_LIMIT     5000

/* --- bridges as placement sees them ---------------------------------- */

void bridge_views_free(bridge_views *views)
{
    for (size_t index = 0; index < views->count; index++) {
        free(views->items[index].name);
        free(views->items[index].domain);
    }
    free(views->items);
    free(views->placements);
    memset(views, 0, sizeof *views);
}

cv_result bridge_views_load(sqlite3 *database, bridge_views *out)
{
    memset(out, 0, sizeof *out);
    sqlite3_stmt *statement = NULL;
    int code = store_prepare(
        database,
        "SELECT id, name, domain, allow_booking, provisioning_state, provisioned_base,"
        " provisioned_quantity FROM bridges ORDER BY created, id",
        &statement);
    if (code != SQLITE_OK)
        return store_result(code);
    size_t capacity = 0;
    cv_result result = CV_OK;
    while ((code = sqlite3_step(statement)) == SQLITE_ROW) {
        if (out->count == capacity) {
            size_t grown_capacity = capacity ? capacity * 2 : 8;
            bridge_view *grown = realloc(out->items, grown_capacity * sizeof *grown);
            if (grown == NULL) {
                result = CV_ERR_NO_MEMORY;
                break;
            }
            out->items = grown;
            capacity = grown_capacity;
        }
        bridge_view *view = &out->items[out->count];
        memset(view, 0, sizeof *view);
        out->count++;
        const char *id = (const char *)sqlite3_column_text(statement, 0);
        snprintf(view->placement.id, sizeof view->placement.id, "%s", id ? id : "");
        const char *name = (const char *)sqlite3_column_text(statement, 1);
        const char *domain = (const char *)sqlite3_column_text(statement, 2);
        view->name = name ? text_duplicate(name) : NULL;
        view->domain = domain ? text_duplicate(domain) : NULL;
        if ((name && !view->name) || (domain && !view->domain)) {
            result = CV_ERR_NO_MEMORY;
            break;
        }
        const char *provisioning = (const char *)sqlite3_column_text(statement, 4);
        bool provisioned = provisioning && strcmp(provisioning, "complete") == 0 &&
                           sqlite3_column_type(statement, 5) != SQLITE_NULL &&
                           sqlite3_column_type(statement, 6) != SQLITE_NULL;
        view->placement.slot_base = sqlite3_column_int64(statement, 5);
        view->placement.slot_count = sqlite3_column_int64(statement, 6);
        view->placement.bookable =
            sqlite3_column_int(statement, 3) != 0 && provisioned && view->placement.slot_count > 0;
    }
    store_statement_done(statement);
    if (result == CV_OK && code != SQLITE_DONE)
        result = store_result(code);
    if (result == CV_OK && out->count > 0) {
        out->placements = calloc(out->count, sizeof *out->placements);
        if (out->placements == NULL)
            result = CV_ERR_NO_MEMORY;
    }
    if (result != CV_OK) {
        bridge_views_free(out);
        return result;
    }
    for (size_t index = 0; index < out->count; index++) {
        out->items[index].placement.name = out->items[index].name;
        out->placements[index] = out->items[index].placement;
    }
    return CV_OK;
}

static const bridge_view *bridge_view_find(const bridge_views *views, const char *id)
{
    for (size_t index = 0; index < views->count; index++)
        if (strcmp(views->items[index].placement.id, id) == 0)
            return &views->items[index];
    return NULL;
}

const char *bridge_domain(const bridge_views *views, const char *id)
{
    const bridge_view *view = bridge_view_find(views, id);
    return view ? view->domain : NULL;
}

/* A bridge named by the client: its ID, or its name when unambiguous.
 * Replies 400 naming "bridge" and returns false when it names none. */
bool booking_api_resolve_bridge(api_request *request, const bridge_views *views, const char *text,
                                char out[ID_TEXT_SIZE])
{
    const bridge_view *found = bridge_view_find(views, text);
    if (found == NULL) {
        for (size_t index = 0; index < views->count; index++) {
            const bridge_view *view = &views->items[index];
            if (view->name && text_equals_ignore_case(view->name, text)) {
                if (found != NULL) {
                    api_fail_field(request, "bridge",
                                   "more than one bridge is called \"%s\"; use its id", text);
                    return false;
                }
                found = view;
            }
        }
    }
    if (found == NULL) {
        api_fail_field(request, "bridge", "no bridge has the id or name \"%s\"", text);
        return false;
    }
    snprintf(out, ID_TEXT_SIZE, "%s", found->placement.id);
    return true;
}

/* --- helpers --------------------------------------------------------- */

static int64_t now_seconds(void)
{
    return (int64_t)time(NULL);
}

booking_limits booking_api_limits(const api_request *request)
{
    booking_limits limits = {.now = now_seconds(),
                             .max_meeting_minutes = request->daemon->options.max_meeting_minutes};
    return limits;
}

static void reply_booking(api_request *request, int status, const booking *record,
                          const bridge_views *views)
{
    json_t *document = booking_to_json(record, bridge_domain(views, record->bridge_id));
    if (document && booking_series_decorate(request->database, record->id, document) != CV_OK) {
        json_decref(document);
        document = NULL; /* answered 500 */
    }
    api_reply_json(request, status, document);
}

/* Loads the bridges and the booking named by segment 1; replies and
 * returns false when either fails. */
static bool load_target(api_request *request, bridge_views *views, booking *record)
{
    const char *id = api_segment(request, 1);
    booking_init(record);
    if (id == NULL || !id_is_valid(id)) {
        api_fail_not_found(request, "booking", id ? id : "");
        return false;
    }
    cv_result result = bridge_views_load(request->database, views);
    if (result != CV_OK) {
        api_fail_result(request, result, "loading the bridges");
        return false;
    }
    result = booking_load(request->database, id, record);
    if (result == CV_ERR_NOT_FOUND) {
        api_fail_not_found(request, "booking", id);
        bridge_views_free(views);
        return false;
    }
    if (result != CV_OK) {
        api_fail_result(request, result, "loading the booking");
        bridge_views_free(views);
        return false;
    }
    return true;
}

void booking_api_fail_placement(api_request *request, cv_result result, json_t *conflicts,
                                const char *reason)
{
    if (result == CV_ERR_CONFLICT) {
        api_fail_conflict(request, reason ? reason : "the booking conflicts", conflicts);
        return;
    }
    json_decref(conflicts);
    if (result == CV_ERR_NOT_FOUND)
        api_fail_field(request, "bridge", "the bridge does not exist");
    else
        api_fail_result(request, result, "placing the booking");
}

/* Checks that a booking can keep its bridge and slot over its (changed)
 * time, and that its participants are free: a running meeting cannot move. */
static cv_result place_in_own_slot(sqlite3 *database, booking *record, json_t **conflicts,
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

static void handle_create(api_request *request)
{
    if (!api_require_body(request))
        return;
    if (booking_series_requested(request->body)) {
        booking_series_create(request);
        return;
    }
    booking record;
    booking_init(&record);
    booking_limits limits = booking_api_limits(request);
    booking_changes changes;
    const char *bridge_text = NULL;
    cv_result result =
        booking_apply_json(&record, request->body, &limits, true, &changes, &bridge_text);
    if (result == CV_ERR_INVALID) {
        api_fail_field(request, changes.error.field, "%s %s", changes.error.field,
                       changes.error.message);
        booking_clear(&record);
        return;
    }
    if (result != CV_OK) {
        api_fail_result(request, result, "reading the booking");
        booking_clear(&record);
        return;
    }
    id_generate(record.id);
    record.created = record.updated = limits.now;

    bridge_views views;
    result = store_begin(request->database);
    if (result != CV_OK) {
        api_fail_result(request, result, "starting a transaction");
        booking_clear(&record);
        return;
    }
    result = bridge_views_load(request->database, &views);
    if (result != CV_OK) {
        store_rollback(request->database);
        api_fail_result(request, result, "loading the bridges");
        booking_clear(&record);
        return;
    }
    if (bridge_text != NULL) {
        if (!booking_api_resolve_bridge(request, &views, bridge_text, record.bridge_id)) {
            store_rollback(request->database);
            bridge_views_free(&views);
            booking_clear(&record);
            return;
        }
        record.bridge_chosen = true;
    }
    json_t *conflicts = NULL;
    const char *reason = NULL;
    result = booking_place(request->database, &record, views.placements, views.count, &conflicts,
                           &reason);
    if (result == CV_OK)
        result = booking_store(request->database, &record);
    else {
        store_rollback(request->database);
        booking_api_fail_placement(request, result, conflicts, reason);
        bridge_views_free(&views);
        booking_clear(&record);
        return;
    }
    if (result == CV_OK)
        result = store_commit(request->database);
    if (result != CV_OK) {
        store_rollback(request->database);
        api_fail_result(request, result, "storing the booking");
        bridge_views_free(&views);
        booking_clear(&record);
        return;
    }
    log_info("booking %s: \"%s\" on bridge %s slot %lld", record.id, record.title, record.bridge_id,
             (long long)record.slot);
    lifecycle_booking_changed(request->daemon, &record);
    reply_booking(request, 201, &record, &views);
    bridge_views_free(&views);
    booking_clear(&record);
}

/* --- GET /bookings --------------------------------------------------- */

static bool read_time_query(api_request *request, const char *name, int64_t *out)
{
    const char *text = api_query(request, name);
    if (text == NULL)
        return true;
    if (rfc3339_parse(text, out) != CV_OK) {
        api_fail_field(request, name, "%s must be an RFC 3339 date-time with an offset", name);
        return false;
    }
    return true;
}

static void handle_list(api_request *request)
{
    int64_t from = now_seconds(), to = INT64_MAX, limit = LIST_DEFAULT_LIMIT;
    if (!read_time_query(request, "from", &from) || !read_time_query(request, "to", &to))
        return;
    const char *limit_text = api_query(request, "limit");
    if (limit_text && text_parse_int64(limit_text, 1, LIST_MAX_LIMIT, &limit) != CV_OK) {
        api_fail_field(request, "limit", "limit must be an integer from 1 to %d", LIST_MAX_LIMIT);
        return;
    }
    if (to <= from) {
        api_fail_field(request, "to", "to must be after from");
        return;
    }
    bridge_views views;
    cv_result result = bridge_views_load(request->database, &views);
    if (result != CV_OK) {
        api_fail_result(request, result, "loading the bridges");
        return;
    }
    /* ?bridge=<id or name>: only that bridge's bookings */
    const char *bridge_text = api_query(request, "bridge");
    char bridge_id[ID_TEXT_SIZE] = "";
    if (bridge_text != NULL &&
        !booking_api_resolve_bridge(request, &views, bridge_text, bridge_id)) {
        bridge_views_free(&views);
        return;
    }
    sqlite3_stmt *statement = NULL;
    int code = store_prepare(request->database,
                             "SELECT id FROM bookings WHERE start_at < ?2 AND end_at > ?1"
                             " AND (?4 IS NULL OR bridge_id = ?4)"
                             " ORDER BY start_at, id LIMIT ?3",
                             &statement);
    if (code != SQLITE_OK) {
        bridge_views_free(&views);
        api_fail_result(request, store_result(code), "listing bookings");
        return;
    }
    sqlite3_bind_int64(statement, 1, from);
    sqlite3_bind_int64(statement, 2, to);
    sqlite3_bind_int64(statement, 3, limit);
    if (bridge_id[0] != '\0')
        sqlite3_bind_text(statement, 4, bridge_id, -1, SQLITE_STATIC);
    json_t *list = json_array();
    result = list ? CV_OK : CV_ERR_NO_MEMORY;
    while (result == CV_OK && (code = sqlite3_step(statement)) == SQLITE_ROW) {
        char id[ID_TEXT_SIZE];
        snprintf(id, sizeof id, "%s", (const char *)sqlite3_column_text(statement, 0));
        booking record;
        result = booking_load(request->database, id, &record);
        if (result != CV_OK)
            break;
        json_t *entry = booking_to_json(&record, bridge_domain(&views, record.bridge_id));
        if (entry && booking_series_decorate(request->database, id, entry) != CV_OK)
            result = CV_ERR_STORE;
        booking_clear(&record);
        if (entry == NULL || json_array_append_new(list, entry) != 0)
            result = CV_ERR_NO_MEMORY;
    }
    if (result == CV_OK && code != SQLITE_DONE)
        result = store_result(code);
    store_statement_done(statement);
    bridge_views_free(&views);
    if (result != CV_OK) {
        json_decref(list);
        api_fail_result(request, result, "listing bookings");
        return;
    }
    api_reply_json(request, 200, json_pack("{s:o}", "bookings", list));
}

/* --- GET /bookings/<id> ---------------------------------------------- */

static void handle_get(api_request *request)
{
    const char *segment = api_segment(request, 1);
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
    reply_booking(request, 200, &record, &views);
    bridge_views_free(&views);
    booking_clear(&record);
}

/* --- PATCH /bookings/<id> -------------------------------------------- */

static bool is_state(const booking *record, booking_state state)
{
    return record->state == state;
}

static void handle_patch(api_request *request)
{
    if (!api_require_body(request))
        return;
    cv_result result = store_begin(request->database);
    if (result != CV_OK) {
        api_fail_result(request, result, "starting a transaction");
        return;
    }
    bridge_views views;
    booking record;
    if (!load_target(request, &views, &record)) {
        store_rollback(request->database);
        return;
    }
    bool running = is_state(&record, BOOKING_STARTING) || is_state(&record, BOOKING_LIVE);
    if (!is_state(&record, BOOKING_SCHEDULED) && !running) {
        store_rollback(request->database);
        api_fail_conflict(request, "the meeting is over or ending and can no longer be changed",
                          json_pack("[{s:s, s:s}]", "booking", record.id, "state",
                                    booking_state_name(record.state)));
        goto done;
    }
    int64_t old_start = record.start;
    int64_t old_buffer = record.setup_buffer_minutes;
    booking_limits limits = booking_api_limits(request);
    booking_changes changes;
    const char *bridge_text = NULL;
    result = booking_apply_json(&record, request->body, &limits, false, &changes, &bridge_text);
    if (result == CV_ERR_INVALID) {
        store_rollback(request->database);
        api_fail_field(request, changes.error.field, "%s %s", changes.error.field,
                       changes.error.message);
        goto done;
    }
    if (result != CV_OK) {
        store_rollback(request->database);
        api_fail_result(request, result, "reading the change");
        goto done;
    }
    if (running && (changes.has_bridge || changes.has_participants || record.start != old_start ||
                    record.setup_buffer_minutes != old_buffer)) {
        store_rollback(request->database);
        api_fail_conflict(request,
                          "the meeting has started: only title, passcode and end can change",
                          json_pack("[{s:s, s:s}]", "booking", record.id, "state",
                                    booking_state_name(record.state)));
        goto done;
    }
    if (changes.has_bridge) {
        if (bridge_text == NULL) {
            record.bridge_chosen = false;
        } else {
            char chosen[ID_TEXT_SIZE];
            if (!booking_api_resolve_bridge(request, &views, bridge_text, chosen)) {
                store_rollback(request->database);
                goto done;
            }
            if (strcmp(chosen, record.bridge_id) != 0)
                record.slot = -1;
            snprintf(record.bridge_id, sizeof record.bridge_id, "%s", chosen);
            record.bridge_chosen = true;
        }
    }
    json_t *conflicts = NULL;
    const char *reason = NULL;
    if (running) {
        /* the slot is in use on the bridge: it must stay free for the new
         * end, and so must every participant */
        result = place_in_own_slot(request->database, &record, &conflicts, &reason);
    } else {
        result = booking_place(request->database, &record, views.placements, views.count,
                               &conflicts, &reason);
    }
    if (result != CV_OK) {
        store_rollback(request->database);
        booking_api_fail_placement(request, result, conflicts, reason);
        goto done;
    }
    record.updated = limits.now;
    result = booking_store(request->database, &record);
    if (result == CV_OK)
        result = store_commit(request->database);
    if (result != CV_OK) {
        store_rollback(request->database);
        api_fail_result(request, result, "storing the change");
        goto done;
    }
    lifecycle_booking_changed(request->daemon, &record);
    if (running && (changes.has_title || changes.has_passcode || changes.has_end))
        lifecycle_request_refresh(request->daemon, record.id);
    reply_booking(request, 200, &record, &views);
done:
    bridge_views_free(&views);
    booking_clear(&record);
}

/* --- DELETE /bookings/<id> ------------------------------------------- */

static void handle_cancel(api_request *request)
{
    cv_result result = store_begin(request->database);
    if (result != CV_OK) {
        api_fail_result(request, result, "starting a transaction");
        return;
    }
    bridge_views views;
    booking record;
    if (!load_target(request, &views, &record)) {
        store_rollback(request->database);
        return;
    }
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
        result = store_commit(request->database);
    if (result != CV_OK) {
        store_rollback(request->database);
        api_fail_result(request, result, "cancelling the booking");
    } else {
        log_info("booking %s cancelled (%s)", record.id, booking_state_name(record.state));
        mail_wake(request->daemon);
        lifecycle_booking_changed(request->daemon, &record);
        if (end_it)
            lifecycle_request_end(request->daemon, record.id);
        reply_booking(request, 200, &record, &views);
    }
    bridge_views_free(&views);
    booking_clear(&record);
}

/* --- POST /bookings/<id>/extend -------------------------------------- */

static void handle_extend(api_request *request)
{
    if (!api_require_body(request))
        return;
    static const char *const allowed[] = {"minutes", NULL};
    if (!api_check_fields(request, allowed))
        return;
    int64_t max_minutes = request->daemon->options.max_meeting_minutes > 0
                              ? request->daemon->options.max_meeting_minutes
                              : BOOKING_DEFAULT_MAX_MINUTES;
    bool present = false, is_null = false;
    int64_t minutes = 0;
    if (!api_body_integer(request, "minutes", 1, max_minutes, &present, &is_null, &minutes))
        return;
    if (!present || is_null) {
        api_fail_field(request, "minutes", "minutes is required (1 to %lld)",
                       (long long)max_minutes);
        return;
    }
    cv_result result = store_begin(request->database);
    if (result != CV_OK) {
        api_fail_result(request, result, "starting a transaction");
        return;
    }
    bridge_views views;
    booking record;
    if (!load_target(request, &views, &record)) {
        store_rollback(request->database);
        return;
    }
    bool running = is_state(&record, BOOKING_STARTING) || is_state(&record, BOOKING_LIVE);
    if (!running && !is_state(&record, BOOKING_SCHEDULED)) {
        store_rollback(request->database);
        api_fail_conflict(request, "the meeting is over or ending and cannot be extended",
                          json_pack("[{s:s, s:s}]", "booking", record.id, "state",
                                    booking_state_name(record.state)));
        goto done;
    }
    if (record.end + minutes * 60 - record.start > max_minutes * 60) {
        store_rollback(request->database);
        api_fail_field(request, "minutes",
                       "the meeting would be longer than the maximum of %lld minutes",
                       (long long)max_minutes);
        goto done;
    }
    record.end += minutes * 60;
    /* the same slot and every participant must be free for the extra time */
    json_t *conflicts = NULL;
    const char *reason = NULL;
    result = place_in_own_slot(request->database, &record, &conflicts, &reason);
    if (result != CV_OK) {
        store_rollback(request->database);
        booking_api_fail_placement(request, result, conflicts, reason);
        goto done;
    }
    record.updated = now_seconds();
    result = booking_store(request->database, &record);
    if (result == CV_OK)
        result = store_commit(request->database);
    if (result != CV_OK) {
        store_rollback(request->database);
        api_fail_result(request, result, "storing the extension");
        goto done;
    }
    log_info("booking %s extended by %lld minutes", record.id, (long long)minutes);
    lifecycle_booking_changed(request->daemon, &record);
    if (running)
        lifecycle_request_refresh(request->daemon, record.id);
    reply_booking(request, 200, &record, &views);
done:
    bridge_views_free(&views);
    booking_clear(&record);
}

/* --- POST /bookings/<id>/end ----------------------------------------- */

static void handle_end(api_request *request)
{
    static const char *const allowed[] = {NULL};
    if (!api_check_fields(request, allowed))
        return;
    bridge_views views;
    booking record;
    if (!load_target(request, &views, &record))
        return;
    if (is_state(&record, BOOKING_STARTING) || is_state(&record, BOOKING_LIVE) ||
        is_state(&record, BOOKING_ENDING)) {
        lifecycle_request_end(request->daemon, record.id);
        api_reply_json(request, 202,
                       booking_to_json(&record, bridge_domain(&views, record.bridge_id)));
    } else if (is_state(&record, BOOKING_SCHEDULED)) {
        api_fail_conflict(request, "the meeting has not started; cancel it with DELETE instead",
                          json_pack("[{s:s, s:s}]", "booking", record.id, "state",
                                    booking_state_name(record.state)));
    } else {
        api_fail_conflict(request, "the meeting is already over",
                          json_pack("[{s:s, s:s}]", "booking", record.id, "state",
                                    booking_state_name(record.state)));
    }
    bridge_views_free(&views);
    booking_clear(&record);
}

/* --- module ---------------------------------------------------------- */

/* what GET /bookings reads (every other route takes no query) */
static const char *const list_query[] = {"from", "to", "limit", "bridge", NULL};

static const char *const occurrences_query[] = {"from", "to", "limit", NULL};

static const api_route booking_routes[] = {
    {"POST", "bookings", handle_create, NULL},
    {"GET", "bookings", handle_list, list_query},
    {"GET", "bookings/*", handle_get, NULL},
    {"GET", "bookings/*/occurrences", booking_series_handle_occurrences, occurrences_query},
    {"PATCH", "bookings/*", handle_patch, NULL},
    {"DELETE", "bookings/*", handle_cancel, NULL},
    {"POST", "bookings/*/extend", handle_extend, NULL},
    {"POST", "bookings/*/end", handle_end, NULL},
};

static cv_result booking_module_start(scheduler *daemon)
{
    return api_register(daemon, booking_routes, sizeof booking_routes / sizeof booking_routes[0]);
}

static void booking_module_stop(scheduler *daemon)
{
    (void)daemon;
}

const scheduler_module booking_module = {"bookings", booking_module_start, booking_module_stop};
