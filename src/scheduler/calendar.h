/*
 * calendar.h - iCalendar (RFC 5545) documents of meetings, over libical:
 * one meeting or series for download, a feed of many for calendar clients
 * to subscribe to, and iMIP (RFC 6047) REQUEST and CANCEL bodies.
 *
 * Owns: VCALENDAR with one VTIMEZONE per zone used, VEVENTs with UID,
 * SEQUENCE, DTSTAMP, DTSTART/DTEND in the meeting's zone (TZID), RRULE,
 * EXDATE, RECURRENCE-ID, ORGANIZER, ATTENDEE, STATUS, and the dial-in
 * details (URI, call ID, passcode) in LOCATION, URL and DESCRIPTION;
 * checking e-mail addresses. Text values are escaped by libical; control
 * characters in them are replaced by spaces.
 * Does not own: which meetings go in a document, sequence numbers (the
 * booking code keeps them), mail (imip.h).
 */
#ifndef CONVENE_SCHEDULER_CALENDAR_H
#define CONVENE_SCHEDULER_CALENDAR_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "common/result.h"

/* The METHOD of a document. */
typedef enum {
    CALENDAR_METHOD_NONE,    /* a download or feed: no METHOD */
    CALENDAR_METHOD_REQUEST, /* iMIP: an invitation or an update */
    CALENDAR_METHOD_CANCEL,  /* iMIP: the meeting (or one occurrence) is off */
} calendar_method;

/* "", "REQUEST", "CANCEL" */
const char *calendar_method_name(calendar_method method);

#define CALENDAR_PROBLEM_SIZE 160

/* CV_OK when `address` is a plain e-mail address ("ana@example.com"):
 * one '@', a local part of printable ASCII without spaces, quotes,
 * brackets or separators, a domain of letters, digits, '-' and '.',
 * at most 254 characters. Nothing that could end a mail header. */
cv_result calendar_address_check(const char *address);

typedef struct {
    const char *email; /* checked with calendar_address_check */
    const char *name;  /* common name (CN), or NULL */
} calendar_person;

/* One VEVENT: a meeting, a series, or one changed occurrence of a series
 * (has_recurrence_id). Times are UTC seconds, written as wall-clock times
 * in time_zone. */
typedef struct {
    const char *uid;       /* the same for a series and its changed occurrences */
    int sequence;          /* 0 when created, one more on each change sent */
    const char *summary;   /* the meeting's name */
    const char *time_zone; /* IANA name; NULL means UTC */
    int64_t start, end;
    const char *rrule;      /* RRULE value or NULL */
    const int64_t *exdates; /* starts of occurrences left out (UTC) */
    size_t exdate_count;
    bool has_recurrence_id;           /* this VEVENT replaces one occurrence ... */
    int64_t recurrence_id;            /* ... the one that was to start then (UTC) */
    bool this_and_future;             /* ... and every later one (RANGE=THISANDFUTURE) */
    const calendar_person *organizer; /* or NULL */
    const calendar_person *attendees;
    size_t attendee_count;
    const char *dial_uri;    /* "sip:88001@video.example.com", or NULL */
    const char *call_id;     /* the numeric ID people dial, or NULL */
    const char *passcode;    /* or NULL */
    const char *description; /* more text for DESCRIPTION, or NULL */
    bool cancelled;          /* STATUS:CANCELLED (else CONFIRMED) */
    int64_t stamp;           /* DTSTAMP: when this version was made (UTC) */
} calendar_event;

typedef struct {
    calendar_method method;
    const char *name; /* X-WR-CALNAME of a feed, or NULL */
    const calendar_event *events;
    size_t count;
} calendar_document;

/* Writes `document` as iCalendar text (CRLF lines, folded at 75 octets)
 * into *out, which the caller frees. CV_ERR_INVALID with a sentence in
 * problem[CALENDAR_PROBLEM_SIZE] for an unknown zone, a bad address, a
 * bad rule or a missing UID. */
cv_result calendar_write(const calendar_document *document, char **out, char *problem);

#endif
