/*
 * test_common_store_sql.c - the backend-neutral statement API
 * (src/common/store_sql*.c, store_sqlite.c, store_postgresql.c).
 *
 * Pure parts always: `?` -> `$n` translation (quotes, comments, ?NNN),
 * the multi-row VALUES text and the SQLSTATE -> cv_result table. The same behaviour cases on SQLite
 * (a temporary file) always, and on PostgreSQL when CONVENE_TEST_POSTGRESQL_URL names a database
 * (tests/integration/test_store_postgresql.py starts a real server and sets it, with PGPASSWORD and
 * CONVENE_TEST_POSTGRESQL_PASSWORD_FILE); without it those are skipped,
 * and that integration test fails if they are. Owns no production code.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "common/sleep.h"
#include "common/store_sql.h"

/* ---- pure helpers ---- */

static void expect_translation(const char *sql, const char *expected, int expected_count)
{
    int count = -1;
    cv_result error = CV_ERR_STORE;
    char *translated = store_sql_to_postgresql(sql, &count, &error);
    assert_int_equal(error, CV_OK);
    assert_non_null(translated);
    assert_string_equal(translated, expected);
    assert_int_equal(count, expected_count);
    free(translated);
}

static void translation_numbers_parameters_outside_quotes(void **state)
{
    (void)state;
    expect_translation("SELECT 1", "SELECT 1", 0);
    expect_translation("INSERT INTO t VALUES (?, ?, ?)", "INSERT INTO t VALUES ($1, $2, $3)", 3);
    expect_translation("SELECT '?', \"a?\" FROM t WHERE x = ?",
                       "SELECT '?', \"a?\" FROM t WHERE x = $1", 1);
    expect_translation("SELECT 'it''s ?' || ?", "SELECT 'it''s ?' || $1", 1);
    expect_translation("SELECT ? -- what?\n, ? /* why? */ , ?",
                       "SELECT $1 -- what?\n, $2 /* why? */ , $3", 3);
    /* SQLite's numbering: ?NNN as written, a bare ? one past the largest. */
    expect_translation("UPDATE t SET a = ?2 WHERE b = ?1 AND c = ?",
                       "UPDATE t SET a = $2 WHERE b = $1 AND c = $3", 3);
    expect_translation("SELECT ?3", "SELECT $3", 3);
    expect_translation("SELECT '", "SELECT '", 0); /* unterminated: left to the server */
}

static void translation_refuses_out_of_range_numbers(void **state)
{
    (void)state;
    int count = 0;
    cv_result error = CV_OK;
    assert_null(store_sql_to_postgresql("SELECT ?0", &count, &error));
    assert_int_equal(error, CV_ERR_INVALID);
    assert_null(store_sql_to_postgresql("SELECT ?99999999999", &count, &error));
    assert_int_equal(error, CV_ERR_INVALID);
}

static void values_number_each_row_after_the_shared_ones(void **state)
{
    (void)state;
    strbuf sql = STRBUF_INIT;
    strbuf_append_str(&sql, "INSERT INTO t(a, b, c)");
    assert_int_equal(store_sql_append_values(&sql, "r1r", 1, 2), CV_OK);
    assert_string_equal(strbuf_str(&sql),
                        "INSERT INTO t(a, b, c) VALUES (?2, ?1, ?3), (?4, ?1, ?5)");
    strbuf_reset(&sql);
    assert_int_equal(store_sql_append_values(&sql, "rr", 0, 1), CV_OK);
    assert_string_equal(strbuf_str(&sql), " VALUES (?1, ?2)");
    strbuf_free(&sql);
}

static void sqlstates_map_to_results(void **state)
{
    (void)state;
    assert_int_equal(store_postgresql_result("23505"), CV_ERR_CONFLICT); /* unique */
    assert_int_equal(store_postgresql_result("23503"), CV_ERR_CONFLICT); /* foreign key */
    assert_int_equal(store_postgresql_result("40001"), CV_ERR_BUSY);
    assert_int_equal(store_postgresql_result("40P01"), CV_ERR_BUSY);
    assert_int_equal(store_postgresql_result("55P03"), CV_ERR_BUSY);
    assert_int_equal(store_postgresql_result("08006"), CV_ERR_NETWORK);
    assert_int_equal(store_postgresql_result("57P01"), CV_ERR_NETWORK);
    assert_int_equal(store_postgresql_result(NULL), CV_ERR_NETWORK);
    assert_int_equal(store_postgresql_result("53200"), CV_ERR_NO_MEMORY);
    assert_int_equal(store_postgresql_result("53100"), CV_ERR_IO);
    assert_int_equal(store_postgresql_result("42601"), CV_ERR_STORE); /* syntax */
    assert_false(store_location_is_postgresql("/var/lib/convene/bridge.sqlite"));
    assert_true(store_location_is_postgresql("postgresql://h/db"));
    assert_true(store_location_is_postgresql("postgres://h/db"));
}

