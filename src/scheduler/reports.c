/*
 * reports.c - the reports of convened's API:
 *   GET /reports/utilization?bridge=&from=&to=&period=day|week|month
 *   GET /reports/no-shows?bridge=&from=&to=
 *   GET /reports/failed-starts?bridge=&from=&to=
 * as JSON, or CSV with ?format=csv or "Accept: text/csv".
 *
 * Owns: the periods (UTC days, ISO weeks from Monday, calendar months),
 * adding up booked hours (bookings), used hours (calls the CDRs told of)
 * and the peak of participants connected at once (call legs, swept in
 * time order) per bridge, period and slot, and the two lists. Does not own:
 * the SQL (db_reports.c), attendance (attendance.c).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "common/rfc3339.h"
#include "common/strbuf.h"
#include "scheduler/api.h"
#include "scheduler/attendance.h"
#include "scheduler/booking.h"
#include "scheduler/booking_api_internal.h"
#include "scheduler/db_reports.h"
#include "scheduler/reports.h"

#define DEFAULT_RANGE_SECONDS (30 * 86400)
#define MAX_PERIODS           1000

typedef enum { PERIOD_DAY, PERIOD_WEEK, PERIOD_MONTH } period_kind;

static const char *const period_names[] = {"day", "week", "month"};

/* Totals of one bridge or slot over one period. */
typedef struct {
    int64_t booked_seconds, used_seconds, peak;
} period_totals;

typedef struct {
    int64_t slot;
    period_totals *periods; /* one per period */
} slot_totals;

/* Everything the utilisation report adds up for one bridge. */
typedef struct {
    const int64_t *bounds; /* period i is [bounds[i], bounds[i + 1]) */
    size_t period_count;
    period_totals *bridge;
    slot_totals *slots;
    size_t slot_count;
    int64_t (*events)[2]; /* legs' (time, +1 or -1) for the peak */
    size_t event_count, event_capacity;
    bool failed; /* out of memory */
} bridge_usage;

/* --- periods --------------------------------------------------------------- */

/* The start of the period that holds `moment`. */
static int64_t period_floor(int64_t moment, period_kind kind)
{
    int64_t day = moment >= 0 ? moment / 86400 : (moment - 86399) / 86400;
    if (kind == PERIOD_DAY)
        return day * 86400;
    if (kind == PERIOD_WEEK)
        return (day - (day + 3) % 7) * 86400; /* 1970-01-01 was a Thursday */
    time_t seconds = (time_t)moment;
    struct tm parts;
    gmtime_r(&seconds, &parts);
    parts.tm_mday = 1;
    parts.tm_hour = parts.tm_min = parts.tm_sec = 0;
    return (int64_t)timegm(&parts);
}

static int64_t period_next(int64_t start, period_kind kind)
{
    if (kind != PERIOD_MONTH)
        return start + (kind == PERIOD_DAY ? 86400 : 7 * 86400);
    time_t seconds = (time_t)start;
    struct tm parts;
    gmtime_r(&seconds, &parts);
    parts.tm_mon++;
    return (int64_t)timegm(&parts);
}

/* The period of `moment` (bounds[0] <= moment < bounds[count]). */
static size_t period_index(const bridge_usage *usage, int64_t moment)
{
    size_t low = 0, high = usage->period_count;
    while (high - low > 1) {
        size_t middle = (low + high) / 2;
        if (usage->bounds[middle] <= moment)
            low = middle;
        else
            high = middle;
    }
    return low;
}

/* Adds [from, to) to the periods it overlaps, split at their bounds. */
static void add_seconds(const bridge_usage *usage, period_totals *totals, int64_t from, int64_t to,
                        bool used)
{
    int64_t first = usage->bounds[0], last = usage->bounds[usage->period_count];
    from = from < first ? first : from;
    to = to > last ? last : to;
    for (size_t index = from < to ? period_index(usage, from) : usage->period_count;
         index < usage->period_count && usage->bounds[index] < to; index++) {
        int64_t start = from > usage->bounds[index] ? from : usage->bounds[index];
        int64_t end = to < usage->bounds[index + 1] ? to : usage->bounds[index + 1];
        if (used)
            totals[index].used_seconds += end - start;
        else
            totals[index].booked_seconds += end - start;
    }
}

/* --- adding up --------------------------------------------------------------- */

