/*
 * test_scheduler_calendar.c - the iCalendar writer (calendar.c), the mail
 * builder (imip.c), who gets which mail (invitation.c) and the SMTP
 * sender's checks (smtp.c) without a network: the lines they must write,
 * the input they must refuse.
 * tests/integration/test_scheduler_calendar_mail.py parses the same
 * output with independent parsers and sends it to a real SMTP server.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <curl/curl.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "scheduler/calendar.h"
#include "scheduler/imip.h"
#include "scheduler/invitation.h"
#include "scheduler/smtp.h"

/* 2026-03-23T08:00:00Z, a Monday: 09:00 in Berlin */
#define MONDAY_UTC 1774252800
#define HOUR       3600

static const calendar_person organizer = {"ana@example.com", "Ana"};
static const calendar_person attendees[] = {{"bo@example.com", "Bo"}, {"cy@example.org", NULL}};

static calendar_event berlin_series(void)
{
    static const int64_t exdates[] = {MONDAY_UTC + 14 * 24 * HOUR - HOUR};
    calendar_event event = {0};
    event.uid = "series-1@convene";
    event.sequence = 2;
    event.summary = "Sync\x01 team";
    event.time_zone = "Europe/Berlin";
    event.start = MONDAY_UTC;
    event.end = MONDAY_UTC + HOUR;
    event.rrule = "FREQ=WEEKLY;BYDAY=MO;COUNT=10";
    event.exdates = exdates;
    event.exdate_count = 1;
    event.organizer = &organizer;
    event.attendees = attendees;
    event.attendee_count = 2;
    event.dial_uri = "sip:88001@video.example.com";
    event.call_id = "88001";
    event.passcode = "4321";
    event.stamp = MONDAY_UTC - 24 * HOUR;
    return event;
}

static char *write_document(calendar_method method, const calendar_event *events, size_t count)
{
    calendar_document document = {method, NULL, events, count};
    char *text = NULL, problem[CALENDAR_PROBLEM_SIZE];
    cv_result result = calendar_write(&document, &text, problem);
    if (result != CV_OK)
        fail_msg("calendar_write: %s", problem);
    return text;
}

/* not inlined: GCC 12 then mistakes the caller's later free() for a dangling use */
__attribute__((noinline)) static size_t occurrences_of(const char *text, const char *needle)
{
    size_t count = 0, offset = 0;
    const char *at;
    while ((at = strstr(text + offset, needle)) != NULL) {
        count++;
        offset = (size_t)(at - text) + 1;
    }
    return count;
}

static void addresses_are_checked(void **state)
{
    (void)state;
    const char *good[] = {"ana@example.com", "a.b+tag@sub.example.org", "x@localhost"};
    for (size_t i = 0; i < sizeof good / sizeof good[0]; i++)
        assert_int_equal(calendar_address_check(good[i]), CV_OK);
    const char *bad[] = {"",
                         "ana",
                         "@example.com",
                         "ana@",
                         "ana@@example.com",
                         "ana@example.com\r\nBcc: eve@example.com",
                         "ana <ana@example.com>",
                         "a b@example.com",
                         "ana@exa mple.com",
                         ".ana@example.com",
                         "ana.@example.com",
                         "ana@example..com",
                         "ana@.example.com",
                         NULL};
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++)
        assert_int_equal(calendar_address_check(bad[i]), CV_ERR_INVALID);
}

