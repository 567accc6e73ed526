/*
 * db_outbox.c - the SQL of the e-mail outbox; see db_outbox.h.
 *
 * Owns: the statements on `outbox`. Every statement comes from the
 * connection's statement cache.
 */
#include "scheduler/db_outbox.h"

#include <stdlib.h>
#include <string.h>

#include "common/rfc3339.h"
#include "common/store.h"

typedef struct {
    const char *booking_id; /* may be NULL */
    mail_kind kind;
    const char *sender;
    const composed_mails *mails;
    int64_t now;
    const char *notice_key; /* NULL, or queued at most once under this key */
} outbox_queuing;

/* True when a message was queued under `key` before. */
static cv_result key_used(sqlite3 *database, const char *key, bool *used)
{
    *used = false;
    if (!key)
        return CV_OK;
    sqlite3_stmt *statement =
        store_statement(database, "SELECT 1 FROM outbox WHERE notice_key = ?1");
    if (!statement)
        return CV_ERR_STORE;
    sqlite3_bind_text(statement, 1, key, -1, SQLITE_STATIC);
    int code = sqlite3_step(statement);
    *used = code == SQLITE_ROW;
    store_statement_done(statement);
    return code == SQLITE_ROW || code == SQLITE_DONE ? CV_OK : store_result(code);
}

/* store_work of db_outbox_queue: every message or none (none when its
 * key was used before). */
static cv_result write_queue(sqlite3 *database, void *context)
{
    const outbox_queuing *queuing = context;
    const char *booking_id = queuing->booking_id, *sender = queuing->sender;
    const composed_mails *mails = queuing->mails;
    mail_kind kind = queuing->kind;
    int64_t now = queuing->now;
    bool used = false;
    cv_result checked = key_used(database, queuing->notice_key, &used);
    if (checked != CV_OK || used)
        return checked;
    for (size_t i = 0; i < mails->count; i++) {
        sqlite3_stmt *statement = store_statement(
            database, "INSERT INTO outbox (booking_id, kind, sender, recipient, message_id,"
                      " body, next_attempt, created, notice_key)"
                      " VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?7, ?8)");
        if (!statement)
            return CV_ERR_STORE;
        store_bind_text_or_null(statement, 1, booking_id);
        sqlite3_bind_text(statement, 2, mail_kind_name(kind), -1, SQLITE_STATIC);
        sqlite3_bind_text(statement, 3, sender, -1, SQLITE_STATIC);
        sqlite3_bind_text(statement, 4, mails->items[i].recipient, -1, SQLITE_STATIC);
        sqlite3_bind_text(statement, 5, mails->items[i].message_id, -1, SQLITE_STATIC);
        sqlite3_bind_text(statement, 6, mails->items[i].text, -1, SQLITE_STATIC);
        sqlite3_bind_int64(statement, 7, now);
        store_bind_text_or_null(statement, 8, queuing->notice_key);
        cv_result result = store_statement_run(statement);
        if (result != CV_OK)
            return result;
    }
    return CV_OK;
}

cv_result db_outbox_queue(sqlite3 *database, const char *booking_id, mail_kind kind,
                          const char *sender, const composed_mails *mails, int64_t now,
                          const char *key)
{
    outbox_queuing queuing = {booking_id, kind, sender, mails, now, key};
    return store_atomically(database, write_queue, &queuing);
}

static cv_result read_due(sqlite3 *database, int64_t now, size_t max, outbox_item **items,
                          size_t *count)
{
    sqlite3_stmt *statement = store_statement(
        database, "SELECT id, sender, recipient, body, attempts FROM outbox"
                  " WHERE state = 'pending' AND next_attempt <= ?1 ORDER BY id LIMIT ?2");
    if (!statement)
        return CV_ERR_STORE;
    sqlite3_bind_int64(statement, 1, now);
    sqlite3_bind_int64(statement, 2, (sqlite3_int64)max);
    *items = calloc(max ? max : 1, sizeof **items);
    cv_result result = *items ? CV_OK : CV_ERR_NO_MEMORY;
    int code = SQLITE_DONE;
    while (result == CV_OK && (code = sqlite3_step(statement)) == SQLITE_ROW) {
        outbox_item *item = &(*items)[(*count)++];
        bool failed = false;
        item->id = sqlite3_column_int64(statement, 0);
        item->sender = store_column_copy(statement, 1, &failed);
        item->recipient = store_column_copy(statement, 2, &failed);
        item->text = store_column_copy(statement, 3, &failed);
        item->attempts = sqlite3_column_int64(statement, 4);
        if (failed || !item->sender || !item->recipient || !item->text)
            result = CV_ERR_NO_MEMORY;
    }
    if (result == CV_OK && code != SQLITE_DONE)
        result = store_result(code);
    store_statement_done(statement);
    return result;
}

static cv_result backend_due(void *context, int64_t now, size_t max, outbox_item **items,
                             size_t *count)
{
    store_pool *pool = context;
    *items = NULL;
    *count = 0;
    sqlite3 *database = store_pool_acquire(pool);
    cv_result result = read_due(database, now, max, items, count);
    store_pool_release(pool, database);
    if (result != CV_OK) {
        outbox_items_free(*items, *count);
        *items = NULL;
        *count = 0;
    }
    return result;
}

typedef struct {
    const char *sql; /* takes ?1 id, ?2 a number, ?3 a text */
    int64_t id, number;
    const char *text;
} row_update;

/* store_work of update_row. */
static cv_result write_row(sqlite3 *database, void *context)
{
    const row_update *update = context;
    sqlite3_stmt *statement = store_statement(database, update->sql);
    if (!statement)
        return CV_ERR_STORE;
    sqlite3_bind_int64(statement, 1, update->id);
    sqlite3_bind_int64(statement, 2, update->number);
    store_bind_text_or_null(statement, 3, update->text);
    return store_statement_run(statement);
}

