/*
 * recurrence.c - zones, wall-clock times and RRULE expansion over libical.
 *
 * Owns: the lock around libical's zone code, the RFC 5545 rules libical
 * does not enforce itself, the window and step bounds of an expansion.
 * Does not own: anything stored (see recurrence.h).
 */
#include "scheduler/recurrence.h"

#include <libical/ical.h>

#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "common/strbuf.h"

/* Guards every call into libical's zone code: zones load lazily into a
 * process-wide cache and their tables of changes grow as they are used.
 * Held only for the length of one public call. (libical keeps its error
 * number per thread.) */
static pthread_mutex_t zone_lock = PTHREAD_MUTEX_INITIALIZER;

/* Steps of the rule an expansion may take before it gives up: about half
 * a second of libical at one step a minute, longest of all rules. */
#define RECURRENCE_STEPS_MAX 250000
/* Wall-time problems named in one answer. */
#define PROBLEMS_NAMED_MAX 5
#define ZONE_NAME_MAX      64
/* Bounds of any zone's offset from UTC (UTC-12 .. UTC+14), with an hour
 * to spare: the instant of a wall-clock time lies within them. */
#define ZONE_OFFSET_WEST_MAX (13 * 3600)
#define ZONE_OFFSET_EAST_MAX (15 * 3600)

static const char *const wall_time_kind_names[] = {
    [WALL_TIME_EXISTS] = "exists",
    [WALL_TIME_SKIPPED] = "does not exist",
    [WALL_TIME_REPEATED] = "is ambiguous",
};

const char *wall_time_kind_name(wall_time_kind kind)
{
    if ((unsigned)kind >= sizeof wall_time_kind_names / sizeof wall_time_kind_names[0])
        return "unknown";
    return wall_time_kind_names[kind];
}

static bool is_leap_year(int year)
{
    return (year % 4 == 0 && year % 100 != 0) || year % 400 == 0;
}

static int days_in_month(int year, int month)
{
    static const int days[] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
    return month == 2 && is_leap_year(year) ? 29 : days[month - 1];
}

static bool wall_time_is_valid(const wall_time *time)
{
    return time->year >= 1970 && time->year <= 9999 && time->month >= 1 && time->month <= 12 &&
           time->day >= 1 && time->day <= days_in_month(time->year, time->month) &&
           time->hour >= 0 && time->hour <= 23 && time->minute >= 0 && time->minute <= 59 &&
           time->second >= 0 && time->second <= 59;
}

static int digits_value(const char *text, int count)
{
    int value = 0;
    for (int i = 0; i < count; i++) {
        if (text[i] < '0' || text[i] > '9')
            return -1;
        value = value * 10 + (text[i] - '0');
    }
    return value;
}

cv_result wall_time_parse(const char *text, wall_time *out)
{
    /* positions of the separators in "YYYY-MM-DDTHH:MM:SS" */
    if (!text || strlen(text) != 19 || text[4] != '-' || text[7] != '-' ||
        (text[10] != 'T' && text[10] != 't') || text[13] != ':' || text[16] != ':')
        return CV_ERR_INVALID;
    wall_time parsed = {digits_value(text, 4),      digits_value(text + 5, 2),
                        digits_value(text + 8, 2),  digits_value(text + 11, 2),
                        digits_value(text + 14, 2), digits_value(text + 17, 2)};
    if (!wall_time_is_valid(&parsed))
        return CV_ERR_INVALID;
    *out = parsed;
    return CV_OK;
}

void wall_time_format(const wall_time *time, char *out, size_t size)
{
    snprintf(out, size, "%04d-%02d-%02dT%02d:%02d:%02d", time->year, time->month, time->day,
             time->hour, time->minute, time->second);
}

/* The wall-clock time read as if it were UTC: seconds since 1970 on the
 * local calendar. Differences between two such values are wall-clock
 * differences. */
