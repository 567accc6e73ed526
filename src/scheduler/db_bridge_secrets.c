/*
 * db_bridge_secrets.c - bridge passwords sealed at rest; see
 * db_bridge_secrets.h. Owns the SQL that rewrites the password columns at
 * start; not the rest of the bridges rows.
 */
#include "scheduler/db_bridge_secrets.h"

#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/log.h"
#include "common/store_sql.h"
#include "common/text.h"

/* Set once at start, before the threads that read bridges exist, and only
 * read afterwards (db_bridge_secrets_use): no lock needed. */
static const secret_box *sealing_key;

void db_bridge_secrets_use(const secret_box *key)
{
    sealing_key = key;
}

/* The text bound to a sealed password: its row and column. */
static void bound_context(char *out, size_t size, const char *bridge_id, const char *column)
{
    snprintf(out, size, "convened bridges %s %s", bridge_id, column);
}

static cv_result seal_with(const secret_box *key, const char *bridge_id, const char *column,
                           const char *plain, char **out)
{
    char context[160];
    bound_context(context, sizeof context, bridge_id, column);
    return secret_box_seal(key, plain, context, out);
}

static cv_result open_with(const secret_box *key, const char *bridge_id, const char *column,
                           const char *stored, char **out, strbuf *error)
{
    char context[160];
    bound_context(context, sizeof context, bridge_id, column);
    return secret_box_unseal(key, stored, context, out, error);
}

cv_result db_bridge_secret_seal(const char *bridge_id, const char *column, const char *plain,
                                char **out)
{
    *out = NULL;
    if (!plain || !*plain)
        return CV_OK; /* stored as NULL, as an empty optional text always was */
    if (!sealing_key)
        return CV_ERR_INVALID; /* db_bridge_secrets_use was never called */
    return seal_with(sealing_key, bridge_id, column, plain, out);
}

cv_result db_bridge_secret_open(const char *bridge_id, const char *column, const char *stored,
                                char **out, strbuf *error)
{
    *out = NULL;
    if (!stored)
        return CV_OK;
    if (!sealing_key)
        return CV_ERR_INVALID;
    strbuf ignored = STRBUF_INIT;
    cv_result result =
        open_with(sealing_key, bridge_id, column, stored, out, error ? error : &ignored);
    strbuf_free(&ignored);
    return result;
}

cv_result db_bridge_passwords_seal(const char *bridge_id, const char *password,
                                   const char *alternate_password, db_bridge_passwords *out)
{
    memset(out, 0, sizeof *out);
    cv_result result =
        db_bridge_secret_seal(bridge_id, DB_BRIDGE_PASSWORD, password, &out->password);
    if (result == CV_OK)
        result = db_bridge_secret_seal(bridge_id, DB_BRIDGE_ALTERNATE_PASSWORD, alternate_password,
                                       &out->alternate_password);
    return result;
}

void db_bridge_passwords_free(db_bridge_passwords *sealed)
{
    free(sealed->password);
    free(sealed->alternate_password);
}

/* One stored password as read at start. */
typedef struct {
    char *bridge_id;
    const char *column; /* DB_BRIDGE_PASSWORD or DB_BRIDGE_ALTERNATE_PASSWORD */
    char *stored;
} stored_secret;

static void free_secrets(stored_secret *secrets, size_t count)
{
    for (size_t i = 0; i < count; i++) {
        free(secrets[i].bridge_id);
        text_wipe_free(secrets[i].stored);
    }
    free(secrets);
}

