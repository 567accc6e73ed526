/*
 * store_postgresql.c - the PostgreSQL backend of store_sql.h, on libpq.
 *
 * Statements are prepared per connection (PQprepare, named cv<n>) with
 * their `?` turned into `$n`; parameters go as text (blobs as binary) and
 * results come back as text, all rows of one execution buffered in its
 * PGresult and handed out one per store_step. A lost connection fails the
 * call in hand with CV_ERR_NETWORK ("database unreachable"); the next call
 * outside a transaction reconnects and prepares again what it needs (an
 * idle connection the server closed, e.g. on a restart, is noticed and
 * replaced before anything is sent into it), while
 * a transaction that lost its connection stays failed until rolled back
 * (nothing after it may run outside the transaction it belonged to).
 *
 * Owns: the libpq connection and statements, the password's way in, the
 * write lock (STORE_WRITE_LOCK_KEY) taken by every transaction, the
 * schema_version table.
 * Does not own: the statement cache, the migration loop, the translation
 * and SQLSTATE table (store_sql.c).
 */
#include <libpq-fe.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/log.h"
#include "common/secrets.h"
#include "common/store_sql_backend.h"

/* PostgreSQL's type numbers (pg_type.oid) the column kinds come from. */
enum {
    OID_BOOL = 16,
    OID_BYTEA = 17,
    OID_INT8 = 20,
    OID_INT2 = 21,
    OID_INT4 = 23,
    OID_FLOAT4 = 700,
    OID_FLOAT8 = 701,
    OID_NUMERIC = 1700,
};

typedef struct {
    PGconn *connection;
    unsigned generation; /* bumped on every reconnection: prepare again */
    unsigned next_name;  /* numbers the prepared statements */
    bool transaction;    /* between a successful BEGIN and COMMIT/ROLLBACK */
} pg_connection;

typedef struct {
    char *text; /* the SQL with $n parameters */
    char name[16];
    unsigned generation; /* the connection's generation it was prepared on */
    char **values;       /* [parameters]: NULL is SQL NULL */
    int *lengths;
    int *formats; /* 1 for a blob (binary), else 0 (text) */
    /* [parameters]: 0 (PostgreSQL infers it) for a parameter the text
     * uses, text for one it does not: SQLite lets `?NNN` skip numbers (one
     * binding function for several statements), PostgreSQL refuses to
     * prepare a $n it cannot give a type. */
    Oid *types;
    int type_count;
    PGresult *result;
    int row;             /* the current row of `result`, -1 before the first */
    int rows;            /* 0 for a command */
    unsigned char *blob; /* the current row's unescaped bytea, if asked */
    size_t blob_size;
    int blob_row, blob_column; /* whose bytes `blob` holds */
} pg_statement;

static pg_connection *connection_of(const store_db *db)
{
    return db->handle;
}

static pg_statement *statement_of(const store_stmt *st)
{
    return st->handle;
}

/* Fails `db` with what `result` (may be NULL) and the connection say. */
static cv_result fail_with(store_db *db, const PGresult *result)
{
    PGconn *connection = connection_of(db)->connection;
    const char *state = result ? PQresultErrorField(result, PG_DIAG_SQLSTATE) : NULL;
    const char *message = result ? PQresultErrorMessage(result) : "";
    if (!message[0])
        message = PQerrorMessage(connection);
    if (PQstatus(connection) == CONNECTION_BAD) {
        cv_result failed = store_db_fail(db, CV_ERR_NETWORK, "database unreachable: %s", message);
        log_error("%s", db->message);
        return failed;
    }
    return store_db_fail(db, store_postgresql_result(state), "%s", message);
}

/* Session settings every connection gets, again after a reconnection:
 * writers wait for the write lock at most as long as SQLite's busy timeout
 * (then CV_ERR_BUSY); a transaction left idle for 5 s (its process frozen
 * or cut off while it holds the write lock) is ended by the server, so the
 * lock, and with it every other node's writes and a takeover of convened's
 * lease, is not held hostage (no transaction here waits on the network
 * while open). */
