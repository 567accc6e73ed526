/*
 * booking_series_move.c - changing several occurrences of a series at
 * once; see booking_series_move.h.
 *
 * Owns: the edit's target, reading the change, re-expanding, matching the
 * stored occurrences to the new ones, the capacity checks where times
 * change, the series rows and the REQUESTs. Does not own: the capacity
 * rules (booking_place), the SQL (db_series.c, db_bookings.c).
 */
#include "scheduler/booking_series_move.h"

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
#include "scheduler/db_users.h"
#include "scheduler/lifecycle.h"
#include "scheduler/series_calendar.h"

/* --- the target ------------------------------------------------------- */

void series_edit_target_free(series_edit_target *target)
{
    bridge_views_free(&target->views);
    booking_clear(&target->anchor);
    series_row_clear(&target->row);
}

/* Loads the anchor and its series; replies on failure. */
static bool load_target(scheduler_api_request *request, series_edit_target *out)
{
    const char *id = scheduler_api_segment(request, 1);
    cv_result result = id && id_is_valid(id) ? booking_load(request->database, id, &out->anchor)
                                             : CV_ERR_NOT_FOUND;
    if (result == CV_ERR_NOT_FOUND) {
        scheduler_api_fail_not_found(request, "booking", id ? id : "");
        return false;
    }
    char series_id[ID_TEXT_SIZE];
    if (result == CV_OK)
        result = db_series_of_booking(request->database, id, series_id);
    if (result == CV_ERR_NOT_FOUND) {
        scheduler_api_fail_field(request, "scope",
                                 "scope following or series needs an occurrence of a series");
        return false;
    }
    if (result == CV_OK)
        result = db_series_recurrence_id(request->database, id, &out->recurrence_id);
    if (result == CV_OK)
        result = db_series_load(request->database, series_id, &out->row);
    if (result != CV_OK)
        scheduler_api_fail_result(request, result, "loading the series");
    return result == CV_OK;
}

bool series_edit_begin(scheduler_api_request *request, edit_scope scope, series_edit_target *out)
{
    memset(out, 0, sizeof *out);
    booking_init(&out->anchor);
    cv_result result = store_db_begin(request->database);
    if (result != CV_OK) {
        scheduler_api_fail_result(request, result, "starting a transaction");
        return false;
    }
    result = bridge_views_load(request->database, &out->views);
    if (result != CV_OK)
        scheduler_api_fail_result(request, result, "loading the bridges");
    bool ready = result == CV_OK && load_target(request, out);
    if (ready && scope == EDIT_SCOPE_FOLLOWING &&
        (out->anchor.state != BOOKING_SCHEDULED || out->anchor.cancelled)) {
        scheduler_api_fail_conflict(
            request, "this occurrence has begun, is over or is cancelled: change the next one",
            json_pack("[{s:s, s:s}]", "booking", out->anchor.id, "state",
                      booking_state_name(out->anchor.state)));
        ready = false;
    }
    if (!ready) {
        store_db_rollback(request->database);
        series_edit_target_free(out);
    }
    return ready;
}

/* --- series rows -------------------------------------------------------- */

int64_t series_first_start(const series_row *row)
{
    wall_time first;
    wall_time_kind kind;
    int64_t start = 0;
    if (wall_time_parse(row->first_start, &first) != CV_OK ||
        wall_time_to_utc(row->time_zone, &first, &start, &kind) != CV_OK)
        return 0;
    return start;
}

cv_result series_row_exdate(series_row *row, int64_t start)
{
    int64_t *grown = realloc(row->exdates, (row->exdate_count + 1) * sizeof *grown);
    if (!grown)
        return CV_ERR_NO_MEMORY;
    row->exdates = grown;
    row->exdates[row->exdate_count++] = start;
    return CV_OK;
}

