/*
 * commands_series.c - repeating meetings and calendars on the command
 * line: the series options of `convene book` (--tz, --rrule, --exdate,
 * --organizer, --attendee, --skip-conflicts), `convene occurrences ID`,
 * `convene ics ID`, `convene update ID [--scope ...]` and
 * `convene calendar --bridge|--organizer`.
 *
 * Owns: the series members these send (timeZone, recurrence {rrule,
 * exdates}, organizer, skipConflicts), local-time arithmetic for
 * --duration when --start has no offset, and the occurrences table.
 * Does not own: checking zones and rules (convened does, naming the
 * field), the booking members (commands_booking.c).
 */
#include "cli/commands_series.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "cli/args.h"
#include "cli/json_view.h"
#include "cli/table.h"
#include "common/rfc3339.h"

bool book_series_requested(const book_series_options *options)
{
    return options->time_zone || options->rrule || options->organizer || options->exdates.count ||
           options->attendees.count || options->skip_conflicts;
}

cv_result book_local_end(const char *start, int64_t minutes, char *out, size_t size)
{
    struct tm fields;
    memset(&fields, 0, sizeof fields);
    char rest = '\0';
    /* "YYYY-MM-DDTHH:MM:SS" and nothing after it */
    if (!start || strlen(start) != 19 ||
        sscanf(start, "%4d-%2d-%2dT%2d:%2d:%2d%c", &fields.tm_year, &fields.tm_mon, &fields.tm_mday,
               &fields.tm_hour, &fields.tm_min, &fields.tm_sec, &rest) != 6)
        return CV_ERR_INVALID;
    fields.tm_year -= 1900;
    fields.tm_mon -= 1;
    /* wall-clock arithmetic on the local calendar: convened reads the
     * result in the zone */
    time_t end = timegm(&fields) + (time_t)minutes * 60;
    struct tm result;
    gmtime_r(&end, &result);
    strftime(out, size, "%Y-%m-%dT%H:%M:%S", &result);
    return CV_OK;
}

cv_result book_add_series(json_t *body, const book_series_options *options)
{
    int failed = 0;
    if (options->time_zone)
        failed |= json_object_set_new(body, "timeZone", json_string(options->time_zone));
    if (options->rrule) {
        json_t *exdates = json_array();
        for (size_t i = 0; exdates && i < options->exdates.count; i++)
            failed |= json_array_append_new(exdates, json_string(options->exdates.items[i]));
        failed |= json_object_set_new(body, "recurrence",
                                      json_pack("{s:s, s:o}", "rrule", options->rrule, "exdates",
                                                exdates ? exdates : json_array()));
    } else if (options->exdates.count) {
        return CV_ERR_INVALID;
    }
    if (options->organizer)
        failed |= json_object_set_new(body, "organizer", json_string(options->organizer));
    if (options->attendees.count) {
        json_t *attendees = json_array();
        for (size_t i = 0; attendees && i < options->attendees.count; i++)
            failed |= json_array_append_new(attendees, json_string(options->attendees.items[i]));
        failed |= json_object_set_new(body, "attendees", attendees);
    }
    if (options->skip_conflicts)
        failed |= json_object_set_new(body, "skipConflicts", json_true());
    return failed ? CV_ERR_INVALID : CV_OK;
}

void book_print_series(const json_t *booking)
{
    const json_t *series = json_object_get(booking, "series");
    if (!json_is_object(series))
        return;
    const char *zone = json_member_string(booking, "timeZone");
    const char *local = json_member_string(booking, "localStart");
    const json_t *recurrence = json_object_get(series, "recurrence");
    const char *rule = json_member_string(recurrence, "rrule");
    printf("%-14s %s%s%s\n", "Local start:", local ? local : "", zone ? " " : "", zone ? zone : "");
    if (rule)
        printf("%-14s %s\n", "Repeats:", rule);
    const json_t *booked = json_object_get(booking, "occurrencesBooked");
    const json_t *skipped = json_object_get(booking, "skipped");
    if (json_is_integer(booked))
        printf("%-14s %lld booked, %zu skipped\n",
               "Occurrences:", (long long)json_integer_value(booked), json_array_size(skipped));
    for (size_t i = 0; i < json_array_size(skipped); i++) {
        const json_t *entry = json_array_get(skipped, i);
        const char *when = json_member_string(entry, "localStart");
        const char *reason = json_member_string(entry, "reason");
        printf("%-14s %s: %s\n", "  skipped", when ? when : "?", reason ? reason : "");
    }
}

