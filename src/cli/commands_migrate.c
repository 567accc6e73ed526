/*
 * commands_migrate.c - `convene migrate --from sqlite:DIR --to
 * postgresql://…`: moves the databases a data directory holds (the
 * bridge's bridge.sqlite, convened's convened.db) into one PostgreSQL
 * database, with nothing lost or it changes nothing.
 *
 * The order: each daemon's own `--migrate-only` brings its schema in the
 * source up to date (as its next start would); the directory's locks are
 * taken exclusively (refused while a daemon runs on it); each daemon's
 * `--migrate-only` creates its schema in the destination (the schema is
 * the daemon's, never this program's); then one PostgreSQL transaction
 * copies every table of every database (migrate_copy.c) and commits only
 * when each table's row count matches. Any failure rolls it back.
 *
 * Owns: the command line, which files of the directory are whose, the
 * locks, finding and running the daemons' --migrate-only, the one
 * transaction, the printed counts.
 * Does not own: the copy (migrate_copy.c), the schemas (the daemons).
 */
#include "cli/commands_migrate.h"

#include <errno.h>
#include <stdbool.h>
#include <limits.h>
#include <spawn.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "cli/demo.h"
#include "cli/migrate_copy.h"
#include "common/data_dir.h"
#include "common/store_sql.h"

extern char **environ;

/* The databases a data directory may hold, and whose they are. */
typedef struct {
    const char *file;      /* in DIR */
    const char *component; /* its row in the destination's schema_version */
    const char *program;   /* the daemon whose schema it is */
    const char *build_dir; /* where the build tree keeps it, relative to src/cli */
    const char *lock;      /* the daemon's lock file in DIR */
} installed_database;

static const installed_database DATABASES[] = {
    {"bridge.sqlite", "bridge", "convene-bridge", "../bridge", "bridge.lock"},
    {"convened.db", "scheduler", "convened", "../scheduler", "convened.lock"},
};
#define DATABASE_COUNT (sizeof DATABASES / sizeof DATABASES[0])

typedef struct {
    char *from; /* sqlite:DIR */
    char *to;   /* postgresql://… */
    char *password_file;
    char *binaries[DATABASE_COUNT]; /* --bridge-binary, --scheduler-binary */
} migrate_options;

/* One run's state; every field released by finish(). */
typedef struct {
    migrate_options options;
    const char *directory;        /* after "sqlite:" */
    bool present[DATABASE_COUNT]; /* the file is in the directory */
    int locks[DATABASE_COUNT];
    char binaries[DATABASE_COUNT][PATH_MAX];
    store_db *sources[DATABASE_COUNT];
    store_db *destination;
    char shown[1024]; /* the destination's URL for messages */
    migrate_counts counts[DATABASE_COUNT];
    strbuf error;
} migration;

/* Prints the failure and returns CLI_EXIT_REFUSED. */
static int refuse(migration *run, const char *what)
{
    cli_error("migrate: %s%s%s", what, strbuf_str(&run->error)[0] ? ": " : "",
              strbuf_str(&run->error));
    return CLI_EXIT_REFUSED;
}

/* The directory's locks, exclusively: no daemon may run on it meanwhile
 * (a bridge holds bridge.lock shared, convened convened.lock). */
static int take_locks(migration *run)
{
    for (size_t i = 0; i < DATABASE_COUNT; i++) {
        if (run->present[i] &&
            data_dir_lock(run->directory, DATABASES[i].lock, &run->locks[i], &run->error) != CV_OK)
            return refuse(run, "stop the daemons using the directory first (nothing was changed)");
    }
    return CLI_EXIT_OK;
}

/* Runs `binary --migrate-only` on the destination (--database URL
 * [--database-password-file F]) or, `source` true, on the data directory
 * (--data-dir DIR), and waits for it; its messages go to our stderr. */