static const char SESSION_SQL[] = "SET lock_timeout = '10s';"
                                  " SET idle_in_transaction_session_timeout = '5s';"
                                  " SET client_min_messages = warning";

static cv_result apply_session(store_db *db)
{
    PGresult *answer = PQexec(connection_of(db)->connection, SESSION_SQL);
    cv_result result = PQresultStatus(answer) == PGRES_COMMAND_OK ? CV_OK : fail_with(db, answer);
    PQclear(answer);
    return result;
}

/* The server's notices (e.g. the warning of a server shutting down) go to
 * the log, escaped as every log line, instead of libpq's raw stderr. */
static void log_notice(void *unused, const char *message)
{
    (void)unused;
    log_warning("database: %s", message);
}

/* True when an idle connection is still open. A server that stopped or
 * restarted closed its idle connections with a goodbye (a warning, then
 * the end of the stream) that libpq only reads when asked: reading what
 * is waiting finds it, so the connection is replaced before a statement is
 * sent into it, instead of the statement failing with "server closed the
 * connection". Two reads: the first may stop after the warning. */
static bool idle_connection_open(PGconn *connection)
{
    for (int read = 0; read < 2; read++)
        if (!PQconsumeInput(connection) || PQstatus(connection) != CONNECTION_OK)
            return false;
    return true;
}

/* Before running anything: reconnects a lost connection, unless a
 * transaction was open on it (that one stays failed until rolled back:
 * nothing of it may be sent again on a new connection). */
static cv_result ensure_connected(store_db *db)
{
    pg_connection *pg = connection_of(db);
    if (pg->transaction)
        return PQstatus(pg->connection) == CONNECTION_OK
                   ? CV_OK
                   : store_db_fail(db, CV_ERR_NETWORK,
                                   "database unreachable: the transaction is lost");
    if (PQstatus(pg->connection) == CONNECTION_OK && idle_connection_open(pg->connection))
        return CV_OK;
    PQreset(pg->connection);
    if (PQstatus(pg->connection) != CONNECTION_OK)
        return fail_with(db, NULL);
    pg->generation++; /* the server forgot the prepared statements */
    log_info("database: reconnected");
    return apply_session(db); /* the new session has none of the old one's settings */
}

/* Runs one parameterless command; CV_OK when it succeeded. `tag`, when not
 * NULL, receives nothing but is checked: the command's status must be it
 * (COMMIT of an aborted transaction answers ROLLBACK). */
static cv_result run_command(store_db *db, const char *sql, const char *tag)
{
    cv_result result = ensure_connected(db);
    if (result != CV_OK)
        return result;
    PGresult *answer = PQexec(connection_of(db)->connection, sql);
    ExecStatusType status = PQresultStatus(answer);
    if (status != PGRES_COMMAND_OK && status != PGRES_TUPLES_OK)
        result = fail_with(db, answer);
    else if (tag && strcmp(PQcmdStatus(answer), tag) != 0)
        result = store_db_fail(db, CV_ERR_STORE, "%s answered %s", sql, PQcmdStatus(answer));
    else
        store_db_succeed(db);
    PQclear(answer);
    return result;
}

/* Reads the password file into the keywords' password; logs a failure. */
static cv_result read_password(const char *path, char **password)
{
    strbuf error;
    strbuf_init(&error);
    cv_result result = secret_read_file(path, password, &error);
    if (result != CV_OK)
        log_error("database password file: %s", strbuf_str(&error));
    strbuf_free(&error);
    return result;
}

