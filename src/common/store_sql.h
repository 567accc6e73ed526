/*
 * store_sql.h - the backend-neutral statement API: one set of calls for
 * SQL that runs on SQLite (the embedded default) and on PostgreSQL
 * (libpq), so a data layer is written once and a daemon chooses its
 * database with one option (`--database postgresql://…`).
 *
 * The calls mirror the sqlite3_* ones the data layers use today, so a
 * conversion is mechanical (docs/development.md, "Writing SQL for both
 * databases"): sqlite3 -> store_db, sqlite3_stmt -> store_stmt,
 * store_statement -> store_db_statement, sqlite3_bind_* -> store_bind_*,
 * sqlite3_step -> store_step, sqlite3_column_* -> store_column_*,
 * sqlite3_changes -> store_db_changes, store_begin -> store_db_begin.
 *
 * Owns: the connection of either kind (store_db), prepared statements
 * cached by their text per connection, binding, stepping and reading rows,
 * transactions with one writer at a time on both backends, versioned
 * migrations on both, mapping either backend's errors to cv_result, the
 * translation of `?` placeholders to PostgreSQL's `$n`, the text of
 * multi-row VALUES.
 * Does not own: any schema or SQL text (the daemons bring theirs), the
 * SQLite file settings and pool (store.c, store_pool.h).
 */
#ifndef CONVENE_STORE_SQL_H
#define CONVENE_STORE_SQL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "common/result.h"
#include "common/strbuf.h"

typedef struct store_db store_db;
typedef struct store_stmt store_stmt;
typedef struct sqlite3 sqlite3; /* by name only, as in store_pool.h */

typedef enum { STORE_SQLITE, STORE_POSTGRESQL } store_kind;

/* What store_step found. STORE_FAILED: store_db_error says why. */
typedef enum { STORE_DONE, STORE_ROW, STORE_FAILED } store_step_state;

/* A column's kind of value in the current row. On PostgreSQL it comes from
 * the column's declared type (booleans and all integer types are
 * STORE_INTEGER), on SQLite from the value itself. */
typedef enum {
    STORE_NULL,
    STORE_INTEGER,
    STORE_FLOAT,
    STORE_TEXT,
    STORE_BLOB,
} store_value_type;

/* The name of a kind, for logs ("sqlite", "postgresql"). */
const char *store_kind_name(store_kind kind);

/* True when `location` names a PostgreSQL database (postgresql:// or
 * postgres://); anything else is an SQLite file path. */
bool store_location_is_postgresql(const char *location);

/* `location` fit for a log line or an error: a password written into a
 * PostgreSQL URL (user:PASSWORD@ or password=…) shown as *****. */
void store_location_masked(const char *location, char *out, size_t size);

/* Opens `location`: an SQLite file (created when missing, with store.c's
 * settings: WAL, full sync, busy timeout, foreign keys) or a PostgreSQL URL
 * (libpq's URI form: TLS as its `sslmode` says, e.g. sslmode=verify-full).
 * A password inside the URL is refused (CV_ERR_INVALID): `ps` shows a
 * daemon's arguments. The password comes from `password_file` (its first
 * line; may be NULL) or else from libpq's own PGPASSWORD or ~/.pgpass.
 * An unreachable server is CV_ERR_NETWORK, logged as "database
 * unreachable". */
cv_result store_db_open(const char *location, const char *password_file, store_db **out);
/* Wraps a connection store.c opened (a pool's) without taking it over:
 * store_db_close then frees the wrapper and its statements only. */
cv_result store_db_adopt_sqlite(sqlite3 *connection, store_db **out);
void store_db_close(store_db *db);
store_kind store_db_kind(const store_db *db);
/* The SQLite connection under `db`, for what only SQLite has (commit
 * hooks, PRAGMA data_version); NULL on PostgreSQL. */
sqlite3 *store_db_sqlite(store_db *db);
/* store_wait_eagerly (store_pool.h) on SQLite; nothing on PostgreSQL,
 * whose lock waits are served in order. */
