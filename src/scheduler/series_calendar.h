/*
 * series_calendar.h - bookings and series as iCalendar events: the
 * master VEVENT of a series (its title, first start, rule, left-out
 * dates, organizer, attendees and dial-in), one VEVENT with RECURRENCE-ID
 * for each occurrence that differs from the master (moved, retitled, or
 * placed on another slot or bridge), GET /bookings/<id>.ics, the calendar
 * feeds of a bridge and of an organizer, and queuing a series' e-mails.
 *
 * Owns: turning rows (db_series.h, booking.h) into calendar_event values
 * that own their text. Does not own: the iCalendar text (calendar.c),
 * composing messages (invitation.c), the rows' SQL.
 */
#ifndef CONVENE_SCHEDULER_SERIES_CALENDAR_H
#define CONVENE_SCHEDULER_SERIES_CALENDAR_H

#include <stdint.h>

#include "common/ids.h"
#include "common/store_db_pool.h"
#include "scheduler/api.h"
#include "scheduler/booking.h"
#include "scheduler/booking_api_internal.h"
#include "scheduler/calendar.h"
#include "scheduler/db_series.h"
#include "scheduler/invitation.h"

#define SERIES_UID_SIZE (ID_TEXT_SIZE + 16) /* "<series id>@convene" */

/* How people join one occurrence: "sip:" URI, numeric call ID, passcode
 * ("" for what is unknown). */
typedef struct {
    char uri[BOOKING_URI_MAX + 8];
    char call_id[32];
    char passcode[BOOKING_PASSCODE_MAX + 1];
} dial_in;

void dial_in_read(const booking *record, const bridge_views *views, dial_in *out);

/* One VEVENT and everything it points to (owned). Build with the
 * functions below; `event` is ready to write after series_event_bind. */
typedef struct {
    calendar_event event;
    char uid[SERIES_UID_SIZE];
    char *summary;
    char time_zone[SERIES_ZONE_MAX + 1];
    char *rrule;
    int64_t *exdates;
    dial_in dial;
    calendar_person organizer;
    char organizer_email[SERIES_ADDRESS_MAX + 1];
    char organizer_name[SERIES_NAME_MAX + 1];
    calendar_person *attendees;
    series_attendee *attendee_copies;
} series_event;

void series_event_free(series_event *item);
/* Points item->event at the item's own fields again (after a move). */
void series_event_bind(series_event *item);

/* The master VEVENT of `row`, with the dial-in of `dial_from` (one of its
 * occurrences, or NULL for none). DTSTAMP is `now`. */
cv_result series_event_master(const series_row *row, const booking *dial_from,
                              const bridge_views *views, int64_t now, series_event *out);
/* Occurrence `record` of `row` as a VEVENT of its own: the rule's start
 * `recurrence_id` as RECURRENCE-ID, the occurrence's times, title and
 * dial-in. */
cv_result series_event_occurrence(const series_row *row, const booking *record,
                                  int64_t recurrence_id, const bridge_views *views, int64_t now,
                                  series_event *out);
/* A booking without a series as a VEVENT (UID "<booking id>@convene"). */
cv_result series_event_single(const booking *record, const bridge_views *views, int64_t now,
                              series_event *out);

/* A growing list of events (a feed, or a series and its exceptions). */
typedef struct {
    series_event *items;
    size_t count;
} series_event_list;

void series_event_list_free(series_event_list *list);
/* Appends the master of series `series_id` and an event for every
 * occurrence that is not cancelled and differs from it in time, title or
 * dial-in. Only occurrences starting in [from, to) are considered (the
 * master is always added). */
cv_result series_events_collect(store_db *database, const char *series_id,
                                const bridge_views *views, int64_t from, int64_t to, int64_t now,
                                series_event_list *list);
/* Writes `list` as one VCALENDAR (no METHOD) named `name` (may be NULL). */
cv_result series_events_write(series_event_list *list, const char *name, char **out, char *problem);

/* Queues the `kind` e-mails of `item` (nothing when mail is off or nobody
 * is to be told), in the caller's transaction; logs a problem. */
cv_result series_event_mail(scheduler *daemon, store_db *database, mail_kind kind,
                            series_event *item, const char *booking_id);

/* Answers 200 text/calendar with `text`. */
void series_reply_calendar(scheduler_api_request *request, const char *text);

#endif
