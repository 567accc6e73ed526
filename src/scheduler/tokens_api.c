/*
 * tokens_api.c - API tokens and browser sessions of convened's JSON API:
 *   POST   /tokens        {"name", "role"?, "expires"?} -> the token, once
 *   GET    /tokens        yours (an admin: everyone's), never the secret
 *   DELETE /tokens/<id>   revoke
 *   POST   /session       {"user", "password"} -> cookie + CSRF token
 *   DELETE /session       sign out
 *
 * Owns: those handlers. Secrets are 32 random bytes shown once and stored
 * as their BLAKE2b hash (auth.c). Does not own: checking a token or a
 * cookie on later requests (auth.c), the rows (db_users.c).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <sodium.h>

#include "common/ids.h"
#include "common/log.h"
#include "common/rfc3339.h"
#include "common/store_sql.h"
#include "scheduler/audit.h"
#include "scheduler/auth.h"
#include "scheduler/db_users.h"
#include "scheduler/users_api.h"

#define TOKEN_DEFAULT_DAYS 90
#define TOKEN_MAX_DAYS     (2 * 366)

static json_t *token_json(const db_token *token, const char *user)
{
    return json_pack("{s:s, s:s, s:s, s:s?, s:o, s:o}", "id", token->id, "name", token->name,
                     "role", user_role_name(token->role), "user", user, "created",
                     scheduler_api_time_json(token->created), "expires",
                     scheduler_api_time_json(token->expires));
}

/* Reads "role" (default: the role the request acts with, never above it)
 * and "expires" of a new token; replies 400 and returns false when bad. */
static bool read_token_limits(scheduler_api_request *request, db_token *token)
{
    bool present;
    const char *role = NULL, *expires = NULL;
    user_role acting = scheduler_api_role(request);
    token->role = acting;
    if (!scheduler_api_body_string(request, "role", &present, &role) ||
        !scheduler_api_body_string(request, "expires", &present, &expires))
        return false;
    if (role && (!user_role_parse(role, &token->role) || token->role > acting)) {
        scheduler_api_fail_field(request, "role", "role must be %s",
                                 acting == USER_ROLE_ADMIN      ? "admin, operator or booker"
                                 : acting == USER_ROLE_OPERATOR ? "operator or booker"
                                                                : "booker");
        return false;
    }
    token->expires = token->created + TOKEN_DEFAULT_DAYS * 86400;
    if (expires &&
        (rfc3339_parse(expires, &token->expires) != CV_OK || token->expires <= token->created ||
         token->expires > token->created + TOKEN_MAX_DAYS * 86400)) {
        scheduler_api_fail_field(request, "expires",
                                 "expires must be an RFC 3339 date-time in the next %d days",
                                 TOKEN_MAX_DAYS);
        return false;
    }
    return true;
}

static void create_token(scheduler_api_request *request)
{
    static const char *const fields[] = {"name", "role", "expires", NULL};
    const http_principal *principal = scheduler_api_principal(request);
    db_token token;
    memset(&token, 0, sizeof token);
    bool present;
    const char *name = NULL;
    token.created = (int64_t)time(NULL);
    if (!scheduler_api_require_body(request) || !scheduler_api_check_fields(request, fields) ||
        !scheduler_api_body_string(request, "name", &present, &name) ||
        !read_token_limits(request, &token))
        return;
    if (!name || !*name || strlen(name) >= sizeof token.name) {
        scheduler_api_fail_field(request, "name", "name is required (1 to %zu bytes)",
                                 sizeof token.name - 1);
        return;
    }
    snprintf(token.name, sizeof token.name, "%s", name);
    id_generate(token.id);
    token.user_id = principal->user_id;
    char secret[AUTH_SECRET_TEXT_SIZE];
    unsigned char hash[DB_SECRET_HASH_SIZE];
    auth_new_secret(secret, hash);
    cv_result result = store_db_begin(request->database);
    if (result == CV_OK)
        result = db_tokens_insert(request->database, &token, hash);
    if (result == CV_OK)
        result = audit_record(request, "token.create", token.id,
                              json_pack("{s:s, s:s, s:I}", "name", token.name, "role",
                                        user_role_name(token.role), "expires",
                                        (json_int_t)token.expires));
    if (result == CV_OK)
        result = store_db_commit(request->database);
    if (result != CV_OK) {
        store_db_rollback(request->database);
        sodium_memzero(secret, sizeof secret);
        scheduler_api_fail_result(request, result, "storing the token");
        return;
    }
    log_info("tokens: \"%s\" made token %s \"%s\" (%s)", principal->name, token.id, token.name,
             user_role_name(token.role));
    json_t *document = token_json(&token, principal->name);
    json_object_set_new(document, "token", json_string(secret));
    sodium_memzero(secret, sizeof secret);
    scheduler_api_reply_json(request, 201, document);
}

typedef struct {
    store_db *database;
    json_t *list;
} token_listing;

static cv_result append_token(const db_token *token, void *context)
{
    token_listing *listing = context;
    db_user user;
    cv_result result = db_users_find_by_id(listing->database, token->user_id, &user);
    if (result != CV_OK)
        return result;
    return json_array_append_new(listing->list, token_json(token, user.name)) == 0
               ? CV_OK
               : CV_ERR_NO_MEMORY;
}

/* An admin sees everyone's tokens, anyone else their own. */
static int64_t whose_tokens(const scheduler_api_request *request)
{
    return scheduler_api_role(request) == USER_ROLE_ADMIN
               ? 0
               : scheduler_api_principal(request)->user_id;
}

