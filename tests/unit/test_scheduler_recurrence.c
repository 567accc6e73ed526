/*
 * test_scheduler_recurrence.c - zones and RRULE expansion (recurrence.c):
 * wall-clock times kept across both daylight-saving changes in
 * Europe/Berlin and America/New_York, weekly, monthly and yearly rules,
 * COUNT, UNTIL and endless rules in a window, more than 100 occurrences,
 * exdates, BYSETPOS, times that do not exist or are ambiguous, and the
 * rules and inputs that must be refused.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "scheduler/recurrence.h"

/* "YYYY-MM-DDTHH:MM:SS" read as UTC. */
static int64_t utc(const char *text)
{
    wall_time wall;
    assert_int_equal(wall_time_parse(text, &wall), CV_OK);
    int64_t instant = 0;
    wall_time_kind kind;
    assert_int_equal(wall_time_to_utc("UTC", &wall, &instant, &kind), CV_OK);
    assert_int_equal(kind, WALL_TIME_EXISTS);
    return instant;
}

static wall_time wall(const char *text)
{
    wall_time parsed;
    assert_int_equal(wall_time_parse(text, &parsed), CV_OK);
    return parsed;
}

/* Expands into `list`, failing the test unless it works. */
static void expand(const char *zone, const char *rrule, const char *first, int64_t duration,
                   int64_t from, int64_t to, size_t limit, occurrence_list *list)
{
    recurrence_series series = {rrule, zone, wall(first), duration, NULL, 0};
    recurrence_window window = {from, to, limit};
    char problem[RECURRENCE_PROBLEM_SIZE];
    cv_result result = recurrence_expand(&series, &window, list, problem);
    if (result != CV_OK)
        fail_msg("%s: %s", rrule ? rrule : "(single)", problem);
}

static void assert_start(const occurrence *item, const char *wall_text, const char *utc_text)
{
    char text[WALL_TIME_TEXT_SIZE];
    wall_time_format(&item->wall_start, text, sizeof text);
    assert_string_equal(text, wall_text);
    assert_int_equal(item->start, utc(utc_text));
}

static void wall_times_parse_strictly(void **state)
{
    (void)state;
    wall_time parsed;
    assert_int_equal(wall_time_parse("2026-03-29T02:30:00", &parsed), CV_OK);
    assert_int_equal(parsed.year, 2026);
    assert_int_equal(parsed.hour, 2);
    assert_int_equal(parsed.minute, 30);
    const char *bad[] = {"2026-03-29T02:30:00Z",
                         "2026-03-29T02:30",
                         "2026-02-30T09:00:00",
                         "2026-13-01T09:00:00",
                         "2026-03-29T24:00:00",
                         "2026-03-29 09:00:00",
                         "1969-12-31T23:59:59",
                         "2026-03-29T09:00:60",
                         "",
                         "x"};
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++)
        assert_int_equal(wall_time_parse(bad[i], &parsed), CV_ERR_INVALID);
}

static void zones_come_from_the_system_database(void **state)
{
    (void)state;
    assert_string_equal(recurrence_zone_directory(), "/usr/share/zoneinfo");
    assert_int_equal(time_zone_check("Europe/Berlin"), CV_OK);
    assert_int_equal(time_zone_check("America/New_York"), CV_OK);
    assert_int_equal(time_zone_check("America/Argentina/Buenos_Aires"), CV_OK);
    assert_int_equal(time_zone_check("UTC"), CV_OK);
    const char *bad[] = {"Europe/Nowhere",  "../../etc/passwd", "/usr/share/zoneinfo/UTC",
                         "Europe//Berlin",  "Europe/",          "",
                         "Europe/Berlin\n", "America",          "Europe/./Berlin"};
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++)
        assert_int_equal(time_zone_check(bad[i]), CV_ERR_INVALID);
}

static void assert_kind(const char *zone, const char *text, wall_time_kind expected)
{
    wall_time local = wall(text);
    int64_t instant = -1;
    wall_time_kind kind;
    assert_int_equal(wall_time_to_utc(zone, &local, &instant, &kind), CV_OK);
    if (kind != expected)
        fail_msg("%s in %s: %s, expected %s", text, zone, wall_time_kind_name(kind),
                 wall_time_kind_name(expected));
}

