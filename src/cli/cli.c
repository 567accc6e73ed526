/*
 * cli.c - the pieces every command shares: credentials and server from the
 * options and environment, the connection to convened, error lines and
 * exit codes; see cli.h. Owns the context's connection.
 */
#include "cli/cli.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli/json_view.h"
#include "cli/login_file.h"
#include "common/rfc3339.h"
#include "common/secrets.h"

void cli_error(const char *format, ...)
{
    va_list arguments;
    va_start(arguments, format);
    fprintf(stderr, CLI_PROGRAM ": ");
    vfprintf(stderr, format, arguments);
    fputc('\n', stderr);
    va_end(arguments);
}

int cli_usage_error(const char *command, const char *format, ...)
{
    va_list arguments;
    va_start(arguments, format);
    fprintf(stderr, CLI_PROGRAM ": ");
    vfprintf(stderr, format, arguments);
    va_end(arguments);
    if (command)
        fprintf(stderr, " (see '" CLI_PROGRAM " %s --help')\n", command);
    else
        fprintf(stderr, " (see '" CLI_PROGRAM " --help')\n");
    return CLI_EXIT_USAGE;
}

/* The value of SYNTAX's "json" flag, when its table has one. */
static bool json_flag_given(const command_syntax *syntax)
{
    for (size_t i = 0; i < syntax->option_count; i++) {
        const option_spec *option = &syntax->options[i];
        if (option->kind == OPTION_FLAG && strcmp(option->name, "json") == 0)
            return *(const bool *)option->target;
    }
    return false;
}

bool cli_parse_arguments(cli_context *context, const char *name, const command_syntax *syntax,
                         int argc, char **argv, positional_arguments *positional, int *status)
{
    strbuf error = STRBUF_INIT;
    args_outcome outcome = args_parse(syntax, argc, argv, positional, &error);
    *status = CLI_EXIT_OK;
    if (outcome == ARGS_HELP)
        args_print_help(syntax, stdout);
    else if (outcome == ARGS_ERROR)
        *status = cli_usage_error(name, "%s", strbuf_str(&error));
    else if (json_flag_given(syntax))
        context->globals.json_output = true;
    strbuf_free(&error);
    return outcome == ARGS_OK;
}

int cli_secret_option(const char *command, const char *option, const char *value, const char *file,
                      char **secret)
{
    *secret = NULL;
    if (value && file)
        return cli_usage_error(command, "give %s or %s-file, not both", option, option);
    if (file) {
        strbuf error = STRBUF_INIT;
        int status = CLI_EXIT_OK;
        if (secret_read_file(file, secret, &error) != CV_OK)
            status = cli_usage_error(command, "%s-file: %s", option, strbuf_str(&error));
        strbuf_free(&error);
        return status;
    }
    if (value && !(*secret = strdup(value))) {
        cli_error("out of memory");
        return CLI_EXIT_USAGE;
    }
    return CLI_EXIT_OK;
}

int cli_check_time(const char *command, const char *option, const char *value)
{
    int64_t ignored;
    if (!value || rfc3339_parse(value, &ignored) == CV_OK)
        return CLI_EXIT_OK;
    return cli_usage_error(command,
                           "%s: expected an RFC 3339 time such as 2026-11-25T09:00:00Z, got \"%s\"",
                           option, value);
}

bool cli_set_texts(json_t *object, const char *const names[], const char *const values[],
                   size_t count)
{
    bool ok = object != NULL;
    for (size_t i = 0; ok && i < count; i++)
        if (values[i])
            ok = json_object_set_new(object, names[i], json_string(values[i])) == 0;
    return ok;
}

cv_result cli_append_segment(strbuf *path, const char *text)
{
    static const char hex[] = "0123456789ABCDEF";
    for (const unsigned char *byte = (const unsigned char *)text; *byte; byte++) {
        bool unreserved = (*byte >= 'a' && *byte <= 'z') || (*byte >= 'A' && *byte <= 'Z') ||
                          (*byte >= '0' && *byte <= '9') || *byte == '-' || *byte == '.' ||
                          *byte == '_' || *byte == '~';
        if (unreserved)
            strbuf_append_char(path, (char)*byte);
        else
            strbuf_printf(path, "%%%c%c", hex[*byte >> 4], hex[*byte & 15]);
    }
    return strbuf_status(path);
}

/* The kept login (convene login) when no --user or $CONVENE_USER names
 * an account and it is for `server` (NULL: any, then *server becomes
 * its). True when *record holds it. */
static bool kept_login(const cli_globals *globals, const char **server, login_record *record)
{
    const char *user = globals->user ? globals->user : getenv(CLI_ENV_USER);
    strbuf error = STRBUF_INIT;
    bool found = (!user || !*user) && login_file_load(record, &error) == CV_OK;
    if (strbuf_str(&error)[0])
        cli_error("%s", strbuf_str(&error));
    strbuf_free(&error);
    if (found && *server && strcmp(*server, record->server) != 0) {
        login_file_clear(record);
        found = false;
    }
    if (found && !*server)
        *server = record->server;
    return found;
}

