/*
 * commands_booking.c - `convene book`, `bookings`, `show`, `extend`, `end`
 * and `cancel`: meetings on the bridges, from booking to their end.
 *
 * Owns: these commands' options, the booking JSON they send (fields of the
 * API contract: title, start, end, passcode, participants [{uri, dial}],
 * bridge, setupBufferMinutes; the series members come from
 * commands_series.c) and the booking's human output (details and
 * the live participant table). Does not own: validation beyond the command
 * line (convened checks everything and names the field it refuses).
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli/args.h"
#include "cli/cli.h"
#include "cli/commands_series.h"
#include "cli/json_view.h"
#include "cli/table.h"
#include "common/rfc3339.h"
#include "common/text.h"

#define UNSET_INTEGER      INT64_MIN
#define LABEL_WIDTH        14
#define SETUP_BUFFER_FIELD "setupBufferMinutes"

/* ---- output ----------------------------------------------------------- */

/* What the server says about a participant beyond its state, or "". */
static const char *participant_detail(const json_t *participant, char *buffer, size_t size)
{
    static const char *const detail_fields[] = {"detail", "reason", "failure", "message", NULL};
    for (size_t i = 0; detail_fields[i]; i++) {
        const json_t *value = json_object_get(participant, detail_fields[i]);
        if (value && !json_is_null(value))
            return json_text(value, buffer, size);
    }
    return "";
}

static void print_participants(const json_t *participants)
{
    static const char *const headers[] = {"PARTICIPANT", "DIAL", "STATE", "ATTEMPTS", "DETAIL"};
    size_t index;
    const json_t *participant;
    char detail[64];
    size_t column_count = 4;
    json_array_foreach(participants, index, participant)
    {
        if (*participant_detail(participant, detail, sizeof detail))
            column_count = 5; /* the DETAIL column only when there is one */
    }
    table *rows = table_create(column_count, headers);
    if (!rows) {
        cli_error("out of memory");
        return;
    }
    json_array_foreach(participants, index, participant)
    {
        char dial[32], state[32], attempts[32];
        const char *cells[] = {json_member_string(participant, "uri"),
                               json_member_text(participant, "dial", dial, sizeof dial),
                               json_member_text(participant, "state", state, sizeof state),
                               json_member_text(participant, "attempts", attempts, sizeof attempts),
                               participant_detail(participant, detail, sizeof detail)};
        if (table_add_row(rows, cells) != CV_OK) {
            cli_error("out of memory");
            break;
        }
    }
    table_print(rows, stdout);
    table_free(rows);
}

static void booking_print(const json_t *booking)
{
    char buffer[64], second[64], line[512];
    detail_line(stdout, LABEL_WIDTH, "Booking",
                json_member_text(booking, "id", buffer, sizeof buffer));
    detail_line(stdout, LABEL_WIDTH, "Title", json_member_string(booking, "title"));
    const char *state = json_member_text(booking, "state", buffer, sizeof buffer);
    bool cancelled = json_is_true(json_object_get(booking, "cancelled"));
    snprintf(line, sizeof line, "%s%s", state, cancelled ? " (cancelled)" : "");
    detail_line(stdout, LABEL_WIDTH, "State", line);
    const json_t *failure = json_object_get(booking, "failure");
    if (failure && !json_is_null(failure))
        detail_line(stdout, LABEL_WIDTH, "Failure", json_text(failure, buffer, sizeof buffer));
    detail_line(stdout, LABEL_WIDTH, "Start", json_member_string(booking, "start"));
    detail_line(stdout, LABEL_WIDTH, "End", json_member_string(booking, "end"));
    const json_t *buffer_minutes = json_object_get(booking, SETUP_BUFFER_FIELD);
    if (json_is_integer(buffer_minutes) && json_integer_value(buffer_minutes) > 0) {
        snprintf(line, sizeof line, "%lld minutes early",
                 (long long)json_integer_value(buffer_minutes));
        detail_line(stdout, LABEL_WIDTH, "Connects", line);
    }
    detail_line(stdout, LABEL_WIDTH, "Bridge",
                json_member_text(booking, "bridge", buffer, sizeof buffer));
    detail_line(stdout, LABEL_WIDTH, "Slot",
                json_member_text(booking, "slot", buffer, sizeof buffer));
    const char *slot_note = json_member_string(booking, "slotNote");
    if (slot_note && *slot_note)
        detail_line(stdout, LABEL_WIDTH, "Slot note", slot_note);
    const json_t *dial_in = json_object_get(booking, "dialIn");
    snprintf(line, sizeof line, "%s  (call ID %s)",
             json_member_text(dial_in, "uri", buffer, sizeof buffer),
             json_member_text(dial_in, "callId", second, sizeof second));
    detail_line(stdout, LABEL_WIDTH, "Dial-in", line);
    const json_t *passcode = json_object_get(booking, "passcode");
    bool has_passcode = passcode && !json_is_null(passcode) &&
                        !(json_is_string(passcode) && !*json_string_value(passcode));
    detail_line(stdout, LABEL_WIDTH, "Passcode", has_passcode ? "required (as booked)" : "none");
    const json_t *participants = json_object_get(booking, "participants");
    if (json_array_size(participants) > 0) {
        printf("\n");
        print_participants(participants);
    }
}

