/*
 * booking_series_api.c - series of bookings in the JSON API; see
 * booking_series.h.
 *
 * Owns: reading a series request (series.c for its own members, booking.c
 * for the rest, with local times turned into UTC first), expanding it,
 * placing and storing every occurrence in one transaction, and the
 * occurrences and iCalendar answers. Does not own: capacity rules
 * (booking_place), the SQL (db_series.c, db_bookings.c).
 */
#include "scheduler/booking_series.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "common/log.h"
#include "common/rfc3339.h"
#include "common/store_pool.h"
#include "common/strbuf.h"
#include "common/text.h"
#include "scheduler/audit.h"
#include "scheduler/booking.h"
#include "scheduler/booking_api_internal.h"
#include "scheduler/calendar.h"
#include "scheduler/db_series.h"
#include "scheduler/lifecycle.h"
#include "scheduler/mail_module.h"
#include "scheduler/recurrence.h"
#include "scheduler/series.h"

#define OCCURRENCES_DEFAULT_LIMIT 100
#define OCCURRENCES_MAX_LIMIT     1000

bool booking_series_requested(const json_t *body)
{
    const char *name;
    json_t *value;
    json_object_foreach((json_t *)body, name, value)
    {
        if (series_owns_member(name))
            return true;
    }
    return false;
}

/* A copy of the body for booking_apply_json: no series members, and start
 * and end in UTC when they were local to the series' zone. Replies 400
 * and returns NULL on a bad time. */
static json_t *plain_body(scheduler_api_request *request, const series_request *series)
{
    json_t *copy = json_deep_copy(request->body);
    if (!copy) {
        scheduler_api_fail_result(request, CV_ERR_NO_MEMORY, "reading the booking");
        return NULL;
    }
    const char *name;
    json_t *value;
    void *spare;
    json_object_foreach_safe(copy, spare, name, value)
    {
        if (series_owns_member(name))
            json_object_del(copy, name);
    }
    static const char *const times[] = {"start", "end"};
    for (size_t i = 0; i < 2 && series->has_time_zone; i++) {
        const char *text = json_string_value(json_object_get(copy, times[i]));
        if (!text)
            continue; /* booking_apply_json names it */
        int64_t utc = 0;
        char message[SERIES_MESSAGE_SIZE];
        if (series_read_time(text, series->time_zone, rfc3339_parse, &utc, message) != CV_OK) {
            scheduler_api_fail_field(request, times[i], "%s %s", times[i], message);
            json_decref(copy);
            return NULL;
        }
        char converted[RFC3339_TEXT_SIZE];
        rfc3339_format_utc(utc, converted, sizeof converted);
        json_object_set_new(copy, times[i], json_string(converted));
    }
    return copy;
}

/* Reads the whole request into `series` and `record`; replies and returns
 * false on bad input. `bridge_text` borrows from *plain (caller frees). */
static bool read_request(scheduler_api_request *request, series_request *series, booking *record,
                         json_t **plain, const char **bridge_text)
{
    series_error error;
    cv_result result = series_request_from_json(request->body, rfc3339_parse, series, &error);
    if (result != CV_OK) {
        if (result == CV_ERR_INVALID)
            scheduler_api_fail_field(request, error.field, "%s %s", error.field, error.message);
        else
            scheduler_api_fail_result(request, result, "reading the booking");
        return false;
    }
    *plain = plain_body(request, series);
    if (!*plain)
        return false;
    booking_limits limits = booking_api_limits(request);
    booking_changes changes;
    result = booking_apply_json(record, *plain, &limits, true, &changes, bridge_text);
    if (result == CV_ERR_INVALID)
        scheduler_api_fail_field(request, changes.error.field, "%s %s", changes.error.field,
                                 changes.error.message);
    else if (result != CV_OK)
        scheduler_api_fail_result(request, result, "reading the booking");
    record->created = record->updated = limits.now;
    return result == CV_OK;
}

/* Expands the series from the booking's start: every occurrence of a
 * finite rule, an endless one up to the horizon. */