static void gaps_and_repeats_are_found(void **state)
{
    (void)state;
    /* 2026: Europe changes on 29 March and 25 October, the US on 8 March
     * and 1 November */
    assert_kind("Europe/Berlin", "2026-03-29T01:59:59", WALL_TIME_EXISTS);
    assert_kind("Europe/Berlin", "2026-03-29T02:00:00", WALL_TIME_SKIPPED);
    assert_kind("Europe/Berlin", "2026-03-29T02:30:00", WALL_TIME_SKIPPED);
    assert_kind("Europe/Berlin", "2026-03-29T03:00:00", WALL_TIME_EXISTS);
    assert_kind("Europe/Berlin", "2026-10-25T02:30:00", WALL_TIME_REPEATED);
    assert_kind("Europe/Berlin", "2026-10-25T03:00:00", WALL_TIME_EXISTS);
    assert_kind("America/New_York", "2026-03-08T02:30:00", WALL_TIME_SKIPPED);
    assert_kind("America/New_York", "2026-11-01T01:30:00", WALL_TIME_REPEATED);
    assert_kind("America/New_York", "2026-11-01T02:30:00", WALL_TIME_EXISTS);
    assert_kind("UTC", "2026-03-29T02:30:00", WALL_TIME_EXISTS);
    /* the rules go on past the last transition written in the zone file */
    assert_kind("Europe/Berlin", "2040-03-25T02:30:00", WALL_TIME_SKIPPED);
    assert_kind("America/New_York", "2061-11-06T01:30:00", WALL_TIME_REPEATED);

    wall_time local = wall("2026-07-01T09:00:00");
    int64_t instant;
    wall_time_kind kind;
    assert_int_equal(wall_time_to_utc("Europe/Berlin", &local, &instant, &kind), CV_OK);
    assert_int_equal(instant, utc("2026-07-01T07:00:00"));
    wall_time back;
    int offset;
    assert_int_equal(
        utc_to_wall_time("America/New_York", utc("2026-01-15T15:00:00"), &back, &offset), CV_OK);
    assert_int_equal(back.hour, 10);
    assert_int_equal(offset, -5 * 3600);
    assert_int_equal(wall_time_to_utc("Mars/Olympus", &local, &instant, &kind), CV_ERR_INVALID);
}

static void local_times_are_read_in_a_zone(void **state)
{
    (void)state;
    int64_t instant = 0;
    char problem[RECURRENCE_PROBLEM_SIZE];
    assert_int_equal(
        wall_time_read_in_zone("2026-01-15T10:00:00", "America/New_York", &instant, problem),
        CV_OK);
    assert_int_equal(instant, utc("2026-01-15T15:00:00"));
    assert_int_equal(
        wall_time_read_in_zone("2026-03-29T02:30:00", "Europe/Berlin", &instant, problem),
        CV_ERR_INVALID);
    assert_string_equal(problem, "2026-03-29T02:30:00 does not exist in Europe/Berlin");
    assert_int_equal(
        wall_time_read_in_zone("2026-11-01T01:30:00", "America/New_York", &instant, problem),
        CV_ERR_INVALID);
    assert_string_equal(problem, "2026-11-01T01:30:00 is ambiguous in America/New_York");
    assert_int_equal(
        wall_time_read_in_zone("2026-01-15T10:00:00Z", "Europe/Berlin", &instant, problem),
        CV_ERR_INVALID);
    assert_non_null(strstr(problem, "without an offset"));
    assert_int_equal(wall_time_read_in_zone("2026-01-15T10:00:00", "Nowhere", &instant, problem),
                     CV_ERR_INVALID);
    assert_non_null(strstr(problem, "not a known IANA zone"));
}

