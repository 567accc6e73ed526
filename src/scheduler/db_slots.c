/*
 * db_slots.c - capacity queries over the bookings tables (declared in
 * slots.h, where its callers look).
 *
 * Owns: the SQL that decides which slots and participants are taken over a
 * window, and the JSON lists of conflicts. Every query is a range scan of
 * a partial index (only bookings that hold capacity) bounded by
 * [from - longest span, to), so its cost follows the bookings near the
 * window, not the size of the table.
 *
 * Does not own: transactions, validation, bridges.
 */
#include "scheduler/slots.h"

#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "common/rfc3339.h"
#include "common/log.h"
#include "common/store_sql.h"

/* The longest [occupied_start, end) ever stored; 0 when none. */
static cv_result longest_span(store_db *database, int64_t *span)
{
    store_stmt *statement = NULL;
    cv_result code =
        store_db_prepare(database, "SELECT longest FROM booking_span WHERE id = 1", &statement);
    store_step_state step = STORE_FAILED;
    if (code != CV_OK)
        return store_db_error(database);
    *span = 0;
    step = store_step(statement);
    if (step == STORE_ROW)
        *span = store_column_int64(statement, 0);
    store_stmt_done(statement);
    return step == STORE_ROW || step == STORE_DONE ? CV_OK : store_db_error(database);
}

cv_result slots_note_span(store_db *database, int64_t span)
{
    store_stmt *statement = NULL;
    cv_result code = store_db_prepare(
        database,
        "INSERT INTO booking_span (id, longest) VALUES (1, ?1) "
        "ON CONFLICT(id) DO UPDATE SET longest = CASE WHEN booking_span.longest > ?1 "
        "THEN booking_span.longest ELSE ?1 END",
        &statement);
    store_step_state step = STORE_FAILED;
    if (code != CV_OK)
        return store_db_error(database);
    store_bind_int64(statement, 1, span);
    step = store_step(statement);
    store_stmt_done(statement);
    return step == STORE_DONE ? CV_OK : store_db_error(database);
}

/* Binds the parameters both overlap queries share: ?1 what is looked at
 * (a bridge ID or a participant's URI key), ?2..?4 the window widened by
 * the longest booking `span` (occupied_start > ?2 AND occupied_start < ?3
 * AND end_at > ?4), ?5 the booking left out (NULL: none). */
static void bind_window(store_stmt *statement, const char *key, const slot_window *window,
                        int64_t span)
{
    store_bind_text(statement, 1, key);
    store_bind_int64(statement, 2, window->from - span - 1);
    store_bind_int64(statement, 3, window->to);
    store_bind_int64(statement, 4, window->from);
    if (window->exclude_booking != NULL)
        store_bind_text(statement, 5, window->exclude_booking);
    else
        store_bind_null(statement, 5);
}

/* Prepares the bounded overlap query for one bridge; the caller steps it.
 * Columns: id, slot, title, start_at, end_at. */
static cv_result prepare_bridge_overlap(store_db *database, const char *bridge_id,
                                        const slot_window *window, store_stmt **out)
{
    int64_t span = 0;
    cv_result result = longest_span(database, &span);
    if (result != CV_OK)
        return result;
    store_stmt *statement = NULL;
    cv_result code =
        store_db_prepare(database,
                         "SELECT id, slot, title, start_at, end_at FROM bookings "
                         "WHERE holds_capacity = 1 AND bridge_id = ?1 AND occupied_start > ?2 "
                         "AND occupied_start < ?3 AND end_at > ?4 AND id IS DISTINCT FROM ?5 "
                         "ORDER BY occupied_start",
                         &statement);
    if (code != CV_OK)
        return store_db_error(database);
    bind_window(statement, bridge_id, window, span);
    *out = statement;
    return CV_OK;
}

cv_result slots_find_free(store_db *database, const char *bridge_id, int64_t base, int64_t quantity,
                          const slot_window *window, int64_t preferred, int64_t *slot_out)
{
    if (quantity <= 0)
        return CV_ERR_CONFLICT;
    unsigned char *taken = calloc((size_t)quantity, 1);
    if (taken == NULL)
        return CV_ERR_NO_MEMORY;
    store_stmt *statement = NULL;
    cv_result result = prepare_bridge_overlap(database, bridge_id, window, &statement);
    if (result != CV_OK) {
        free(taken);
        return result;
    }
    store_step_state code;
    while ((code = store_step(statement)) == STORE_ROW) {
        int64_t slot = store_column_int64(statement, 1);
        if (slot >= base && slot - base < quantity)
            taken[slot - base] = 1;
    }
    store_stmt_done(statement);
    if (code != STORE_DONE) {
        free(taken);
        return store_db_error(database);
    }
    result = CV_ERR_CONFLICT;
    if (preferred >= base && preferred - base < quantity && !taken[preferred - base]) {
        *slot_out = preferred;
        result = CV_OK;
    } else {
        for (int64_t index = 0; index < quantity; index++) {
            if (!taken[index]) {
                *slot_out = base + index;
                result = CV_OK;
                break;
            }
        }
    }
    free(taken);
    return result;
}