static void locations_are_masked_for_logs(void **state)
{
    (void)state;
    char out[160];
    store_location_masked("postgresql://convene:s3cret@db.example.com:5432/convene", out,
                          sizeof out);
    assert_string_equal(out, "postgresql://convene:*****@db.example.com:5432/convene");
    store_location_masked("postgres://db/x?sslmode=require&password=s3cret&connect_timeout=5", out,
                          sizeof out);
    assert_string_equal(out, "postgres://db/x?sslmode=require&password=*****&connect_timeout=5");
    store_location_masked("postgresql://convene@db/x", out, sizeof out);
    assert_string_equal(out, "postgresql://convene@db/x");
    store_location_masked("/var/lib/convene-bridge/bridge.sqlite", out, sizeof out);
    assert_string_equal(out, "/var/lib/convene-bridge/bridge.sqlite");
}

/* ---- behaviour on either backend ---- */

typedef struct {
    store_kind kind;
    char location[512];
    char directory[64];
} fixture;

static const char *postgresql_url(void)
{
    const char *url = getenv("CONVENE_TEST_POSTGRESQL_URL");
    return url && url[0] ? url : NULL;
}

static store_db *open_db(const fixture *f)
{
    store_db *db = NULL;
    assert_int_equal(store_db_open(f->location, NULL, &db), CV_OK);
    assert_int_equal(store_db_kind(db), f->kind);
    return db;
}

/* Every case starts on an empty database: the tables it uses dropped. */
static void drop_tables(const fixture *f)
{
    store_db *db = open_db(f);
    assert_int_equal(store_db_exec(db, "DROP TABLE IF EXISTS items;"
                                       "DROP TABLE IF EXISTS counter;"
                                       "DROP TABLE IF EXISTS migrated;"
                                       "DROP TABLE IF EXISTS schema_version"),
                     CV_OK);
    store_db_close(db);
}

static int set_up_sqlite(void **state)
{
    fixture *f = calloc(1, sizeof *f);
    snprintf(f->directory, sizeof f->directory, "/tmp/convene-store-sql-XXXXXX");
    if (!mkdtemp(f->directory))
        return -1;
    f->kind = STORE_SQLITE;
    snprintf(f->location, sizeof f->location, "%s/test.sqlite", f->directory);
    *state = f;
    return 0;
}

static int set_up_postgresql(void **state)
{
    fixture *f = calloc(1, sizeof *f);
    f->kind = STORE_POSTGRESQL;
    if (postgresql_url())
        snprintf(f->location, sizeof f->location, "%s", postgresql_url());
    *state = f;
    if (postgresql_url())
        drop_tables(f);
    return 0;
}

static int tear_down(void **state)
{
    fixture *f = *state;
    if (f->kind == STORE_SQLITE) {
        const char *suffixes[] = {"", "-wal", "-shm", "-journal"};
        for (size_t i = 0; i < 4; i++) {
            char path[600];
            snprintf(path, sizeof path, "%s%s", f->location, suffixes[i]);
            unlink(path);
        }
        rmdir(f->directory);
    }
    free(f);
    return 0;
}

/* Skips a PostgreSQL case when no server was given. */
static fixture *given(void **state)
{
    fixture *f = *state;
    if (f->kind == STORE_POSTGRESQL && !postgresql_url())
        skip();
    return f;
}

