/*
 * calendar_api.c - iCalendar downloads in convened's JSON API:
 *   GET /bookings/<id>.ics                       one booking or its series
 *   GET /bridges/<id>/calendar.ics?from=&to=     every meeting on a bridge
 *   GET /organizers/<email>/calendar.ics?from=&to=  every series someone organizes
 * The feeds are one VCALENDAR each (one VTIMEZONE per zone) that calendar
 * clients can subscribe to; from/to default to 30 days back and 366 days
 * ahead and may span at most CALENDAR_FEED_SPAN_DAYS. A bridge's feed is
 * for operators and admins; an organizer's also for the booker whose
 * account has that e-mail address.
 *
 * Owns: these handlers and the feeds' windows. Does not own: the events
 * (series_calendar.c), the text (calendar.c), the SQL.
 */
#include "scheduler/calendar_api.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "common/rfc3339.h"
#include "common/text.h"
#include "scheduler/booking_series.h"
#include "scheduler/db_bookings.h"
#include "scheduler/series_calendar.h"

#define CALENDAR_FEED_SPAN_DAYS 800
#define CALENDAR_FEED_MAX       1000 /* meetings (series count once) per feed */

/* Writes `list` and answers with it. */
static void reply_list(scheduler_api_request *request, series_event_list *list, const char *name)
{
    char *text = NULL, problem[CALENDAR_PROBLEM_SIZE] = "";
    cv_result result = series_events_write(list, name, &text, problem);
    if (result == CV_OK)
        series_reply_calendar(request, text);
    else
        scheduler_api_fail_result(request, result, problem[0] ? problem : "writing the calendar");
    free(text);
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
    series_event_list list = {NULL, 0};
    char series_id[ID_TEXT_SIZE];
    int64_t now = (int64_t)time(NULL);
    result = bridge_views_load(request->database, &views);
    if (result == CV_OK) {
        result = db_series_of_booking(request->database, id, series_id);
        if (result == CV_OK) {
            result = series_events_collect(request->database, series_id, &views, INT64_MIN,
                                           INT64_MAX, now, &list);
        } else if (result == CV_ERR_NOT_FOUND) {
            list.items = calloc(1, sizeof *list.items);
            result = list.items ? series_event_single(&record, &views, now, list.items)
                                : CV_ERR_NO_MEMORY;
            list.count = list.items ? 1 : 0;
        }
        bridge_views_free(&views);
    }
    if (result == CV_OK)
        reply_list(request, &list, NULL);
    else
        scheduler_api_fail_result(request, result, "writing the calendar");
    series_event_list_free(&list);
    booking_clear(&record);
}

/* ?from=&to= of a feed; replies 400 and returns false when bad. */
static bool read_window(scheduler_api_request *request, int64_t *from, int64_t *to)
{
    int64_t now = (int64_t)time(NULL);
    *from = now - 30 * 86400;
    *to = now + 366 * 86400;
    if (!booking_api_read_time(request, "from", from) || !booking_api_read_time(request, "to", to))
        return false;
    if (*to <= *from || *to - *from > (int64_t)CALENDAR_FEED_SPAN_DAYS * 86400) {
        scheduler_api_fail_field(request, "to", "to must be after from, by at most %d days",
                                 CALENDAR_FEED_SPAN_DAYS);
        return false;
    }
    return true;
}

/* What a bridge's feed collects while walking its bookings. */
typedef struct {
    store_db *database;
    const bridge_views *views;
    int64_t from, to, now;
    series_event_list *list;
    char (*series)[ID_TEXT_SIZE]; /* series already added */
    size_t series_count;
} feed;

/* db_booking_id_visit: a booking on the bridge, or its whole series. */
static cv_result add_booking(const char *id, void *context)
{
    feed *into = context;
    char series_id[ID_TEXT_SIZE];
    cv_result result = db_series_of_booking(into->database, id, series_id);
    if (result == CV_OK) {
        for (size_t i = 0; i < into->series_count; i++)
            if (strcmp(into->series[i], series_id) == 0)
                return CV_OK;
        snprintf(into->series[into->series_count++], ID_TEXT_SIZE, "%s", series_id);
        return series_events_collect(into->database, series_id, into->views, into->from, into->to,
                                     into->now, into->list);
    }
    if (result != CV_ERR_NOT_FOUND)
        return result;
    booking record;
    result = booking_load(into->database, id, &record);
    if (result != CV_OK)
        return result;
    series_event *grown =
        realloc(into->list->items, (into->list->count + 1) * sizeof *into->list->items);
    if (grown) {
        into->list->items = grown;
        result = series_event_single(&record, into->views, into->now, &grown[into->list->count]);
        into->list->count++;
    }
    booking_clear(&record);
    return grown ? result : CV_ERR_NO_MEMORY;
}

