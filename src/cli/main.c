/*
 * main.c - `convene`, the command-line client of convened's JSON API (and
 * the self-contained demo). Parses the global options that come before the
 * command, prints the program's help, and hands the rest of the command
 * line to the command. Owns: the global option table, the command table,
 * libcurl's global initialisation, hiding a password given in --user from
 * `ps`.
 */
#include <curl/curl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli/args.h"
#include "cli/cli.h"
#include "cli/commands_migrate.h"
#include "cli/commands_series.h"

typedef struct {
    const char *name;
    const char *usage;
    const char *summary;
    cli_command_handler handler;
} command_entry;

static const command_entry COMMANDS[] = {
    {"bridge", "bridge add|list|show|set|remove ...", "manage the CMS bridges convened books on",
     command_bridge},
    {"tickets", "tickets", "list open tickets (problems convened sees on the bridges)",
     command_tickets},
    {"book", "book --title T --start TIME (--end TIME | --duration MIN) ...",
     "book a meeting; prints its dial-in URI and call ID", command_book},
    {"bookings", "bookings [--from TIME] [--to TIME]", "list bookings", command_bookings},
    {"show", "show ID", "show one booking with its live state", command_show},
    {"extend", "extend ID MINUTES", "move a booking's end later", command_extend},
    {"end", "end ID", "end a live meeting now", command_end},
    {"cancel", "cancel ID [--scope occurrence|following|series]",
     "cancel a booking (ends it first when it is live)", command_cancel},
    {"update", "update ID [--scope occurrence|following|series] [--title T] ...",
     "change a booking, or this and later occurrences, or its whole series", command_update},
    {"occurrences", "occurrences ID [--from TIME] [--to TIME] [--limit N]",
     "list the occurrences of a repeating booking", command_occurrences},
    {"ics", "ics ID", "print a booking's iCalendar (.ics)", command_ics},
    {"calendar", "calendar (--bridge ID | --organizer EMAIL)",
     "print a calendar feed (.ics) of a bridge or an organizer", command_calendar},
    {"user", "user list|add|set|delete ...", "manage accounts and their roles (admins)",
     command_user},
    {"token", "token create|list|revoke ...", "API tokens for integrations", command_token},
    {"login", "login [--expires TIME]", "keep an API token for the next commands", command_login},
    {"logout", "logout", "revoke and forget the kept token", command_logout},
    {"audit", "audit [--actor N] [--action A] [--from T] [--to T]",
     "who changed what, when and from where (admins)", command_audit},
    {"report", "report utilization|no-shows|failed-starts [--from TIME] [--to TIME] ...",
     "utilisation, no-show and failed-start reports (table, --json or --csv)", command_report},
    {"events", "events [--last-event-id ID] [--count N] [--json]",
     "follow what happens in convened, one line per event (reconnects by itself)", command_events},
    {"cluster", "cluster [--json]",
     "the convened nodes on one database, the leader and its lease (operators)", command_cluster},
    {"migrate", "migrate --from sqlite:DIR --to postgresql://USER@HOST/DB [--password-file F]",
     "move an installation's databases from SQLite into PostgreSQL (daemons stopped)",
     command_migrate},
    {"demo", "demo [--bridge-binary F] [--scheduler-binary F] ...",
     "play the whole TMS/CMS story on this machine with throw-away daemons", command_demo},
};
#define COMMAND_COUNT (sizeof COMMANDS / sizeof COMMANDS[0])

static void describe_globals(cli_globals *globals, option_spec *specs, size_t *count)
{
    option_spec table[] = {
        {"server", OPTION_STRING, &globals->server, "URL",
         "convened's address (default $" CLI_ENV_SERVER ", else " CLI_DEFAULT_SERVER ")", 0, 0},
        {"user", OPTION_STRING, &globals->user, "NAME[:PASSWORD]",
         "API account (default $" CLI_ENV_USER
         ", else the token of 'convene login', else " CLI_DEFAULT_USER
         "); password from $" CLI_ENV_PASSWORD " when left out",
         0, 0},
        {"json", OPTION_FLAG, &globals->json_output, NULL,
         "print the server's JSON answer instead of tables", 0, 0},
        {"insecure", OPTION_FLAG, &globals->insecure, NULL,
         "do not verify convened's TLS certificate (labs only)", 0, 0},
        {"ca-file", OPTION_STRING, &globals->ca_file, "FILE",
         "verify convened's certificate against this PEM file (default $" CLI_ENV_CA_FILE ")", 0,
         0},
        {"version", OPTION_FLAG, &globals->show_version, NULL, "print the version and exit", 0, 0},
    };
    memcpy(specs, table, sizeof table);
    *count = sizeof table / sizeof table[0];
}

