/*
 * db_series.c - the SQL of booking series; see db_series.h.
 *
 * Owns: the statements on `booking_series` and the series columns of
 * `bookings`; exdates are kept as a JSON array of UTC seconds.
 */
#include "scheduler/db_series.h"

#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/store_sql.h"
#include "common/strbuf.h"

void series_row_clear(series_row *row)
{
    free(row->rrule);
    free(row->exdates);
    free(row->title);
    free(row->attendees);
    memset(row, 0, sizeof *row);
}

static char *exdates_text(const series_row *row)
{
    json_t *list = json_array();
    for (size_t i = 0; list && i < row->exdate_count; i++)
        json_array_append_new(list, json_integer((json_int_t)row->exdates[i]));
    char *text = list ? json_dumps(list, JSON_COMPACT) : NULL;
    json_decref(list);
    return text;
}

static char *attendees_text(const series_row *row)
{
    json_t *list = json_array();
    for (size_t i = 0; list && i < row->attendee_count; i++)
        json_array_append_new(list, json_pack("{s:s, s:s}", "email", row->attendees[i].email,
                                              "name", row->attendees[i].name));
    char *text = list ? json_dumps(list, JSON_COMPACT) : NULL;
    json_decref(list);
    return text;
}

static cv_result read_attendees(const char *text, series_row *out)
{
    json_t *list = json_loads(text ? text : "[]", 0, NULL);
    size_t count = json_array_size(list);
    if (count) {
        out->attendees = calloc(count, sizeof *out->attendees);
        if (!out->attendees) {
            json_decref(list);
            return CV_ERR_NO_MEMORY;
        }
    }
    for (size_t i = 0; i < count; i++) {
        json_t *person = json_array_get(list, i);
        const char *email = json_string_value(json_object_get(person, "email"));
        const char *name = json_string_value(json_object_get(person, "name"));
        series_attendee *into = &out->attendees[out->attendee_count++];
        snprintf(into->email, sizeof into->email, "%s", email ? email : "");
        snprintf(into->name, sizeof into->name, "%s", name ? name : "");
    }
    json_decref(list);
    return CV_OK;
}

/* Binds the members both INSERT and UPDATE write, ?2 to ?14; the two
 * JSON texts are the caller's until the statement is done. */
static void bind_members(store_stmt *statement, const series_row *row, const char *exdates,
                         const char *attendees)
{
    store_bind_text_or_null(statement, 2, row->rrule);
    store_bind_text(statement, 3, row->time_zone);
    store_bind_text(statement, 4, row->first_start);
    store_bind_int64(statement, 5, row->duration);
    store_bind_text(statement, 6, exdates);
    store_bind_text_or_null(statement, 7, row->organizer);
    store_bind_text_or_null(statement, 8, row->organizer_name);
    store_bind_int64(statement, 9, row->sequence);
    store_bind_int64(statement, 10, row->booked_until);
    store_bind_int64(statement, 11, row->created);
    store_bind_text(statement, 12, row->title ? row->title : "");
    store_bind_text(statement, 13, attendees);
    store_bind_int(statement, 14, row->cancelled ? 1 : 0);
}

/* Runs `sql` (a statement with ?1 the ID and bind_members' ?2..?14) for
 * `row`. */
static cv_result write_row(store_db *database, const series_row *row, const char *sql)
{
    char *exdates = exdates_text(row);
    char *attendees = attendees_text(row);
    cv_result result = CV_ERR_NO_MEMORY;
    store_stmt *statement = exdates && attendees ? store_db_statement(database, sql) : NULL;
    if (exdates && attendees)
        result = CV_ERR_STORE;
    if (statement) {
        store_bind_text(statement, 1, row->id);
        bind_members(statement, row, exdates, attendees);
        result = store_stmt_run(statement);
    }
    free(exdates);
    free(attendees);
    return result;
}

/* store_db_work of db_series_insert: `context` is the series_row. */
static cv_result write_insert(store_db *database, void *context)
{
    return write_row(database, context,
                     "INSERT INTO booking_series (id, rrule, time_zone, first_start, duration,"
                     " exdates, organizer, organizer_name, sequence, booked_until, created,"
                     " title, attendees, cancelled)"
                     " VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14)");
}

cv_result db_series_insert(store_db *database, const series_row *row)
{
    return store_db_transaction(database, write_insert, (void *)row);
}

