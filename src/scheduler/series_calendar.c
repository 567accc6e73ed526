/*
 * series_calendar.c - bookings and series as iCalendar events; see
 * series_calendar.h.
 *
 * Owns: copying a series row and its occurrences into calendar events,
 * deciding which occurrences need a VEVENT of their own. Does not own:
 * the text (calendar.c), the SQL (db_series.c, db_bookings.c).
 */
#include "scheduler/series_calendar.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/log.h"
#include "common/strbuf.h"
#include "common/text.h"
#include "scheduler/mail_module.h"
#include "scheduler/recurrence.h"

void dial_in_read(const booking *record, const bridge_views *views, dial_in *out)
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

void series_event_free(series_event *item)
{
    free(item->summary);
    free(item->rrule);
    free(item->exdates);
    free(item->attendees);
    free(item->attendee_copies);
    memset(item, 0, sizeof *item);
}

void series_event_bind(series_event *item)
{
    calendar_event *event = &item->event;
    event->uid = item->uid;
    event->summary = item->summary;
    event->time_zone = item->time_zone[0] ? item->time_zone : NULL;
    event->rrule = item->rrule;
    event->exdates = item->exdates;
    event->dial_uri = item->dial.uri[0] ? item->dial.uri : NULL;
    event->call_id = item->dial.call_id[0] ? item->dial.call_id : NULL;
    event->passcode = item->dial.passcode[0] ? item->dial.passcode : NULL;
    item->organizer = (calendar_person){item->organizer_email,
                                        item->organizer_name[0] ? item->organizer_name : NULL};
    event->organizer = item->organizer_email[0] ? &item->organizer : NULL;
    for (size_t i = 0; i < event->attendee_count; i++)
        item->attendees[i] = (calendar_person){
            item->attendee_copies[i].email,
            item->attendee_copies[i].name[0] ? item->attendee_copies[i].name : NULL};
    event->attendees = item->attendees;
}

/* What every event of a series shares: UID, SEQUENCE, zone, people. */
static cv_result copy_series(const series_row *row, int64_t now, series_event *out)
{
    memset(out, 0, sizeof *out);
    snprintf(out->uid, sizeof out->uid, "%s@convene", row->id);
    snprintf(out->time_zone, sizeof out->time_zone, "%s", row->time_zone);
    snprintf(out->organizer_email, sizeof out->organizer_email, "%s", row->organizer);
    snprintf(out->organizer_name, sizeof out->organizer_name, "%s", row->organizer_name);
    out->event.sequence = (int)row->sequence;
    out->event.stamp = now;
    if (row->attendee_count) {
        out->attendees = calloc(row->attendee_count, sizeof *out->attendees);
        out->attendee_copies = calloc(row->attendee_count, sizeof *out->attendee_copies);
        if (!out->attendees || !out->attendee_copies)
            return CV_ERR_NO_MEMORY;
        memcpy(out->attendee_copies, row->attendees, row->attendee_count * sizeof *row->attendees);
        out->event.attendee_count = row->attendee_count;
    }
    return CV_OK;
}

/* The UTC start of the series' first occurrence (its DTSTART). */
static int64_t first_start_of(const series_row *row, int64_t fallback)
{
    wall_time first;
    wall_time_kind kind = WALL_TIME_EXISTS;
    int64_t start = fallback;
    if (wall_time_parse(row->first_start, &first) != CV_OK ||
        wall_time_to_utc(row->time_zone, &first, &start, &kind) != CV_OK)
        return fallback;
    return start;
}

cv_result series_event_master(const series_row *row, const booking *dial_from,
                              const bridge_views *views, int64_t now, series_event *out)
{
    cv_result result = copy_series(row, now, out);
    out->event.start = first_start_of(row, dial_from ? dial_from->start : 0);
    out->event.end = out->event.start + row->duration;
    out->summary = text_duplicate(row->title ? row->title : "");
    if (row->rrule)
        out->rrule = text_duplicate(row->rrule);
    if (row->exdate_count) {
        out->exdates = calloc(row->exdate_count, sizeof *out->exdates);
        if (out->exdates)
            memcpy(out->exdates, row->exdates, row->exdate_count * sizeof *row->exdates);
        out->event.exdate_count = row->exdate_count;
    }
    if (result == CV_OK &&
        (!out->summary || (row->rrule && !out->rrule) || (row->exdate_count && !out->exdates)))
        result = CV_ERR_NO_MEMORY;
    if (dial_from)
        dial_in_read(dial_from, views, &out->dial);
    out->event.cancelled = row->cancelled;
    series_event_bind(out);
    return result;
}

cv_result series_event_occurrence(const series_row *row, const booking *record,
                                  int64_t recurrence_id, const bridge_views *views, int64_t now,
                                  series_event *out)
{
    cv_result result = copy_series(row, now, out);
    out->event.start = record->start;
    out->event.end = record->end;
    out->event.has_recurrence_id = true;
    out->event.recurrence_id = recurrence_id;
    out->event.cancelled = record->cancelled;
    out->summary = text_duplicate(record->title ? record->title : "");
    if (result == CV_OK && !out->summary)
        result = CV_ERR_NO_MEMORY;
    dial_in_read(record, views, &out->dial);
    series_event_bind(out);
    return result;
}