static bool expand(scheduler_api_request *request, const series_request *series,
                   const booking *record, series_row *row, occurrence_list *out)
{
    const char *zone = series->has_time_zone ? series->time_zone : "UTC";
    wall_time first;
    utc_to_wall_time(zone, record->start, &first, NULL);
    wall_time_format(&first, row->first_start, sizeof row->first_start);
    recurrence_series rules = {series->rrule,   zone,
                               first,           record->end - record->start,
                               series->exdates, series->exdate_count};
    bool endless = series->rrule && recurrence_rule_is_endless(series->rrule);
    int64_t horizon = record->created + request->daemon->options.series_horizon_days * 86400;
    if (horizon <= record->start)
        horizon = record->start + 1; /* a series starting beyond it books its first */
    recurrence_window window = {record->start,
                                endless ? horizon : (int64_t)RFC3339_YEAR_MAX * 366 * 86400,
                                RECURRENCE_LIMIT_MAX};
    char problem[RECURRENCE_PROBLEM_SIZE];
    const char *field = series->rrule ? "recurrence.rrule" : "start";
    cv_result result = recurrence_expand(&rules, &window, out, problem);
    if (result == CV_OK && out->more) {
        occurrence_list_free(out);
        snprintf(problem, sizeof problem, "gives more than %d occurrences; end it sooner",
                 RECURRENCE_LIMIT_MAX);
        result = CV_ERR_INVALID;
    } else if (result == CV_OK && out->count == 0) {
        occurrence_list_free(out);
        snprintf(problem, sizeof problem, "leaves no occurrence");
        result = CV_ERR_INVALID;
    }
    if (result != CV_OK) {
        scheduler_api_fail_field(request, field, "%s %s", field, problem);
        return false;
    }
    row->booked_until = endless ? window.to : out->items[out->count - 1].start + 1;
    row->duration = record->end - record->start;
    return true;
}

/* What placing the occurrences came to. */
typedef struct {
    json_t *clashes; /* occurrences in the way of other bookings */
    size_t clash_count;
    int64_t *booked; /* starts of the stored occurrences */
    char (*ids)[ID_TEXT_SIZE];
    size_t booked_count;
    char first_bridge[ID_TEXT_SIZE]; /* where the first stored one is */
    int64_t first_slot;
} placement;

static void placement_free(placement *done)
{
    json_decref(done->clashes);
    free(done->booked);
    free(done->ids);
}

static void note_clash(placement *done, const occurrence *item, const char *zone,
                       const char *reason, json_t *conflicts)
{
    done->clash_count++;
    if (done->clash_count > SERIES_CLASHES_LISTED) {
        json_decref(conflicts);
        return;
    }
    char start[RFC3339_TEXT_SIZE], local[WALL_TIME_TEXT_SIZE];
    rfc3339_format_utc(item->start, start, sizeof start);
    wall_time_format(&item->wall_start, local, sizeof local);
    json_array_append_new(done->clashes,
                          json_pack("{s:s, s:s, s:s, s:s, s:o}", "occurrence", start, "localStart",
                                    local, "timeZone", zone, "reason",
                                    reason ? reason : "the occurrence conflicts", "conflicts",
                                    conflicts ? conflicts : json_array()));
}

/* Places and stores each occurrence; clashing ones are noted, not stored.
 * `bridge` is the bridge the client chose ("" for any). Caller holds the
 * transaction. */
static cv_result place_all(sqlite3 *database, booking *record, const bridge_views *views,
                           const occurrence_list *list, const char *zone, const char *bridge,
                           placement *done)
{
    done->clashes = json_array();
    done->booked = calloc(list->count, sizeof *done->booked);
    done->ids = calloc(list->count, sizeof *done->ids);
    if (!done->clashes || !done->booked || !done->ids)
        return CV_ERR_NO_MEMORY;
    for (size_t i = 0; i < list->count; i++) {
        id_generate(record->id);
        record->start = list->items[i].start;
        record->end = list->items[i].end;
        snprintf(record->bridge_id, sizeof record->bridge_id, "%s", bridge);
        record->slot = -1;
        json_t *conflicts = NULL;
        const char *reason = NULL;
        cv_result result =
            booking_place(database, record, views->placements, views->count, &conflicts, &reason);
        if (result == CV_ERR_CONFLICT) {
            note_clash(done, &list->items[i], zone, reason, conflicts);
            continue;
        }
        json_decref(conflicts);
        if (result == CV_OK)
            result = booking_store(database, record);
        if (result != CV_OK)
            return result;
        if (done->booked_count == 0) {
            snprintf(done->first_bridge, sizeof done->first_bridge, "%s", record->bridge_id);
            done->first_slot = record->slot;
        }
        done->booked[done->booked_count] = list->items[i].start;
        snprintf(done->ids[done->booked_count++], ID_TEXT_SIZE, "%s", record->id);
    }
    return CV_OK;
}