static void weekly_in_berlin_keeps_nine_across_both_changes(void **state)
{
    (void)state;
    occurrence_list list;
    expand("Europe/Berlin", "FREQ=WEEKLY;BYDAY=MO,WE;UNTIL=20261104T235959Z", "2026-03-23T09:00:00",
           3600, 0, utc("2100-01-01T00:00:00"), 1000, &list);
    assert_int_equal(list.count, 66);
    assert_false(list.more);
    assert_start(&list.items[0], "2026-03-23T09:00:00", "2026-03-23T08:00:00");
    assert_start(&list.items[1], "2026-03-25T09:00:00", "2026-03-25T08:00:00");
    assert_start(&list.items[2], "2026-03-30T09:00:00", "2026-03-30T07:00:00");
    assert_start(&list.items[61], "2026-10-21T09:00:00", "2026-10-21T07:00:00");
    assert_start(&list.items[62], "2026-10-26T09:00:00", "2026-10-26T08:00:00");
    assert_start(&list.items[65], "2026-11-04T09:00:00", "2026-11-04T08:00:00");
    for (size_t i = 0; i < list.count; i++) {
        assert_int_equal(list.items[i].wall_start.hour, 9);
        assert_int_equal(list.items[i].end - list.items[i].start, 3600);
    }
    occurrence_list_free(&list);
}

static void monthly_in_new_york_keeps_ten_across_both_changes(void **state)
{
    (void)state;
    occurrence_list list;
    /* the second Tuesday of each month, twelve times */
    expand("America/New_York", "FREQ=MONTHLY;BYDAY=2TU;COUNT=12", "2026-01-13T10:00:00", 1800, 0,
           utc("2100-01-01T00:00:00"), 100, &list);
    assert_int_equal(list.count, 12);
    assert_start(&list.items[0], "2026-01-13T10:00:00", "2026-01-13T15:00:00");
    assert_start(&list.items[1], "2026-02-10T10:00:00", "2026-02-10T15:00:00");
    assert_start(&list.items[2], "2026-03-10T10:00:00", "2026-03-10T14:00:00");
    assert_start(&list.items[9], "2026-10-13T10:00:00", "2026-10-13T14:00:00");
    assert_start(&list.items[10], "2026-11-10T10:00:00", "2026-11-10T15:00:00");
    assert_start(&list.items[11], "2026-12-08T10:00:00", "2026-12-08T15:00:00");
    occurrence_list_free(&list);
}

static void yearly_and_last_weekday_rules(void **state)
{
    (void)state;
    occurrence_list list;
    expand("Europe/Berlin", "FREQ=YEARLY;BYMONTH=2;BYMONTHDAY=29;COUNT=3", "2028-02-29T12:00:00",
           3600, 0, utc("2100-01-01T00:00:00"), 10, &list);
    assert_int_equal(list.count, 3);
    assert_start(&list.items[2], "2036-02-29T12:00:00", "2036-02-29T11:00:00");
    occurrence_list_free(&list);

    expand("America/New_York", "FREQ=MONTHLY;BYDAY=MO,TU,WE,TH,FR;BYSETPOS=-1;COUNT=4",
           "2026-01-30T16:00:00", 3600, 0, utc("2100-01-01T00:00:00"), 10, &list);
    assert_int_equal(list.count, 4);
    assert_start(&list.items[1], "2026-02-27T16:00:00", "2026-02-27T21:00:00");
    assert_start(&list.items[2], "2026-03-31T16:00:00", "2026-03-31T20:00:00");
    assert_start(&list.items[3], "2026-04-30T16:00:00", "2026-04-30T20:00:00");
    occurrence_list_free(&list);

    /* a month without a 31st is passed over, not moved */
    expand("UTC", "FREQ=MONTHLY;BYMONTHDAY=31;COUNT=3", "2026-01-31T09:00:00", 3600, 0,
           utc("2100-01-01T00:00:00"), 10, &list);
    assert_start(&list.items[1], "2026-03-31T09:00:00", "2026-03-31T09:00:00");
    assert_start(&list.items[2], "2026-05-31T09:00:00", "2026-05-31T09:00:00");
    occurrence_list_free(&list);
}

static void count_until_and_more_than_a_hundred(void **state)
{
    (void)state;
    occurrence_list list;
    expand("Europe/Berlin", "FREQ=DAILY;COUNT=3650", "2026-01-01T09:00:00", 1800, 0,
           utc("2100-01-01T00:00:00"), 5000, &list);
    assert_int_equal(list.count, 3650);
    assert_start(&list.items[3649], "2035-12-29T09:00:00", "2035-12-29T08:00:00");
    occurrence_list_free(&list);

    /* UNTIL in UTC includes an occurrence starting exactly then */
    expand("Europe/Berlin", "FREQ=DAILY;UNTIL=20260310T080000Z", "2026-03-01T09:00:00", 1800, 0,
           utc("2100-01-01T00:00:00"), 100, &list);
    assert_int_equal(list.count, 10);
    occurrence_list_free(&list);
    /* an UNTIL date includes its whole local day */
    expand("America/New_York", "FREQ=DAILY;UNTIL=20260310", "2026-03-01T23:00:00", 1800, 0,
           utc("2100-01-01T00:00:00"), 100, &list);
    assert_int_equal(list.count, 10);
    assert_start(&list.items[9], "2026-03-10T23:00:00", "2026-03-11T03:00:00");
    occurrence_list_free(&list);
}