/* ---- occurrences ------------------------------------------------------- */

/* Appends "?from=…&to=…" (each only when given) to `path`; returns the
 * separator for a further argument ("?" or "&"). */
static const char *append_window(strbuf *path, const char *from, const char *to)
{
    const char *separator = "?", *names[] = {"from", "to"}, *values[] = {from, to};
    for (size_t i = 0; i < 2; i++) {
        if (!values[i])
            continue;
        strbuf_printf(path, "%s%s=", separator, names[i]);
        cli_append_segment(path, values[i]);
        separator = "&";
    }
    return separator;
}

static int print_occurrences(const client_answer *answer)
{
    const json_t *list = json_object_get(answer->document, "occurrences");
    static const char *const headers[] = {"ID", "START (UTC)", "LOCAL START", "STATE", "SLOT"};
    table *rows = table_create(5, headers);
    for (size_t i = 0; rows && i < json_array_size(list); i++) {
        const json_t *entry = json_array_get(list, i);
        char slot[24] = "";
        const json_t *number = json_object_get(entry, "slot");
        if (json_is_integer(number))
            snprintf(slot, sizeof slot, "%lld", (long long)json_integer_value(number));
        const char *cells[] = {json_member_string(entry, "id"), json_member_string(entry, "start"),
                               json_member_string(entry, "localStart"),
                               json_member_string(entry, "state"), slot};
        table_add_row(rows, cells);
    }
    if (rows)
        table_print(rows, stdout);
    table_free(rows);
    const char *next = json_member_string(answer->document, "next");
    if (next)
        printf("More from %s (--from %s)\n", next, next);
    return CLI_EXIT_OK;
}

/* `occurrences --help`: the synopsis, what it does. */
static const char OCCURRENCES_USAGE[] = "occurrences ID [--from TIME] [--to TIME] [--limit N]";
static const char OCCURRENCES_ABOUT[] =
    "Lists the occurrences of the series booking ID belongs to, each a booking of\n"
    "its own, by start; 'More from TIME' gives the --from of the next page.";

int command_occurrences(cli_context *context, int argc, char **argv)
{
    char *from = NULL, *to = NULL;
    int64_t limit = INT64_MIN;
    bool json = false;
    const option_spec specs[] = {
        {"from", OPTION_STRING, &from, "TIME", "only occurrences starting at or after TIME", 0, 0},
        {"to", OPTION_STRING, &to, "TIME", "only occurrences starting before TIME", 0, 0},
        {"limit", OPTION_INTEGER, &limit, "N", "at most N (default 100)", 1, 1000},
        {"json", OPTION_FLAG, &json, NULL, "print the server's JSON answer", 0, 0},
    };
    const size_t spec_count = sizeof specs / sizeof specs[0];
    const command_syntax syntax = {
        OCCURRENCES_USAGE, OCCURRENCES_ABOUT, specs, spec_count, 1, 1, NULL};
    positional_arguments positional;
    strbuf path = STRBUF_INIT;
    int status = CLI_EXIT_OK;
    if (cli_parse_arguments(context, "occurrences", &syntax, argc, argv, &positional, &status)) {
        strbuf_append_str(&path, "/bookings/");
        cli_append_segment(&path, positional.items[0]);
        strbuf_append_str(&path, "/occurrences");
        const char *separator = append_window(&path, from, to);
        if (limit != INT64_MIN)
            strbuf_printf(&path, "%slimit=%lld", separator, (long long)limit);
        client_answer answer;
        status = cli_request(context, "GET", strbuf_str(&path), NULL, &answer);
        if (status == CLI_EXIT_OK) {
            if (context->globals.json_output)
                cli_print_answer_json(&answer);
            else
                status = print_occurrences(&answer);
            client_answer_free(&answer);
        }
    }
    config_free(specs, spec_count);
    strbuf_free(&path);
    return status;
}

/* ---- ics --------------------------------------------------------------- */

/* `ics --help`: the synopsis, what it does. */
static const char ICS_USAGE[] = "ics ID";
static const char ICS_ABOUT[] =
    "Prints the iCalendar (.ics) of booking ID: its series' rule, zone and\n"
    "exceptions, and the dial-in. Example: convene ics ID > meeting.ics";

