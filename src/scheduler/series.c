/*
 * series.c - the time zone, recurrence and organizer members of a booking
 * request; see series.h.
 *
 * Owns: the member names and their checks. Does not own: zone data and
 * rule syntax (recurrence.c), address syntax (calendar.c).
 */
#include "scheduler/series.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/text.h"
#include "scheduler/calendar.h"
#include "scheduler/recurrence.h"

static const char *const owned_members[] = {"timeZone",      "recurrence", "exdates",
                                            "skipConflicts", "organizer",  "attendees"};

bool series_owns_member(const char *name)
{
    for (size_t i = 0; i < sizeof owned_members / sizeof owned_members[0]; i++)
        if (strcmp(name, owned_members[i]) == 0)
            return true;
    return false;
}

void series_request_init(series_request *request)
{
    memset(request, 0, sizeof *request);
}

void series_request_clear(series_request *request)
{
    free(request->rrule);
    free(request->exdates);
    free(request->attendees);
    series_request_init(request);
}

static cv_result refuse(series_error *error, const char *field, const char *message)
{
    snprintf(error->field, sizeof error->field, "%s", field);
    snprintf(error->message, sizeof error->message, "%s", message);
    return CV_ERR_INVALID;
}

cv_result series_read_time(const char *text, const char *time_zone,
                           series_instant_parser parse_instant, int64_t *utc, char *message)
{
    wall_time wall;
    if (time_zone && *time_zone && wall_time_parse(text, &wall) == CV_OK)
        return wall_time_read_in_zone(text, time_zone, utc, message);
    if (parse_instant(text, utc) == CV_OK)
        return CV_OK;
    snprintf(message, SERIES_MESSAGE_SIZE, "%s",
             time_zone && *time_zone
                 ? "must be a local time such as 2026-03-23T09:00:00 or an RFC 3339 time"
                 : "must be an RFC 3339 time with an offset, such as 2026-03-23T08:00:00Z "
                   "(or give timeZone)");
    return CV_ERR_INVALID;
}

static cv_result read_time_zone(const json_t *value, series_request *request, series_error *error)
{
    const char *name = json_string_value(value);
    if (!name || strlen(name) > SERIES_ZONE_MAX || time_zone_check(name) != CV_OK)
        return refuse(error, "timeZone",
                      "must be an IANA time zone name such as Europe/Berlin or UTC");
    request->has_time_zone = true;
    snprintf(request->time_zone, sizeof request->time_zone, "%s", name);
    return CV_OK;
}

static cv_result read_exdates(const json_t *list, const char *field, series_instant_parser parse,
                              series_request *request, series_error *error)
{
    if (!json_is_array(list) || json_array_size(list) > SERIES_EXDATES_MAX)
        return refuse(error, field, "must be a list of at most 1000 times");
    size_t count = json_array_size(list);
    if (count == 0)
        return CV_OK;
    request->exdates = calloc(count, sizeof(int64_t));
    if (!request->exdates)
        return CV_ERR_NO_MEMORY;
    for (size_t i = 0; i < count; i++) {
        char name[SERIES_FIELD_SIZE], message[SERIES_MESSAGE_SIZE];
        snprintf(name, sizeof name, "%s[%zu]", field, i);
        const char *text = json_string_value(json_array_get(list, i));
        if (!text)
            return refuse(error, name, "must be a time");
        if (series_read_time(text, request->time_zone, parse, &request->exdates[i], message) !=
            CV_OK)
            return refuse(error, name, message);
        request->exdate_count++;
    }
    return CV_OK;
}

static cv_result read_recurrence(const json_t *value, series_instant_parser parse,
                                 series_request *request, series_error *error)
{
    if (!value || json_is_null(value))
        return CV_OK;
    if (!json_is_object(value))
        return refuse(error, "recurrence",
                      "must be an object such as {\"rrule\": \"FREQ=WEEKLY\"}");
    const char *name;
    json_t *member;
    json_object_foreach((json_t *)value, name, member)
    {
        if (strcmp(name, "rrule") != 0 && strcmp(name, "exdates") != 0)
            return refuse(error, "recurrence", "has only the members rrule and exdates");
    }
    const char *rule = json_string_value(json_object_get(value, "rrule"));
    if (!rule)
        return refuse(error, "recurrence.rrule", "is required: an RFC 5545 RRULE value");
    char problem[RECURRENCE_PROBLEM_SIZE];
    if (recurrence_rule_check(rule, problem) != CV_OK)
        return refuse(error, "recurrence.rrule", problem);
    request->rrule = strdup(rule);
    if (!request->rrule)
        return CV_ERR_NO_MEMORY;
    const json_t *exdates = json_object_get(value, "exdates");
    return exdates ? read_exdates(exdates, "recurrence.exdates", parse, request, error) : CV_OK;
}

/* A person as "ana@example.com" or {"email": ..., "name": ...}, named
 * `field` in errors, into email[SERIES_ADDRESS_MAX + 1] and
 * name[SERIES_NAME_MAX + 1]. */
static cv_result read_person(const json_t *value, const char *field, char *email, char *name_out,
                             series_error *error)
{
    const char *address = json_string_value(value);
    const char *name = NULL;
    char where[SERIES_FIELD_SIZE];
    if (json_is_object(value)) {
        address = json_string_value(json_object_get(value, "email"));
        name = json_string_value(json_object_get(value, "name"));
        if (json_object_size(value) != (size_t)(1 + (json_object_get(value, "name") != NULL)) ||
            (json_object_get(value, "name") && !name))
            return refuse(error, field, "has only the members email and name (strings)");
    }
    if (!address || calendar_address_check(address) != CV_OK)
        return refuse(error, field, "must be an e-mail address such as ana@example.com");
    snprintf(where, sizeof where, "%s.name", field);
    if (name && (strlen(name) > SERIES_NAME_MAX || !text_is_valid_utf8(name, strlen(name))))
        return refuse(error, where, "must be UTF-8 text of at most 200 bytes");
    snprintf(email, SERIES_ADDRESS_MAX + 1, "%s", address);
    snprintf(name_out, SERIES_NAME_MAX + 1, "%s", name ? name : "");
    return CV_OK;
}