static void endless_rules_expand_only_their_window(void **state)
{
    (void)state;
    occurrence_list list;
    assert_true(recurrence_rule_is_endless("FREQ=WEEKLY;BYDAY=FR"));
    assert_false(recurrence_rule_is_endless("FREQ=WEEKLY;COUNT=2"));
    assert_false(recurrence_rule_is_endless("FREQ=WEEKLY;UNTIL=20300101T000000Z"));
    expand("Europe/Berlin", "FREQ=WEEKLY;BYDAY=FR", "2026-01-02T15:00:00", 3600,
           utc("2026-06-01T00:00:00"), utc("2027-06-01T00:00:00"), 1000, &list);
    assert_int_equal(list.count, 52);
    assert_false(list.more);
    assert_start(&list.items[0], "2026-06-05T15:00:00", "2026-06-05T13:00:00");
    occurrence_list_free(&list);

    /* a limit smaller than the window says there is more */
    expand("Europe/Berlin", "FREQ=WEEKLY;BYDAY=FR", "2026-01-02T15:00:00", 3600,
           utc("2026-06-01T00:00:00"), utc("2027-06-01T00:00:00"), 10, &list);
    assert_int_equal(list.count, 10);
    assert_true(list.more);
    occurrence_list_free(&list);

    /* a single meeting is one occurrence, in the window or not */
    expand("Europe/Berlin", NULL, "2026-05-05T10:00:00", 600, 0, utc("2030-01-01T00:00:00"), 1,
           &list);
    assert_int_equal(list.count, 1);
    assert_start(&list.items[0], "2026-05-05T10:00:00", "2026-05-05T08:00:00");
    occurrence_list_free(&list);
    expand("Europe/Berlin", NULL, "2026-05-05T10:00:00", 600, utc("2026-06-01T00:00:00"),
           utc("2030-01-01T00:00:00"), 1, &list);
    assert_int_equal(list.count, 0);
    occurrence_list_free(&list);
}

static void exdates_leave_occurrences_out(void **state)
{
    (void)state;
    int64_t exdates[] = {utc("2026-04-08T07:00:00"), utc("2026-03-25T08:00:00"),
                         utc("2026-04-08T09:00:00") /* not an occurrence: ignored */};
    recurrence_series series = {
        "FREQ=WEEKLY;COUNT=5", "Europe/Berlin", wall("2026-03-18T09:00:00"), 3600, exdates, 3};
    recurrence_window window = {0, utc("2100-01-01T00:00:00"), 10};
    occurrence_list list;
    char problem[RECURRENCE_PROBLEM_SIZE];
    assert_int_equal(recurrence_expand(&series, &window, &list, problem), CV_OK);
    assert_int_equal(list.count, 3);
    assert_start(&list.items[0], "2026-03-18T09:00:00", "2026-03-18T08:00:00");
    assert_start(&list.items[1], "2026-04-01T09:00:00", "2026-04-01T07:00:00");
    assert_start(&list.items[2], "2026-04-15T09:00:00", "2026-04-15T07:00:00");
    occurrence_list_free(&list);
}

static void expect_problem(const char *zone, const char *rrule, const char *first, int64_t duration,
                           cv_result expected, const char *named)
{
    recurrence_series series = {rrule, zone, wall(first), duration, NULL, 0};
    recurrence_window window = {0, utc("2100-01-01T00:00:00"), 1000};
    occurrence_list list;
    char problem[RECURRENCE_PROBLEM_SIZE];
    cv_result result = recurrence_expand(&series, &window, &list, problem);
    if (result != expected)
        fail_msg("%s: got %s (%s)", rrule, cv_result_name(result), problem);
    if (!strstr(problem, named))
        fail_msg("%s: \"%s\" does not name \"%s\"", rrule, problem, named);
    assert_null(list.items);
    assert_int_equal(list.count, 0);
}