/* A password written into the URL is refused: `ps` shows it. */
static cv_result check_url(const char *url)
{
    char *problem = NULL;
    PQconninfoOption *options = PQconninfoParse(url, &problem);
    if (!options) {
        log_error("database URL: %s", problem ? problem : "out of memory");
        PQfreemem(problem);
        return problem ? CV_ERR_INVALID : CV_ERR_NO_MEMORY;
    }
    cv_result result = CV_OK;
    for (PQconninfoOption *option = options; option->keyword; option++)
        if (strcmp(option->keyword, "password") == 0 && option->val && option->val[0])
            result = CV_ERR_INVALID;
    PQconninfoFree(options);
    if (result != CV_OK)
        log_error("database URL: it holds a password, which every user sees in the process "
                  "list; give it through --database-password-file, PGPASSWORD or ~/.pgpass");
    return result;
}

cv_result store_postgresql_connect(store_db *db, const char *url, const char *password_file)
{
    cv_result result = check_url(url);
    char *password = NULL;
    if (result == CV_OK && password_file)
        result = read_password(password_file, &password);
    pg_connection *pg = result == CV_OK ? calloc(1, sizeof *pg) : NULL;
    if (result == CV_OK && !pg)
        result = CV_ERR_NO_MEMORY;
    if (result != CV_OK) {
        secret_free(password);
        return result;
    }
    /* The URL's own settings override the defaults before it; the
     * password after it overrides nothing the URL may hold (none). */
    const char *keywords[] = {"connect_timeout", "application_name",           "client_encoding",
                              "dbname",          password ? "password" : NULL, NULL};
    const char *values[] = {"10", "convene", "UTF8", url, password, NULL};
    pg->connection = PQconnectdbParams(keywords, values, 1);
    secret_free(password);
    db->handle = pg;
    pg->generation = 1;
    if (!pg->connection || PQstatus(pg->connection) != CONNECTION_OK) {
        log_error("database unreachable: %s",
                  pg->connection ? PQerrorMessage(pg->connection) : "out of memory");
        PQfinish(pg->connection);
        free(pg);
        db->handle = NULL;
        return CV_ERR_NETWORK;
    }
    PQsetNoticeProcessor(pg->connection, log_notice, NULL); /* kept by PQreset */
    result = apply_session(db);
    if (result != CV_OK) {
        PQfinish(pg->connection);
        free(pg);
        db->handle = NULL;
    }
    return result;
}

static void pg_close(store_db *db)
{
    pg_connection *pg = connection_of(db);
    PQfinish(pg->connection);
    free(pg);
}

/* Prepares `statement` on the connection when it is not (yet, or since the
 * last reconnection). */
static cv_result prepare_on_connection(store_db *db, pg_statement *statement)
{
    pg_connection *pg = connection_of(db);
    if (statement->generation == pg->generation)
        return CV_OK;
    snprintf(statement->name, sizeof statement->name, "cv%u", pg->next_name++);
    PGresult *answer = PQprepare(pg->connection, statement->name, statement->text,
                                 statement->type_count, statement->types);
    cv_result result = PQresultStatus(answer) == PGRES_COMMAND_OK ? CV_OK : fail_with(db, answer);
    PQclear(answer);
    if (result == CV_OK)
        statement->generation = pg->generation;
    return result;
}

/* Fills statement->types from its text (see pg_statement). */
static void type_unused_parameters(pg_statement *statement, int parameters)
{
    enum { TEXT_OID = 25 };
    for (int i = 0; i < parameters; i++)
        statement->types[i] = TEXT_OID;
    for (const char *at = strchr(statement->text, '$'); at; at = strchr(at + 1, '$')) {
        char *end = NULL;
        long number = strtol(at + 1, &end, 10);
        if (end != at + 1 && number >= 1 && number <= parameters)
            statement->types[number - 1] = 0;
    }
    statement->type_count = parameters;
}

static void free_statement(pg_statement *statement, int parameters)
{
    if (!statement)
        return;
    for (int i = 0; statement->values && i < parameters; i++)
        free(statement->values[i]);
    free(statement->values);
    free(statement->lengths);
    free(statement->formats);
    free(statement->types);
    free(statement->text);
    PQclear(statement->result);
    PQfreemem(statement->blob);
    free(statement);
}

