/*
 * object_store_cospaces.c - the space questions other modules ask
 * (cospace.h): look a space up, check URI and call ID uniqueness, make a
 * secret. In the object_store family because it is SQL on the spaces and
 * access methods tables (the file was cospace_queries.c).
 *
 * Owns: those three queries and nothing else. Does not own: the /coSpaces
 * API (cospace.c) or transactions (callers run these inside their own).
 * Keeps no state between calls; a checker's prepared statements belong to
 * the caller that opened it.
 */
#include "bridge/cospace.h"

#include <ctype.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>

#include "bridge/object_store_internal.h"
#include "common/store_sql.h"

static const char LOOKUP_SQL[] =
    "SELECT id, name, uri, secondary_uri, call_id, secret, passcode, non_member_access,"
    " call_profile, call_leg_profile, call_branding_profile, default_layout, tenant, cdr_tag,"
    " owner_jid, meeting_scheduler, stream_url, auto_generated FROM cospaces WHERE id = ?1";

/* Lower-cases a UUID into `out`; false when `id` is not a UUID. */
static bool canonical_id(const char *id, char out[ID_TEXT_SIZE])
{
    if (!id_is_valid(id))
        return false;
    for (size_t i = 0; i < ID_TEXT_SIZE; i++)
        out[i] = (char)tolower((unsigned char)id[i]);
    return true;
}

void cospace_summary_free(cospace_summary *space)
{
    if (!space)
        return;
    char **strings[] = {&space->name,
                        &space->uri,
                        &space->secondary_uri,
                        &space->call_id,
                        &space->secret,
                        &space->passcode,
                        &space->call_profile,
                        &space->call_leg_profile,
                        &space->call_branding_profile,
                        &space->default_layout,
                        &space->tenant,
                        &space->cdr_tag,
                        &space->owner_jid,
                        &space->meeting_scheduler,
                        &space->stream_url};
    for (size_t i = 0; i < sizeof strings / sizeof strings[0]; i++) {
        free(*strings[i]);
        *strings[i] = NULL;
    }
}

cv_result cospace_lookup(store_db *database, const char *id, cospace_summary *out)
{
    memset(out, 0, sizeof *out);
    char key[ID_TEXT_SIZE];
    if (!canonical_id(id, key))
        return CV_ERR_NOT_FOUND;
    store_stmt *statement = store_db_statement(database, LOOKUP_SQL);
    if (!statement)
        return store_db_error(database);
    store_bind_text(statement, 1, key);
    store_step_state state = store_step(statement);
    cv_result result;
    if (state == STORE_DONE) {
        result = CV_ERR_NOT_FOUND;
    } else if (state != STORE_ROW) {
        result = store_stmt_error(statement);
    } else {
        memcpy(out->id, key, ID_TEXT_SIZE);
        bool copied = object_store_copy_text(statement, 1, &out->name) &&
                      object_store_copy_text(statement, 2, &out->uri) &&
                      object_store_copy_text(statement, 3, &out->secondary_uri) &&
                      object_store_copy_text(statement, 4, &out->call_id) &&
                      object_store_copy_text(statement, 5, &out->secret) &&
                      object_store_copy_text(statement, 6, &out->passcode) &&
                      object_store_copy_text(statement, 8, &out->call_profile) &&
                      object_store_copy_text(statement, 9, &out->call_leg_profile) &&
                      object_store_copy_text(statement, 10, &out->call_branding_profile) &&
                      object_store_copy_text(statement, 11, &out->default_layout) &&
                      object_store_copy_text(statement, 12, &out->tenant) &&
                      object_store_copy_text(statement, 13, &out->cdr_tag) &&
                      object_store_copy_text(statement, 14, &out->owner_jid) &&
                      object_store_copy_text(statement, 15, &out->meeting_scheduler) &&
                      object_store_copy_text(statement, 16, &out->stream_url);
        out->non_member_access = store_column_int(statement, 7) != 0;
        out->auto_generated = store_column_int(statement, 17) != 0;
        result = copied ? CV_OK : CV_ERR_NO_MEMORY;
        if (result != CV_OK)
            cospace_summary_free(out);
    }
    store_stmt_done(statement);
    return result;
}

/* --- uniqueness ------------------------------------------------------- */

