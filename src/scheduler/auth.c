/*
 * auth.c - credentials against convened's accounts; see auth.h.
 * Owns: the credential cache and its lock, the dummy hash, the order of
 * checks of a password (wait, cache, users table, directory). Does not
 * own: SQL (db_users.c), the directory protocol (ldap_auth.c), counting
 * failures (sign_in_limits.c).
 */
#include "scheduler/auth.h"

#include <pthread.h>
#include <sodium.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "common/log.h"
#include "common/store_sql.h"
#include "scheduler/audit.h"
#include "scheduler/ldap_auth.h"
#include "scheduler/sign_in_limits.h"

/* argon2id at OWASP's recommended minimum (19 MiB, 2 passes): tens of ms. */
#define ARGON2_OPSLIMIT 2
#define ARGON2_MEMLIMIT (19u * 1024u * 1024u)
#define CACHE_SLOTS     256 /* direct-mapped by the first byte of the key */

typedef struct {
    unsigned char key[crypto_generichash_BYTES]; /* keyed hash of name NUL password */
    http_principal principal;
    int64_t expires;
    uint64_t generation; /* auth_state.generation when it was verified */
    bool used;
} cache_entry;

typedef struct {
    pthread_mutex_t lock;                                /* guards entries */
    unsigned char hash_key[crypto_generichash_KEYBYTES]; /* random per process */
    cache_entry entries[CACHE_SLOTS];
    atomic_uint_fast64_t generation; /* bumped by auth_changed: older entries are stale */
    /* Verified when a name is unknown, so the answer takes as long as for
     * a wrong password (the timing does not tell which names exist). */
    char dummy_hash[crypto_pwhash_STRBYTES];
    sign_in_limits *limits;    /* failed sign-ins per name and address */
    ldap_directory *directory; /* --ldap; NULL without */
} auth_state;

static int64_t now_seconds(void)
{
    return (int64_t)time(NULL);
}

cv_result auth_hash_password(const char *password, char **out)
{
    *out = malloc(crypto_pwhash_STRBYTES);
    if (!*out)
        return CV_ERR_NO_MEMORY;
    if (crypto_pwhash_str_alg(*out, password, strlen(password), ARGON2_OPSLIMIT, ARGON2_MEMLIMIT,
                              crypto_pwhash_ALG_ARGON2ID13) != 0) {
        free(*out);
        *out = NULL;
        return CV_ERR_NO_MEMORY; /* libsodium fails only when it cannot get the memory */
    }
    return CV_OK;
}

bool auth_password_matches(const char *hash, const char *password)
{
    return hash && crypto_pwhash_str_verify(hash, password, strlen(password)) == 0;
}

void auth_secret_hash(const char *text, unsigned char hash[DB_SECRET_HASH_SIZE])
{
    crypto_generichash(hash, DB_SECRET_HASH_SIZE, (const unsigned char *)text, strlen(text), NULL,
                       0);
}

void auth_new_secret(char text[AUTH_SECRET_TEXT_SIZE], unsigned char hash[DB_SECRET_HASH_SIZE])
{
    unsigned char random[32];
    randombytes_buf(random, sizeof random);
    sodium_bin2base64(text, AUTH_SECRET_TEXT_SIZE, random, sizeof random,
                      sodium_base64_VARIANT_URLSAFE_NO_PADDING);
    sodium_memzero(random, sizeof random);
    auth_secret_hash(text, hash);
}

void auth_principal_of(const db_user *user, user_role role, http_principal *principal)
{
    memset(principal, 0, sizeof *principal);
    principal->user_id = user->id;
    principal->role = (int)(role < user->role ? role : user->role);
    snprintf(principal->name, sizeof principal->name, "%s", user->name);
    snprintf(principal->email, sizeof principal->email, "%s", user->email);
}

void auth_changed(scheduler *daemon)
{
    auth_state *state = daemon->auth_state;
    if (state)
        atomic_fetch_add(&state->generation, 1);
}

/* ---- the cache of verified passwords ------------------------------------------- */

static void cache_key(const auth_state *state, const char *name, const char *password,
                      unsigned char key[crypto_generichash_BYTES])
{
    crypto_generichash_state hashing;
    crypto_generichash_init(&hashing, state->hash_key, sizeof state->hash_key,
                            crypto_generichash_BYTES);
    crypto_generichash_update(&hashing, (const unsigned char *)name, strlen(name) + 1);
    crypto_generichash_update(&hashing, (const unsigned char *)password, strlen(password));
    crypto_generichash_final(&hashing, key, crypto_generichash_BYTES);
}