static cv_result read_organizer(const json_t *value, series_request *request, series_error *error)
{
    cv_result result =
        read_person(value, "organizer", request->organizer, request->organizer_name, error);
    request->has_organizer = result == CV_OK;
    return result;
}

/* "attendees": a list of people invited by e-mail, no address twice. */
static cv_result read_attendees(const json_t *list, series_request *request, series_error *error)
{
    if (!json_is_array(list) || json_array_size(list) > SERIES_ATTENDEES_MAX)
        return refuse(error, "attendees", "must be a list of at most 100 people");
    request->has_attendees = true;
    size_t count = json_array_size(list);
    if (count == 0)
        return CV_OK;
    request->attendees = calloc(count, sizeof *request->attendees);
    if (!request->attendees)
        return CV_ERR_NO_MEMORY;
    for (size_t i = 0; i < count; i++) {
        char field[SERIES_FIELD_SIZE];
        snprintf(field, sizeof field, "attendees[%zu]", i);
        series_attendee *person = &request->attendees[i];
        cv_result result =
            read_person(json_array_get(list, i), field, person->email, person->name, error);
        if (result != CV_OK)
            return result;
        for (size_t j = 0; j < i; j++)
            if (text_equals_ignore_case(request->attendees[j].email, person->email))
                return refuse(error, field, "names the same address as an earlier attendee");
        request->attendee_count++;
    }
    return CV_OK;
}

/* Adds `email` (from `field`) to the attendees unless it is there. */
static cv_result add_attendee(series_request *request, const char *email, const char *field,
                              series_error *error)
{
    if (calendar_address_check(email) != CV_OK)
        return refuse(error, field, "must be an e-mail address such as ana@example.com");
    for (size_t i = 0; i < request->attendee_count; i++)
        if (text_equals_ignore_case(request->attendees[i].email, email))
            return CV_OK;
    if (request->attendee_count >= SERIES_ATTENDEES_MAX)
        return refuse(error, field, "makes more than 100 attendees");
    series_attendee *grown =
        realloc(request->attendees, (request->attendee_count + 1) * sizeof *grown);
    if (!grown)
        return CV_ERR_NO_MEMORY;
    request->attendees = grown;
    memset(&grown[request->attendee_count], 0, sizeof *grown);
    snprintf(grown[request->attendee_count++].email, SERIES_ADDRESS_MAX + 1, "%s", email);
    request->has_attendees = true;
    return CV_OK;
}

/* "participants[i].email": a participant's e-mail makes it an attendee
 * too (the SIP address is for the bridge, the e-mail for the calendar). */
static cv_result read_participant_emails(const json_t *document, series_request *request,
                                         series_error *error)
{
    const json_t *list = json_object_get(document, "participants");
    for (size_t i = 0; i < json_array_size(list); i++) {
        const json_t *email = json_object_get(json_array_get(list, i), "email");
        if (!email || json_is_null(email))
            continue;
        char field[SERIES_FIELD_SIZE];
        snprintf(field, sizeof field, "participants[%zu].email", i);
        if (!json_is_string(email))
            return refuse(error, field, "must be an e-mail address such as ana@example.com");
        cv_result result = add_attendee(request, json_string_value(email), field, error);
        if (result != CV_OK)
            return result;
    }
    return CV_OK;
}

bool series_participant_has_email(const json_t *document)
{
    const json_t *list = json_object_get(document, "participants");
    for (size_t i = 0; i < json_array_size(list); i++)
        if (json_object_get(json_array_get(list, i), "email"))
            return true;
    return false;
}

static cv_result read_members(const json_t *document, series_instant_parser parse,
                              series_request *request, series_error *error)
{
    const json_t *value = json_object_get(document, "timeZone");
    if (value && !json_is_null(value) && read_time_zone(value, request, error) != CV_OK)
        return CV_ERR_INVALID;
    cv_result result =
        read_recurrence(json_object_get(document, "recurrence"), parse, request, error);
    if (result != CV_OK)
        return result;
    value = json_object_get(document, "exdates");
    if (value && request->exdates)
        return refuse(error, "exdates", "give exdates here or in recurrence, not both");
    if (value && !request->rrule)
        return refuse(error, "exdates", "needs recurrence");
    if (value && (result = read_exdates(value, "exdates", parse, request, error)) != CV_OK)
        return result;
    value = json_object_get(document, "skipConflicts");
    if (value && !json_is_boolean(value))
        return refuse(error, "skipConflicts", "must be true or false");
    request->skip_conflicts = json_is_true(value);
    value = json_object_get(document, "organizer");
    if (value && !json_is_null(value) && (result = read_organizer(value, request, error)) != CV_OK)
        return result;
    value = json_object_get(document, "attendees");
    if (value && !json_is_null(value) && (result = read_attendees(value, request, error)) != CV_OK)
        return result;
    if (value && json_is_null(value))
        request->has_attendees = true; /* null: nobody */
    return read_participant_emails(document, request, error);
}

cv_result series_request_from_json(const json_t *document, series_instant_parser parse_instant,
                                   series_request *request, series_error *error)
{
    memset(error, 0, sizeof *error);
    if (!json_is_object(document))
        return refuse(error, "", "the body must be a JSON object");
    cv_result result = read_members(document, parse_instant, request, error);
    if (result != CV_OK)
        series_request_clear(request);
    return result;
}