static void print_program_help(const option_spec *specs, size_t spec_count)
{
    printf("Usage: " CLI_PROGRAM " [GLOBAL OPTIONS] COMMAND [ARGUMENTS]\n\n"
           "The command-line client of convened, the Convene scheduler for Cisco Meeting\n"
           "Server: add bridges, read tickets, book meetings and follow them live.\n\n"
           "Commands:\n");
    for (size_t i = 0; i < COMMAND_COUNT; i++)
        printf("  %-10s %s\n", COMMANDS[i].name, COMMANDS[i].summary);
    printf("  %-10s %s\n", "help", "help COMMAND shows a command's options");
    printf("\nGlobal options (before the command; --json is also accepted after it):\n");
    args_print_options(specs, spec_count, stdout);
    printf("  %-28s %s\n", "--help", "show this help and exit");
    printf(
        "\nEnvironment:\n"
        "  " CLI_ENV_SERVER "   server URL, e.g. https://scheduler.example.com:8443\n"
        "  " CLI_ENV_USER "     NAME or NAME:PASSWORD\n"
        "  " CLI_ENV_PASSWORD " the password (keeps it out of the process list)\n"
        "  " CLI_ENV_CA_FILE "  PEM file to verify convened's certificate against\n"
        "\nTimes are RFC 3339 with an offset: 2026-11-25T09:00:00Z or 2026-11-25T10:00:00+01:00.\n"
        "\nExit status: 0 success, 1 the server refused the request (its message is printed),\n"
        "2 wrong command line, 3 convened could not be reached.\n"
        "\nExamples:\n"
        "  " CLI_PROGRAM
        " bridge add cms1.example.com:445 --username api --password-file /etc/convene/cms1.pw\n"
        "  " CLI_PROGRAM
        " bridge set BRIDGE-ID --name \"CMS Core Primary\" --domain video.example.com \\\n"
        "        --numeric-id-base 1 --numeric-id-quantity 5\n"
        "  " CLI_PROGRAM " book --title \"Weekly\" --start 2026-11-25T09:00:00Z --duration 30 \\\n"
        "        --dial-out sip:room1@example.com\n"
        "  " CLI_PROGRAM " demo\n");
}

/* Hides the password of --user NAME:PASSWORD from the process list once it
 * has been copied. */
static void hide_password_argument(int argc, char **argv, int stop)
{
    for (int i = 1; i < stop && i < argc; i++) {
        char *value = NULL;
        if (strcmp(argv[i], "--user") == 0 && i + 1 < stop)
            value = argv[i + 1];
        else if (strncmp(argv[i], "--user=", 7) == 0)
            value = argv[i] + 7;
        char *colon = value ? strchr(value, ':') : NULL;
        if (colon)
            memset(colon + 1, '*', strlen(colon + 1));
    }
}

static const command_entry *find_command(const char *name)
{
    for (size_t i = 0; i < COMMAND_COUNT; i++)
        if (strcmp(COMMANDS[i].name, name) == 0)
            return &COMMANDS[i];
    return NULL;
}

/* The index of the command: the first argument that is neither a global
 * option nor an option's value (argc when there is none). Sets
 * *wants_help for -h/--help among the global options. */
static int find_command_index(int argc, char **argv, const option_spec *specs, size_t spec_count,
                              bool *wants_help)
{
    int command_index = 1;
    while (command_index < argc && argv[command_index][0] == '-') {
        const char *argument = argv[command_index];
        if (strcmp(argument, "-h") == 0 || strcmp(argument, "--help") == 0) {
            *wants_help = true;
            command_index++;
            continue;
        }
        if (strcmp(argument, "--") == 0 || argument[1] != '-')
            break;
        const char *name = argument + 2;
        for (size_t i = 0; i < spec_count; i++)
            if (strcmp(specs[i].name, name) == 0 && specs[i].kind != OPTION_FLAG)
                command_index++; /* skip the value */
        command_index++;
    }
    return command_index > argc ? argc : command_index;
}

/* `convene help [COMMAND]`: the program's help, or COMMAND's (`topic`
 * NULL: the program's). Returns the exit status. */
static int run_help(cli_context *context, char *topic, const option_spec *specs, size_t spec_count)
{
    if (!topic) {
        print_program_help(specs, spec_count);
        return CLI_EXIT_OK;
    }
    const command_entry *command = find_command(topic);
    if (!command)
        return cli_usage_error(NULL, "unknown command \"%s\"", topic);
    char help_flag[] = "--help";
    char *help_argv[] = {topic, help_flag, NULL};
    return command->handler(context, 2, help_argv);
}

int main(int argc, char **argv)
{
    cli_context context = {0};
    option_spec specs[8];
    size_t spec_count;
    describe_globals(&context.globals, specs, &spec_count);

    bool wants_help = false;
    int command_index = find_command_index(argc, argv, specs, spec_count, &wants_help);

    strbuf error = STRBUF_INIT;
    int status = CLI_EXIT_OK;
    if (!wants_help) {
        cv_result result = config_parse(command_index, argv, specs, spec_count, &error);
        hide_password_argument(argc, argv, command_index);
        if (result == CV_ERR_NOT_FOUND) {
            wants_help = true;
        } else if (result != CV_OK) {
            status = cli_usage_error(NULL, "%s", strbuf_str(&error));
            goto out;
        }
    }
    if (context.globals.show_version) {
        printf(CLI_PROGRAM " " CONVENE_VERSION "\n");
        goto out;
    }
    if (wants_help) {
        print_program_help(specs, spec_count);
        goto out;
    }
    if (command_index >= argc) {
        status = cli_usage_error(NULL, "no command given");
        goto out;
    }
    const char *name = argv[command_index];
    if (strcmp(name, "help") == 0) {
        status = run_help(&context, command_index + 1 < argc ? argv[command_index + 1] : NULL,
                          specs, spec_count);
        goto out;
    }
    const command_entry *command = find_command(name);
    if (!command) {
        status = cli_usage_error(NULL, "unknown command \"%s\"", name);
        goto out;
    }
    if (curl_global_init(CURL_GLOBAL_DEFAULT) != CURLE_OK) {
        cli_error("cannot initialise libcurl");
        status = CLI_EXIT_CONNECTION;
        goto out;
    }
    status = command->handler(&context, argc - command_index, argv + command_index);
    cli_context_release(&context);
    curl_global_cleanup();
out:
    cli_context_release(&context);
    config_free(specs, spec_count);
    strbuf_free(&error);
    return status;
}
