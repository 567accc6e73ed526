/*
 * db_series.h - the rows of booking series (schema versions 5 and 7): storing
 * and loading a series, linking an occurrence's booking row to it, and
 * paging through its occurrences. Every statement comes from the
 * connection's statement cache; callers hold the transaction for writes.
 *
 * Owns: the SQL on `booking_series` and on the series columns of
 * `bookings`. Does not own: expanding a rule (recurrence.h), placing or
 * storing the occurrences themselves (booking.h, db_bookings.c).
 */
#ifndef CONVENE_SCHEDULER_DB_SERIES_H
#define CONVENE_SCHEDULER_DB_SERIES_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "common/ids.h"
#include "common/result.h"
#include "common/store_db_pool.h"
#include "scheduler/recurrence.h"
#include "scheduler/series.h"

typedef struct {
    char id[ID_TEXT_SIZE];
    char *rrule; /* NULL: one meeting */
    char time_zone[SERIES_ZONE_MAX + 1];
    char first_start[WALL_TIME_TEXT_SIZE]; /* wall-clock, in time_zone */
    int64_t duration;                      /* seconds */
    int64_t *exdates;                      /* UTC starts left out or skipped */
    size_t exdate_count;
    char organizer[SERIES_ADDRESS_MAX + 1]; /* "" when none */
    char organizer_name[SERIES_NAME_MAX + 1];
    int64_t sequence;     /* iCalendar SEQUENCE */
    int64_t booked_until; /* occurrences starting before this have rows */
    int64_t created;
    char *title;                /* the series' own title (the master VEVENT's) */
    series_attendee *attendees; /* invited by e-mail; NULL when none */
    size_t attendee_count;
    bool cancelled; /* the whole series was cancelled: nothing more is booked */
} series_row;

void series_row_clear(series_row *row);
cv_result db_series_insert(store_db *database, const series_row *row);
/* CV_ERR_NOT_FOUND when there is no such series. */
cv_result db_series_load(store_db *database, const char *id, series_row *out);
/* Marks booking `booking_id` as the occurrence of `series_id` the rule
 * gave the start `recurrence_id` (UTC seconds). */
cv_result db_series_link(store_db *database, const char *booking_id, const char *series_id,
                         int64_t recurrence_id);
/* db_series_link of `count` bookings just made from the rule, each with
 * its own start as recurrence ID, up to 64 per statement (a new series'
 * occurrences in a few round trips). `ids[i]` are ID_TEXT_SIZE texts. */
cv_result db_series_link_new(store_db *database, const char *series_id,
                             const char (*ids)[ID_TEXT_SIZE], size_t count);
/* Writes every member of a loaded row back (after a change). */
cv_result db_series_update(store_db *database, const series_row *row);
/* The start the rule gave booking `booking_id` (its RECURRENCE-ID). */
cv_result db_series_recurrence_id(store_db *database, const char *booking_id,
                                  int64_t *recurrence_id);
/* The series of a booking; CV_ERR_NOT_FOUND when it has none. */
cv_result db_series_of_booking(store_db *database, const char *booking_id,
                               char series_id[ID_TEXT_SIZE]);
/* IDs of the series' occurrences starting in [from, to), by start, at
 * most `limit`; the caller frees each and the array. */
cv_result db_series_occurrences(store_db *database, const char *series_id, int64_t from, int64_t to,
                                size_t limit, char ***ids, size_t *count);

/* IDs of the series' occurrences that are not cancelled and whose
 * recurrence ID is >= from_recurrence, by recurrence ID; only those still
 * scheduled (not starting, running or ended) when `scheduled_only`. */
cv_result db_series_rows(store_db *database, const char *series_id, int64_t from_recurrence,
                         bool scheduled_only, char ***ids, size_t *count);
/* The latest start of an occurrence of the series that is no longer
 * scheduled (starting, live, ending or ended, not cancelled); INT64_MIN
 * when there is none. */
cv_result db_series_latest_begun(store_db *database, const char *series_id, int64_t *start);
/* Every series that is not cancelled, has a rule and is booked only up to
 * before `until`: the rolling horizon's work; caller frees as above. */
cv_result db_series_to_extend(store_db *database, int64_t until, char ***ids, size_t *count);
/* The series organized by `email` (case ignored) that are not cancelled,
 * at most `limit`, newest first. */
cv_result db_series_by_organizer(store_db *database, const char *email, size_t limit, char ***ids,
                                 size_t *count);
/* Series `to_id` (split off `from_id`) gets the same owner (db_users.h);
 * its occurrences inherit it through the series. */
cv_result db_series_copy_owner(store_db *database, const char *from_id, const char *to_id);
/* IDs of the series' occurrences starting in [from, to), not cancelled,
 * that differ from its master event: moved, another length or title, or
 * another bridge, slot (`slot` -1 for none) or passcode than given (those
 * of its first occurrence). By start. */
cv_result db_series_exceptions(store_db *database, const char *series_id, int64_t from, int64_t to,
                               const char *bridge_id, int64_t slot, const char *passcode,
                               char ***ids, size_t *count);
void db_series_ids_free(char **ids, size_t count);

#endif
