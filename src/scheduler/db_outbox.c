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
#include "common/store_sql.h"

typedef struct {
    const char *booking_id; /* may be NULL */
    mail_kind kind;
    const char *sender;
    const composed_mails *mails;
    int64_t now;
    const char *notice_key; /* NULL, or queued at most once under this key */
} outbox_queuing;

/* True when a message was queued under `key` before. */
static cv_result key_used(store_db *database, const char *key, bool *used)
{
    *used = false;
    if (!key)
        return CV_OK;
    store_stmt *statement =
        store_db_statement(database, "SELECT 1 FROM outbox WHERE notice_key = ?1");
    if (!statement)
        return CV_ERR_STORE;
    store_bind_text(statement, 1, key);
    store_step_state code = store_step(statement);
    *used = code == STORE_ROW;
    store_stmt_done(statement);
    return code == STORE_ROW || code == STORE_DONE ? CV_OK : store_db_error(database);
}

/* store_db_work of db_outbox_queue: every message or none (none when its
 * key was used before). */
static cv_result write_queue(store_db *database, void *context)
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
        store_stmt *statement = store_db_statement(
            database, "INSERT INTO outbox (booking_id, kind, sender, recipient, message_id,"
                      " body, next_attempt, created, notice_key)"
                      " VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?7, ?8)");
        if (!statement)
            return CV_ERR_STORE;
        store_bind_text_or_null(statement, 1, booking_id);
        store_bind_text(statement, 2, mail_kind_name(kind));
        store_bind_text(statement, 3, sender);
        store_bind_text(statement, 4, mails->items[i].recipient);
        store_bind_text(statement, 5, mails->items[i].message_id);
        store_bind_text(statement, 6, mails->items[i].text);
        store_bind_int64(statement, 7, now);
        store_bind_text_or_null(statement, 8, queuing->notice_key);
        cv_result result = store_stmt_run(statement);
        if (result != CV_OK)
            return result;
    }
    return CV_OK;
}

cv_result db_outbox_queue(store_db *database, const char *booking_id, mail_kind kind,
                          const char *sender, const composed_mails *mails, int64_t now,
                          const char *key)
{
    outbox_queuing queuing = {booking_id, kind, sender, mails, now, key};
    return store_db_transaction(database, write_queue, &queuing);
}

static cv_result read_due(store_db *database, int64_t now, size_t max, outbox_item **items,
                          size_t *count)
{
    store_stmt *statement = store_db_statement(
        database, "SELECT id, sender, recipient, body, attempts FROM outbox"
                  " WHERE state = 'pending' AND next_attempt <= ?1 ORDER BY id LIMIT ?2");
    if (!statement)
        return CV_ERR_STORE;
    store_bind_int64(statement, 1, now);
    store_bind_int64(statement, 2, (int64_t)max);
    *items = calloc(max ? max : 1, sizeof **items);
    cv_result result = *items ? CV_OK : CV_ERR_NO_MEMORY;
    store_step_state code = STORE_DONE;
    while (result == CV_OK && (code = store_step(statement)) == STORE_ROW) {
        outbox_item *item = &(*items)[(*count)++];
        bool failed = false;
        item->id = store_column_int64(statement, 0);
        item->sender = store_column_copy(statement, 1, &failed);
        item->recipient = store_column_copy(statement, 2, &failed);
        item->text = store_column_copy(statement, 3, &failed);
        item->attempts = store_column_int64(statement, 4);
        if (failed || !item->sender || !item->recipient || !item->text)
            result = CV_ERR_NO_MEMORY;
    }
    if (result == CV_OK && code != STORE_DONE)
        result = store_db_error(database);
    store_stmt_done(statement);
    return result;
}

