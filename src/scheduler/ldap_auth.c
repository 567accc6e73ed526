/* ldap_auth.c - directory sign-in with libldap; see ldap_auth.h. Owns one
 * connection per sign-in (opened and closed there); does not own storing
 * the user (auth.c). */
#include "scheduler/ldap_auth.h"

#include <ldap.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "common/secrets.h"
#include "common/text.h"

typedef struct {
    char *group_dn;
    user_role role;
} group_role;

struct ldap_directory {
    char *url;
    bool start_tls; /* ldap://: StartTLS before anything else */
    char *bind_dn;
    char *bind_password;
    char *user_base;
    char *user_filter; /* with exactly one %s */
    char *ca_file;     /* NULL: the system's CAs */
    group_role *groups;
    size_t group_count;
};

void ldap_directory_free(ldap_directory *directory)
{
    if (!directory)
        return;
    free(directory->url);
    free(directory->bind_dn);
    secret_free(directory->bind_password);
    free(directory->user_base);
    free(directory->user_filter);
    free(directory->ca_file);
    for (size_t i = 0; i < directory->group_count; i++)
        free(directory->groups[i].group_dn);
    free(directory->groups);
    free(directory);
}

/* "%s" exactly once, and no other '%' conversion. */
static bool valid_filter(const char *filter)
{
    const char *first = strstr(filter, "%s");
    return filter[0] == '(' && first && !strstr(first + 2, "%s") && strchr(filter, '%') == first &&
           !strchr(first + 1, '%');
}

/* --ldap-group-role GROUP_DN=ROLE: the role after the last '='. */
static cv_result read_group_roles(ldap_directory *directory, const string_list *list, strbuf *error)
{
    directory->groups = calloc(list->count ? list->count : 1, sizeof *directory->groups);
    if (!directory->groups)
        return CV_ERR_NO_MEMORY;
    for (size_t i = 0; i < list->count; i++) {
        const char *equals = strrchr(list->items[i], '=');
        group_role *group = &directory->groups[i];
        if (!equals || equals == list->items[i] || !user_role_parse(equals + 1, &group->role)) {
            strbuf_printf(error,
                          "--ldap-group-role: expected GROUP_DN=admin|operator|booker, "
                          "got \"%s\"",
                          list->items[i]);
            return CV_ERR_INVALID;
        }
        group->group_dn = strndup(list->items[i], (size_t)(equals - list->items[i]));
        if (!group->group_dn)
            return CV_ERR_NO_MEMORY;
        directory->group_count++;
    }
    return CV_OK;
}

static cv_result check_options(const scheduler_options *options, strbuf *error)
{
    const char *url = options->ldap_url;
    const char *missing =
        !options->ldap_user_base           ? "--ldap-user-base"
        : !options->ldap_group_roles.count ? "--ldap-group-role"
        : (options->ldap_bind_dn != NULL) != (options->ldap_bind_password_file != NULL)
            ? "--ldap-bind-dn with --ldap-bind-password-file"
            : NULL;
    if (strncasecmp(url, "ldap://", 7) != 0 && strncasecmp(url, "ldaps://", 8) != 0) {
        strbuf_printf(error, "--ldap: expected ldap://HOST[:PORT] or ldaps://HOST[:PORT]");
        return CV_ERR_INVALID;
    }
    if (missing) {
        strbuf_printf(error, "--ldap needs %s", missing);
        return CV_ERR_INVALID;
    }
    if (options->ldap_user_filter && !valid_filter(options->ldap_user_filter)) {
        strbuf_printf(error, "--ldap-user-filter: expected an LDAP filter in parentheses with "
                             "%%s once for the name, e.g. (uid=%%s)");
        return CV_ERR_INVALID;
    }
    return CV_OK;
}