cv_result slots_is_free(store_db *database, const char *bridge_id, int64_t slot,
                        const slot_window *window, bool *free_out)
{
    store_stmt *statement = NULL;
    cv_result result = prepare_bridge_overlap(database, bridge_id, window, &statement);
    if (result != CV_OK)
        return result;
    *free_out = true;
    store_step_state code;
    while ((code = store_step(statement)) == STORE_ROW) {
        if (store_column_int64(statement, 1) == slot) {
            *free_out = false;
            code = STORE_DONE;
            break;
        }
    }
    store_stmt_done(statement);
    return code == STORE_DONE ? CV_OK : store_db_error(database);
}

/* {"booking", "title", "start", "end"} from columns id, title, start, end
 * at the given positions. NULL when out of memory. */
static json_t *conflict_entry(store_stmt *statement, int id_column, int title_column,
                              int start_column, int end_column)
{
    char start[32], end[32];
    rfc3339_format_utc(store_column_int64(statement, start_column), start, sizeof start);
    rfc3339_format_utc(store_column_int64(statement, end_column), end, sizeof end);
    const char *id = store_column_text(statement, id_column);
    const char *title = store_column_text(statement, title_column);
    return json_pack("{s:s, s:s, s:s, s:s}", "booking", id ? id : "", "title", title ? title : "",
                     "start", start, "end", end);
}

cv_result slots_list_bridge_bookings(store_db *database, const char *bridge_id,
                                     const slot_window *window, size_t limit, json_t *conflicts)
{
    store_stmt *statement = NULL;
    cv_result result = prepare_bridge_overlap(database, bridge_id, window, &statement);
    if (result != CV_OK)
        return result;
    store_step_state code;
    size_t listed = 0;
    while (listed < limit && (code = store_step(statement)) == STORE_ROW) {
        json_t *entry = conflict_entry(statement, 0, 2, 3, 4);
        if (entry == NULL ||
            json_object_set_new(entry, "slot", json_integer(store_column_int64(statement, 1))) !=
                0 ||
            json_object_set_new(entry, "bridge", json_string(bridge_id)) != 0 ||
            json_array_append_new(conflicts, entry) != 0) {
            store_stmt_done(statement);
            return CV_ERR_NO_MEMORY;
        }
        listed++;
    }
    if (listed == limit)
        code = STORE_DONE;
    store_stmt_done(statement);
    return code == STORE_DONE ? CV_OK : store_db_error(database);
}

cv_result slots_list_participant_conflicts(store_db *database, const char *const *uri_keys,
                                           size_t count, const slot_window *window,
                                           json_t *conflicts)
{
    if (count == 0)
        return CV_OK;
    int64_t span = 0;
    cv_result result = longest_span(database, &span);
    if (result != CV_OK)
        return result;
    store_stmt *statement = NULL;
    cv_result code = store_db_prepare(
        database,
        "SELECT p.uri, b.id, b.title, b.start_at, b.end_at FROM participants p "
        "JOIN bookings b ON b.id = p.booking_id "
        "WHERE p.holds_capacity = 1 AND p.uri_key = ?1 AND p.occupied_start > ?2 "
        "AND p.occupied_start < ?3 AND p.end_at > ?4 AND p.booking_id IS DISTINCT FROM ?5",
        &statement);
    store_step_state step = STORE_FAILED;
    if (code != CV_OK)
        return store_db_error(database);
    for (size_t index = 0; index < count; index++) {
        store_stmt_reset(statement);
        bind_window(statement, uri_keys[index], window, span);
        while ((step = store_step(statement)) == STORE_ROW) {
            json_t *entry = conflict_entry(statement, 1, 2, 3, 4);
            const char *uri = store_column_text(statement, 0);
            if (entry == NULL ||
                json_object_set_new(entry, "participant", json_string(uri ? uri : "")) != 0 ||
                json_array_append_new(conflicts, entry) != 0) {
                store_stmt_done(statement);
                return CV_ERR_NO_MEMORY;
            }
        }
        if (step != STORE_DONE) {
            store_stmt_done(statement);
            return store_db_error(database);
        }
    }
    store_stmt_done(statement);
    return CV_OK;
}

cv_result slots_in_use_range(store_db *database, const char *bridge_id, bool *any, int64_t *lowest,
                             int64_t *highest)
{
    store_stmt *statement = NULL;
    cv_result code = store_db_prepare(database,
                                      "SELECT min(slot), max(slot), count(*) FROM bookings "
                                      "WHERE holds_capacity = 1 AND bridge_id = ?1",
                                      &statement);
    store_step_state step = STORE_FAILED;
    if (code != CV_OK)
        return store_db_error(database);
    store_bind_text(statement, 1, bridge_id);
    step = store_step(statement);
    if (step != STORE_ROW) {
        store_stmt_done(statement);
        return store_db_error(database);
    }
    *any = store_column_int64(statement, 2) > 0;
    *lowest = store_column_int64(statement, 0);
    *highest = store_column_int64(statement, 1);
    store_stmt_done(statement);
    return CV_OK;
}