/* The series row: the request's members, and as exdates the occurrences
 * left out by the client and those skipped for clashes. */
static cv_result fill_row(series_row *row, const series_request *series,
                          const occurrence_list *list, const placement *done, int64_t now)
{
    snprintf(row->time_zone, sizeof row->time_zone, "%s",
             series->has_time_zone ? series->time_zone : "UTC");
    row->rrule = series->rrule ? text_duplicate(series->rrule) : NULL;
    size_t skipped = list->count - done->booked_count;
    row->exdates = calloc(series->exdate_count + skipped + 1, sizeof(int64_t));
    if (!row->exdates || (series->rrule && !row->rrule))
        return CV_ERR_NO_MEMORY;
    for (size_t i = 0; i < series->exdate_count; i++)
        row->exdates[row->exdate_count++] = series->exdates[i];
    for (size_t i = 0, b = 0; i < list->count; i++) {
        if (b < done->booked_count && done->booked[b] == list->items[i].start)
            b++;
        else
            row->exdates[row->exdate_count++] = list->items[i].start;
    }
    snprintf(row->organizer, sizeof row->organizer, "%s", series->organizer);
    snprintf(row->organizer_name, sizeof row->organizer_name, "%s", series->organizer_name);
    row->created = now;
    return CV_OK;
}

/* The series row, then each stored occurrence linked to it. */
static cv_result store_series(sqlite3 *database, series_row *row, const series_request *series,
                              const occurrence_list *list, const placement *done, int64_t now)
{
    cv_result result = fill_row(row, series, list, done, now);
    if (result == CV_OK)
        result = db_series_insert(database, row);
    for (size_t i = 0; result == CV_OK && i < done->booked_count; i++)
        result = db_series_link(database, done->ids[i], row->id, done->booked[i]);
    return result;
}

/* The invitation to the organizer (iMIP REQUEST), queued in the booking's
 * transaction so it is sent exactly when the series exists. */
static cv_result queue_invitation(scheduler_api_request *request, const booking *record,
                                  const series_row *row, const occurrence_list *list,
                                  const placement *done, const bridge_views *views)
{
    if (!row->organizer[0] || !mail_enabled(request->daemon))
        return CV_OK;
    char uid[ID_TEXT_SIZE + 16], slot[24], uri[BOOKING_URI_MAX + 32];
    snprintf(uid, sizeof uid, "%s@convene", row->id);
    snprintf(slot, sizeof slot, "%lld", (long long)done->first_slot);
    const char *domain = bridge_domain(views, done->first_bridge);
    snprintf(uri, sizeof uri, "sip:%s@%s", slot, domain ? domain : "");
    calendar_person organizer = {row->organizer, row->organizer_name};
    calendar_event event;
    memset(&event, 0, sizeof event);
    event.uid = uid;
    event.summary = record->title;
    event.time_zone = row->time_zone;
    event.start = list->items[0].start;
    event.end = list->items[0].start + row->duration;
    event.rrule = row->rrule;
    event.exdates = row->exdates;
    event.exdate_count = row->exdate_count;
    event.organizer = &organizer;
    event.dial_uri = domain ? uri : NULL;
    event.call_id = slot;
    event.passcode = record->has_passcode ? record->passcode : NULL;
    char problem[INVITATION_PROBLEM_SIZE];
    cv_result result =
        mail_queue(request->daemon, request->database, MAIL_REQUEST, &event, done->ids[0], problem);
    if (result != CV_OK)
        log_error("series %s: cannot queue the invitation: %s", row->id, problem);
    return result;
}

/* The answer to a series that clashes and may not skip: 409 listing only
 * the clashing occurrences. */
static void fail_clashes(scheduler_api_request *request, placement *done, size_t total)
{
    char message[160];
    snprintf(message, sizeof message,
             "%zu of %zu occurrences clash with other bookings%s; send skipConflicts: true to "
             "book the others",
             done->clash_count, total,
             done->clash_count > SERIES_CLASHES_LISTED ? " (the first 100 are listed)" : "");
    scheduler_api_fail_conflict(request, message, done->clashes);
    done->clashes = NULL;
}