static int print_booking_answer(cli_context *context, const client_answer *answer)
{
    if (context->globals.json_output)
        cli_print_answer_json(answer);
    else if (json_is_object(answer->document))
        booking_print(answer->document);
    return CLI_EXIT_OK;
}

static cv_result booking_path(strbuf *path, const char *id, const char *action)
{
    strbuf_printf(path, "/bookings/");
    cli_append_segment(path, id);
    if (action)
        strbuf_printf(path, "/%s", action);
    return strbuf_status(path);
}

/* ---- book ------------------------------------------------------------- */

typedef struct {
    char *title, *start, *end, *passcode, *bridge;
    int64_t duration, setup_buffer;
    string_list dial_out, dial_in;
    bool json;
    book_series_options series;
} book_options;

static cv_result add_participants(json_t *list, const string_list *uris, const char *dial)
{
    for (size_t i = 0; i < uris->count; i++) {
        json_t *participant = json_pack("{s:s, s:s}", "uri", uris->items[i], "dial", dial);
        if (!participant || json_array_append_new(list, participant) != 0)
            return CV_ERR_INVALID;
    }
    return CV_OK;
}

/* The options of `book` (pointing into `options`) into out[BOOK_SPECS]. */
#define BOOK_SPECS 16
static size_t book_specs(book_options *options, option_spec *out)
{
    const option_spec specs[BOOK_SPECS] = {
        {"title", OPTION_STRING, &options->title, "TITLE",
         "the meeting's name (shown as the space name)", 0, 0},
        {"start", OPTION_STRING, &options->start, "TIME", "start, RFC 3339 with an offset", 0, 0},
        {"end", OPTION_STRING, &options->end, "TIME", "end, RFC 3339 with an offset", 0, 0},
        {"duration", OPTION_INTEGER, &options->duration, "MINUTES", "length instead of --end", 1,
         525600},
        {"passcode", OPTION_STRING, &options->passcode, "DIGITS",
         "numeric passcode participants must enter", 0, 0},
        {"dial-out", OPTION_LIST, &options->dial_out, "URI",
         "a participant the bridge calls at the start (repeatable)", 0, 0},
        {"dial-in", OPTION_LIST, &options->dial_in, "URI",
         "a participant who calls in (repeatable; reserved against double booking)", 0, 0},
        {"bridge", OPTION_STRING, &options->bridge, "ID",
         "book on this bridge, by ID or name (default: any with a free slot)", 0, 0},
        {"setup-buffer", OPTION_INTEGER, &options->setup_buffer, "MINUTES",
         "open the space and dial out this many minutes early", 0, 1440},
        {"tz", OPTION_STRING, &options->series.time_zone, "ZONE",
         "IANA time zone (Europe/Berlin); --start and --end may then be local times", 0, 0},
        {"rrule", OPTION_STRING, &options->series.rrule, "RULE",
         "repeat by this RFC 5545 rule (FREQ=WEEKLY;BYDAY=MO;COUNT=10)", 0, 0},
        {"exdate", OPTION_LIST, &options->series.exdates, "TIME",
         "leave out the occurrence starting at TIME (repeatable)", 0, 0},
        {"organizer", OPTION_STRING, &options->series.organizer, "EMAIL",
         "the organizer's e-mail address", 0, 0},
        {"attendee", OPTION_LIST, &options->series.attendees, "EMAIL",
         "invite this e-mail address (repeatable; gets every invitation)", 0, 0},
        {"skip-conflicts", OPTION_FLAG, &options->series.skip_conflicts, NULL,
         "book the occurrences that fit and list those that clash", 0, 0},
        {"json", OPTION_FLAG, &options->json, NULL, "print the server's JSON answer", 0, 0},
    };
    memcpy(out, specs, sizeof specs);
    return BOOK_SPECS;
}

