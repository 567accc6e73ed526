/*
 * users_api.c - /users (admin), /me (anyone signed in) and /routes
 * (admin), and the accounts module; see users_api.h.
 *
 * Every change runs in one transaction with the checks it depends on (the
 * last admin cannot be removed or demoted), and forgets the cached
 * credentials (auth_changed) once committed.
 */
#include "scheduler/users_api.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "common/log.h"
#include "common/store_sql.h"
#include "common/text.h"
#include "scheduler/audit.h"
#include "scheduler/auth.h"
#include "scheduler/db_users.h"

json_t *users_api_user_json(const db_user *user)
{
    return json_pack(
        "{s:s, s:s?, s:s?, s:s, s:s, s:o, s:o}", "name", user->name, "fullName",
        user->full_name[0] ? user->full_name : NULL, "email", user->email[0] ? user->email : NULL,
        "role", user_role_name(user->role), "source", user->directory ? "ldap" : "local", "created",
        scheduler_api_time_json(user->created), "updated", scheduler_api_time_json(user->updated));
}

/* ---- reading a user from a body --------------------------------------------------- */

/* A sign-in name: 1..127 bytes of printable UTF-8 without ':' (HTTP Basic
 * cannot carry one in the name) or spaces at either end. */
static bool valid_name(const char *name)
{
    size_t length = strlen(name);
    if (length == 0 || length >= DB_USER_NAME_SIZE || strchr(name, ':') || name[0] == ' ' ||
        name[length - 1] == ' ' || !text_is_valid_utf8(name, length))
        return false;
    for (size_t i = 0; i < length; i++)
        if ((unsigned char)name[i] < 0x20 || name[i] == 0x7F)
            return false;
    return true;
}

static bool valid_password(scheduler_api_request *request, const char *field, const char *value)
{
    size_t length = strlen(value);
    if (length < AUTH_PASSWORD_MIN || length > AUTH_PASSWORD_MAX) {
        scheduler_api_fail_field(request, field, "%s must be %d to %d characters long", field,
                                 AUTH_PASSWORD_MIN, AUTH_PASSWORD_MAX);
        return false;
    }
    return true;
}

/* Reads the optional text member `field` into out[size] (null or absent
 * leaves it); replies 400 and returns false when it is bad. */
static bool read_text(scheduler_api_request *request, const char *field, char *out, size_t size)
{
    bool present;
    const char *value;
    if (!scheduler_api_body_string(request, field, &present, &value))
        return false;
    if (!present)
        return true;
    if (value && strlen(value) >= size) {
        scheduler_api_fail_field(request, field, "%s is longer than %zu bytes", field, size - 1);
        return false;
    }
    snprintf(out, size, "%s", value ? value : "");
    return true;
}

/* Applies name, fullName, email and role of the body to *user and reads
 * "password" into *password (NULL when absent). `creating`: name, role
 * and password are required. */
static bool read_user(scheduler_api_request *request, db_user *user, const char **password,
                      bool creating)
{
    static const char *const fields[] = {"name", "fullName", "email", "role", "password", NULL};
    bool present;
    const char *role = NULL;
    *password = NULL;
    if (!scheduler_api_check_fields(request, fields) ||
        !read_text(request, "name", user->name, sizeof user->name) ||
        !read_text(request, "fullName", user->full_name, sizeof user->full_name) ||
        !read_text(request, "email", user->email, sizeof user->email) ||
        !scheduler_api_body_string(request, "role", &present, &role) ||
        !scheduler_api_body_string(request, "password", &present, password))
        return false;
    if (!valid_name(user->name)) {
        scheduler_api_fail_field(request, "name",
                                 "name must be 1 to 127 printable characters without ':'");
        return false;
    }
    if (user->email[0] && !strchr(user->email, '@')) {
        scheduler_api_fail_field(request, "email", "email must be an e-mail address");
        return false;
    }
    if ((role || creating) && !user_role_parse(role, &user->role)) {
        scheduler_api_fail_field(request, "role", "role must be admin, operator or booker");
        return false;
    }
    if (creating && !*password) {
        scheduler_api_fail_field(request, "password", "password is required");
        return false;
    }
    return !*password || valid_password(request, "password", *password);
}

/* ---- /users ----------------------------------------------------------------------- */

static cv_result append_user(const db_user *user, void *context)
{
    return json_array_append_new(context, users_api_user_json(user)) == 0 ? CV_OK
                                                                          : CV_ERR_NO_MEMORY;
}

static void list_users(scheduler_api_request *request)
{
    json_t *list = json_array();
    cv_result result =
        list ? db_users_each(request->database, append_user, list) : CV_ERR_NO_MEMORY;
    if (result != CV_OK) {
        json_decref(list);
        scheduler_api_fail_result(request, result, "listing users");
        return;
    }
    scheduler_api_reply_json(request, 200, json_pack("{s:o}", "users", list));
}