static void a_series_is_written_in_its_zone(void **state)
{
    (void)state;
    calendar_event events[2] = {berlin_series(), berlin_series()};
    events[1].uid = "single@convene";
    events[1].rrule = NULL;
    events[1].exdate_count = 0;
    char *text = write_document(CALENDAR_METHOD_REQUEST, events, 2);
    assert_non_null(strstr(text, "METHOD:REQUEST\r\n"));
    assert_int_equal(occurrences_of(text, "BEGIN:VTIMEZONE\r\nTZID:Europe/Berlin\r\n"), 1);
    assert_int_equal(occurrences_of(text, "BEGIN:VEVENT"), 2);
    assert_non_null(strstr(text, "DTSTART;TZID=Europe/Berlin:20260323T090000\r\n"));
    assert_non_null(strstr(text, "DTEND;TZID=Europe/Berlin:20260323T100000\r\n"));
    /* two weeks later, after the change to summer time: still 09:00 */
    assert_non_null(strstr(text, "EXDATE;TZID=Europe/Berlin:20260406T090000\r\n"));
    assert_non_null(strstr(text, "RRULE:FREQ=WEEKLY;COUNT=10;BYDAY=MO\r\n"));
    assert_non_null(strstr(text, "SEQUENCE:2\r\n"));
    assert_non_null(strstr(text, "SUMMARY:Sync  team\r\n"));
    assert_non_null(strstr(text, "ORGANIZER;CN=Ana:mailto:ana@example.com\r\n"));
    assert_int_equal(occurrences_of(text, "ATTENDEE;"), 4);
    assert_non_null(strstr(text, "LOCATION:sip:88001@video.example.com\r\n"));
    assert_non_null(strstr(text, "\\nCall ID: 88001\\nPasscode:"));
    assert_non_null(strstr(text, "STATUS:CONFIRMED\r\n"));
    free(text);
}

static void utc_meetings_cancels_and_exceptions(void **state)
{
    (void)state;
    calendar_event event = berlin_series();
    event.time_zone = NULL;
    event.rrule = NULL;
    event.exdate_count = 0;
    event.cancelled = true;
    char *text = write_document(CALENDAR_METHOD_CANCEL, &event, 1);
    assert_non_null(strstr(text, "METHOD:CANCEL\r\n"));
    assert_null(strstr(text, "VTIMEZONE"));
    assert_non_null(strstr(text, "DTSTART:20260323T080000Z\r\n"));
    assert_non_null(strstr(text, "STATUS:CANCELLED\r\n"));
    free(text);

    event = berlin_series();
    event.rrule = NULL;
    event.exdate_count = 0;
    event.has_recurrence_id = true;
    event.recurrence_id = MONDAY_UTC + 7 * 24 * HOUR - HOUR;
    text = write_document(CALENDAR_METHOD_REQUEST, &event, 1);
    assert_non_null(strstr(text, "RECURRENCE-ID;TZID=Europe/Berlin:20260330T090000\r\n"));
    free(text);
}

static void bad_events_are_refused(void **state)
{
    (void)state;
    calendar_person bad_person = {"ana@example.com\r\nX: y", NULL};
    calendar_event events[4] = {berlin_series(), berlin_series(), berlin_series(), berlin_series()};
    events[0].time_zone = "Europe/Atlantis";
    events[1].organizer = &bad_person;
    events[2].rrule = "FREQ=WEEKLY;BYDAY=1MO";
    events[3].end = events[3].start;
    const char *named[] = {"Europe/Atlantis", "organizer", "numbered BYDAY", "UID"};
    for (size_t i = 0; i < 4; i++) {
        calendar_document document = {CALENDAR_METHOD_NONE, NULL, &events[i], 1};
        char *text = NULL, problem[CALENDAR_PROBLEM_SIZE];
        assert_int_equal(calendar_write(&document, &text, problem), CV_ERR_INVALID);
        assert_null(text);
        if (!strstr(problem, named[i]))
            fail_msg("\"%s\" does not name %s", problem, named[i]);
    }
}

static imip_message invitation(const char *const *to, size_t count, const char *calendar)
{
    imip_message message = {"convene@example.com",
                            to,
                            count,
                            "Einladung: Wöchentliches Treffen über die Roadmap und alles Weitere",
                            "Join sip:88001@video.example.com",
                            calendar,
                            CALENDAR_METHOD_REQUEST,
                            "<m1@example.com>",
                            MONDAY_UTC};
    return message;
}