static cv_result pg_prepare(store_stmt *st)
{
    cv_result result = ensure_connected(st->db);
    if (result != CV_OK)
        return result;
    pg_statement *statement = calloc(1, sizeof *statement);
    if (!statement)
        return store_db_fail(st->db, CV_ERR_NO_MEMORY, "out of memory");
    statement->row = -1;
    statement->text = store_sql_to_postgresql(st->sql, &st->parameters, &result);
    size_t slots = st->parameters > 0 ? (size_t)st->parameters : 1;
    statement->values = calloc(slots, sizeof *statement->values);
    statement->lengths = calloc(slots, sizeof *statement->lengths);
    statement->formats = calloc(slots, sizeof *statement->formats);
    statement->types = calloc(slots, sizeof *statement->types);
    if (result == CV_OK && (!statement->text || !statement->values || !statement->lengths ||
                            !statement->formats || !statement->types))
        result = CV_ERR_NO_MEMORY;
    if (result == CV_OK)
        type_unused_parameters(statement, st->parameters);
    if (result != CV_OK)
        store_db_fail(st->db, result, "cannot translate the parameters");
    else
        result = prepare_on_connection(st->db, statement);
    if (result != CV_OK) {
        free_statement(statement, st->parameters);
        return result;
    }
    st->handle = statement;
    return CV_OK;
}

static void pg_finalize(store_stmt *st)
{
    /* No DEALLOCATE: statements are finalized only when their connection
     * closes, and the server drops a connection's statements with it. */
    free_statement(statement_of(st), st->parameters);
}

static void drop_rows(pg_statement *statement)
{
    PQclear(statement->result);
    statement->result = NULL;
    statement->row = -1;
    statement->rows = 0;
    PQfreemem(statement->blob);
    statement->blob = NULL;
}

static void pg_reset(store_stmt *st)
{
    pg_statement *statement = statement_of(st);
    drop_rows(statement);
    for (int i = 0; i < st->parameters; i++) {
        free(statement->values[i]);
        statement->values[i] = NULL;
        statement->lengths[i] = 0;
        statement->formats[i] = 0;
    }
}

static cv_result pg_bind(store_stmt *st, int index, const store_value *value)
{
    pg_statement *statement = statement_of(st);
    char *copy = NULL;
    size_t size = 0;
    if (value->type == STORE_INTEGER) {
        char number[24];
        size = (size_t)snprintf(number, sizeof number, "%lld", (long long)value->integer);
        copy = strdup(number);
    } else if (value->type == STORE_TEXT || value->type == STORE_BLOB) {
        size = value->size;
        copy = malloc(size + 1);
        if (copy) {
            if (size)
                memcpy(copy, value->data, size);
            copy[size] = '\0';
        }
    }
    if (value->type != STORE_NULL && !copy)
        return store_db_fail(st->db, CV_ERR_NO_MEMORY, "out of memory");
    if (value->type == STORE_BLOB && size > (size_t)INT32_MAX) {
        free(copy);
        return store_db_fail(st->db, CV_ERR_TOO_LARGE, "a blob over 2 GiB");
    }
    free(statement->values[index - 1]);
    statement->values[index - 1] = copy;
    statement->lengths[index - 1] = (int)size;
    statement->formats[index - 1] = value->type == STORE_BLOB ? 1 : 0;
    return CV_OK;
}

/* The row count of an INSERT, UPDATE or DELETE (its status "INSERT 0 3"). */
static void note_changes(store_db *db, PGresult *answer)
{
    const char *status = PQcmdStatus(answer);
    if (strncmp(status, "INSERT", 6) == 0 || strncmp(status, "UPDATE", 6) == 0 ||
        strncmp(status, "DELETE", 6) == 0)
        db->changes = strtoll(PQcmdTuples(answer), NULL, 10);
}

