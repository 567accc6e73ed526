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

#include "common/store.h"

void series_row_clear(series_row *row) {
  free(row->rrule);
  free(row->exdates);
  memset(row, 0, sizeof *row);
}

static char *exdates_text(const series_row *row) {
  json_t *list = json_array();
  for (size_t i = 0; list && i < row->exdate_count; i++)
    json_array_append_new(list, json_integer((json_int_t)row->exdates[i]));
  char *text = list ? json_dumps(list, JSON_COMPACT) : NULL;
  json_decref(list);
  return text;
}

/* store_work of db_series_insert: `context` is the series_row. */
static cv_result write_insert(sqlite3 *database, void *context) {
  const series_row *row = context;
  char *exdates = exdates_text(row);
  if (!exdates)
    return CV_ERR_NO_MEMORY;
  sqlite3_stmt *statement = store_statement(
      database,
      "INSERT INTO booking_series (id, rrule, time_zone, first_start, duration,"
      " exdates, organizer, organizer_name, sequence, booked_until, created)"
      " VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11)");
  if (!statement) {
    free(exdates);
    return CV_ERR_STORE;
  }
  sqlite3_bind_text(statement, 1, row->id, -1, SQLITE_STATIC);
  store_bind_text_or_null(statement, 2, row->rrule);
  sqlite3_bind_text(statement, 3, row->time_zone, -1, SQLITE_STATIC);
  sqlite3_bind_text(statement, 4, row->first_start, -1, SQLITE_STATIC);
  sqlite3_bind_int64(statement, 5, row->duration);
  sqlite3_bind_text(statement, 6, exdates, -1, SQLITE_STATIC);
  store_bind_text_or_null(statement, 7, row->organizer);
  store_bind_text_or_null(statement, 8, row->organizer_name);
  sqlite3_bind_int64(statement, 9, row->sequence);
  sqlite3_bind_int64(statement, 10, row->booked_until);
  sqlite3_bind_int64(statement, 11, row->created);
  cv_result result = store_statement_run(statement);
  free(exdates);
  return result;
}

cv_result db_series_insert(sqlite3 *database, const series_row *row) {
  return store_atomically(database, write_insert, (void *)row);
}

static cv_result read_exdates(const char *text, series_row *out) {
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
    out->exdates[out->exdate_count++] =
        json_integer_value(json_array_get(list, i));
  json_decref(list);
  return CV_OK;
}

cv_result db_series_load(sqlite3 *database, const char *id, series_row *out) {
  memset(out, 0, sizeof *out);
  sqlite3_stmt *statement = store_statement(
      database,
      "SELECT rrule, time_zone, first_start, duration, exdates, organizer,"
      " organizer_name, sequence, booked_until, created FROM booking_series"
      " WHERE id = ?1");
  if (!statement)
    return CV_ERR_STORE;
  sqlite3_bind_text(statement, 1, id, -1, SQLITE_STATIC);
  int code = sqlite3_step(statement);
  cv_result result = code == SQLITE_ROW    ? CV_OK
                     : code == SQLITE_DONE ? CV_ERR_NOT_FOUND
                                           : store_result(code);
  bool failed = false;
  if (result == CV_OK) {
    snprintf(out->id, sizeof out->id, "%s", id);
    out->rrule = store_column_copy(statement, 0, &failed);
    store_column_into(statement, 1, out->time_zone, sizeof out->time_zone);
    store_column_into(statement, 2, out->first_start, sizeof out->first_start);
    out->duration = sqlite3_column_int64(statement, 3);
    result = read_exdates((const char *)sqlite3_column_text(statement, 4), out);
    store_column_into(statement, 5, out->organizer, sizeof out->organizer);
    store_column_into(statement, 6, out->organizer_name,
                      sizeof out->organizer_name);
    out->sequence = sqlite3_column_int64(statement, 7);
    out->booked_until = sqlite3_column_int64(statement, 8);
    out->created = sqlite3_column_int64(statement, 9);
  }
  store_statement_done(statement);
  if (result == CV_OK && failed)
    result = CV_ERR_NO_MEMORY;
  if (result != CV_OK)
    series_row_clear(out);
  return result;
}

/* store_work of db_series_update: `context` is the series_row. */
static cv_result write_update(sqlite3 *database, void *context) {
  const series_row *row = context;
  char *exdates = exdates_text(row);
  if (!exdates)
    return CV_ERR_NO_MEMORY;
  sqlite3_stmt *statement = store_statement(
      database,
      "UPDATE booking_series SET exdates = ?2, sequence = ?3 WHERE id = ?1");
  cv_result result = CV_ERR_STORE;
  if (statement) {
    sqlite3_bind_text(statement, 1, row->id, -1, SQLITE_STATIC);
    sqlite3_bind_text(statement, 2, exdates, -1, SQLITE_STATIC);
    sqlite3_bind_int64(statement, 3, row->sequence);
    result = store_statement_run(statement);
  }
  free(exdates);
  return result;
}

