/*
 * auth.h - checking who a request comes from, for convened.
 *
 * Owns: the http_identifier convened gives its HTTP server (a Basic
 * name + password against the users table, an API token, a session cookie
 * with its CSRF header), the cache of recently verified passwords, hashing
 * passwords (argon2id, libsodium) and making and hashing the random
 * secrets of tokens and sessions (BLAKE2b), and the --admin-user
 * bootstrap. Does not own: the rows (db_users.h), the API resources
 * (users_api.c), which role a route needs (api.h), the directory
 * (ldap_auth.h), counting failures (sign_in_limits.h).
 *
 * The cache: argon2id takes tens of milliseconds on purpose, far more than
 * a booking may take. A Basic credential that verified is remembered for
 * AUTH_CACHE_SECONDS under a keyed hash of name and password (the key is
 * random per process, so the cache reveals nothing of the passwords);
 * auth_changed() forgets every entry, and every change of a user calls it.
 */
#ifndef CONVENE_SCHEDULER_AUTH_H
#define CONVENE_SCHEDULER_AUTH_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "common/http_server.h"
#include "common/result.h"
#include "scheduler/db_users.h"
#include "scheduler/scheduler.h"

#define AUTH_CACHE_SECONDS   60
#define AUTH_SESSION_COOKIE  "convene_session"
#define AUTH_CSRF_HEADER     "X-CSRF-Token"
#define AUTH_SESSION_SECONDS (12 * 3600)
/* A token or cookie as text: 32 random bytes in unpadded base64url. */
#define AUTH_SECRET_TEXT_SIZE 48
#define AUTH_PASSWORD_MIN     8
#define AUTH_PASSWORD_MAX     1024

/* Sets up the cache and hashes the --admin-user password into the users
 * table (creating or updating that admin). */
cv_result auth_start(scheduler *daemon);
void auth_stop(scheduler *daemon);

/* The http_identifier (context: the scheduler). */
int auth_identify(void *context, const http_credential *credential, http_principal *principal);
/* Checks a name and password against the users table, else the
 * directory (--ldap), and fills *principal: 0, or the refusal status as
 * auth_identify (429 with principal->retry_after while the name or the
 * address must wait after failures: the password is then not looked at).
 * `fresh`: skip the cache (a sign-in for a session always asks the
 * directory again). Sign-ins and failures go to the audit trail. */
int auth_check_password(scheduler *daemon, const char *name, const char *password,
                        const char *client_address, bool fresh, http_principal *principal);
/* Forgets every cached credential: call after any change of a user. */
void auth_changed(scheduler *daemon);

/* The argon2id string of `password` (malloc'd) in *out. */
cv_result auth_hash_password(const char *password, char **out);
/* True when `password` is the one `hash` was made from. */
bool auth_password_matches(const char *hash, const char *password);
/* A new random secret as text, and its hash as stored. */
void auth_new_secret(char text[AUTH_SECRET_TEXT_SIZE], unsigned char hash[DB_SECRET_HASH_SIZE]);
/* The stored hash of a secret given as text. */
void auth_secret_hash(const char *text, unsigned char hash[DB_SECRET_HASH_SIZE]);
/* Fills *principal from a user row acting with `role`. */
void auth_principal_of(const db_user *user, user_role role, http_principal *principal);

#endif