static cv_result read_exdates(const char *text, series_row *out)
{
    json_t *list = json_loads(text ? text : "[]", 0, NULL);
    size_t count = json_array_size(list);
    if (count) {
        out->exdates = calloc(count, sizeof(int64_t));
        if (!out->exdates) {
            json_decref(list);
            return CV_ERR_NO_MEMORY;
        }
    }
    for (size_t i = 0; i < count; i++)
        out->exdates[out->exdate_count++] = json_integer_value(json_array_get(list, i));
    json_decref(list);
    return CV_OK;
}

cv_result db_series_load(store_db *database, const char *id, series_row *out)
{
    memset(out, 0, sizeof *out);
    store_stmt *statement = store_db_statement(
        database, "SELECT rrule, time_zone, first_start, duration, exdates, organizer,"
                  " organizer_name, sequence, booked_until, created, title, attendees,"
                  " cancelled FROM booking_series WHERE id = ?1");
    if (!statement)
        return CV_ERR_STORE;
    store_bind_text(statement, 1, id);
    store_step_state code = store_step(statement);
    cv_result result = code == STORE_ROW    ? CV_OK
                       : code == STORE_DONE ? CV_ERR_NOT_FOUND
                                            : store_db_error(database);
    bool failed = false;
    if (result == CV_OK) {
        snprintf(out->id, sizeof out->id, "%s", id);
        out->rrule = store_column_copy(statement, 0, &failed);
        store_column_into(statement, 1, out->time_zone, sizeof out->time_zone);
        store_column_into(statement, 2, out->first_start, sizeof out->first_start);
        out->duration = store_column_int64(statement, 3);
        result = read_exdates(store_column_text(statement, 4), out);
        store_column_into(statement, 5, out->organizer, sizeof out->organizer);
        store_column_into(statement, 6, out->organizer_name, sizeof out->organizer_name);
        out->sequence = store_column_int64(statement, 7);
        out->booked_until = store_column_int64(statement, 8);
        out->created = store_column_int64(statement, 9);
        out->title = store_column_copy(statement, 10, &failed);
        if (result == CV_OK)
            result = read_attendees(store_column_text(statement, 11), out);
        out->cancelled = store_column_int(statement, 12) != 0;
    }
    store_stmt_done(statement);
    if (result == CV_OK && failed)
        result = CV_ERR_NO_MEMORY;
    if (result != CV_OK)
        series_row_clear(out);
    return result;
}

/* store_db_work of db_series_update: `context` is the series_row. */
static cv_result write_update(store_db *database, void *context)
{
    return write_row(database, context,
                     "UPDATE booking_series SET rrule = ?2, time_zone = ?3, first_start = ?4,"
                     " duration = ?5, exdates = ?6, organizer = ?7, organizer_name = ?8,"
                     " sequence = ?9, booked_until = ?10, created = ?11, title = ?12,"
                     " attendees = ?13, cancelled = ?14 WHERE id = ?1");
}

cv_result db_series_update(store_db *database, const series_row *row)
{
    return store_db_transaction(database, write_update, (void *)row);
}

cv_result db_series_recurrence_id(store_db *database, const char *booking_id,
                                  int64_t *recurrence_id)
{
    store_stmt *statement =
        store_db_statement(database, "SELECT recurrence_id FROM bookings WHERE id = ?1");
    if (!statement)
        return CV_ERR_STORE;
    store_bind_text(statement, 1, booking_id);
    store_step_state code = store_step(statement);
    cv_result result = CV_ERR_NOT_FOUND;
    if (code == STORE_ROW && store_column_type(statement, 0) != STORE_NULL) {
        *recurrence_id = store_column_int64(statement, 0);
        result = CV_OK;
    } else if (code != STORE_ROW && code != STORE_DONE) {
        result = store_db_error(database);
    }
    store_stmt_done(statement);
    return result;
}

typedef struct {
    const char *booking_id, *series_id;
    int64_t recurrence_id;
} series_link;

/* store_db_work of db_series_link: `context` is the series_link. */
static cv_result write_link(store_db *database, void *context)
{
    const series_link *link = context;
    store_stmt *statement = store_db_statement(
        database, "UPDATE bookings SET series_id = ?2, recurrence_id = ?3 WHERE id = ?1");
    if (!statement)
        return CV_ERR_STORE;
    store_bind_text(statement, 1, link->booking_id);
    store_bind_text(statement, 2, link->series_id);
    store_bind_int64(statement, 3, link->recurrence_id);
    return store_stmt_run(statement);
}

typedef struct {
    const char *series_id;
    const char (*ids)[ID_TEXT_SIZE];
    size_t count;
} series_links;

#define LINKS_PER_STATEMENT 64

