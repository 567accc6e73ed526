/*
 * commands_bridge.h - what the two files of `convene bridge` share.
 *
 * Owns: these declarations. Does not own: the commands (commands_bridge.c,
 * commands_bridge_edit.c) or the entry points main.c calls (cli.h).
 */
#ifndef CONVENE_CLI_COMMANDS_BRIDGE_H
#define CONVENE_CLI_COMMANDS_BRIDGE_H

#include "cli/cli.h"

/* `bridge add ...` and `bridge set ...` with argv[0] the subcommand;
 * return the exit status. */
int bridge_add_command(cli_context *context, int argc, char **argv);
int bridge_set_command(cli_context *context, int argc, char **argv);

/* Prints the bridge of a successful answer (the JSON itself with --json);
 * returns the exit status. */
int bridge_show_answer(cli_context *context, const client_answer *answer);

#endif
