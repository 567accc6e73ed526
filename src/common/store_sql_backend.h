/*
 * store_sql_backend.h - what store_sql.c shares with its two backends
 * (store_sqlite.c, store_postgresql.c): the connection and statement
 * records and the table of functions each backend fills in. Private to
 * those three files.
 *
 * Owns: the layout of store_db and store_stmt, the backend table.
 * Does not own: the public calls (store_sql.h) or either database's API.
 */
#ifndef CONVENE_STORE_SQL_BACKEND_H
#define CONVENE_STORE_SQL_BACKEND_H

#include "common/store_sql.h"

/* One parameter value handed to a backend's bind. `data`/`size` hold text
 * or blob bytes (not '\0'-terminated; the backend copies them). */
typedef struct {
    store_value_type type;
    int64_t integer;
    const void *data;
    size_t size;
} store_value;

struct store_stmt {
    store_db *db;
    char *sql;      /* the text as the caller wrote it: the cache key */
    bool busy;      /* handed out and not yet store_stmt_done */
    int parameters; /* the largest parameter number of the SQL */
    void *handle;   /* the backend's statement */
    struct store_stmt *next;
};

typedef struct store_backend store_backend;

struct store_db {
    const store_backend *backend;
    void *handle;           /* sqlite3 *, or the PostgreSQL connection */
    bool owned;             /* false: adopted (store_db_adopt_sqlite) */
    store_stmt *statements; /* the cache, newest first */
    cv_result error;        /* of the last failed call, else CV_OK */
    char message[256];
    int64_t changes;
};

struct store_backend {
    store_kind kind;
    void (*close)(store_db *db);
    /* Prepares st->sql; sets st->handle and st->parameters. */
    cv_result (*prepare)(store_stmt *st);
    void (*finalize)(store_stmt *st);
    /* Drops the rows and the bindings; the statement stays prepared. */
    void (*reset)(store_stmt *st);
    cv_result (*bind)(store_stmt *st, int index, const store_value *value);
    store_step_state (*step)(store_stmt *st);
    store_value_type (*column_type)(store_stmt *st, int column);
    const char *(*column_text)(store_stmt *st, int column);
    int64_t (*column_int64)(store_stmt *st, int column);
    const void *(*column_blob)(store_stmt *st, int column, size_t *size);
    cv_result (*exec)(store_db *db, const char *sql);
    cv_result (*begin)(store_db *db); /* takes the one-writer lock */
    cv_result (*commit)(store_db *db);
    void (*rollback)(store_db *db);
    bool (*in_transaction)(const store_db *db);
    /* Inside a begun transaction: the schema version of `component` (0 for
     * a new database), and recording a new one. */
    cv_result (*read_version)(store_db *db, const char *component, int *version);
    cv_result (*write_version)(store_db *db, const char *component, int version);
};

extern const store_backend store_sqlite_backend;
extern const store_backend store_postgresql_backend;

/* Opens the PostgreSQL backend's connection into db->handle. */
cv_result store_postgresql_connect(store_db *db, const char *url, const char *password_file);

/* Records a failure on `db` (its message logged by the caller when it
 * matters) and returns `result`. */
cv_result store_db_fail(store_db *db, cv_result result, const char *format, ...)
    __attribute__((format(printf, 3, 4)));
/* Clears the last failure. */
void store_db_succeed(store_db *db);

#endif