static int run_migrate_only(migration *run, size_t index, bool source)
{
    char *argv[] = {run->binaries[index],
                    "--migrate-only",
                    source ? "--data-dir" : "--database",
                    source ? (char *)run->directory : run->options.to,
                    !source && run->options.password_file ? "--database-password-file" : NULL,
                    run->options.password_file,
                    NULL};
    pid_t child;
    int failure = posix_spawn(&child, argv[0], NULL, NULL, argv, environ);
    int status = 0;
    if (failure == 0)
        while (waitpid(child, &status, 0) < 0 && errno == EINTR)
            ;
    if (failure == 0 && WIFEXITED(status) && WEXITSTATUS(status) == 0)
        return CLI_EXIT_OK;
    if (failure)
        strbuf_printf(&run->error, "cannot run %s: %s", argv[0], strerror(failure));
    else
        strbuf_printf(&run->error, "%s --migrate-only %s %d (see its message above)", argv[0],
                      WIFEXITED(status) ? "exited with status" : "was killed by signal",
                      WIFEXITED(status) ? WEXITSTATUS(status) : WTERMSIG(status));
    return refuse(run, source ? "cannot bring the source's schema up to date (nothing was copied)"
                              : "cannot create the schema in the destination (nothing was copied)");
}

/* Finds the daemons and has each bring its schema in the source up to
 * date, as its next start would: both databases then have the schema of
 * the same program, each in its own dialect (the two dialects' version
 * numbers differ, so they are not compared). Before the locks: convened
 * takes its own lock for this. */
static int update_sources(migration *run)
{
    for (size_t i = 0; i < DATABASE_COUNT; i++) {
        if (!run->present[i])
            continue;
        if (!demo_find_binary(run->options.binaries[i], DATABASES[i].program,
                              DATABASES[i].build_dir, run->binaries[i], sizeof run->binaries[i])) {
            strbuf_printf(&run->error, "%s not found (give --%s-binary)", DATABASES[i].program,
                          i == 0 ? "bridge" : "scheduler");
            return refuse(run, "cannot update the schemas");
        }
        int status = run_migrate_only(run, i, true);
        if (status != CLI_EXIT_OK)
            return status;
    }
    return CLI_EXIT_OK;
}

/* Has each daemon create its schema in the destination, then opens every
 * database. */
static int prepare(migration *run)
{
    for (size_t i = 0; i < DATABASE_COUNT; i++) {
        int status = run->present[i] ? run_migrate_only(run, i, false) : CLI_EXIT_OK;
        if (status != CLI_EXIT_OK)
            return status;
    }
    if (store_db_open(run->options.to, run->options.password_file, &run->destination) != CV_OK)
        return refuse(run, "cannot reach the destination (see the message above)");
    for (size_t i = 0; i < DATABASE_COUNT; i++) {
        char path[PATH_MAX];
        snprintf(path, sizeof path, "%s/%s", run->directory, DATABASES[i].file);
        if (run->present[i] && store_db_open(path, NULL, &run->sources[i]) != CV_OK) {
            strbuf_printf(&run->error, "%s", path);
            return refuse(run, "cannot open the source");
        }
    }
    return CLI_EXIT_OK;
}

/* Every present database copied in one transaction on the destination;
 * the sources read in one transaction each (one consistent state). */
static int copy_all(migration *run)
{
    if (store_db_begin(run->destination) != CV_OK) {
        strbuf_printf(&run->error, "%s", store_db_message(run->destination));
        return refuse(run, "cannot begin the transaction on the destination");
    }
    cv_result result = CV_OK;
    for (size_t i = 0; result == CV_OK && i < DATABASE_COUNT; i++) {
        if (!run->present[i])
            continue;
        result = store_db_exec(run->sources[i], "BEGIN");
        if (result == CV_OK)
            result = migrate_copy(run->sources[i], run->destination, DATABASES[i].component,
                                  &run->counts[i], &run->error);
        store_db_exec(run->sources[i], "ROLLBACK"); /* it only read */
    }
    if (result == CV_OK && (result = store_db_commit(run->destination)) != CV_OK)
        strbuf_printf(&run->error, "%s", store_db_message(run->destination));
    if (result != CV_OK) {
        store_db_rollback(run->destination);
        return refuse(run, result == CV_ERR_CONFLICT
                               ? "refused (the destination is unchanged)"
                               : "failed and was rolled back (the destination is unchanged)");
    }
    return CLI_EXIT_OK;
}

static void print_counts(const migration *run)
{
    printf("Moved %s into %s:\n", run->directory, run->shown);
    for (size_t i = 0; i < DATABASE_COUNT; i++) {
        if (!run->present[i])
            continue;
        printf("  %s (%s)\n    %-36s %10s\n", DATABASES[i].file, DATABASES[i].program, "table",
               "rows");
        for (size_t t = 0; t < run->counts[i].count; t++)
            printf("    %-36s %10lld\n", run->counts[i].tables[t].table,
                   (long long)run->counts[i].tables[t].rows);
    }
    printf("Every table's row count matches. Start the daemons with --database %s.\n", run->shown);
}