/* Keeps the exdates before `pivot` (`before`) or from it on. */
static void filter_exdates(series_row *row, int64_t pivot, bool before)
{
    size_t kept = 0;
    for (size_t i = 0; i < row->exdate_count; i++)
        if ((row->exdates[i] < pivot) == before)
            row->exdates[kept++] = row->exdates[i];
    row->exdate_count = kept;
}

cv_result series_row_end_before(series_row *row, int64_t pivot)
{
    filter_exdates(row, pivot, true);
    if (row->booked_until > pivot)
        row->booked_until = pivot;
    if (!row->rrule)
        return CV_OK;
    char *limited = NULL;
    cv_result result = recurrence_rule_limit(row->rrule, 0, pivot - 1, &limited);
    if (result == CV_OK) {
        free(row->rrule);
        row->rrule = limited;
    }
    return result;
}

/* A deep copy of `source` into `out`. */
static cv_result row_copy(const series_row *source, series_row *out)
{
    *out = *source;
    out->rrule = source->rrule ? text_duplicate(source->rrule) : NULL;
    out->title = text_duplicate(source->title ? source->title : "");
    out->exdates = calloc(source->exdate_count + 1, sizeof *out->exdates);
    out->attendees = calloc(source->attendee_count + 1, sizeof *out->attendees);
    if ((source->rrule && !out->rrule) || !out->title || !out->exdates || !out->attendees)
        return CV_ERR_NO_MEMORY;
    if (source->exdate_count) /* the source arrays are NULL when empty */
        memcpy(out->exdates, source->exdates, source->exdate_count * sizeof *out->exdates);
    if (source->attendee_count)
        memcpy(out->attendees, source->attendees, source->attendee_count * sizeof *out->attendees);
    return CV_OK;
}

/* --- reading the change ------------------------------------------------- */

void series_move_free(series_move *move)
{
    series_request_clear(&move->wanted);
    json_decref(move->plain);
    json_decref(move->plain_no_times);
    booking_clear(&move->changed);
    series_row_clear(&move->next);
    occurrence_list_free(&move->list);
    json_decref(move->clashes);
    memset(move, 0, sizeof *move);
}

/* Reads the series and booking members into `move`; replies on bad input. */
static bool read_members(scheduler_api_request *request, series_edit_target *target,
                         series_move *move)
{
    series_error error;
    cv_result result =
        series_request_from_json(request->body, rfc3339_parse, &move->wanted, &error);
    if (result != CV_OK) {
        scheduler_api_fail_field(request, error.field, "%s %s", error.field, error.message);
        return false;
    }
    const char *zone = move->wanted.has_time_zone ? move->wanted.time_zone : target->row.time_zone;
    move->plain = booking_series_plain_body(request, zone);
    if (!move->plain)
        return false;
    move->plain_no_times = json_deep_copy(move->plain);
    json_object_del(move->plain_no_times, "start");
    json_object_del(move->plain_no_times, "end");
    result = booking_load(request->database, target->anchor.id, &move->changed);
    booking_limits limits = booking_api_limits(request);
    const char *bridge_text = NULL;
    if (result == CV_OK)
        result = booking_apply_json(&move->changed, move->plain, &limits, false, &move->changes,
                                    &bridge_text);
    if (result == CV_ERR_INVALID) {
        scheduler_api_fail_field(request, move->changes.error.field, "%s %s",
                                 move->changes.error.field, move->changes.error.message);
        return false;
    }
    if (result != CV_OK) {
        scheduler_api_fail_result(request, result, "reading the change");
        return false;
    }
    if (move->changes.has_bridge && bridge_text) {
        char chosen[ID_TEXT_SIZE];
        if (!booking_api_resolve_bridge(request, &target->views, bridge_text, chosen))
            return false;
        snprintf(move->changed.bridge_id, sizeof move->changed.bridge_id, "%s", chosen);
    }
    move->changed.bridge_chosen =
        move->changes.has_bridge ? bridge_text != NULL : target->anchor.bridge_chosen;
    return true;
}

static bool differs_text(const char *left, const char *right)
{
    return strcmp(left ? left : "", right ? right : "") != 0;
}