static period_totals *slot_periods(bridge_usage *usage, int64_t slot)
{
    for (size_t index = 0; index < usage->slot_count; index++)
        if (usage->slots[index].slot == slot)
            return usage->slots[index].periods;
    slot_totals *grown = realloc(usage->slots, (usage->slot_count + 1) * sizeof *grown);
    period_totals *periods = calloc(usage->period_count, sizeof *periods);
    if (grown)
        usage->slots = grown;
    if (grown == NULL || periods == NULL) {
        free(periods);
        usage->failed = true;
        return NULL;
    }
    usage->slots[usage->slot_count++] = (slot_totals){slot, periods};
    return periods;
}

static cv_result add_booking(const db_report_span *span, void *context)
{
    bridge_usage *usage = context;
    add_seconds(usage, usage->bridge, span->from, span->to, false);
    period_totals *slot = span->slot >= 0 ? slot_periods(usage, span->slot) : NULL;
    if (slot)
        add_seconds(usage, slot, span->from, span->to, false);
    return usage->failed ? CV_ERR_NO_MEMORY : CV_OK;
}

static cv_result add_call(const db_report_span *span, void *context)
{
    bridge_usage *usage = context;
    add_seconds(usage, usage->bridge, span->from, span->to, true);
    period_totals *slot = span->slot >= 0 ? slot_periods(usage, span->slot) : NULL;
    if (slot == NULL)
        return usage->failed ? CV_ERR_NO_MEMORY : CV_OK;
    add_seconds(usage, slot, span->from, span->to, true);
    /* a slot's peak: the most legs any of its calls had at once */
    int64_t first = usage->bounds[0], last = usage->bounds[usage->period_count];
    for (size_t index = period_index(usage, span->from < first ? first : span->from);
         index < usage->period_count && usage->bounds[index] < span->to && span->from < last;
         index++)
        if (span->peak > slot[index].peak)
            slot[index].peak = span->peak;
    return CV_OK;
}

static bool add_event(bridge_usage *usage, int64_t moment, int64_t change)
{
    if (usage->event_count == usage->event_capacity) {
        size_t capacity = usage->event_capacity ? usage->event_capacity * 2 : 1024;
        int64_t(*grown)[2] = realloc(usage->events, capacity * sizeof *grown);
        if (grown == NULL)
            return false;
        usage->events = grown;
        usage->event_capacity = capacity;
    }
    usage->events[usage->event_count][0] = moment;
    usage->events[usage->event_count][1] = change;
    usage->event_count++;
    return true;
}

static cv_result add_leg(const db_report_span *span, void *context)
{
    bridge_usage *usage = context;
    if (span->to <= span->from)
        return CV_OK;
    return add_event(usage, span->from, 1) && add_event(usage, span->to, -1) ? CV_OK
                                                                             : CV_ERR_NO_MEMORY;
}

/* by time; at the same instant a leaving comes before a joining */
static int compare_events(const void *left, const void *right)
{
    const int64_t *a = left, *b = right;
    if (a[0] != b[0])
        return a[0] < b[0] ? -1 : 1;
    return (a[1] > b[1]) - (a[1] < b[1]);
}

/* The bridge's peak per period: the legs swept in time order. */
static void sweep_peaks(bridge_usage *usage)
{
    if (usage->event_count > 0) /* qsort must not be given NULL */
        qsort(usage->events, usage->event_count, sizeof *usage->events, compare_events);
    int64_t connected = 0;
    size_t period = 0;
    for (size_t index = 0; index < usage->event_count; index++) {
        int64_t moment = usage->events[index][0];
        /* periods passed meanwhile had `connected` all along */
        while (period < usage->period_count && usage->bounds[period + 1] <= moment) {
            if (connected > usage->bridge[period].peak)
                usage->bridge[period].peak = connected;
            period++;
        }
        connected += usage->events[index][1];
        if (period < usage->period_count && moment >= usage->bounds[0] &&
            connected > usage->bridge[period].peak)
            usage->bridge[period].peak = connected;
    }
}

static void usage_free(bridge_usage *usage)
{
    free(usage->bridge);
    for (size_t index = 0; index < usage->slot_count; index++)
        free(usage->slots[index].periods);
    free(usage->slots);
    free(usage->events);
}

static cv_result measure_bridge(store_db *database, const char *bridge_id, bridge_usage *usage)
{
    int64_t from = usage->bounds[0], to = usage->bounds[usage->period_count];
    int64_t now = (int64_t)time(NULL);
    usage->bridge = calloc(usage->period_count, sizeof *usage->bridge);
    if (usage->bridge == NULL)
        return CV_ERR_NO_MEMORY;
    cv_result result = db_report_bookings_each(database, bridge_id, from, to, add_booking, usage);
    if (result == CV_OK)
        result = db_report_calls_each(database, bridge_id, from, to, now, add_call, usage);
    if (result == CV_OK)
        result = db_report_legs_each(database, bridge_id, from, to, now, add_leg, usage);
    if (result == CV_OK)
        sweep_peaks(usage);
    return result;
}

