/*
 * commands_users.c - accounts on the command line: `convene user
 * list|add|set|delete`, `convene token create|list|revoke`, `convene
 * login`, `convene logout` and `convene audit`.
 *
 * Owns: these commands' options, the bodies they send to /users, /tokens
 * and /audit, and their tables. Passwords come from a file
 * (--password-file), never the command line. Does not own: keeping the
 * login token (login_file.h), the rules (convened says what is refused).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cli/cli.h"
#include "cli/json_view.h"
#include "cli/login_file.h"
#include "cli/table.h"
#include "common/secrets.h"
#include "common/text.h"

/* Prints the rows of `list` under `headers`, one column per member of
 * `members` (NULL-terminated, same count as the headers). */
static void print_rows(const json_t *list, const char *const *headers, const char *const *members,
                       size_t columns)
{
    table *rows = table_create(columns, headers);
    char buffers[8][128];
    const char *cells[8];
    size_t index;
    json_t *item;
    json_array_foreach(list, index, item)
    {
        for (size_t c = 0; c < columns && c < 8; c++)
            cells[c] = json_member_text(item, members[c], buffers[c], sizeof buffers[c]);
        table_add_row(rows, cells);
    }
    table_print(rows, stdout);
    table_free(rows);
}

/* Sends and prints: the JSON (--json) or `print`'s view of the answer. */
static int run(cli_context *context, const char *method, const char *path, const json_t *body,
               void (*print)(const json_t *document))
{
    client_answer answer;
    int status = cli_request(context, method, path, body, &answer);
    if (status != CLI_EXIT_OK)
        return status;
    if (context->globals.json_output)
        cli_print_answer_json(&answer);
    else if (print)
        print(answer.document);
    client_answer_free(&answer);
    return CLI_EXIT_OK;
}

/* ---- user ------------------------------------------------------------------ */

typedef struct {
    char *role, *email, *full_name, *password_file, *new_name;
    bool json;
} user_options;

static void print_users(const json_t *document)
{
    static const char *const headers[] = {"NAME", "ROLE", "SOURCE", "EMAIL", "FULL NAME"};
    static const char *const members[] = {"name", "role", "source", "email", "fullName"};
    print_rows(json_collection((json_t *)document, "users"), headers, members, 5);
}

static void print_user(const json_t *document)
{
    char role[32];
    printf("%s (%s)\n", json_member_string(document, "name"),
           json_member_text(document, "role", role, sizeof role));
}

/* The body of user add / user set: the options given; the password read
 * from its file. NULL after printing why. */
static json_t *user_body(const user_options *options, const char *name)
{
    json_t *body = json_object();
    char *password = NULL;
    strbuf error = STRBUF_INIT;
    if (options->password_file &&
        secret_read_file(options->password_file, &password, &error) != CV_OK) {
        cli_error("--password-file: %s", strbuf_str(&error));
        json_decref(body);
        body = NULL;
    }
    const char *const names[] = {"name", "role", "email", "fullName", "password"};
    const char *const values[] = {name, options->role, options->email, options->full_name,
                                  password};
    if (body && !cli_set_texts(body, names, values, sizeof names / sizeof names[0])) {
        cli_error("every value must be UTF-8 text");
        json_decref(body);
        body = NULL;
    }
    text_wipe_free(password);
    strbuf_free(&error);
    return body;
}

static int user_change(cli_context *context, const char *sub, int argc, char **argv)
{
    user_options o = {0};
    const option_spec specs[] = {
        {"role", OPTION_STRING, &o.role, "ROLE", "admin, operator or booker", 0, 0},
        {"email", OPTION_STRING, &o.email, "ADDRESS", "e-mail address", 0, 0},
        {"full-name", OPTION_STRING, &o.full_name, "NAME", "the person's name", 0, 0},
        {"password-file", OPTION_STRING, &o.password_file, "FILE",
         "the password, on the file's first line", 0, 0},
        {"new-name", OPTION_STRING, &o.new_name, "NAME", "rename (user set)", 0, 0},
        {"json", OPTION_FLAG, &o.json, NULL, "print the server's JSON answer", 0, 0},
    };
    bool adding = strcmp(sub, "add") == 0;
    const command_syntax syntax = {
        adding ? "user add NAME --role ROLE --password-file FILE [--email A] [--full-name N]"
               : "user set NAME [--role R] [--password-file F] [--email A] [--full-name N] "
                 "[--new-name N]",
        adding ? "Creates a local account." : "Changes an account; what is left out stays.",
        specs,
        sizeof specs / sizeof specs[0],
        1,
        1,
        NULL};
    positional_arguments positional;
    int status;
    if (cli_parse_arguments(context, adding ? "user add" : "user set", &syntax, argc, argv,
                            &positional, &status)) {
        json_t *body = user_body(&o, adding ? positional.items[0] : o.new_name);
        strbuf path = STRBUF_INIT;
        strbuf_append_str(&path, "/users");
        if (!adding) {
            strbuf_append_char(&path, '/');
            cli_append_segment(&path, positional.items[0]);
        }
        status = body ? run(context, adding ? "POST" : "PATCH", strbuf_str(&path), body, print_user)
                      : CLI_EXIT_USAGE;
        json_decref(body);
        strbuf_free(&path);
    }
    config_free(specs, sizeof specs / sizeof specs[0]);
    return status;
}

