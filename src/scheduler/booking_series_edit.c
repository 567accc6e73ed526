/*
 * booking_series_edit.c - changing and cancelling occurrences of a
 * series; see booking_series_edit.h.
 *
 * Owns: the one-occurrence bookkeeping (EXDATE, SEQUENCE, the REQUEST or
 * CANCEL with RECURRENCE-ID), the scopes "following" and "series", and
 * the list of bookings an edit touched (booking_series_move.h).
 * Does not own: re-expanding and placing the changed part
 * (booking_series_move.c), the events (series_calendar.c).
 */
#include "scheduler/booking_series_edit.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "common/log.h"
#include "common/rfc3339.h"
#include "common/store_db_pool.h"
#include "common/text.h"
#include "scheduler/audit.h"
#include "scheduler/booking_series.h"
#include "scheduler/booking_series_move.h"
#include "scheduler/db_series.h"
#include "scheduler/lifecycle.h"
#include "scheduler/mail_module.h"
#include "scheduler/series_calendar.h"

static const char *const scope_names[] = {
    [EDIT_SCOPE_OCCURRENCE] = "occurrence",
    [EDIT_SCOPE_FOLLOWING] = "following",
    [EDIT_SCOPE_SERIES] = "series",
};

const char *edit_scope_name(edit_scope scope)
{
    return (unsigned)scope < 3 ? scope_names[scope] : "unknown";
}

bool booking_edit_read_scope(scheduler_api_request *request, edit_scope *out)
{
    const char *text = scheduler_api_query(request, "scope");
    *out = EDIT_SCOPE_OCCURRENCE;
    if (!text)
        return true;
    for (size_t i = 0; i < 3; i++) {
        if (strcmp(text, scope_names[i]) == 0) {
            *out = (edit_scope)i;
            return true;
        }
    }
    scheduler_api_fail_field(request, "scope", "scope must be occurrence, following or series");
    return false;
}

/* The series and recurrence ID of occurrence `id`; CV_ERR_NOT_FOUND for a
 * booking without a series. */
static cv_result series_of(store_db *database, const char *id, series_row *row,
                           int64_t *recurrence_id)
{
    char series_id[ID_TEXT_SIZE];
    memset(row, 0, sizeof *row);
    cv_result result = db_series_of_booking(database, id, series_id);
    if (result == CV_OK)
        result = db_series_recurrence_id(database, id, recurrence_id);
    if (result == CV_OK)
        result = db_series_load(database, series_id, row);
    return result;
}

static bool has_email(const booking_participant *list, size_t count, const char *email)
{
    for (size_t index = 0; index < count; index++)
        if (list[index].email[0] != '\0' && text_equals_ignore_case(list[index].email, email))
            return true;
    return false;
}

/* Appends `email` to `list` (room for it is there) unless it is in it. */
static void add_recipient(series_attendee *list, size_t *count, const char *email, const char *name)
{
    for (size_t index = 0; index < *count; index++)
        if (text_equals_ignore_case(list[index].email, email))
            return;
    snprintf(list[*count].email, sizeof list[*count].email, "%s", email);
    snprintf(list[*count].name, sizeof list[*count].name, "%s", name);
    (*count)++;
}

/* The attendees of one occurrence, into *out (malloc'd; *count of them):
 * the series' attendees, less the e-mails of participants taken out of
 * this occurrence (in `before`, not in `record`), plus the e-mails of the
 * occurrence's own participants (attendees are kept per series, the
 * participants' e-mails per occurrence). `before` NULL: none taken out. */
static cv_result occurrence_recipients(const series_row *row, const booking *record,
                                       const booking_participant *before, size_t before_count,
                                       series_attendee **out, size_t *count)
{
    *count = 0;
    *out = calloc(row->attendee_count + record->participant_count + 1, sizeof **out);
    if (*out == NULL)
        return CV_ERR_NO_MEMORY;
    for (size_t index = 0; index < row->attendee_count; index++) {
        const series_attendee *attendee = &row->attendees[index];
        if (before && has_email(before, before_count, attendee->email) &&
            !has_email(record->participants, record->participant_count, attendee->email))
            continue; /* their participant is no longer in this occurrence */
        add_recipient(*out, count, attendee->email, attendee->name);
    }
    for (size_t index = 0; index < record->participant_count; index++)
        if (record->participants[index].email[0] != '\0')
            add_recipient(*out, count, record->participants[index].email, "");
    return CV_OK;
}

/* Queues `kind` for occurrence `record` (RECURRENCE-ID `recurrence_id`) of
 * `view`, a series row whose attendees are this message's recipients. */
static cv_result queue_occurrence_mail(scheduler_api_request *request, const series_row *view,
                                       const booking *record, int64_t recurrence_id,
                                       const bridge_views *views, mail_kind kind)
{
    series_event item;
    cv_result result =
        series_event_occurrence(view, record, recurrence_id, views, (int64_t)time(NULL), &item);
    item.event.cancelled = kind != MAIL_REQUEST;
    if (result == CV_OK)
        result = series_event_mail(request->daemon, request->database, kind, &item, record->id);
    series_event_free(&item);
    return result;
}

