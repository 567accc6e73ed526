/*
 * store_sqlite.c - the SQLite backend of store_sql.h: a thin mapping onto
 * sqlite3_*; opening, transactions (BEGIN IMMEDIATE) and the watch of a
 * deleted file stay store.c's, which this calls.
 *
 * Owns: the SQLite side of the backend table (store_sql_backend.h).
 * Does not own: the connection's settings, the pool, the checkpointer
 * (store.c), the statement cache (store_sql.c).
 */
#include <sqlite3.h>
#include <stdio.h>
#include <stdlib.h>

#include "common/store.h"
#include "common/store_sql_backend.h"

static sqlite3 *connection_of(const store_db *db)
{
    return db->handle;
}

static sqlite3_stmt *statement_of(const store_stmt *st)
{
    return st->handle;
}

/* Records the connection's current error on db and returns its result. */
static cv_result fail_with_connection(store_db *db, int code)
{
    return store_db_fail(db, store_result(code), "%s", sqlite3_errmsg(connection_of(db)));
}

static void sqlite_close(store_db *db)
{
    store_close(connection_of(db));
}

static cv_result sqlite_prepare(store_stmt *st)
{
    sqlite3_stmt *prepared = NULL;
    int code = sqlite3_prepare_v3(connection_of(st->db), st->sql, -1, SQLITE_PREPARE_PERSISTENT,
                                  &prepared, NULL);
    if (code != SQLITE_OK || prepared == NULL) {
        sqlite3_finalize(prepared);
        return fail_with_connection(st->db, code == SQLITE_OK ? SQLITE_ERROR : code);
    }
    st->handle = prepared;
    st->parameters = sqlite3_bind_parameter_count(prepared);
    return CV_OK;
}

static void sqlite_finalize(store_stmt *st)
{
    sqlite3_finalize(statement_of(st));
}

static void sqlite_reset(store_stmt *st)
{
    sqlite3_reset(statement_of(st));
    sqlite3_clear_bindings(statement_of(st));
}

static cv_result sqlite_bind(store_stmt *st, int index, const store_value *value)
{
    sqlite3_stmt *statement = statement_of(st);
    int code;
    switch (value->type) {
    case STORE_INTEGER:
        code = sqlite3_bind_int64(statement, index, value->integer);
        break;
    case STORE_TEXT:
        code = sqlite3_bind_text64(statement, index, value->data, value->size, SQLITE_TRANSIENT,
                                   SQLITE_UTF8);
        break;
    case STORE_BLOB:
        code = sqlite3_bind_blob64(statement, index, value->data, value->size, SQLITE_TRANSIENT);
        break;
    default:
        code = sqlite3_bind_null(statement, index);
        break;
    }
    return code == SQLITE_OK ? CV_OK : fail_with_connection(st->db, code);
}

static store_step_state sqlite_step(store_stmt *st)
{
    int code = sqlite3_step(statement_of(st));
    if (code == SQLITE_ROW)
        return STORE_ROW;
    if (code == SQLITE_DONE) {
        st->db->changes = sqlite3_changes64(connection_of(st->db));
        store_db_succeed(st->db);
        return STORE_DONE;
    }
    fail_with_connection(st->db, code);
    return STORE_FAILED;
}

static store_value_type sqlite_column_type(store_stmt *st, int column)
{
    switch (sqlite3_column_type(statement_of(st), column)) {
    case SQLITE_INTEGER:
        return STORE_INTEGER;
    case SQLITE_FLOAT:
        return STORE_FLOAT;
    case SQLITE_TEXT:
        return STORE_TEXT;
    case SQLITE_BLOB:
        return STORE_BLOB;
    default:
        return STORE_NULL;
    }
}

static const char *sqlite_column_text(store_stmt *st, int column)
{
    return (const char *)sqlite3_column_text(statement_of(st), column);
}

static int64_t sqlite_column_int64(store_stmt *st, int column)
{
    return sqlite3_column_int64(statement_of(st), column);
}

static const void *sqlite_column_blob(store_stmt *st, int column, size_t *size)
{
    const void *data = sqlite3_column_blob(statement_of(st), column);
    *size = (size_t)sqlite3_column_bytes(statement_of(st), column);
    return data;
}

static cv_result sqlite_exec(store_db *db, const char *sql)
{
    cv_result result = store_exec(connection_of(db), sql);
    if (result != CV_OK)
        return fail_with_connection(db, sqlite3_errcode(connection_of(db)));
    store_db_succeed(db);
    return CV_OK;
}

static cv_result sqlite_begin(store_db *db)
{
    cv_result result = store_begin(connection_of(db));
    return result == CV_OK ? CV_OK : store_db_fail(db, result, "cannot begin a transaction");
}

static cv_result sqlite_commit(store_db *db)
{
    cv_result result = store_commit(connection_of(db));
    return result == CV_OK ? CV_OK : store_db_fail(db, result, "commit failed");
}

static void sqlite_rollback(store_db *db)
{
    store_rollback(connection_of(db));
}

static bool sqlite_in_transaction(const store_db *db)
{
    return !sqlite3_get_autocommit(connection_of(db));
}

/* One file per component on SQLite: the component's version is the file's
 * user_version. */
static cv_result sqlite_read_version(store_db *db, const char *component, int *version)
{
    (void)component;
    store_stmt *st = store_db_statement(db, "PRAGMA user_version");
    if (!st)
        return db->error;
    cv_result result = store_step(st) == STORE_ROW ? CV_OK : db->error;
    if (result == CV_OK)
        *version = (int)store_column_int64(st, 0);
    store_stmt_done(st);
    return result;
}

static cv_result sqlite_write_version(store_db *db, const char *component, int version)
{
    (void)component;
    char pragma[48];
    snprintf(pragma, sizeof pragma, "PRAGMA user_version=%d", version);
    return sqlite_exec(db, pragma);
}

const store_backend store_sqlite_backend = {
    .kind = STORE_SQLITE,
    .close = sqlite_close,
    .prepare = sqlite_prepare,
    .finalize = sqlite_finalize,
    .reset = sqlite_reset,
    .bind = sqlite_bind,
    .step = sqlite_step,
    .column_type = sqlite_column_type,
    .column_text = sqlite_column_text,
    .column_int64 = sqlite_column_int64,
    .column_blob = sqlite_column_blob,
    .exec = sqlite_exec,
    .begin = sqlite_begin,
    .commit = sqlite_commit,
    .rollback = sqlite_rollback,
    .in_transaction = sqlite_in_transaction,
    .read_version = sqlite_read_version,
    .write_version = sqlite_write_version,
};
