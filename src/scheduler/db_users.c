/*
 * db_users.c - the SQL of accounts, API tokens, sessions and booking
 * ownership; see db_users.h. Statements come from the connection's cache
 * (store_sql.h). Owns: that SQL. Does not own: transactions (the callers
 * begin and commit), hashing secrets (auth.c).
 */
#include "scheduler/db_users.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/store_sql.h"

#define USER_COLUMNS "id, name, full_name, email, role, source, created, updated"

static store_stmt *prepare(store_db *database, const char *sql, cv_result *result)
{
    store_stmt *statement = store_db_statement(database, sql);
    *result = statement ? CV_OK : store_db_error(database);
    return statement;
}

/* Reads a row of USER_COLUMNS starting at column 0. */
static void read_user(store_stmt *statement, db_user *out)
{
    memset(out, 0, sizeof *out);
    out->id = store_column_int64(statement, 0);
    store_column_into(statement, 1, out->name, sizeof out->name);
    store_column_into(statement, 2, out->full_name, sizeof out->full_name);
    store_column_into(statement, 3, out->email, sizeof out->email);
    user_role role = USER_ROLE_BOOKER;
    user_role_parse(store_column_text(statement, 4), &role);
    out->role = role;
    const char *source = store_column_text(statement, 5);
    out->directory = source && strcmp((const char *)source, "ldap") == 0;
    out->created = store_column_int64(statement, 6);
    out->updated = store_column_int64(statement, 7);
}

/* Steps a query for one user row; NOT_FOUND when there is none. */
static cv_result step_user(store_stmt *statement, db_user *out, char **password_hash)
{
    store_step_state step = store_step(statement);
    cv_result result = CV_ERR_NOT_FOUND;
    if (step == STORE_ROW) {
        read_user(statement, out);
        bool failed = false;
        if (password_hash)
            *password_hash = store_column_copy(statement, 8, &failed);
        result = failed ? CV_ERR_NO_MEMORY : CV_OK;
    } else if (step != STORE_DONE) {
        result = store_stmt_error(statement);
    }
    store_stmt_done(statement);
    return result;
}

cv_result db_users_find_by_name(store_db *database, const char *name, db_user *out,
                                char **password_hash)
{
    cv_result result;
    if (password_hash)
        *password_hash = NULL;
    store_stmt *statement = prepare(
        database, "SELECT " USER_COLUMNS ", password_hash FROM users WHERE name = ?1", &result);
    if (!statement)
        return result;
    store_bind_text(statement, 1, name);
    return step_user(statement, out, password_hash);
}

cv_result db_users_find_by_id(store_db *database, int64_t id, db_user *out)
{
    cv_result result;
    store_stmt *statement =
        prepare(database, "SELECT " USER_COLUMNS " FROM users WHERE id = ?1", &result);
    if (!statement)
        return result;
    store_bind_int64(statement, 1, id);
    return step_user(statement, out, NULL);
}

/* Binds the fields of `user` as ?2 name .. ?7 updated (?1 is the id). */
static void bind_user(store_stmt *statement, const db_user *user)
{
    store_bind_text(statement, 2, user->name);
    store_bind_text_or_null(statement, 3, user->full_name);
    store_bind_text_or_null(statement, 4, user->email);
    store_bind_text(statement, 5, user_role_name(user->role));
    store_bind_text(statement, 6, user->directory ? "ldap" : "local");
    store_bind_int64(statement, 7, user->updated);
}

cv_result db_users_insert(store_db *database, db_user *user, const char *password_hash)
{
    cv_result result;
    store_stmt *statement =
        prepare(database,
                "INSERT INTO users (name, full_name, email, role, source, updated, created,"
                " password_hash) VALUES (?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9) RETURNING id",
                &result);
    if (!statement)
        return result;
    bind_user(statement, user);
    store_bind_int64(statement, 8, user->created);
    store_bind_text_or_null(statement, 9, password_hash);
    if (store_step(statement) == STORE_ROW)
        user->id = store_column_int64(statement, 0);
    else
        result = store_db_error(database);
    store_stmt_done(statement);
    return result;
}

cv_result db_users_update(store_db *database, const db_user *user, const char *password_hash)
{
    cv_result result;
    store_stmt *statement =
        prepare(database,
                "UPDATE users SET name = ?2, full_name = ?3, email = ?4, role = ?5, source = ?6,"
                " updated = ?7, password_hash = coalesce(?8, password_hash) WHERE id = ?1",
                &result);
    if (!statement)
        return result;
    store_bind_int64(statement, 1, user->id);
    bind_user(statement, user);
    store_bind_text_or_null(statement, 8, password_hash);
    result = store_stmt_run(statement);
    if (result == CV_OK && store_db_changes(database) == 0)
        result = CV_ERR_NOT_FOUND;
    return result;
}

