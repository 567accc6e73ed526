/*
 * bridge_database.h - a bridge configuration database for one cmocka
 * test: a fresh SQLite file in /tmp with the bridge's schema
 * (bridge_schema_migrate) and the test's own rows, removed with its WAL
 * files afterwards. Owns no production code.
 */
#ifndef CONVENE_TEST_BRIDGE_DATABASE_H
#define CONVENE_TEST_BRIDGE_DATABASE_H

#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>

#include "bridge/schema.h"
#include "common/store_sql.h"

typedef struct {
    char path[64];
    store_db *database;
} bridge_database;

/* Opens the database and runs `rows` (SQL, may be NULL) in it; *state
 * receives the bridge_database. A cmocka set-up's answer: 0, or -1. */
static int bridge_database_set_up(void **state, const char *rows)
{
    bridge_database *f = calloc(1, sizeof *f);
    if (!f)
        return -1;
    *state = f;
    snprintf(f->path, sizeof f->path, "/tmp/convene-bridge-test-XXXXXX");
    int descriptor = mkstemp(f->path);
    if (descriptor < 0)
        return -1;
    close(descriptor);
    if (store_db_open(f->path, NULL, &f->database) != CV_OK ||
        bridge_schema_migrate(f->database) != CV_OK)
        return -1;
    return rows && store_db_exec(f->database, rows) != CV_OK ? -1 : 0;
}

static int bridge_database_tear_down(void **state)
{
    bridge_database *f = *state;
    store_db_close(f->database);
    const char *suffixes[] = {"", "-wal", "-shm"};
    for (size_t i = 0; i < sizeof suffixes / sizeof suffixes[0]; i++) {
        char file[80];
        snprintf(file, sizeof file, "%s%s", f->path, suffixes[i]);
        unlink(file);
    }
    free(f);
    return 0;
}

#endif
