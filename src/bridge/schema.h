/*
 * schema.h - the bridge's schema as numbered migrations, one list per
 * database: SQLite (schema.c; the version is PRAGMA user_version) and
 * PostgreSQL (schema_postgresql.c; the version is the "bridge" row of
 * schema_version). Each entry takes the database from version i to i+1;
 * once a release ships, entries are only ever appended. The two lists
 * describe the same tables, columns and rules; a change to one is made
 * to the other in the same commit.
 */
#ifndef CONVENE_BRIDGE_SCHEMA_H
#define CONVENE_BRIDGE_SCHEMA_H

#include <stddef.h>

#include "common/result.h"
#include "common/store_sql.h"

extern const char *const bridge_migrations[];
extern const size_t bridge_migration_count;
extern const char *const bridge_postgresql_migrations[];
extern const size_t bridge_postgresql_migration_count;

/* Brings `db` to the newest schema of its kind (store_db_migrate). */
cv_result bridge_schema_migrate(store_db *db);

#endif