/* Runs `sql`, a statement whose one parameter ?1 is `value`. */
static cv_result run_with_integer(store_db *database, const char *sql, int64_t value)
{
    cv_result result;
    store_stmt *statement = prepare(database, sql, &result);
    if (!statement)
        return result;
    store_bind_int64(statement, 1, value);
    return store_stmt_run(statement);
}

cv_result db_users_delete(store_db *database, int64_t id)
{
    cv_result result = run_with_integer(database, "DELETE FROM users WHERE id = ?1", id);
    if (result == CV_OK && store_db_changes(database) == 0)
        result = CV_ERR_NOT_FOUND;
    return result;
}

/* Runs a query whose one row holds one integer. */
static cv_result query_integer(store_stmt *statement, int64_t *out)
{
    store_step_state step = store_step(statement);
    *out = step == STORE_ROW ? store_column_int64(statement, 0) : 0;
    store_stmt_done(statement);
    return step == STORE_ROW || step == STORE_DONE ? CV_OK : store_stmt_error(statement);
}

cv_result db_users_count_admins(store_db *database, int64_t *count)
{
    cv_result result;
    store_stmt *statement =
        prepare(database, "SELECT count(*) FROM users WHERE role = 'admin'", &result);
    return statement ? query_integer(statement, count) : result;
}

cv_result db_users_each(store_db *database, cv_result (*visit)(const db_user *user, void *context),
                        void *context)
{
    cv_result result;
    store_stmt *statement =
        prepare(database, "SELECT " USER_COLUMNS " FROM users ORDER BY name", &result);
    if (!statement)
        return result;
    store_step_state step;
    while (result == CV_OK && (step = store_step(statement)) == STORE_ROW) {
        db_user user;
        read_user(statement, &user);
        result = visit(&user, context);
    }
    if (result == CV_OK && step != STORE_DONE)
        result = store_db_error(database);
    store_stmt_done(statement);
    return result;
}

/* ---- tokens ------------------------------------------------------------------ */

#define TOKEN_COLUMNS "id, user_id, name, role, created, expires"

static void read_token(store_stmt *statement, db_token *out)
{
    memset(out, 0, sizeof *out);
    store_column_into(statement, 0, out->id, sizeof out->id);
    out->user_id = store_column_int64(statement, 1);
    store_column_into(statement, 2, out->name, sizeof out->name);
    user_role role = USER_ROLE_BOOKER;
    user_role_parse(store_column_text(statement, 3), &role);
    out->role = role;
    out->created = store_column_int64(statement, 4);
    out->expires = store_column_int64(statement, 5);
}

cv_result db_tokens_insert(store_db *database, const db_token *token,
                           const unsigned char hash[DB_SECRET_HASH_SIZE])
{
    cv_result result;
    store_stmt *statement = prepare(database,
                                    "INSERT INTO api_tokens (" TOKEN_COLUMNS ", secret_hash)"
                                    " VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)",
                                    &result);
    if (!statement)
        return result;
    store_bind_text(statement, 1, token->id);
    store_bind_int64(statement, 2, token->user_id);
    store_bind_text(statement, 3, token->name);
    store_bind_text(statement, 4, user_role_name(token->role));
    store_bind_int64(statement, 5, token->created);
    store_bind_int64(statement, 6, token->expires);
    store_bind_blob(statement, 7, hash, DB_SECRET_HASH_SIZE);
    return store_stmt_run(statement);
}

cv_result db_tokens_find(store_db *database, const unsigned char hash[DB_SECRET_HASH_SIZE],
                         int64_t now, db_token *out)
{
    cv_result result;
    store_stmt *statement = prepare(database,
                                    "SELECT " TOKEN_COLUMNS " FROM api_tokens"
                                    " WHERE secret_hash = ?1 AND expires > ?2",
                                    &result);
    if (!statement)
        return result;
    store_bind_blob(statement, 1, hash, DB_SECRET_HASH_SIZE);
    store_bind_int64(statement, 2, now);
    store_step_state step = store_step(statement);
    result = step == STORE_ROW    ? CV_OK
             : step == STORE_DONE ? CV_ERR_NOT_FOUND
                                  : store_db_error(database);
    if (step == STORE_ROW)
        read_token(statement, out);
    store_stmt_done(statement);
    return result;
}