static void times_that_do_not_exist_or_repeat_are_named(void **state)
{
    (void)state;
    expect_problem("Europe/Berlin", "FREQ=WEEKLY;BYDAY=SU;COUNT=6", "2026-03-15T02:30:00", 1800,
                   CV_ERR_INVALID, "in Europe/Berlin: 2026-03-29T02:30:00 does not exist");
    expect_problem("Europe/Berlin", "FREQ=WEEKLY;BYDAY=SU;COUNT=3", "2026-10-18T02:30:00", 1800,
                   CV_ERR_INVALID, "2026-10-25T02:30:00 is ambiguous");
    expect_problem("America/New_York", "FREQ=YEARLY;BYMONTH=3;BYDAY=2SU;COUNT=2",
                   "2026-03-08T02:15:00", 1800, CV_ERR_INVALID,
                   "2026-03-08T02:15:00 does not exist, 2027-03-14T02:15:00 does not exist");
    expect_problem("America/New_York", NULL, "2026-11-01T01:30:00", 1800, CV_ERR_INVALID,
                   "2026-11-01T01:30:00 is ambiguous");
    /* more than five are counted, not all named */
    expect_problem("Europe/Berlin", "FREQ=YEARLY;BYMONTH=3;BYDAY=-1SU;COUNT=8",
                   "2026-03-29T02:00:00", 1800, CV_ERR_INVALID, " and 3 more");
}

static void bad_rules_are_refused(void **state)
{
    (void)state;
    char problem[RECURRENCE_PROBLEM_SIZE];
    struct {
        const char *rule;
        const char *named;
    } cases[] = {
        {"FREQ=FORTNIGHTLY", "not a valid RFC 5545 rule"},
        {"RRULE:FREQ=DAILY", "one RRULE value"},
        {"", "one RRULE value"},
        {"FREQ=DAILY;COUNT=2;UNTIL=20270101T000000Z", "not a valid"},
        {"FREQ=DAILY;INTERVAL=0", "not a valid"},
        {"FREQ=WEEKLY;BYDAY=XX", "not a valid"},
        {"FREQ=WEEKLY;BYDAY=1MO", "numbered BYDAY"},
        {"FREQ=DAILY;BYDAY=-1FR", "numbered BYDAY"},
        {"FREQ=WEEKLY;BYMONTHDAY=3", "BYMONTHDAY is not allowed"},
        {"FREQ=MONTHLY;BYWEEKNO=3", "BYWEEKNO is only allowed"},
        {"FREQ=MONTHLY;BYYEARDAY=3", "BYYEARDAY is not allowed"},
        {"FREQ=MONTHLY;BYSETPOS=1", "BYSETPOS needs"},
        {"FREQ=DAILY;UNTIL=20270101T000000", "UNTIL must be a UTC time"},
        {"FREQ=DAILY\r\nX-INJECTED:1", "one RRULE value"},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        problem[0] = '\0';
        if (recurrence_rule_check(cases[i].rule, problem) != CV_ERR_INVALID)
            fail_msg("accepted %s", cases[i].rule);
        if (!strstr(problem, cases[i].named))
            fail_msg("%s: \"%s\" does not say \"%s\"", cases[i].rule, problem, cases[i].named);
    }
    const char *good[] = {"FREQ=SECONDLY;INTERVAL=3600",      "FREQ=MINUTELY;INTERVAL=90",
                          "FREQ=HOURLY;INTERVAL=4",           "FREQ=DAILY",
                          "FREQ=WEEKLY;WKST=SU;BYDAY=TU,TH",  "FREQ=MONTHLY;BYMONTHDAY=-1",
                          "FREQ=YEARLY;BYWEEKNO=20;BYDAY=MO", "FREQ=YEARLY;BYYEARDAY=100"};
    for (size_t i = 0; i < sizeof good / sizeof good[0]; i++)
        if (recurrence_rule_check(good[i], problem) != CV_OK)
            fail_msg("refused %s: %s", good[i], problem);
}