/* Runs one UPDATE of a row: `sql` takes ?1 id, ?2 a number, ?3 a text. */
static cv_result update_row(store_pool *pool, const char *sql, int64_t id, int64_t number,
                            const char *text)
{
    sqlite3 *database = store_pool_acquire(pool);
    row_update update = {sql, id, number, text};
    cv_result result = store_atomically(database, write_row, &update);
    store_pool_release(pool, database);
    return result;
}

static cv_result backend_sent(void *context, int64_t id, int64_t now)
{
    return update_row(context,
                      "UPDATE outbox SET state = 'sent', sent_at = ?2, attempts = attempts + 1,"
                      " last_error = ?3 WHERE id = ?1",
                      id, now, NULL);
}

static cv_result backend_retry(void *context, int64_t id, int64_t next_attempt, const char *problem)
{
    return update_row(context,
                      "UPDATE outbox SET attempts = attempts + 1, next_attempt = ?2,"
                      " last_error = ?3 WHERE id = ?1",
                      id, next_attempt, problem);
}

static cv_result backend_failed(void *context, int64_t id, const char *problem)
{
    return update_row(context,
                      "UPDATE outbox SET state = 'failed', attempts = attempts + 1,"
                      " next_attempt = ?2, last_error = ?3 WHERE id = ?1",
                      id, 0, problem);
}

static cv_result backend_next_due(void *context, int64_t *when)
{
    store_pool *pool = context;
    *when = -1;
    sqlite3 *database = store_pool_acquire(pool);
    sqlite3_stmt *statement =
        store_statement(database, "SELECT min(next_attempt) FROM outbox WHERE state = 'pending'");
    cv_result result = CV_ERR_STORE;
    if (statement) {
        int code = sqlite3_step(statement);
        if (code == SQLITE_ROW && sqlite3_column_type(statement, 0) != SQLITE_NULL)
            *when = sqlite3_column_int64(statement, 0);
        result = code == SQLITE_ROW ? CV_OK : store_result(code);
        store_statement_done(statement);
    }
    store_pool_release(pool, database);
    return result;
}

outbox_backend db_outbox_backend(store_pool *pool)
{
    outbox_backend backend = {backend_due,    backend_sent,     backend_retry,
                              backend_failed, backend_next_due, pool};
    return backend;
}

static json_t *row_json(sqlite3_stmt *statement)
{
    char created[RFC3339_TEXT_SIZE], next[RFC3339_TEXT_SIZE], sent[RFC3339_TEXT_SIZE];
    rfc3339_format_utc(sqlite3_column_int64(statement, 9), created, sizeof created);
    rfc3339_format_utc(sqlite3_column_int64(statement, 7), next, sizeof next);
    rfc3339_format_utc(sqlite3_column_int64(statement, 10), sent, sizeof sent);
    const char *state = (const char *)sqlite3_column_text(statement, 5);
    const char *booking = (const char *)sqlite3_column_text(statement, 1);
    const char *error = (const char *)sqlite3_column_text(statement, 8);
    return json_pack("{s:I, s:s?, s:s, s:s, s:s, s:s, s:I, s:s?, s:s?, s:s, s:s?}", "id",
                     (json_int_t)sqlite3_column_int64(statement, 0), "booking", booking, "kind",
                     (const char *)sqlite3_column_text(statement, 2), "recipient",
                     (const char *)sqlite3_column_text(statement, 3), "messageId",
                     (const char *)sqlite3_column_text(statement, 4), "state", state, "attempts",
                     (json_int_t)sqlite3_column_int64(statement, 6), "nextAttempt",
                     strcmp(state, "pending") == 0 ? next : NULL, "lastError", error, "created",
                     created, "sent",
                     sqlite3_column_type(statement, 10) == SQLITE_NULL ? NULL : sent);
}

cv_result db_outbox_list(sqlite3 *database, const char *state, int64_t limit, json_t **out)
{
    *out = NULL;
    sqlite3_stmt *statement = store_statement(
        database, "SELECT id, booking_id, kind, recipient, message_id, state, attempts,"
                  " next_attempt, last_error, created, sent_at FROM outbox"
                  " WHERE ?1 IS NULL OR state = ?1 ORDER BY id DESC LIMIT ?2");
    if (!statement)
        return CV_ERR_STORE;
    store_bind_text_or_null(statement, 1, state);
    sqlite3_bind_int64(statement, 2, limit);
    json_t *list = json_array();
    cv_result result = list ? CV_OK : CV_ERR_NO_MEMORY;
    int code = SQLITE_DONE;
    while (result == CV_OK && (code = sqlite3_step(statement)) == SQLITE_ROW)
        if (json_array_append_new(list, row_json(statement)) != 0)
            result = CV_ERR_NO_MEMORY;
    if (result == CV_OK && code != SQLITE_DONE)
        result = store_result(code);
    store_statement_done(statement);
    int64_t pending = 0;
    sqlite3_stmt *count =
        result == CV_OK
            ? store_statement(database, "SELECT count(*) FROM outbox WHERE state = 'pending'")
            : NULL;
    if (count && sqlite3_step(count) == SQLITE_ROW)
        pending = sqlite3_column_int64(count, 0);
    if (count)
        store_statement_done(count);
    if (result != CV_OK) {
        json_decref(list);
        return result;
    }
    *out = json_pack("{s:o, s:I}", "messages", list, "pending", (json_int_t)pending);
    return *out ? CV_OK : CV_ERR_NO_MEMORY;
}