/* store_db_work of db_series_link_new: `context` is the series_links. */
static cv_result write_new_links(store_db *database, void *context)
{
    const series_links *links = context;
    cv_result result = CV_OK;
    for (size_t done = 0; result == CV_OK && done < links->count;) {
        /* 64, 32 ... 1 rows per statement: seven texts are ever prepared */
        size_t rows = LINKS_PER_STATEMENT;
        while (rows > links->count - done)
            rows /= 2;
        strbuf sql = STRBUF_INIT;
        strbuf_append_str(&sql, "UPDATE bookings SET series_id = ?1, recurrence_id = start_at"
                                " WHERE id IN (?2");
        for (size_t row = 1; row < rows; row++)
            strbuf_printf(&sql, ", ?%zu", row + 2);
        strbuf_append_char(&sql, ')');
        store_stmt *statement =
            strbuf_status(&sql) == CV_OK ? store_db_statement(database, strbuf_str(&sql)) : NULL;
        strbuf_free(&sql);
        if (!statement)
            return store_db_error(database) != CV_OK ? store_db_error(database) : CV_ERR_NO_MEMORY;
        store_bind_text(statement, 1, links->series_id);
        for (size_t row = 0; row < rows; row++)
            store_bind_text(statement, (int)row + 2, links->ids[done + row]);
        result = store_stmt_run(statement);
        done += rows;
    }
    return result;
}

cv_result db_series_link_new(store_db *database, const char *series_id,
                             const char (*ids)[ID_TEXT_SIZE], size_t count)
{
    series_links links = {series_id, ids, count};
    return store_db_transaction(database, write_new_links, &links);
}

cv_result db_series_link(store_db *database, const char *booking_id, const char *series_id,
                         int64_t recurrence_id)
{
    series_link link = {booking_id, series_id, recurrence_id};
    return store_db_transaction(database, write_link, &link);
}

cv_result db_series_of_booking(store_db *database, const char *booking_id,
                               char series_id[ID_TEXT_SIZE])
{
    store_stmt *statement =
        store_db_statement(database, "SELECT series_id FROM bookings WHERE id = ?1");
    if (!statement)
        return CV_ERR_STORE;
    store_bind_text(statement, 1, booking_id);
    store_step_state code = store_step(statement);
    cv_result result = CV_ERR_NOT_FOUND;
    if (code == STORE_ROW && store_column_type(statement, 0) != STORE_NULL) {
        store_column_into(statement, 0, series_id, ID_TEXT_SIZE);
        result = CV_OK;
    } else if (code != STORE_ROW && code != STORE_DONE) {
        result = store_db_error(database);
    }
    store_stmt_done(statement);
    return result;
}

void db_series_ids_free(char **ids, size_t count)
{
    for (size_t i = 0; i < count; i++)
        free(ids[i]);
    free(ids);
}

/* Steps a prepared statement whose first column is an ID, collecting at
 * most `limit` of them; hands the statement back. */
static cv_result collect_ids(store_stmt *statement, size_t limit, char ***ids, size_t *count)
{
    *ids = calloc(limit ? limit : 1, sizeof **ids);
    cv_result result = *ids ? CV_OK : CV_ERR_NO_MEMORY;
    store_step_state code = STORE_DONE;
    while (result == CV_OK && *count < limit && (code = store_step(statement)) == STORE_ROW) {
        char *id = strdup(store_column_text(statement, 0));
        if (!id)
            result = CV_ERR_NO_MEMORY;
        else
            (*ids)[(*count)++] = id;
    }
    if (result == CV_OK && code != STORE_DONE && code != STORE_ROW)
        result = store_stmt_error(statement);
    store_stmt_done(statement);
    if (result != CV_OK) {
        db_series_ids_free(*ids, *count);
        *ids = NULL;
        *count = 0;
    }
    return result;
}

cv_result db_series_occurrences(store_db *database, const char *series_id, int64_t from, int64_t to,
                                size_t limit, char ***ids, size_t *count)
{
    *ids = NULL;
    *count = 0;
    store_stmt *statement = store_db_statement(
        database, "SELECT id FROM bookings WHERE series_id = ?1 AND start_at >= ?2"
                  " AND start_at < ?3 AND cancelled = 0 ORDER BY start_at, id LIMIT ?4");
    if (!statement)
        return CV_ERR_STORE;
    store_bind_text(statement, 1, series_id);
    store_bind_int64(statement, 2, from);
    store_bind_int64(statement, 3, to);
    store_bind_int64(statement, 4, (int64_t)limit);
    return collect_ids(statement, limit, ids, count);
}