static void handle_bridge_feed(scheduler_api_request *request)
{
    int64_t from, to;
    if (!read_window(request, &from, &to))
        return;
    bridge_views views;
    cv_result result = bridge_views_load(request->database, &views);
    if (result != CV_OK) {
        scheduler_api_fail_result(request, result, "loading the bridges");
        return;
    }
    char bridge_id[ID_TEXT_SIZE];
    const char *text = scheduler_api_segment(request, 1);
    if (!text || !booking_api_resolve_bridge(request, &views, text, bridge_id)) {
        bridge_views_free(&views);
        return;
    }
    series_event_list list = {NULL, 0};
    feed into = {request->database, &views, from, to, (int64_t)time(NULL), &list, NULL, 0};
    into.series = calloc(CALENDAR_FEED_MAX, sizeof *into.series);
    result = into.series
                 ? db_bookings_each_in_window(request->database, from, to, CALENDAR_FEED_MAX,
                                              bridge_id, add_booking, &into)
                 : CV_ERR_NO_MEMORY;
    bridge_views_free(&views);
    if (result == CV_OK) {
        char name[ID_TEXT_SIZE + 32];
        snprintf(name, sizeof name, "Convene bridge %s", bridge_id);
        reply_list(request, &list, name);
    } else {
        scheduler_api_fail_result(request, result, "listing the bridge's meetings");
    }
    free(into.series);
    series_event_list_free(&list);
}

static void handle_organizer_feed(scheduler_api_request *request)
{
    int64_t from, to;
    if (!read_window(request, &from, &to))
        return;
    const char *email = scheduler_api_segment(request, 1);
    if (!email || calendar_address_check(email) != CV_OK) {
        scheduler_api_fail_field(request, "organizer",
                                 "the organizer must be an e-mail address such as ana@example.com");
        return;
    }
    bridge_views views;
    char **ids = NULL;
    size_t count = 0;
    series_event_list list = {NULL, 0};
    int64_t now = (int64_t)time(NULL);
    cv_result result = bridge_views_load(request->database, &views);
    if (result == CV_OK) {
        result = db_series_by_organizer(request->database, email, CALENDAR_FEED_MAX, &ids, &count);
        for (size_t i = 0; result == CV_OK && i < count; i++)
            result = series_events_collect(request->database, ids[i], &views, from, to, now, &list);
        bridge_views_free(&views);
    }
    db_series_ids_free(ids, count);
    if (result == CV_OK) {
        char name[SERIES_ADDRESS_MAX + 32];
        snprintf(name, sizeof name, "Convene meetings of %s", email);
        reply_list(request, &list, name);
    } else {
        scheduler_api_fail_result(request, result, "listing the organizer's meetings");
    }
    series_event_list_free(&list);
}

/* API_ALLOW_OWNER of an organizer's feed: a booker gets only their own
 * (the e-mail address of their account). */
static bool organizer_is_me(scheduler_api_request *request, const char *email)
{
    const http_principal *principal = scheduler_api_principal(request);
    return principal && principal->email[0] && text_equals_ignore_case(principal->email, email);
}

static const char *const window_query[] = {"from", "to", NULL};

static const scheduler_api_route calendar_routes[] = {
    {"GET", "bridges/*/calendar.ics", handle_bridge_feed, window_query, API_ALLOW_OPERATOR, NULL},
    {"GET", "organizers/*/calendar.ics", handle_organizer_feed, window_query, API_ALLOW_OWNER,
     organizer_is_me},
};

static cv_result calendar_module_start(scheduler *daemon)
{
    return scheduler_api_register(daemon, calendar_routes,
                                  sizeof calendar_routes / sizeof calendar_routes[0]);
}

static void calendar_module_stop(scheduler *daemon)
{
    (void)daemon;
}

const scheduler_module calendar_module = {"calendars", calendar_module_start, calendar_module_stop};
