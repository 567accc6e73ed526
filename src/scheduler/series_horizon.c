/*
 * series_horizon.c - booking endless series further as time passes; see
 * series_horizon.h.
 *
 * Owns: the extension thread (a lock and a condition to stop it at once)
 * and the pass, with the series' REQUEST sent again when the pass skipped
 * occurrences. Does not own: the SQL (db_series.c, db_bookings.c).
 */
#include "scheduler/series_horizon.h"

#include <errno.h>
#include <pthread.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "common/log.h"
#include "scheduler/booking.h"
#include "scheduler/booking_api_internal.h"
#include "scheduler/booking_series_move.h"
#include "scheduler/cluster.h"
#include "scheduler/db_series.h"
#include "scheduler/lifecycle.h"
#include "scheduler/mail_module.h"
#include "scheduler/recurrence.h"
#include "scheduler/series_calendar.h"
#include "scheduler/series_notice.h"

/* What one series' extension booked, for the lifecycle after the commit. */
typedef struct {
    series_touched touched;
    size_t skipped;
} extension;

/* The occurrences of `row` from its booked_until to `until`. */
static cv_result expand_more(const series_row *row, int64_t until, occurrence_list *out)
{
    wall_time first;
    cv_result result = wall_time_parse(row->first_start, &first);
    recurrence_series rules = {row->rrule,    row->time_zone, first,
                               row->duration, row->exdates,   row->exdate_count};
    recurrence_window window = {row->booked_until, until, RECURRENCE_LIMIT_MAX};
    char problem[RECURRENCE_PROBLEM_SIZE];
    if (result == CV_OK)
        result = recurrence_expand(&rules, &window, out, problem);
    if (result != CV_OK)
        log_error("series %s: cannot expand: %s", row->id, problem);
    return result;
}

/* Books occurrence `item` like `model` (its latest occurrence); a clash
 * becomes an EXDATE of `row` and a notice. */
static cv_result book_one(store_db *database, series_row *row, const booking *model,
                          const bridge_views *views, const occurrence *item, int64_t now,
                          extension *done)
{
    booking record;
    booking_init(&record);
    cv_result result = booking_load(database, model->id, &record);
    if (result != CV_OK)
        return result;
    series_occurrence_reset(&record, item, now);
    json_t *conflicts = NULL;
    const char *reason = NULL;
    result = booking_place(database, &record, views->placements, views->count, &conflicts, &reason);
    json_decref(conflicts);
    if (result == CV_ERR_CONFLICT) {
        done->skipped++;
        row->sequence++;
        result = series_row_exdate(row, item->start);
        series_notice_skipped(database, row->id, &record, reason);
    } else if (result == CV_OK) {
        result = booking_store(database, &record);
        if (result == CV_OK)
            result = db_series_link(database, record.id, row->id, item->start);
        if (result == CV_OK)
            result = series_touched_add(&done->touched, &record);
    }
    booking_clear(&record);
    return result;
}

/* After occurrences were skipped (each an EXDATE now, SEQUENCE raised):
 * the series' REQUEST again to the organizer and attendees, so their
 * calendars drop those days too; the organizer also has a notice for each.
 * `first_id` is the series' first occurrence (the master's dial-in). In
 * the open transaction, like the notices. */
static cv_result request_again(scheduler *daemon, store_db *database, const series_row *row,
                               const char *first_id, const bridge_views *views, int64_t now)
{
    if (!mail_enabled(daemon) || (!row->organizer[0] && !row->attendee_count))
        return CV_OK;
    booking first;
    booking_init(&first);
    cv_result result = booking_load(database, first_id, &first);
    series_event item;
    memset(&item, 0, sizeof item);
    if (result == CV_OK)
        result = series_event_master(row, &first, views, now, &item);
    if (result == CV_OK)
        result = series_event_mail(daemon, database, MAIL_REQUEST, &item, first_id);
    series_event_free(&item);
    booking_clear(&first);
    return result;
}

/* Books what has come within the horizon of series `id`, in the open
 * transaction. */
static cv_result extend_series(scheduler *daemon, store_db *database, const char *id, int64_t now,
                               int64_t until, extension *done)
{
    series_row row;
    cv_result result = db_series_load(database, id, &row);
    if (result != CV_OK)
        return result;
    char **ids = NULL;
    size_t count = 0;
    occurrence_list list = {NULL, 0, false};
    bridge_views views;
    memset(&views, 0, sizeof views);
    booking model;
    booking_init(&model);
    result = db_series_rows(database, id, INT64_MIN, false, &ids, &count);
    if (result == CV_OK && count > 0)
        result = booking_load(database, ids[count - 1], &model);
    if (result == CV_OK && count > 0)
        result = expand_more(&row, until, &list);
    if (result == CV_OK && list.count > 0)
        result = bridge_views_load(database, &views);
    size_t skipped_before = done->skipped;
    for (size_t i = 0; result == CV_OK && i < list.count; i++)
        if (list.items[i].start > now)
            result = book_one(database, &row, &model, &views, &list.items[i], now, done);
    row.booked_until = until; /* with nothing to book from, there is nothing to wait for */
    if (result == CV_OK)
        result = db_series_update(database, &row);
    if (result == CV_OK && done->skipped > skipped_before)
        result = request_again(daemon, database, &row, ids[0], &views, now);
    bridge_views_free(&views);
    booking_clear(&model);
    occurrence_list_free(&list);
    db_series_ids_free(ids, count);
    series_row_clear(&row);
    return result;
}