/* --- the request and the answer ------------------------------------------- */

/* What every report reads from the query. */
typedef struct {
    int64_t from, to;
    period_kind period;
    bool csv;
    bridge_views views;
    const char *bridge_id; /* NULL: every bridge */
    char bridge_storage[ID_TEXT_SIZE];
} report_query;

static bool read_time(scheduler_api_request *request, const char *name, int64_t fallback,
                      int64_t *out)
{
    const char *text = scheduler_api_query(request, name);
    *out = fallback;
    if (text == NULL)
        return true;
    if (rfc3339_parse(text, out) != CV_OK) {
        scheduler_api_fail_field(request, name, "%s must be an RFC 3339 time", name);
        return false;
    }
    return true;
}

static bool wants_csv(scheduler_api_request *request, bool *csv)
{
    const char *format = scheduler_api_query(request, "format");
    const char *accept = http_request_header(request->http, "Accept");
    if (format != NULL && strcmp(format, "csv") != 0 && strcmp(format, "json") != 0) {
        scheduler_api_fail_field(request, "format", "format must be json or csv");
        return false;
    }
    *csv =
        format ? strcmp(format, "csv") == 0 : accept != NULL && strstr(accept, "text/csv") != NULL;
    return true;
}

/* Reads the query; false after replying 400 (views freed then). */
static bool read_query(scheduler_api_request *request, report_query *query)
{
    memset(query, 0, sizeof *query);
    int64_t now = (int64_t)time(NULL);
    const char *period = scheduler_api_query(request, "period");
    query->period = PERIOD_DAY;
    if (period != NULL) {
        size_t index = 0;
        while (index < 3 && strcmp(period_names[index], period) != 0)
            index++;
        if (index == 3) {
            scheduler_api_fail_field(request, "period", "period must be day, week or month");
            return false;
        }
        query->period = (period_kind)index;
    }
    if (!read_time(request, "to", now, &query->to) ||
        !read_time(request, "from", query->to - DEFAULT_RANGE_SECONDS, &query->from) ||
        !wants_csv(request, &query->csv))
        return false;
    if (query->from >= query->to) {
        scheduler_api_fail_field(request, "from", "from must be before to");
        return false;
    }
    cv_result result = bridge_views_load(request->database, &query->views);
    if (result != CV_OK) {
        scheduler_api_fail_result(request, result, "loading the bridges");
        return false;
    }
    const char *bridge = scheduler_api_query(request, "bridge");
    if (bridge != NULL) {
        if (!booking_api_resolve_bridge(request, &query->views, bridge, query->bridge_storage)) {
            bridge_views_free(&query->views);
            return false;
        }
        query->bridge_id = query->bridge_storage;
    }
    return true;
}

/* One CSV field: quoted when it holds a comma, quote or line break, and
 * a leading = + - @ neutralised (a spreadsheet would run it). */
static void csv_field(strbuf *out, const json_t *value)
{
    char number[64];
    const char *text = "";
    if (json_is_string(value))
        text = json_string_value(value);
    else if (json_is_integer(value))
        snprintf(number, sizeof number, "%lld", (long long)json_integer_value(value)),
            text = number;
    else if (json_is_real(value))
        snprintf(number, sizeof number, "%.4f", json_real_value(value)), text = number;
    else if (json_is_boolean(value))
        text = json_is_true(value) ? "true" : "false";
    bool formula = json_is_string(value) && strchr("=+-@", text[0]) != NULL && text[0];
    bool quote = formula || strpbrk(text, ",\"\r\n") != NULL;
    if (quote)
        strbuf_append_char(out, '"');
    if (formula)
        strbuf_append_char(out, '\'');
    for (const char *c = text; *c; c++) {
        if (*c == '"')
            strbuf_append_char(out, '"');
        strbuf_append_char(out, *c);
    }
    if (quote)
        strbuf_append_char(out, '"');
}

/* The answer: {"from", "to", ["period",] "rows": [...]} or CSV with
 * `columns` as the header. `rows` is stolen. */
