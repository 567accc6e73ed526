/*
 * store_sql.c - the backend-neutral statement API (store_sql.h): the
 * statement cache, binding and reading through the backend's table,
 * transactions and migrations, and the two pure helpers (placeholder
 * translation, SQLSTATE mapping).
 *
 * Owns: the per-connection statement cache, the migration loop, the
 * `?` -> `$n` translation, the SQLSTATE -> cv_result table.
 * Does not own: either database's API (store_sqlite.c,
 * store_postgresql.c), any SQL text of the daemons.
 */
#include <ctype.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/log.h"
#include "common/store.h"
#include "common/store_sql_backend.h"
#include "common/strbuf.h"

const char *store_kind_name(store_kind kind)
{
    static const char *const names[] = {
        [STORE_SQLITE] = "sqlite", [STORE_POSTGRESQL] = "postgresql"};
    return (unsigned)kind < sizeof names / sizeof names[0] ? names[kind] : "unknown";
}

bool store_location_is_postgresql(const char *location)
{
    return location && (strncmp(location, "postgresql://", 13) == 0 ||
                        strncmp(location, "postgres://", 11) == 0);
}

void store_location_masked(const char *location, char *out, size_t size)
{
    strbuf masked = STRBUF_INIT;
    const char *scheme = store_location_is_postgresql(location) ? strstr(location, "://") : NULL;
    const char *at = scheme ? strchr(scheme + 3, '@') : NULL;
    const char *colon = at ? memchr(scheme + 3, ':', (size_t)(at - scheme - 3)) : NULL;
    const char *rest = location;
    if (colon) { /* postgresql://user:PASSWORD@host */
        strbuf_append(&masked, location, (size_t)(colon - location) + 1);
        strbuf_append_str(&masked, "*****");
        rest = at;
    }
    for (const char *found; scheme && (found = strstr(rest, "password=")) != NULL;) {
        strbuf_append(&masked, rest, (size_t)(found - rest) + 9);
        strbuf_append_str(&masked, "*****");
        rest = found + 9 + strcspn(found + 9, "&");
    }
    strbuf_append_str(&masked, rest);
    snprintf(out, size, "%s", strbuf_status(&masked) == CV_OK ? strbuf_str(&masked) : "");
    strbuf_free(&masked);
}

cv_result store_db_fail(store_db *db, cv_result result, const char *format, ...)
{
    va_list arguments;
    va_start(arguments, format);
    vsnprintf(db->message, sizeof db->message, format, arguments);
    va_end(arguments);
    db->error = result;
    return result;
}

void store_db_succeed(store_db *db)
{
    db->error = CV_OK;
    db->message[0] = '\0';
}

static store_db *new_db(const store_backend *backend)
{
    store_db *db = calloc(1, sizeof *db);
    if (db)
        db->backend = backend;
    return db;
}

cv_result store_db_open(const char *location, const char *password_file, store_db **out)
{
    *out = NULL;
    bool postgresql = store_location_is_postgresql(location);
    store_db *db = new_db(postgresql ? &store_postgresql_backend : &store_sqlite_backend);
    if (!db)
        return CV_ERR_NO_MEMORY;
    db->owned = true;
    cv_result result = postgresql ? store_postgresql_connect(db, location, password_file)
                                  : store_open(location, (sqlite3 **)&db->handle);
    if (result != CV_OK) {
        free(db);
        return result;
    }
    *out = db;
    return CV_OK;
}

cv_result store_db_adopt_sqlite(sqlite3 *connection, store_db **out)
{
    store_db *db = new_db(&store_sqlite_backend);
    if (!db)
        return CV_ERR_NO_MEMORY;
    db->handle = connection;
    *out = db;
    return CV_OK;
}

void store_db_close(store_db *db)
{
    if (!db)
        return;
    for (store_stmt *st = db->statements, *next; st; st = next) {
        next = st->next;
        db->backend->finalize(st);
        free(st->sql);
        free(st);
    }
    db->statements = NULL;
    if (db->owned)
        db->backend->close(db);
    free(db);
}

store_kind store_db_kind(const store_db *db)
{
    return db->backend->kind;
}

sqlite3 *store_db_sqlite(store_db *db)
{
    return db->backend->kind == STORE_SQLITE ? db->handle : NULL;
}

void store_db_wait_eagerly(store_db *db, bool eager)
{
    sqlite3 *connection = store_db_sqlite(db);
    if (connection != NULL)
        store_wait_eagerly(connection, eager);
}

cv_result store_db_error(const store_db *db)
{
    return db->error;
}

const char *store_db_message(const store_db *db)
{
    return db->message;
}

int64_t store_db_changes(const store_db *db)
{
    return db->changes;
}

cv_result store_db_exec(store_db *db, const char *sql)
{
    return db->backend->exec(db, sql);
}