static void list_tokens(scheduler_api_request *request)
{
    token_listing listing = {request->database, json_array()};
    cv_result result = listing.list ? db_tokens_each(request->database, whose_tokens(request),
                                                     append_token, &listing)
                                    : CV_ERR_NO_MEMORY;
    if (result != CV_OK) {
        json_decref(listing.list);
        scheduler_api_fail_result(request, result, "listing tokens");
        return;
    }
    scheduler_api_reply_json(request, 200, json_pack("{s:o}", "tokens", listing.list));
}

static void revoke_token(scheduler_api_request *request)
{
    const char *id = scheduler_api_segment(request, 1);
    cv_result result = store_db_begin(request->database);
    if (result == CV_OK)
        result = db_tokens_delete(request->database, id, whose_tokens(request));
    if (result == CV_OK)
        result = audit_record(request, "token.revoke", id, NULL);
    if (result == CV_OK)
        result = store_db_commit(request->database);
    if (result != CV_OK)
        store_db_rollback(request->database);
    if (result == CV_ERR_NOT_FOUND) {
        scheduler_api_fail_not_found(request, "token", id);
        return;
    }
    if (result != CV_OK) {
        scheduler_api_fail_result(request, result, "revoking the token");
        return;
    }
    log_info("tokens: \"%s\" revoked token %s", scheduler_api_principal(request)->name, id);
    scheduler_api_reply_empty(request);
}

/* ---- sessions --------------------------------------------------------------------- */

/* Sets the session cookie: `value` for `seconds`, or "" with 0 to clear. */
static void set_cookie(scheduler_api_request *request, const char *value, int64_t seconds)
{
    char header[256];
    snprintf(header, sizeof header,
             AUTH_SESSION_COOKIE "=%s; HttpOnly; Secure; SameSite=Strict; Path=/; Max-Age=%lld",
             value, (long long)seconds);
    http_response_add_header(request->response, "Set-Cookie", header);
}

static void sign_in(scheduler_api_request *request)
{
    static const char *const fields[] = {"user", "password", NULL};
    bool present;
    const char *name = NULL, *password = NULL;
    if (!scheduler_api_require_body(request) || !scheduler_api_check_fields(request, fields) ||
        !scheduler_api_body_string(request, "user", &present, &name) ||
        !scheduler_api_body_string(request, "password", &present, &password))
        return;
    if (!name || !password) {
        scheduler_api_fail_field(request, name ? "password" : "user", "%s is required",
                                 name ? "password" : "user");
        return;
    }
    http_principal principal;
    int refusal = auth_check_password(request->daemon, name, password,
                                      scheduler_api_client_address(request), true, &principal);
    if (refusal == 429) {
        char seconds[16];
        snprintf(seconds, sizeof seconds, "%u", principal.retry_after);
        http_response_add_header(request->response, "Retry-After", seconds);
    }
    if (refusal == 401)
        scheduler_api_fail(request, 401, API_ERROR_UNAUTHORIZED, "wrong user name or password",
                           NULL);
    else if (refusal)
        scheduler_api_describe_refusal(NULL, refusal, &principal, request->response);
    if (refusal)
        return;
    char cookie[AUTH_SECRET_TEXT_SIZE], csrf[AUTH_SECRET_TEXT_SIZE];
    unsigned char cookie_hash[DB_SECRET_HASH_SIZE], csrf_hash[DB_SECRET_HASH_SIZE];
    auth_new_secret(cookie, cookie_hash);
    auth_new_secret(csrf, csrf_hash);
    int64_t now = (int64_t)time(NULL), expires = now + AUTH_SESSION_SECONDS;
    cv_result result = db_sessions_purge(request->database, now);
    if (result == CV_OK)
        result = db_sessions_insert(request->database, cookie_hash, principal.user_id, csrf_hash,
                                    now, expires);
    if (result == CV_OK) {
        set_cookie(request, cookie, AUTH_SESSION_SECONDS);
        scheduler_api_reply_json(request, 201,
                                 json_pack("{s:s, s:o, s:s, s:s}", "csrfToken", csrf, "expires",
                                           scheduler_api_time_json(expires), "user", principal.name,
                                           "role", user_role_name((user_role)principal.role)));
    } else {
        scheduler_api_fail_result(request, result, "starting the session");
    }
    sodium_memzero(cookie, sizeof cookie);
    sodium_memzero(csrf, sizeof csrf);
}

static void sign_out(scheduler_api_request *request)
{
    const char *cookie = http_request_cookie(request->http, AUTH_SESSION_COOKIE);
    if (cookie) {
        unsigned char hash[DB_SECRET_HASH_SIZE];
        auth_secret_hash(cookie, hash);
        cv_result result = db_sessions_delete(request->database, hash);
        if (result == CV_OK)
            result =
                audit_record(request, "auth.signOut", scheduler_api_principal(request)->name, NULL);
        if (result != CV_OK) {
            scheduler_api_fail_result(request, result, "ending the session");
            return;
        }
    }
    set_cookie(request, "", 0);
    scheduler_api_reply_empty(request);
}

static const scheduler_api_route token_routes[] = {
    {"POST", "tokens", create_token, NULL, API_ALLOW_SIGNED_IN, NULL},
    {"GET", "tokens", list_tokens, NULL, API_ALLOW_SIGNED_IN, NULL},
    {"DELETE", "tokens/*", revoke_token, NULL, API_ALLOW_SIGNED_IN, NULL},
    {"POST", "session", sign_in, NULL, API_ALLOW_PUBLIC, NULL},
    {"DELETE", "session", sign_out, NULL, API_ALLOW_SIGNED_IN, NULL},
};

cv_result tokens_api_register(scheduler *daemon)
{
    return scheduler_api_register(daemon, token_routes,
                                  sizeof token_routes / sizeof token_routes[0]);
}