static void finish(migration *run)
{
    for (size_t i = 0; i < DATABASE_COUNT; i++) {
        store_db_close(run->sources[i]);
        migrate_counts_free(&run->counts[i]);
        /* Our process ID out of the lock file: bridges, which hold it
         * shared, write none, so a later refusal must not name us. */
        int cleared = run->locks[i] >= 0 ? ftruncate(run->locks[i], 0) : 0;
        (void)cleared; /* left in place, it only misleads a message */
        data_dir_unlock(run->locks[i]);
    }
    store_db_close(run->destination);
    strbuf_free(&run->error);
}

/* The directory and which databases it holds; a usage error when the
 * command line is wrong. */
static int check_source(migration *run)
{
    const char *from = run->options.from;
    if (strncmp(from, "sqlite:", 7) != 0 || !from[7])
        return cli_usage_error("migrate", "--from: sqlite:DIR (the daemons' data directory)");
    if (!store_location_is_postgresql(run->options.to))
        return cli_usage_error("migrate", "--to: a postgresql:// URL");
    run->directory = from + 7;
    bool any = false;
    for (size_t i = 0; i < DATABASE_COUNT; i++) {
        char path[PATH_MAX];
        snprintf(path, sizeof path, "%s/%s", run->directory, DATABASES[i].file);
        run->present[i] = access(path, F_OK) == 0;
        any = any || run->present[i];
    }
    if (any)
        return CLI_EXIT_OK;
    strbuf_printf(&run->error, "%s holds neither %s nor %s", run->directory, DATABASES[0].file,
                  DATABASES[1].file);
    return refuse(run, "nothing to move");
}

int command_migrate(cli_context *context, int argc, char **argv)
{
    /* no request to convened (the daemons are stopped): `context` is for
     * the argument parsing only */
    migration run = {.error = STRBUF_INIT};
    for (size_t i = 0; i < DATABASE_COUNT; i++)
        run.locks[i] = -1;
    option_spec specs[] = {
        {"from", OPTION_STRING, &run.options.from, "sqlite:DIR",
         "the data directory the daemons used (bridge.sqlite, convened.db)", 0, 0},
        {"to", OPTION_STRING, &run.options.to, "URL",
         "the PostgreSQL database (postgresql://USER@HOST[:PORT]/DB; no password in it)", 0, 0},
        {"password-file", OPTION_STRING, &run.options.password_file, "FILE",
         "the PostgreSQL password (default: $PGPASSWORD or ~/.pgpass)", 0, 0},
        {"bridge-binary", OPTION_STRING, &run.options.binaries[0], "FILE",
         "convene-bridge, which creates its schema (default: next to convene, else $PATH)", 0, 0},
        {"scheduler-binary", OPTION_STRING, &run.options.binaries[1], "FILE",
         "convened, which creates its schema (default: next to convene, else $PATH)", 0, 0},
    };
    const command_syntax syntax = {
        "migrate --from sqlite:DIR --to postgresql://USER@HOST/DB [--password-file FILE]",
        "Moves an installation from SQLite into PostgreSQL: every table of DIR's\n"
        "databases, in one transaction, after each daemon's --migrate-only has\n"
        "created its schema there. Stop the daemons first; the destination must hold\n"
        "no data. Prints each table's row count once they all match.",
        specs,
        sizeof specs / sizeof specs[0],
        0,
        0,
        "Exit status: 0 moved, 1 refused or failed (the destination is unchanged),\n"
        "2 wrong command line."};
    positional_arguments positional;
    int status;
    if (!cli_parse_arguments(context, "migrate", &syntax, argc, argv, &positional, &status)) {
        config_free(specs, sizeof specs / sizeof specs[0]);
        return status;
    }
    if (!run.options.from || !run.options.to)
        status = cli_usage_error("migrate", "--from and --to are required");
    else if ((status = check_source(&run)) == CLI_EXIT_OK) {
        store_location_masked(run.options.to, run.shown, sizeof run.shown);
        if ((status = update_sources(&run)) == CLI_EXIT_OK &&
            (status = take_locks(&run)) == CLI_EXIT_OK && (status = prepare(&run)) == CLI_EXIT_OK &&
            (status = copy_all(&run)) == CLI_EXIT_OK)
            print_counts(&run);
    }
    finish(&run);
    config_free(specs, sizeof specs / sizeof specs[0]);
    return status;
}
