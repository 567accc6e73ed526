/*
 * calendar.c - iCalendar documents over libical; see calendar.h.
 *
 * Owns: building the component tree and serialising it. Does not own:
 * zone data (recurrence.c hands out VTIMEZONEs and wall-clock times, under
 * its lock on libical's zone cache).
 */
#include "scheduler/calendar.h"

#include <libical/ical.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/strbuf.h"
#include "scheduler/recurrence.h"

#define ADDRESS_MAX    254
#define LOCAL_PART_MAX 64
#define PRODUCT_ID     "-//Convene//convened " CONVENE_VERSION "//EN"

static const char *const method_names[] = {
    [CALENDAR_METHOD_NONE] = "",
    [CALENDAR_METHOD_REQUEST] = "REQUEST",
    [CALENDAR_METHOD_CANCEL] = "CANCEL",
};

const char *calendar_method_name(calendar_method method)
{
    if ((unsigned)method >= sizeof method_names / sizeof method_names[0])
        return "";
    return method_names[method];
}

static bool is_local_part_character(char c)
{
    return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') ||
           (c != '\0' && strchr("!#$%&'*+-/=?^_`{|}~.", c));
}

static bool is_domain_character(char c)
{
    return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-' ||
           c == '.';
}

cv_result calendar_address_check(const char *address)
{
    if (!address)
        return CV_ERR_INVALID;
    size_t length = strlen(address);
    const char *at = strchr(address, '@');
    if (length > ADDRESS_MAX || !at || at == address || (size_t)(at - address) > LOCAL_PART_MAX ||
        strchr(at + 1, '@') || !at[1] || at[1] == '.' || address[length - 1] == '.' ||
        address[0] == '.' || at[-1] == '.' || strstr(address, ".."))
        return CV_ERR_INVALID;
    for (const char *c = address; c < at; c++)
        if (!is_local_part_character(*c))
            return CV_ERR_INVALID;
    for (const char *c = at + 1; *c; c++)
        if (!is_domain_character(*c))
            return CV_ERR_INVALID;
    return CV_OK;
}

/* A copy of `text` with control characters other than line feed and tab
 * turned into spaces, and carriage returns dropped. */
static char *clean_text(const char *text)
{
    strbuf out = STRBUF_INIT;
    strbuf_append_str(&out, "");
    for (const unsigned char *c = (const unsigned char *)text; *c; c++) {
        if (*c == '\r')
            continue;
        strbuf_append_char(&out,
                           (*c < 0x20 && *c != '\n' && *c != '\t') || *c == 0x7f ? ' ' : (char)*c);
    }
    if (strbuf_status(&out) != CV_OK) {
        strbuf_free(&out);
        return NULL;
    }
    return strbuf_detach(&out);
}

/* Adds a TEXT property made by `make` from a cleaned copy of `text`. */
static cv_result add_text(icalcomponent *event, icalproperty *(*make)(const char *),
                          const char *text)
{
    char *clean = clean_text(text);
    if (!clean)
        return CV_ERR_NO_MEMORY;
    icalcomponent_add_property(event, make(clean));
    free(clean);
    return CV_OK;
}

/* `utc` as an iCalendar time in `zone`: UTC ("...Z") when zone is NULL,
 * else the wall-clock time there (the property gets a TZID). */
static cv_result zone_time(const char *zone, int64_t utc, struct icaltimetype *out)
{
    if (!zone || strcmp(zone, "UTC") == 0) {
        *out = icaltime_from_timet_with_zone((time_t)utc, 0, icaltimezone_get_utc_timezone());
        return CV_OK;
    }
    wall_time wall;
    if (utc_to_wall_time(zone, utc, &wall, NULL) != CV_OK)
        return CV_ERR_INVALID;
    *out = icaltime_null_time();
    out->year = wall.year;
    out->month = wall.month;
    out->day = wall.day;
    out->hour = wall.hour;
    out->minute = wall.minute;
    out->second = wall.second;
    return CV_OK;
}

static bool zone_is_utc(const char *zone)
{
    return !zone || strcmp(zone, "UTC") == 0;
}

/* Adds a date-time property (DTSTART, DTEND, EXDATE, RECURRENCE-ID). */
static cv_result add_time(icalcomponent *event, icalproperty *(*make)(struct icaltimetype),
                          const char *zone, int64_t utc)
{
    struct icaltimetype time;
    if (zone_time(zone, utc, &time) != CV_OK)
        return CV_ERR_INVALID;
    icalproperty *property = make(time);
    if (!zone_is_utc(zone))
        icalproperty_add_parameter(property, icalparameter_new_tzid(zone));
    icalcomponent_add_property(event, property);
    return CV_OK;
}