int command_ics(cli_context *context, int argc, char **argv)
{
    const command_syntax syntax = {ICS_USAGE, ICS_ABOUT, NULL, 0, 1, 1, NULL};
    positional_arguments positional;
    strbuf path = STRBUF_INIT;
    int status = CLI_EXIT_OK;
    if (cli_parse_arguments(context, "ics", &syntax, argc, argv, &positional, &status)) {
        strbuf_append_str(&path, "/bookings");
        strbuf_printf(&path, "/%s.ics", positional.items[0]);
        client_answer answer;
        if (strchr(positional.items[0], '/') || strchr(positional.items[0], '?')) {
            status = cli_usage_error("ics", "ID: a booking ID, got \"%s\"", positional.items[0]);
        } else if ((status = cli_request(context, "GET", strbuf_str(&path), NULL, &answer)) ==
                   CLI_EXIT_OK) {
            fwrite(answer.body, 1, answer.body_length, stdout);
            client_answer_free(&answer);
        }
    }
    strbuf_free(&path);
    return status;
}

/* ---- update ------------------------------------------------------------ */

typedef struct {
    char *scope, *title, *start, *end, *passcode;
    book_series_options series;
    bool json;
} update_options;

/* The PATCH body of `update`; NULL when nothing is to change. */
static json_t *update_body(const update_options *options)
{
    json_t *body = json_object();
    const char *names[] = {"title", "start", "end", "passcode"};
    const char *values[] = {options->title, options->start, options->end, options->passcode};
    int failed = !body;
    for (size_t i = 0; !failed && i < 4; i++)
        if (values[i])
            failed |= json_object_set_new(body, names[i], json_string(values[i]));
    if (!failed && book_add_series(body, &options->series) != CV_OK)
        failed = 1;
    if (failed || json_object_size(body) == 0) {
        json_decref(body);
        return NULL;
    }
    return body;
}

/* What the change did, after the booking's own lines. */
static void print_change(const json_t *booking)
{
    const json_t *change = json_object_get(booking, "change");
    if (!json_is_object(change))
        return;
    printf("%-14s %lld kept, %lld moved, %lld added, %lld cancelled, %zu skipped%s\n",
           "Changed:", (long long)json_integer_value(json_object_get(change, "kept")),
           (long long)json_integer_value(json_object_get(change, "moved")),
           (long long)json_integer_value(json_object_get(change, "added")),
           (long long)json_integer_value(json_object_get(change, "cancelled")),
           json_array_size(json_object_get(change, "skipped")),
           json_is_true(json_object_get(change, "split")) ? " (split into a new series)" : "");
}

/* PATCH /bookings/ID[?scope=...] with `body`; prints the answer. */
static int update_send(cli_context *context, const char *id, const char *scope, json_t *body)
{
    strbuf path = STRBUF_INIT;
    strbuf_append_str(&path, "/bookings/");
    cli_append_segment(&path, id);
    if (scope)
        strbuf_printf(&path, "?scope=%s", scope);
    client_answer answer;
    int status = cli_request(context, "PATCH", strbuf_str(&path), body, &answer);
    if (status == CLI_EXIT_OK) {
        if (context->globals.json_output) {
            cli_print_answer_json(&answer);
        } else {
            printf("Changed %s: %s to %s\n", json_member_string(answer.document, "id"),
                   json_member_string(answer.document, "start"),
                   json_member_string(answer.document, "end"));
            book_print_series(answer.document);
            print_change(answer.document);
        }
        client_answer_free(&answer);
    }
    strbuf_free(&path);
    return status;
}

/* `update --help`: the synopsis, what it does, and the notes after the options. */
static const char UPDATE_USAGE[] =
    "update ID [--scope occurrence|following|series] [--title T] [--start TIME]\n"
    "                    [--end TIME] [--passcode N] [--tz ZONE] [--rrule RULE]\n"
    "                    [--organizer EMAIL] [--attendee EMAIL ...] [--skip-conflicts]";
static const char UPDATE_ABOUT[] =
    "Changes booking ID. For an occurrence of a repeating booking, --scope following\n"
    "changes it and every later one (split off as a new series), --scope series every\n"
    "one that has not begun; only occurrences whose time changes are checked again.";
static const char UPDATE_NOTES[] =
    "Example: convene update ID --scope series --tz Europe/Berlin \\\n"
    "           --start 2027-03-01T10:00:00 --end 2027-03-01T11:00:00 --skip-conflicts";