static cv_result execute(store_stmt *st)
{
    store_db *db = st->db;
    pg_statement *statement = statement_of(st);
    cv_result result = ensure_connected(db);
    if (result == CV_OK)
        result = prepare_on_connection(db, statement);
    if (result != CV_OK)
        return result;
    PGresult *answer = PQexecPrepared(connection_of(db)->connection, statement->name,
                                      st->parameters, (const char *const *)statement->values,
                                      statement->lengths, statement->formats, 0);
    ExecStatusType status = PQresultStatus(answer);
    if (status != PGRES_TUPLES_OK && status != PGRES_COMMAND_OK) {
        result = fail_with(db, answer);
        PQclear(answer);
        return result;
    }
    note_changes(db, answer);
    statement->result = answer;
    statement->rows = status == PGRES_TUPLES_OK ? PQntuples(answer) : 0;
    statement->row = -1;
    store_db_succeed(db);
    return CV_OK;
}

static store_step_state pg_step(store_stmt *st)
{
    pg_statement *statement = statement_of(st);
    if (!statement->result && execute(st) != CV_OK)
        return STORE_FAILED;
    PQfreemem(statement->blob);
    statement->blob = NULL;
    if (statement->row + 1 < statement->rows) {
        statement->row++;
        return STORE_ROW;
    }
    statement->row = statement->rows;
    return STORE_DONE;
}

/* True when the current row has `column` and it is not NULL. */
static bool has_value(const pg_statement *statement, int column)
{
    return statement->result && statement->row >= 0 && statement->row < statement->rows &&
           column >= 0 && column < PQnfields(statement->result) &&
           !PQgetisnull(statement->result, statement->row, column);
}

static store_value_type pg_column_type(store_stmt *st, int column)
{
    pg_statement *statement = statement_of(st);
    if (!has_value(statement, column))
        return STORE_NULL;
    switch (PQftype(statement->result, column)) {
    case OID_BOOL:
    case OID_INT2:
    case OID_INT4:
    case OID_INT8:
        return STORE_INTEGER;
    case OID_FLOAT4:
    case OID_FLOAT8:
    case OID_NUMERIC:
        return STORE_FLOAT;
    case OID_BYTEA:
        return STORE_BLOB;
    default:
        return STORE_TEXT;
    }
}

static const char *pg_column_text(store_stmt *st, int column)
{
    pg_statement *statement = statement_of(st);
    return has_value(statement, column) ? PQgetvalue(statement->result, statement->row, column)
                                        : NULL;
}

static int64_t pg_column_int64(store_stmt *st, int column)
{
    const char *text = pg_column_text(st, column);
    if (!text)
        return 0;
    if (PQftype(statement_of(st)->result, column) == OID_BOOL)
        return text[0] == 't';
    return strtoll(text, NULL, 10); /* as SQLite: the leading number, else 0 */
}

static const void *pg_column_blob(store_stmt *st, int column, size_t *size)
{
    pg_statement *statement = statement_of(st);
    *size = 0;
    const char *text = pg_column_text(st, column);
    if (!text)
        return NULL;
    if (PQftype(statement->result, column) != OID_BYTEA) {
        *size = (size_t)PQgetlength(statement->result, statement->row, column);
        return text;
    }
    /* bytea arrives as text ("\x…"); one column's bytes are kept per row,
     * and asked again (store_column_bytes after store_column_blob, as on
     * SQLite) they are the same bytes, not a second copy that frees the
     * first under the caller. */
    if (statement->blob && statement->blob_row == statement->row &&
        statement->blob_column == column) {
        *size = statement->blob_size;
        return statement->blob;
    }
    PQfreemem(statement->blob);
    statement->blob = PQunescapeBytea((const unsigned char *)text, &statement->blob_size);
    statement->blob_row = statement->row;
    statement->blob_column = column;
    *size = statement->blob ? statement->blob_size : 0;
    return statement->blob;
}

static cv_result pg_exec(store_db *db, const char *sql)
{
    cv_result result = run_command(db, sql, NULL);
    if (result != CV_OK)
        log_error("database: %s", db->message);
    return result;
}

