/*
 * commands_bridge.c - `convene bridge list|show|remove`, the dispatch of
 * every `convene bridge` subcommand, and `convene tickets`: the bridges
 * convened manages (Cisco's TMS guide's "Clustering" and "Tickets" pages).
 *
 * Owns: these commands' options and their human output, including the
 * bridge view that `bridge add` and `bridge set` print too. Does not own:
 * `bridge add` and `bridge set` (commands_bridge_edit.c), the transport or
 * error reporting (cli.h).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli/args.h"
#include "cli/cli.h"
#include "cli/commands_bridge.h"
#include "cli/json_view.h"
#include "cli/table.h"
#include "common/text.h"

#define LABEL_WIDTH 20

/* ---- shared output -------------------------------------------------- */

static void print_tickets_table(const json_t *tickets, bool with_bridge)
{
    static const char *const headers_with_bridge[] = {"ID", "BRIDGE", "KIND", "OPENED", "MESSAGE"};
    static const char *const headers[] = {"ID", "KIND", "OPENED", "MESSAGE"};
    table *rows = with_bridge ? table_create(5, headers_with_bridge) : table_create(4, headers);
    if (!rows) {
        cli_error("out of memory");
        return;
    }
    size_t index;
    const json_t *ticket;
    json_array_foreach(tickets, index, ticket)
    {
        char id[32], bridge[32], kind[32], opened[32], message[32];
        const char *cells[5];
        size_t column = 0;
        cells[column++] = json_member_text(ticket, "id", id, sizeof id);
        if (with_bridge)
            cells[column++] = json_member_text(ticket, "bridge", bridge, sizeof bridge);
        cells[column++] = json_member_text(ticket, "kind", kind, sizeof kind);
        cells[column++] = json_member_text(ticket, "opened", opened, sizeof opened);
        cells[column++] = json_member_text(ticket, "message", message, sizeof message);
        if (table_add_row(rows, cells) != CV_OK)
            cli_error("out of memory");
    }
    table_print(rows, stdout);
    table_free(rows);
}

static bool is_shown_member(const char *name)
{
    static const char *const shown[] = {"id",
                                        "name",
                                        "address",
                                        "username",
                                        "password",
                                        "tlsVerify",
                                        "softwareVersion",
                                        "reachable",
                                        "domain",
                                        "numericIdBase",
                                        "numericIdQuantity",
                                        "slotNamePrefix",
                                        "slots",
                                        "allowBooking",
                                        "alternateAddress",
                                        "alternateUsername",
                                        "alternatePassword",
                                        "cluster",
                                        "tickets",
                                        "allowedMembers",
                                        NULL};
    for (size_t i = 0; shown[i]; i++)
        if (strcmp(shown[i], name) == 0)
            return true;
    return false;
}

/* Friendlier labels for members beyond the contract's list. */
static const char *label_for(const char *name)
{
    static const char *const labels[][2] = {
        {"caFile", "CA file"},
        {"pinnedCertificate", "Pinned certificate"},
        {"provisioning", "Slot provisioning"},
        {"lastContact", "Last contact"},
        {"status.callLegsActive", "CallLegs active"},
        {"status.callLegsMaxActive", "CallLegs max active"},
        {"status.callLegsCompleted", "CallLegs completed"},
        {"status.uptimeSeconds", "Call bridge uptime"},
    };
    for (size_t i = 0; i < sizeof labels / sizeof labels[0]; i++)
        if (strcmp(labels[i][0], name) == 0)
            return labels[i][1];
    return name;
}

/* "4d, 22:09:44" as the TMS page in Cisco's guide shows uptime. */
static void format_uptime(json_int_t seconds, char *out, size_t size)
{
    json_int_t days = seconds / 86400;
    seconds %= 86400;
    snprintf(out, size, "%lldd, %02lld:%02lld:%02lld", (long long)days, (long long)(seconds / 3600),
             (long long)(seconds / 60 % 60), (long long)(seconds % 60));
}

/* Members the contract does not name (status counters and the like),
 * shown generically so that nothing the server says is hidden. */