static bool cache_find(auth_state *state, const unsigned char *key, http_principal *principal)
{
    bool found = false;
    uint64_t generation = atomic_load(&state->generation);
    pthread_mutex_lock(&state->lock);
    const cache_entry *entry = &state->entries[key[0] % CACHE_SLOTS];
    if (entry->used && entry->generation == generation && entry->expires > now_seconds() &&
        sodium_memcmp(entry->key, key, crypto_generichash_BYTES) == 0) {
        *principal = entry->principal;
        found = true;
    }
    pthread_mutex_unlock(&state->lock);
    return found;
}

/* `generation`: read before the user was loaded, so a change made
 * meanwhile leaves the entry stale at once. */
static void cache_store(auth_state *state, const unsigned char *key,
                        const http_principal *principal, uint64_t generation)
{
    pthread_mutex_lock(&state->lock);
    cache_entry *entry = &state->entries[key[0] % CACHE_SLOTS];
    memcpy(entry->key, key, crypto_generichash_BYTES);
    entry->principal = *principal;
    entry->expires = now_seconds() + AUTH_CACHE_SECONDS;
    entry->generation = generation;
    entry->used = true;
    pthread_mutex_unlock(&state->lock);
}

/* ---- each kind of credential ---------------------------------------------------- */

/* Records a sign-in or a failed one in the audit trail (its own write:
 * there is no change to share a transaction with). */
static void record_sign_in(scheduler *daemon, const char *name, const char *address,
                           const char *action, bool directory)
{
    store_db *database = store_db_pool_acquire(&daemon->store);
    audit_write(database, name, address, action, name,
                json_pack("{s:s}", "source", directory ? "ldap" : "local"));
    store_db_pool_release(&daemon->store, database);
}

/* Keeps a directory user's name, e-mail and role as the directory said
 * at this sign-in (nothing else of the directory is stored); sets
 * user->id. */
static cv_result remember_directory_user(scheduler *daemon, db_user *user)
{
    store_db *database = store_db_pool_acquire(&daemon->store);
    db_user stored;
    user->updated = now_seconds();
    cv_result result = db_users_find_by_name(database, user->name, &stored, NULL);
    if (result == CV_OK) {
        user->id = stored.id;
        user->created = stored.created;
        result = db_users_update(database, user, NULL);
        if (result == CV_OK && stored.role != user->role)
            auth_changed(daemon); /* no cached credential keeps the old role */
    } else if (result == CV_ERR_NOT_FOUND) {
        user->created = user->updated;
        result = db_users_insert(database, user, NULL);
    }
    store_db_pool_release(&daemon->store, database);
    return result;
}

/* The directory no longer gives `name` a role (or no longer has it): the
 * tokens and sessions of its stored directory user go. */
static void forget_directory_user(scheduler *daemon, const char *name)
{
    store_db *database = store_db_pool_acquire(&daemon->store);
    db_user stored;
    if (db_users_find_by_name(database, name, &stored, NULL) == CV_OK && stored.directory &&
        db_users_revoke_credentials(database, stored.id) == CV_OK) {
        log_info("auth: the directory gives \"%s\" no role: its tokens and sessions are revoked",
                 stored.name);
        auth_changed(daemon);
    }
    store_db_pool_release(&daemon->store, database);
}

/* As verify_password for a user the directory knows; a 503 says in
 * *unavailable whether the directory or the database failed. */
static int verify_with_directory(scheduler *daemon, const char *name, const char *password,
                                 db_user *user, http_unavailable *unavailable)
{
    auth_state *state = daemon->auth_state;
    strbuf problem = STRBUF_INIT;
    *unavailable = HTTP_UNAVAILABLE_DIRECTORY;
    cv_result result = ldap_directory_sign_in(state->directory, name, password, user, &problem);
    if (result == CV_OK) {
        *unavailable = HTTP_UNAVAILABLE_DATABASE; /* from here on, only the database */
        result = remember_directory_user(daemon, user);
    } else {
        log_warning("auth: directory sign-in of a user refused: %s", strbuf_str(&problem));
    }
    strbuf_free(&problem);
    if (result == CV_ERR_NOT_FOUND)
        forget_directory_user(daemon, name);
    return result == CV_OK ? 0 : result == CV_ERR_NOT_FOUND || result == CV_ERR_AUTH ? 401 : 503;
}