/* user list, user delete NAME, token list, token revoke ID: a request
 * without a body, at most one positional argument (the ID), and --json. */
static int simple(cli_context *context, const char *name, const char *usage, const char *method,
                  const char *collection, int argc, char **argv,
                  void (*print)(const json_t *document))
{
    bool json = false;
    const option_spec specs[] = {
        {"json", OPTION_FLAG, &json, NULL, "print the server's JSON answer", 0, 0},
    };
    bool one = strcmp(method, "DELETE") == 0;
    const command_syntax syntax = {usage, "", specs, 1, one ? 1 : 0, one ? 1 : 0, NULL};
    positional_arguments positional;
    int status;
    if (!cli_parse_arguments(context, name, &syntax, argc, argv, &positional, &status))
        return status;
    strbuf path = STRBUF_INIT;
    strbuf_printf(&path, "/%s", collection);
    if (one) {
        strbuf_append_char(&path, '/');
        cli_append_segment(&path, positional.items[0]);
    }
    status = run(context, method, strbuf_str(&path), NULL, print);
    if (status == CLI_EXIT_OK && one && !context->globals.json_output)
        printf("%s %s.\n", positional.items[0],
               strcmp(collection, "users") ? "revoked" : "removed");
    strbuf_free(&path);
    return status;
}

int command_user(cli_context *context, int argc, char **argv)
{
    const char *sub = argc >= 2 ? argv[1] : NULL;
    if (!sub)
        return cli_usage_error("user", "missing subcommand: list, add, set or delete");
    if (strcmp(sub, "--help") == 0 || strcmp(sub, "-h") == 0 || strcmp(sub, "help") == 0) {
        printf("Usage: convene user list | add NAME --role ROLE --password-file FILE | set NAME "
               "[options] | delete NAME\n(admins only; 'convene user add --help' for details)\n");
        return CLI_EXIT_OK;
    }
    if (strcmp(sub, "list") == 0)
        return simple(context, "user list", "user list", "GET", "users", argc - 1, argv + 1,
                      print_users);
    if (strcmp(sub, "delete") == 0)
        return simple(context, "user delete", "user delete NAME", "DELETE", "users", argc - 1,
                      argv + 1, NULL);
    if (strcmp(sub, "add") == 0 || strcmp(sub, "set") == 0)
        return user_change(context, sub, argc - 1, argv + 1);
    return cli_usage_error("user", "unknown subcommand \"%s\"", sub);
}

/* ---- token, login, logout ------------------------------------------------------ */

static void print_tokens(const json_t *document)
{
    static const char *const headers[] = {"ID", "NAME", "ROLE", "USER", "EXPIRES"};
    static const char *const members[] = {"id", "name", "role", "user", "expires"};
    print_rows(json_collection((json_t *)document, "tokens"), headers, members, 5);
}

static void print_new_token(const json_t *document)
{
    printf("Token %s (%s, expires %s):\n%s\n"
           "Send it as 'Authorization: Bearer <token>'; it is not shown again.\n",
           json_member_string(document, "id"), json_member_string(document, "role"),
           json_member_string(document, "expires"), json_member_string(document, "token"));
}

/* POST /tokens; *answer holds the new token on CLI_EXIT_OK. */
static int make_token(cli_context *context, const char *name, const char *role, const char *expires,
                      client_answer *answer)
{
    json_t *body = json_pack("{s:s}", "name", name);
    if (role)
        json_object_set_new(body, "role", json_string(role));
    if (expires)
        json_object_set_new(body, "expires", json_string(expires));
    int status = cli_request(context, "POST", "/tokens", body, answer);
    json_decref(body);
    return status;
}