static void rows_round_trip_with_every_kind_of_value(void **state)
{
    fixture *f = given(state);
    store_db *db = open_db(f);
    assert_int_equal(store_db_exec(db, "CREATE TABLE items (name text PRIMARY KEY, n bigint,"
                                       " note text, flag boolean)"),
                     CV_OK);
    const char *insert = "INSERT INTO items (name, n, note, flag) VALUES (?, ?, ?, ?)";
    for (int i = 0; i < 3; i++) {
        store_stmt *st = store_db_statement(db, insert);
        assert_non_null(st);
        assert_int_equal(store_bind_count(st), 4);
        char name[16];
        snprintf(name, sizeof name, "item-%d", i);
        assert_int_equal(store_bind_text(st, 1, name), CV_OK);
        assert_int_equal(store_bind_int64(st, 2, INT64_C(5000000000) + i), CV_OK);
        assert_int_equal(store_bind_text(st, 3, i == 1 ? NULL : "it's \"quoted\" ?"), CV_OK);
        assert_int_equal(store_bind_int(st, 4, i % 2), CV_OK);
        assert_int_equal(store_bind_int(st, 5, 0), CV_ERR_INVALID); /* no fifth `?` */
        assert_int_equal(store_stmt_run(st), CV_OK);
        assert_int_equal(store_db_changes(db), 1);
    }
    store_stmt *st = store_db_statement(db, "SELECT name, n, note, flag FROM items"
                                            " WHERE n >= ? ORDER BY name");
    assert_non_null(st);
    store_bind_int64(st, 1, INT64_C(5000000001));
    assert_int_equal(store_step(st), STORE_ROW);
    assert_string_equal(store_column_text(st, 0), "item-1");
    assert_int_equal(store_column_int64(st, 1), INT64_C(5000000001));
    assert_null(store_column_text(st, 2));
    assert_int_equal(store_column_type(st, 2), STORE_NULL);
    assert_int_equal(store_column_int(st, 3), 1);
    assert_int_equal(store_step(st), STORE_ROW);
    assert_string_equal(store_column_text(st, 2), "it's \"quoted\" ?");
    assert_int_equal(store_column_type(st, 1), STORE_INTEGER);
    assert_int_equal(store_column_int(st, 3), 0);
    assert_int_equal(store_step(st), STORE_DONE);
    /* Cached: the same statement again once done, a new one while busy. */
    store_stmt *second = store_db_statement(db, "SELECT name, n, note, flag FROM items"
                                                " WHERE n >= ? ORDER BY name");
    assert_ptr_not_equal(second, st);
    store_stmt_done(second);
    store_stmt_done(st);
    store_stmt *again = store_db_statement(db, "SELECT name, n, note, flag FROM items"
                                               " WHERE n >= ? ORDER BY name");
    assert_true(again == st || again == second);
    store_stmt_done(again);
    st = store_db_statement(db, "UPDATE items SET n = n + 1 WHERE n > ?");
    store_bind_int64(st, 1, 0);
    assert_int_equal(store_stmt_run(st), CV_OK);
    assert_int_equal(store_db_changes(db), 3);
    store_db_close(db);
}

static void blobs_round_trip(void **state)
{
    fixture *f = given(state);
    store_db *db = open_db(f);
    const char *type = f->kind == STORE_POSTGRESQL ? "bytea" : "blob";
    char create[96];
    snprintf(create, sizeof create, "CREATE TABLE items (name text PRIMARY KEY, data %s)", type);
    assert_int_equal(store_db_exec(db, create), CV_OK);
    const unsigned char bytes[] = {0, 1, 2, 0xff, 0, 'x'};
    store_stmt *st = store_db_statement(db, "INSERT INTO items (name, data) VALUES (?, ?)");
    store_bind_text(st, 1, "b");
    store_bind_blob(st, 2, bytes, sizeof bytes);
    assert_int_equal(store_stmt_run(st), CV_OK);
    st = store_db_statement(db, "SELECT data FROM items");
    assert_int_equal(store_step(st), STORE_ROW);
    assert_int_equal(store_column_type(st, 0), STORE_BLOB);
    assert_int_equal(store_column_bytes(st, 0), sizeof bytes);
    assert_memory_equal(store_column_blob(st, 0), bytes, sizeof bytes);
    store_stmt_done(st);
    store_db_close(db);
}