void store_db_wait_eagerly(store_db *db, bool eager);

/* The result and message of the last failure on this connection (CV_OK and
 * "" when the last call succeeded). The message is the database's own. */
cv_result store_db_error(const store_db *db);
const char *store_db_message(const store_db *db);

/* Rows the last INSERT, UPDATE or DELETE changed. */
int64_t store_db_changes(const store_db *db);

/* Runs `sql` (one or more statements, no parameters, no rows wanted). */
cv_result store_db_exec(store_db *db, const char *sql);

/* A prepared statement for `sql` kept with the connection: prepared on
 * first use and found again by its text afterwards. Parameters are written
 * `?` (numbered in order) or `?NNN` (SQLite's rule: a bare `?` is one more
 * than the largest number so far); on PostgreSQL they become `$n` once, at
 * prepare. NULL when it cannot be prepared (store_db_message says why).
 * Hand it back with store_stmt_done before the text's next use; one in use
 * is never handed out twice (a second one is prepared instead). */
store_stmt *store_db_statement(store_db *db, const char *sql);
/* store_db_statement with a result: CV_OK and the statement in *out, or
 * the failure (store_db_error) and *out NULL. */
cv_result store_db_prepare(store_db *db, const char *sql, store_stmt **out);
/* Ends the statement's use: rows dropped, bindings cleared. NULL is fine. */
void store_stmt_done(store_stmt *st);
/* Drops the rows and bindings but keeps the statement the caller's (a
 * statement run many times in a row, e.g. a uniqueness check per row). */
void store_stmt_reset(store_stmt *st);
/* For a caller that keeps its own index of statements it got from
 * store_db_statement (the bridge's reply cache): marks `st` in use as
 * store_db_statement would; false when it already is. */
bool store_stmt_take(store_stmt *st);
/* The failure of the statement's last store_step (its connection's last
 * failure): store_db_error of its connection. */
cv_result store_stmt_error(const store_stmt *st);

/* Parameters are numbered from 1. Text and blobs are copied. A NULL text
 * binds SQL NULL. CV_ERR_INVALID for an index the SQL has no `?` for. */
cv_result store_bind_text(store_stmt *st, int index, const char *text);
/* The first `length` bytes of `text` (which need not end in '\0'). */
cv_result store_bind_text_length(store_stmt *st, int index, const char *text, size_t length);
cv_result store_bind_int64(store_stmt *st, int index, int64_t value);
cv_result store_bind_int(store_stmt *st, int index, int value);
cv_result store_bind_null(store_stmt *st, int index);
cv_result store_bind_blob(store_stmt *st, int index, const void *data, size_t size);
/* Binds `text`, or NULL when it is NULL or "". */
cv_result store_bind_text_or_null(store_stmt *st, int index, const char *text);
/* How many parameters the SQL has (the largest number). */
int store_bind_count(const store_stmt *st);

/* Runs the statement on its first call after binding, then moves row by
 * row. On PostgreSQL the whole result is fetched by the first call and
 * each call moves to the next buffered row. */
store_step_state store_step(store_stmt *st);
/* store_step to the end, then store_stmt_done: a write already bound.
 * CV_OK when it finished. */
cv_result store_stmt_run(store_stmt *st);

/* The current row's columns (numbered from 0). A text is valid until the
 * next store_step or store_stmt_done; NULL for SQL NULL. On PostgreSQL a
 * boolean reads as 1 or 0 through store_column_int64. */
const char *store_column_text(store_stmt *st, int column);
int64_t store_column_int64(store_stmt *st, int column);
int store_column_int(store_stmt *st, int column);
store_value_type store_column_type(store_stmt *st, int column);
/* A malloc'd copy of a text column; NULL for SQL NULL (*failed set when out
 * of memory; `failed` may be NULL). */