/* Splits --user NAME[:PASSWORD] (password else from $CONVENE_PASSWORD)
 * into `settings`; *user_name is the caller's to free. Returns an exit
 * code. */
static int read_user(const cli_globals *globals, client_settings *settings, char **user_name)
{
    const char *user = globals->user ? globals->user : getenv(CLI_ENV_USER);
    if (!user || !*user)
        user = CLI_DEFAULT_USER;
    const char *colon = strchr(user, ':');
    *user_name = colon ? strndup(user, (size_t)(colon - user)) : strdup(user);
    const char *password = colon ? colon + 1 : getenv(CLI_ENV_PASSWORD);
    if (!*user_name) {
        cli_error("out of memory");
        return CLI_EXIT_CONNECTION;
    }
    if (!**user_name)
        return cli_usage_error(NULL, "--user: the user name is empty");
    if (!password || !*password)
        return cli_usage_error(NULL,
                               "no password for user \"%s\": give --user NAME:PASSWORD, set "
                               "$" CLI_ENV_PASSWORD " or run '" CLI_PROGRAM " login' first",
                               *user_name);
    settings->user_name = *user_name;
    settings->password = password;
    return CLI_EXIT_OK;
}

/* Opens the connection on first use. Returns an exit code. */
static int connect_once(cli_context *context)
{
    if (context->connection)
        return CLI_EXIT_OK;
    const cli_globals *globals = &context->globals;
    const char *server = globals->server ? globals->server : getenv(CLI_ENV_SERVER);
    if (server && !*server)
        server = NULL;
    const char *ca_file = globals->ca_file ? globals->ca_file : getenv(CLI_ENV_CA_FILE);
    client_settings settings = {.insecure = globals->insecure,
                                .ca_file = ca_file && *ca_file ? ca_file : NULL,
                                .timeout_seconds = 60};
    login_record login;
    char *user_name = NULL;
    strbuf url = STRBUF_INIT;
    int status = CLI_EXIT_OK;
    if (kept_login(globals, &server, &login))
        settings.bearer_token = login.token;
    else
        status = read_user(globals, &settings, &user_name);
    if (!server)
        server = CLI_DEFAULT_SERVER;
    strbuf_printf(&url, strstr(server, "://") ? "%s" : "https://%s", server);
    if (status == CLI_EXIT_OK && strncmp(strbuf_str(&url), "http://", 7) != 0 &&
        strncmp(strbuf_str(&url), "https://", 8) != 0)
        status = cli_usage_error(NULL, "--server: expected an http:// or https:// URL, got \"%s\"",
                                 server);
    settings.base_url = strbuf_str(&url);
    if (status == CLI_EXIT_OK &&
        (strbuf_status(&url) != CV_OK || client_create(&settings, &context->connection) != CV_OK)) {
        cli_error("out of memory");
        status = CLI_EXIT_CONNECTION;
    }
    if (settings.bearer_token)
        login_file_clear(&login);
    free(user_name);
    strbuf_free(&url);
    return status;
}

/* One conflict as text: a booking or participant in the booking shape, or
 * else the scalar members the message does not already say. */
static void describe_conflict(const json_t *conflict, const char *message, strbuf *text)
{
    char number[32];
    if (!json_is_object(conflict)) {
        const char *value = json_text(conflict, number, sizeof number);
        if (!strstr(message, value))
            strbuf_printf(text, "%s", value);
        return;
    }
    const char *participant = json_member_string(conflict, "participant");
    const char *title = json_member_string(conflict, "title");
    const char *booking = json_member_string(conflict, "booking");
    const char *start = json_member_string(conflict, "start");
    const char *end = json_member_string(conflict, "end");
    if (participant || title || booking) {
        if (participant)
            strbuf_printf(text, "%s in ", participant);
        if (title)
            strbuf_printf(text, "\"%s\" ", title);
        if (booking)
            strbuf_printf(text, "(booking %s", booking);
        if (start && end)
            strbuf_printf(text, "%s%s to %s", booking ? ", " : "(", start, end);
        if (booking || (start && end))
            strbuf_printf(text, ")");
        if (json_object_get(conflict, "slot"))
            strbuf_printf(text, " slot %s",
                          json_member_text(conflict, "slot", number, sizeof number));
        return;
    }
    const char *name;
    const json_t *value;
    bool first = true;
    json_object_foreach((json_t *)conflict, name, value)
    {
        if (json_is_object(value) || json_is_array(value))
            continue;
        const char *shown = json_text(value, number, sizeof number);
        if (strstr(message, shown))
            continue;
        strbuf_printf(text, "%s%s %s", first ? "" : ", ", name, shown);
        first = false;
    }
}