cv_result ldap_directory_create(const scheduler_options *options, ldap_directory **out,
                                strbuf *error)
{
    *out = NULL;
    if (!options->ldap_url)
        return CV_OK;
    cv_result result = check_options(options, error);
    ldap_directory *directory = result == CV_OK ? calloc(1, sizeof *directory) : NULL;
    if (!directory)
        return result == CV_OK ? CV_ERR_NO_MEMORY : result;
    directory->url = strdup(options->ldap_url);
    directory->start_tls = strncasecmp(options->ldap_url, "ldap://", 7) == 0;
    directory->bind_dn = options->ldap_bind_dn ? strdup(options->ldap_bind_dn) : NULL;
    directory->user_base = strdup(options->ldap_user_base);
    directory->user_filter =
        strdup(options->ldap_user_filter ? options->ldap_user_filter : "(uid=%s)");
    directory->ca_file = options->ldap_ca_file ? strdup(options->ldap_ca_file) : NULL;
    if (!directory->url || !directory->user_base || !directory->user_filter ||
        (options->ldap_bind_dn && !directory->bind_dn) ||
        (options->ldap_ca_file && !directory->ca_file))
        result = CV_ERR_NO_MEMORY;
    if (result == CV_OK && options->ldap_bind_password_file)
        result =
            secret_read_file(options->ldap_bind_password_file, &directory->bind_password, error);
    if (result == CV_OK)
        result = read_group_roles(directory, &options->ldap_group_roles, error);
    if (result != CV_OK) {
        ldap_directory_free(directory);
        return result;
    }
    *out = directory;
    return CV_OK;
}

/* ---- one sign-in ---------------------------------------------------------------- */

/* The errors that mean "the directory is not there" rather than "no". */
static cv_result map_error(int code)
{
    switch (code) {
    case LDAP_SUCCESS:
        return CV_OK;
    case LDAP_INVALID_CREDENTIALS:
    case LDAP_NO_SUCH_OBJECT:
        return CV_ERR_NOT_FOUND;
    default:
        return CV_ERR_NETWORK;
    }
}

static cv_result fail(strbuf *problem, const char *step, int code)
{
    strbuf_printf(problem, "%s: %s", step, ldap_err2string(code));
    return map_error(code);
}

/* A connection with TLS, bounded in time, with the service bind done. */
static cv_result connect_directory(const ldap_directory *directory, LDAP **out, strbuf *problem)
{
    LDAP *ld = NULL;
    int code = ldap_initialize(&ld, directory->url);
    if (code != LDAP_SUCCESS)
        return fail(problem, "ldap_initialize", code);
    *out = ld;
    int version = LDAP_VERSION3, demand = LDAP_OPT_X_TLS_DEMAND, fresh = 0;
    struct timeval timeout = {LDAP_AUTH_TIMEOUT_SECONDS, 0};
    ldap_set_option(ld, LDAP_OPT_PROTOCOL_VERSION, &version);
    ldap_set_option(ld, LDAP_OPT_REFERRALS, LDAP_OPT_OFF);
    ldap_set_option(ld, LDAP_OPT_NETWORK_TIMEOUT, &timeout);
    ldap_set_option(ld, LDAP_OPT_TIMEOUT, &timeout);
    ldap_set_option(ld, LDAP_OPT_X_TLS_REQUIRE_CERT, &demand);
    if (directory->ca_file)
        ldap_set_option(ld, LDAP_OPT_X_TLS_CACERTFILE, directory->ca_file);
    /* the TLS options above take effect in a new TLS context */
    ldap_set_option(ld, LDAP_OPT_X_TLS_NEWCTX, &fresh);
    if (directory->start_tls && (code = ldap_start_tls_s(ld, NULL, NULL)) != LDAP_SUCCESS)
        return fail(problem, "StartTLS", code == LDAP_CONNECT_ERROR ? LDAP_SERVER_DOWN : code);
    struct berval secret = {0, NULL};
    if (directory->bind_password) {
        secret.bv_val = directory->bind_password;
        secret.bv_len = strlen(directory->bind_password);
    }
    code = ldap_sasl_bind_s(ld, directory->bind_dn, LDAP_SASL_SIMPLE, &secret, NULL, NULL, NULL);
    if (code != LDAP_SUCCESS) {
        fail(problem, "the service bind (--ldap-bind-dn)", code);
        return CV_ERR_NETWORK; /* our own account refused: the directory is unusable */
    }
    return CV_OK;
}

