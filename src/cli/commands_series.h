/*
 * commands_series.h - what `convene book` borrows from commands_series.c
 * for repeating meetings, and the `occurrences`, `ics`, `update` and
 * `calendar` commands.
 *
 * Owns: the series options of `book` and their JSON members. Does not
 * own: the rest of `book` (commands_booking.c).
 */
#ifndef CONVENE_CLI_COMMANDS_SERIES_H
#define CONVENE_CLI_COMMANDS_SERIES_H

#include <jansson.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "cli/cli.h"
#include "common/config.h"
#include "common/result.h"

typedef struct {
    char *time_zone;       /* --tz: IANA name; --start/--end may then be local */
    char *rrule;           /* --rrule: RFC 5545 RRULE value */
    string_list exdates;   /* --exdate: occurrences left out (repeatable) */
    char *organizer;       /* --organizer: e-mail address */
    string_list attendees; /* --attendee: e-mail addresses invited (repeatable) */
    bool skip_conflicts;
} book_series_options;

/* True when any series option was given. */
bool book_series_requested(const book_series_options *options);
/* --start (local "YYYY-MM-DDTHH:MM:SS") plus `minutes` on the local
 * calendar, into out[size >= 20]; CV_ERR_INVALID when --start is not such
 * a time. */
cv_result book_local_end(const char *start, int64_t minutes, char *out, size_t size);
/* Adds timeZone, recurrence, organizer, attendees, skipConflicts to `body`;
 * CV_ERR_INVALID for --exdate without --rrule or text that is not UTF-8. */
cv_result book_add_series(json_t *body, const book_series_options *options);
/* The series lines of a booking answer (local start, rule, skipped). */
void book_print_series(const json_t *booking);

int command_occurrences(cli_context *context, int argc, char **argv);
int command_ics(cli_context *context, int argc, char **argv);
int command_update(cli_context *context, int argc, char **argv);
int command_calendar(cli_context *context, int argc, char **argv);

#endif
