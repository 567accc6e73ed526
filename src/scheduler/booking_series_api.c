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
#include "common/store_db_pool.h"
#include "common/strbuf.h"
#include "common/text.h"
#include "scheduler/audit.h"
#include "scheduler/booking.h"
#include "scheduler/booking_api_internal.h"
#include "scheduler/calendar.h"
#include "scheduler/db_bookings.h"
#include "scheduler/db_series.h"
#include "scheduler/lifecycle.h"
#include "scheduler/mail_module.h"
#include "scheduler/recurrence.h"
#include "scheduler/series.h"
#include "scheduler/series_calendar.h"

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
    return series_participant_has_email(body);
}

json_t *booking_series_plain_body(scheduler_api_request *request, const char *zone)
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
    /* a participant's "email" stays: series.c made it an attendee of the
     * series, and each occurrence keeps it with the participant */
    static const char *const times[] = {"start", "end"};
    for (size_t i = 0; i < 2 && zone; i++) {
        const char *text = json_string_value(json_object_get(copy, times[i]));
        if (!text)
            continue; /* booking_apply_json names it */
        int64_t utc = 0;
        char message[SERIES_MESSAGE_SIZE];
        if (series_read_time(text, zone, rfc3339_parse, &utc, message) != CV_OK) {
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
    *plain = booking_series_plain_body(request, series->has_time_zone ? series->time_zone : NULL);
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

/* Occurrences placed but not yet stored: written together, up to
 * PENDING_MAX at a time (db_bookings_insert_new), so a long series takes a
 * few statements per batch instead of several per occurrence. Placement
 * reads the stored bookings only, so the batch is written before placing
 * an occurrence that overlaps one of it (occupied times; a series' own
 * occurrences rarely do). The copies share the record's title and
 * participants, which stay put while the batch lives. */
#define PENDING_MAX 64
typedef struct {
    booking rows[PENDING_MAX];
    size_t count;
    int64_t latest_end; /* the latest end among rows */
} pending_occurrences;

static cv_result write_pending(store_db *database, pending_occurrences *pending)
{
    cv_result result = db_bookings_insert_new(database, pending->rows, pending->count);
    pending->count = 0;
    pending->latest_end = 0;
    return result;
}

/* Places one occurrence `item` of `record` (its ID, times and bridge set
 * here); a clash is noted, a placed one joins `pending`. */
static cv_result place_one(store_db *database, booking *record, const bridge_views *views,
                           const occurrence *item, const char *zone, const char *bridge,
                           placement *done, pending_occurrences *pending)
{
    id_generate_ordered(record->id);
    record->start = item->start;
    record->end = item->end;
    snprintf(record->bridge_id, sizeof record->bridge_id, "%s", bridge);
    record->slot = -1;
    json_t *conflicts = NULL;
    const char *reason = NULL;
    cv_result result =
        booking_place(database, record, views->placements, views->count, &conflicts, &reason);
    if (result == CV_ERR_CONFLICT) {
        note_clash(done, item, zone, reason, conflicts);
        return CV_OK;
    }
    json_decref(conflicts);
    if (result != CV_OK)
        return result;
    if (done->booked_count == 0) {
        snprintf(done->first_bridge, sizeof done->first_bridge, "%s", record->bridge_id);
        done->first_slot = record->slot;
    }
    done->booked[done->booked_count] = item->start;
    snprintf(done->ids[done->booked_count++], ID_TEXT_SIZE, "%s", record->id);
    pending->rows[pending->count++] = *record;
    if (record->end > pending->latest_end)
        pending->latest_end = record->end;
    return CV_OK;
}

/* Places and stores each occurrence; clashing ones are noted, not stored.
 * `bridge` is the bridge the client chose ("" for any). Caller holds the
 * transaction. */
static cv_result place_all(store_db *database, booking *record, const bridge_views *views,
                           const occurrence_list *list, const char *zone, const char *bridge,
                           placement *done)
{
    done->clashes = json_array();
    done->booked = calloc(list->count, sizeof *done->booked);
    done->ids = calloc(list->count, sizeof *done->ids);
    pending_occurrences *pending = calloc(1, sizeof *pending);
    cv_result result =
        done->clashes && done->booked && done->ids && pending ? CV_OK : CV_ERR_NO_MEMORY;
    for (size_t i = 0; result == CV_OK && i < list->count; i++) {
        if (pending->count &&
            list->items[i].start - record->setup_buffer_minutes * 60 < pending->latest_end)
            result = write_pending(database, pending);
        if (result == CV_OK)
            result =
                place_one(database, record, views, &list->items[i], zone, bridge, done, pending);
        if (result == CV_OK && pending->count == PENDING_MAX)
            result = write_pending(database, pending);
    }
    if (result == CV_OK && pending && pending->count)
        result = write_pending(database, pending);
    free(pending);
    return result;
}

/* The series row: the request's members, and as exdates the occurrences
 * left out by the client and those skipped for clashes. */
static cv_result fill_row(series_row *row, const series_request *series, const booking *record,
                          const occurrence_list *list, const placement *done, int64_t now)
{
    row->title = text_duplicate(record->title ? record->title : "");
    if (!row->title)
        return CV_ERR_NO_MEMORY;
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
    if (series->attendee_count) {
        row->attendees = calloc(series->attendee_count, sizeof *row->attendees);
        if (!row->attendees)
            return CV_ERR_NO_MEMORY;
        memcpy(row->attendees, series->attendees,
               series->attendee_count * sizeof *series->attendees);
        row->attendee_count = series->attendee_count;
    }
    snprintf(row->organizer, sizeof row->organizer, "%s", series->organizer);
    snprintf(row->organizer_name, sizeof row->organizer_name, "%s", series->organizer_name);
    row->created = now;
    return CV_OK;
}

/* The series row, then each stored occurrence linked to it. */
static cv_result store_series(store_db *database, series_row *row, const series_request *series,
                              const booking *record, const occurrence_list *list,
                              const placement *done, int64_t now)
{
    cv_result result = fill_row(row, series, record, list, done, now);
    if (result == CV_OK)
        result = db_series_insert(database, row);
    if (result == CV_OK)
        result = db_series_link_new(database, row->id, (const char(*)[ID_TEXT_SIZE])done->ids,
                                    done->booked_count);
    return result;
}

/* The invitation (iMIP REQUEST) to the organizer and the attendees,
 * queued in the booking's transaction so it is sent exactly when the
 * series exists. */
static cv_result queue_invitation(scheduler_api_request *request, const series_row *row,
                                  const placement *done, const bridge_views *views)
{
    if (!mail_enabled(request->daemon) || (!row->organizer[0] && !row->attendee_count))
        return CV_OK;
    booking first;
    cv_result result = booking_load(request->database, done->ids[0], &first);
    if (result != CV_OK)
        return result;
    series_event item;
    result = series_event_master(row, &first, views, first.created, &item);
    if (result == CV_OK)
        result = series_event_mail(request->daemon, request->database, MAIL_REQUEST, &item,
                                   done->ids[0]);
    series_event_free(&item);
    booking_clear(&first);
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

/* book_all's transaction (store_db_work): places every occurrence, stores
 * the series and queues the invitation; a refusal rolls it all back. */
typedef struct {
    scheduler_api_request *request;
    booking *record;
    const char *bridge_text;
    const series_request *series;
    const occurrence_list *list;
    series_row *row;
    placement *done;
    bool answered; /* the bridge was refused and replied to */
    bool refused;  /* occurrences clash; fail_clashes replies */
} book_all_work;

static cv_result place_and_store_all(store_db *database, void *context)
{
    book_all_work *work = context;
    bridge_views views;
    char bridge[ID_TEXT_SIZE] = "";
    cv_result result = bridge_views_load(database, &views);
    if (result != CV_OK)
        return result;
    if (work->bridge_text &&
        !booking_api_resolve_bridge(work->request, &views, work->bridge_text, bridge)) {
        bridge_views_free(&views);
        work->answered = true;
        return CV_ERR_INVALID;
    }
    work->record->bridge_chosen = work->bridge_text != NULL;
    const char *zone = work->series->has_time_zone ? work->series->time_zone : "UTC";
    result = place_all(database, work->record, &views, work->list, zone, bridge, work->done);
    work->refused = result == CV_OK && work->done->clash_count > 0 &&
                    (!work->series->skip_conflicts || work->done->booked_count == 0);
    if (result == CV_OK && !work->refused)
        result = store_series(database, work->row, work->series, work->record, work->list,
                              work->done, work->record->created);
    if (result == CV_OK && !work->refused)
        result = booking_api_set_series_owner(work->request, work->row->id);
    if (result == CV_OK && !work->refused)
        result = audit_record(work->request, "booking.create", work->row->id,
                              json_deep_copy(work->request->body));
    if (result == CV_OK && !work->refused)
        result = queue_invitation(work->request, work->row, work->done, &views);
    bridge_views_free(&views);
    return result == CV_OK && work->refused ? CV_ERR_CONFLICT : result;
}

/* Places and stores everything in one transaction; replies on failure. */
static bool book_all(scheduler_api_request *request, booking *record, const char *bridge_text,
                     const series_request *series, const occurrence_list *list, series_row *row,
                     placement *done)
{
    book_all_work work = {.request = request,
                          .record = record,
                          .bridge_text = bridge_text,
                          .series = series,
                          .list = list,
                          .row = row,
                          .done = done};
    cv_result result = store_db_transaction(request->database, place_and_store_all, &work);
    if (result == CV_OK || work.answered)
        return result == CV_OK;
    if (work.refused)
        fail_clashes(request, done, list->count);
    else if (result == CV_ERR_NOT_FOUND)
        scheduler_api_fail_field(request, "bridge", "bridge the bridge does not exist");
    else
        scheduler_api_fail_result(request, result, "storing the series");
    return false;
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
        if (done.booked_count > 0) {
            /* One event for the series, of its first occurrence: one per
             * occurrence would fill the events window with a long series
             * and cost its booking the rendering (docs/api.md, "Events"). */
            snprintf(record.id, sizeof record.id, "%s", done.ids[0]);
            record.start = done.booked[0];
            record.end = done.booked[0] + row.duration;
            booking_api_publish(request, EVENT_BOOKING_CREATED, &record, NULL);
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
    json_t *attendees = json_array();
    for (size_t i = 0; i < row->attendee_count; i++)
        json_array_append_new(attendees, json_pack("{s:s, s:s}", "email", row->attendees[i].email,
                                                   "name", row->attendees[i].name));
    json_object_set_new(document, "attendees", attendees);
    json_object_set_new(document, "title", json_string(row->title ? row->title : ""));
    json_object_set_new(document, "cancelled", json_boolean(row->cancelled));
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

cv_result booking_series_decorate(store_db *database, const char *booking_id, json_t *document)
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
    if (!booking_api_read_time(request, "from", from) || !booking_api_read_time(request, "to", to))
        return false;
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
static json_t *page_json(store_db *database, char **ids, size_t count, size_t limit)
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