store_stmt *store_db_statement(store_db *db, const char *sql)
{
    for (store_stmt *st = db->statements; st; st = st->next) {
        if (!st->busy && strcmp(st->sql, sql) == 0) {
            st->busy = true;
            store_db_succeed(db); /* the last call succeeded: store_db_error is CV_OK */
            return st;
        }
    }
    store_stmt *st = calloc(1, sizeof *st);
    if (st)
        st->sql = strdup(sql);
    if (!st || !st->sql) {
        if (st)
            free(st);
        store_db_fail(db, CV_ERR_NO_MEMORY, "out of memory");
        return NULL;
    }
    st->db = db;
    if (db->backend->prepare(st) != CV_OK) {
        log_error("database: cannot prepare %s: %s", sql, db->message);
        free(st->sql);
        free(st);
        return NULL;
    }
    st->busy = true;
    store_db_succeed(db);
    st->next = db->statements;
    db->statements = st;
    return st;
}

cv_result store_db_prepare(store_db *db, const char *sql, store_stmt **out)
{
    *out = store_db_statement(db, sql);
    if (*out)
        return CV_OK;
    return db->error != CV_OK ? db->error : CV_ERR_STORE;
}

void store_stmt_reset(store_stmt *st)
{
    st->db->backend->reset(st);
}

bool store_stmt_take(store_stmt *st)
{
    if (st->busy)
        return false;
    st->busy = true;
    return true;
}

cv_result store_stmt_error(const store_stmt *st)
{
    return st->db->error;
}

void store_stmt_done(store_stmt *st)
{
    if (!st)
        return;
    st->db->backend->reset(st);
    st->busy = false;
}

static cv_result bind(store_stmt *st, int index, const store_value *value)
{
    if (index < 1 || index > st->parameters)
        return store_db_fail(st->db, CV_ERR_INVALID, "parameter %d of %d", index, st->parameters);
    return st->db->backend->bind(st, index, value);
}

cv_result store_bind_text(store_stmt *st, int index, const char *text)
{
    return text ? store_bind_text_length(st, index, text, strlen(text))
                : store_bind_null(st, index);
}

cv_result store_bind_text_length(store_stmt *st, int index, const char *text, size_t length)
{
    store_value value = {.type = STORE_TEXT, .data = text, .size = length};
    return bind(st, index, &value);
}

cv_result store_bind_int64(store_stmt *st, int index, int64_t number)
{
    store_value value = {.type = STORE_INTEGER, .integer = number};
    return bind(st, index, &value);
}

cv_result store_bind_int(store_stmt *st, int index, int number)
{
    return store_bind_int64(st, index, number);
}

cv_result store_bind_null(store_stmt *st, int index)
{
    store_value value = {.type = STORE_NULL};
    return bind(st, index, &value);
}

cv_result store_bind_blob(store_stmt *st, int index, const void *data, size_t size)
{
    store_value value = {.type = STORE_BLOB, .data = data, .size = size};
    return bind(st, index, &value);
}

cv_result store_bind_text_or_null(store_stmt *st, int index, const char *text)
{
    return text && text[0] ? store_bind_text(st, index, text) : store_bind_null(st, index);
}

int store_bind_count(const store_stmt *st)
{
    return st->parameters;
}

store_step_state store_step(store_stmt *st)
{
    return st->db->backend->step(st);
}

cv_result store_stmt_run(store_stmt *st)
{
    store_step_state state;
    while ((state = store_step(st)) == STORE_ROW)
        ;
    cv_result result = state == STORE_DONE ? CV_OK : st->db->error;
    store_stmt_done(st);
    return result;
}

const char *store_column_text(store_stmt *st, int column)
{
    return st->db->backend->column_text(st, column);
}

int64_t store_column_int64(store_stmt *st, int column)
{
    return st->db->backend->column_int64(st, column);
}

int store_column_int(store_stmt *st, int column)
{
    return (int)store_column_int64(st, column);
}

store_value_type store_column_type(store_stmt *st, int column)
{
    return st->db->backend->column_type(st, column);
}

char *store_column_copy(store_stmt *st, int column, bool *failed)
{
    const char *text = store_column_text(st, column);
    if (!text)
        return NULL;
    char *copy = strdup(text);
    if (!copy && failed)
        *failed = true;
    return copy;
}

void store_column_into(store_stmt *st, int column, char *out, size_t size)
{
    const char *text = store_column_text(st, column);
    snprintf(out, size, "%s", text ? text : "");
}

const char *store_column_text_or_empty(store_stmt *st, int column)
{
    const char *text = store_column_text(st, column);
    return text ? text : "";
}

int64_t store_column_int64_or(store_stmt *st, int column, int64_t if_null)
{
    return store_column_type(st, column) == STORE_NULL ? if_null : store_column_int64(st, column);
}

const void *store_column_blob(store_stmt *st, int column)
{
    size_t size;
    return st->db->backend->column_blob(st, column, &size);
}

size_t store_column_bytes(store_stmt *st, int column)
{
    size_t size = 0;
    st->db->backend->column_blob(st, column, &size);
    return size;
}

cv_result store_db_begin(store_db *db)
{
    return db->backend->begin(db);
}

cv_result store_db_commit(store_db *db)
{
    return db->backend->commit(db);
}

void store_db_rollback(store_db *db)
{
    db->backend->rollback(db);
}

bool store_db_in_transaction(const store_db *db)
{
    return db->backend->in_transaction(db);
}