/* Checks --title, --start, --end/--duration and --passcode; the end to
 * send into *end (computed_end[40] when from --duration). A usage error
 * status, or CLI_EXIT_OK. */
static int book_times(const book_options *options, char *computed_end, const char **end)
{
    int64_t start_seconds = 0; /* read only when the start is not local */
    if (!options->title || !options->start)
        return cli_usage_error("book", "--title and --start are required");
    /* with --tz, a start without an offset is local: convened reads it */
    bool local_start =
        options->series.time_zone && book_local_end(options->start, 0, computed_end, 40) == CV_OK;
    int status = local_start ? CLI_EXIT_OK : cli_check_time("book", "--start", options->start);
    if (status != CLI_EXIT_OK)
        return status;
    if (!local_start)
        rfc3339_parse(options->start, &start_seconds);
    if ((options->end != NULL) == (options->duration != UNSET_INTEGER))
        return cli_usage_error("book", "give exactly one of --end and --duration");
    *end = options->end;
    if (!local_start && (status = cli_check_time("book", "--end", options->end)) != CLI_EXIT_OK)
        return status;
    if (!options->end && local_start) {
        book_local_end(options->start, options->duration, computed_end, 40);
        *end = computed_end;
    } else if (!options->end) {
        rfc3339_format_utc(start_seconds + options->duration * 60, computed_end, 40);
        *end = computed_end;
    }
    if (options->passcode && !text_is_digits(options->passcode))
        return cli_usage_error("book", "--passcode: digits only");
    if (options->series.exdates.count && !options->series.rrule)
        return cli_usage_error("book", "--exdate needs --rrule");
    return CLI_EXIT_OK;
}

/* The POST /bookings body; NULL (after saying why) when a value is not
 * UTF-8 or memory runs out. */
static json_t *book_body(const book_options *options, const char *end)
{
    json_t *participants = json_array();
    json_t *body = json_object();
    int failed = !body || !participants;
    failed |= json_object_set_new(body, "title", json_string(options->title));
    failed |= json_object_set_new(body, "start", json_string(options->start));
    failed |= json_object_set_new(body, "end", json_string(end));
    if (add_participants(participants, &options->dial_out, "out") != CV_OK ||
        add_participants(participants, &options->dial_in, "in") != CV_OK)
        failed = 1;
    failed |= json_object_set_new(body, "participants", participants);
    if (options->passcode)
        failed |= json_object_set_new(body, "passcode", json_string(options->passcode));
    if (options->bridge)
        failed |= json_object_set_new(body, "bridge", json_string(options->bridge));
    if (options->setup_buffer != UNSET_INTEGER)
        failed |=
            json_object_set_new(body, SETUP_BUFFER_FIELD, json_integer(options->setup_buffer));
    if (!failed && book_add_series(body, &options->series) != CV_OK)
        failed = 1;
    if (failed) {
        cli_error("every value must be UTF-8 text");
        json_decref(body);
        return NULL;
    }
    return body;
}

/* Sends the booking and prints the confirmation. */
static int book_send(cli_context *context, json_t *body)
{
    client_answer answer;
    int status = cli_request(context, "POST", "/bookings", body, &answer);
    if (status == CLI_EXIT_OK) {
        if (!context->globals.json_output)
            printf("Booked.\n");
        print_booking_answer(context, &answer);
        if (!context->globals.json_output)
            book_print_series(answer.document);
        client_answer_free(&answer);
    }
    return status;
}