cv_result db_tokens_each(store_db *database, int64_t user_id,
                         cv_result (*visit)(const db_token *token, void *context), void *context)
{
    cv_result result;
    store_stmt *statement = prepare(database,
                                    "SELECT " TOKEN_COLUMNS " FROM api_tokens"
                                    " WHERE ?1 = 0 OR user_id = ?1 ORDER BY created DESC, id",
                                    &result);
    if (!statement)
        return result;
    store_bind_int64(statement, 1, user_id);
    store_step_state step;
    while (result == CV_OK && (step = store_step(statement)) == STORE_ROW) {
        db_token token;
        read_token(statement, &token);
        result = visit(&token, context);
    }
    if (result == CV_OK && step != STORE_DONE)
        result = store_db_error(database);
    store_stmt_done(statement);
    return result;
}

cv_result db_tokens_delete(store_db *database, const char *id, int64_t user_id)
{
    cv_result result;
    store_stmt *statement = prepare(
        database, "DELETE FROM api_tokens WHERE id = ?1 AND (?2 = 0 OR user_id = ?2)", &result);
    if (!statement)
        return result;
    store_bind_text(statement, 1, id);
    store_bind_int64(statement, 2, user_id);
    result = store_stmt_run(statement);
    if (result == CV_OK && store_db_changes(database) == 0)
        result = CV_ERR_NOT_FOUND;
    return result;
}

/* ---- sessions ---------------------------------------------------------------- */

cv_result db_sessions_insert(store_db *database, const unsigned char hash[DB_SECRET_HASH_SIZE],
                             int64_t user_id, const unsigned char csrf_hash[DB_SECRET_HASH_SIZE],
                             int64_t created, int64_t expires)
{
    cv_result result;
    store_stmt *statement = prepare(database,
                                    "INSERT INTO sessions (secret_hash, user_id, csrf_hash,"
                                    " created, expires) VALUES (?1, ?2, ?3, ?4, ?5)",
                                    &result);
    if (!statement)
        return result;
    store_bind_blob(statement, 1, hash, DB_SECRET_HASH_SIZE);
    store_bind_int64(statement, 2, user_id);
    store_bind_blob(statement, 3, csrf_hash, DB_SECRET_HASH_SIZE);
    store_bind_int64(statement, 4, created);
    store_bind_int64(statement, 5, expires);
    return store_stmt_run(statement);
}

cv_result db_sessions_find(store_db *database, const unsigned char hash[DB_SECRET_HASH_SIZE],
                           int64_t now, int64_t *user_id,
                           unsigned char csrf_hash[DB_SECRET_HASH_SIZE])
{
    cv_result result;
    store_stmt *statement = prepare(
        database, "SELECT user_id, csrf_hash FROM sessions WHERE secret_hash = ?1 AND expires > ?2",
        &result);
    if (!statement)
        return result;
    store_bind_blob(statement, 1, hash, DB_SECRET_HASH_SIZE);
    store_bind_int64(statement, 2, now);
    store_step_state step = store_step(statement);
    result = step == STORE_DONE ? CV_ERR_NOT_FOUND : store_db_error(database);
    if (step == STORE_ROW) {
        *user_id = store_column_int64(statement, 0);
        const void *stored = store_column_blob(statement, 1);
        bool whole = stored && store_column_bytes(statement, 1) == DB_SECRET_HASH_SIZE;
        if (whole)
            memcpy(csrf_hash, stored, DB_SECRET_HASH_SIZE);
        result = whole ? CV_OK : CV_ERR_STORE;
    }
    store_stmt_done(statement);
    return result;
}

cv_result db_sessions_delete(store_db *database, const unsigned char hash[DB_SECRET_HASH_SIZE])
{
    cv_result result;
    store_stmt *statement =
        prepare(database, "DELETE FROM sessions WHERE secret_hash = ?1", &result);
    if (!statement)
        return result;
    store_bind_blob(statement, 1, hash, DB_SECRET_HASH_SIZE);
    return store_stmt_run(statement);
}

cv_result db_users_revoke_credentials(store_db *database, int64_t user_id)
{
    cv_result result =
        run_with_integer(database, "DELETE FROM api_tokens WHERE user_id = ?1", user_id);
    return result == CV_OK
               ? run_with_integer(database, "DELETE FROM sessions WHERE user_id = ?1", user_id)
               : result;
}