/* One series in one transaction; the lifecycle is told after it. */
static cv_result extend_one(scheduler *daemon, store_db *database, const char *id, int64_t now,
                            size_t *booked, size_t *skipped)
{
    extension done = {{NULL, 0}, 0};
    int64_t until = now + daemon->options.series_horizon_days * 86400;
    cv_result result = store_db_begin(database);
    if (result == CV_OK)
        result = extend_series(daemon, database, id, now, until, &done);
    if (result == CV_OK)
        result = store_db_commit(database);
    if (result != CV_OK) {
        store_db_rollback(database);
        log_error("series %s: cannot book it further: %s", id, cv_result_name(result));
    } else if (done.touched.count || done.skipped) {
        log_info("series %s: booked %zu more occurrences, %zu skipped", id, done.touched.count,
                 done.skipped);
        if (done.skipped)
            mail_wake(daemon); /* the notices were queued in the transaction */
        for (size_t i = 0; i < done.touched.count; i++) {
            booking record;
            booking_init(&record);
            snprintf(record.id, sizeof record.id, "%s", done.touched.items[i].id);
            record.start = done.touched.items[i].start;
            record.end = done.touched.items[i].end;
            record.setup_buffer_minutes = done.touched.items[i].setup_buffer_minutes;
            lifecycle_booking_changed(daemon, &record);
            booking_clear(&record);
        }
    }
    *booked += done.touched.count;
    *skipped += done.skipped;
    series_touched_free(&done.touched);
    return result;
}

cv_result series_horizon_extend(scheduler *daemon, store_db *database, int64_t now, size_t *booked,
                                size_t *skipped)
{
    size_t booked_count = 0, skipped_count = 0;
    char **ids = NULL;
    size_t count = 0;
    int64_t until = now + daemon->options.series_horizon_days * 86400;
    cv_result result = db_series_to_extend(database, until, &ids, &count);
    for (size_t i = 0; result == CV_OK && i < count; i++)
        extend_one(daemon, database, ids[i], now, &booked_count, &skipped_count);
    db_series_ids_free(ids, count);
    if (booked)
        *booked = booked_count;
    if (skipped)
        *skipped = skipped_count;
    return result;
}

/* --- the thread ------------------------------------------------------- */

typedef struct {
    scheduler *daemon;
    pthread_t thread;
    pthread_mutex_t lock;
    pthread_cond_t changed; /* CLOCK_REALTIME */
    bool stopping;
    bool woken; /* series_horizon_wake: a pass now */
} horizon_state;

void series_horizon_wake(scheduler *daemon)
{
    horizon_state *state = daemon->horizon_state;
    if (!state)
        return;
    pthread_mutex_lock(&state->lock);
    state->woken = true;
    pthread_cond_signal(&state->changed);
    pthread_mutex_unlock(&state->lock);
}

static void *horizon_thread(void *argument)
{
    horizon_state *state = argument;
    pthread_mutex_lock(&state->lock);
    while (!state->stopping) {
        pthread_mutex_unlock(&state->lock);
        /* several nodes: the leader books further (cluster.h); a node
         * that takes over books at once (series_horizon_wake) */
        store_db *database =
            cluster_is_leader(state->daemon) ? store_db_pool_acquire(&state->daemon->store) : NULL;
        if (database) {
            series_horizon_extend(state->daemon, database, (int64_t)time(NULL), NULL, NULL);
            store_db_pool_release(&state->daemon->store, database);
        }
        pthread_mutex_lock(&state->lock);
        struct timespec until;
        clock_gettime(CLOCK_REALTIME, &until);
        until.tv_sec += state->daemon->options.series_extend_seconds;
        while (!state->stopping && !state->woken &&
               pthread_cond_timedwait(&state->changed, &state->lock, &until) != ETIMEDOUT)
            ;
        state->woken = false;
    }
    pthread_mutex_unlock(&state->lock);
    return NULL;
}

static cv_result horizon_start(scheduler *daemon)
{
    horizon_state *state = calloc(1, sizeof *state);
    if (!state)
        return CV_ERR_NO_MEMORY;
    state->daemon = daemon;
    pthread_mutex_init(&state->lock, NULL);
    pthread_cond_init(&state->changed, NULL);
    if (pthread_create(&state->thread, NULL, horizon_thread, state) != 0) {
        pthread_cond_destroy(&state->changed);
        pthread_mutex_destroy(&state->lock);
        free(state);
        return CV_ERR_NO_MEMORY;
    }
    daemon->horizon_state = state;
    return CV_OK;
}

static void horizon_stop(scheduler *daemon)
{
    horizon_state *state = daemon->horizon_state;
    if (!state)
        return;
    pthread_mutex_lock(&state->lock);
    state->stopping = true;
    pthread_cond_signal(&state->changed);
    pthread_mutex_unlock(&state->lock);
    pthread_join(state->thread, NULL);
    pthread_cond_destroy(&state->changed);
    pthread_mutex_destroy(&state->lock);
    free(state);
    daemon->horizon_state = NULL;
}

const scheduler_module series_horizon_module = {"series horizon", horizon_start, horizon_stop};
