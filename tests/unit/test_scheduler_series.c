/*
 * test_scheduler_series.c - the timeZone, recurrence, exdates,
 * skipConflicts, organizer and attendees members of a booking request
 * (series.c), participants' e-mails among the attendees:
 * what they become, and the 400s that name the member.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <string.h>

#include "scheduler/recurrence.h"
#include "scheduler/series.h"

/* Stands in for the booking code's RFC 3339 reader: "...Z" only. */
static cv_result utc_only(const char *text, int64_t *out)
{
    char copy[WALL_TIME_TEXT_SIZE];
    if (strlen(text) != 20 || text[19] != 'Z')
        return CV_ERR_INVALID;
    memcpy(copy, text, 19);
    copy[19] = '\0';
    wall_time wall;
    wall_time_kind kind;
    if (wall_time_parse(copy, &wall) != CV_OK)
        return CV_ERR_INVALID;
    return wall_time_to_utc("UTC", &wall, out, &kind);
}

static int64_t utc(const char *text)
{
    int64_t out = 0;
    assert_int_equal(utc_only(text, &out), CV_OK);
    return out;
}

static cv_result read(const char *json_text, series_request *request, series_error *error)
{
    json_error_t problem;
    json_t *document = json_loads(json_text, 0, &problem);
    if (!document)
        fail_msg("bad test JSON: %s", problem.text);
    series_request_init(request);
    cv_result result = series_request_from_json(document, utc_only, request, error);
    json_decref(document);
    return result;
}

static void a_full_series_is_read(void **state)
{
    (void)state;
    series_request request;
    series_error error;
    assert_int_equal(read("{\"title\": \"x\", \"timeZone\": \"Europe/Berlin\","
                          " \"recurrence\": {\"rrule\": \"FREQ=WEEKLY;BYDAY=MO\","
                          "  \"exdates\": [\"2026-04-06T09:00:00\", \"2026-04-13T07:00:00Z\"]},"
                          " \"skipConflicts\": true,"
                          " \"organizer\": {\"email\": \"ana@example.com\", \"name\": \"Ana\"}}",
                          &request, &error),
                     CV_OK);
    assert_true(request.has_time_zone);
    assert_string_equal(request.time_zone, "Europe/Berlin");
    assert_string_equal(request.rrule, "FREQ=WEEKLY;BYDAY=MO");
    assert_int_equal(request.exdate_count, 2);
    assert_int_equal(request.exdates[0], utc("2026-04-06T07:00:00Z")); /* summer time */
    assert_int_equal(request.exdates[1], utc("2026-04-13T07:00:00Z"));
    assert_true(request.skip_conflicts);
    assert_string_equal(request.organizer, "ana@example.com");
    assert_string_equal(request.organizer_name, "Ana");
    series_request_clear(&request);

    assert_int_equal(read("{\"organizer\": \"bo@example.com\", \"exdates\": [],"
                          " \"recurrence\": {\"rrule\": \"FREQ=DAILY;COUNT=3\"}}",
                          &request, &error),
                     CV_OK);
    assert_false(request.has_time_zone);
    assert_string_equal(request.organizer, "bo@example.com");
    assert_string_equal(request.organizer_name, "");
    assert_int_equal(request.exdate_count, 0);
    assert_false(request.skip_conflicts);
    series_request_clear(&request);

    assert_int_equal(read("{\"title\": \"one meeting\"}", &request, &error), CV_OK);
    assert_null(request.rrule);
    assert_false(request.has_organizer);
    series_request_clear(&request);
    assert_true(series_owns_member("recurrence"));
    assert_true(series_owns_member("timeZone"));
    assert_false(series_owns_member("start"));
}

