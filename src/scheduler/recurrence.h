/*
 * recurrence.h - wall-clock times in IANA time zones and RFC 5545
 * recurrence rules, over libical.
 *
 * Owns: checking a zone name and an RRULE; turning a wall-clock time in a
 * zone into a UTC instant (and saying when it does not exist or is
 * ambiguous); expanding a series (start, duration, RRULE, EXDATEs) into
 * the occurrences that start inside a window, at most a given number, so
 * memory stays bounded however long the series is. Occurrences keep
 * their wall-clock time across daylight-saving changes: the rule runs on
 * the local calendar, then each start is read in the zone.
 * Does not own: storing occurrences, deciding the horizon of an endless
 * series, conflicts (booking and slot code), writing iCalendar
 * (calendar.h).
 *
 * Zones come from the system's tz database (/usr/share/zoneinfo, Debian's
 * tzdata): Debian builds libical without its own copy of the zones, and
 * recurrence_zone_directory() says where libical actually reads them.
 * Thread-safe: every call into libical's zone code holds one lock, which
 * calendar.c reaches only through these functions.
 */
#ifndef CONVENE_SCHEDULER_RECURRENCE_H
#define CONVENE_SCHEDULER_RECURRENCE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "common/result.h"

/* A date and time on a clock in some zone, without an offset. */
typedef struct {
    int year, month, day;     /* month 1..12, day 1..31 */
    int hour, minute, second; /* 0..23, 0..59, 0..59 */
} wall_time;

#define WALL_TIME_TEXT_SIZE     20  /* "2026-03-29T02:30:00" and its NUL */
#define RECURRENCE_PROBLEM_SIZE 256 /* room for a sentence saying what is wrong */

/* What a wall-clock time is in a zone. */
typedef enum {
    WALL_TIME_EXISTS,   /* exactly one instant shows this time */
    WALL_TIME_SKIPPED,  /* clocks jump over it (spring forward) */
    WALL_TIME_REPEATED, /* clocks show it twice (fall back) */
} wall_time_kind;

/* "exists", "does not exist", "is ambiguous" */
const char *wall_time_kind_name(wall_time_kind kind);

/* Exactly "YYYY-MM-DDTHH:MM:SS" (no offset, no fraction), a real date,
 * year 1970..9999. CV_ERR_INVALID otherwise, *out untouched. */
cv_result wall_time_parse(const char *text, wall_time *out);
/* "YYYY-MM-DDTHH:MM:SS" into out[size >= WALL_TIME_TEXT_SIZE]. */
void wall_time_format(const wall_time *time, char *out, size_t size);

/* CV_OK when `name` is a zone of the system's tz database ("UTC",
 * "Europe/Berlin"); CV_ERR_INVALID for anything else, including names that
 * are not plain zone names ("../x", "/etc/passwd"). */
cv_result time_zone_check(const char *name);
/* The directory libical reads zones from ("/usr/share/zoneinfo"), or ""
 * when it uses zones built into the library (never on Debian). */
const char *recurrence_zone_directory(void);

/* The zone as an iCalendar VTIMEZONE component (CRLF lines, TZID the
 * IANA name), with the observances in force from `from` (UTC) on; the
 * caller frees *out. CV_ERR_INVALID for UTC (which needs none) or an
 * unknown zone. */
cv_result time_zone_vtimezone(const char *name, int64_t from, char **out);

/* Reads `wall` in `zone`. *kind says whether it exists; *utc (Unix
 * seconds) is set only when it does. CV_ERR_INVALID for an unknown zone. */
cv_result wall_time_to_utc(const char *zone, const wall_time *wall, int64_t *utc,
                           wall_time_kind *kind);
/* Reads "YYYY-MM-DDTHH:MM:SS" (no offset) as a wall-clock time in `zone`.
 * CV_ERR_INVALID with a sentence in problem[RECURRENCE_PROBLEM_SIZE] when
 * the text is no such time, the zone is unknown, or the time does not
 * exist or is ambiguous there (named: "2026-03-29T02:30:00 does not exist
 * in Europe/Berlin"). */
cv_result wall_time_read_in_zone(const char *text, const char *zone, int64_t *utc, char *problem);

/* The wall-clock time in `zone` at `utc`, and the zone's offset from UTC
 * then (seconds east; may be NULL). */
cv_result utc_to_wall_time(const char *zone, int64_t utc, wall_time *out, int *offset_seconds);

/* Most occurrences one expansion returns; callers page beyond it. */
#define RECURRENCE_LIMIT_MAX 100000

/* CV_OK when `rrule` (an RRULE value without "RRULE:", e.g.
 * "FREQ=WEEKLY;BYDAY=MO,WE;UNTIL=20261231T230000Z") is one libical reads
 * and RFC 5545 allows: every FREQ; COUNT or UNTIL or neither, not both;
 * UNTIL a UTC time or a date; BY* parts only where the RFC allows them for
 * that FREQ. Otherwise
 * CV_ERR_INVALID with a sentence in problem[RECURRENCE_PROBLEM_SIZE]. */
cv_result recurrence_rule_check(const char *rrule, char *problem);
/* True when the rule has neither COUNT nor UNTIL (it must be checked). */
bool recurrence_rule_is_endless(const char *rrule);
/* `rrule` ended after `count` occurrences (count > 0), else at `until`
 * (UTC seconds, the last start it allows); any COUNT or UNTIL it had is
 * replaced. A new string into *out (caller frees). */
cv_result recurrence_rule_limit(const char *rrule, int count, int64_t until, char **out);

/* A meeting and how it repeats. */
typedef struct {
    const char *rrule;        /* NULL or "": one meeting, no repetition */
    const char *time_zone;    /* IANA name the rule runs in; NULL means UTC */
    wall_time first_start;    /* DTSTART: must itself be an occurrence of the rule */
    int64_t duration_seconds; /* each occurrence lasts this long, > 0 (elapsed time) */
    const int64_t *exdates;   /* UTC starts of occurrences left out; any order */
    size_t exdate_count;
} recurrence_series;

/* Which occurrences one expansion returns: those starting in [from, to)
 * (UTC seconds), at most `limit` (1..RECURRENCE_LIMIT_MAX). */
typedef struct {
    int64_t from;
    int64_t to;
    size_t limit;
} recurrence_window;

typedef struct {
    int64_t start, end;   /* UTC seconds; end = start + duration */
    wall_time wall_start; /* the start in the series' zone (RECURRENCE-ID) */
} occurrence;

typedef struct {
    occurrence *items; /* in order of start; NULL when count is 0 */
    size_t count;
    bool more; /* the window holds more occurrences after the last returned */
} occurrence_list;

/* Expands `series` into the occurrences in `window`. CV_ERR_INVALID with a
 * sentence in problem[RECURRENCE_PROBLEM_SIZE] when the rule or zone is
 * bad, the first start is not an occurrence of the rule, the rule ends
 * before it starts, occurrences in the window overlap each other, or
 * occurrences in the window fall on wall-clock times that do not exist or
 * are ambiguous (each named, up to five). CV_ERR_TOO_LARGE when reaching
 * the end of the window would take more than 250,000 steps of the rule
 * (a daily rule reaches 680 years, a minutely one 173 days).
 * On success *out owns its items (occurrence_list_free). */
cv_result recurrence_expand(const recurrence_series *series, const recurrence_window *window,
                            occurrence_list *out, char *problem);
void occurrence_list_free(occurrence_list *list);

#endif