/* ?1 is the value, ?2 the space whose own rows do not count (NULL: none). */
static const char URI_TAKEN_SQL[] =
    "SELECT EXISTS(SELECT 1 FROM cospaces WHERE uri = ?1 AND id IS DISTINCT FROM ?2)"
    " OR EXISTS(SELECT 1 FROM cospaces WHERE secondary_uri = ?1 AND id IS DISTINCT FROM ?2)"
    " OR EXISTS(SELECT 1 FROM access_methods WHERE uri = ?1 AND cospace IS DISTINCT FROM ?2)";
static const char CALL_ID_TAKEN_SQL[] =
    "SELECT EXISTS(SELECT 1 FROM cospaces WHERE call_id = ?1 AND id IS DISTINCT FROM ?2)"
    " OR EXISTS(SELECT 1 FROM access_methods WHERE call_id = ?1"
    "  AND cospace IS DISTINCT FROM ?2)";

/* Both statements are the checker's from open to close (taken from the
 * connection's cache, handed back by close). */
struct cospace_unique_checker {
    store_stmt *uri_taken;
    store_stmt *call_id_taken;
};

cv_result cospace_unique_checker_open(store_db *database, cospace_unique_checker **out)
{
    cospace_unique_checker *checker = calloc(1, sizeof *checker);
    if (!checker)
        return CV_ERR_NO_MEMORY;
    checker->uri_taken = store_db_statement(database, URI_TAKEN_SQL);
    if (checker->uri_taken)
        checker->call_id_taken = store_db_statement(database, CALL_ID_TAKEN_SQL);
    if (!checker->call_id_taken) {
        cospace_unique_checker_close(checker);
        return store_db_error(database);
    }
    *out = checker;
    return CV_OK;
}

void cospace_unique_checker_close(cospace_unique_checker *checker)
{
    if (!checker)
        return;
    store_stmt_done(checker->uri_taken);
    store_stmt_done(checker->call_id_taken);
    free(checker);
}

/* Runs one "is it taken" statement; *taken is the answer. */
static cv_result value_taken(store_stmt *statement, const char *value, const char *except,
                             bool *taken)
{
    store_bind_text(statement, 1, value);
    store_bind_text(statement, 2, except);
    store_step_state state = store_step(statement);
    cv_result result = CV_OK;
    if (state == STORE_ROW)
        *taken = store_column_int(statement, 0) != 0;
    else
        result = state == STORE_DONE ? CV_ERR_STORE : store_stmt_error(statement);
    store_stmt_reset(statement);
    return result;
}

cv_result cospace_unique_checker_check(cospace_unique_checker *checker, const char *uri,
                                       const char *secondary_uri, const char *call_id,
                                       const char *except_cospace_id, const char **conflict_reason)
{
    char except_key[ID_TEXT_SIZE];
    const char *except = NULL;
    if (except_cospace_id && canonical_id(except_cospace_id, except_key))
        except = except_key;
    *conflict_reason = NULL;
    const char *uris[] = {uri, secondary_uri};
    for (size_t i = 0; i < 2; i++) {
        if (!uris[i] || !*uris[i])
            continue;
        bool taken = false;
        cv_result result = value_taken(checker->uri_taken, uris[i], except, &taken);
        if (result != CV_OK)
            return result;
        if (taken) {
            *conflict_reason = COSPACE_DUPLICATE_URI;
            return CV_ERR_CONFLICT;
        }
    }
    if (call_id && *call_id) {
        bool taken = false;
        cv_result result = value_taken(checker->call_id_taken, call_id, except, &taken);
        if (result != CV_OK)
            return result;
        if (taken) {
            *conflict_reason = COSPACE_DUPLICATE_CALL_ID;
            return CV_ERR_CONFLICT;
        }
    }
    return CV_OK;
}

cv_result cospace_check_unique(store_db *database, const char *uri, const char *secondary_uri,
                               const char *call_id, const char *except_cospace_id,
                               const char **conflict_reason)
{
    cospace_unique_checker *checker = NULL;
    *conflict_reason = NULL;
    cv_result result = cospace_unique_checker_open(database, &checker);
    if (result != CV_OK)
        return result;
    result = cospace_unique_checker_check(checker, uri, secondary_uri, call_id, except_cospace_id,
                                          conflict_reason);
    cospace_unique_checker_close(checker);
    return result;
}