static void print_other_members(const json_t *bridge)
{
    const char *name;
    const json_t *value;
    json_object_foreach((json_t *)bridge, name, value)
    {
        if (is_shown_member(name) || strstr(name, "assword") || strstr(name, "ecret"))
            continue;
        char buffer[64];
        if (json_is_object(value)) {
            const char *inner_name;
            const json_t *inner;
            json_object_foreach((json_t *)value, inner_name, inner)
            {
                if (json_is_object(inner) || json_is_array(inner) || is_shown_member(inner_name))
                    continue;
                char label[128];
                snprintf(label, sizeof label, "%s.%s", name, inner_name);
                const char *text = json_text(inner, buffer, sizeof buffer);
                char uptime[64];
                if (strcmp(label, "status.uptimeSeconds") == 0 && json_is_integer(inner)) {
                    format_uptime(json_integer_value(inner), uptime, sizeof uptime);
                    text = uptime;
                }
                detail_line(stdout, LABEL_WIDTH, label_for(label), text);
            }
        } else if (!json_is_array(value)) {
            detail_line(stdout, LABEL_WIDTH, label_for(name),
                        json_text(value, buffer, sizeof buffer));
        }
    }
}

/* allowedMembers: null is every discovered member, [] none. */
static void print_allowed_members(const json_t *list)
{
    strbuf text = STRBUF_INIT;
    if (!json_is_array(list))
        strbuf_append_str(&text, "every discovered member");
    else if (json_array_size(list) == 0)
        strbuf_append_str(&text, "none (only the address and the alternate)");
    for (size_t i = 0; json_is_array(list) && i < json_array_size(list); i++) {
        const char *address = json_string_value(json_array_get(list, i));
        strbuf_printf(&text, "%s%s", i ? ", " : "", address ? address : "?");
    }
    detail_line(stdout, LABEL_WIDTH, "Cluster members used", strbuf_str(&text));
    strbuf_free(&text);
}

static void print_bridge(const json_t *bridge)
{
    char buffer[64], second[64], line[512];
    detail_line(stdout, LABEL_WIDTH, "Bridge",
                json_member_text(bridge, "id", buffer, sizeof buffer));
    detail_line(stdout, LABEL_WIDTH, "Name", json_member_string(bridge, "name"));
    detail_line(stdout, LABEL_WIDTH, "Address", json_member_string(bridge, "address"));
    const char *version = json_member_string(bridge, "softwareVersion");
    if (version && *version)
        snprintf(line, sizeof line, "Cisco Meeting Server %s", version);
    else
        snprintf(line, sizeof line, "not recognised yet");
    detail_line(stdout, LABEL_WIDTH, "System type", line);
    json_t *reachable = json_object_get(bridge, "reachable");
    detail_line(stdout, LABEL_WIDTH, "Reachable",
                json_is_boolean(reachable) ? (json_is_true(reachable) ? "yes" : "no") : "-");
    detail_line(stdout, LABEL_WIDTH, "API user", json_member_string(bridge, "username"));
    json_t *verify = json_object_get(bridge, "tlsVerify");
    detail_line(stdout, LABEL_WIDTH, "TLS verification",
                json_is_boolean(verify) ? (json_is_true(verify) ? "on" : "off (insecure)") : "-");
    detail_line(stdout, LABEL_WIDTH, "Domain", json_member_string(bridge, "domain"));
    detail_line(stdout, LABEL_WIDTH, "Numeric ID base",
                json_member_text(bridge, "numericIdBase", buffer, sizeof buffer));
    detail_line(stdout, LABEL_WIDTH, "Numeric ID quantity",
                json_member_text(bridge, "numericIdQuantity", buffer, sizeof buffer));
    detail_line(stdout, LABEL_WIDTH, "Slot name prefix",
                json_member_string(bridge, "slotNamePrefix"));
    print_allowed_members(json_object_get(bridge, "allowedMembers"));
    const json_t *slots = json_object_get(bridge, "slots");
    if (json_is_object(slots)) {
        snprintf(line, sizeof line, "%s provisioned of %s",
                 json_member_text(slots, "provisioned", buffer, sizeof buffer),
                 json_member_text(slots, "total", second, sizeof second));
        detail_line(stdout, LABEL_WIDTH, "Slots", line);
    }
    detail_line(stdout, LABEL_WIDTH, "Allow booking",
                json_member_text(bridge, "allowBooking", buffer, sizeof buffer));
    const char *alternate = json_member_string(bridge, "alternateAddress");
    const char *alternate_user = json_member_string(bridge, "alternateUsername");
    if (alternate && *alternate && alternate_user && *alternate_user)
        snprintf(line, sizeof line, "%s (user %s)", alternate, alternate_user);
    else
        snprintf(line, sizeof line, "%s", alternate && *alternate ? alternate : "-");
    detail_line(stdout, LABEL_WIDTH, "Alternate address", line);
    print_other_members(bridge);

    const json_t *cluster = json_object_get(bridge, "cluster");
    if (json_array_size(cluster) > 0) {
        printf("\nCluster:\n");
        static const char *const headers[] = {"SYSTEM NAME", "ADDRESS", "ADDED"};
        table *rows = table_create(3, headers);
        size_t index;
        const json_t *member;
        json_array_foreach(cluster, index, member)
        {
            json_t *added = json_object_get(member, "added");
            const char *cells[] = {json_member_string(member, "name"),
                                   json_member_string(member, "address"),
                                   json_is_true(added) ? "yes (primary)" : "no"};
            if (table_add_row(rows, cells) != CV_OK) {
                cli_error("out of memory");
                break;
            }
        }
        table_print(rows, stdout);
        table_free(rows);
    }
    const json_t *tickets = json_object_get(bridge, "tickets");
    if (json_is_array(tickets)) {
        if (json_array_size(tickets) == 0) {
            printf("\nTickets: none (the system has no open tickets)\n");
        } else {
            printf("\nTickets:\n");
            print_tickets_table(tickets, false);
        }
    }
}