cv_result db_series_rows(store_db *database, const char *series_id, int64_t from_recurrence,
                         bool scheduled_only, char ***ids, size_t *count)
{
    *ids = NULL;
    *count = 0;
    store_stmt *statement = store_db_statement(
        database, "SELECT id FROM bookings WHERE series_id = ?1 AND recurrence_id >= ?2"
                  " AND cancelled = 0 AND (?3 = 0 OR state = 'scheduled')"
                  " ORDER BY recurrence_id, id");
    if (!statement)
        return CV_ERR_STORE;
    store_bind_text(statement, 1, series_id);
    store_bind_int64(statement, 2, from_recurrence);
    store_bind_int(statement, 3, scheduled_only ? 1 : 0);
    return collect_ids(statement, RECURRENCE_LIMIT_MAX, ids, count);
}

cv_result db_series_latest_begun(store_db *database, const char *series_id, int64_t *start)
{
    store_stmt *statement =
        store_db_statement(database, "SELECT max(start_at) FROM bookings WHERE series_id = ?1"
                                     " AND cancelled = 0 AND state <> 'scheduled'");
    if (!statement)
        return CV_ERR_STORE;
    store_bind_text(statement, 1, series_id);
    store_step_state code = store_step(statement);
    cv_result result = code == STORE_ROW ? CV_OK : store_db_error(database);
    *start = INT64_MIN;
    if (code == STORE_ROW && store_column_type(statement, 0) != STORE_NULL)
        *start = store_column_int64(statement, 0);
    store_stmt_done(statement);
    return result;
}

cv_result db_series_to_extend(store_db *database, int64_t until, char ***ids, size_t *count)
{
    *ids = NULL;
    *count = 0;
    store_stmt *statement = store_db_statement(
        database, "SELECT id FROM booking_series WHERE cancelled = 0 AND rrule IS NOT NULL"
                  " AND booked_until < ?1 AND upper(rrule) NOT LIKE '%COUNT=%'"
                  " AND upper(rrule) NOT LIKE '%UNTIL=%' ORDER BY booked_until");
    if (!statement)
        return CV_ERR_STORE;
    store_bind_int64(statement, 1, until);
    return collect_ids(statement, 1000, ids, count);
}

cv_result db_series_by_organizer(store_db *database, const char *email, size_t limit, char ***ids,
                                 size_t *count)
{
    *ids = NULL;
    *count = 0;
    store_stmt *statement =
        store_db_statement(database, "SELECT id FROM booking_series WHERE cancelled = 0"
                                     " AND lower(organizer) = lower(?1) ORDER BY created DESC, id");
    if (!statement)
        return CV_ERR_STORE;
    store_bind_text(statement, 1, email);
    return collect_ids(statement, limit, ids, count);
}

cv_result db_series_copy_owner(store_db *database, const char *from_id, const char *to_id)
{
    store_stmt *statement = store_db_statement(
        database, "UPDATE booking_series SET owner ="
                  " (SELECT owner FROM booking_series WHERE id = ?1) WHERE id = ?2");
    if (!statement)
        return CV_ERR_STORE;
    store_bind_text(statement, 1, from_id);
    store_bind_text(statement, 2, to_id);
    return store_stmt_run(statement);
}

cv_result db_series_exceptions(store_db *database, const char *series_id, int64_t from, int64_t to,
                               const char *bridge_id, int64_t slot, const char *passcode,
                               char ***ids, size_t *count)
{
    *ids = NULL;
    *count = 0;
    store_stmt *statement = store_db_statement(
        database,
        "SELECT b.id FROM bookings b JOIN booking_series s ON s.id = b.series_id"
        " WHERE b.series_id = ?1 AND b.cancelled = 0 AND b.start_at >= ?2 AND b.start_at < ?3"
        " AND (b.start_at <> b.recurrence_id OR b.end_at - b.start_at <> s.duration"
        " OR b.title <> s.title OR coalesce(b.bridge_id, '') <> ?4"
        " OR coalesce(b.slot, -1) <> ?5 OR coalesce(b.passcode, '') <> ?6)"
        " ORDER BY b.start_at, b.id");
    if (!statement)
        return CV_ERR_STORE;
    store_bind_text(statement, 1, series_id);
    store_bind_int64(statement, 2, from);
    store_bind_int64(statement, 3, to);
    store_bind_text(statement, 4, bridge_id ? bridge_id : "");
    store_bind_int64(statement, 5, slot);
    store_bind_text(statement, 6, passcode ? passcode : "");
    return collect_ids(statement, RECURRENCE_LIMIT_MAX, ids, count);
}