static void bad_members_are_named(void **state)
{
    (void)state;
    struct {
        const char *json;
        const char *field;
        const char *says;
    } cases[] = {
        {"{\"timeZone\": \"Europe/Atlantis\"}", "timeZone", "IANA"},
        {"{\"timeZone\": 1}", "timeZone", "IANA"},
        {"{\"recurrence\": \"FREQ=DAILY\"}", "recurrence", "object"},
        {"{\"recurrence\": {}}", "recurrence.rrule", "required"},
        {"{\"recurrence\": {\"rrule\": \"FREQ=DAILY\", \"count\": 3}}", "recurrence", "only"},
        {"{\"recurrence\": {\"rrule\": \"FREQ=WEEKLY;BYDAY=1MO\"}}", "recurrence.rrule",
         "numbered BYDAY"},
        {"{\"exdates\": [\"2026-04-06T07:00:00Z\"]}", "exdates", "needs recurrence"},
        {"{\"timeZone\": \"Europe/Berlin\", \"recurrence\": {\"rrule\": \"FREQ=DAILY\","
         " \"exdates\": [\"2026-04-06T09:00:00\", \"2026-03-29T02:30:00\"]}}",
         "recurrence.exdates[1]", "2026-03-29T02:30:00 does not exist in Europe/Berlin"},
        {"{\"recurrence\": {\"rrule\": \"FREQ=DAILY\", \"exdates\": [\"2026-04-06T09:00:00\"]}}",
         "recurrence.exdates[0]", "or give timeZone"},
        {"{\"recurrence\": {\"rrule\": \"FREQ=DAILY\", \"exdates\": [\"2026-04-06T07:00:00Z\"]},"
         " \"exdates\": [\"2026-04-07T07:00:00Z\"]}",
         "exdates", "not both"},
        {"{\"skipConflicts\": \"yes\"}", "skipConflicts", "true or false"},
        {"{\"organizer\": \"ana@example.com\\r\\nBcc: eve@example.com\"}", "organizer", "e-mail"},
        {"{\"organizer\": {\"email\": \"ana@example.com\", \"role\": \"chair\"}}", "organizer",
         "only"},
        {"{\"attendees\": \"bo@example.com\"}", "attendees", "list"},
        {"{\"attendees\": [\"bo@example.com\", {\"email\": \"x\"}]}", "attendees[1]", "e-mail"},
        {"{\"attendees\": [\"bo@example.com\", \"BO@example.com\"]}", "attendees[1]",
         "same address"},
        {"{\"attendees\": [{\"email\": \"bo@example.com\", \"name\": 7}]}", "attendees[0]", "only"},
        {"{\"participants\": [{\"uri\": \"sip:a@b.c\", \"email\": \"a\\r\\nBcc: e@x.y\"}]}",
         "participants[0].email", "e-mail"},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        series_request request;
        series_error error;
        if (read(cases[i].json, &request, &error) != CV_ERR_INVALID)
            fail_msg("accepted %s", cases[i].json);
        if (strcmp(error.field, cases[i].field) != 0 || !strstr(error.message, cases[i].says))
            fail_msg("%s: %s \"%s\"", cases[i].json, error.field, error.message);
        assert_null(request.rrule);
        assert_null(request.exdates);
        assert_null(request.attendees);
    }
}

static void attendees_and_participants_emails_are_read(void **state)
{
    (void)state;
    series_request request;
    series_error error;
    assert_int_equal(
        read("{\"attendees\": [\"bo@example.com\","
             " {\"email\": \"cy@example.com\", \"name\": \"Cy\"}],"
             " \"participants\": [{\"uri\": \"sip:d@b.c\", \"email\": \"di@example.com\"},"
             "  {\"uri\": \"sip:e@b.c\", \"email\": \"BO@example.com\"},"
             "  {\"uri\": \"sip:f@b.c\"}]}",
             &request, &error),
        CV_OK);
    assert_true(request.has_attendees);
    assert_int_equal(request.attendee_count, 3); /* bo once: addresses ignore case */
    assert_string_equal(request.attendees[0].email, "bo@example.com");
    assert_string_equal(request.attendees[1].name, "Cy");
    assert_string_equal(request.attendees[2].email, "di@example.com");
    series_request_clear(&request);
    json_t *body = json_pack("{s:[{s:s}]}", "participants", "uri", "sip:f@b.c");
    assert_false(series_participant_has_email(body));
    json_object_set_new(json_array_get(json_object_get(body, "participants"), 0), "email",
                        json_string("f@example.com"));
    assert_true(series_participant_has_email(body));
    json_decref(body);
}

static void times_local_to_the_zone_or_with_an_offset(void **state)
{
    (void)state;
    int64_t instant;
    char message[SERIES_MESSAGE_SIZE];
    assert_int_equal(
        series_read_time("2026-07-01T09:00:00", "Europe/Berlin", utc_only, &instant, message),
        CV_OK);
    assert_int_equal(instant, utc("2026-07-01T07:00:00Z"));
    assert_int_equal(
        series_read_time("2026-07-01T09:00:00Z", "Europe/Berlin", utc_only, &instant, message),
        CV_OK);
    assert_int_equal(instant, utc("2026-07-01T09:00:00Z"));
    assert_int_equal(series_read_time("2026-07-01T09:00:00", NULL, utc_only, &instant, message),
                     CV_ERR_INVALID);
    assert_non_null(strstr(message, "or give timeZone"));
    assert_int_equal(
        series_read_time("2026-11-01T01:30:00", "America/New_York", utc_only, &instant, message),
        CV_ERR_INVALID);
    assert_string_equal(message, "2026-11-01T01:30:00 is ambiguous in America/New_York");
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(a_full_series_is_read),
        cmocka_unit_test(bad_members_are_named),
        cmocka_unit_test(times_local_to_the_zone_or_with_an_offset),
        cmocka_unit_test(attendees_and_participants_emails_are_read),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