int bridge_show_answer(cli_context *context, const client_answer *answer)
{
    if (context->globals.json_output)
        cli_print_answer_json(answer);
    else if (json_is_object(answer->document))
        print_bridge(answer->document);
    return CLI_EXIT_OK;
}

/* ---- bridge list / show / remove ------------------------------------- */

/* `bridge list --help`: the synopsis, what it does. */
static const char BRIDGE_LIST_USAGE[] = "bridge list";
static const char BRIDGE_LIST_ABOUT[] = "Lists the bridges convened manages, with their state.";

static int bridge_list(cli_context *context, int argc, char **argv)
{
    bool json = false;
    const option_spec specs[] = {
        {"json", OPTION_FLAG, &json, NULL, "print the server's JSON answer", 0, 0},
    };
    const command_syntax syntax = {BRIDGE_LIST_USAGE, BRIDGE_LIST_ABOUT, specs, 1, 0, 0, NULL};
    positional_arguments positional;
    int status;
    if (!cli_parse_arguments(context, "bridge list", &syntax, argc, argv, &positional, &status))
        return status;
    client_answer answer;
    if ((status = cli_request(context, "GET", "/bridges", NULL, &answer)) != CLI_EXIT_OK)
        return status;
    if (context->globals.json_output) {
        cli_print_answer_json(&answer);
        client_answer_free(&answer);
        return CLI_EXIT_OK;
    }
    const json_t *bridges = json_collection(answer.document, "bridges");
    if (json_array_size(bridges) == 0) {
        printf("No bridges. Add one with: convene bridge add ADDRESS --username USER "
               "--password-file FILE\n");
        client_answer_free(&answer);
        return CLI_EXIT_OK;
    }
    static const char *const headers[] = {"ID",        "NAME",  "ADDRESS", "VERSION",
                                          "REACHABLE", "SLOTS", "TICKETS"};
    table *rows = table_create(7, headers);
    size_t index;
    const json_t *bridge;
    json_array_foreach(bridges, index, bridge)
    {
        char id[32], version[32], slots[64], tickets[32], provisioned[32], total[32];
        const json_t *slot_counts = json_object_get(bridge, "slots");
        snprintf(slots, sizeof slots, "%s/%s",
                 json_member_text(slot_counts, "provisioned", provisioned, sizeof provisioned),
                 json_member_text(slot_counts, "total", total, sizeof total));
        const json_t *ticket_list = json_object_get(bridge, "tickets");
        snprintf(tickets, sizeof tickets, "%zu", json_array_size(ticket_list));
        const char *name = json_member_string(bridge, "name");
        const json_t *reachable = json_object_get(bridge, "reachable");
        const char *cells[] = {json_member_text(bridge, "id", id, sizeof id),
                               name && *name ? name : "(no name)",
                               json_member_string(bridge, "address"),
                               json_member_text(bridge, "softwareVersion", version, sizeof version),
                               json_is_boolean(reachable) ? (json_is_true(reachable) ? "yes" : "NO")
                                                          : "-",
                               slots,
                               tickets};
        if (table_add_row(rows, cells) != CV_OK) {
            cli_error("out of memory");
            break;
        }
    }
    table_print(rows, stdout);
    table_free(rows);
    client_answer_free(&answer);
    return CLI_EXIT_OK;
}