static void unique_violation_is_a_conflict_and_nothing_half_saved(void **state)
{
    fixture *f = given(state);
    store_db *db = open_db(f);
    assert_int_equal(store_db_exec(db, "CREATE TABLE items (name text PRIMARY KEY)"), CV_OK);
    store_stmt *st = store_db_statement(db, "INSERT INTO items (name) VALUES (?)");
    store_bind_text(st, 1, "one");
    assert_int_equal(store_stmt_run(st), CV_OK);
    st = store_db_statement(db, "INSERT INTO items (name) VALUES (?)");
    store_bind_text(st, 1, "one");
    assert_int_equal(store_stmt_run(st), CV_ERR_CONFLICT);
    assert_int_equal(store_db_error(db), CV_ERR_CONFLICT);
    /* Inside a transaction: the write before the failure goes too. */
    assert_int_equal(store_db_begin(db), CV_OK);
    assert_true(store_db_in_transaction(db));
    st = store_db_statement(db, "INSERT INTO items (name) VALUES (?)");
    store_bind_text(st, 1, "two");
    assert_int_equal(store_stmt_run(st), CV_OK);
    st = store_db_statement(db, "INSERT INTO items (name) VALUES (?)");
    store_bind_text(st, 1, "one");
    assert_int_equal(store_stmt_run(st), CV_ERR_CONFLICT);
    store_db_rollback(db);
    assert_false(store_db_in_transaction(db));
    /* ON CONFLICT DO NOTHING is the portable "insert or ignore". */
    st = store_db_statement(db, "INSERT INTO items (name) VALUES (?) ON CONFLICT DO NOTHING");
    store_bind_text(st, 1, "one");
    assert_int_equal(store_stmt_run(st), CV_OK);
    assert_int_equal(store_db_changes(db), 0);
    st = store_db_statement(db, "SELECT count(*) FROM items");
    assert_int_equal(store_step(st), STORE_ROW);
    assert_int_equal(store_column_int(st, 0), 1);
    store_stmt_done(st);
    /* A syntax error is a store error with the database's message. */
    assert_null(store_db_statement(db, "SELEKT 1"));
    assert_int_equal(store_db_error(db), CV_ERR_STORE);
    assert_true(strlen(store_db_message(db)) > 0);
    store_db_close(db);
}

static const char *const MIGRATIONS[] = {
    "CREATE TABLE migrated (id integer PRIMARY KEY, name text NOT NULL)",
    "ALTER TABLE migrated ADD COLUMN note text",
};
static const char *const BROKEN[] = {
    MIGRATIONS[0],
    MIGRATIONS[1],
    "INSERT INTO migrated (id, name) VALUES (1, 'x')",
    "THIS IS NOT SQL",
};

static int version_of(store_db *db, const fixture *f)
{
    store_stmt *st =
        store_db_statement(db, f->kind == STORE_SQLITE
                                   ? "PRAGMA user_version"
                                   : "SELECT version FROM schema_version WHERE component = 'test'");
    int version = store_step(st) == STORE_ROW ? store_column_int(st, 0) : -1;
    store_stmt_done(st);
    return version;
}

static void migrations_apply_once_and_fail_whole(void **state)
{
    fixture *f = given(state);
    store_db *db = open_db(f);
    assert_int_equal(store_db_migrate(db, "test", MIGRATIONS, 1), CV_OK);
    assert_int_equal(version_of(db, f), 1);
    assert_int_equal(store_db_migrate(db, "test", MIGRATIONS, 2), CV_OK);
    assert_int_equal(store_db_migrate(db, "test", MIGRATIONS, 2), CV_OK); /* again: nothing */
    assert_int_equal(version_of(db, f), 2);
    /* A failing step undoes the steps before it. */
    assert_int_not_equal(store_db_migrate(db, "test", BROKEN, 4), CV_OK);
    assert_int_equal(version_of(db, f), 2);
    store_stmt *st = store_db_statement(db, "SELECT count(*) FROM migrated");
    assert_int_equal(store_step(st), STORE_ROW);
    assert_int_equal(store_column_int(st, 0), 0);
    store_stmt_done(st);
    /* A database newer than the program is refused. */
    assert_int_equal(store_db_migrate(db, "test", MIGRATIONS, 1), CV_ERR_INVALID);
    store_db_close(db);
}

enum { RACERS = 3, INCREMENTS = 15 };