/* `token create --help`: the synopsis, what it does. */
static const char TOKEN_CREATE_USAGE[] = "token create NAME [--role ROLE] [--expires TIME]";
static const char TOKEN_CREATE_ABOUT[] =
    "Makes an API token for an integration and prints it once.";

static int token_create(cli_context *context, int argc, char **argv)
{
    char *role = NULL, *expires = NULL;
    bool json = false;
    const option_spec specs[] = {
        {"role", OPTION_STRING, &role, "ROLE", "no higher than yours (default: yours)", 0, 0},
        {"expires", OPTION_STRING, &expires, "TIME", "RFC 3339 (default: in 90 days)", 0, 0},
        {"json", OPTION_FLAG, &json, NULL, "print the server's JSON answer", 0, 0},
    };
    const command_syntax syntax = {TOKEN_CREATE_USAGE, TOKEN_CREATE_ABOUT, specs, 3, 1, 1, NULL};
    positional_arguments positional;
    int status;
    if (cli_parse_arguments(context, "token create", &syntax, argc, argv, &positional, &status)) {
        client_answer answer;
        status = make_token(context, positional.items[0], role, expires, &answer);
        if (status == CLI_EXIT_OK) {
            if (json || context->globals.json_output)
                cli_print_answer_json(&answer);
            else
                print_new_token(answer.document);
            client_answer_free(&answer);
        }
    }
    config_free(specs, 3);
    return status;
}

int command_token(cli_context *context, int argc, char **argv)
{
    const char *sub = argc >= 2 ? argv[1] : NULL;
    if (!sub)
        return cli_usage_error("token", "missing subcommand: create, list or revoke");
    if (strcmp(sub, "--help") == 0 || strcmp(sub, "-h") == 0 || strcmp(sub, "help") == 0) {
        printf("Usage: convene token create NAME [--role ROLE] [--expires TIME] | list | "
               "revoke ID\n");
        return CLI_EXIT_OK;
    }
    if (strcmp(sub, "create") == 0)
        return token_create(context, argc - 1, argv + 1);
    if (strcmp(sub, "list") == 0)
        return simple(context, "token list", "token list", "GET", "tokens", argc - 1, argv + 1,
                      print_tokens);
    if (strcmp(sub, "revoke") == 0)
        return simple(context, "token revoke", "token revoke ID", "DELETE", "tokens", argc - 1,
                      argv + 1, NULL);
    return cli_usage_error("token", "unknown subcommand \"%s\"", sub);
}

/* Keeps the token of `answer` for the server the context talks to. */
static int keep_login(cli_context *context, const client_answer *answer)
{
    login_record record = {
        .server = (char *)client_base_url(context->connection),
        .user = (char *)json_member_string(answer->document, "user"),
        .token_id = (char *)json_member_string(answer->document, "id"),
        .token = (char *)json_member_string(answer->document, "token"),
    };
    strbuf error = STRBUF_INIT, path = STRBUF_INIT;
    int status = CLI_EXIT_OK;
    if (!record.user || !record.token_id || !record.token) {
        cli_error("convened's answer has no token");
        status = CLI_EXIT_REFUSED;
    } else if (login_file_save(&record, &error) != CV_OK) {
        cli_error("%s", strbuf_str(&error));
        status = CLI_EXIT_REFUSED;
    } else {
        login_file_path(&path);
        printf("Signed in to %s as %s; the token (%s, expires %s) is kept in %s.\n", record.server,
               record.user, json_member_string(answer->document, "role"),
               json_member_string(answer->document, "expires"), strbuf_str(&path));
    }
    strbuf_free(&error);
    strbuf_free(&path);
    return status;
}

/* `login --help`: the synopsis, what it does. */
static const char LOGIN_USAGE[] = "login [--expires TIME]";
static const char LOGIN_ABOUT[] =
    "Makes an API token with the --user credentials and keeps it (file mode 0600) in\n"
    "$XDG_CONFIG_HOME/convene/login or ~/.config/convene/login; later commands\n"
    "without --user use it.";