/* The one-occurrence message: `kind` for `record` with RECURRENCE-ID, to
 * the organizer and the occurrence's attendees (occurrence_recipients). */
static cv_result mail_occurrence(scheduler_api_request *request, const series_row *row,
                                 const booking *record, const booking_participant *before,
                                 size_t before_count, int64_t recurrence_id,
                                 const bridge_views *views, mail_kind kind)
{
    series_row view = *row; /* shallow: only its attendees differ, never freed */
    cv_result result = occurrence_recipients(row, record, before, before_count, &view.attendees,
                                             &view.attendee_count);
    if (result != CV_OK)
        return result;
    result = queue_occurrence_mail(request, &view, record, recurrence_id, views, kind);
    free(view.attendees);
    return result;
}

/* The CANCEL of one occurrence to whoever a change took out of it: the
 * e-mails of participants in `before` and no longer in `record` (a series
 * attendee among them was left out of the REQUEST too). Not to the
 * organizer: for them the occurrence stays. */
static cv_result mail_taken_out(scheduler_api_request *request, const series_row *row,
                                const booking *record, const booking_participant *before,
                                size_t before_count, int64_t recurrence_id,
                                const bridge_views *views)
{
    series_row view = *row; /* shallow: only its attendees differ, never freed */
    view.attendee_count = 0;
    view.attendees = calloc(before_count + 1, sizeof *view.attendees);
    if (view.attendees == NULL)
        return CV_ERR_NO_MEMORY;
    for (size_t index = 0; index < before_count; index++)
        if (before[index].email[0] != '\0' &&
            !has_email(record->participants, record->participant_count, before[index].email))
            add_recipient(view.attendees, &view.attendee_count, before[index].email, "");
    cv_result result = CV_OK;
    if (view.attendee_count > 0)
        result =
            queue_occurrence_mail(request, &view, record, recurrence_id, views, MAIL_UNINVITED);
    free(view.attendees);
    return result;
}

/* One occurrence changed (`kind` REQUEST) or cancelled (CANCEL, and
 * left out of the rule from now on): SEQUENCE raised, the message queued.
 * `before`: the occurrence's participants before a change (NULL: same). */
static cv_result occurrence_event(scheduler_api_request *request, const booking *record,
                                  const booking_participant *before, size_t before_count,
                                  const bridge_views *views, mail_kind kind)
{
    series_row row;
    int64_t recurrence_id = 0;
    cv_result result = series_of(request->database, record->id, &row, &recurrence_id);
    if (result == CV_ERR_NOT_FOUND)
        return CV_OK;
    if (result == CV_OK && kind == MAIL_CANCEL)
        result = series_row_exdate(&row, recurrence_id);
    row.sequence++;
    if (result == CV_OK)
        result = db_series_update(request->database, &row);
    if (result == CV_OK)
        result = mail_occurrence(request, &row, record, before, before_count, recurrence_id, views,
                                 kind);
    if (result == CV_OK && before != NULL)
        result = mail_taken_out(request, &row, record, before, before_count, recurrence_id, views);
    series_row_clear(&row);
    return result;
}

cv_result booking_series_cancelled(scheduler_api_request *request, const booking *record,
                                   const bridge_views *views)
{
    return occurrence_event(request, record, NULL, 0, views, MAIL_CANCEL);
}

cv_result booking_series_occurrence_changed(scheduler_api_request *request, const booking *record,
                                            const booking_participant *before, size_t before_count,
                                            const bridge_views *views)
{
    return occurrence_event(request, record, before, before_count, views, MAIL_REQUEST);
}

/* --- bookings touched ------------------------------------------------- */

cv_result series_touched_add(series_touched *touched, const booking *record)
{
    struct series_touched_item *grown =
        realloc(touched->items, (touched->count + 1) * sizeof *grown);
    if (!grown)
        return CV_ERR_NO_MEMORY;
    touched->items = grown;
    struct series_touched_item *item = &grown[touched->count++];
    snprintf(item->id, sizeof item->id, "%s", record->id);
    item->start = record->start;
    item->end = record->end;
    item->setup_buffer_minutes = record->setup_buffer_minutes;
    item->state = record->state;
    item->cancelled = record->cancelled;
    return CV_OK;
}

void series_touched_notify(scheduler_api_request *request, const series_touched *touched)
{
    for (size_t i = 0; i < touched->count; i++) {
        booking record;
        booking_init(&record);
        const struct series_touched_item *item = &touched->items[i];
        snprintf(record.id, sizeof record.id, "%s", item->id);
        record.start = item->start;
        record.end = item->end;
        record.setup_buffer_minutes = item->setup_buffer_minutes;
        record.state = item->state;
        record.cancelled = item->cancelled;
        lifecycle_booking_changed(request->daemon, &record);
        booking_clear(&record);
    }
}

void series_touched_free(series_touched *touched)
{
    free(touched->items);
    touched->items = NULL;
    touched->count = 0;
}

/* --- DELETE ?scope=following|series ------------------------------------ */