/* ORGANIZER or ATTENDEE "mailto:" property with its CN. */
static icalproperty *person_property(icalproperty *(*make)(const char *),
                                     const calendar_person *person)
{
    char uri[ADDRESS_MAX + 8];
    snprintf(uri, sizeof uri, "mailto:%s", person->email);
    icalproperty *property = make(uri);
    if (person->name && *person->name) {
        char *name = clean_text(person->name);
        if (name) {
            /* a parameter value cannot hold a double quote */
            for (char *c = name; *c; c++)
                if (*c == '"' || *c == '\n' || *c == '\t')
                    *c = *c == '"' ? '\'' : ' ';
            icalproperty_add_parameter(property, icalparameter_new_cn(name));
            free(name);
        }
    }
    return property;
}

static cv_result add_people(icalcomponent *vevent, const calendar_event *event, char *problem)
{
    if (event->organizer) {
        if (calendar_address_check(event->organizer->email) != CV_OK) {
            snprintf(problem, CALENDAR_PROBLEM_SIZE, "organizer is not an e-mail address");
            return CV_ERR_INVALID;
        }
        icalcomponent_add_property(vevent,
                                   person_property(icalproperty_new_organizer, event->organizer));
    }
    for (size_t i = 0; i < event->attendee_count; i++) {
        const calendar_person *person = &event->attendees[i];
        if (calendar_address_check(person->email) != CV_OK) {
            snprintf(problem, CALENDAR_PROBLEM_SIZE, "attendee %zu is not an e-mail address", i);
            return CV_ERR_INVALID;
        }
        icalproperty *attendee = person_property(icalproperty_new_attendee, person);
        icalproperty_add_parameter(attendee, icalparameter_new_cutype(ICAL_CUTYPE_INDIVIDUAL));
        icalproperty_add_parameter(attendee, icalparameter_new_role(ICAL_ROLE_REQPARTICIPANT));
        icalproperty_add_parameter(attendee, icalparameter_new_partstat(ICAL_PARTSTAT_NEEDSACTION));
        icalproperty_add_parameter(attendee, icalparameter_new_rsvp(ICAL_RSVP_TRUE));
        icalcomponent_add_property(vevent, attendee);
    }
    return CV_OK;
}

/* LOCATION, URL and DESCRIPTION: how to join. */
static cv_result add_dial_in(icalcomponent *vevent, const calendar_event *event)
{
    strbuf text = STRBUF_INIT;
    strbuf_append_str(&text, "");
    if (event->dial_uri) {
        strbuf_printf(&text, "Join: %s\n", event->dial_uri);
        icalcomponent_add_property(vevent, icalproperty_new_url(event->dial_uri));
    }
    if (event->call_id)
        strbuf_printf(&text, "Call ID: %s\n", event->call_id);
    if (event->passcode)
        strbuf_printf(&text, "Passcode: %s\n", event->passcode);
    if (event->description)
        strbuf_printf(&text, "%s%s", text.length ? "\n" : "", event->description);
    cv_result result = strbuf_status(&text);
    if (result == CV_OK && event->dial_uri)
        result = add_text(vevent, icalproperty_new_location, event->dial_uri);
    if (result == CV_OK && text.length)
        result = add_text(vevent, icalproperty_new_description, strbuf_str(&text));
    strbuf_free(&text);
    return result;
}

static cv_result add_schedule(icalcomponent *vevent, const calendar_event *event, char *problem)
{
    const char *zone = event->time_zone;
    cv_result result = add_time(vevent, icalproperty_new_dtstart, zone, event->start);
    if (result == CV_OK)
        result = add_time(vevent, icalproperty_new_dtend, zone, event->end);
    if (result != CV_OK) {
        snprintf(problem, CALENDAR_PROBLEM_SIZE, "timeZone \"%.64s\" is not a known IANA zone",
                 zone);
        return result;
    }
    if (event->rrule) {
        char rule_problem[RECURRENCE_PROBLEM_SIZE];
        if (recurrence_rule_check(event->rrule, rule_problem) != CV_OK) {
            snprintf(problem, CALENDAR_PROBLEM_SIZE, "%.150s", rule_problem);
            return CV_ERR_INVALID;
        }
        struct icalrecurrencetype rule = icalrecurrencetype_from_string(event->rrule);
        icalcomponent_add_property(vevent, icalproperty_new_rrule(rule));
        free(rule.rscale);
    }
    for (size_t i = 0; i < event->exdate_count && result == CV_OK; i++)
        result = add_time(vevent, icalproperty_new_exdate, zone, event->exdates[i]);
    if (result == CV_OK && event->has_recurrence_id)
        result = add_time(vevent, icalproperty_new_recurrenceid, zone, event->recurrence_id);
    if (result == CV_OK && event->has_recurrence_id && event->this_and_future) {
        icalproperty *id = icalcomponent_get_first_property(vevent, ICAL_RECURRENCEID_PROPERTY);
        icalproperty_add_parameter(id, icalparameter_new_range(ICAL_RANGE_THISANDFUTURE));
    }
    return result;
}

