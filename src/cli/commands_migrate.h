/*
 * commands_migrate.h - `convene migrate`: an installation's SQLite
 * databases moved into PostgreSQL.
 *
 * Owns: the command's entry point. Does not own: the copy itself
 * (migrate_copy.h).
 */
#ifndef CONVENE_CLI_COMMANDS_MIGRATE_H
#define CONVENE_CLI_COMMANDS_MIGRATE_H

#include "cli/cli.h"

int command_migrate(cli_context *context, int argc, char **argv);

#endif