/* `book --help`: the synopsis, what it does, and the notes after the options. */
static const char BOOK_USAGE[] =
    "book --title T --start TIME (--end TIME | --duration MIN) [--passcode N]\n"
    "                    [--dial-out URI ...] [--dial-in URI ...] [--bridge ID] "
    "[--setup-buffer MIN]\n"
    "                    [--tz ZONE] [--rrule RULE] [--exdate TIME ...] "
    "[--organizer EMAIL] [--attendee EMAIL ...] [--skip-conflicts]";
static const char BOOK_ABOUT[] =
    "Books a meeting. convened assigns the slot (numeric ID) at once, so the\n"
    "confirmation already carries the dial-in URI and call ID. At the start it opens\n"
    "the slot's space under the meeting's title, starts the call and dials out.";
static const char BOOK_NOTES[] =
    "Refused (exit 1) when the bridge has no free slot over the whole meeting or a\n"
    "participant is already in an overlapping meeting; the message lists the conflicts.\n"
    "Example: convene book --title Weekly --start 2026-11-25T09:00:00+01:00 --duration 30 \\\n"
    "           --dial-out sip:room1@example.com --dial-out sip:room2@example.com\n"
    "Repeating, in a time zone: convene book --title Sync --tz Europe/Berlin \\\n"
    "           --start 2027-03-22T09:00:00 --duration 30 --rrule 'FREQ=WEEKLY;COUNT=10'";

int command_book(cli_context *context, int argc, char **argv)
{
    book_options options = {.duration = UNSET_INTEGER, .setup_buffer = UNSET_INTEGER};
    option_spec specs[BOOK_SPECS];
    const size_t spec_count = book_specs(&options, specs);
    const command_syntax syntax = {BOOK_USAGE, BOOK_ABOUT, specs, spec_count, 0, 0, BOOK_NOTES};
    positional_arguments positional;
    char computed_end[40];
    const char *end = NULL;
    int status = CLI_EXIT_OK;
    if (cli_parse_arguments(context, "book", &syntax, argc, argv, &positional, &status)) {
        status = book_times(&options, computed_end, &end);
        json_t *body = status == CLI_EXIT_OK ? book_body(&options, end) : NULL;
        if (status == CLI_EXIT_OK)
            status = body ? book_send(context, body) : CLI_EXIT_USAGE;
        json_decref(body);
    }
    config_free(specs, spec_count);
    return status;
}

/* ---- bookings --------------------------------------------------------- */

/* GET /bookings with the filters given (each NULL when not). */
static cv_result bookings_path(strbuf *path, const char *from, const char *to, const char *bridge)
{
    strbuf_printf(path, "/bookings");
    if (from) {
        strbuf_printf(path, "?from=");
        cli_append_segment(path, from);
    }
    if (to) {
        strbuf_printf(path, "%sto=", from ? "&" : "?");
        cli_append_segment(path, to);
    }
    if (bridge) {
        strbuf_printf(path, "%sbridge=", from || to ? "&" : "?");
        cli_append_segment(path, bridge);
    }
    return strbuf_status(path);
}

/* The human listing: one row per booking, or "No bookings.". */
static void print_bookings_table(const json_t *bookings)
{
    if (json_array_size(bookings) == 0) {
        printf("No bookings.\n");
        return;
    }
    static const char *const headers[] = {"ID",   "START",   "END",  "STATE",
                                          "SLOT", "DIAL-IN", "TITLE"};
    table *rows = table_create(7, headers);
    size_t index;
    const json_t *booking;
    json_array_foreach(bookings, index, booking)
    {
        char id[32], state[32], slot[32], dial_in[32];
        const char *cells[] = {
            json_member_text(booking, "id", id, sizeof id),
            json_member_string(booking, "start"),
            json_member_string(booking, "end"),
            json_member_text(booking, "state", state, sizeof state),
            json_member_text(booking, "slot", slot, sizeof slot),
            json_member_text(json_object_get(booking, "dialIn"), "uri", dial_in, sizeof dial_in),
            json_member_string(booking, "title")};
        if (table_add_row(rows, cells) != CV_OK) {
            cli_error("out of memory");
            break;
        }
    }
    table_print(rows, stdout);
    table_free(rows);
}

