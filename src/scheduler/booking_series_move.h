/*
 * booking_series_move.h - what PATCH ?scope=following|series does to a
 * series: reads the change, re-expands the changed part when its time,
 * rule or zone changes, and brings the occurrence rows in line: an
 * occurrence whose time stays is kept (checked only when its participants
 * or bridge change), one whose time changes is moved and checked, one the
 * new rule no longer has is cancelled, one it adds is booked and checked.
 *
 * Owns: the target of an edit (the anchor occurrence, its series, the
 * bridges) inside the edit's transaction and the change itself. Declares
 * for both edit files the list of bookings touched (told to the lifecycle
 * after the commit; kept in booking_series_edit.c). Does not own: the
 * scopes' entry points and DELETE (booking_series_edit.c).
 */
#ifndef CONVENE_SCHEDULER_BOOKING_SERIES_MOVE_H
#define CONVENE_SCHEDULER_BOOKING_SERIES_MOVE_H

#include <jansson.h>
#include <stdbool.h>

#include "scheduler/booking_series_edit.h"
#include "scheduler/db_series.h"
#include "scheduler/recurrence.h"
#include "scheduler/series.h"

/* The occurrence named in the URL, its series and the bridges, loaded in
 * the transaction series_edit_begin opened. */
typedef struct {
    bridge_views views;
    booking anchor;
    int64_t recurrence_id; /* the anchor's start by the rule */
    series_row row;
} series_edit_target;

/* Opens the transaction and loads the target; replies (and rolls back)
 * and returns false on a bad ID, a booking without a series (400 naming
 * "scope"), or a following-scope anchor that has begun (409). */
bool series_edit_begin(scheduler_api_request *request, edit_scope scope, series_edit_target *out);
void series_edit_target_free(series_edit_target *target);

/* The bookings a change wrote, for the lifecycle after the commit. */
typedef struct {
    struct series_touched_item {
        char id[ID_TEXT_SIZE];
        int64_t start, end, setup_buffer_minutes;
        booking_state state;
        bool cancelled;
    } * items;
    size_t count;
} series_touched;

cv_result series_touched_add(series_touched *touched, const booking *record);
void series_touched_notify(scheduler_api_request *request, const series_touched *touched);
void series_touched_free(series_touched *touched);

/* Cancels the scheduled occurrences `ids` in the caller's transaction. */
cv_result series_edit_cancel_rows(scheduler *daemon, store_db *database, char **ids, size_t count,
                                  int64_t now, series_touched *touched);

/* The UTC start of the series' first occurrence (DTSTART). */
int64_t series_first_start(const series_row *row);
/* Makes `record` (a copy of an occurrence) a new, never started
 * occurrence at `item`'s times: a new ID, scheduled, no slot yet, no
 * facts of a past meeting, participants pending. */
void series_occurrence_reset(booking *record, const occurrence *item, int64_t now);
/* Adds `start` to the series' left-out occurrences. */
cv_result series_row_exdate(series_row *row, int64_t start);
/* Ends the series' rule before `pivot` (UNTIL one second earlier) and
 * drops its exdates from `pivot` on. */
cv_result series_row_end_before(series_row *row, int64_t pivot);

/* A change of several occurrences, read from the body. */
typedef struct {
    edit_scope scope;
    series_request wanted; /* the series members of the body */
    json_t *plain;         /* the booking members, times in UTC */
    json_t *plain_no_times;
    booking changed; /* the anchor with the change applied */
    booking_changes changes;
    bool moves;           /* time, duration, rule or zone change */
    bool split;           /* following, not from the first occurrence: a new series */
    series_row next;      /* the series of the changed part */
    occurrence_list list; /* its occurrences, when it moves */
    json_t *clashes;
    size_t clash_count, kept, moved, added, removed;
    char reply_id[ID_TEXT_SIZE]; /* the occurrence answered with */
} series_move;

/* Reads the body; replies 400 and returns false when it is bad. */
bool series_move_read(scheduler_api_request *request, series_edit_target *target, edit_scope scope,
                      series_move *out);
/* Writes the change (rows, series, mail) in the open transaction;
 * replies (409 listing the clashing occurrences, ...) and returns false
 * when it cannot. */
bool series_move_apply(scheduler_api_request *request, series_edit_target *target,
                       series_move *move, series_touched *touched);
/* 200 with the occurrence and what happened. */
void series_move_reply(scheduler_api_request *request, series_edit_target *target,
                       series_move *move);
void series_move_free(series_move *move);

#endif
