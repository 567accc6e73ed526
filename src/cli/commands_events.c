/*
 * commands_events.c - `convene events`: follows GET /api/v1/events (Server-
 * Sent Events) and prints one line per event; when the connection drops
 * it reconnects with the last id it printed (Last-Event-ID), so nothing
 * still in convened's window is missed.
 *
 * Owns: reading the event-stream format (lines, `id:`/`event:`/`data:`
 * fields, a blank line ends an event, `:` comments ignored), the one-line
 * view of each kind, the reconnect loop. Does not own: the transport
 * (client.h) or error lines (cli.c).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli/args.h"
#include "cli/cli.h"
#include "cli/json_view.h"
#include "common/sleep.h"
#include "common/text.h"

#define RECONNECT_WAIT_MS 2000
#define MAX_LINE          (1024 * 1024) /* a longer line is not an event of convened's */

typedef struct {
    bool json;         /* print each event's data as it came */
    int64_t remaining; /* events still to print; 0: no limit */
    strbuf line;       /* the line being received */
    char last_id[32];  /* the id of the last event printed ("" none) */
    char pending_id[32];
    char event[64];
    strbuf data;
    bool stop; /* --count reached */
} event_reader;

static const char *member_or(const json_t *object, const char *key, const char *fallback)
{
    const char *value = json_member_string(object, key);
    return value ? value : fallback;
}

/* One line: time, kind, what it is about, the essentials. */
static void print_event(const event_reader *reader, const json_t *document)
{
    if (reader->json) {
        printf("%s\n", strbuf_str(&reader->data));
        return;
    }
    const json_t *booking = json_object_get(document, "booking");
    const char *about = member_or(document, "bookingId", member_or(document, "bridgeId", "-"));
    printf("%s  %-19s  %s", member_or(document, "time", "-"), reader->event, about);
    if (json_is_object(booking))
        printf("  \"%s\" %s", member_or(booking, "title", ""), member_or(booking, "state", ""));
    else if (json_member_string(document, "uri"))
        printf("  %s %s", member_or(document, "uri", ""), member_or(document, "state", ""));
    else if (json_member_string(document, "kind"))
        printf("  %s%s%s", member_or(document, "kind", ""),
               json_member_string(document, "message") ? ": " : "",
               member_or(document, "message", ""));
    else if (json_member_string(document, "state"))
        printf("  %s%s%s", member_or(document, "state", ""),
               json_member_string(document, "failure") ? ": " : "",
               member_or(document, "failure", ""));
    printf("\n");
}

/* A blank line: the event collected so far is complete. */
static void dispatch(event_reader *reader)
{
    if (reader->pending_id[0])
        snprintf(reader->last_id, sizeof reader->last_id, "%s", reader->pending_id);
    if (reader->event[0] && strcmp(reader->event, "reset") == 0) {
        fprintf(stderr, "convene: events were missed (older than convened keeps); reload what "
                        "you show, then follow from here\n");
    } else if (reader->data.length > 0) {
        json_t *document = json_loadb(strbuf_str(&reader->data), reader->data.length, 0, NULL);
        if (!reader->event[0])
            snprintf(reader->event, sizeof reader->event, "message");
        print_event(reader, document);
        json_decref(document);
        fflush(stdout);
        if (reader->remaining > 0 && --reader->remaining == 0)
            reader->stop = true;
    }
    reader->pending_id[0] = '\0';
    reader->event[0] = '\0';
    strbuf_reset(&reader->data);
}

/* One line of the stream (without its line break). */
static void take_line(event_reader *reader, const char *line)
{
    if (*line == '\0') {
        dispatch(reader);
        return;
    }
    if (*line == ':')
        return; /* a comment: heartbeat, greeting */
    const char *colon = strchr(line, ':');
    size_t name_length = colon ? (size_t)(colon - line) : strlen(line);
    const char *value = colon ? colon + 1 : "";
    if (*value == ' ')
        value++;
    if (name_length == 2 && strncmp(line, "id", 2) == 0)
        text_copy_printable(reader->pending_id, sizeof reader->pending_id, value);
    else if (name_length == 5 && strncmp(line, "event", 5) == 0)
        text_copy_printable(reader->event, sizeof reader->event, value);
    else if (name_length == 4 && strncmp(line, "data", 4) == 0) {
        if (reader->data.length > 0)
            strbuf_append_char(&reader->data, '\n');
        strbuf_append_str(&reader->data, value);
    }
}