cv_result store_db_transaction(store_db *db, store_db_work work, void *context)
{
    if (store_db_in_transaction(db))
        return work(db, context);
    cv_result result = store_db_begin(db);
    if (result != CV_OK)
        return result;
    result = work(db, context);
    if (result == CV_OK)
        result = store_db_commit(db);
    if (result != CV_OK)
        store_db_rollback(db);
    return result;
}

cv_result store_db_migrate(store_db *db, const char *component, const char *const *migrations,
                           size_t count)
{
    cv_result result = store_db_begin(db);
    if (result != CV_OK)
        return result;
    int version = 0;
    result = db->backend->read_version(db, component, &version);
    if (result == CV_OK && (version < 0 || (size_t)version > count)) {
        log_error("database schema version %d of %s is newer than this program (%zu)", version,
                  component, count);
        result = CV_ERR_INVALID;
    }
    for (size_t step = (size_t)version; result == CV_OK && step < count; step++)
        result = store_db_exec(db, migrations[step]);
    if (result == CV_OK && (size_t)version < count)
        result = db->backend->write_version(db, component, (int)count);
    if (result == CV_OK)
        result = store_db_commit(db);
    if (result != CV_OK)
        store_db_rollback(db);
    return result;
}

/* Skips a quoted text, identifier or comment starting at sql[i] (copying
 * it to `out`); returns the index after it, or i when none starts there. */
static size_t skip_quoted(const char *sql, size_t i, strbuf *out)
{
    size_t start = i;
    if (sql[i] == '\'' || sql[i] == '"') {
        char quote = sql[i++];
        /* A doubled quote is an escaped one: the loop simply goes on. */
        while (sql[i] && sql[i] != quote)
            i++;
        if (sql[i])
            i++;
    } else if (sql[i] == '-' && sql[i + 1] == '-') {
        while (sql[i] && sql[i] != '\n')
            i++;
    } else if (sql[i] == '/' && sql[i + 1] == '*') {
        const char *end = strstr(sql + i + 2, "*/");
        i = end ? (size_t)(end - sql) + 2 : strlen(sql);
    }
    if (i > start)
        strbuf_append(out, sql + start, i - start);
    return i;
}

#define STORE_MAX_PARAMETERS 32766 /* SQLite's default limit; PostgreSQL allows 65535 */

cv_result store_sql_append_values(strbuf *sql, const char *row, int shared, int rows)
{
    int next = shared + 1; /* the next row's own parameter */
    strbuf_append_str(sql, " VALUES ");
    for (int i = 0; i < rows; i++) {
        strbuf_append_str(sql, i > 0 ? ", (" : "(");
        for (const char *value = row; *value; value++)
            strbuf_printf(sql, "%s?%d", value > row ? ", " : "",
                          *value == 'r' ? next++ : *value - '0');
        strbuf_append_char(sql, ')');
    }
    return strbuf_status(sql);
}

char *store_sql_to_postgresql(const char *sql, int *count, cv_result *error)
{
    strbuf out;
    strbuf_init(&out);
    int largest = 0;
    *error = CV_OK;
    for (size_t i = 0; sql[i];) {
        size_t after = skip_quoted(sql, i, &out);
        if (after != i) {
            i = after;
            continue;
        }
        if (sql[i] != '?') {
            strbuf_append(&out, sql + i, 1);
            i++;
            continue;
        }
        int number = largest + 1;
        if (isdigit((unsigned char)sql[i + 1])) {
            long given = 0;
            for (i++; isdigit((unsigned char)sql[i]) && given <= STORE_MAX_PARAMETERS; i++)
                given = given * 10 + (sql[i] - '0');
            if (given < 1 || given > STORE_MAX_PARAMETERS) {
                *error = CV_ERR_INVALID;
                break;
            }
            number = (int)given;
        } else {
            i++;
        }
        if (number > largest)
            largest = number;
        strbuf_printf(&out, "$%d", number);
    }
    if (*error == CV_OK && strbuf_status(&out) != CV_OK)
        *error = CV_ERR_NO_MEMORY;
    if (*error != CV_OK) {
        strbuf_free(&out);
        return NULL;
    }
    *count = largest;
    return strbuf_detach(&out);
}

cv_result store_postgresql_result(const char *sqlstate)
{
    if (!sqlstate || strlen(sqlstate) != 5)
        return CV_ERR_NETWORK;
    if (strncmp(sqlstate, "23", 2) == 0)
        return CV_ERR_CONFLICT;
    if (strcmp(sqlstate, "40001") == 0 || strcmp(sqlstate, "40P01") == 0 ||
        strcmp(sqlstate, "55P03") == 0)
        return CV_ERR_BUSY;
    if (strncmp(sqlstate, "08", 2) == 0 || strncmp(sqlstate, "57P0", 4) == 0)
        return CV_ERR_NETWORK;
    if (strcmp(sqlstate, "53200") == 0)
        return CV_ERR_NO_MEMORY;
    if (strncmp(sqlstate, "53", 2) == 0)
        return CV_ERR_IO;
    return CV_ERR_STORE;
}
