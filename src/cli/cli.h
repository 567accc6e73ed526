/*
 * cli.h - what every `convene` command shares: the global options (server,
 * credentials, TLS, output format), the exit codes, the lazily opened
 * connection to convened, and the one way a failed request is reported.
 *
 * Owns: turning an answer that is not 2xx into one line on stderr (the
 * server's error.message plus the field, the conflicts or the unreachable
 * bridge from error.details) and an exit code. Does not own: any command's
 * arguments or output (commands_*.c), the transport (client.h).
 */
#ifndef CONVENE_CLI_H
#define CONVENE_CLI_H

#include <jansson.h>
#include <stdbool.h>

#include "cli/args.h"
#include "cli/client.h"
#include "common/strbuf.h"

#define CLI_PROGRAM        "convene"
#define CLI_DEFAULT_SERVER "https://127.0.0.1:8443"
#define CLI_DEFAULT_USER   "admin"
#define CLI_ENV_SERVER     "CONVENE_SERVER"
#define CLI_ENV_USER       "CONVENE_USER"
#define CLI_ENV_PASSWORD   "CONVENE_PASSWORD"
#define CLI_ENV_CA_FILE    "CONVENE_CA_FILE"

enum {
    CLI_EXIT_OK = 0,
    CLI_EXIT_REFUSED = 1,    /* the server answered with an error */
    CLI_EXIT_USAGE = 2,      /* the command line is wrong */
    CLI_EXIT_CONNECTION = 3, /* no answer from the server */
};

typedef struct {
    char *server;  /* --server or $CONVENE_SERVER */
    char *user;    /* --user NAME[:PASSWORD] or $CONVENE_USER */
    char *ca_file; /* --ca-file or $CONVENE_CA_FILE */
    bool insecure;
    bool json_output;
    bool show_version;
} cli_globals;

typedef struct {
    cli_globals globals;
    client *connection; /* opened by the first request */
} cli_context;

/* A command's entry point: argv[0] is the command's own name. Returns the
 * process exit code. */
typedef int (*cli_command_handler)(cli_context *context, int argc, char **argv);

/* Prints "convene: <message>" and a pointer to --help; returns CLI_EXIT_USAGE. */
int cli_usage_error(const char *command, const char *format, ...)
    __attribute__((format(printf, 2, 3)));
/* The opening of every command: args_parse of argv with `syntax` (its
 * option table fills the command's variables). --help prints the help
 * (*status CLI_EXIT_OK); a wrong command line prints one usage error naming
 * command `name` (*status CLI_EXIT_USAGE); a "json" flag in the table, when
 * given, turns on JSON output for the rest of the command. True only when
 * the command should go on. The caller still config_free()s the table. */
bool cli_parse_arguments(cli_context *context, const char *name, const command_syntax *syntax,
                         int argc, char **argv, positional_arguments *positional, int *status);
/* Prints "convene: <message>" on stderr. */
void cli_error(const char *format, ...) __attribute__((format(printf, 1, 2)));

/* Sends a request to convened (path after /api/v1, e.g. "/bridges").
 * Returns CLI_EXIT_OK with `answer` holding a 2xx answer (the caller frees
 * it), or prints one line and returns the exit code (answer freed). */
int cli_request(cli_context *context, const char *method, const char *path, const json_t *body,
                client_answer *answer);

/* Opens the connection to convened now (else the first cli_request
 * does); for commands that use client.h directly. Returns an exit code
 * (a line was printed when it is not CLI_EXIT_OK). */
int cli_connect(cli_context *context);

/* --json output: the server's body as it came, ending in a newline. */
void cli_print_answer_json(const client_answer *answer);

/* A secret given as option OPTION (e.g. "--password", VALUE) or as
 * OPTION-file (FILE, its first line): into *secret, NULL when neither is
 * given; the caller frees it with secret_free. Both given, or a file that
 * cannot be read, is a usage error of COMMAND. Returns CLI_EXIT_OK or that
 * error's status. */
int cli_secret_option(const char *command, const char *option, const char *value, const char *file,
                      char **secret);

/* CLI_EXIT_OK when VALUE, the value of OPTION (e.g. "--from"), is NULL
 * (not given) or an RFC 3339 time; else the usage error of COMMAND naming
 * the option and the value. */
int cli_check_time(const char *command, const char *option, const char *value);

/* Sets member NAMES[i] of OBJECT to the text VALUES[i] for each of the
 * COUNT values that is not NULL (a request body of the options given).
 * False when OBJECT is NULL or a value cannot be set (not UTF-8, memory). */
bool cli_set_texts(json_t *object, const char *const names[], const char *const values[],
                   size_t count);

/* Appends `text` percent-encoded for one path segment. */
cv_result cli_append_segment(strbuf *path, const char *text);

/* The server's one-line error for a non-2xx answer (message, field,
 * conflicts, unreachable bridge), written into `line`. */
void cli_describe_error(const client_answer *answer, strbuf *line);

void cli_context_release(cli_context *context);

/* The commands (commands_bridge.c, commands_booking.c, demo.c). */
int command_bridge(cli_context *context, int argc, char **argv);
int command_tickets(cli_context *context, int argc, char **argv);
int command_book(cli_context *context, int argc, char **argv);
int command_bookings(cli_context *context, int argc, char **argv);
int command_show(cli_context *context, int argc, char **argv);
int command_extend(cli_context *context, int argc, char **argv);
int command_end(cli_context *context, int argc, char **argv);
int command_cancel(cli_context *context, int argc, char **argv);
int command_demo(cli_context *context, int argc, char **argv);
/* commands_users.c */
int command_user(cli_context *context, int argc, char **argv);
int command_token(cli_context *context, int argc, char **argv);
int command_login(cli_context *context, int argc, char **argv);
int command_logout(cli_context *context, int argc, char **argv);
int command_audit(cli_context *context, int argc, char **argv);
/* commands_report.c */
int command_report(cli_context *context, int argc, char **argv);

/* commands_events.c */
int command_events(cli_context *context, int argc, char **argv);
/* commands_cluster.c */
int command_cluster(cli_context *context, int argc, char **argv);

#endif