/* `bookings --help`: the synopsis, what it does. */
static const char BOOKINGS_USAGE[] = "bookings [--from TIME] [--to TIME] [--bridge ID]";
static const char BOOKINGS_ABOUT[] = "Lists bookings in start order with their state and slot.";

int command_bookings(cli_context *context, int argc, char **argv)
{
    char *from = NULL, *to = NULL, *bridge = NULL;
    bool json = false;
    const option_spec specs[] = {
        {"from", OPTION_STRING, &from, "TIME", "only meetings that end after TIME (RFC 3339)", 0,
         0},
        {"to", OPTION_STRING, &to, "TIME", "only meetings that start before TIME (RFC 3339)", 0, 0},
        {"bridge", OPTION_STRING, &bridge, "ID", "only meetings on this bridge (ID or name)", 0, 0},
        {"json", OPTION_FLAG, &json, NULL, "print the server's JSON answer", 0, 0},
    };
    const size_t spec_count = sizeof specs / sizeof specs[0];
    const command_syntax syntax = {BOOKINGS_USAGE, BOOKINGS_ABOUT, specs, spec_count, 0, 0, NULL};
    positional_arguments positional;
    strbuf path = STRBUF_INIT;
    int status = CLI_EXIT_OK;
    if (!cli_parse_arguments(context, "bookings", &syntax, argc, argv, &positional, &status))
        goto out;
    if ((status = cli_check_time("bookings", "--from", from)) != CLI_EXIT_OK ||
        (status = cli_check_time("bookings", "--to", to)) != CLI_EXIT_OK)
        goto out;
    if (bookings_path(&path, from, to, bridge) != CV_OK) {
        cli_error("out of memory");
        status = CLI_EXIT_USAGE;
        goto out;
    }
    client_answer answer;
    if ((status = cli_request(context, "GET", strbuf_str(&path), NULL, &answer)) != CLI_EXIT_OK)
        goto out;
    if (context->globals.json_output)
        cli_print_answer_json(&answer);
    else
        print_bookings_table(json_collection(answer.document, "bookings"));
    client_answer_free(&answer);
out:
    config_free(specs, spec_count);
    strbuf_free(&path);
    return status;
}

/* ---- show / extend / end / cancel -------------------------------------- */

typedef enum { ACTION_SHOW, ACTION_EXTEND, ACTION_END, ACTION_CANCEL } booking_action;

/* The one line saying what extend, end or cancel did to booking `id`;
 * `minutes` is extend's argument, `booking` the answer. */
static void print_action_done(booking_action action, const char *id, const char *minutes,
                              const json_t *booking)
{
    const char *state = json_member_string(booking, "state");
    const char *end = json_member_string(booking, "end");
    if (action == ACTION_EXTEND)
        printf("Extended %s by %s minutes%s%s\n", id, minutes, end ? "; it now ends at " : "",
               end ? end : "");
    else if (action == ACTION_END && state && strcmp(state, "ended") != 0)
        printf("Ending %s: the bridge is being told (state %s); 'convene show %s' follows it\n", id,
               state, id);
    else if (action == ACTION_END)
        printf("Ended %s\n", id);
    else if (json_is_integer(json_object_get(booking, "occurrencesCancelled")))
        printf("Cancelled %lld occurrences of series %s\n", /* --scope following or series */
               (long long)json_integer_value(json_object_get(booking, "occurrencesCancelled")),
               json_member_string(booking, "series"));
    else
        printf("Cancelled %s%s%s\n", id, state ? "; state " : "", state ? state : "");
}

/* The path of `action` on booking `id` into `path`, with cancel's
 * "?scope=" (checked); returns the exit status. */
static int action_path(strbuf *path, const char *id, const char *suffix, const char *scope)
{
    if (scope && strcmp(scope, "occurrence") != 0 && strcmp(scope, "following") != 0 &&
        strcmp(scope, "series") != 0)
        return cli_usage_error("cancel", "--scope: occurrence, following or series");
    if (booking_path(path, id, suffix) != CV_OK ||
        (scope && strbuf_printf(path, "?scope=%s", scope) != CV_OK)) {
        cli_error("out of memory");
        return CLI_EXIT_USAGE;
    }
    return CLI_EXIT_OK;
}