/* Cancels occurrence `id` (scheduled) in the caller's transaction. */
static cv_result cancel_row(store_db *database, const char *id, int64_t now, booking *out)
{
    cv_result result = booking_load(database, id, out);
    if (result != CV_OK)
        return result;
    out->cancelled = true;
    out->state = BOOKING_ENDED;
    out->updated = now;
    for (size_t i = 0; i < out->participant_count; i++)
        out->participants[i].state = PARTICIPANT_LEFT;
    return booking_store(database, out);
}

cv_result series_edit_cancel_rows(scheduler *daemon, store_db *database, char **ids, size_t count,
                                  int64_t now, series_touched *touched)
{
    cv_result result = CV_OK;
    for (size_t i = 0; result == CV_OK && i < count; i++) {
        booking record;
        result = cancel_row(database, ids[i], now, &record);
        if (result == CV_OK)
            result = series_touched_add(touched, &record);
        booking_clear(&record);
    }
    (void)daemon;
    return result;
}

/* The CANCEL of what a DELETE removed: the whole series, or (following)
 * this and every later occurrence (RECURRENCE-ID;RANGE=THISANDFUTURE). */
static cv_result mail_removed(scheduler_api_request *request, const series_row *row,
                              const booking *anchor, int64_t recurrence_id, bool whole,
                              const bridge_views *views)
{
    series_event item;
    int64_t now = (int64_t)time(NULL);
    cv_result result = whole
                           ? series_event_master(row, anchor, views, now, &item)
                           : series_event_occurrence(row, anchor, recurrence_id, views, now, &item);
    item.event.cancelled = true;
    item.event.this_and_future = !whole;
    if (result == CV_OK)
        result =
            series_event_mail(request->daemon, request->database, MAIL_CANCEL, &item, anchor->id);
    series_event_free(&item);
    return result;
}

/* In the transaction: cancels the scheduled occurrences from the anchor
 * on (following) or all (series) and ends or cancels the series row. */
static cv_result delete_scope(scheduler_api_request *request, series_edit_target *target,
                              edit_scope scope, series_touched *touched)
{
    series_row *row = &target->row;
    bool whole = scope == EDIT_SCOPE_SERIES || target->recurrence_id <= series_first_start(row);
    int64_t pivot = whole ? INT64_MIN : target->recurrence_id;
    char **ids = NULL;
    size_t count = 0;
    int64_t now = (int64_t)time(NULL);
    cv_result result = db_series_rows(request->database, row->id, pivot, true, &ids, &count);
    if (result == CV_OK)
        result =
            series_edit_cancel_rows(request->daemon, request->database, ids, count, now, touched);
    db_series_ids_free(ids, count);
    row->sequence++;
    if (result == CV_OK && whole)
        row->cancelled = true;
    else if (result == CV_OK)
        result = series_row_end_before(row, pivot);
    if (result == CV_OK)
        result = db_series_update(request->database, row);
    if (result == CV_OK)
        result = audit_record(request, whole ? "series.cancel" : "series.cancelFollowing",
                              target->anchor.id, NULL);
    if (result == CV_OK)
        result = mail_removed(request, row, &target->anchor, target->recurrence_id, whole,
                              &target->views);
    return result;
}

void booking_series_delete(scheduler_api_request *request, edit_scope scope)
{
    series_edit_target target;
    if (!series_edit_begin(request, scope, &target))
        return;
    series_touched touched = {NULL, 0};
    cv_result result = delete_scope(request, &target, scope, &touched);
    if (result == CV_OK)
        result = store_db_commit(request->database);
    if (result != CV_OK) {
        store_db_rollback(request->database);
        scheduler_api_fail_result(request, result, "cancelling the occurrences");
    } else {
        log_info("series %s: %zu occurrences cancelled (scope %s)", target.row.id, touched.count,
                 edit_scope_name(scope));
        series_touched_notify(request, &touched);
        mail_wake(request->daemon);
        json_t *document =
            json_pack("{s:s, s:s, s:I}", "series", target.row.id, "scope", edit_scope_name(scope),
                      "occurrencesCancelled", (json_int_t)touched.count);
        scheduler_api_reply_json(request, 200, document);
    }
    series_touched_free(&touched);
    series_edit_target_free(&target);
}

/* --- PATCH ?scope=following|series ------------------------------------- */

void booking_series_patch(scheduler_api_request *request, edit_scope scope)
{
    if (!scheduler_api_require_body(request))
        return;
    series_edit_target target;
    if (!series_edit_begin(request, scope, &target))
        return;
    series_move move;
    series_touched touched = {NULL, 0};
    bool done = series_move_read(request, &target, scope, &move) &&
                series_move_apply(request, &target, &move, &touched);
    if (!done) {
        store_db_rollback(request->database); /* the answer is set */
    } else {
        cv_result result = store_db_commit(request->database);
        if (result != CV_OK) {
            store_db_rollback(request->database);
            scheduler_api_fail_result(request, result, "storing the change");
        } else {
            series_touched_notify(request, &touched);
            mail_wake(request->daemon);
            series_move_reply(request, &target, &move);
        }
    }
    series_move_free(&move);
    series_touched_free(&touched);
    series_edit_target_free(&target);
}
