/*
 * migrate_copy.h - the copier of `convene migrate`: every table of an
 * SQLite database into the same tables of a PostgreSQL database, knowing
 * nothing of either daemon's schema (the CLI may not include the daemons'
 * files): the tables come from sqlite_master, their order from the
 * foreign keys, the columns from both databases' catalogues.
 *
 * Owns: the order of the tables, the check that every source column has a
 * destination column, the check that the destination holds no data yet,
 * the multi-row copy, the identity sequences set past the copied ids, and
 * the row counts compared table by table.
 * Does not own: the transaction on the destination (the caller begins and
 * commits it, so several databases go in one), the schemas (the daemons'
 * --migrate-only creates them), the locks on the data directory
 * (commands_migrate.c).
 */
#ifndef CONVENE_CLI_MIGRATE_COPY_H
#define CONVENE_CLI_MIGRATE_COPY_H

#include <stddef.h>
#include <stdint.h>

#include "common/result.h"
#include "common/store_sql.h"
#include "common/strbuf.h"

/* One copied table: its name and the rows found in both databases after
 * the copy (equal, or the copy failed). */
typedef struct {
    char *table;
    int64_t rows;
} migrate_table_count;

typedef struct {
    migrate_table_count *tables;
    size_t count;
} migrate_counts;

/* Copies every table of `source` into `destination`, inside the
 * transaction the caller has begun there. The destination's tables must
 * hold nothing but the rows the schema's own migration wrote (`component`
 * names it: its row in schema_version was written by the same
 * transaction); those are replaced by the source's. Appends one entry per
 * table to `counts`. On failure `error` says which table and why, and the
 * caller rolls back. */
cv_result migrate_copy(store_db *source, store_db *destination, const char *component,
                       migrate_counts *counts, strbuf *error);

void migrate_counts_free(migrate_counts *counts);

#endif
