/*
 * commands_cluster.c - `convene cluster`: the convened nodes sharing one
 * database, which one leads and the lease (GET /api/v1/cluster), as a
 * table or JSON (--json).
 *
 * Owns: the command's options and its table. Does not own: the cluster
 * itself (convened's cluster.c).
 */
#include <stdio.h>

#include "cli/args.h"
#include "cli/cli.h"
#include "cli/json_view.h"
#include "cli/table.h"

/* The nodes, the leader marked. */
static void print_nodes(const json_t *document)
{
    static const char *const headers[] = {"NODE",  "ADDRESS", "VERSION",
                                          "ALIVE", "LEADER",  "LAST SEEN"};
    table *rows = table_create(6, headers);
    if (!rows) {
        cli_error("out of memory");
        return;
    }
    size_t index;
    const json_t *node;
    json_array_foreach(json_object_get(document, "nodes"), index, node)
    {
        char id[160], address[300], version[40], alive[8], leader[8], seen[40];
        const char *cells[6] = {json_member_text(node, "id", id, sizeof id),
                                json_member_text(node, "address", address, sizeof address),
                                json_member_text(node, "version", version, sizeof version),
                                json_member_text(node, "alive", alive, sizeof alive),
                                json_member_text(node, "leader", leader, sizeof leader),
                                json_member_text(node, "lastSeen", seen, sizeof seen)};
        if (table_add_row(rows, cells) != CV_OK)
            cli_error("out of memory");
    }
    table_print(rows, stdout);
    table_free(rows);
}

int command_cluster(cli_context *context, int argc, char **argv)
{
    bool json = false;
    const option_spec specs[] = {
        {"json", OPTION_FLAG, &json, NULL, "print the server's JSON answer", 0, 0},
    };
    const command_syntax syntax = {
        "cluster",
        "Shows the convened nodes that share one database: which are alive, which one\n"
        "leads (drives the meetings) and the lease it holds (operators and admins).",
        specs,
        1,
        0,
        0,
        NULL};
    positional_arguments positional;
    int status;
    if (!cli_parse_arguments(context, "cluster", &syntax, argc, argv, &positional, &status))
        return status;
    client_answer answer;
    if ((status = cli_request(context, "GET", "/cluster", NULL, &answer)) != CLI_EXIT_OK)
        return status;
    if (context->globals.json_output) {
        cli_print_answer_json(&answer);
    } else {
        const json_t *lease = json_object_get(answer.document, "lease");
        char leader[160], epoch[32], expires[40];
        printf("leader: %s (epoch %s, lease until %s)\n",
               json_member_text(answer.document, "leader", leader, sizeof leader),
               json_member_text(lease, "epoch", epoch, sizeof epoch),
               json_member_text(lease, "expiresAt", expires, sizeof expires));
        print_nodes(answer.document);
    }
    client_answer_free(&answer);
    return CLI_EXIT_OK;
}