/* Places and stores everything in one transaction; replies on failure. */
static bool book_all(scheduler_api_request *request, booking *record, const char *bridge_text,
                     const series_request *series, const occurrence_list *list, series_row *row,
                     placement *done)
{
    sqlite3 *database = request->database;
    bridge_views views;
    char bridge[ID_TEXT_SIZE] = "";
    cv_result result = store_begin(database);
    if (result == CV_OK && (result = bridge_views_load(database, &views)) != CV_OK)
        store_rollback(database);
    if (result != CV_OK) {
        scheduler_api_fail_result(request, result, "starting the booking");
        return false;
    }
    if (bridge_text && !booking_api_resolve_bridge(request, &views, bridge_text, bridge)) {
        store_rollback(database);
        bridge_views_free(&views);
        return false;
    }
    record->bridge_chosen = bridge_text != NULL;
    const char *zone = series->has_time_zone ? series->time_zone : "UTC";
    result = place_all(database, record, &views, list, zone, bridge, done);
    bool refused = result == CV_OK && done->clash_count > 0 &&
                   (!series->skip_conflicts || done->booked_count == 0);
    if (result == CV_OK && !refused)
        result = store_series(database, row, series, list, done, record->created);
    if (result == CV_OK && !refused)
        result = booking_api_set_owner(request, NULL, row->id);
    if (result == CV_OK && !refused)
        result = audit_record(request, "booking.create", row->id, json_deep_copy(request->body));
    if (result == CV_OK && !refused)
        result = queue_invitation(request, record, row, list, done, &views);
    bridge_views_free(&views);
    if (result == CV_OK && !refused)
        result = store_commit(database);
    if (result != CV_OK || refused) {
        store_rollback(database);
        if (refused)
            fail_clashes(request, done, list->count);
        else if (result == CV_ERR_NOT_FOUND)
            scheduler_api_fail_field(request, "bridge", "bridge the bridge does not exist");
        else
            scheduler_api_fail_result(request, result, "storing the series");
        return false;
    }
    return true;
}

/* 201 with the first booked occurrence, the series and what was skipped. */
static void reply_created(scheduler_api_request *request, const placement *done,
                          const series_row *row)
{
    booking first;
    bridge_views views;
    cv_result result = bridge_views_load(request->database, &views);
    if (result == CV_OK) {
        result = booking_load(request->database, done->ids[0], &first);
        if (result != CV_OK)
            bridge_views_free(&views);
    }
    if (result != CV_OK) {
        scheduler_api_fail_result(request, result, "loading the booking");
        return;
    }
    json_t *document = booking_to_json(&first, bridge_domain(&views, first.bridge_id));
    booking_clear(&first);
    bridge_views_free(&views);
    if (document && booking_series_decorate(request->database, done->ids[0], document) != CV_OK) {
        json_decref(document);
        document = NULL;
    }
    json_t *skipped = json_array();
    for (size_t i = 0; document && i < json_array_size(done->clashes); i++)
        json_array_append(skipped, json_array_get(done->clashes, i));
    json_object_set_new(document, "occurrencesBooked",
                        json_integer((json_int_t)done->booked_count));
    json_object_set_new(document, "skipped", skipped);
    log_info("series %s: %zu occurrences booked, %zu skipped", row->id, done->booked_count,
             done->clash_count);
    scheduler_api_reply_json(request, 201, document);
}

void booking_series_create(scheduler_api_request *request)
{
    series_request series;
    series_request_init(&series);
    booking record;
    booking_init(&record);
    json_t *plain = NULL;
    const char *bridge_text = NULL;
    occurrence_list list = {NULL, 0, false};
    series_row row;
    memset(&row, 0, sizeof row);
    id_generate(row.id);
    placement done = {0};
    if (read_request(request, &series, &record, &plain, &bridge_text) &&
        expand(request, &series, &record, &row, &list) &&
        book_all(request, &record, bridge_text, &series, &list, &row, &done)) {
        for (size_t i = 0; i < done.booked_count; i++) {
            snprintf(record.id, sizeof record.id, "%s", done.ids[i]);
            record.start = done.booked[i];
            record.end = done.booked[i] + row.duration;
            lifecycle_booking_changed(request->daemon, &record);
        }
        mail_wake(request->daemon);
        reply_created(request, &done, &row);
    }
    placement_free(&done);
    series_row_clear(&row);
    occurrence_list_free(&list);
    json_decref(plain);
    booking_clear(&record);
    series_request_clear(&series);
}