static void reply_rows(scheduler_api_request *request, const report_query *query,
                       const char *const *columns, bool with_period, json_t *rows)
{
    if (!query->csv) {
        char from[32], to[32];
        rfc3339_format_utc(query->from, from, sizeof from);
        rfc3339_format_utc(query->to, to, sizeof to);
        json_t *document = json_pack("{s:s, s:s, s:o}", "from", from, "to", to, "rows", rows);
        if (document && with_period)
            json_object_set_new(document, "period", json_string(period_names[query->period]));
        scheduler_api_reply_json(request, 200, document);
        return;
    }
    http_response *response = request->response;
    strbuf_reset(&response->body);
    for (size_t column = 0; columns[column]; column++)
        strbuf_printf(&response->body, "%s%s", column ? "," : "", columns[column]);
    strbuf_append_str(&response->body, "\r\n");
    size_t index;
    json_t *row;
    json_array_foreach(rows, index, row)
    {
        for (size_t column = 0; columns[column]; column++) {
            if (column)
                strbuf_append_char(&response->body, ',');
            csv_field(&response->body, json_object_get(row, columns[column]));
        }
        strbuf_append_str(&response->body, "\r\n");
    }
    json_decref(rows);
    response->status = 200;
    response->content_type = "text/csv; charset=utf-8";
}

static json_t *time_text(int64_t seconds)
{
    char text[32];
    rfc3339_format_utc(seconds, text, sizeof text);
    return json_string(text);
}

static const char *bridge_name(const report_query *query, const char *id)
{
    for (size_t index = 0; index < query->views.count; index++)
        if (strcmp(query->views.items[index].placement.id, id) == 0)
            return query->views.items[index].name;
    return NULL;
}

static int append_totals(json_t *rows, const report_query *query, const char *bridge_id,
                         int64_t slot, int64_t from, int64_t to, const period_totals *totals)
{
    const char *name = bridge_name(query, bridge_id);
    json_t *row = json_pack("{s:s, s:o, s:o, s:o, s:o, s:f, s:f, s:I}", "bridge", bridge_id,
                            "bridgeName", name ? json_string(name) : json_null(), "slot",
                            slot >= 0 ? json_integer(slot) : json_null(), "start", time_text(from),
                            "end", time_text(to), "bookedHours",
                            (double)(totals->booked_seconds * 10000 / 3600) / 10000.0, "usedHours",
                            (double)(totals->used_seconds * 10000 / 3600) / 10000.0,
                            "peakParticipants", (json_int_t)totals->peak);
    return json_array_append_new(rows, row);
}

static int compare_slots(const void *left, const void *right)
{
    const slot_totals *a = left, *b = right;
    return (a->slot > b->slot) - (a->slot < b->slot);
}

/* The rows of one bridge: its totals per period, then each slot's. */
static cv_result bridge_rows(store_db *database, const report_query *query, const char *bridge_id,
                             const int64_t *bounds, size_t period_count, json_t *rows)
{
    bridge_usage usage = {.bounds = bounds, .period_count = period_count};
    cv_result result = measure_bridge(database, bridge_id, &usage);
    if (usage.slot_count > 0)
        qsort(usage.slots, usage.slot_count, sizeof *usage.slots, compare_slots);
    for (size_t period = 0; result == CV_OK && period < period_count; period++) {
        if (append_totals(rows, query, bridge_id, -1, bounds[period], bounds[period + 1],
                          &usage.bridge[period]) != 0)
            result = CV_ERR_NO_MEMORY;
        for (size_t slot = 0; result == CV_OK && slot < usage.slot_count; slot++) {
            const period_totals *totals = &usage.slots[slot].periods[period];
            if ((totals->booked_seconds || totals->used_seconds) &&
                append_totals(rows, query, bridge_id, usage.slots[slot].slot, bounds[period],
                              bounds[period + 1], totals) != 0)
                result = CV_ERR_NO_MEMORY;
        }
    }
    usage_free(&usage);
    return result;
}

static void handle_utilization(scheduler_api_request *request)
{
    static const char *const columns[] = {"bridge", "bridgeName",  "slot",      "start",
                                          "end",    "bookedHours", "usedHours", "peakParticipants",
                                          NULL};
    report_query query;
    if (!read_query(request, &query))
        return;
    int64_t bounds[MAX_PERIODS + 1];
    size_t count = 0;
    bounds[0] = period_floor(query.from, query.period);
    while (bounds[count] < query.to && count < MAX_PERIODS) {
        bounds[count + 1] = period_next(bounds[count], query.period);
        count++;
    }
    json_t *rows = json_array();
    cv_result result = rows ? CV_OK : CV_ERR_NO_MEMORY;
    if (bounds[count] < query.to) {
        json_decref(rows);
        scheduler_api_fail_field(request, "period", "more than %d periods: choose a longer one",
                                 MAX_PERIODS);
        bridge_views_free(&query.views);
        return;
    }
    for (size_t index = 0; result == CV_OK && index < query.views.count; index++) {
        const char *id = query.views.items[index].placement.id;
        if (query.bridge_id == NULL || strcmp(query.bridge_id, id) == 0)
            result = bridge_rows(request->database, &query, id, bounds, count, rows);
    }
    if (result != CV_OK) {
        json_decref(rows);
        scheduler_api_fail_result(request, result, "adding up the utilisation");
    } else {
        reply_rows(request, &query, columns, true, rows);
    }
    bridge_views_free(&query.views);
}