static cv_result backend_due(void *context, int64_t now, size_t max, outbox_item **items,
                             size_t *count)
{
    store_db_pool *pool = context;
    *items = NULL;
    *count = 0;
    store_db *database = store_db_pool_acquire(pool);
    cv_result result = read_due(database, now, max, items, count);
    store_db_pool_release(pool, database);
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

/* store_db_work of update_row. */
static cv_result write_row(store_db *database, void *context)
{
    const row_update *update = context;
    store_stmt *statement = store_db_statement(database, update->sql);
    if (!statement)
        return CV_ERR_STORE;
    store_bind_int64(statement, 1, update->id);
    store_bind_int64(statement, 2, update->number);
    store_bind_text_or_null(statement, 3, update->text);
    return store_stmt_run(statement);
}

/* Runs one UPDATE of a row: `sql` takes ?1 id, ?2 a number, ?3 a text. */
static cv_result update_row(store_db_pool *pool, const char *sql, int64_t id, int64_t number,
                            const char *text)
{
    store_db *database = store_db_pool_acquire(pool);
    row_update update = {sql, id, number, text};
    cv_result result = store_db_transaction(database, write_row, &update);
    store_db_pool_release(pool, database);
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
    store_db_pool *pool = context;
    *when = -1;
    store_db *database = store_db_pool_acquire(pool);
    store_stmt *statement = store_db_statement(
        database, "SELECT min(next_attempt) FROM outbox WHERE state = 'pending'");
    cv_result result = CV_ERR_STORE;
    if (statement) {
        store_step_state code = store_step(statement);
        if (code == STORE_ROW && store_column_type(statement, 0) != STORE_NULL)
            *when = store_column_int64(statement, 0);
        result = code == STORE_ROW ? CV_OK : store_db_error(database);
        store_stmt_done(statement);
    }
    store_db_pool_release(pool, database);
    return result;
}

outbox_backend db_outbox_backend(store_db_pool *pool)
{
    outbox_backend backend = {backend_due,    backend_sent,     backend_retry,
                              backend_failed, backend_next_due, pool};
    return backend;
}

static json_t *row_json(store_stmt *statement)
{
    char created[RFC3339_TEXT_SIZE], next[RFC3339_TEXT_SIZE], sent[RFC3339_TEXT_SIZE];
    rfc3339_format_utc(store_column_int64(statement, 9), created, sizeof created);
    rfc3339_format_utc(store_column_int64(statement, 7), next, sizeof next);
    rfc3339_format_utc(store_column_int64(statement, 10), sent, sizeof sent);
    const char *state = store_column_text(statement, 5);
    const char *booking = store_column_text(statement, 1);
    const char *error = store_column_text(statement, 8);
    return json_pack("{s:I, s:s?, s:s, s:s, s:s, s:s, s:I, s:s?, s:s?, s:s, s:s?}", "id",
                     (json_int_t)store_column_int64(statement, 0), "booking", booking, "kind",
                     store_column_text(statement, 2), "recipient", store_column_text(statement, 3),
                     "messageId", store_column_text(statement, 4), "state", state, "attempts",
                     (json_int_t)store_column_int64(statement, 6), "nextAttempt",
                     strcmp(state, "pending") == 0 ? next : NULL, "lastError", error, "created",
                     created, "sent", store_column_type(statement, 10) == STORE_NULL ? NULL : sent);
}

cv_result db_outbox_list(store_db *database, const char *state, int64_t limit, json_t **out)
{
    *out = NULL;
    store_stmt *statement = store_db_statement(
        database, "SELECT id, booking_id, kind, recipient, message_id, state, attempts,"
                  " next_attempt, last_error, created, sent_at FROM outbox"
                  " WHERE CAST(?1 AS TEXT) IS NULL OR state = ?1 ORDER BY id DESC LIMIT ?2");
    if (!statement)
        return CV_ERR_STORE;
    store_bind_text_or_null(statement, 1, state);
    store_bind_int64(statement, 2, limit);
    json_t *list = json_array();
    cv_result result = list ? CV_OK : CV_ERR_NO_MEMORY;
    store_step_state code = STORE_DONE;
    while (result == CV_OK && (code = store_step(statement)) == STORE_ROW)
        if (json_array_append_new(list, row_json(statement)) != 0)
            result = CV_ERR_NO_MEMORY;
    if (result == CV_OK && code != STORE_DONE)
        result = store_db_error(database);
    store_stmt_done(statement);
    int64_t pending = 0;
    store_stmt *count =
        result == CV_OK
            ? store_db_statement(database, "SELECT count(*) FROM outbox WHERE state = 'pending'")
            : NULL;
    if (count && store_step(count) == STORE_ROW)
        pending = store_column_int64(count, 0);
    if (count)
        store_stmt_done(count);
    if (result != CV_OK) {
        json_decref(list);
        return result;
    }
    *out = json_pack("{s:o, s:I}", "messages", list, "pending", (json_int_t)pending);
    return *out ? CV_OK : CV_ERR_NO_MEMORY;
}