/* The remaining COUNT of the series' rule from `pivot` on. */
static cv_result remaining_count(const series_row *row, int64_t pivot, size_t *count)
{
    wall_time first;
    cv_result result = wall_time_parse(row->first_start, &first);
    recurrence_series rules = {row->rrule, row->time_zone, first, row->duration, NULL, 0};
    recurrence_window window = {pivot, (int64_t)RFC3339_YEAR_MAX * 366 * 86400,
                                RECURRENCE_LIMIT_MAX};
    occurrence_list list = {NULL, 0, false};
    char problem[RECURRENCE_PROBLEM_SIZE];
    if (result == CV_OK)
        result = recurrence_expand(&rules, &window, &list, problem);
    *count = list.count;
    occurrence_list_free(&list);
    return result;
}

/* The rule of the part that is split off: the client's, else the old one
 * with COUNT cut to what is left. */
static cv_result split_rule(const series_row *row, const series_move *move, int64_t pivot,
                            char **out)
{
    const char *rule = move->wanted.rrule ? move->wanted.rrule : row->rrule;
    *out = NULL;
    if (!rule)
        return CV_OK;
    if (move->wanted.rrule || recurrence_rule_is_endless(rule) || strstr(rule, "COUNT=") == NULL) {
        *out = text_duplicate(rule);
        return *out ? CV_OK : CV_ERR_NO_MEMORY;
    }
    size_t left = 0;
    cv_result result = remaining_count(row, pivot, &left);
    if (result == CV_OK)
        result = recurrence_rule_limit(rule, left > 0 ? (int)left : 1, 0, out);
    return result;
}

/* The new series row of the changed part: a copy of the old (same ID for
 * scope series), or a new one starting at the anchor (following). */
static cv_result make_next(scheduler_api_request *request, series_edit_target *target,
                           series_move *move)
{
    series_row *next = &move->next;
    cv_result result = row_copy(&target->row, next);
    if (result != CV_OK)
        return result;
    if (move->split) {
        id_generate(next->id);
        next->sequence = 0;
        next->created = booking_api_limits(request).now;
        filter_exdates(next, target->recurrence_id, false);
        free(next->rrule);
        result = split_rule(&target->row, move, target->recurrence_id, &next->rrule);
        wall_time first;
        utc_to_wall_time(next->time_zone, target->recurrence_id, &first, NULL);
        wall_time_format(&first, next->first_start, sizeof next->first_start);
    } else {
        next->sequence++;
    }
    free(next->title);
    next->title = text_duplicate(move->changed.title ? move->changed.title : "");
    if (move->wanted.has_organizer) {
        snprintf(next->organizer, sizeof next->organizer, "%s", move->wanted.organizer);
        snprintf(next->organizer_name, sizeof next->organizer_name, "%s",
                 move->wanted.organizer_name);
    }
    if (move->wanted.has_attendees) {
        free(next->attendees);
        next->attendees = calloc(move->wanted.attendee_count + 1, sizeof *next->attendees);
        if (!next->attendees)
            return CV_ERR_NO_MEMORY;
        if (move->wanted.attendee_count) /* "attendees": [] or null: nobody */
            memcpy(next->attendees, move->wanted.attendees,
                   move->wanted.attendee_count * sizeof *next->attendees);
        next->attendee_count = move->wanted.attendee_count;
    }
    return result == CV_OK && !next->title ? CV_ERR_NO_MEMORY : result;
}

/* The recurrence ID of the series' first occurrence still scheduled;
 * CV_ERR_NOT_FOUND when there is none. */
static cv_result first_scheduled(store_db *database, const char *series_id, int64_t *out)
{
    char **ids = NULL;
    size_t count = 0;
    cv_result result = db_series_rows(database, series_id, INT64_MIN, true, &ids, &count);
    if (result == CV_OK)
        result = count ? db_series_recurrence_id(database, ids[0], out) : CV_ERR_NOT_FOUND;
    db_series_ids_free(ids, count);
    return result;
}