static void series_that_cannot_be_booked_are_refused(void **state)
{
    (void)state;
    expect_problem("Europe/Berlin", "FREQ=WEEKLY;BYDAY=MO", "2026-03-03T09:00:00", 1800,
                   CV_ERR_INVALID, "start 2026-03-03T09:00:00 is not an occurrence");
    expect_problem("UTC", "FREQ=HOURLY;COUNT=3", "2026-03-03T09:00:00", 7200, CV_ERR_INVALID,
                   "occurrences overlap: the one at 2026-03-03T10:00:00");
    expect_problem("UTC", "FREQ=YEARLY;BYMONTH=2;BYMONTHDAY=30", "2026-02-28T09:00:00", 60,
                   CV_ERR_INVALID, "never produces");
    expect_problem("UTC", "FREQ=DAILY;UNTIL=20260101T000000Z", "2026-03-03T09:00:00", 60,
                   CV_ERR_INVALID, "ends before the start");
    expect_problem("Europe/Atlantis", "FREQ=DAILY", "2026-03-03T09:00:00", 60, CV_ERR_INVALID,
                   "timeZone \"Europe/Atlantis\" is not a known IANA zone");
    /* reaching a window years away one minute at a time is bounded */
    recurrence_series series = {"FREQ=MINUTELY", "UTC", wall("2026-01-01T00:00:00"), 30, NULL, 0};
    recurrence_window window = {utc("2030-01-01T00:00:00"), utc("2030-01-02T00:00:00"), 10};
    occurrence_list list;
    char problem[RECURRENCE_PROBLEM_SIZE];
    assert_int_equal(recurrence_expand(&series, &window, &list, problem), CV_ERR_TOO_LARGE);
    assert_non_null(strstr(problem, "more than 250000 steps"));
}

static void zones_become_vtimezones_named_as_iana_does(void **state)
{
    (void)state;
    char *text = NULL;
    assert_int_equal(time_zone_vtimezone("Europe/Berlin", utc("2026-01-01T00:00:00"), &text),
                     CV_OK);
    assert_non_null(strstr(text, "BEGIN:VTIMEZONE\r\nTZID:Europe/Berlin\r\n"));
    assert_non_null(strstr(text, "TZOFFSETTO:+0200"));
    assert_non_null(strstr(text, "BYMONTH=3"));
    assert_null(strstr(text, "1916")); /* history before `from` is left out */
    free(text);
    assert_int_equal(time_zone_vtimezone("UTC", 0, &text), CV_ERR_INVALID);
    assert_int_equal(time_zone_vtimezone("Nowhere/Else", 0, &text), CV_ERR_INVALID);
    assert_null(text);
}

static void rules_are_ended_by_count_or_until(void **state)
{
    (void)state;
    char *text = NULL;
    assert_int_equal(recurrence_rule_limit("FREQ=WEEKLY;BYDAY=MO;COUNT=10", 0,
                                           utc("2027-03-22T06:59:59"), &text),
                     CV_OK);
    assert_string_equal(text, "FREQ=WEEKLY;UNTIL=20270322T065959Z;BYDAY=MO");
    free(text);
    assert_int_equal(recurrence_rule_limit("FREQ=DAILY;UNTIL=20300101T000000Z", 4, 0, &text),
                     CV_OK);
    assert_string_equal(text, "FREQ=DAILY;COUNT=4");
    free(text);
    assert_int_equal(recurrence_rule_limit("FREQ=SOMETIMES", 4, 0, &text), CV_ERR_INVALID);
    assert_null(text);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(wall_times_parse_strictly),
        cmocka_unit_test(zones_come_from_the_system_database),
        cmocka_unit_test(gaps_and_repeats_are_found),
        cmocka_unit_test(local_times_are_read_in_a_zone),
        cmocka_unit_test(weekly_in_berlin_keeps_nine_across_both_changes),
        cmocka_unit_test(monthly_in_new_york_keeps_ten_across_both_changes),
        cmocka_unit_test(yearly_and_last_weekday_rules),
        cmocka_unit_test(count_until_and_more_than_a_hundred),
        cmocka_unit_test(endless_rules_expand_only_their_window),
        cmocka_unit_test(exdates_leave_occurrences_out),
        cmocka_unit_test(times_that_do_not_exist_or_repeat_are_named),
        cmocka_unit_test(bad_rules_are_refused),
        cmocka_unit_test(series_that_cannot_be_booked_are_refused),
        cmocka_unit_test(zones_become_vtimezones_named_as_iana_does),
        cmocka_unit_test(rules_are_ended_by_count_or_until),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