static json_t *series_json(const series_row *row)
{
    json_t *document =
        json_pack("{s:s, s:s, s:s, s:I}", "id", row->id, "timeZone", row->time_zone, "firstStart",
                  row->first_start, "sequence", (json_int_t)row->sequence);
    if (!document)
        return NULL;
    json_object_set_new(document, "recurrence",
                        row->rrule ? json_pack("{s:s}", "rrule", row->rrule) : json_null());
    json_t *exdates = json_array();
    for (size_t i = 0; i < row->exdate_count; i++) {
        char text[RFC3339_TEXT_SIZE];
        rfc3339_format_utc(row->exdates[i], text, sizeof text);
        json_array_append_new(exdates, json_string(text));
    }
    json_object_set_new(document, "exdates", exdates);
    json_object_set_new(document, "organizer",
                        row->organizer[0] ? json_string(row->organizer) : json_null());
    char until[RFC3339_TEXT_SIZE];
    rfc3339_format_utc(row->booked_until, until, sizeof until);
    json_object_set_new(document, "bookedUntil", json_string(until));
    return document;
}

/* "localStart"/"localEnd": the document's UTC member read in `zone`. */
static void add_local(json_t *document, const char *member, const char *local_member,
                      const char *zone)
{
    int64_t utc;
    wall_time wall;
    const char *text = json_string_value(json_object_get(document, member));
    if (!text || rfc3339_parse(text, &utc) != CV_OK || utc_to_wall_time(zone, utc, &wall, NULL))
        return;
    char local[WALL_TIME_TEXT_SIZE];
    wall_time_format(&wall, local, sizeof local);
    json_object_set_new(document, local_member, json_string(local));
}

cv_result booking_series_decorate(sqlite3 *database, const char *booking_id, json_t *document)
{
    char series_id[ID_TEXT_SIZE];
    cv_result result = db_series_of_booking(database, booking_id, series_id);
    if (result == CV_ERR_NOT_FOUND)
        return CV_OK;
    series_row row;
    if (result == CV_OK)
        result = db_series_load(database, series_id, &row);
    if (result != CV_OK)
        return result;
    json_object_set_new(document, "timeZone", json_string(row.time_zone));
    add_local(document, "start", "localStart", row.time_zone);
    add_local(document, "end", "localEnd", row.time_zone);
    json_t *series = series_json(&row);
    series_row_clear(&row);
    if (!series)
        return CV_ERR_NO_MEMORY;
    json_object_set_new(document, "series", series);
    return CV_OK;
}

static bool read_page(scheduler_api_request *request, int64_t *from, int64_t *to, int64_t *limit)
{
    static const char *const names[] = {"from", "to"};
    int64_t *values[] = {from, to};
    for (size_t i = 0; i < 2; i++) {
        const char *text = scheduler_api_query(request, names[i]);
        if (text && rfc3339_parse(text, values[i]) != CV_OK) {
            scheduler_api_fail_field(request, names[i],
                                     "%s must be an RFC 3339 date-time with an offset", names[i]);
            return false;
        }
    }
    const char *text = scheduler_api_query(request, "limit");
    if (text && text_parse_int64(text, 1, OCCURRENCES_MAX_LIMIT, limit) != CV_OK) {
        scheduler_api_fail_field(request, "limit", "limit must be an integer from 1 to %d",
                                 OCCURRENCES_MAX_LIMIT);
        return false;
    }
    if (*to <= *from) {
        scheduler_api_fail_field(request, "to", "to must be after from");
        return false;
    }
    return true;
}

/* The page as JSON: each occurrence's booking form, and where the next
 * page starts (null at the end). `ids` has up to limit + 1 entries. */
static json_t *page_json(sqlite3 *database, char **ids, size_t count, size_t limit)
{
    bridge_views views;
    if (bridge_views_load(database, &views) != CV_OK)
        return NULL;
    json_t *list = json_array(), *next = json_null();
    for (size_t i = 0; list && i < count; i++) {
        booking record;
        if (booking_load(database, ids[i], &record) != CV_OK) {
            json_decref(list);
            list = NULL;
            break;
        }
        json_t *entry = booking_to_json(&record, bridge_domain(&views, record.bridge_id));
        if (i == limit) {
            json_decref(next);
            next = json_incref(json_object_get(entry, "start"));
        } else if (entry) {
            booking_series_decorate(database, ids[i], entry);
            json_array_append(list, entry);
        }
        json_decref(entry);
        booking_clear(&record);
    }
    bridge_views_free(&views);
    if (!list) {
        json_decref(next);
        return NULL;
    }
    return json_pack("{s:o, s:o}", "occurrences", list, "next", next);
}