/* The changed part's occurrences when its time, rule or zone changes:
 * from the anchor's new start (following, or a new rule), else from the
 * series' first start moved as much as the anchor moved. */
static bool expand_next(scheduler_api_request *request, series_edit_target *target,
                        series_move *move)
{
    series_row *next = &move->next;
    if (move->wanted.has_time_zone)
        snprintf(next->time_zone, sizeof next->time_zone, "%s", move->wanted.time_zone);
    if (move->wanted.rrule && !move->split) {
        free(next->rrule);
        next->rrule = text_duplicate(move->wanted.rrule);
    }
    int64_t first = move->changed.start;
    int64_t old_first = series_first_start(&target->row);
    if (!move->split && !move->wanted.rrule && target->recurrence_id != old_first)
        first = old_first + (move->changed.start - target->anchor.start);
    wall_time wall;
    utc_to_wall_time(next->time_zone, first, &wall, NULL);
    wall_time_format(&wall, next->first_start, sizeof next->first_start);
    next->duration = move->changed.end - move->changed.start;
    next->exdate_count = 0; /* a new time or rule leaves none of the old out */
    recurrence_series rules = {next->rrule,    next->time_zone,      wall,
                               next->duration, move->wanted.exdates, move->wanted.exdate_count};
    bool endless = next->rrule && recurrence_rule_is_endless(next->rrule);
    int64_t now = booking_api_limits(request).now;
    int64_t horizon = now + request->daemon->options.series_horizon_days * 86400;
    /* the same rule moved: from where the first occurrence still to come
     * moves to, so none that has begun is booked again */
    int64_t from = first, earliest = 0;
    if (!move->split && !move->wanted.rrule &&
        first_scheduled(request->database, target->row.id, &earliest) == CV_OK)
        from = earliest + (move->changed.start - target->anchor.start);
    recurrence_window window = {from,
                                endless ? (horizon > from ? horizon : from + 1)
                                        : (int64_t)RFC3339_YEAR_MAX * 366 * 86400,
                                RECURRENCE_LIMIT_MAX};
    char problem[RECURRENCE_PROBLEM_SIZE] = "";
    cv_result result = recurrence_expand(&rules, &window, &move->list, problem);
    if (result == CV_OK && (move->list.more || move->list.count == 0)) {
        snprintf(problem, sizeof problem, "%s",
                 move->list.more ? "gives too many occurrences" : "leaves no occurrence");
        result = CV_ERR_INVALID;
    }
    if (result != CV_OK) {
        const char *field = move->wanted.rrule ? "recurrence.rrule" : "start";
        scheduler_api_fail_field(request, field, "%s %s", field, problem);
        return false;
    }
    next->booked_until = endless ? window.to : move->list.items[move->list.count - 1].start + 1;
    return true;
}

bool series_move_read(scheduler_api_request *request, series_edit_target *target, edit_scope scope,
                      series_move *out)
{
    memset(out, 0, sizeof *out);
    booking_init(&out->changed);
    out->scope = scope;
    out->clashes = json_array();
    snprintf(out->reply_id, sizeof out->reply_id, "%s", target->anchor.id);
    if (!read_members(request, target, out))
        return false;
    const booking *old = &target->anchor;
    out->moves =
        out->changed.start != old->start ||
        out->changed.end - out->changed.start != old->end - old->start ||
        (out->wanted.rrule && differs_text(out->wanted.rrule, target->row.rrule)) ||
        (out->wanted.has_time_zone && differs_text(out->wanted.time_zone, target->row.time_zone));
    out->split =
        scope == EDIT_SCOPE_FOLLOWING && target->recurrence_id > series_first_start(&target->row);
    cv_result result = make_next(request, target, out);
    if (result != CV_OK) {
        scheduler_api_fail_result(request, result, "reading the change");
        return false;
    }
    return !out->moves || expand_next(request, target, out);
}