/* Copies the first value of `attribute` of `entry` into out[size]. */
static void first_value(LDAP *ld, LDAPMessage *entry, const char *attribute, char *out, size_t size)
{
    struct berval **values = ldap_get_values_len(ld, entry, attribute);
    if (values && values[0] && values[0]->bv_len < size &&
        !memchr(values[0]->bv_val, '\0', values[0]->bv_len))
        snprintf(out, size, "%.*s", (int)values[0]->bv_len, values[0]->bv_val);
    ldap_value_free_len(values);
}

/* The role from the user's memberOf values (Active Directory). */
static bool role_from_member_of(const ldap_directory *directory, LDAP *ld, LDAPMessage *entry,
                                user_role *role)
{
    bool found = false;
    struct berval **values = ldap_get_values_len(ld, entry, "memberOf");
    for (size_t v = 0; values && values[v]; v++)
        for (size_t g = 0; g < directory->group_count; g++)
            if (strlen(directory->groups[g].group_dn) == values[v]->bv_len &&
                strncasecmp(directory->groups[g].group_dn, values[v]->bv_val, values[v]->bv_len) ==
                    0 &&
                (!found || directory->groups[g].role > *role)) {
                *role = directory->groups[g].role;
                found = true;
            }
    ldap_value_free_len(values);
    return found;
}

/* Whether the group entry `group_dn` lists `user_dn` as a member. */
static cv_result is_member(LDAP *ld, const char *group_dn, const char *user_dn, bool *member,
                           strbuf *problem)
{
    struct berval raw = {strlen(user_dn), (char *)user_dn}, escaped = {0, NULL};
    if (ldap_bv2escaped_filter_value(&raw, &escaped) != 0)
        return CV_ERR_NO_MEMORY;
    strbuf filter = STRBUF_INIT;
    strbuf_printf(&filter, "(|(member=%s)(uniqueMember=%s))", escaped.bv_val, escaped.bv_val);
    ber_memfree(escaped.bv_val);
    char *no_attributes[] = {LDAP_NO_ATTRS, NULL};
    LDAPMessage *answer = NULL;
    int code = ldap_search_ext_s(ld, group_dn, LDAP_SCOPE_BASE, strbuf_str(&filter), no_attributes,
                                 0, NULL, NULL, NULL, 1, &answer);
    strbuf_free(&filter);
    *member = code == LDAP_SUCCESS && ldap_count_entries(ld, answer) == 1;
    ldap_msgfree(answer);
    if (code == LDAP_SUCCESS || code == LDAP_NO_SUCH_OBJECT)
        return CV_OK; /* a group that is not there has no members */
    return fail(problem, "the group search", code);
}

/* The highest role of the groups the user is in; CV_ERR_NOT_FOUND when none. */
static cv_result find_role(const ldap_directory *directory, LDAP *ld, LDAPMessage *entry,
                           const char *user_dn, user_role *role, strbuf *problem)
{
    bool found = role_from_member_of(directory, ld, entry, role);
    for (size_t g = 0; g < directory->group_count; g++) {
        if (found && directory->groups[g].role <= *role)
            continue;
        bool member = false;
        cv_result result = is_member(ld, directory->groups[g].group_dn, user_dn, &member, problem);
        if (result != CV_OK)
            return result;
        if (member) {
            *role = directory->groups[g].role;
            found = true;
        }
    }
    if (!found)
        strbuf_printf(problem, "the user is in no --ldap-group-role group");
    return found ? CV_OK : CV_ERR_NOT_FOUND;
}