static int bridge_by_id(cli_context *context, int argc, char **argv, const char *method)
{
    bool json = false;
    const option_spec specs[] = {
        {"json", OPTION_FLAG, &json, NULL, "print the server's JSON answer", 0, 0},
    };
    bool removing = strcmp(method, "DELETE") == 0;
    const command_syntax syntax = {
        removing ? "bridge remove ID" : "bridge show ID",
        removing ? "Stops managing a bridge. Refused while it has booked or live meetings."
                 : "Shows one bridge: settings, status, cluster members, tickets and slots.",
        specs,
        1,
        1,
        1,
        NULL};
    const char *name = removing ? "bridge remove" : "bridge show";
    positional_arguments positional;
    int status;
    if (!cli_parse_arguments(context, name, &syntax, argc, argv, &positional, &status))
        return status;
    strbuf path = STRBUF_INIT;
    strbuf_printf(&path, "/bridges/");
    if (cli_append_segment(&path, positional.items[0]) != CV_OK) {
        strbuf_free(&path);
        cli_error("out of memory");
        return CLI_EXIT_USAGE;
    }
    client_answer answer;
    status = cli_request(context, method, strbuf_str(&path), NULL, &answer);
    strbuf_free(&path);
    if (status != CLI_EXIT_OK)
        return status;
    if (removing) {
        if (context->globals.json_output)
            cli_print_answer_json(&answer);
        else
            printf("Removed bridge %s\n", positional.items[0]);
    } else {
        bridge_show_answer(context, &answer);
    }
    client_answer_free(&answer);
    return CLI_EXIT_OK;
}

/* ---- dispatch -------------------------------------------------------- */

static void print_bridge_help(void)
{
    printf("Usage: convene [GLOBAL OPTIONS] bridge SUBCOMMAND ...\n\n"
           "Manages the CMS bridges convened books meetings on.\n\n"
           "Subcommands:\n"
           "  add ADDRESS --username U (--password P | --password-file F)\n"
           "      [--insecure | --ca-file F | --pin-certificate F]   add a bridge\n"
           "  list                                                   list bridges\n"
           "  show ID                                                one bridge in detail\n"
           "  set ID [--name N] [--domain D] [--numeric-id-base N] [--numeric-id-quantity N]\n"
           "      [--alternate-address A --alternate-username U --alternate-password P]\n"
           "      [--allow-booking true|false] [--slot-name-prefix P]  change settings\n"
           "  remove ID                                              stop managing a bridge\n\n"
           "'convene bridge SUBCOMMAND --help' describes each one.\n");
}

int command_bridge(cli_context *context, int argc, char **argv)
{
    if (argc < 2) {
        return cli_usage_error("bridge", "missing subcommand: add, list, show, set or remove");
    }
    const char *subcommand = argv[1];
    if (strcmp(subcommand, "--help") == 0 || strcmp(subcommand, "-h") == 0 ||
        strcmp(subcommand, "help") == 0) {
        print_bridge_help();
        return CLI_EXIT_OK;
    }
    if (strcmp(subcommand, "add") == 0)
        return bridge_add_command(context, argc - 1, argv + 1);
    if (strcmp(subcommand, "list") == 0)
        return bridge_list(context, argc - 1, argv + 1);
    if (strcmp(subcommand, "show") == 0)
        return bridge_by_id(context, argc - 1, argv + 1, "GET");
    if (strcmp(subcommand, "set") == 0)
        return bridge_set_command(context, argc - 1, argv + 1);
    if (strcmp(subcommand, "remove") == 0)
        return bridge_by_id(context, argc - 1, argv + 1, "DELETE");
    return cli_usage_error("bridge", "unknown subcommand \"%s\"", subcommand);
}

/* ---- tickets --------------------------------------------------------- */

/* `tickets --help`: the synopsis, what it does. */
static const char TICKETS_USAGE[] = "tickets";
static const char TICKETS_ABOUT[] =
    "Lists the open tickets: what convened found wrong with a bridge (Blank System\n"
    "Name, Dial Number Configuration Error, Unreachable, Authentication failed, Slot\n"
    "provisioning failed). Tickets close by themselves when the cause goes away.";

int command_tickets(cli_context *context, int argc, char **argv)
{
    bool json = false;
    const option_spec specs[] = {
        {"json", OPTION_FLAG, &json, NULL, "print the server's JSON answer", 0, 0},
    };
    const command_syntax syntax = {TICKETS_USAGE, TICKETS_ABOUT, specs, 1, 0, 0, NULL};
    positional_arguments positional;
    int status;
    if (!cli_parse_arguments(context, "tickets", &syntax, argc, argv, &positional, &status))
        return status;
    client_answer answer;
    if ((status = cli_request(context, "GET", "/tickets", NULL, &answer)) != CLI_EXIT_OK)
        return status;
    if (context->globals.json_output) {
        cli_print_answer_json(&answer);
    } else {
        const json_t *tickets = json_collection(answer.document, "tickets");
        if (json_array_size(tickets) == 0)
            printf("No open tickets.\n");
        else
            print_tickets_table(tickets, true);
    }
    client_answer_free(&answer);
    return CLI_EXIT_OK;
}