/* --- writing the change ------------------------------------------------- */

/* Occurrence `id` with the change's members (not its times) applied. */
static cv_result prepare_row(scheduler_api_request *request, series_move *move, const char *id,
                             booking *record)
{
    cv_result result = booking_load(request->database, id, record);
    booking_limits limits = booking_api_limits(request);
    booking_changes changes;
    const char *bridge_text = NULL;
    if (result == CV_OK)
        result = booking_apply_json(record, move->plain_no_times, &limits, false, &changes,
                                    &bridge_text);
    if (result == CV_OK && move->changes.has_bridge) {
        if (strcmp(record->bridge_id, move->changed.bridge_id) != 0)
            record->slot = -1;
        snprintf(record->bridge_id, sizeof record->bridge_id, "%s", move->changed.bridge_id);
        record->bridge_chosen = move->changed.bridge_chosen;
    }
    record->updated = limits.now;
    return result;
}

/* Records that the occurrence the rule starts at `start` clashes. */
static void note_clash(series_move *move, int64_t start, const char *reason, json_t *conflicts)
{
    move->clash_count++;
    if (move->clash_count > SERIES_CLASHES_LISTED) {
        json_decref(conflicts);
        return;
    }
    char utc[RFC3339_TEXT_SIZE], local[WALL_TIME_TEXT_SIZE] = "";
    wall_time wall;
    rfc3339_format_utc(start, utc, sizeof utc);
    if (utc_to_wall_time(move->next.time_zone, start, &wall, NULL) == CV_OK)
        wall_time_format(&wall, local, sizeof local);
    json_array_append_new(move->clashes,
                          json_pack("{s:s, s:s, s:s, s:s, s:o}", "occurrence", utc, "localStart",
                                    local, "timeZone", move->next.time_zone, "reason",
                                    reason ? reason : "the occurrence conflicts", "conflicts",
                                    conflicts ? conflicts : json_array()));
}

/* Places `record` (its time may have changed; only when `check`) and
 * stores it as the occurrence `start` of the changed part; a clash is
 * noted, and with skipConflicts the occurrence is left out (cancelled
 * when it is `stored` already). */
static cv_result place_and_store(scheduler_api_request *request, series_edit_target *target,
                                 series_move *move, booking *record, int64_t start, bool check,
                                 bool stored, series_touched *touched)
{
    json_t *conflicts = NULL;
    const char *reason = NULL;
    cv_result result = CV_OK;
    if (check)
        result = booking_place(request->database, record, target->views.placements,
                               target->views.count, &conflicts, &reason);
    if (result == CV_ERR_CONFLICT) {
        note_clash(move, start, reason, conflicts);
        if (!move->wanted.skip_conflicts)
            return CV_OK; /* the whole change is refused later */
        result = series_row_exdate(&move->next, start);
        char *id = record->id;
        if (result == CV_OK && stored)
            result = series_edit_cancel_rows(request->daemon, request->database, &id, 1,
                                             record->updated, touched);
        return result;
    }
    json_decref(conflicts);
    if (result == CV_OK)
        result = booking_store(request->database, record);
    if (result == CV_OK)
        result = db_series_link(request->database, record->id, move->next.id, start);
    if (result == CV_OK)
        result = series_touched_add(touched, record);
    return result;
}

/* No time changes: every occurrence in scope takes the other members; a
 * capacity check only when participants, bridge or set-up time change. */
static cv_result apply_in_place(scheduler_api_request *request, series_edit_target *target,
                                series_move *move, char **ids, size_t count,
                                series_touched *touched)
{
    bool check = move->changes.has_participants || move->changes.has_bridge ||
                 move->changes.has_setup_buffer;
    cv_result result = CV_OK;
    for (size_t i = 0; result == CV_OK && i < count; i++) {
        booking record;
        int64_t start = 0;
        result = prepare_row(request, move, ids[i], &record);
        if (result == CV_OK)
            result = db_series_recurrence_id(request->database, ids[i], &start);
        if (result == CV_OK)
            result = place_and_store(request, target, move, &record, start, check, true, touched);
        booking_clear(&record);
        move->kept++;
    }
    return result;
}