char *store_column_copy(store_stmt *st, int column, bool *failed);
/* The column's text (or "" for NULL) into out[size], cut to fit. */
void store_column_into(store_stmt *st, int column, char *out, size_t size);
/* The column's text, or "" for SQL NULL; valid as store_column_text's. */
const char *store_column_text_or_empty(store_stmt *st, int column);
/* The column's integer, or `if_null` for SQL NULL (e.g. -1 for "none"). */
int64_t store_column_int64_or(store_stmt *st, int column, int64_t if_null);
const void *store_column_blob(store_stmt *st, int column);
size_t store_column_bytes(store_stmt *st, int column);

/* Transactions with one writer at a time, on both backends, so that a
 * check and the write that depends on it see the same database:
 * SQLite: BEGIN IMMEDIATE (its write lock). PostgreSQL: BEGIN (read
 * committed) and then the transaction-scoped advisory lock
 * STORE_WRITE_LOCK_KEY, which every writer of the database takes in the
 * same way, so writers queue as on SQLite and a transaction never fails on
 * a serialization conflict half-way. Reads outside a transaction do not
 * wait. On PostgreSQL a failed statement aborts the whole transaction:
 * where a failure is an expected outcome, use ON CONFLICT or a SAVEPOINT. */
#define STORE_WRITE_LOCK_KEY 0x436f6e76656e6501LL /* "Convene" + 1 */
cv_result store_db_begin(store_db *db);
cv_result store_db_commit(store_db *db);
void store_db_rollback(store_db *db);
bool store_db_in_transaction(const store_db *db);
typedef cv_result (*store_db_work)(store_db *db, void *context);
/* `work` between store_db_begin and store_db_commit; rolled back when it
 * (or the commit) fails. Returns what `work` returned, else the result of
 * BEGIN or COMMIT. Inside an open transaction, `work` just runs in it. */
cv_result store_db_transaction(store_db *db, store_db_work work, void *context);

/* Applies migrations[version .. count-1] and records the new version, all
 * in one transaction under the write lock (two processes starting together
 * migrate once; a failing step leaves the schema as it was). `component` names whose schema it is
 * ("bridge"): on PostgreSQL the version is a row of the table schema_version keyed by it, on SQLite
 * the file's PRAGMA user_version (one file per component). */
cv_result store_db_migrate(store_db *db, const char *component, const char *const *migrations,
                           size_t count);

/* Multi-row INSERTs, one statement (one round trip on PostgreSQL) for many
 * rows: appends " VALUES " and `rows` tuples to `sql`. `row` shapes a
 * tuple, one character per value: 'r' is the row's next own parameter
 * (numbered after the `shared` ones and the earlier rows'), a digit 1-9
 * the shared parameter of that number, the same in every row. E.g. row
 * "r1r", shared 1, rows 2: " VALUES (?2, ?1, ?3), (?4, ?1, ?5)". */
cv_result store_sql_append_values(strbuf *sql, const char *row, int shared, int rows);

/* --- Pure helpers, exposed for the unit tests -------------------------- */

/* `sql` with every `?`/`?NNN` parameter outside quotes and comments turned
 * into `$n`; *count set to the number of parameters. NULL when out of
 * memory or when `?NNN` is out of range (CV_ERR_INVALID in *error). */
char *store_sql_to_postgresql(const char *sql, int *count, cv_result *error);
/* Maps a PostgreSQL SQLSTATE (five characters; NULL when the connection
 * failed before one) to a cv_result. A SQLSTATE's first two characters
 * are its class: class 23 (integrity constraint violation) -> CONFLICT;
 * serialization failure and deadlock (40001, 40P01) and lock not available
 * (55P03) -> BUSY; class 08 (connection exception), the operator
 * intervention codes that start with 57P0 (server shutting down or
 * restarting) or no state -> NETWORK; out of memory (53200) -> NO_MEMORY;
 * the rest of class 53 (insufficient resources: disk full, too many
 * connections) -> IO; anything else -> STORE. */
cv_result store_postgresql_result(const char *sqlstate);

#endif