static cv_result increment(store_db *db, void *context)
{
    (void)context;
    store_stmt *st = store_db_statement(db, "SELECT value FROM counter WHERE id = 1");
    if (!st || store_step(st) != STORE_ROW) {
        store_stmt_done(st);
        return CV_ERR_STORE;
    }
    int64_t value = store_column_int64(st, 0);
    store_stmt_done(st);
    /* The window in which another writer would read the same value. */
    struct timespec pause = {0, 2 * 1000 * 1000};
    nanosleep(&pause, NULL);
    st = store_db_statement(db, "UPDATE counter SET value = ? WHERE id = 1");
    store_bind_int64(st, 1, value + 1);
    return store_stmt_run(st);
}

static void *race(void *argument)
{
    const fixture *f = argument;
    store_db *db = NULL;
    if (store_db_open(f->location, NULL, &db) != CV_OK)
        return (void *)1;
    intptr_t failures = 0;
    for (int i = 0; i < INCREMENTS; i++)
        failures += store_db_transaction(db, increment, NULL) != CV_OK;
    store_db_close(db);
    return (void *)failures;
}

/* A read and the write that depends on it in one transaction: writers on
 * separate connections never lose each other's update. */
static void transactions_serialise_writers(void **state)
{
    fixture *f = given(state);
    store_db *db = open_db(f);
    assert_int_equal(store_db_exec(db, "CREATE TABLE counter (id integer PRIMARY KEY,"
                                       " value bigint NOT NULL);"
                                       "INSERT INTO counter VALUES (1, 0)"),
                     CV_OK);
    pthread_t threads[RACERS];
    for (int i = 0; i < RACERS; i++)
        assert_int_equal(pthread_create(&threads[i], NULL, race, f), 0);
    for (int i = 0; i < RACERS; i++) {
        void *failures = NULL;
        pthread_join(threads[i], &failures);
        assert_int_equal((intptr_t)failures, 0);
    }
    store_stmt *st = store_db_statement(db, "SELECT value FROM counter WHERE id = 1");
    assert_int_equal(store_step(st), STORE_ROW);
    assert_int_equal(store_column_int64(st, 0), RACERS * INCREMENTS);
    store_stmt_done(st);
    store_db_close(db);
}

/* ---- PostgreSQL only: connecting, passwords, a lost connection ---- */

static void postgresql_refuses_a_password_in_the_url(void **state)
{
    fixture *f = given(state);
    store_db *db = NULL;
    assert_int_equal(store_db_open("postgresql://convene:secret@127.0.0.1:1/convene", NULL, &db),
                     CV_ERR_INVALID);
    assert_null(db);
    assert_int_equal(store_db_open("postgresql://127.0.0.1:1/x?password=secret", NULL, &db),
                     CV_ERR_INVALID);
    (void)f;
}

static void postgresql_unreachable_is_a_network_error(void **state)
{
    (void)given(state);
    store_db *db = NULL;
    /* Port 1 on loopback: nothing listens. */
    assert_int_equal(store_db_open("postgresql://convene@127.0.0.1:1/convene", NULL, &db),
                     CV_ERR_NETWORK);
    assert_null(db);
}

static void postgresql_reads_the_password_file(void **state)
{
    fixture *f = given(state);
    const char *file = getenv("CONVENE_TEST_POSTGRESQL_PASSWORD_FILE");
    assert_non_null(file);
    char *saved = getenv("PGPASSWORD") ? strdup(getenv("PGPASSWORD")) : NULL;
    unsetenv("PGPASSWORD");
    store_db *db = NULL;
    /* Without a password the server refuses (scram-sha-256). */
    assert_int_not_equal(store_db_open(f->location, NULL, &db), CV_OK);
    assert_int_equal(store_db_open(f->location, file, &db), CV_OK);
    assert_int_equal(store_db_exec(db, "SELECT 1"), CV_OK);
    store_db_close(db);
    assert_int_equal(store_db_open(f->location, "/nonexistent/password", &db), CV_ERR_IO);
    if (saved) {
        setenv("PGPASSWORD", saved, 1);
        free(saved);
    }
}

/* Ends `db`'s server session from another connection, as a restart would,
 * and waits (up to 5 s) until the server process has gone, so its goodbye
 * is on `db`'s socket when the caller goes on. */