static int64_t wall_seconds(const wall_time *time)
{
    struct tm fields = {.tm_year = time->year - 1900,
                        .tm_mon = time->month - 1,
                        .tm_mday = time->day,
                        .tm_hour = time->hour,
                        .tm_min = time->minute,
                        .tm_sec = time->second};
    return (int64_t)timegm(&fields);
}

static wall_time wall_from_seconds(int64_t seconds)
{
    time_t value = (time_t)seconds;
    struct tm fields;
    gmtime_r(&value, &fields);
    return (wall_time){fields.tm_year + 1900, fields.tm_mon + 1, fields.tm_mday,
                       fields.tm_hour,        fields.tm_min,     fields.tm_sec};
}

/* A plain zone name: segments of letters, digits, '_', '+', '-' joined by
 * single '/', none starting with '.', so it can only name a file below
 * the zone directory. */
static bool zone_name_is_plain(const char *name)
{
    size_t length = strlen(name);
    if (length == 0 || length > ZONE_NAME_MAX || name[0] == '/' || name[length - 1] == '/')
        return false;
    for (size_t i = 0; i < length; i++) {
        char c = name[i];
        bool ordinary = (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') ||
                        (c >= '0' && c <= '9') || c == '_' || c == '+' || c == '-';
        if (c == '/' && name[i + 1] != '/' && name[i + 1] != '.')
            continue;
        if (!ordinary)
            return false;
    }
    return true;
}

/* The libical zone for `name` (NULL or "UTC": UTC), or NULL when unknown.
 * Caller holds zone_lock; the zone lives as long as the process. */
static icaltimezone *zone_find(const char *name)
{
    if (!name || strcmp(name, "UTC") == 0)
        return icaltimezone_get_utc_timezone();
    if (!zone_name_is_plain(name))
        return NULL;
    return icaltimezone_get_builtin_timezone(name);
}

cv_result time_zone_check(const char *name)
{
    if (!name)
        return CV_ERR_INVALID;
    pthread_mutex_lock(&zone_lock);
    icaltimezone *zone = zone_find(name);
    pthread_mutex_unlock(&zone_lock);
    return zone ? CV_OK : CV_ERR_INVALID;
}

const char *recurrence_zone_directory(void)
{
    pthread_mutex_lock(&zone_lock);
    const char *directory =
        icaltimezone_get_builtin_tzdata() ? "" : icaltzutil_get_zone_directory();
    pthread_mutex_unlock(&zone_lock);
    return directory ? directory : "";
}

/* The zone's offset from UTC (seconds east) at the instant `utc`. */
static int offset_at(icaltimezone *zone, int64_t utc)
{
    struct icaltimetype at =
        icaltime_from_timet_with_zone((time_t)utc, 0, icaltimezone_get_utc_timezone());
    return icaltimezone_get_utc_offset_of_utc_time(zone, &at, NULL);
}

/* Solves utc + offset_at(utc) = local. Every instant that can show this
 * time lies within 14 hours of it, and its offset is one the zone has
 * somewhere in the 40 hours around it; zones never change offset twice
 * within 40 hours, so sampling those points finds every candidate, and
 * each candidate is kept only if it reads back as the same time. */
static wall_time_kind solve_local(icaltimezone *zone, int64_t local, int64_t *utc)
{
    static const int64_t samples[] = {-40 * 3600, -14 * 3600, 0, 14 * 3600, 40 * 3600};
    int64_t found[2] = {0, 0};
    int count = 0;
    for (size_t i = 0; i < sizeof samples / sizeof samples[0]; i++) {
        int64_t candidate = local - offset_at(zone, local + samples[i]);
        if (candidate + offset_at(zone, candidate) != local)
            continue;
        if ((count >= 1 && found[0] == candidate) || (count == 2 && found[1] == candidate))
            continue;
        if (count < 2)
            found[count] = candidate;
        count++;
    }
    if (count == 0) {
        /* read with the offset in force before the gap, as RFC 5545 says */
        *utc = local - offset_at(zone, local - 40 * 3600);
        return WALL_TIME_SKIPPED;
    }
    *utc = count == 1 ? found[0] : (found[0] < found[1] ? found[0] : found[1]);
    return count == 1 ? WALL_TIME_EXISTS : WALL_TIME_REPEATED;
}

cv_result wall_time_to_utc(const char *zone_name, const wall_time *wall, int64_t *utc,
                           wall_time_kind *kind)
{
    if (!wall_time_is_valid(wall))
        return CV_ERR_INVALID;
    pthread_mutex_lock(&zone_lock);
    icaltimezone *zone = zone_find(zone_name);
    int64_t instant = 0;
    wall_time_kind found = WALL_TIME_EXISTS;
    if (zone)
        found = solve_local(zone, wall_seconds(wall), &instant);
    pthread_mutex_unlock(&zone_lock);
    if (!zone)
        return CV_ERR_INVALID;
    *kind = found;
    if (found == WALL_TIME_EXISTS)
        *utc = instant;
    return CV_OK;
}

cv_result wall_time_read_in_zone(const char *text, const char *zone, int64_t *utc, char *problem)
{
    wall_time wall;
    if (wall_time_parse(text, &wall) != CV_OK) {
        snprintf(problem, RECURRENCE_PROBLEM_SIZE,
                 "must be a time such as 2026-03-23T09:00:00, without an offset when timeZone "
                 "is given");
        return CV_ERR_INVALID;
    }
    wall_time_kind kind = WALL_TIME_EXISTS;
    if (wall_time_to_utc(zone, &wall, utc, &kind) != CV_OK) {
        snprintf(problem, RECURRENCE_PROBLEM_SIZE, "timeZone \"%.64s\" is not a known IANA zone",
                 zone ? zone : "");
        return CV_ERR_INVALID;
    }
    if (kind != WALL_TIME_EXISTS) {
        char shown[WALL_TIME_TEXT_SIZE];
        wall_time_format(&wall, shown, sizeof shown);
        snprintf(problem, RECURRENCE_PROBLEM_SIZE, "%s %s in %.64s", shown,
                 wall_time_kind_name(kind), zone ? zone : "UTC");
        return CV_ERR_INVALID;
    }
    return CV_OK;
}

cv_result utc_to_wall_time(const char *zone_name, int64_t utc, wall_time *out, int *offset_seconds)
{
    pthread_mutex_lock(&zone_lock);
    icaltimezone *zone = zone_find(zone_name);
    int offset = zone ? offset_at(zone, utc) : 0;
    pthread_mutex_unlock(&zone_lock);
    if (!zone)
        return CV_ERR_INVALID;
    *out = wall_from_seconds(utc + offset);
    if (offset_seconds)
        *offset_seconds = offset;
    return CV_OK;
}

cv_result time_zone_vtimezone(const char *name, int64_t from, char **out)
{
    *out = NULL;
    pthread_mutex_lock(&zone_lock);
    icaltimezone *zone = zone_find(name);
    icalcomponent *copy = NULL;
    if (zone && zone != icaltimezone_get_utc_timezone())
        copy = icalcomponent_new_clone(icaltimezone_get_component(zone));
    if (copy) {
        /* libical names its zones "/freeassociation.sourceforge.net/Europe/
         * Berlin"; calendar clients know the IANA name */
        icalproperty *tzid = icalcomponent_get_first_property(copy, ICAL_TZID_PROPERTY);
        if (tzid)
            icalproperty_set_tzid(tzid, name);
        struct icaltimetype start =
            icaltime_from_timet_with_zone((time_t)from, 0, icaltimezone_get_utc_timezone());
        icaltimezone_truncate_vtimezone(copy, start, icaltime_null_time(), 0);
        *out = icalcomponent_as_ical_string_r(copy);
        icalcomponent_free(copy);
    }
    pthread_mutex_unlock(&zone_lock);
    if (!zone || zone == icaltimezone_get_utc_timezone())
        return CV_ERR_INVALID;
    return *out ? CV_OK : CV_ERR_NO_MEMORY;
}

static bool has_parts(const short *list)
{
    return list[0] != ICAL_RECURRENCE_ARRAY_MAX;
}

/* The RFC 5545 section 3.3.10 restrictions libical leaves unchecked;
 * NULL when the rule keeps them. */
static const char *rule_restriction(const struct icalrecurrencetype *rule)
{
    icalrecurrencetype_frequency freq = rule->freq;
    if (rule->rscale)
        return "RSCALE is not supported";
    if (rule->count > 0 && !icaltime_is_null_time(rule->until))
        return "COUNT and UNTIL cannot both be given";
    if (!icaltime_is_null_time(rule->until) && !rule->until.is_date &&
        !icaltime_is_utc(rule->until))
        return "UNTIL must be a UTC time (ending in Z) or a date";
    if (has_parts(rule->by_week_no) && freq != ICAL_YEARLY_RECURRENCE)
        return "BYWEEKNO is only allowed with FREQ=YEARLY";
    if (has_parts(rule->by_year_day) &&
        (freq == ICAL_DAILY_RECURRENCE || freq == ICAL_WEEKLY_RECURRENCE ||
         freq == ICAL_MONTHLY_RECURRENCE))
        return "BYYEARDAY is not allowed with FREQ=DAILY, WEEKLY or MONTHLY";
    if (has_parts(rule->by_month_day) && freq == ICAL_WEEKLY_RECURRENCE)
        return "BYMONTHDAY is not allowed with FREQ=WEEKLY";
    for (int i = 0; i < ICAL_BY_DAY_SIZE && rule->by_day[i] != ICAL_RECURRENCE_ARRAY_MAX; i++) {
        if (icalrecurrencetype_day_position(rule->by_day[i]) == 0)
            continue;
        if (freq != ICAL_MONTHLY_RECURRENCE && freq != ICAL_YEARLY_RECURRENCE)
            return "a numbered BYDAY (1MO, -1FR) needs FREQ=MONTHLY or FREQ=YEARLY";
        if (freq == ICAL_YEARLY_RECURRENCE && has_parts(rule->by_week_no))
            return "a numbered BYDAY cannot be combined with BYWEEKNO";
    }
    if (has_parts(rule->by_set_pos) &&
        !(has_parts(rule->by_second) || has_parts(rule->by_minute) || has_parts(rule->by_hour) ||
          has_parts(rule->by_day) || has_parts(rule->by_month_day) ||
          has_parts(rule->by_year_day) || has_parts(rule->by_week_no) || has_parts(rule->by_month)))
        return "BYSETPOS needs another BY part to select from";
    return NULL;
}

/* Parses and checks `text`; caller holds zone_lock (libical's error
 * number). The rule owns rule->rscale when set. */
static cv_result rule_parse(const char *text, struct icalrecurrencetype *rule, char *problem)
{
    if (!text || !*text || strlen(text) > 1024 || strpbrk(text, "\r\n:")) {
        snprintf(problem, RECURRENCE_PROBLEM_SIZE,
                 "recurrence.rrule must be one RRULE value such as FREQ=WEEKLY;BYDAY=MO");
        return CV_ERR_INVALID;
    }
    icalerror_clear_errno();
    *rule = icalrecurrencetype_from_string(text);
    if (rule->freq == ICAL_NO_RECURRENCE || icalerrno != ICAL_NO_ERROR) {
        icalerror_clear_errno();
        snprintf(problem, RECURRENCE_PROBLEM_SIZE,
                 "recurrence.rrule \"%.80s\" is not a valid RFC 5545 rule", text);
        return CV_ERR_INVALID;
    }
    const char *restriction = rule_restriction(rule);
    if (restriction) {
        free(rule->rscale);
        snprintf(problem, RECURRENCE_PROBLEM_SIZE, "recurrence.rrule: %s", restriction);
        return CV_ERR_INVALID;
    }
    return CV_OK;
}

static void rule_release(struct icalrecurrencetype *rule)
{
    free(rule->rscale);
    rule->rscale = NULL;
}

cv_result recurrence_rule_check(const char *rrule, char *problem)
{
    struct icalrecurrencetype rule;
    pthread_mutex_lock(&zone_lock);
    cv_result result = rule_parse(rrule, &rule, problem);
    pthread_mutex_unlock(&zone_lock);
    if (result == CV_OK)
        rule_release(&rule);
    return result;
}

cv_result recurrence_rule_limit(const char *rrule, int count, int64_t until, char **out)
{
    char problem[RECURRENCE_PROBLEM_SIZE];
    struct icalrecurrencetype rule;
    *out = NULL;
    pthread_mutex_lock(&zone_lock);
    cv_result result = rule_parse(rrule, &rule, problem);
    if (result == CV_OK) {
        rule.count = count > 0 ? count : 0;
        rule.until = count > 0 ? icaltime_null_time()
                               : icaltime_from_timet_with_zone((time_t)until, 0,
                                                               icaltimezone_get_utc_timezone());
        char *text = icalrecurrencetype_as_string_r(&rule);
        *out = text ? strdup(text) : NULL;
        icalmemory_free_buffer(text);
        result = *out ? CV_OK : CV_ERR_NO_MEMORY;
        rule_release(&rule);
    }
    pthread_mutex_unlock(&zone_lock);
    return result;
}

bool recurrence_rule_is_endless(const char *rrule)
{
    char problem[RECURRENCE_PROBLEM_SIZE];
    struct icalrecurrencetype rule;
    pthread_mutex_lock(&zone_lock);
    cv_result result = rule_parse(rrule, &rule, problem);
    pthread_mutex_unlock(&zone_lock);
    if (result != CV_OK)
        return false;
    rule_release(&rule);
    return rule.count == 0 && icaltime_is_null_time(rule.until);
}

void occurrence_list_free(occurrence_list *list)
{
    free(list->items);
    list->items = NULL;
    list->count = 0;
    list->more = false;
}

static int compare_instants(const void *left, const void *right)
{
    int64_t a = *(const int64_t *)left, b = *(const int64_t *)right;
    return (a > b) - (a < b);
}

/* What one expansion carries between steps. */
typedef struct {
    const recurrence_series *series;
    const recurrence_window *window;
    icaltimezone *zone;
    struct icaltimetype until; /* the rule's UNTIL, applied here (libical sees none) */
    int64_t *exdates;          /* sorted copy */
    occurrence_list *out;
    strbuf problems;   /* the wall-clock times named so far */
    int problem_count; /* how many there were, named or not */
    int64_t last_end;  /* end of the previous occurrence; overlap check */
    bool have_last;
    char overlap[RECURRENCE_PROBLEM_SIZE];
} expansion;

/* True when the occurrence at `wall` (the instant `utc`) is past the
 * rule's UNTIL: a UTC time compares instants, a date compares local dates
 * (rule_restriction allows no other UNTIL). */
static bool past_until(const expansion *state, const wall_time *wall, int64_t utc)
{
    const struct icaltimetype *until = &state->until;
    if (icaltime_is_null_time(*until))
        return false;
    if (until->is_date) {
        int date = wall->year * 10000 + wall->month * 100 + wall->day;
        return date > until->year * 10000 + until->month * 100 + until->day;
    }
    wall_time until_wall = {until->year, until->month,  until->day,
                            until->hour, until->minute, until->second};
    return utc > wall_seconds(&until_wall);
}

static void name_problem(expansion *state, const wall_time *wall, wall_time_kind kind)
{
    state->problem_count++;
    if (state->problem_count > PROBLEMS_NAMED_MAX)
        return;
    char text[WALL_TIME_TEXT_SIZE];
    wall_time_format(wall, text, sizeof text);
    strbuf_printf(&state->problems, "%s%s %s", state->problem_count > 1 ? ", " : "", text,
                  wall_time_kind_name(kind));
}

/* Handles one step of the rule. Returns false when expansion is done. */
static bool take_step(expansion *state, const wall_time *wall)
{
    int64_t local = wall_seconds(wall);
    if (local + ZONE_OFFSET_WEST_MAX < state->window->from)
        /* certainly before the window, so only UNTIL matters: stop when
         * even the earliest instant this time could be is past it */
        return !past_until(state, wall, local - ZONE_OFFSET_EAST_MAX);
    int64_t start;
    wall_time_kind kind = solve_local(state->zone, local, &start);
    if (past_until(state, wall, start) || start >= state->window->to)
        return false;
    int64_t end = start + state->series->duration_seconds;
    if (state->have_last && start < state->last_end && !state->overlap[0]) {
        char text[WALL_TIME_TEXT_SIZE];
        wall_time_format(wall, text, sizeof text);
        snprintf(state->overlap, sizeof state->overlap,
                 "occurrences overlap: the one at %s starts before the one before it ends", text);
    }
    state->last_end = end;
    state->have_last = true;
    if (start < state->window->from ||
        (state->series->exdate_count && bsearch(&start, state->exdates, state->series->exdate_count,
                                                sizeof(int64_t), compare_instants)))
        return true;
    if (kind != WALL_TIME_EXISTS) {
        name_problem(state, wall, kind);
        return true;
    }
    occurrence_list *out = state->out;
    if (out->count == state->window->limit) {
        out->more = true;
        return false;
    }
    out->items[out->count++] = (occurrence){start, end, *wall};
    return true;
}

static wall_time wall_from_ical(struct icaltimetype time)
{
    return (wall_time){time.year, time.month, time.day, time.hour, time.minute, time.second};
}

static struct icaltimetype ical_from_wall(const wall_time *wall)
{
    struct icaltimetype time = icaltime_null_time();
    time.year = wall->year;
    time.month = wall->month;
    time.day = wall->day;
    time.hour = wall->hour;
    time.minute = wall->minute;
    time.second = wall->second;
    return time;
}

/* Walks the rule from DTSTART; caller holds zone_lock. */
static cv_result walk_rule(expansion *state, struct icalrecurrencetype *rule, char *problem)
{
    const recurrence_series *series = state->series;
    state->until = rule->until;
    rule->until = icaltime_null_time();
    icalerror_clear_errno();
    icalrecur_iterator *iterator =
        icalrecur_iterator_new(*rule, ical_from_wall(&series->first_start));
    if (!iterator) {
        icalerror_clear_errno();
        snprintf(problem, RECURRENCE_PROBLEM_SIZE, "recurrence.rrule never produces a meeting");
        return CV_ERR_INVALID;
    }
    cv_result result = CV_OK;
    for (long step = 0;; step++) {
        struct icaltimetype next = icalrecur_iterator_next(iterator);
        if (icaltime_is_null_time(next))
            break;
        wall_time wall = wall_from_ical(next);
        if (step == 0 && wall_seconds(&wall) != wall_seconds(&series->first_start)) {
            char text[WALL_TIME_TEXT_SIZE];
            wall_time_format(&series->first_start, text, sizeof text);
            snprintf(problem, RECURRENCE_PROBLEM_SIZE,
                     "start %s is not an occurrence of recurrence.rrule", text);
            result = CV_ERR_INVALID;
            break;
        }
        int64_t first_utc = 0;
        if (step == 0)
            solve_local(state->zone, wall_seconds(&wall), &first_utc);
        if (step == 0 && past_until(state, &wall, first_utc)) {
            snprintf(problem, RECURRENCE_PROBLEM_SIZE, "recurrence.rrule ends before the start");
            result = CV_ERR_INVALID;
            break;
        }
        if (step == RECURRENCE_STEPS_MAX) {
            snprintf(problem, RECURRENCE_PROBLEM_SIZE,
                     "recurrence.rrule needs more than %d steps to reach the window",
                     RECURRENCE_STEPS_MAX);
            result = CV_ERR_TOO_LARGE;
            break;
        }
        if (!take_step(state, &wall))
            break;
    }
    icalrecur_iterator_free(iterator);
    return result;
}

/* Expands a series without a rule: its one meeting. */
static cv_result expand_single(expansion *state)
{
    take_step(state, &state->series->first_start);
    return CV_OK;
}

static cv_result expansion_finish(expansion *state, cv_result result, char *problem)
{
    if (result == CV_OK && state->overlap[0]) {
        snprintf(problem, RECURRENCE_PROBLEM_SIZE, "%s", state->overlap);
        result = CV_ERR_INVALID;
    }
    if (result == CV_OK && state->problem_count > 0) {
        const char *zone = state->series->time_zone ? state->series->time_zone : "UTC";
        if (state->problem_count > PROBLEMS_NAMED_MAX)
            strbuf_printf(&state->problems, " and %d more",
                          state->problem_count - PROBLEMS_NAMED_MAX);
        snprintf(problem, RECURRENCE_PROBLEM_SIZE, "in %s: %s", zone, strbuf_str(&state->problems));
        result = CV_ERR_INVALID;
    }
    if (result == CV_OK && strbuf_status(&state->problems) != CV_OK)
        result = CV_ERR_NO_MEMORY;
    strbuf_free(&state->problems);
    free(state->exdates);
    if (result != CV_OK)
        occurrence_list_free(state->out);
    return result;
}

static cv_result expansion_start(expansion *state, const recurrence_series *series,
                                 const recurrence_window *window, occurrence_list *out,
                                 char *problem)
{
    memset(state, 0, sizeof *state);
    *out = (occurrence_list){NULL, 0, false};
    state->series = series;
    state->window = window;
    state->out = out;
    strbuf_init(&state->problems);
    if (series->duration_seconds <= 0 || !wall_time_is_valid(&series->first_start) ||
        window->limit == 0 || window->limit > RECURRENCE_LIMIT_MAX || window->from > window->to) {
        snprintf(problem, RECURRENCE_PROBLEM_SIZE, "the series or window is out of range");
        return CV_ERR_INVALID;
    }
    state->zone = zone_find(series->time_zone);
    if (!state->zone) {
        snprintf(problem, RECURRENCE_PROBLEM_SIZE, "timeZone \"%.64s\" is not a known IANA zone",
                 series->time_zone);
        return CV_ERR_INVALID;
    }
    if (series->exdate_count) {
        state->exdates = malloc(series->exdate_count * sizeof(int64_t));
        if (!state->exdates)
            return CV_ERR_NO_MEMORY;
        memcpy(state->exdates, series->exdates, series->exdate_count * sizeof(int64_t));
        qsort(state->exdates, series->exdate_count, sizeof(int64_t), compare_instants);
    }
    out->items = malloc(window->limit * sizeof(occurrence));
    return out->items ? CV_OK : CV_ERR_NO_MEMORY;
}

cv_result recurrence_expand(const recurrence_series *series, const recurrence_window *window,
                            occurrence_list *out, char *problem)
{
    problem[0] = '\0';
    expansion state;
    pthread_mutex_lock(&zone_lock);
    cv_result result = expansion_start(&state, series, window, out, problem);
    bool has_rule = series->rrule && *series->rrule;
    if (result == CV_OK && !has_rule)
        result = expand_single(&state);
    else if (result == CV_OK) {
        struct icalrecurrencetype rule;
        result = rule_parse(series->rrule, &rule, problem);
        if (result == CV_OK) {
            result = walk_rule(&state, &rule, problem);
            rule_release(&rule);
        }
    }
    result = expansion_finish(&state, result, problem);
    pthread_mutex_unlock(&zone_lock);
    return result;
}