static void describe_conflicts(const json_t *conflicts, const char *message, strbuf *line)
{
    size_t count = json_array_size(conflicts);
    strbuf listed = STRBUF_INIT;
    size_t shown = 0;
    for (size_t i = 0; i < count && shown < 3; i++) {
        strbuf one = STRBUF_INIT;
        describe_conflict(json_array_get(conflicts, i), message, &one);
        if (one.length > 0) {
            strbuf_printf(&listed, "%s %s", shown ? ";" : "", strbuf_str(&one));
            shown++;
        }
        strbuf_free(&one);
    }
    if (shown > 0) {
        strbuf_printf(line, "; conflicts with:%s", strbuf_str(&listed));
        if (count > shown)
            strbuf_printf(line, " and %zu more", count - shown);
    }
    strbuf_free(&listed);
}

void cli_describe_error(const client_answer *answer, strbuf *line)
{
    const json_t *error = json_object_get(answer->document, "error");
    const char *message = json_member_string(error, "message");
    if (answer->status == 401) {
        strbuf_printf(
            line,
            "convened refused the credentials (HTTP 401%s%s); check --user or $" CLI_ENV_USER
            " / $" CLI_ENV_PASSWORD,
            message ? ": " : "", message ? message : "");
        return;
    }
    if (message && *message) {
        strbuf_printf(line, "%s", message);
    } else {
        /* Not convened's error shape: the status and the body's first line. */
        size_t length = strcspn(answer->body ? answer->body : "", "\r\n");
        if (length > 200)
            length = 200;
        strbuf_printf(line, "the server answered HTTP %ld%s%.*s", answer->status,
                      length ? ": " : "", (int)length, answer->body ? answer->body : "");
        return;
    }
    const json_t *details = json_object_get(error, "details");
    const char *field = json_member_string(details, "field");
    if (field && !strstr(message, field))
        strbuf_printf(line, " (field \"%s\")", field);
    describe_conflicts(json_object_get(details, "conflicts"), message, line);
    const char *bridge = json_member_string(details, "bridge");
    const char *address = json_member_string(details, "address");
    const char *reason = json_member_string(details, "reason");
    if (answer->status == 503 && (bridge || address)) {
        strbuf_printf(line, " (bridge %s", bridge ? bridge : "");
        if (address && !strstr(message, address))
            strbuf_printf(line, " at %s", address);
        if (reason && !strstr(message, reason))
            strbuf_printf(line, ": %s", reason);
        strbuf_printf(line, ")");
    }
}

int cli_connect(cli_context *context)
{
    return connect_once(context);
}

int cli_request(cli_context *context, const char *method, const char *path, const json_t *body,
                client_answer *answer)
{
    memset(answer, 0, sizeof *answer);
    int status = connect_once(context);
    if (status != CLI_EXIT_OK)
        return status;
    strbuf full_path = STRBUF_INIT;
    strbuf error = STRBUF_INIT;
    strbuf_printf(&full_path, "/api/v1%s", path);
    if (strbuf_status(&full_path) != CV_OK) {
        cli_error("out of memory");
        strbuf_free(&full_path);
        return CLI_EXIT_CONNECTION;
    }
    cv_result result =
        client_send_json(context->connection, method, strbuf_str(&full_path), body, answer, &error);
    if (result == CV_ERR_NO_MEMORY) {
        cli_error("out of memory");
        status = CLI_EXIT_CONNECTION;
    } else if (result != CV_OK) {
        cli_error("cannot reach convened at %s: %s", client_base_url(context->connection),
                  strbuf_str(&error));
        status = CLI_EXIT_CONNECTION;
    } else if (answer->status < 200 || answer->status > 299) {
        strbuf line = STRBUF_INIT;
        cli_describe_error(answer, &line);
        cli_error("%s", strbuf_status(&line) == CV_OK ? strbuf_str(&line) : "request refused");
        strbuf_free(&line);
        status = CLI_EXIT_REFUSED;
    }
    if (status != CLI_EXIT_OK)
        client_answer_free(answer);
    strbuf_free(&full_path);
    strbuf_free(&error);
    return status;
}

void cli_print_answer_json(const client_answer *answer)
{
    if (answer->body_length == 0)
        return;
    fwrite(answer->body, 1, answer->body_length, stdout);
    if (answer->body[answer->body_length - 1] != '\n')
        fputc('\n', stdout);
}

void cli_context_release(cli_context *context)
{
    client_free(context->connection);
    context->connection = NULL;
    free(context->globals.server);
    free(context->globals.user);
    free(context->globals.ca_file);
    memset(&context->globals, 0, sizeof context->globals);
}