cv_result db_sessions_purge(store_db *database, int64_t now)
{
    cv_result result = run_with_integer(database, "DELETE FROM sessions WHERE expires <= ?1", now);
    return result == CV_OK
               ? run_with_integer(database, "DELETE FROM api_tokens WHERE expires <= ?1", now)
               : result;
}

/* ---- booking ownership -------------------------------------------------------- */

cv_result db_users_booking_owned(store_db *database, const char *booking_id, int64_t user_id,
                                 const char *email, bool *owned)
{
    cv_result result;
    store_stmt *statement =
        prepare(database,
                "SELECT 1 FROM bookings b LEFT JOIN booking_series s ON s.id = b.series_id"
                " WHERE b.id = ?1 AND (b.owner = ?2 OR s.owner = ?2"
                " OR (?3 <> '' AND lower(s.organizer) = lower(?3)))",
                &result);
    if (!statement)
        return result;
    store_bind_text(statement, 1, booking_id);
    store_bind_int64(statement, 2, user_id);
    store_bind_text(statement, 3, email ? email : "");
    int64_t found = 0;
    result = query_integer(statement, &found);
    *owned = result == CV_OK && found == 1;
    return result;
}

cv_result db_users_each_owned_in_window(store_db *database, int64_t user_id, const char *email,
                                        int64_t from, int64_t to, int64_t limit,
                                        const char *bridge_id, db_booking_id_visit visit,
                                        void *context)
{
    cv_result result;
    store_stmt *statement = prepare(
        database,
        "SELECT b.id FROM bookings b LEFT JOIN booking_series s ON s.id = b.series_id"
        " WHERE b.start_at < ?2 AND b.end_at > ?1 AND (CAST(?4 AS TEXT) IS NULL OR b.bridge_id = "
        "?4)"
        " AND (b.owner = ?5 OR s.owner = ?5 OR (?6 <> '' AND lower(s.organizer) = lower(?6)))"
        " ORDER BY b.start_at, b.id LIMIT ?3",
        &result);
    if (!statement)
        return result;
    store_bind_int64(statement, 1, from);
    store_bind_int64(statement, 2, to);
    store_bind_int64(statement, 3, limit);
    store_bind_text_or_null(statement, 4, bridge_id);
    store_bind_int64(statement, 5, user_id);
    store_bind_text(statement, 6, email ? email : "");
    store_step_state step;
    while (result == CV_OK && (step = store_step(statement)) == STORE_ROW) {
        char id[ID_TEXT_SIZE]; /* a copy: the visit may use the connection */
        store_column_into(statement, 0, id, sizeof id);
        result = visit(id, context);
    }
    if (result == CV_OK && step != STORE_DONE)
        result = store_db_error(database);
    store_stmt_done(statement);
    return result;
}

/* Runs `sql` with ?1 = `id` text and ?2 = `user_id`. */
static cv_result run_owner_update(store_db *database, const char *sql, const char *id,
                                  int64_t user_id)
{
    cv_result result;
    store_stmt *statement = prepare(database, sql, &result);
    if (!statement)
        return result;
    store_bind_text(statement, 1, id);
    store_bind_int64(statement, 2, user_id);
    return store_stmt_run(statement);
}

/* Only the series row: its occurrences' owner is read through it
 * (coalesce(b.owner, s.owner) and "b.owner = ? OR s.owner = ?" above), so
 * a series of 3,650 occurrences costs one UPDATE, not 3,650 rows and index
 * entries more (the 3,650-occurrence benchmark in docs/benchmarks.md). */
cv_result db_users_set_series_owner(store_db *database, const char *series_id, int64_t user_id)
{
    return run_owner_update(database, "UPDATE booking_series SET owner = ?2 WHERE id = ?1",
                            series_id, user_id);
}

cv_result db_users_booking_owner(store_db *database, const char *booking_id, char *name,
                                 size_t size)
{
    cv_result result;
    name[0] = '\0';
    store_stmt *statement =
        prepare(database,
                "SELECT u.name FROM bookings b LEFT JOIN booking_series s ON s.id = b.series_id"
                " JOIN users u ON u.id = coalesce(b.owner, s.owner) WHERE b.id = ?1",
                &result);
    if (!statement)
        return result;
    store_bind_text(statement, 1, booking_id);
    store_step_state step = store_step(statement);
    if (step == STORE_ROW)
        store_column_into(statement, 0, name, size);
    store_stmt_done(statement);
    return step == STORE_ROW || step == STORE_DONE ? CV_OK : store_db_error(database);
}