static cv_result pg_begin(store_db *db)
{
    char lock[96];
    snprintf(lock, sizeof lock, "SELECT pg_advisory_xact_lock(%lld)",
             (long long)STORE_WRITE_LOCK_KEY);
    cv_result result = run_command(db, "BEGIN", NULL);
    if (result != CV_OK)
        return result;
    connection_of(db)->transaction = true;
    result = run_command(db, lock, NULL);
    if (result != CV_OK)
        store_db_rollback(db);
    return result;
}

static cv_result pg_commit(store_db *db)
{
    pg_connection *pg = connection_of(db);
    cv_result result;
    if (PQstatus(pg->connection) != CONNECTION_OK)
        result = store_db_fail(db, CV_ERR_NETWORK, "database unreachable: the transaction is lost");
    else if (PQtransactionStatus(pg->connection) == PQTRANS_INERROR)
        result = store_db_fail(db, CV_ERR_STORE, "the transaction failed earlier: rolled back");
    else /* Only the server's own "COMMIT" is a success: a connection lost
          * while waiting for it leaves the outcome unknown, which the
          * caller must answer as a failure (a 503), never as done. */
        result = run_command(db, "COMMIT", "COMMIT");
    if (result != CV_OK)
        store_db_rollback(db);
    pg->transaction = false;
    return result;
}

static void pg_rollback(store_db *db)
{
    pg_connection *pg = connection_of(db);
    if (PQstatus(pg->connection) == CONNECTION_OK &&
        PQtransactionStatus(pg->connection) != PQTRANS_IDLE) {
        PGresult *answer = PQexec(pg->connection, "ROLLBACK");
        PQclear(answer);
    }
    pg->transaction = false;
}

static bool pg_in_transaction(const store_db *db)
{
    const pg_connection *pg = connection_of(db);
    return pg->transaction || (PQstatus(pg->connection) == CONNECTION_OK &&
                               PQtransactionStatus(pg->connection) != PQTRANS_IDLE);
}

/* One row per component; created by the first migration of any. */
static const char VERSION_TABLE_SQL[] = "CREATE TABLE IF NOT EXISTS schema_version ("
                                        " component text PRIMARY KEY,"
                                        " version integer NOT NULL)";

static cv_result pg_read_version(store_db *db, const char *component, int *version)
{
    cv_result result = pg_exec(db, VERSION_TABLE_SQL);
    store_stmt *st =
        result == CV_OK
            ? store_db_statement(db, "SELECT version FROM schema_version WHERE component = ?")
            : NULL;
    if (!st)
        return db->error;
    store_bind_text(st, 1, component);
    store_step_state state = store_step(st);
    *version = state == STORE_ROW ? (int)store_column_int64(st, 0) : 0;
    result = state == STORE_FAILED ? db->error : CV_OK;
    store_stmt_done(st);
    return result;
}

static cv_result pg_write_version(store_db *db, const char *component, int version)
{
    store_stmt *st = store_db_statement(db, "INSERT INTO schema_version (component, version)"
                                            " VALUES (?, ?) ON CONFLICT (component)"
                                            " DO UPDATE SET version = excluded.version");
    if (!st)
        return db->error;
    store_bind_text(st, 1, component);
    store_bind_int(st, 2, version);
    return store_stmt_run(st);
}

const store_backend store_postgresql_backend = {
    .kind = STORE_POSTGRESQL,
    .close = pg_close,
    .prepare = pg_prepare,
    .finalize = pg_finalize,
    .reset = pg_reset,
    .bind = pg_bind,
    .step = pg_step,
    .column_type = pg_column_type,
    .column_text = pg_column_text,
    .column_int64 = pg_column_int64,
    .column_blob = pg_column_blob,
    .exec = pg_exec,
    .begin = pg_begin,
    .commit = pg_commit,
    .rollback = pg_rollback,
    .in_transaction = pg_in_transaction,
    .read_version = pg_read_version,
    .write_version = pg_write_version,
};