/* extend's body {"minutes": MINUTES} into *body; returns the exit status. */
static int extend_body(const char *minutes_text, json_t **body)
{
    int64_t minutes;
    if (text_parse_int64(minutes_text, 1, 1440 * 366, &minutes) != CV_OK)
        return cli_usage_error("extend", "MINUTES: expected a positive whole number, got \"%s\"",
                               minutes_text);
    if (!(*body = json_pack("{s:I}", "minutes", (json_int_t)minutes))) {
        cli_error("out of memory");
        return CLI_EXIT_USAGE;
    }
    return CLI_EXIT_OK;
}

/* The syntax of each booking_action, in its order (options are added by
 * booking_command). */
static const command_syntax booking_action_syntaxes[] = {
    {"show ID",
     "Shows one booking: times, state, slot, dial-in details and, while it is\n"
     "live, each participant's state as the bridge reports it.",
     NULL, 0, 1, 1, NULL},
    {"extend ID MINUTES",
     "Moves the booking's end MINUTES later. Refused when its slot or a\n"
     "participant is taken for the extra time. A live meeting's space\n"
     "is updated on the bridge as TMS does.",
     NULL, 0, 2, 2, NULL},
    {"end ID",
     "Ends a live meeting now: the space gets its placeholder name back, is\n"
     "locked, its secret is regenerated and the call is removed.",
     NULL, 0, 1, 1, NULL},
    {"cancel ID [--scope occurrence|following|series]",
     "Cancels a booking and frees its slot; a live meeting is ended first. For an\n"
     "occurrence of a repeating booking, --scope following cancels it and every later\n"
     "one, --scope series every one that has not begun.",
     NULL, 0, 1, 1, NULL},
};

static int booking_command(cli_context *context, int argc, char **argv, booking_action action)
{
    bool json = false;
    char *scope = NULL;
    const option_spec specs[] = {
        {"json", OPTION_FLAG, &json, NULL, "print the server's JSON answer", 0, 0},
        {"scope", OPTION_STRING, &scope, "SCOPE",
         "of a repeating booking: occurrence (default), following or series", 0, 0},
    };
    static const char *const names[] = {"show", "extend", "end", "cancel"};
    command_syntax syntax = booking_action_syntaxes[action];
    syntax.options = specs;
    syntax.option_count = action == ACTION_CANCEL ? 2 : 1; /* --scope only for cancel */
    positional_arguments positional;
    strbuf path = STRBUF_INIT;
    json_t *body = NULL;
    int status = CLI_EXIT_OK;
    if (!cli_parse_arguments(context, names[action], &syntax, argc, argv, &positional, &status))
        goto out;
    const char *id = positional.items[0];
    const char *method = "GET";
    const char *suffix = NULL;
    if (action == ACTION_EXTEND) {
        if ((status = extend_body(positional.items[1], &body)) != CLI_EXIT_OK)
            goto out;
        method = "POST";
        suffix = "extend";
    } else if (action == ACTION_END) {
        method = "POST";
        suffix = "end";
    } else if (action == ACTION_CANCEL) {
        method = "DELETE";
    }
    if ((status = action_path(&path, id, suffix, scope)) != CLI_EXIT_OK)
        goto out;
    client_answer answer;
    if ((status = cli_request(context, method, strbuf_str(&path), body, &answer)) != CLI_EXIT_OK)
        goto out;
    if (context->globals.json_output)
        cli_print_answer_json(&answer);
    else if (action == ACTION_SHOW)
        print_booking_answer(context, &answer);
    else
        print_action_done(action, id, action == ACTION_EXTEND ? positional.items[1] : NULL,
                          answer.document);
    client_answer_free(&answer);
out:
    json_decref(body);
    config_free(specs, sizeof specs / sizeof specs[0]);
    strbuf_free(&path);
    return status;
}

int command_show(cli_context *context, int argc, char **argv)
{
    return booking_command(context, argc, argv, ACTION_SHOW);
}

int command_extend(cli_context *context, int argc, char **argv)
{
    return booking_command(context, argc, argv, ACTION_EXTEND);
}

int command_end(cli_context *context, int argc, char **argv)
{
    return booking_command(context, argc, argv, ACTION_END);
}

int command_cancel(cli_context *context, int argc, char **argv)
{
    return booking_command(context, argc, argv, ACTION_CANCEL);
}