/* ?5 is 1 when the space's own row counts, else 0. */
static const char URI_PASSCODE_CLASH_SQL[] =
    "SELECT EXISTS(SELECT 1 FROM cospaces WHERE ?5 = 1 AND id = ?1"
    "  AND (uri = ?2 OR secondary_uri = ?2) AND coalesce(passcode, '') = ?3)"
    " OR EXISTS(SELECT 1 FROM access_methods WHERE cospace = ?1 AND id IS DISTINCT FROM ?4"
    "  AND uri = ?2 AND coalesce(passcode, '') = ?3)";
static const char CALL_ID_PASSCODE_CLASH_SQL[] =
    "SELECT EXISTS(SELECT 1 FROM cospaces WHERE ?5 = 1 AND id = ?1 AND call_id = ?2"
    "  AND coalesce(passcode, '') = ?3)"
    " OR EXISTS(SELECT 1 FROM access_methods WHERE cospace = ?1 AND id IS DISTINCT FROM ?4"
    "  AND call_id = ?2 AND coalesce(passcode, '') = ?3)";

static cv_result combination_taken(store_db *database, const char *sql, const char *cospace_id,
                                   bool include_space_row, const char *except, const char *value,
                                   const char *passcode, bool *taken)
{
    store_stmt *statement = store_db_statement(database, sql);
    if (!statement)
        return store_db_error(database);
    store_bind_text(statement, 1, cospace_id);
    store_bind_text(statement, 2, value);
    store_bind_text(statement, 3, passcode ? passcode : "");
    store_bind_text(statement, 4, except);
    store_bind_int(statement, 5, include_space_row);
    store_step_state state = store_step(statement);
    cv_result result = CV_OK;
    if (state == STORE_ROW)
        *taken = store_column_int(statement, 0) != 0;
    else
        result = state == STORE_DONE ? CV_ERR_STORE : store_stmt_error(statement);
    store_stmt_done(statement);
    return result;
}

cv_result cospace_check_passcode_clash(store_db *database, const char *cospace_id,
                                       bool include_space_row, const char *except_access_method_id,
                                       const char *uri, const char *call_id, const char *passcode,
                                       const char **conflict_reason)
{
    char space[ID_TEXT_SIZE], except_key[ID_TEXT_SIZE];
    const char *except = NULL;
    *conflict_reason = NULL;
    if (!canonical_id(cospace_id, space))
        return CV_OK;
    if (except_access_method_id && canonical_id(except_access_method_id, except_key))
        except = except_key;
    bool taken = false;
    cv_result result = CV_OK;
    if (uri && *uri) {
        result = combination_taken(database, URI_PASSCODE_CLASH_SQL, space, include_space_row,
                                   except, uri, passcode, &taken);
        if (result == CV_OK && taken) {
            *conflict_reason = COSPACE_DUPLICATE_URI_PASSCODE;
            return CV_ERR_CONFLICT;
        }
    }
    if (result == CV_OK && call_id && *call_id) {
        result = combination_taken(database, CALL_ID_PASSCODE_CLASH_SQL, space, include_space_row,
                                   except, call_id, passcode, &taken);
        if (result == CV_OK && taken) {
            *conflict_reason = COSPACE_DUPLICATE_CALL_ID_PASSCODE;
            return CV_ERR_CONFLICT;
        }
    }
    return result;
}

/* --- secrets ------------------------------------------------------------ */

cv_result cospace_generate_secret(char out[COSPACE_SECRET_SIZE])
{
    static const char alphabet[] =
        "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";
    unsigned char random_bytes[COSPACE_SECRET_SIZE - 1];
    size_t filled = 0;
    while (filled < sizeof random_bytes) {
        ssize_t got = getrandom(random_bytes + filled, sizeof random_bytes - filled, 0);
        if (got < 0 && errno == EINTR)
            continue;
        if (got < 0)
            return CV_ERR_IO;
        filled += (size_t)got;
    }
    /* 22 characters of 6 bits each: 132 bits, at least the 128 CMS uses. */
    for (size_t i = 0; i < sizeof random_bytes; i++)
        out[i] = alphabet[random_bytes[i] & 63];
    out[COSPACE_SECRET_SIZE - 1] = '\0';
    return CV_OK;
}