static void cut_off(const fixture *f, store_db *db)
{
    store_stmt *st = store_db_statement(db, "SELECT pg_backend_pid()");
    assert_int_equal(store_step(st), STORE_ROW);
    int64_t pid = store_column_int64(st, 0);
    store_stmt_done(st);
    store_db *other = open_db(f);
    st = store_db_statement(other, "SELECT pg_terminate_backend(?, 5000)");
    store_bind_int64(st, 1, pid);
    assert_int_equal(store_step(st), STORE_ROW);
    assert_int_equal(store_column_int(st, 0), 1);
    store_stmt_done(st);
    /* the backend ends a moment later: wait for it (the condition, up to
     * 10 s), so the close has been sent when the test goes on */
    int64_t left = 1;
    for (int round = 0; round < 10000 && left != 0; round++) {
        st = store_db_statement(other, "SELECT count(*) FROM pg_stat_activity WHERE pid = ?");
        store_bind_int64(st, 1, pid);
        assert_int_equal(store_step(st), STORE_ROW);
        left = store_column_int64(st, 0);
        store_stmt_done(st);
        if (left != 0)
            sleep_milliseconds(1);
    }
    assert_int_equal(left, 0);
    store_db_close(other);
}

static void postgresql_lost_connection_fails_cleanly_then_reconnects(void **state)
{
    fixture *f = given(state);
    store_db *db = open_db(f);
    assert_int_equal(store_db_exec(db, "CREATE TABLE items (name text PRIMARY KEY)"), CV_OK);
    const char *insert = "INSERT INTO items (name) VALUES (?)";
    store_stmt *st = store_db_statement(db, insert);
    store_bind_text(st, 1, "a");
    assert_int_equal(store_stmt_run(st), CV_OK);
    /* Outside a transaction, a connection the server closed while it was
     * idle is noticed and replaced before anything is sent into it. */
    cut_off(f, db);
    st = store_db_statement(db, insert);
    assert_non_null(st);
    store_bind_text(st, 1, "b");
    assert_int_equal(store_stmt_run(st), CV_OK);
    /* Lost during the call in hand: that call fails, the next reconnects
     * and prepares its statement again. */
    st = store_db_statement(db, "SELECT pg_terminate_backend(pg_backend_pid())");
    assert_non_null(st);
    assert_int_equal(store_step(st), STORE_FAILED);
    assert_int_equal(store_stmt_error(st), CV_ERR_NETWORK);
    store_stmt_done(st);
    st = store_db_statement(db, insert);
    assert_non_null(st);
    store_bind_text(st, 1, "c");
    assert_int_equal(store_stmt_run(st), CV_OK);
    /* Inside one: everything fails until the rollback; nothing of it is
     * written, and the commit does not claim success. */
    assert_int_equal(store_db_begin(db), CV_OK);
    st = store_db_statement(db, insert);
    store_bind_text(st, 1, "d");
    assert_int_equal(store_stmt_run(st), CV_OK);
    cut_off(f, db);
    st = store_db_statement(db, insert);
    if (st) {
        store_bind_text(st, 1, "e");
        assert_int_equal(store_stmt_run(st), CV_ERR_NETWORK);
    }
    st = store_db_statement(db, insert);
    if (st) {
        store_bind_text(st, 1, "f");
        assert_int_equal(store_stmt_run(st), CV_ERR_NETWORK); /* not run on its own */
    }
    assert_int_equal(store_db_commit(db), CV_ERR_NETWORK);
    assert_false(store_db_in_transaction(db));
    st = store_db_statement(db, "SELECT string_agg(name, ',' ORDER BY name) FROM items");
    assert_non_null(st);
    assert_int_equal(store_step(st), STORE_ROW);
    assert_string_equal(store_column_text(st, 0), "a,b,c");
    store_stmt_done(st);
    store_db_close(db);
}

/* A failed statement aborts a PostgreSQL transaction: COMMIT must not
 * answer success for it. */