/* What an audit row says of a change of `user`: its fields and whether
 * the password was set (never the password). */
static json_t *change_details(const db_user *user, bool password_set)
{
    return json_pack("{s:s, s:s, s:s, s:s, s:b}", "name", user->name, "fullName", user->full_name,
                     "email", user->email, "role", user_role_name(user->role), "passwordChanged",
                     password_set);
}

/* Records `action` in the audit trail, commits and answers with the user
 * (`status`), or rolls back and fails. `details` is stolen. */
static void finish_change(scheduler_api_request *request, cv_result result, const db_user *user,
                          int status, const char *what, const char *action, json_t *details)
{
    if (result == CV_OK)
        result = audit_record(request, action, user->name, details);
    else
        json_decref(details);
    if (result == CV_OK)
        result = store_db_commit(request->database);
    if (result != CV_OK) {
        store_db_rollback(request->database);
        if (result == CV_ERR_CONFLICT)
            scheduler_api_fail_field(request, "name", "a user called \"%s\" exists already",
                                     user->name);
        else
            scheduler_api_fail_result(request, result, what);
        return;
    }
    auth_changed(request->daemon);
    log_info("users: %s \"%s\" (%s)", what, user->name, user_role_name(user->role));
    if (status == 204)
        scheduler_api_reply_empty(request);
    else
        scheduler_api_reply_json(request, status, users_api_user_json(user));
}

static void create_user(scheduler_api_request *request)
{
    db_user user;
    memset(&user, 0, sizeof user);
    const char *password;
    if (!scheduler_api_require_body(request) || !read_user(request, &user, &password, true))
        return;
    char *hash = NULL;
    cv_result result = auth_hash_password(password, &hash);
    user.created = user.updated = (int64_t)time(NULL);
    if (result == CV_OK)
        result = store_db_begin(request->database);
    if (result == CV_OK)
        result = db_users_insert(request->database, &user, hash);
    free(hash);
    finish_change(request, result, &user, 201, "created user", "user.create",
                  change_details(&user, true));
}

/* Loads the user named by path segment 1, replying 404 when there is none. */
static bool load_target(scheduler_api_request *request, db_user *user)
{
    const char *name = scheduler_api_segment(request, 1);
    cv_result result = db_users_find_by_name(request->database, name, user, NULL);
    if (result == CV_ERR_NOT_FOUND)
        scheduler_api_fail_not_found(request, "user", name);
    else if (result != CV_OK)
        scheduler_api_fail_result(request, result, "reading the user");
    return result == CV_OK;
}

static void get_user(scheduler_api_request *request)
{
    db_user user;
    if (load_target(request, &user))
        scheduler_api_reply_json(request, 200, users_api_user_json(&user));
}

/* CV_ERR_CONFLICT when taking the admin role from `user` would leave none. */
static cv_result keeps_an_admin(store_db *database, const db_user *before, bool still_admin)
{
    int64_t admins = 0;
    if (before->role != USER_ROLE_ADMIN || still_admin)
        return CV_OK;
    cv_result result = db_users_count_admins(database, &admins);
    return result == CV_OK && admins <= 1 ? CV_ERR_CONFLICT : result;
}

static void fail_last_admin(scheduler_api_request *request)
{
    scheduler_api_fail_conflict(request, "this is the last admin: make another user admin first",
                                NULL);
}

static void patch_user(scheduler_api_request *request)
{
    db_user before, user;
    const char *password;
    if (!scheduler_api_require_body(request) || store_db_begin(request->database) != CV_OK) {
        if (!request->response->status)
            scheduler_api_fail_result(request, CV_ERR_STORE, "starting a transaction");
        return;
    }
    if (!load_target(request, &before)) {
        store_db_rollback(request->database);
        return;
    }
    user = before;
    if (!read_user(request, &user, &password, false)) {
        store_db_rollback(request->database);
        return;
    }
    cv_result result = keeps_an_admin(request->database, &before, user.role == USER_ROLE_ADMIN);
    if (result == CV_ERR_CONFLICT) {
        store_db_rollback(request->database);
        fail_last_admin(request);
        return;
    }
    char *hash = NULL;
    if (result == CV_OK && password)
        result = auth_hash_password(password, &hash);
    user.updated = (int64_t)time(NULL);
    if (result == CV_OK)
        result = db_users_update(request->database, &user, hash);
    free(hash);
    finish_change(request, result, &user, 200, "changed user", "user.change",
                  change_details(&user, password != NULL));
}

static void delete_user(scheduler_api_request *request)
{
    db_user user;
    if (store_db_begin(request->database) != CV_OK) {
        scheduler_api_fail_result(request, CV_ERR_STORE, "starting a transaction");
        return;
    }
    if (!load_target(request, &user)) {
        store_db_rollback(request->database);
        return;
    }
    cv_result result = keeps_an_admin(request->database, &user, false);
    if (result == CV_ERR_CONFLICT) {
        store_db_rollback(request->database);
        fail_last_admin(request);
        return;
    }
    if (result == CV_OK)
        result = db_users_delete(request->database, user.id);
    finish_change(request, result, &user, 204, "deleted user", "user.delete", NULL);
}