static void messages_are_mime_with_short_crlf_lines(void **state)
{
    (void)state;
    const char *to[] = {"bo@example.com", "cy@example.org"};
    imip_message message = invitation(to, 2, "BEGIN:VCALENDAR\r\nEND:VCALENDAR\r\n");
    char *text = NULL, problem[IMIP_PROBLEM_SIZE];
    assert_int_equal(imip_build(&message, &text, problem), CV_OK);
    assert_non_null(strstr(text, "From: convene@example.com\r\nTo: bo@example.com,\r\n "
                                 "cy@example.org\r\nSubject: =?UTF-8?B?"));
    assert_non_null(strstr(text, "Date: Mon, 23 Mar 2026 08:00:00 +0000\r\n"));
    assert_non_null(strstr(text, "Message-ID: <m1@example.com>\r\n"));
    assert_non_null(strstr(text, "Content-Type: text/calendar; charset=UTF-8; method=REQUEST"));
    assert_int_equal(occurrences_of(text, "Content-Transfer-Encoding: base64"), 2);
    for (const char *line = text; *line;) {
        const char *end = strstr(line, "\r\n");
        assert_non_null(end);
        assert_true(end - line <= 78);
        assert_null(memchr(line, '\n', (size_t)(end - line)));
        line = end + 2;
    }
    free(text);
}

static void bad_messages_are_refused(void **state)
{
    (void)state;
    const char *to[] = {"bo@example.com\r\nBcc: eve@example.com"};
    const char *good_to[] = {"bo@example.com"};
    imip_message messages[3] = {invitation(to, 1, NULL), invitation(good_to, 0, NULL),
                                invitation(good_to, 1, NULL)};
    messages[2].message_id = "m1@example.com";
    for (size_t i = 0; i < 3; i++) {
        char *text = NULL, problem[IMIP_PROBLEM_SIZE];
        assert_int_equal(imip_build(&messages[i], &text, problem), CV_ERR_INVALID);
        assert_null(text);
    }
    char id[80];
    assert_int_equal(imip_new_message_id("convene@mail.example.com", id, sizeof id), CV_OK);
    assert_int_equal(strlen(id), 1 + 36 + 1 + strlen("mail.example.com") + 1);
    assert_non_null(strstr(id, "@mail.example.com>"));
    assert_int_equal(imip_new_message_id("no address", id, sizeof id), CV_ERR_INVALID);
}

static void smtp_urls_and_unreachable_servers(void **state)
{
    (void)state;
    char problem[SMTP_PROBLEM_SIZE];
    bool has_user = true;
    assert_int_equal(smtp_url_check("smtp://mail.example.com", &has_user, problem), CV_OK);
    assert_false(has_user);
    assert_int_equal(smtp_url_check("smtps://mail.example.com:465", NULL, problem), CV_OK);
    assert_int_equal(smtp_url_check("smtp://convene@mail.example.com:587", &has_user, problem),
                     CV_OK);
    assert_true(has_user);
    const char *bad[] = {"http://mail.example.com",      "smtp://convene:pw@mail.example.com",
                         "smtp://mail.example.com/?x=1", "smtp://",
                         "smtp://mail example.com",      "mail.example.com"};
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++)
        assert_int_equal(smtp_url_check(bad[i], NULL, problem), CV_ERR_INVALID);
    assert_non_null(strstr(problem, "smtp://"));

    /* port 1 on loopback: nothing listens, so a temporary failure */
    const char *to[] = {"bo@example.com"};
    smtp_settings settings = {"smtp://127.0.0.1:1", NULL, NULL, SMTP_STARTTLS_IF_OFFERED, 5};
    cv_result result = smtp_send(&settings, "convene@example.com", to, 1, "x\r\n", problem);
    assert_int_equal(result, CV_ERR_NETWORK);
    assert_true(smtp_failure_is_temporary(result));
    assert_false(smtp_failure_is_temporary(CV_ERR_AUTH));
    /* a user in the URL needs a password */
    settings.url = "smtp://convene@127.0.0.1:1";
    assert_int_equal(smtp_send(&settings, "convene@example.com", to, 1, "x\r\n", problem),
                     CV_ERR_INVALID);
}