static cv_result add_event(icalcomponent *calendar, const calendar_event *event, char *problem)
{
    if (!event->uid || !*event->uid || event->end <= event->start) {
        snprintf(problem, CALENDAR_PROBLEM_SIZE, "an event needs a UID and an end after its start");
        return CV_ERR_INVALID;
    }
    icalcomponent *vevent = icalcomponent_new_vevent();
    icalcomponent_add_property(vevent, icalproperty_new_uid(event->uid));
    icalcomponent_add_property(vevent, icalproperty_new_sequence(event->sequence));
    icalcomponent_add_property(vevent,
                               icalproperty_new_dtstamp(icaltime_from_timet_with_zone(
                                   (time_t)event->stamp, 0, icaltimezone_get_utc_timezone())));
    cv_result result = add_text(vevent, icalproperty_new_summary,
                                event->summary && *event->summary ? event->summary : "Meeting");
    if (result == CV_OK)
        result = add_schedule(vevent, event, problem);
    if (result == CV_OK)
        result = add_people(vevent, event, problem);
    if (result == CV_OK)
        result = add_dial_in(vevent, event);
    if (result != CV_OK) {
        icalcomponent_free(vevent);
        return result;
    }
    icalcomponent_add_property(
        vevent,
        icalproperty_new_status(event->cancelled ? ICAL_STATUS_CANCELLED : ICAL_STATUS_CONFIRMED));
    icalcomponent_add_property(vevent, icalproperty_new_transp(ICAL_TRANSP_OPAQUE));
    icalcomponent_add_component(calendar, vevent);
    return CV_OK;
}

/* Adds the VTIMEZONE of event `index`'s zone unless an earlier event used
 * the same zone; it covers the earliest time any event in it shows. */
static cv_result add_zone(icalcomponent *calendar, const calendar_document *document, size_t index,
                          char *problem)
{
    const char *zone = document->events[index].time_zone;
    if (zone_is_utc(zone))
        return CV_OK;
    int64_t earliest = document->events[index].start;
    for (size_t i = 0; i < document->count; i++) {
        const calendar_event *event = &document->events[i];
        if (zone_is_utc(event->time_zone) || strcmp(event->time_zone, zone) != 0)
            continue;
        if (i < index)
            return CV_OK;
        earliest = event->start < earliest ? event->start : earliest;
        for (size_t e = 0; e < event->exdate_count; e++)
            earliest = event->exdates[e] < earliest ? event->exdates[e] : earliest;
        if (event->has_recurrence_id && event->recurrence_id < earliest)
            earliest = event->recurrence_id;
    }
    char *text = NULL;
    /* a day early: the observance in force at the first local time */
    if (time_zone_vtimezone(zone, earliest - 86400, &text) != CV_OK) {
        snprintf(problem, CALENDAR_PROBLEM_SIZE, "timeZone \"%.64s\" is not a known IANA zone",
                 zone);
        return CV_ERR_INVALID;
    }
    icalcomponent *vtimezone = icalcomponent_new_from_string(text);
    free(text);
    if (!vtimezone)
        return CV_ERR_NO_MEMORY;
    icalcomponent_add_component(calendar, vtimezone);
    return CV_OK;
}

static icalcomponent *new_calendar(const calendar_document *document)
{
    icalcomponent *calendar = icalcomponent_new_vcalendar();
    icalcomponent_add_property(calendar, icalproperty_new_prodid(PRODUCT_ID));
    icalcomponent_add_property(calendar, icalproperty_new_version("2.0"));
    icalcomponent_add_property(calendar, icalproperty_new_calscale("GREGORIAN"));
    if (document->method == CALENDAR_METHOD_REQUEST)
        icalcomponent_add_property(calendar, icalproperty_new_method(ICAL_METHOD_REQUEST));
    else if (document->method == CALENDAR_METHOD_CANCEL)
        icalcomponent_add_property(calendar, icalproperty_new_method(ICAL_METHOD_CANCEL));
    if (document->name) {
        char *name = clean_text(document->name);
        if (name) {
            icalproperty *property = icalproperty_new_x(name);
            icalproperty_set_x_name(property, "X-WR-CALNAME");
            icalcomponent_add_property(calendar, property);
            free(name);
        }
    }
    return calendar;
}

cv_result calendar_write(const calendar_document *document, char **out, char *problem)
{
    *out = NULL;
    problem[0] = '\0';
    icalcomponent *calendar = new_calendar(document);
    cv_result result = CV_OK;
    for (size_t i = 0; i < document->count && result == CV_OK; i++)
        result = add_zone(calendar, document, i, problem);
    for (size_t i = 0; i < document->count && result == CV_OK; i++)
        result = add_event(calendar, &document->events[i], problem);
    if (result == CV_OK) {
        *out = icalcomponent_as_ical_string_r(calendar);
        if (!*out)
            result = CV_ERR_NO_MEMORY;
    }
    icalcomponent_free(calendar);
    return result;
}