/* ---- /me -------------------------------------------------------------------------- */

static const char *credential_name(http_credential_kind kind)
{
    return kind == HTTP_CREDENTIAL_BEARER   ? "token"
           : kind == HTTP_CREDENTIAL_COOKIE ? "session"
                                            : "password";
}

static void get_me(scheduler_api_request *request)
{
    const http_principal *principal = scheduler_api_principal(request);
    db_user user;
    cv_result result = db_users_find_by_id(request->database, principal->user_id, &user);
    if (result != CV_OK) {
        scheduler_api_fail_result(request, result, "reading your account");
        return;
    }
    json_t *document = users_api_user_json(&user);
    /* the role this request acts with: a token's may be lower */
    json_object_set_new(document, "actingRole",
                        json_string(user_role_name(scheduler_api_role(request))));
    json_object_set_new(document, "signedInWith", json_string(credential_name(principal->kind)));
    scheduler_api_reply_json(request, 200, document);
}

/* PATCH /me {"oldPassword": ..., "password": ...}: a local user changes
 * their own password, proving the old one. */
static void patch_me(scheduler_api_request *request)
{
    static const char *const fields[] = {"oldPassword", "password", NULL};
    const http_principal *principal = scheduler_api_principal(request);
    const char *old_password = NULL, *password = NULL;
    bool present;
    if (!scheduler_api_require_body(request) || !scheduler_api_check_fields(request, fields) ||
        !scheduler_api_body_string(request, "oldPassword", &present, &old_password) ||
        !scheduler_api_body_string(request, "password", &present, &password))
        return;
    if (!password || !old_password) {
        scheduler_api_fail_field(request, password ? "oldPassword" : "password", "%s is required",
                                 password ? "oldPassword" : "password");
        return;
    }
    if (!valid_password(request, "password", password))
        return;
    db_user user;
    char *stored = NULL, *hash = NULL;
    cv_result result = db_users_find_by_name(request->database, principal->name, &user, &stored);
    bool matches = result == CV_OK && auth_password_matches(stored, old_password);
    text_wipe_free(stored);
    if (result == CV_OK && (user.directory || !matches)) {
        scheduler_api_fail_field(request, "oldPassword",
                                 user.directory ? "a directory user changes the password there"
                                                : "oldPassword is not your password");
        return;
    }
    if (result == CV_OK)
        result = auth_hash_password(password, &hash);
    user.updated = (int64_t)time(NULL);
    if (result == CV_OK)
        result = store_db_begin(request->database);
    if (result == CV_OK)
        result = db_users_update(request->database, &user, hash);
    free(hash);
    finish_change(request, result, &user, 200, "changed the password of", "user.changePassword",
                  NULL);
}

/* ---- /routes ---------------------------------------------------------------------- */

static void add_route(void *context, const char *method, const char *pattern,
                      scheduler_api_permission permission)
{
    json_array_append_new(context, json_pack("{s:s, s:s, s:s}", "method", method, "path", pattern,
                                             "allowed", scheduler_api_permission_name(permission)));
}

static void list_routes(scheduler_api_request *request)
{
    json_t *list = json_array();
    if (list)
        scheduler_api_each_route(request->daemon, add_route, list);
    scheduler_api_reply_json(request, 200, list ? json_pack("{s:o}", "routes", list) : NULL);
}

/* ---- the module ------------------------------------------------------------------- */

static const scheduler_api_route user_routes[] = {
    {"GET", "users", list_users, NULL, API_ALLOW_ADMIN, NULL},
    {"POST", "users", create_user, NULL, API_ALLOW_ADMIN, NULL},
    {"GET", "users/*", get_user, NULL, API_ALLOW_ADMIN, NULL},
    {"PATCH", "users/*", patch_user, NULL, API_ALLOW_ADMIN, NULL},
    {"DELETE", "users/*", delete_user, NULL, API_ALLOW_ADMIN, NULL},
    {"GET", "me", get_me, NULL, API_ALLOW_SIGNED_IN, NULL},
    {"PATCH", "me", patch_me, NULL, API_ALLOW_SIGNED_IN, NULL},
    {"GET", "routes", list_routes, NULL, API_ALLOW_ADMIN, NULL},
};

static cv_result users_start(scheduler *daemon)
{
    cv_result result = auth_start(daemon);
    if (result == CV_OK)
        result =
            scheduler_api_register(daemon, user_routes, sizeof user_routes / sizeof user_routes[0]);
    if (result == CV_OK)
        result = tokens_api_register(daemon);
    return result;
}

static void users_stop(scheduler *daemon)
{
    auth_stop(daemon);
}

const scheduler_module users_module = {"users", users_start, users_stop};