static void compose(mail_kind kind, const calendar_event *event, composed_mails *mails)
{
    mail_request request = {kind, event, "the bridge refused the call", "convene@example.com",
                            MONDAY_UTC - HOUR};
    char problem[INVITATION_PROBLEM_SIZE];
    if (mail_compose(&request, mails, problem) != CV_OK)
        fail_msg("mail_compose: %s", problem);
}

static void every_recipient_gets_a_message_of_their_own(void **state)
{
    (void)state;
    calendar_person people[] = {{"bo@example.com", "Bo"}, {"ANA@example.com", NULL}};
    calendar_event event = berlin_series();
    event.attendees = people;
    event.attendee_count = 2;
    composed_mails mails;
    compose(MAIL_REQUEST, &event, &mails);
    assert_int_equal(mails.count, 2); /* the organizer once, however spelt */
    assert_string_equal(mails.items[0].recipient, "ana@example.com");
    assert_string_equal(mails.items[1].recipient, "bo@example.com");
    assert_string_not_equal(mails.items[0].message_id, mails.items[1].message_id);
    for (size_t i = 0; i < mails.count; i++) {
        const char *text = mails.items[i].text;
        char to[300];
        snprintf(to, sizeof to, "\r\nTo: %s\r\n", mails.items[i].recipient);
        assert_non_null(strstr(text, to));
        assert_non_null(strstr(text, mails.items[i].message_id));
        assert_non_null(strstr(text, "method=REQUEST"));
    }
    composed_mails_free(&mails);

    event.sequence = 0;
    event.summary = "Plain";
    compose(MAIL_REQUEST, &event, &mails);
    assert_non_null(strstr(mails.items[0].text, "Subject: Invitation: Plain\r\n"));
    composed_mails_free(&mails);
    event.sequence = 1;
    compose(MAIL_REQUEST, &event, &mails);
    assert_non_null(strstr(mails.items[0].text, "Subject: Updated invitation: Plain\r\n"));
    composed_mails_free(&mails);
    compose(MAIL_CANCEL, &event, &mails);
    assert_non_null(strstr(mails.items[0].text, "Subject: Cancelled: Plain\r\n"));
    assert_non_null(strstr(mails.items[0].text, "method=CANCEL"));
    composed_mails_free(&mails);
}

static void notices_go_to_the_organizer_alone(void **state)
{
    (void)state;
    calendar_event event = berlin_series();
    event.summary = "Plain";
    composed_mails mails;
    compose(MAIL_START_FAILED, &event, &mails);
    assert_int_equal(mails.count, 1);
    assert_string_equal(mails.items[0].recipient, "ana@example.com");
    assert_non_null(strstr(mails.items[0].text, "Subject: Did not start: Plain\r\n"));
    assert_null(strstr(mails.items[0].text, "text/calendar"));
    composed_mails_free(&mails);
    compose(MAIL_UNREACHABLE, &event, &mails);
    assert_non_null(strstr(mails.items[0].text, "Subject: Participant not reached: Plain\r\n"));
    composed_mails_free(&mails);
    event.organizer = NULL;
    compose(MAIL_FAILOVER, &event, &mails);
    assert_int_equal(mails.count, 0);
    assert_null(mails.items);
    assert_string_equal(mail_kind_name(MAIL_FAILOVER), "failover");
}

int main(void)
{
    curl_global_init(CURL_GLOBAL_DEFAULT);
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(addresses_are_checked),
        cmocka_unit_test(a_series_is_written_in_its_zone),
        cmocka_unit_test(utc_meetings_cancels_and_exceptions),
        cmocka_unit_test(bad_events_are_refused),
        cmocka_unit_test(messages_are_mime_with_short_crlf_lines),
        cmocka_unit_test(bad_messages_are_refused),
        cmocka_unit_test(smtp_urls_and_unreachable_servers),
        cmocka_unit_test(every_recipient_gets_a_message_of_their_own),
        cmocka_unit_test(notices_go_to_the_organizer_alone),
    };
    int failed = cmocka_run_group_tests(tests, NULL, NULL);
    curl_global_cleanup();
    return failed;
}