/* A new occurrence like the anchor after the change, never started. */
static cv_result new_row(scheduler_api_request *request, series_edit_target *target,
                         series_move *move, const occurrence *item, booking *record)
{
    cv_result result = prepare_row(request, move, target->anchor.id, record);
    if (result != CV_OK)
        return result;
    series_occurrence_reset(record, item, record->updated);
    return CV_OK;
}

void series_occurrence_reset(booking *record, const occurrence *item, int64_t now)
{
    id_generate_ordered(record->id);
    record->start = item->start;
    record->end = item->end;
    record->state = BOOKING_SCHEDULED;
    record->cancelled = false;
    record->slot = -1;
    record->created = record->updated = now;
    free(record->failure);
    free(record->started_via);
    free(record->slot_note);
    record->failure = record->started_via = record->slot_note = NULL;
    record->cospace_id[0] = record->call_id[0] = record->secret[0] = '\0';
    for (size_t i = 0; i < record->participant_count; i++) {
        booking_participant *participant = &record->participants[i];
        participant->state = PARTICIPANT_PENDING;
        participant->call_leg_id[0] = '\0';
        participant->attempts = participant->state_since = participant->next_attempt = 0;
    }
}

/* Brings one occurrence of the new expansion about: `stored` (an
 * occurrence in scope, moved if its times differ) or a new one. */
static cv_result apply_one(scheduler_api_request *request, series_edit_target *target,
                           series_move *move, const booking *stored, const occurrence *item,
                           series_touched *touched)
{
    booking record;
    cv_result result = stored ? prepare_row(request, move, stored->id, &record)
                              : new_row(request, target, move, item, &record);
    if (result != CV_OK) {
        booking_clear(&record);
        return result;
    }
    bool same = stored && record.start == item->start && record.end == item->end;
    bool check = !same || move->changes.has_participants || move->changes.has_bridge ||
                 move->changes.has_setup_buffer;
    record.start = item->start;
    record.end = item->end;
    if (!same && !record.bridge_chosen)
        record.slot = -1;
    result = place_and_store(request, target, move, &record, item->start, check, stored != NULL,
                             touched);
    if (!stored)
        move->added++;
    else if (same)
        move->kept++;
    else
        move->moved++;
    booking_clear(&record);
    return result;
}

#define PAIR_NONE (-1) /* a new occurrence: booked new */
#define PAIR_PAST (-2) /* in the past: left alone */

/* Index of the stored occurrence with exactly `item`'s times, or
 * PAIR_NONE. */
static long find_same(booking *rows, const bool *used, size_t count, const occurrence *item)
{
    for (size_t j = 0; j < count; j++)
        if (!used[j] && rows[j].start == item->start && rows[j].end == item->end)
            return (long)j;
    return PAIR_NONE;
}

/* The time changes: pairs the stored occurrences in scope with the new
 * ones (same times kept, others moved in order, the rest cancelled or
 * booked new); only moved and new ones are checked. */
