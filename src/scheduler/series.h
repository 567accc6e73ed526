/*
 * series.h - what a booking request says about its time zone, how it
 * repeats and who organizes it: the JSON members "timeZone",
 * "recurrence" {"rrule", "exdates"}, "exdates", "skipConflicts",
 * "organizer" and "attendees" [{"email", "name"}] (participants' "email"
 * makes them attendees too), read strictly (400 naming the member).
 *
 * Owns: reading and checking those members, and reading a time that may
 * be local to the booking's zone ("2026-03-23T09:00:00") or carry its own
 * offset ("2026-03-23T08:00:00Z"). Does not own: the other booking
 * members (booking.c), expanding the series (recurrence.h), storing it.
 */
#ifndef CONVENE_SCHEDULER_SERIES_H
#define CONVENE_SCHEDULER_SERIES_H

#include <jansson.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "common/result.h"

#define SERIES_ZONE_MAX      64
#define SERIES_EXDATES_MAX   1000
#define SERIES_ADDRESS_MAX   254
#define SERIES_NAME_MAX      200
#define SERIES_FIELD_SIZE    64
#define SERIES_MESSAGE_SIZE  256
#define SERIES_ATTENDEES_MAX 100

/* Someone invited by e-mail (an ATTENDEE of the iCalendar event). */
typedef struct {
    char email[SERIES_ADDRESS_MAX + 1];
    char name[SERIES_NAME_MAX + 1]; /* "" when not given */
} series_attendee;

/* Reads an RFC 3339 time with an offset into UTC seconds; the booking
 * code passes its own so both read offsets the same way. */
typedef cv_result (*series_instant_parser)(const char *text, int64_t *utc);

typedef struct {
    bool has_time_zone;
    char time_zone[SERIES_ZONE_MAX + 1]; /* IANA name, checked; "" when absent */
    char *rrule;                         /* checked RRULE; NULL for one meeting */
    int64_t *exdates;                    /* UTC starts left out; NULL when none */
    size_t exdate_count;
    bool skip_conflicts; /* book the occurrences that fit, report the rest */
    bool has_organizer;
    char organizer[SERIES_ADDRESS_MAX + 1];   /* checked e-mail address */
    char organizer_name[SERIES_NAME_MAX + 1]; /* "" when not given */
    bool has_attendees;
    series_attendee *attendees; /* checked addresses, no duplicates */
    size_t attendee_count;
} series_request;

/* Where reading failed: the member ("recurrence.exdates[2]") and why. */
typedef struct {
    char field[SERIES_FIELD_SIZE];
    char message[SERIES_MESSAGE_SIZE];
} series_error;

void series_request_init(series_request *request);
void series_request_clear(series_request *request);

/* True for the members this unit reads (booking.c skips them). */
bool series_owns_member(const char *name);
/* True when a participant of the body carries an "email" (read here into
 * the attendees; the copy booking.c reads must not have it). */
bool series_participant_has_email(const json_t *document);

/* Reads the members above from `document` (an object) into `request`
 * (initialised). Exdates may be local times in timeZone or carry an
 * offset. CV_ERR_INVALID with `error` filled, and `request` cleared, on
 * bad input. */
cv_result series_request_from_json(const json_t *document, series_instant_parser parse_instant,
                                   series_request *request, series_error *error);

/* A time as a booking member gives it: with timeZone, a local time
 * without offset is read there (one that does not exist or is ambiguous
 * is refused, named); a time with an offset is read by parse_instant.
 * CV_ERR_INVALID with a sentence in message[SERIES_MESSAGE_SIZE]. */
cv_result series_read_time(const char *text, const char *time_zone,
                           series_instant_parser parse_instant, int64_t *utc, char *message);

#endif