/* Checks name and password against the users table, else the directory:
 * 0 (user filled), 401, or 503 (the database or the directory failed:
 * *unavailable says which). */
static int verify_password(scheduler *daemon, const char *name, const char *password, db_user *user,
                           http_unavailable *unavailable)
{
    auth_state *state = daemon->auth_state;
    char *hash = NULL;
    *unavailable = HTTP_UNAVAILABLE_DATABASE;
    store_db *database = store_db_pool_acquire(&daemon->store);
    cv_result result = db_users_find_by_name(database, name, user, &hash);
    store_db_pool_release(&daemon->store, database);
    if (result != CV_OK && result != CV_ERR_NOT_FOUND) {
        log_error("auth: cannot read the users: %s", cv_result_name(result));
        return 503;
    }
    bool local = result == CV_OK && hash != NULL;
    if (!local && state->directory) {
        free(hash);
        return verify_with_directory(daemon, name, password, user, unavailable);
    }
    /* The same work for an unknown name as for a wrong password. */
    bool matches = auth_password_matches(local ? hash : state->dummy_hash, password) && local;
    if (hash) {
        sodium_memzero(hash, strlen(hash));
        free(hash);
    }
    return matches ? 0 : 401;
}

int auth_check_password(scheduler *daemon, const char *name, const char *password,
                        const char *client_address, bool fresh, http_principal *principal)
{
    auth_state *state = daemon->auth_state;
    memset(principal, 0, sizeof *principal);
    unsigned wait = sign_in_limits_wait(state->limits, name, client_address, now_seconds());
    if (wait > 0) { /* not even looked at: guessing costs the guesser time */
        principal->retry_after = wait;
        return 429;
    }
    unsigned char key[crypto_generichash_BYTES];
    cache_key(state, name, password, key);
    if (!fresh && cache_find(state, key, principal))
        return 0;
    uint64_t generation = atomic_load(&state->generation);
    db_user user;
    int status = verify_password(daemon, name, password, &user, &principal->unavailable);
    if (status == 401) {
        sign_in_limits_failed(state->limits, name, client_address, now_seconds());
        record_sign_in(daemon, name, client_address, "auth.signInFailed", false);
    }
    if (status != 0)
        return status;
    sign_in_limits_succeeded(state->limits, name);
    record_sign_in(daemon, user.name, client_address, "auth.signIn", user.directory);
    auth_principal_of(&user, user.role, principal);
    principal->kind = HTTP_CREDENTIAL_BASIC;
    cache_store(state, key, principal, generation);
    return 0;
}

static int check_token(scheduler *daemon, const char *token, http_principal *principal)
{
    unsigned char hash[DB_SECRET_HASH_SIZE];
    auth_secret_hash(token, hash);
    db_token row;
    db_user user;
    store_db *database = store_db_pool_acquire(&daemon->store);
    cv_result result = db_tokens_find(database, hash, now_seconds(), &row);
    if (result == CV_OK)
        result = db_users_find_by_id(database, row.user_id, &user);
    store_db_pool_release(&daemon->store, database);
    if (result == CV_ERR_NOT_FOUND)
        return 401; /* unknown, revoked or expired */
    if (result != CV_OK) {
        principal->unavailable = HTTP_UNAVAILABLE_DATABASE;
        return 503;
    }
    /* Never more than the user has now, whatever the token was made with. */
    auth_principal_of(&user, row.role, principal);
    return 0;
}

static bool changes_something(const char *method)
{
    return strcmp(method, "GET") != 0 && strcmp(method, "HEAD") != 0;
}

static int check_session(scheduler *daemon, const http_credential *credential,
                         http_principal *principal)
{
    unsigned char hash[DB_SECRET_HASH_SIZE], csrf_hash[DB_SECRET_HASH_SIZE];
    auth_secret_hash(credential->token, hash);
    int64_t user_id = 0;
    db_user user;
    store_db *database = store_db_pool_acquire(&daemon->store);
    cv_result result = db_sessions_find(database, hash, now_seconds(), &user_id, csrf_hash);
    if (result == CV_OK)
        result = db_users_find_by_id(database, user_id, &user);
    store_db_pool_release(&daemon->store, database);
    if (result == CV_ERR_NOT_FOUND)
        return 401;
    if (result != CV_OK) {
        principal->unavailable = HTTP_UNAVAILABLE_DATABASE;
        return 503;
    }
    if (changes_something(credential->method)) {
        /* A page of another site can make the browser send the cookie, but
         * cannot read the CSRF token convened gave only to its own page. */
        unsigned char sent[DB_SECRET_HASH_SIZE];
        if (!credential->csrf)
            return 403;
        auth_secret_hash(credential->csrf, sent);
        if (sodium_memcmp(sent, csrf_hash, sizeof sent) != 0)
            return 403;
    }
    auth_principal_of(&user, user.role, principal);
    return 0;
}