static cv_result apply_moves(scheduler_api_request *request, series_edit_target *target,
                             series_move *move, booking *rows, size_t count,
                             series_touched *touched)
{
    bool *used = calloc(count + 1, sizeof *used);
    long *pair = calloc(move->list.count + 1, sizeof *pair);
    int64_t begun = INT64_MIN, now = booking_api_limits(request).now;
    cv_result result = used && pair
                           ? db_series_latest_begun(request->database, target->row.id, &begun)
                           : CV_ERR_NO_MEMORY;
    for (size_t i = 0; result == CV_OK && i < move->list.count; i++) {
        const occurrence *item = &move->list.items[i];
        /* the new rule's past (before now, or before an occurrence that
         * has begun) is neither booked nor given a stored occurrence */
        pair[i] = item->start <= begun || item->start <= now ? PAIR_PAST
                                                             : find_same(rows, used, count, item);
        if (pair[i] >= 0)
            used[pair[i]] = true;
    }
    for (size_t i = 0, j = 0; result == CV_OK && i < move->list.count; i++) {
        while (pair[i] == PAIR_NONE && j < count && used[j])
            j++;
        if (pair[i] == PAIR_NONE && j < count && used[j] == false) {
            pair[i] = (long)j;
            used[j] = true;
        }
    }
    for (size_t j = 0; result == CV_OK && j < count; j++) {
        char *id = rows[j].id;
        if (!used[j] && (result = series_edit_cancel_rows(request->daemon, request->database, &id,
                                                          1, now, touched)) == CV_OK)
            move->removed++;
    }
    for (size_t i = 0; result == CV_OK && i < move->list.count; i++) {
        if (pair[i] == PAIR_PAST)
            continue;
        result = apply_one(request, target, move, pair[i] >= 0 ? &rows[pair[i]] : NULL,
                           &move->list.items[i], touched);
    }
    free(used);
    free(pair);
    return result;
}

/* The REQUEST of a whole series (its master), dial-in from its first
 * occurrence. */
static cv_result mail_master(scheduler_api_request *request, const series_row *row,
                             const bridge_views *views)
{
    char **ids = NULL;
    size_t count = 0;
    booking first;
    booking_init(&first);
    cv_result result = db_series_rows(request->database, row->id, INT64_MIN, false, &ids, &count);
    bool have = result == CV_OK && count > 0 &&
                (result = booking_load(request->database, ids[0], &first)) == CV_OK;
    series_event item;
    memset(&item, 0, sizeof item);
    if (result == CV_OK)
        result = series_event_master(row, have ? &first : NULL, views, (int64_t)time(NULL), &item);
    if (result == CV_OK)
        result = series_event_mail(request->daemon, request->database, MAIL_REQUEST, &item,
                                   have ? first.id : NULL);
    series_event_free(&item);
    booking_clear(&first);
    db_series_ids_free(ids, count);
    return result;
}

/* Loads the occurrences `ids` (for pairing by time). */
static cv_result load_rows(store_db *database, char **ids, size_t count, booking **rows)
{
    *rows = calloc(count + 1, sizeof **rows);
    if (!*rows)
        return CV_ERR_NO_MEMORY;
    for (size_t i = 0; i < count; i++)
        booking_init(&(*rows)[i]);
    cv_result result = CV_OK;
    for (size_t i = 0; result == CV_OK && i < count; i++)
        result = booking_load(database, ids[i], &(*rows)[i]);
    return result;
}

/* The occurrences in scope brought in line with the change. */
static cv_result apply_rows(scheduler_api_request *request, series_edit_target *target,
                            series_move *move, series_touched *touched)
{
    int64_t pivot = move->scope == EDIT_SCOPE_FOLLOWING ? target->recurrence_id : INT64_MIN;
    char **ids = NULL;
    size_t count = 0;
    cv_result result = db_series_rows(request->database, target->row.id, pivot, true, &ids, &count);
    if (result == CV_OK && !move->moves) {
        result = apply_in_place(request, target, move, ids, count, touched);
    } else if (result == CV_OK) {
        booking *rows = NULL;
        result = load_rows(request->database, ids, count, &rows);
        if (result == CV_OK)
            result = apply_moves(request, target, move, rows, count, touched);
        for (size_t i = 0; rows && i < count; i++)
            booking_clear(&rows[i]);
        free(rows);
    }
    db_series_ids_free(ids, count);
    return result;
}

/* The series rows (the old one ended before the anchor when split) and
 * their REQUESTs. */