/* Every non-NULL password column of every bridge. */
static cv_result read_secrets(store_db *database, stored_secret **out, size_t *count)
{
    *out = NULL;
    *count = 0;
    store_stmt *statement = NULL;
    cv_result code = store_db_prepare(
        database, "SELECT id, password, alternate_password FROM bridges", &statement);
    store_step_state step = STORE_FAILED;
    cv_result result = CV_OK;
    while (result == CV_OK && code == CV_OK && (step = store_step(statement)) == STORE_ROW) {
        code = CV_OK;
        for (int column = 1; column <= 2 && result == CV_OK; column++) {
            if (store_column_type(statement, column) == STORE_NULL)
                continue;
            stored_secret *grown = realloc(*out, (*count + 1) * sizeof *grown);
            if (!grown) {
                result = CV_ERR_NO_MEMORY;
                break;
            }
            *out = grown;
            stored_secret *entry = &grown[*count];
            entry->column = column == 1 ? DB_BRIDGE_PASSWORD : DB_BRIDGE_ALTERNATE_PASSWORD;
            entry->bridge_id = store_column_copy(statement, 0, NULL);
            entry->stored = store_column_copy(statement, column, NULL);
            (*count)++;
            if (!entry->bridge_id || !entry->stored)
                result = CV_ERR_NO_MEMORY;
        }
    }
    if (result == CV_OK && step != STORE_DONE)
        result = store_db_error(database);
    store_stmt_done(statement);
    if (result != CV_OK) {
        free_secrets(*out, *count);
        *out = NULL;
        *count = 0;
    }
    return result;
}

static cv_result write_secret(store_db *database, const stored_secret *secret, const char *sealed)
{
    /* The column name comes from the two constants above, never from input. */
    char sql[96];
    snprintf(sql, sizeof sql, "UPDATE bridges SET %s = ?1 WHERE id = ?2", secret->column);
    store_stmt *statement = NULL;
    cv_result code = store_db_prepare(database, sql, &statement);
    store_step_state step = STORE_FAILED;
    if (code == CV_OK)
        code = store_bind_text(statement, 1, sealed);
    if (code == CV_OK)
        code = store_bind_text(statement, 2, secret->bridge_id);
    if (code == CV_OK)
        step = store_step(statement);
    store_stmt_done(statement);
    return step == STORE_DONE ? CV_OK : store_db_error(database);
}

/* Brings one stored password to the form "sealed by `key`"; *sealed is
 * the new stored text, or NULL when it already is in that form. */
static cv_result prepare_one(const stored_secret *secret, const secret_box *key,
                             const secret_box *previous, char **sealed,
                             db_bridge_secrets_report *report, strbuf *error)
{
    *sealed = NULL;
    char *plain = NULL;
    cv_result result = CV_OK;
    if (!secret_box_is_sealed(secret->stored)) {
        result = seal_with(key, secret->bridge_id, secret->column, secret->stored, sealed);
        report->sealed += result == CV_OK;
        return result;
    }
    if (secret_box_sealed_by(key, secret->stored)) {
        /* Opened once now, so a damaged value stops the start, not a meeting. */
        result = open_with(key, secret->bridge_id, secret->column, secret->stored, &plain, error);
    } else if (previous && secret_box_sealed_by(previous, secret->stored)) {
        result =
            open_with(previous, secret->bridge_id, secret->column, secret->stored, &plain, error);
        if (result == CV_OK)
            result = seal_with(key, secret->bridge_id, secret->column, plain, sealed);
        report->resealed += result == CV_OK;
    } else {
        strbuf_printf(error,
                      "it was sealed with key %.8s, but --secrets-key holds key %s%s%s; start "
                      "convened with the key file of its last run (or give that one as "
                      "--secrets-key-previous to rotate)",
                      secret->stored + strlen(SECRET_BOX_PREFIX), secret_box_key_id(key),
                      previous ? " and --secrets-key-previous key " : "",
                      previous ? secret_box_key_id(previous) : "");
        result = CV_ERR_AUTH;
    }
    text_wipe_free(plain);
    return result;
}

typedef struct {
    const secret_box *key, *previous;
    db_bridge_secrets_report *report;
    strbuf *error;
} preparation;

/* store_db_work of db_bridge_secrets_prepare: every password of every row. */
static cv_result prepare_all(store_db *database, void *context)
{
    preparation *pass = context;
    stored_secret *secrets = NULL;
    size_t count = 0;
    cv_result result = read_secrets(database, &secrets, &count);
    for (size_t i = 0; result == CV_OK && i < count; i++) {
        char *sealed = NULL;
        strbuf why = STRBUF_INIT;
        result = prepare_one(&secrets[i], pass->key, pass->previous, &sealed, pass->report, &why);
        if (result == CV_OK && sealed)
            result = write_secret(database, &secrets[i], sealed);
        else if (result != CV_OK)
            strbuf_printf(pass->error, "the %s of bridge %s cannot be opened: %s",
                          secrets[i].column, secrets[i].bridge_id, strbuf_str(&why));
        free(sealed);
        strbuf_free(&why);
    }
    free_secrets(secrets, count);
    return result;
}