/* Searches the one entry of `name`; fills its DN, name and e-mail. */
static cv_result find_user(const ldap_directory *directory, LDAP *ld, const char *name,
                           LDAPMessage **answer, LDAPMessage **entry, strbuf *problem)
{
    struct berval raw = {strlen(name), (char *)name}, escaped = {0, NULL};
    if (ldap_bv2escaped_filter_value(&raw, &escaped) != 0)
        return CV_ERR_NO_MEMORY;
    strbuf filter = STRBUF_INIT;
    /* valid_filter made sure the filter has exactly one %s */
#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wformat-nonliteral"
    strbuf_printf(&filter, directory->user_filter, escaped.bv_val);
#pragma GCC diagnostic pop
    ber_memfree(escaped.bv_val);
    char *attributes[] = {"cn", "displayName", "mail", "memberOf", NULL};
    int code = ldap_search_ext_s(ld, directory->user_base, LDAP_SCOPE_SUBTREE, strbuf_str(&filter),
                                 attributes, 0, NULL, NULL, NULL, 2, answer);
    strbuf_free(&filter);
    if (code != LDAP_SUCCESS && code != LDAP_SIZELIMIT_EXCEEDED)
        return fail(problem, "the user search", code);
    int count = ldap_count_entries(ld, *answer);
    if (count != 1) {
        strbuf_printf(problem, count ? "the name matches %d entries" : "no such user", count);
        return CV_ERR_NOT_FOUND;
    }
    *entry = ldap_first_entry(ld, *answer);
    return CV_OK;
}

/* Binds as `dn` with `password` on `ld` (after every search: the
 * connection then acts as the user). */
static cv_result bind_as_user(LDAP *ld, const char *dn, const char *password, strbuf *problem)
{
    struct berval secret = {strlen(password), (char *)password};
    int code = ldap_sasl_bind_s(ld, dn, LDAP_SASL_SIMPLE, &secret, NULL, NULL, NULL);
    if (code == LDAP_INVALID_CREDENTIALS) {
        strbuf_printf(problem, "a wrong password");
        return CV_ERR_AUTH;
    }
    return code == LDAP_SUCCESS ? CV_OK : fail(problem, "the user's bind", code);
}

cv_result ldap_directory_sign_in(ldap_directory *directory, const char *name, const char *password,
                                 db_user *user, strbuf *problem)
{
    memset(user, 0, sizeof *user);
    /* An empty password would be an unauthenticated bind, which succeeds. */
    if (!*password || !*name) {
        strbuf_printf(problem, "an empty name or password");
        return CV_ERR_AUTH;
    }
    LDAP *ld = NULL;
    LDAPMessage *answer = NULL, *entry = NULL;
    char *dn = NULL;
    cv_result result = connect_directory(directory, &ld, problem);
    if (result == CV_OK)
        result = find_user(directory, ld, name, &answer, &entry, problem);
    if (result == CV_OK && !(dn = ldap_get_dn(ld, entry)))
        result = CV_ERR_PROTOCOL;
    if (result == CV_OK)
        result = find_role(directory, ld, entry, dn, &user->role, problem);
    if (result == CV_OK)
        result = bind_as_user(ld, dn, password, problem);
    if (result == CV_OK) {
        snprintf(user->name, sizeof user->name, "%s", name);
        first_value(ld, entry, "displayName", user->full_name, sizeof user->full_name);
        if (!user->full_name[0])
            first_value(ld, entry, "cn", user->full_name, sizeof user->full_name);
        first_value(ld, entry, "mail", user->email, sizeof user->email);
        user->directory = true;
    }
    ldap_memfree(dn);
    ldap_msgfree(answer);
    if (ld)
        ldap_unbind_ext_s(ld, NULL, NULL);
    return result;
}