static cv_result write_series(scheduler_api_request *request, series_edit_target *target,
                              series_move *move)
{
    cv_result result = CV_OK;
    if (move->split) {
        target->row.sequence++;
        result = series_row_end_before(&target->row, target->recurrence_id);
        if (result == CV_OK)
            result = db_series_update(request->database, &target->row);
        if (result == CV_OK)
            result = mail_master(request, &target->row, &target->views);
    }
    /* a split's row was inserted before its occurrences were linked */
    if (result == CV_OK)
        result = db_series_update(request->database, &move->next);
    if (result == CV_OK)
        result = mail_master(request, &move->next, &target->views);
    return result;
}

bool series_move_apply(scheduler_api_request *request, series_edit_target *target,
                       series_move *move, series_touched *touched)
{
    /* a new series row exists before its occurrences point at it */
    cv_result result = move->split ? db_series_insert(request->database, &move->next) : CV_OK;
    if (result == CV_OK && move->split)
        result = db_series_copy_owner(request->database, target->row.id, move->next.id);
    if (result == CV_OK)
        result = apply_rows(request, target, move, touched);
    if (result == CV_OK && move->clash_count > 0 && !move->wanted.skip_conflicts) {
        char message[200];
        snprintf(message, sizeof message,
                 "the change clashes with other bookings in %zu occurrences%s; send "
                 "skipConflicts: true to change the others",
                 move->clash_count,
                 move->clash_count > SERIES_CLASHES_LISTED ? " (the first 100 are listed)" : "");
        scheduler_api_fail_conflict(request, message, move->clashes);
        move->clashes = NULL;
        return false;
    }
    if (result == CV_OK)
        result = audit_record(
            request, move->scope == EDIT_SCOPE_SERIES ? "series.change" : "series.changeFollowing",
            target->anchor.id, json_deep_copy(request->body));
    if (result == CV_OK)
        result = write_series(request, target, move);
    if (result != CV_OK)
        scheduler_api_fail_result(request, result, "storing the change");
    return result == CV_OK;
}

void series_move_reply(scheduler_api_request *request, series_edit_target *target,
                       series_move *move)
{
    booking record;
    cv_result result = booking_load(request->database, move->reply_id, &record);
    if (result == CV_OK && record.cancelled) {
        /* the anchor is no longer in the rule: answer with the first left */
        char **ids = NULL;
        size_t count = 0;
        if (db_series_rows(request->database, move->next.id, INT64_MIN, false, &ids, &count) ==
                CV_OK &&
            count > 0) {
            booking_clear(&record);
            result = booking_load(request->database, ids[0], &record);
        }
        db_series_ids_free(ids, count);
    }
    if (result != CV_OK) {
        scheduler_api_fail_result(request, result, "loading the booking");
        return;
    }
    json_t *document = booking_to_json(&record, bridge_domain(&target->views, record.bridge_id));
    char owner[DB_USER_NAME_SIZE] = "";
    if (document && db_users_booking_owner(request->database, record.id, owner, sizeof owner) ==
                        CV_OK) /* as every booking answer has it */
        json_object_set_new(document, "owner", owner[0] ? json_string(owner) : json_null());
    if (document && booking_series_decorate(request->database, record.id, document) != CV_OK) {
        json_decref(document);
        document = NULL;
    }
    booking_clear(&record);
    json_t *outcome = json_pack(
        "{s:s, s:b, s:I, s:I, s:I, s:I, s:o}", "scope", edit_scope_name(move->scope), "split",
        move->split, "kept", (json_int_t)move->kept, "moved", (json_int_t)move->moved, "added",
        (json_int_t)move->added, "cancelled", (json_int_t)move->removed, "skipped",
        move->clashes ? json_incref(move->clashes) : json_array());
    if (move->split)
        json_object_set_new(outcome, "previousSeries", json_string(target->row.id));
    json_object_set_new(document, "change", outcome);
    log_info("series %s: changed (scope %s): %zu kept, %zu moved, %zu added, %zu cancelled, "
             "%zu skipped",
             move->next.id, edit_scope_name(move->scope), move->kept, move->moved, move->added,
             move->removed, move->clash_count);
    scheduler_api_reply_json(request, 200, document);
}
