/*
 * series_notice.c - notices to a meeting's organizer; see
 * series_notice.h.
 *
 * Owns: the attached daemon, the notices' details and keys. Does not own:
 * the events (series_calendar.c), composing and queuing (mail_module.c).
 */
#include "scheduler/series_notice.h"

#include <stdatomic.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "common/log.h"
#include "common/store_sql.h"
#include "common/rfc3339.h"
#include "scheduler/booking_api_internal.h"
#include "scheduler/db_series.h"
#include "scheduler/mail_module.h"
#include "scheduler/series_calendar.h"

#define NOTICE_KEY_SIZE    (ID_TEXT_SIZE + BOOKING_URI_MAX + 40)
#define NOTICE_DETAIL_SIZE 512

static _Atomic(scheduler *) attached;

void series_notice_attach(scheduler *daemon)
{
    atomic_store(&attached, daemon);
}

/* Queues notice `kind` about occurrence `record` of series `series_id`
 * under `key`; logs what fails. */
static void notify_series(store_db *database, const char *series_id, const booking *record,
                          mail_kind kind, const char *detail, const char *key)
{
    scheduler *daemon = atomic_load(&attached);
    if (!daemon || !mail_enabled(daemon))
        return;
    series_row row;
    int64_t recurrence_id = record->start;
    bridge_views views;
    if (db_series_load(database, series_id, &row) != CV_OK)
        return;
    if (db_series_recurrence_id(database, record->id, &recurrence_id) != CV_OK)
        recurrence_id = record->start; /* not stored: the rule's own start */
    if (row.organizer[0] && bridge_views_load(database, &views) == CV_OK) {
        series_event item;
        char problem[INVITATION_PROBLEM_SIZE] = "";
        cv_result result = series_event_occurrence(&row, record, recurrence_id, &views,
                                                   (int64_t)time(NULL), &item);
        if (result == CV_OK)
            result = mail_queue_notice(daemon, database, kind, &item.event,
                                       record->id[0] ? record->id : NULL, detail, key, problem);
        if (result != CV_OK)
            log_error("booking %s: cannot queue the %s notice: %s", record->id,
                      mail_kind_name(kind), problem[0] ? problem : cv_result_name(result));
        else if (!store_db_in_transaction(database))
            mail_wake(daemon); /* in a transaction, its owner wakes after the commit */
        series_event_free(&item);
        bridge_views_free(&views);
    }
    series_row_clear(&row);
}

/* Queues notice `kind` about stored occurrence `record`, if it has a series. */
static void notify(store_db *database, const booking *record, mail_kind kind, const char *detail,
                   const char *key)
{
    char series_id[ID_TEXT_SIZE];
    if (db_series_of_booking(database, record->id, series_id) == CV_OK)
        notify_series(database, series_id, record, kind, detail, key);
}

void series_notice_start_failed(store_db *database, const booking *record, const char *why)
{
    char key[NOTICE_KEY_SIZE], detail[NOTICE_DETAIL_SIZE];
    snprintf(key, sizeof key, "start-failed:%s", record->id);
    snprintf(detail, sizeof detail, "The meeting could not be started: %s",
             why ? why : "no reason was given");
    notify(database, record, MAIL_START_FAILED, detail, key);
}

void series_notice_participant(store_db *database, const booking *record, size_t index)
{
    const booking_participant *participant = &record->participants[index];
    bool failed = participant->state == PARTICIPANT_BUSY ||
                  participant->state == PARTICIPANT_NO_ANSWER ||
                  participant->state == PARTICIPANT_FAILED;
    if (!participant->dial_out || !failed || participant->next_attempt != 0 ||
        participant->attempts == 0)
        return;
    char key[NOTICE_KEY_SIZE], detail[NOTICE_DETAIL_SIZE];
    snprintf(key, sizeof key, "unreachable:%s:%s", record->id, participant->uri);
    snprintf(detail, sizeof detail, "%s was not reached (%s after %lld attempts).",
             participant->uri, participant_state_name(participant->state),
             (long long)participant->attempts);
    notify(database, record, MAIL_UNREACHABLE, detail, key);
}

void series_notice_failover(store_db *database, const booking *record, const char *address,
                            const char *why)
{
    char key[NOTICE_KEY_SIZE], detail[NOTICE_DETAIL_SIZE];
    snprintf(key, sizeof key, "failover:%s:%s", record->id, address);
    snprintf(detail, sizeof detail,
             "The meeting runs through %s: the bridge's first address did not answer (%s).",
             address, why ? why : "no answer");
    notify(database, record, MAIL_FAILOVER, detail, key);
}

void series_notice_skipped(store_db *database, const char *series_id, const booking *record,
                           const char *reason)
{
    char key[NOTICE_KEY_SIZE], detail[NOTICE_DETAIL_SIZE], start[RFC3339_TEXT_SIZE];
    rfc3339_format_utc(record->start, start, sizeof start);
    snprintf(key, sizeof key, "skipped:%s:%lld", series_id, (long long)record->start);
    snprintf(detail, sizeof detail,
             "The occurrence at %s could not be booked (%s); it is left out of the series.", start,
             reason ? reason : "it clashes with other bookings");
    booking unstored = *record;
    unstored.id[0] = '\0'; /* never stored: the outbox row names no booking */
    notify_series(database, series_id, &unstored, MAIL_SKIPPED, detail, key);
}
