/*
 * db_bridge_secrets.h - the passwords convened uses toward its bridges,
 * encrypted at rest in the bridges table.
 *
 * Owns: which key seals them (set once at start from --secrets-key), the
 * sealed form of the `password` and `alternate_password` columns (each
 * sealed with its bridge's ID and column bound to it, so a sealed value
 * copied into another row does not open there), and the pass at start
 * that seals clear-text rows left by older versions and re-seals rows of
 * the previous key during a rotation (--secrets-key-previous), all in one
 * transaction.
 * Does not own: the key file and the cipher (common/secret_box.h), the
 * other columns of the row (bridges.c), when passwords are read or
 * written (bridges*.c call in here on every read and write).
 */
#ifndef CONVENE_SCHEDULER_DB_BRIDGE_SECRETS_H
#define CONVENE_SCHEDULER_DB_BRIDGE_SECRETS_H

#include <stddef.h>

#include "common/result.h"
#include "common/secret_box.h"
#include "common/store_db_pool.h"
#include "common/strbuf.h"

/* The bridge password columns, as named in the bound context. */
#define DB_BRIDGE_PASSWORD           "password"
#define DB_BRIDGE_ALTERNATE_PASSWORD "alternate_password"

/* Sets the key every later seal and open uses. Called once at start,
 * before any thread that reads bridges runs; the key then stays unchanged
 * (and owned by the caller) until every such thread has stopped. */
void db_bridge_secrets_use(const secret_box *key);

/* Seals the clear `plain` for `column` of bridge `bridge_id`. NULL plain
 * gives *out NULL (an unset alternate password). */
cv_result db_bridge_secret_seal(const char *bridge_id, const char *column, const char *plain,
                                char **out);
/* Opens the stored `stored` (NULL gives NULL) into a malloc'd clear text
 * (wipe it after use). CV_ERR_AUTH when it was sealed by another key or
 * for another row; `error` (may be NULL) says which. */
cv_result db_bridge_secret_open(const char *bridge_id, const char *column, const char *stored,
                                char **out, strbuf *error);

/* Everything convened does with the key at start, on the connection that
 * migrated the schema (before any other thread runs):
 * - loads --secrets-key `key_path`; when the file does not exist, creates
 *   it (0600, logged with a reminder to back it up) unless the database
 *   holds sealed passwords already and no previous key is given: then it
 *   refuses, since a new key could not open them (the data directory was
 *   copied without its key);
 * - loads --secrets-key-previous `previous_path` (may be NULL; must exist);
 * - runs db_bridge_secrets_prepare and logs what it did;
 * - makes the key the one db_bridge_secret_seal and _open use.
 * *key_out is the key, for db_bridge_secrets_stop; `error` says what went
 * wrong and what to do. */
cv_result db_bridge_secrets_start(store_db *database, const char *key_path,
                                  const char *previous_path, secret_box **key_out, strbuf *error);
/* Forgets and wipes the key; after every thread that reads bridges stopped. */
void db_bridge_secrets_stop(secret_box *key);

/* The two passwords of a bridges row as stored: sealed (NULL when unset). */
typedef struct {
    char *password, *alternate_password;
} db_bridge_passwords;
/* Seals both for the row `bridge_id`; free with db_bridge_passwords_free
 * (also after a failure). */
cv_result db_bridge_passwords_seal(const char *bridge_id, const char *password,
                                   const char *alternate_password, db_bridge_passwords *out);
void db_bridge_passwords_free(db_bridge_passwords *sealed);

/* What db_bridge_secrets_prepare did. */
typedef struct {
    size_t sealed;   /* clear-text passwords sealed (rows of older versions) */
    size_t resealed; /* passwords moved from the previous key to the key */
} db_bridge_secrets_report;

/* The pass at start, in one transaction: every clear-text password is
 * sealed with `key`, every one sealed by `previous` (may be NULL) is
 * opened and sealed again with `key`, and every one must then open with
 * `key`. On any failure nothing is changed and `error` names the bridge
 * and says what to do (e.g. the key file of the last run is needed). */
cv_result db_bridge_secrets_prepare(store_db *database, const secret_box *key,
                                    const secret_box *previous, db_bridge_secrets_report *report,
                                    strbuf *error);

#endif