int command_login(cli_context *context, int argc, char **argv)
{
    char *expires = NULL;
    const option_spec specs[] = {
        {"expires", OPTION_STRING, &expires, "TIME", "RFC 3339 (default: in 90 days)", 0, 0},
    };
    const command_syntax syntax = {LOGIN_USAGE, LOGIN_ABOUT, specs, 1, 0, 0, NULL};
    positional_arguments positional;
    int status;
    if (cli_parse_arguments(context, "login", &syntax, argc, argv, &positional, &status)) {
        char host[256] = "", name[300];
        gethostname(host, sizeof host - 1);
        snprintf(name, sizeof name, "convene login on %s", host[0] ? host : "this machine");
        client_answer answer;
        status = make_token(context, name, NULL, expires, &answer);
        if (status == CLI_EXIT_OK) {
            status = keep_login(context, &answer);
            client_answer_free(&answer);
        }
    }
    config_free(specs, 1);
    return status;
}

/* `logout --help`: the synopsis, what it does. */
static const char LOGOUT_USAGE[] = "logout";
static const char LOGOUT_ABOUT[] = "Revokes the kept token and forgets it.";

int command_logout(cli_context *context, int argc, char **argv)
{
    const command_syntax syntax = {LOGOUT_USAGE, LOGOUT_ABOUT, NULL, 0, 0, 0, NULL};
    positional_arguments positional;
    int status;
    if (!cli_parse_arguments(context, "logout", &syntax, argc, argv, &positional, &status))
        return status;
    login_record record;
    strbuf error = STRBUF_INIT, path = STRBUF_INIT;
    if (login_file_load(&record, &error) != CV_OK) {
        cli_error("%s", strbuf_str(&error)[0] ? strbuf_str(&error) : "not signed in");
        strbuf_free(&error);
        return CLI_EXIT_USAGE;
    }
    strbuf_printf(&path, "/tokens/%s", record.token_id);
    client_answer answer;
    status = cli_request(context, "DELETE", strbuf_str(&path), NULL, &answer);
    if (status == CLI_EXIT_OK)
        client_answer_free(&answer);
    /* forgotten even when convened is gone or the token was revoked */
    login_file_remove();
    printf("Signed out of %s.\n", record.server);
    login_file_clear(&record);
    strbuf_free(&error);
    strbuf_free(&path);
    return status == CLI_EXIT_CONNECTION ? status : CLI_EXIT_OK;
}

/* ---- audit ------------------------------------------------------------------- */

static void print_audit(const json_t *document)
{
    static const char *const headers[] = {"AT", "ACTOR", "ADDRESS", "ACTION", "OBJECT"};
    static const char *const members[] = {"at", "actor", "address", "action", "object"};
    print_rows(json_collection((json_t *)document, "entries"), headers, members, 5);
}

/* `audit --help`: the synopsis, what it does. */
static const char AUDIT_USAGE[] = "audit [--actor NAME] [--action A] [--from T] [--to T]";
static const char AUDIT_ABOUT[] = "Shows the audit trail, newest first (admins only).";

int command_audit(cli_context *context, int argc, char **argv)
{
    char *values[4] = {NULL};
    int64_t limit = 0;
    bool json = false;
    const option_spec specs[] = {
        {"actor", OPTION_STRING, &values[0], "NAME", "only what this user did", 0, 0},
        {"action", OPTION_STRING, &values[1], "ACTION",
         "only this action, or a prefix ending in '.' (booking.)", 0, 0},
        {"from", OPTION_STRING, &values[2], "TIME", "from this time on (RFC 3339)", 0, 0},
        {"to", OPTION_STRING, &values[3], "TIME", "before this time", 0, 0},
        {"limit", OPTION_INTEGER, &limit, "N", "at most N entries (default 100)", 1, 10000},
        {"json", OPTION_FLAG, &json, NULL, "print the server's JSON answer", 0, 0},
    };
    const command_syntax syntax = {AUDIT_USAGE, AUDIT_ABOUT, specs, 6, 0, 0, NULL};
    positional_arguments positional;
    int status;
    if (cli_parse_arguments(context, "audit", &syntax, argc, argv, &positional, &status)) {
        static const char *const names[] = {"actor", "action", "from", "to"};
        strbuf path = STRBUF_INIT;
        strbuf_append_str(&path, "/audit");
        for (size_t i = 0; i < 4; i++) {
            if (!values[i])
                continue;
            strbuf_printf(&path, "%c%s=", strchr(strbuf_str(&path), '?') ? '&' : '?', names[i]);
            cli_append_segment(&path, values[i]);
        }
        if (limit)
            strbuf_printf(&path, "%climit=%lld", strchr(strbuf_str(&path), '?') ? '&' : '?',
                          (long long)limit);
        status = run(context, "GET", strbuf_str(&path), NULL, print_audit);
        strbuf_free(&path);
    }
    config_free(specs, 6);
    return status;
}