static void postgresql_commit_after_a_failure_is_refused(void **state)
{
    fixture *f = given(state);
    store_db *db = open_db(f);
    assert_int_equal(store_db_exec(db, "CREATE TABLE items (name text PRIMARY KEY);"
                                       "INSERT INTO items VALUES ('one')"),
                     CV_OK);
    assert_int_equal(store_db_begin(db), CV_OK);
    store_stmt *st = store_db_statement(db, "INSERT INTO items (name) VALUES (?)");
    store_bind_text(st, 1, "two");
    assert_int_equal(store_stmt_run(st), CV_OK);
    st = store_db_statement(db, "INSERT INTO items (name) VALUES (?)");
    store_bind_text(st, 1, "one");
    assert_int_equal(store_stmt_run(st), CV_ERR_CONFLICT);
    assert_int_not_equal(store_db_commit(db), CV_OK);
    st = store_db_statement(db, "SELECT count(*) FROM items");
    assert_int_equal(store_step(st), STORE_ROW);
    assert_int_equal(store_column_int(st, 0), 1);
    store_stmt_done(st);
    store_db_close(db);
}

/* A multi-row INSERT with a parameter every row shares: one statement,
 * every row written, the shared value's type taken from its column on
 * PostgreSQL too (the bridge's bulk sync writes its spaces this way). */
static void multi_row_insert_shares_parameters(void **state)
{
    fixture *f = given(state);
    store_db *db = open_db(f);
    assert_int_equal(store_db_exec(db, "CREATE TABLE items (name text PRIMARY KEY, n bigint,"
                                       " note text, flag boolean)"),
                     CV_OK);
    strbuf sql = STRBUF_INIT;
    strbuf_append_str(&sql, "INSERT INTO items (name, n, note, flag)");
    assert_int_equal(store_sql_append_values(&sql, "rr12", 2, 3), CV_OK);
    store_stmt *st = store_db_statement(db, strbuf_str(&sql));
    assert_non_null(st);
    assert_int_equal(store_bind_count(st), 8);
    store_bind_text(st, 1, "shared");
    store_bind_int(st, 2, 1);
    for (int row = 0; row < 3; row++) {
        char name[16];
        snprintf(name, sizeof name, "row%d", row);
        store_bind_text(st, 3 + 2 * row, name);
        store_bind_int64(st, 4 + 2 * row, row * 10);
    }
    assert_int_equal(store_stmt_run(st), CV_OK);
    assert_int_equal(store_db_changes(db), 3);
    strbuf_free(&sql);
    st = store_db_statement(db, "SELECT name, n, note, flag FROM items ORDER BY name");
    for (int row = 0; row < 3; row++) {
        char name[16];
        snprintf(name, sizeof name, "row%d", row);
        assert_int_equal(store_step(st), STORE_ROW);
        assert_string_equal(store_column_text(st, 0), name);
        assert_int_equal(store_column_int64(st, 1), row * 10);
        assert_string_equal(store_column_text(st, 2), "shared");
        assert_int_equal(store_column_int64(st, 3), 1);
    }
    assert_int_equal(store_step(st), STORE_DONE);
    store_stmt_done(st);
    store_db_close(db);
}

/* Each case is named for its backend ("postgresql/…"), so the output
 * says which ran and which were skipped. */
#define ON(backend, test, set_up)                                                                  \
    {                                                                                              \
        backend "/" #test, test, set_up, tear_down, NULL                                           \
    }
#define BOTH(test)       ON("sqlite", test, set_up_sqlite), ON("postgresql", test, set_up_postgresql)
#define POSTGRESQL(test) ON("postgresql", test, set_up_postgresql)

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(translation_numbers_parameters_outside_quotes),
        cmocka_unit_test(translation_refuses_out_of_range_numbers),
        cmocka_unit_test(values_number_each_row_after_the_shared_ones),
        cmocka_unit_test(sqlstates_map_to_results),
        cmocka_unit_test(locations_are_masked_for_logs),
        BOTH(rows_round_trip_with_every_kind_of_value),
        BOTH(blobs_round_trip),
        BOTH(unique_violation_is_a_conflict_and_nothing_half_saved),
        BOTH(migrations_apply_once_and_fail_whole),
        BOTH(transactions_serialise_writers),
        BOTH(multi_row_insert_shares_parameters),
        POSTGRESQL(postgresql_refuses_a_password_in_the_url),
        POSTGRESQL(postgresql_unreachable_is_a_network_error),
        POSTGRESQL(postgresql_reads_the_password_file),
        POSTGRESQL(postgresql_lost_connection_fails_cleanly_then_reconnects),
        POSTGRESQL(postgresql_commit_after_a_failure_is_refused),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