cv_result series_event_single(const booking *record, const bridge_views *views, int64_t now,
                              series_event *out)
{
    memset(out, 0, sizeof *out);
    snprintf(out->uid, sizeof out->uid, "%s@convene", record->id);
    out->event.start = record->start;
    out->event.end = record->end;
    out->event.stamp = now;
    out->event.cancelled = record->cancelled;
    out->summary = text_duplicate(record->title ? record->title : "");
    dial_in_read(record, views, &out->dial);
    series_event_bind(out);
    return out->summary ? CV_OK : CV_ERR_NO_MEMORY;
}

void series_event_list_free(series_event_list *list)
{
    for (size_t i = 0; i < list->count; i++)
        series_event_free(&list->items[i]);
    free(list->items);
    list->items = NULL;
    list->count = 0;
}

/* A new zeroed event at the end of `list`, or NULL. */
static series_event *list_grow(series_event_list *list)
{
    series_event *grown = realloc(list->items, (list->count + 1) * sizeof *grown);
    if (!grown)
        return NULL;
    list->items = grown;
    memset(&grown[list->count], 0, sizeof *grown);
    return &grown[list->count++];
}

/* True when occurrence `record` (rule start `recurrence_id`) needs a
 * VEVENT of its own next to `master`. */
static bool differs(const series_row *row, const series_event *master, const booking *record,
                    int64_t recurrence_id, const bridge_views *views)
{
    if (record->start != recurrence_id || record->end - record->start != row->duration ||
        strcmp(record->title ? record->title : "", row->title ? row->title : "") != 0)
        return true;
    dial_in dial;
    dial_in_read(record, views, &dial);
    return strcmp(dial.uri, master->dial.uri) != 0 ||
           strcmp(dial.passcode, master->dial.passcode) != 0;
}

/* Adds the occurrences of `ids` that differ from the master (the list's
 * item `master_index`). */
static cv_result collect_exceptions(store_db *database, const series_row *row, char **ids,
                                    size_t count, size_t master_index, const bridge_views *views,
                                    int64_t now, series_event_list *list)
{
    cv_result result = CV_OK;
    for (size_t i = 0; result == CV_OK && i < count; i++) {
        booking record;
        int64_t recurrence_id = 0;
        result = booking_load(database, ids[i], &record);
        if (result != CV_OK)
            break;
        result = db_series_recurrence_id(database, ids[i], &recurrence_id);
        if (result == CV_OK &&
            differs(row, &list->items[master_index], &record, recurrence_id, views)) {
            series_event *item = list_grow(list);
            result = item ? series_event_occurrence(row, &record, recurrence_id, views, now, item)
                          : CV_ERR_NO_MEMORY;
        }
        booking_clear(&record);
    }
    return result;
}

cv_result series_events_collect(store_db *database, const char *series_id,
                                const bridge_views *views, int64_t from, int64_t to, int64_t now,
                                series_event_list *list)
{
    series_row row;
    cv_result result = db_series_load(database, series_id, &row);
    if (result != CV_OK)
        return result;
    char **ids = NULL, **all = NULL;
    size_t count = 0, all_count = 0;
    booking first;
    booking_init(&first);
    bool have_first = false;
    /* the master's dial-in is its first occurrence's, wherever it is */
    if (db_series_rows(database, series_id, INT64_MIN, false, &all, &all_count) == CV_OK &&
        all_count > 0)
        have_first = booking_load(database, all[0], &first) == CV_OK;
    db_series_ids_free(all, all_count);
    /* only the occurrences that differ are loaded (a series may have thousands) */
    result =
        db_series_exceptions(database, series_id, from, to, have_first ? first.bridge_id : "",
                             have_first ? first.slot : -1,
                             have_first && first.has_passcode ? first.passcode : "", &ids, &count);
    size_t master_index = list->count;
    series_event *master = result == CV_OK ? list_grow(list) : NULL;
    if (result == CV_OK && !master)
        result = CV_ERR_NO_MEMORY;
    if (result == CV_OK)
        result = series_event_master(&row, have_first ? &first : NULL, views, now, master);
    if (result == CV_OK)
        result = collect_exceptions(database, &row, ids, count, master_index, views, now, list);
    booking_clear(&first);
    db_series_ids_free(ids, count);
    series_row_clear(&row);
    return result;
}

cv_result series_events_write(series_event_list *list, const char *name, char **out, char *problem)
{
    calendar_event *events = calloc(list->count ? list->count : 1, sizeof *events);
    if (!events)
        return CV_ERR_NO_MEMORY;
    for (size_t i = 0; i < list->count; i++) {
        series_event_bind(&list->items[i]);
        events[i] = list->items[i].event;
    }
    calendar_document document = {CALENDAR_METHOD_NONE, name, events, list->count};
    cv_result result = calendar_write(&document, out, problem);
    free(events);
    return result;
}

cv_result series_event_mail(scheduler *daemon, store_db *database, mail_kind kind,
                            series_event *item, const char *booking_id)
{
    char problem[INVITATION_PROBLEM_SIZE] = "";
    series_event_bind(item);
    cv_result result = mail_queue(daemon, database, kind, &item->event, booking_id, problem);
    if (result != CV_OK)
        log_error("%s: cannot queue the %s mail: %s", item->uid, mail_kind_name(kind),
                  problem[0] ? problem : cv_result_name(result));
    return result;
}

void series_reply_calendar(scheduler_api_request *request, const char *text)
{
    http_response *response = request->response;
    strbuf_reset(&response->body);
    response->status = 200;
    response->content_type = "text/calendar; charset=utf-8";
    strbuf_append_str(&response->body, text);
}