/* client_stream_reader: splits the bytes into lines. */
static bool read_bytes(void *context, const char *data, size_t length)
{
    event_reader *reader = context;
    for (size_t i = 0; i < length && !reader->stop; i++) {
        if (data[i] == '\r') /* convened ends lines with LF; a CR before it is dropped */
            continue;
        if (data[i] == '\n') {
            take_line(reader, strbuf_str(&reader->line));
            strbuf_reset(&reader->line);
        } else if (reader->line.length < MAX_LINE) {
            strbuf_append_char(&reader->line, data[i]);
        }
    }
    return !reader->stop && strbuf_status(&reader->line) == CV_OK &&
           strbuf_status(&reader->data) == CV_OK;
}

/* Follows the stream until --count is reached or convened refuses it;
 * returns the exit code. */
static int follow(cli_context *context, event_reader *reader)
{
    for (;;) {
        client_answer answer;
        strbuf error = STRBUF_INIT;
        strbuf_reset(&reader->line);
        cv_result result = client_stream(context->connection, "/api/v1/events",
                                         reader->last_id[0] ? reader->last_id : NULL, read_bytes,
                                         reader, &answer, &error);
        int status = -1; /* go on */
        if (reader->stop) {
            status = CLI_EXIT_OK;
        } else if (result == CV_ERR_NO_MEMORY) {
            cli_error("out of memory");
            status = CLI_EXIT_CONNECTION;
        } else if (answer.status >= 400 && answer.status < 500) {
            strbuf line = STRBUF_INIT;
            cli_describe_error(&answer, &line);
            cli_error("%s", strbuf_str(&line));
            strbuf_free(&line);
            status = CLI_EXIT_REFUSED;
        } else {
            fprintf(stderr, "convene: the event stream ended (%s); reconnecting%s%s\n",
                    result != CV_OK        ? strbuf_str(&error)
                    : answer.status >= 500 ? "convened is busy"
                                           : "closed by convened",
                    reader->last_id[0] ? " after event " : "", reader->last_id);
        }
        client_answer_free(&answer);
        strbuf_free(&error);
        if (status >= 0)
            return status;
        sleep_milliseconds(RECONNECT_WAIT_MS);
    }
}

/* `events --help`: the synopsis, what it does. */
static const char EVENTS_USAGE[] = "events [--last-event-id ID] [--count N] [--json]";
static const char EVENTS_ABOUT[] =
    "Follows what happens in convened (bookings, meetings, participants, tickets),\n"
    "one line per event, until interrupted. When the connection drops it\n"
    "reconnects after 2 s with the last event's id, so nothing convened still\n"
    "keeps is missed; a gap too old to fill is reported on stderr.";

int command_events(cli_context *context, int argc, char **argv)
{
    char *last_event_id = NULL;
    int64_t count = 0;
    bool json = false;
    const option_spec specs[] = {
        {"last-event-id", OPTION_STRING, &last_event_id, "ID",
         "start after this event (as a reconnecting client does)", 0, 0},
        {"count", OPTION_INTEGER, &count, "N", "stop after N events (default: never)", 0,
         1000000000},
        {"json", OPTION_FLAG, &json, NULL, "print each event's JSON instead of a line", 0, 0},
    };
    const command_syntax syntax = {
        EVENTS_USAGE, EVENTS_ABOUT, specs, sizeof specs / sizeof specs[0], 0, 0, NULL};
    positional_arguments positional;
    int status = CLI_EXIT_OK;
    if (!cli_parse_arguments(context, "events", &syntax, argc, argv, &positional, &status)) {
        /* its help or its usage error is printed; status says which */
    } else if (last_event_id && !text_is_digits(last_event_id)) {
        status = cli_usage_error("events", "--last-event-id: expected an event id (digits)");
    } else if ((status = cli_connect(context)) == CLI_EXIT_OK) {
        event_reader reader = {.json = context->globals.json_output,
                               .remaining = count,
                               .line = STRBUF_INIT,
                               .data = STRBUF_INIT};
        if (last_event_id)
            snprintf(reader.last_id, sizeof reader.last_id, "%s", last_event_id);
        status = follow(context, &reader);
        strbuf_free(&reader.line);
        strbuf_free(&reader.data);
    }
    free(last_event_id);
    return status;
}
