/*
 * schema.h - the bridge's SQLite schema as numbered migrations. Each entry
 * takes the database from version i to i+1 (PRAGMA user_version); once a
 * release ships, entries are only ever appended.
 */
#ifndef CONVENE_BRIDGE_SCHEMA_H
#define CONVENE_BRIDGE_SCHEMA_H

#include <stddef.h>

extern const char *const bridge_migrations[];
extern const size_t bridge_migration_count;

#endif