int command_update(cli_context *context, int argc, char **argv)
{
    update_options options;
    memset(&options, 0, sizeof options);
    const option_spec specs[] = {
        {"scope", OPTION_STRING, &options.scope, "SCOPE",
         "occurrence (default), following (this and later: a new series) or series", 0, 0},
        {"title", OPTION_STRING, &options.title, "TITLE", "the new title", 0, 0},
        {"start", OPTION_STRING, &options.start, "TIME", "the new start of occurrence ID", 0, 0},
        {"end", OPTION_STRING, &options.end, "TIME", "the new end of occurrence ID", 0, 0},
        {"passcode", OPTION_STRING, &options.passcode, "DIGITS", "the new passcode", 0, 0},
        {"tz", OPTION_STRING, &options.series.time_zone, "ZONE",
         "the zone of local --start/--end times (following/series: the new zone)", 0, 0},
        {"rrule", OPTION_STRING, &options.series.rrule, "RULE", "following/series: a new rule", 0,
         0},
        {"organizer", OPTION_STRING, &options.series.organizer, "EMAIL", "a new organizer", 0, 0},
        {"attendee", OPTION_LIST, &options.series.attendees, "EMAIL",
         "the new list of attendees (repeatable)", 0, 0},
        {"skip-conflicts", OPTION_FLAG, &options.series.skip_conflicts, NULL,
         "change the occurrences that fit and list those that clash", 0, 0},
        {"json", OPTION_FLAG, &options.json, NULL, "print the server's JSON answer", 0, 0},
    };
    const size_t spec_count = sizeof specs / sizeof specs[0];
    const command_syntax syntax = {UPDATE_USAGE, UPDATE_ABOUT, specs, spec_count, 1, 1,
                                   UPDATE_NOTES};
    positional_arguments positional;
    int status = CLI_EXIT_OK;
    if (!cli_parse_arguments(context, "update", &syntax, argc, argv, &positional, &status)) {
        /* its help or its usage error is printed; status says which */
    } else if (options.scope && strcmp(options.scope, "occurrence") != 0 &&
               strcmp(options.scope, "following") != 0 && strcmp(options.scope, "series") != 0) {
        status = cli_usage_error("update", "--scope: occurrence, following or series");
    } else {
        json_t *body = update_body(&options);
        status = body ? update_send(context, positional.items[0], options.scope, body)
                      : cli_usage_error("update", "give at least one thing to change");
        json_decref(body);
    }
    config_free(specs, spec_count);
    return status;
}

/* ---- calendar ---------------------------------------------------------- */

/* `calendar --help`: the synopsis, what it does. */
static const char CALENDAR_USAGE[] =
    "calendar (--bridge ID | --organizer EMAIL) [--from TIME] [--to TIME]";
static const char CALENDAR_ABOUT[] =
    "Prints a calendar feed (.ics): every meeting on a bridge, or every series someone\n"
    "organizes. Calendar clients can subscribe to the same address:\n"
    "/api/v1/bridges/ID/calendar.ics or /api/v1/organizers/EMAIL/calendar.ics";

int command_calendar(cli_context *context, int argc, char **argv)
{
    char *bridge = NULL, *organizer = NULL, *from = NULL, *to = NULL;
    const option_spec specs[] = {
        {"bridge", OPTION_STRING, &bridge, "ID", "every meeting on this bridge (ID or name)", 0, 0},
        {"organizer", OPTION_STRING, &organizer, "EMAIL", "every series this person organizes", 0,
         0},
        {"from", OPTION_STRING, &from, "TIME", "window start (default 30 days ago)", 0, 0},
        {"to", OPTION_STRING, &to, "TIME", "window end (default 366 days ahead)", 0, 0},
    };
    const size_t spec_count = sizeof specs / sizeof specs[0];
    const command_syntax syntax = {CALENDAR_USAGE, CALENDAR_ABOUT, specs, spec_count, 0, 0, NULL};
    positional_arguments positional;
    strbuf path = STRBUF_INIT;
    int status = CLI_EXIT_OK;
    if (!cli_parse_arguments(context, "calendar", &syntax, argc, argv, &positional, &status)) {
        /* its help or its usage error is printed; status says which */
    } else if ((bridge != NULL) == (organizer != NULL)) {
        status = cli_usage_error("calendar", "give exactly one of --bridge and --organizer");
    } else {
        strbuf_append_str(&path, bridge ? "/bridges/" : "/organizers/");
        cli_append_segment(&path, bridge ? bridge : organizer);
        strbuf_append_str(&path, "/calendar.ics");
        append_window(&path, from, to);
        client_answer answer;
        if ((status = cli_request(context, "GET", strbuf_str(&path), NULL, &answer)) ==
            CLI_EXIT_OK) {
            fwrite(answer.body, 1, answer.body_length, stdout);
            client_answer_free(&answer);
        }
    }
    config_free(specs, spec_count);
    strbuf_free(&path);
    return status;
}