void booking_series_handle_occurrences(scheduler_api_request *request)
{
    const char *id = scheduler_api_segment(request, 1);
    int64_t from = 0, to = (int64_t)RFC3339_YEAR_MAX * 366 * 86400,
            limit = OCCURRENCES_DEFAULT_LIMIT;
    if (!read_page(request, &from, &to, &limit))
        return;
    char series_id[ID_TEXT_SIZE];
    cv_result result = id && id_is_valid(id)
                           ? db_series_of_booking(request->database, id, series_id)
                           : CV_ERR_NOT_FOUND;
    if (result == CV_ERR_NOT_FOUND) {
        scheduler_api_fail_not_found(request, "booking series of", id ? id : "");
        return;
    }
    char **ids = NULL;
    size_t count = 0;
    if (result == CV_OK)
        result = db_series_occurrences(request->database, series_id, from, to, (size_t)limit + 1,
                                       &ids, &count);
    json_t *page = result == CV_OK ? page_json(request->database, ids, count, (size_t)limit) : NULL;
    for (size_t i = 0; i < count; i++)
        free(ids[i]);
    free(ids);
    if (!page) {
        scheduler_api_fail_result(request, result == CV_OK ? CV_ERR_NO_MEMORY : result,
                                  "listing the occurrences");
        return;
    }
    scheduler_api_reply_json(request, 200, page);
}

/* The dial-in of the booking's JSON form: "sip:" URI, call ID, passcode. */
typedef struct {
    char uri[BOOKING_URI_MAX + 8];
    char call_id[32];
    char passcode[BOOKING_PASSCODE_MAX + 1];
} dial_in;

static void read_dial_in(const booking *record, const bridge_views *views, dial_in *out)
{
    memset(out, 0, sizeof *out);
    json_t *document = booking_to_json(record, bridge_domain(views, record->bridge_id));
    json_t *dial = json_object_get(document, "dialIn");
    const char *uri = json_string_value(json_object_get(dial, "uri"));
    const char *call_id = json_string_value(json_object_get(dial, "callId"));
    if (uri)
        snprintf(out->uri, sizeof out->uri, "sip:%s", uri);
    if (call_id)
        snprintf(out->call_id, sizeof out->call_id, "%s", call_id);
    if (record->has_passcode)
        snprintf(out->passcode, sizeof out->passcode, "%s", record->passcode);
    json_decref(document);
}

/* The VEVENT of a booking: its series' rule and zone when it has one. */
static cv_result event_of(sqlite3 *database, const booking *record, series_row *row,
                          calendar_event *event, char uid[ID_TEXT_SIZE + 16])
{
    char series_id[ID_TEXT_SIZE];
    cv_result result = db_series_of_booking(database, record->id, series_id);
    event->summary = record->title;
    event->start = record->start;
    event->end = record->end;
    event->stamp = (int64_t)time(NULL);
    snprintf(uid, ID_TEXT_SIZE + 16, "%s@convene", record->id);
    if (result == CV_ERR_NOT_FOUND)
        return CV_OK;
    if (result == CV_OK)
        result = db_series_load(database, series_id, row);
    if (result != CV_OK)
        return result;
    wall_time first;
    wall_time_kind kind = WALL_TIME_EXISTS;
    if (wall_time_parse(row->first_start, &first) == CV_OK &&
        wall_time_to_utc(row->time_zone, &first, &event->start, &kind) == CV_OK &&
        kind == WALL_TIME_EXISTS)
        event->end = event->start + row->duration;
    snprintf(uid, ID_TEXT_SIZE + 16, "%s@convene", row->id);
    event->time_zone = row->time_zone;
    event->rrule = row->rrule;
    event->exdates = row->exdates;
    event->exdate_count = row->exdate_count;
    event->sequence = (int)row->sequence;
    return CV_OK;
}

static void reply_calendar(scheduler_api_request *request, const char *text)
{
    http_response *response = request->response;
    strbuf_reset(&response->body);
    response->status = 200;
    response->content_type = "text/calendar; charset=utf-8";
    strbuf_append_str(&response->body, text);
}