cv_result db_series_update(sqlite3 *database, const series_row *row) {
  return store_atomically(database, write_update, (void *)row);
}

cv_result db_series_recurrence_id(sqlite3 *database, const char *booking_id,
                                  int64_t *recurrence_id) {
  sqlite3_stmt *statement = store_statement(
      database, "SELECT recurrence_id FROM bookings WHERE id = ?1");
  if (!statement)
    return CV_ERR_STORE;
  sqlite3_bind_text(statement, 1, booking_id, -1, SQLITE_STATIC);
  int code = sqlite3_step(statement);
  cv_result result = CV_ERR_NOT_FOUND;
  if (code == SQLITE_ROW && sqlite3_column_type(statement, 0) != SQLITE_NULL) {
    *recurrence_id = sqlite3_column_int64(statement, 0);
    result = CV_OK;
  } else if (code != SQLITE_ROW && code != SQLITE_DONE) {
    result = store_result(code);
  }
  store_statement_done(statement);
  return result;
}

typedef struct {
  const char *booking_id, *series_id;
  int64_t recurrence_id;
} series_link;

/* store_work of db_series_link: `context` is the series_link. */
static cv_result write_link(sqlite3 *database, void *context) {
  const series_link *link = context;
  sqlite3_stmt *statement = store_statement(
      database,
      "UPDATE bookings SET series_id = ?2, recurrence_id = ?3 WHERE id = ?1");
  if (!statement)
    return CV_ERR_STORE;
  sqlite3_bind_text(statement, 1, link->booking_id, -1, SQLITE_STATIC);
  sqlite3_bind_text(statement, 2, link->series_id, -1, SQLITE_STATIC);
  sqlite3_bind_int64(statement, 3, link->recurrence_id);
  return store_statement_run(statement);
}

cv_result db_series_link(sqlite3 *database, const char *booking_id,
                         const char *series_id, int64_t recurrence_id) {
  series_link link = {booking_id, series_id, recurrence_id};
  return store_atomically(database, write_link, &link);
}

cv_result db_series_of_booking(sqlite3 *database, const char *booking_id,
                               char series_id[ID_TEXT_SIZE]) {
  sqlite3_stmt *statement =
      store_statement(database, "SELECT series_id FROM bookings WHERE id = ?1");
  if (!statement)
    return CV_ERR_STORE;
  sqlite3_bind_text(statement, 1, booking_id, -1, SQLITE_STATIC);
  int code = sqlite3_step(statement);
  cv_result result = CV_ERR_NOT_FOUND;
  if (code == SQLITE_ROW && sqlite3_column_type(statement, 0) != SQLITE_NULL) {
    store_column_into(statement, 0, series_id, ID_TEXT_SIZE);
    result = CV_OK;
  } else if (code != SQLITE_ROW && code != SQLITE_DONE) {
    result = store_result(code);
  }
  store_statement_done(statement);
  return result;
}

cv_result db_series_occurrences(sqlite3 *database, const char *series_id,
                                int64_t from, int64_t to, size_t limit,
                                char ***ids, size_t *count) {
  *ids = NULL;
  *count = 0;
  sqlite3_stmt *statement = store_statement(
      database,
      "SELECT id FROM bookings WHERE series_id = ?1 AND start_at >= ?2"
      " AND start_at < ?3 AND cancelled = 0 ORDER BY start_at, id LIMIT ?4");
  if (!statement)
    return CV_ERR_STORE;
  sqlite3_bind_text(statement, 1, series_id, -1, SQLITE_STATIC);
  sqlite3_bind_int64(statement, 2, from);
  sqlite3_bind_int64(statement, 3, to);
  sqlite3_bind_int64(statement, 4, (sqlite3_int64)limit);
  *ids = calloc(limit ? limit : 1, sizeof **ids);
  cv_result result = *ids ? CV_OK : CV_ERR_NO_MEMORY;
  int code = SQLITE_DONE;
  while (result == CV_OK && (code = sqlite3_step(statement)) == SQLITE_ROW) {
    char *id = strdup((const char *)sqlite3_column_text(statement, 0));
    if (!id)
      result = CV_ERR_NO_MEMORY;
    else
      (*ids)[(*count)++] = id;
  }
  if (result == CV_OK && code != SQLITE_DONE)
    result = store_result(code);
  store_statement_done(statement);
  if (result != CV_OK) {
    for (size_t i = 0; i < *count; i++)
      free((*ids)[i]);
    free(*ids);
    *ids = NULL;
    *count = 0;
  }
  return result;
}