cv_result db_bridge_secrets_prepare(store_db *database, const secret_box *key,
                                    const secret_box *previous, db_bridge_secrets_report *report,
                                    strbuf *error)
{
    memset(report, 0, sizeof *report);
    preparation pass = {key, previous, report, error};
    return store_db_transaction(database, prepare_all, &pass);
}

/* True when some stored password is sealed (by any key). */
static cv_result any_sealed(store_db *database, bool *any)
{
    store_stmt *statement = NULL;
    cv_result code =
        store_db_prepare(database,
                         "SELECT EXISTS (SELECT 1 FROM bridges WHERE substr(password, 1, "
                         "4) = ?1 OR substr(alternate_password, 1, 4) = ?1)",
                         &statement);
    store_step_state step = STORE_FAILED;
    if (code == CV_OK)
        code = store_bind_text(statement, 1, SECRET_BOX_PREFIX);
    if (code == CV_OK)
        step = store_step(statement);
    *any = step == STORE_ROW && store_column_int(statement, 0) != 0;
    store_stmt_done(statement);
    return step == STORE_ROW ? CV_OK : store_db_error(database);
}

/* Loads the key file, creating it only while no password is sealed or
 * when rotating (`rotating`: the sealed ones open with the previous key). */
static cv_result load_key(store_db *database, const char *key_path, bool rotating, secret_box **key,
                          strbuf *error)
{
    cv_result result = secret_box_open(key_path, false, key, NULL, error);
    if (result != CV_ERR_NOT_FOUND)
        return result;
    strbuf_reset(error);
    bool sealed = false;
    result = any_sealed(database, &sealed);
    if (result != CV_OK)
        return result;
    if (sealed && !rotating) {
        strbuf_printf(error,
                      "the secrets key file %s is missing, but the database holds bridge "
                      "passwords sealed with a key: restore the key file from the backup of "
                      "this data directory's key (or give its path with --secrets-key)",
                      key_path);
        return CV_ERR_NOT_FOUND;
    }
    bool created = false;
    result = secret_box_open(key_path, true, key, &created, error);
    if (result == CV_OK && created)
        log_warning("generated a new secrets key %s in %s: bridge passwords are sealed with it; "
                    "back it up apart from the database (see docs/operations.md)",
                    secret_box_key_id(*key), key_path);
    return result;
}

cv_result db_bridge_secrets_start(store_db *database, const char *key_path,
                                  const char *previous_path, secret_box **key_out, strbuf *error)
{
    *key_out = NULL;
    secret_box *key = NULL, *previous = NULL;
    cv_result result = load_key(database, key_path, previous_path != NULL, &key, error);
    if (result == CV_OK && previous_path)
        result = secret_box_open(previous_path, false, &previous, NULL, error);
    db_bridge_secrets_report report;
    if (result == CV_OK)
        result = db_bridge_secrets_prepare(database, key, previous, &report, error);
    if (result == CV_OK && report.sealed)
        log_info("sealed %zu bridge password(s) stored in clear by an older version with key %s",
                 report.sealed, secret_box_key_id(key));
    if (result == CV_OK && previous_path)
        log_info("re-sealed %zu bridge password(s) of key %s with key %s; %s is no longer needed",
                 report.resealed, secret_box_key_id(previous), secret_box_key_id(key),
                 previous_path);
    secret_box_close(previous);
    if (result != CV_OK) {
        secret_box_close(key);
        return result;
    }
    db_bridge_secrets_use(key);
    *key_out = key;
    return CV_OK;
}

void db_bridge_secrets_stop(secret_box *key)
{
    db_bridge_secrets_use(NULL);
    secret_box_close(key);
}
