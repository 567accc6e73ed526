/*
 * commands_series.c - repeating meetings and calendars on the command
 * line: the series options of `convene book` (--tz, --rrule, --exdate,
 * --organizer, --skip-conflicts), `convene occurrences ID` and
 * `convene ics ID`.
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
           options->skip_conflicts;
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
        "occurrences ID [--from TIME] [--to TIME] [--limit N]",
        "Lists the occurrences of the series booking ID belongs to, each a booking of\n"
        "its own, by start; 'More from TIME' gives the --from of the next page.",
        specs,
        spec_count,
        1,
        1,
        NULL};
    positional_arguments positional;
    strbuf error = STRBUF_INIT, path = STRBUF_INIT;
    int status = CLI_EXIT_OK;
    args_outcome outcome = args_parse(&syntax, argc, argv, &positional, &error);
    if (outcome == ARGS_HELP) {
        args_print_help(&syntax, stdout);
    } else if (outcome == ARGS_ERROR) {
        status = cli_usage_error("occurrences", "%s", strbuf_str(&error));
    } else {
        context->globals.json_output |= json;
        strbuf_append_str(&path, "/bookings/");
        cli_append_segment(&path, positional.items[0]);
        strbuf_append_str(&path, "/occurrences");
        const char *separator = "?";
        const char *names[] = {"from", "to"}, *values[] = {from, to};
        for (size_t i = 0; i < 2; i++) {
            if (!values[i])
                continue;
            strbuf_printf(&path, "%s%s=", separator, names[i]);
            cli_append_segment(&path, values[i]);
            separator = "&";
        }
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
    strbuf_free(&error);
    strbuf_free(&path);
    return status;
}

/* ---- ics --------------------------------------------------------------- */

int command_ics(cli_context *context, int argc, char **argv)
{
    const command_syntax syntax = {
        "ics ID",
        "Prints the iCalendar (.ics) of booking ID: its series' rule, zone and\n"
        "exceptions, and the dial-in. Example: convene ics ID > meeting.ics",
        NULL,
        0,
        1,
        1,
        NULL};
    positional_arguments positional;
    strbuf error = STRBUF_INIT, path = STRBUF_INIT;
    int status = CLI_EXIT_OK;
    args_outcome outcome = args_parse(&syntax, argc, argv, &positional, &error);
    if (outcome == ARGS_HELP) {
        args_print_help(&syntax, stdout);
    } else if (outcome == ARGS_ERROR) {
        status = cli_usage_error("ics", "%s", strbuf_str(&error));
    } else {
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
    strbuf_free(&error);
    strbuf_free(&path);
    return status;
}