int auth_identify(void *context, const http_credential *credential, http_principal *principal)
{
    scheduler *daemon = context;
    switch (credential->kind) {
    case HTTP_CREDENTIAL_BASIC:
        return auth_check_password(daemon, credential->user, credential->password,
                                   credential->client_address, false, principal);
    case HTTP_CREDENTIAL_BEARER:
        return check_token(daemon, credential->token, principal);
    case HTTP_CREDENTIAL_COOKIE:
        return check_session(daemon, credential, principal);
    }
    return 401;
}

/* ---- start and stop ------------------------------------------------------------- */

/* Creates the --admin-user account, or makes it an admin with that
 * password again. */
static cv_result bootstrap_admin(scheduler *daemon)
{
    store_db *database = store_db_pool_acquire(&daemon->store);
    db_user user;
    char *stored = NULL, *hash = NULL;
    cv_result result = db_users_find_by_name(database, daemon->admin_name, &user, &stored);
    bool exists = result == CV_OK;
    bool same = exists && user.role == USER_ROLE_ADMIN &&
                auth_password_matches(stored, daemon->admin_password);
    if (result == CV_ERR_NOT_FOUND || (exists && !same))
        result = auth_hash_password(daemon->admin_password, &hash);
    if (result == CV_OK && !same) {
        if (!exists) {
            memset(&user, 0, sizeof user);
            snprintf(user.name, sizeof user.name, "%s", daemon->admin_name);
            user.created = now_seconds();
        }
        user.role = USER_ROLE_ADMIN;
        user.directory = false;
        user.updated = now_seconds();
        result = exists ? db_users_update(database, &user, hash)
                        : db_users_insert(database, &user, hash);
        if (result == CV_OK)
            log_info("auth: %s the administrator \"%s\" from --admin-user",
                     exists ? "updated" : "created", user.name);
    }
    store_db_pool_release(&daemon->store, database);
    if (stored)
        sodium_memzero(stored, strlen(stored));
    free(stored);
    free(hash);
    return result;
}

cv_result auth_start(scheduler *daemon)
{
    if (sodium_init() < 0)
        return CV_ERR_IO;
    auth_state *state = calloc(1, sizeof *state);
    if (!state)
        return CV_ERR_NO_MEMORY;
    pthread_mutex_init(&state->lock, NULL);
    randombytes_buf(state->hash_key, sizeof state->hash_key);
    char dummy[AUTH_SECRET_TEXT_SIZE];
    unsigned char ignored[DB_SECRET_HASH_SIZE];
    auth_new_secret(dummy, ignored);
    char *hash = NULL;
    cv_result result = auth_hash_password(dummy, &hash);
    if (result == CV_OK) {
        snprintf(state->dummy_hash, sizeof state->dummy_hash, "%s", hash);
        free(hash);
    }
    daemon->auth_state = state;
    if (result == CV_OK)
        result = sign_in_limits_create((unsigned)daemon->options.sign_in_failures,
                                       (unsigned)daemon->options.sign_in_failures_per_address,
                                       &state->limits);
    strbuf error = STRBUF_INIT;
    if (result == CV_OK &&
        (result = ldap_directory_create(&daemon->options, &state->directory, &error)) != CV_OK)
        log_error("%s", strbuf_str(&error)[0] ? strbuf_str(&error) : cv_result_name(result));
    strbuf_free(&error);
    if (result == CV_OK && daemon->admin_name)
        result = bootstrap_admin(daemon);
    return result;
}

void auth_stop(scheduler *daemon)
{
    auth_state *state = daemon->auth_state;
    if (!state)
        return;
    pthread_mutex_destroy(&state->lock);
    sign_in_limits_free(state->limits);
    ldap_directory_free(state->directory);
    sodium_memzero(state, sizeof *state);
    free(state);
    daemon->auth_state = NULL;
}