/* --- no-shows and failed starts ---------------------------------------------- */

typedef struct {
    store_db *database;
    json_t *rows;
} list_context;

/* db_report_booking_visit: the booked participants of one meeting that
 * never joined (attendance.c), one row each. */
static cv_result add_no_shows(const db_report_booking *row, void *context)
{
    list_context *list = context;
    booking record;
    cv_result result = booking_load(list->database, row->id, &record);
    json_t *attendance = NULL;
    if (result == CV_OK)
        result = attendance_json(list->database, &record, &attendance);
    if (result == CV_OK) {
        json_t *never = json_object_get(attendance, "neverJoined");
        bool nobody = json_array_size(never) == record.participant_count;
        for (size_t index = 0; result == CV_OK && index < record.participant_count; index++) {
            const booking_participant *participant = &record.participants[index];
            bool missing = false;
            size_t at;
            json_t *uri;
            json_array_foreach(never, at, uri)
            {
                missing = missing || strcmp(json_string_value(uri), participant->uri) == 0;
            }
            if (missing &&
                json_array_append_new(
                    list->rows,
                    json_pack("{s:s, s:s, s:o, s:s, s:s, s:s, s:b}", "booking", row->id, "title",
                              row->title, "start", time_text(row->start), "bridge", row->bridge_id,
                              "uri", participant->uri, "dial", participant->dial_out ? "out" : "in",
                              "nobodyJoined", nobody)) != 0)
                result = CV_ERR_NO_MEMORY;
        }
    }
    json_decref(attendance);
    booking_clear(&record); /* safe after a failed load too */
    return result == CV_ERR_NOT_FOUND ? CV_OK : result;
}

static cv_result add_failed_start(const db_report_booking *row, void *context)
{
    list_context *list = context;
    json_t *entry =
        json_pack("{s:s, s:s, s:o, s:s, s:s}", "booking", row->id, "title", row->title, "start",
                  time_text(row->start), "bridge", row->bridge_id, "failure", row->failure);
    return json_array_append_new(list->rows, entry) == 0 ? CV_OK : CV_ERR_NO_MEMORY;
}

static void handle_list(scheduler_api_request *request, bool failed)
{
    static const char *const no_show_columns[] = {"booking", "title", "start",        "bridge",
                                                  "uri",     "dial",  "nobodyJoined", NULL};
    static const char *const failed_columns[] = {"booking", "title",   "start",
                                                 "bridge",  "failure", NULL};
    report_query query;
    if (!read_query(request, &query))
        return;
    list_context list = {request->database, json_array()};
    cv_result result =
        list.rows
            ? db_report_meetings_each(request->database, query.bridge_id, query.from, query.to,
                                      failed, failed ? add_failed_start : add_no_shows, &list)
            : CV_ERR_NO_MEMORY;
    if (result != CV_OK) {
        json_decref(list.rows);
        scheduler_api_fail_result(request, result, "listing the meetings");
    } else {
        reply_rows(request, &query, failed ? failed_columns : no_show_columns, false, list.rows);
    }
    bridge_views_free(&query.views);
}

static void handle_no_shows(scheduler_api_request *request)
{
    handle_list(request, false);
}

static void handle_failed_starts(scheduler_api_request *request)
{
    handle_list(request, true);
}

/* --- module ------------------------------------------------------------------ */

static const char *const utilization_query[] = {"bridge", "from", "to", "period", "format", NULL};
static const char *const list_query[] = {"bridge", "from", "to", "format", NULL};

static const scheduler_api_route report_routes[] = {
    /* operators and admins */
    {"GET", "reports/utilization", handle_utilization, utilization_query, API_ALLOW_OPERATOR, NULL},
    {"GET", "reports/no-shows", handle_no_shows, list_query, API_ALLOW_OPERATOR, NULL},
    {"GET", "reports/failed-starts", handle_failed_starts, list_query, API_ALLOW_OPERATOR, NULL},
};

static cv_result reports_start(scheduler *daemon)
{
    return scheduler_api_register(daemon, report_routes,
                                  sizeof report_routes / sizeof report_routes[0]);
}

static void reports_stop(scheduler *daemon)
{
    (void)daemon;
}

const scheduler_module reports_module = {"reports", reports_start, reports_stop};
