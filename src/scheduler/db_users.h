/*
 * db_users.h - the rows of accounts, API tokens, browser sessions and
 * booking ownership (schema.h, migration 7).
 *
 * Owns: their SQL. Secrets arrive here already hashed: a password as the
 * argon2id string, a token or session cookie as its 32-byte BLAKE2b hash.
 * Does not own: hashing or checking credentials (auth.c), the API
 * (users_api.c), the rules (who may do what: api.h, users_api.c).
 */
#ifndef CONVENE_SCHEDULER_DB_USERS_H
#define CONVENE_SCHEDULER_DB_USERS_H

#include <stdbool.h>
#include <stdint.h>

#include "common/ids.h"
#include "common/result.h"
#include "common/store_db_pool.h"
#include "scheduler/db_bookings.h"
#include "scheduler/users.h"

#define DB_USER_NAME_SIZE   128 /* the sign-in name, at most 127 bytes */
#define DB_USER_TEXT_SIZE   256 /* full name, e-mail address */
#define DB_SECRET_HASH_SIZE 32  /* BLAKE2b-256 of a token or cookie */

typedef struct {
    int64_t id;
    char name[DB_USER_NAME_SIZE];
    char full_name[DB_USER_TEXT_SIZE]; /* "" when unset */
    char email[DB_USER_TEXT_SIZE];     /* "" when unset */
    user_role role;
    bool directory; /* from LDAP: no password here */
    int64_t created, updated;
} db_user;

/* One user by name or by ID; CV_ERR_NOT_FOUND when there is none.
 * `password_hash` (may be NULL): a malloc'd copy of the stored argon2id
 * string, NULL for a directory user; the caller wipes and frees it. */
cv_result db_users_find_by_name(store_db *database, const char *name, db_user *out,
                                char **password_hash);
cv_result db_users_find_by_id(store_db *database, int64_t id, db_user *out);
/* Adds `user` (its id is set); CV_ERR_CONFLICT when the name is taken.
 * `password_hash` NULL for a directory user. */
cv_result db_users_insert(store_db *database, db_user *user, const char *password_hash);
/* Writes every field of `user` (by id); the password only when
 * `password_hash` is not NULL. CV_ERR_NOT_FOUND, CV_ERR_CONFLICT (name). */
cv_result db_users_update(store_db *database, const db_user *user, const char *password_hash);
/* Removes the user, their tokens and sessions. CV_ERR_NOT_FOUND. */
cv_result db_users_delete(store_db *database, int64_t id);
/* How many users have the admin role. */
cv_result db_users_count_admins(store_db *database, int64_t *count);
/* Calls `visit` for every user, by name; stops at its first error. */
cv_result db_users_each(store_db *database, cv_result (*visit)(const db_user *user, void *context),
                        void *context);

typedef struct {
    char id[ID_TEXT_SIZE];
    int64_t user_id;
    char name[DB_USER_NAME_SIZE];
    user_role role;
    int64_t created, expires;
} db_token;

cv_result db_tokens_insert(store_db *database, const db_token *token,
                           const unsigned char hash[DB_SECRET_HASH_SIZE]);
/* The token with this hash that has not expired at `now`; NOT_FOUND. */
cv_result db_tokens_find(store_db *database, const unsigned char hash[DB_SECRET_HASH_SIZE],
                         int64_t now, db_token *out);
/* Every token of `user_id` (0: of everyone), newest first. */
cv_result db_tokens_each(store_db *database, int64_t user_id,
                         cv_result (*visit)(const db_token *token, void *context), void *context);
/* Revokes token `id` when it belongs to `user_id` (0: anyone's);
 * CV_ERR_NOT_FOUND otherwise. */
cv_result db_tokens_delete(store_db *database, const char *id, int64_t user_id);

cv_result db_sessions_insert(store_db *database, const unsigned char hash[DB_SECRET_HASH_SIZE],
                             int64_t user_id, const unsigned char csrf_hash[DB_SECRET_HASH_SIZE],
                             int64_t created, int64_t expires);
/* The session with this cookie hash not expired at `now`: its user and
 * the hash of its CSRF token. NOT_FOUND. */
cv_result db_sessions_find(store_db *database, const unsigned char hash[DB_SECRET_HASH_SIZE],
                           int64_t now, int64_t *user_id,
                           unsigned char csrf_hash[DB_SECRET_HASH_SIZE]);
cv_result db_sessions_delete(store_db *database, const unsigned char hash[DB_SECRET_HASH_SIZE]);
/* Revokes every token and ends every session of `user_id`. */
cv_result db_users_revoke_credentials(store_db *database, int64_t user_id);
/* Forgets sessions and tokens that expired before `now`. */
cv_result db_sessions_purge(store_db *database, int64_t now);

/* Whether booking `booking_id` is `user_id`'s: they own it or its series,
 * or its series' organizer is `email` (compared without case; "" never
 * matches). *owned false also when the booking does not exist. */
cv_result db_users_booking_owned(store_db *database, const char *booking_id, int64_t user_id,
                                 const char *email, bool *owned);
/* db_bookings_each_in_window (db_bookings.h) for one booker: only the
 * bookings db_users_booking_owned says are theirs, so `limit` counts
 * theirs alone. */
cv_result db_users_each_owned_in_window(store_db *database, int64_t user_id, const char *email,
                                        int64_t from, int64_t to, int64_t limit,
                                        const char *bridge_id, db_booking_id_visit visit,
                                        void *context);
/* Records who booked a series (its occurrences are owned through it: each
 * reads coalesce(b.owner, s.owner)). A single booking's owner is inserted
 * with its row (booking.owner, db_bookings.c). */
cv_result db_users_set_series_owner(store_db *database, const char *series_id, int64_t user_id);
/* The name of the owner of a booking ("" when none). */
cv_result db_users_booking_owner(store_db *database, const char *booking_id, char *name,
                                 size_t size);

#endif