void booking_series_handle_ics(scheduler_api_request *request, const char *id)
{
    booking record;
    cv_result result =
        id_is_valid(id) ? booking_load(request->database, id, &record) : CV_ERR_NOT_FOUND;
    if (result != CV_OK) {
        if (result == CV_ERR_NOT_FOUND)
            scheduler_api_fail_not_found(request, "booking", id);
        else
            scheduler_api_fail_result(request, result, "loading the booking");
        return;
    }
    bridge_views views;
    series_row row;
    memset(&row, 0, sizeof row);
    calendar_event event;
    memset(&event, 0, sizeof event);
    char uid[ID_TEXT_SIZE + 16];
    dial_in dial;
    calendar_person organizer = {NULL, NULL};
    result = bridge_views_load(request->database, &views);
    if (result == CV_OK) {
        read_dial_in(&record, &views, &dial);
        bridge_views_free(&views);
        result = event_of(request->database, &record, &row, &event, uid);
    }
    char *text = NULL, problem[CALENDAR_PROBLEM_SIZE] = "";
    if (result == CV_OK) {
        event.uid = uid;
        event.dial_uri = dial.uri[0] ? dial.uri : NULL;
        event.call_id = dial.call_id[0] ? dial.call_id : NULL;
        event.passcode = dial.passcode[0] ? dial.passcode : NULL;
        if (row.organizer[0]) {
            organizer = (calendar_person){row.organizer, row.organizer_name};
            event.organizer = &organizer;
        }
        calendar_document document = {CALENDAR_METHOD_NONE, NULL, &event, 1};
        result = calendar_write(&document, &text, problem);
    }
    if (result == CV_OK)
        reply_calendar(request, text);
    else
        scheduler_api_fail_result(request, result, problem[0] ? problem : "writing the calendar");
    free(text);
    series_row_clear(&row);
    booking_clear(&record);
}

/* The CANCEL of one occurrence, to the series' organizer. */
static cv_result queue_cancel(scheduler_api_request *request, const booking *record,
                              const series_row *row, int64_t recurrence_id,
                              const bridge_views *views)
{
    dial_in dial;
    read_dial_in(record, views, &dial);
    char uid[ID_TEXT_SIZE + 16];
    snprintf(uid, sizeof uid, "%s@convene", row->id);
    calendar_person organizer = {row->organizer, row->organizer_name};
    calendar_event event;
    memset(&event, 0, sizeof event);
    event.uid = uid;
    event.sequence = (int)row->sequence;
    event.summary = record->title;
    event.time_zone = row->time_zone;
    event.start = record->start;
    event.end = record->end;
    event.has_recurrence_id = true;
    event.recurrence_id = recurrence_id;
    event.organizer = &organizer;
    event.dial_uri = dial.uri[0] ? dial.uri : NULL;
    event.call_id = dial.call_id[0] ? dial.call_id : NULL;
    event.cancelled = true;
    char problem[INVITATION_PROBLEM_SIZE];
    cv_result result =
        mail_queue(request->daemon, request->database, MAIL_CANCEL, &event, record->id, problem);
    if (result != CV_OK)
        log_error("booking %s: cannot queue the cancellation: %s", record->id, problem);
    return result;
}

cv_result booking_series_cancelled(scheduler_api_request *request, const booking *record,
                                   const bridge_views *views)
{
    char series_id[ID_TEXT_SIZE];
    int64_t recurrence_id = 0;
    cv_result result = db_series_of_booking(request->database, record->id, series_id);
    if (result == CV_ERR_NOT_FOUND)
        return CV_OK;
    if (result == CV_OK)
        result = db_series_recurrence_id(request->database, record->id, &recurrence_id);
    series_row row;
    if (result == CV_OK)
        result = db_series_load(request->database, series_id, &row);
    if (result != CV_OK)
        return result;
    int64_t *grown = realloc(row.exdates, (row.exdate_count + 1) * sizeof *grown);
    if (!grown) {
        series_row_clear(&row);
        return CV_ERR_NO_MEMORY;
    }
    row.exdates = grown;
    row.exdates[row.exdate_count++] = recurrence_id;
    row.sequence++;
    result = db_series_update(request->database, &row);
    if (result == CV_OK && row.organizer[0])
        result = queue_cancel(request, record, &row, recurrence_id, views);
    series_row_clear(&row);
    return result;
}
