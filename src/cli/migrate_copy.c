/*
 * migrate_copy.c - copying an SQLite database's tables into PostgreSQL for
 * `convene migrate`; see migrate_copy.h.
 *
 * Owns: reading the source's tables, columns and foreign keys from
 * SQLite's catalogue, ordering the tables so a referenced table is copied
 * before the tables referring to it, the destination checks, the batched
 * INSERTs, the sequences and the counts.
 * Does not own: the transaction, the schemas, the data directory's locks.
 */
#include "cli/migrate_copy.h"

#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* Rows per INSERT: one statement (one round trip) per batch, and never
 * more parameters than either database takes in one statement (SQLite's
 * 32,766 is the smaller limit, PostgreSQL's 65,535). */
#define BATCH_ROWS       500
#define BATCH_PARAMETERS 30000

typedef struct {
    char *name;
    char **columns; /* in the source's order */
    size_t column_count;
    char **references; /* tables this one's foreign keys point at */
    size_t reference_count;
    int64_t rows; /* in the source */
} source_table;

typedef struct {
    source_table *items;
    size_t count;
} table_list;

static void free_names(char **names, size_t count)
{
    for (size_t i = 0; i < count; i++)
        free(names[i]);
    free(names);
}

static void free_tables(table_list *list)
{
    for (size_t i = 0; i < list->count; i++) {
        free(list->items[i].name);
        free_names(list->items[i].columns, list->items[i].column_count);
        free_names(list->items[i].references, list->items[i].reference_count);
    }
    free(list->items);
    list->items = NULL;
    list->count = 0;
}

void migrate_counts_free(migrate_counts *counts)
{
    for (size_t i = 0; i < counts->count; i++)
        free(counts->tables[i].table);
    free(counts->tables);
    counts->tables = NULL;
    counts->count = 0;
}

/* Appends `name` as a quoted SQL identifier ("a""b" for a"b): names come
 * from a catalogue, but are never trusted to be plain words. */
static void append_identifier(strbuf *sql, const char *name)
{
    strbuf_append_char(sql, '"');
    for (const char *c = name; *c; c++) {
        if (*c == '"')
            strbuf_append_char(sql, '"');
        strbuf_append_char(sql, *c);
    }
    strbuf_append_char(sql, '"');
}

/* The failure of `db` as one line of `error`, with what was being done. */
static cv_result database_failure(store_db *db, const char *doing, const char *table, strbuf *error)
{
    cv_result result = store_db_error(db) != CV_OK ? store_db_error(db) : CV_ERR_STORE;
    strbuf_printf(error, "%s%s%s: %s", doing, table ? " " : "", table ? table : "",
                  store_db_message(db)[0] ? store_db_message(db) : cv_result_name(result));
    return result;
}

/* Runs `sql` with `parameter` bound to ?1 (NULL: none) and collects the
 * first column of every row into *names. */
static cv_result read_names(store_db *db, const char *sql, const char *parameter, char ***names,
                            size_t *count, strbuf *error)
{
    *names = NULL;
    *count = 0;
    store_stmt *st = store_db_statement(db, sql);
    if (!st)
        return database_failure(db, "reading the catalogue of", parameter, error);
    if (parameter)
        store_bind_text(st, 1, parameter);
    store_step_state state = STORE_DONE;
    cv_result result = CV_OK;
    while (result == CV_OK && (state = store_step(st)) == STORE_ROW) {
        const char *name = store_column_text(st, 0);
        char **grown = realloc(*names, (*count + 1) * sizeof **names);
        if (!grown || !name || !(grown[*count] = strdup(name))) {
            if (grown)
                *names = grown;
            result = CV_ERR_NO_MEMORY;
            strbuf_printf(error, "out of memory");
            break;
        }
        *names = grown;
        (*count)++;
    }
    if (result == CV_OK && state == STORE_FAILED)
        result = database_failure(db, "reading the catalogue of", parameter, error);
    store_stmt_done(st);
    return result;
}

/* A count(*) or other single number; `parameter` bound to ?1 when given. */
static cv_result read_number(store_db *db, const char *sql, const char *parameter, int64_t *number,
                             const char *table, strbuf *error)
{
    store_stmt *st = store_db_statement(db, sql);
    if (!st)
        return database_failure(db, "counting the rows of", table, error);
    if (parameter)
        store_bind_text(st, 1, parameter);
    store_step_state state = store_step(st);
    *number = state == STORE_ROW ? store_column_int64(st, 0) : 0;
    cv_result result = CV_OK;
    if (state == STORE_FAILED)
        result = database_failure(db, "counting the rows of", table, error);
    store_stmt_done(st);
    return result;
}

static cv_result count_rows(store_db *db, const char *table, int64_t *rows, strbuf *error)
{
    strbuf sql = STRBUF_INIT;
    strbuf_append_str(&sql, "SELECT count(*) FROM ");
    append_identifier(&sql, table);
    cv_result result = strbuf_status(&sql) == CV_OK
                           ? read_number(db, strbuf_str(&sql), NULL, rows, table, error)
                           : CV_ERR_NO_MEMORY;
    strbuf_free(&sql);
    return result;
}

/* Every table of the source (SQLite's own excluded) with its columns, the
 * tables its foreign keys point at, and its row count. */
static cv_result read_source(store_db *source, table_list *list, strbuf *error)
{
    char **names = NULL;
    size_t count = 0;
    cv_result result = read_names(source,
                                  "SELECT name FROM sqlite_master WHERE type = 'table'"
                                  " AND name NOT LIKE 'sqlite\\_%' ESCAPE '\\' ORDER BY name",
                                  NULL, &names, &count, error);
    list->items = result == CV_OK && count ? calloc(count, sizeof *list->items) : NULL;
    if (result == CV_OK && count && !list->items)
        result = CV_ERR_NO_MEMORY;
    for (size_t i = 0; result == CV_OK && i < count; i++) {
        source_table *table = &list->items[list->count++];
        table->name = names[i];
        names[i] = NULL;
        result = read_names(source, "SELECT name FROM pragma_table_info(?1) ORDER BY cid",
                            table->name, &table->columns, &table->column_count, error);
        if (result == CV_OK)
            result =
                read_names(source, "SELECT DISTINCT \"table\" FROM pragma_foreign_key_list(?1)",
                           table->name, &table->references, &table->reference_count, error);
        if (result == CV_OK)
            result = count_rows(source, table->name, &table->rows, error);
    }
    free_names(names, count);
    return result;
}

static bool is_placed(const table_list *list, const size_t *order, size_t placed, const char *name)
{
    for (size_t i = 0; i < placed; i++)
        if (strcmp(list->items[order[i]].name, name) == 0)
            return true;
    return false;
}

/* order[]: the indexes of the tables, each after every table it refers to
 * (a reference to itself or to a table outside the database is ignored).
 * A cycle of references cannot be ordered: CV_ERR_INVALID. */
static cv_result order_tables(const table_list *list, size_t *order, strbuf *error)
{
    size_t placed = 0;
    while (placed < list->count) {
        size_t before = placed;
        for (size_t i = 0; i < list->count; i++) {
            const source_table *table = &list->items[i];
            bool ready = !is_placed(list, order, placed, table->name);
            for (size_t r = 0; ready && r < table->reference_count; r++) {
                const char *target = table->references[r];
                bool inside = false;
                for (size_t t = 0; t < list->count; t++)
                    inside = inside || strcmp(list->items[t].name, target) == 0;
                ready = !inside || strcmp(target, table->name) == 0 ||
                        is_placed(list, order, placed, target);
            }
            if (ready)
                order[placed++] = i;
        }
        if (placed == before) {
            strbuf_printf(error, "the tables' foreign keys form a cycle; cannot order the copy");
            return CV_ERR_INVALID;
        }
    }
    return CV_OK;
}

/* The destination has `table` with every column of the source; *sequenced
 * receives the columns numbered by a sequence (identity or serial). */
static cv_result check_destination(store_db *destination, const source_table *table,
                                   char ***sequenced, size_t *sequenced_count, strbuf *error)
{
    char **columns = NULL;
    size_t count = 0;
    cv_result result = read_names(destination,
                                  "SELECT column_name FROM information_schema.columns"
                                  " WHERE table_schema = current_schema() AND table_name = ?1",
                                  table->name, &columns, &count, error);
    if (result == CV_OK && count == 0) {
        strbuf_printf(error, "the destination has no table %s (is its schema the source's?)",
                      table->name);
        result = CV_ERR_INVALID;
    }
    for (size_t i = 0; result == CV_OK && i < table->column_count; i++) {
        bool found = false;
        for (size_t j = 0; j < count && !found; j++)
            found = strcmp(columns[j], table->columns[i]) == 0;
        if (!found) {
            strbuf_printf(error, "the destination's table %s has no column %s", table->name,
                          table->columns[i]);
            result = CV_ERR_INVALID;
        }
    }
    free_names(columns, count);
    if (result == CV_OK)
        result = read_names(destination,
                            "SELECT column_name FROM information_schema.columns"
                            " WHERE table_schema = current_schema() AND table_name = ?1"
                            " AND (is_identity = 'YES' OR column_default LIKE 'nextval(%')",
                            table->name, sequenced, sequenced_count, error);
    return result;
}

/* Rows of `table` on the destination that its schema's migration did not
 * write: any is data already there, and nothing is merged into data. */
static cv_result count_data_rows(store_db *destination, const char *table, const char *component,
                                 int64_t *rows, strbuf *error)
{
    strbuf sql = STRBUF_INIT;
    strbuf_append_str(&sql, "SELECT count(*) FROM ");
    append_identifier(&sql, table);
    /* xmin: the transaction that wrote the row version; the migration wrote
     * its seed rows and its schema_version row in one transaction. */
    strbuf_append_str(&sql, " WHERE xmin IS DISTINCT FROM"
                            " (SELECT xmin FROM schema_version WHERE component = ?1)");
    cv_result result = strbuf_status(&sql) == CV_OK ? read_number(destination, strbuf_str(&sql),
                                                                  component, rows, table, error)
                                                    : CV_ERR_NO_MEMORY;
    strbuf_free(&sql);
    return result;
}

/* Runs one statement of text "<head> <identifier> <tail>" on `db`. */
static cv_result run_on_table(store_db *db, const char *head, const char *table, const char *tail,
                              strbuf *error)
{
    strbuf sql = STRBUF_INIT;
    strbuf_printf(&sql, "%s ", head);
    append_identifier(&sql, table);
    strbuf_append_str(&sql, tail);
    cv_result result = strbuf_status(&sql);
    if (result == CV_OK && (result = store_db_exec(db, strbuf_str(&sql))) != CV_OK)
        database_failure(db, "changing the destination's table", table, error);
    strbuf_free(&sql);
    return result;
}

/* "INSERT INTO t (a, b) OVERRIDING SYSTEM VALUE VALUES (?1, ?2), …" for
 * `rows` rows: the source's ids are kept, identity columns included. */
static cv_result insert_sql(const source_table *table, int rows, strbuf *sql)
{
    strbuf_append_str(sql, "INSERT INTO ");
    append_identifier(sql, table->name);
    strbuf_append_str(sql, " (");
    char *row = malloc(table->column_count + 1); /* "rr…r": each value the row's own */
    if (!row)
        return CV_ERR_NO_MEMORY;
    for (size_t i = 0; i < table->column_count; i++) {
        if (i)
            strbuf_append_str(sql, ", ");
        append_identifier(sql, table->columns[i]);
        row[i] = 'r';
    }
    row[table->column_count] = '\0';
    strbuf_append_str(sql, ") OVERRIDING SYSTEM VALUE");
    cv_result result = store_sql_append_values(sql, row, 0, rows);
    free(row);
    return result;
}

/* Binds the source row in `from` as row `row` of the batch `to`. Values go
 * as their kind in SQLite: integers as numbers (PostgreSQL reads 0/1 into
 * a boolean column), texts and blobs as bytes; a real goes as SQLite's
 * text of it (neither schema has a real column). */
static void bind_row(store_stmt *from, store_stmt *to, int row, size_t columns)
{
    for (size_t i = 0; i < columns; i++) {
        int parameter = row * (int)columns + (int)i + 1;
        switch (store_column_type(from, (int)i)) {
        case STORE_NULL:
            store_bind_null(to, parameter);
            break;
        case STORE_INTEGER:
            store_bind_int64(to, parameter, store_column_int64(from, (int)i));
            break;
        case STORE_BLOB:
            store_bind_blob(to, parameter, store_column_blob(from, (int)i),
                            store_column_bytes(from, (int)i));
            break;
        default: {
            const char *text = store_column_text(from, (int)i);
            store_bind_text_length(to, parameter, text, store_column_bytes(from, (int)i));
        }
        }
    }
}

/* Copies the source's rows of `table`, up to BATCH_ROWS per INSERT. */
static cv_result copy_rows(store_db *source, store_db *destination, const source_table *table,
                           strbuf *error)
{
    size_t limit = BATCH_PARAMETERS / (table->column_count ? table->column_count : 1);
    int batch = (int)(limit < BATCH_ROWS ? (limit ? limit : 1) : BATCH_ROWS);
    strbuf sql = STRBUF_INIT;
    strbuf_append_str(&sql, "SELECT ");
    for (size_t i = 0; i < table->column_count; i++) {
        if (i)
            strbuf_append_str(&sql, ", ");
        append_identifier(&sql, table->columns[i]);
    }
    strbuf_append_str(&sql, " FROM ");
    append_identifier(&sql, table->name);
    store_stmt *from =
        strbuf_status(&sql) == CV_OK ? store_db_statement(source, strbuf_str(&sql)) : NULL;
    strbuf_free(&sql);
    if (!from)
        return database_failure(source, "reading the source's table", table->name, error);
    cv_result result = CV_OK;
    for (int64_t left = table->rows; result == CV_OK && left > 0;) {
        int rows = left < batch ? (int)left : batch;
        strbuf insert = STRBUF_INIT;
        store_stmt *to = insert_sql(table, rows, &insert) == CV_OK
                             ? store_db_statement(destination, strbuf_str(&insert))
                             : NULL;
        strbuf_free(&insert);
        if (!to)
            return database_failure(destination, "writing the table", table->name, error);
        for (int row = 0; row < rows; row++) {
            if (store_step(from) != STORE_ROW) {
                store_stmt_done(to);
                store_stmt_done(from);
                strbuf_printf(error, "the source's table %s changed while it was copied",
                              table->name);
                return CV_ERR_CONFLICT;
            }
            bind_row(from, to, row, table->column_count);
        }
        if ((result = store_stmt_run(to)) != CV_OK)
            database_failure(destination, "writing the table", table->name, error);
        left -= rows;
    }
    store_stmt_done(from);
    return result;
}

/* Each sequence of the table set so the next id is past the copied ones. */
static cv_result set_sequences(store_db *destination, const char *table, char **columns,
                               size_t count, strbuf *error)
{
    cv_result result = CV_OK;
    for (size_t i = 0; result == CV_OK && i < count; i++) {
        strbuf sql = STRBUF_INIT;
        strbuf_append_str(&sql, "SELECT setval(pg_get_serial_sequence(quote_ident(?1), ?2),"
                                " COALESCE((SELECT max(");
        append_identifier(&sql, columns[i]);
        strbuf_append_str(&sql, ") FROM ");
        append_identifier(&sql, table);
        strbuf_append_str(&sql, "), 0) + 1, false)");
        store_stmt *st =
            strbuf_status(&sql) == CV_OK ? store_db_statement(destination, strbuf_str(&sql)) : NULL;
        strbuf_free(&sql);
        if (!st)
            return database_failure(destination, "setting the sequence of", table, error);
        store_bind_text(st, 1, table);
        store_bind_text(st, 2, columns[i]);
        if ((result = store_stmt_run(st)) != CV_OK)
            database_failure(destination, "setting the sequence of", table, error);
    }
    return result;
}

static cv_result add_count(migrate_counts *counts, const char *table, int64_t rows)
{
    migrate_table_count *grown =
        realloc(counts->tables, (counts->count + 1) * sizeof *counts->tables);
    if (!grown)
        return CV_ERR_NO_MEMORY;
    counts->tables = grown;
    if (!(grown[counts->count].table = strdup(table)))
        return CV_ERR_NO_MEMORY;
    grown[counts->count++].rows = rows;
    return CV_OK;
}

/* Step 1 on the destination, for every table before any is written: it
 * exists with the source's columns and holds no data. */
static cv_result check_all(store_db *destination, const table_list *list, const char *component,
                           strbuf *error)
{
    cv_result result = CV_OK;
    for (size_t i = 0; result == CV_OK && i < list->count; i++) {
        char **sequenced = NULL;
        size_t sequenced_count = 0;
        int64_t data = 0;
        result =
            check_destination(destination, &list->items[i], &sequenced, &sequenced_count, error);
        free_names(sequenced, sequenced_count);
        if (result == CV_OK)
            result = count_data_rows(destination, list->items[i].name, component, &data, error);
        if (result == CV_OK && data > 0) {
            strbuf_printf(error,
                          "the destination already holds data (table %s: %lld rows): convene "
                          "migrate copies into an empty database only (nothing was changed)",
                          list->items[i].name, (long long)data);
            result = CV_ERR_CONFLICT;
        }
    }
    return result;
}

/* Step 2 for one table (its seed rows already deleted): the rows, the
 * sequences, the counts compared. */
static cv_result copy_table(store_db *source, store_db *destination, const source_table *table,
                            migrate_counts *counts, strbuf *error)
{
    char **sequenced = NULL;
    size_t sequenced_count = 0;
    int64_t copied = 0;
    cv_result result = check_destination(destination, table, &sequenced, &sequenced_count, error);
    if (result == CV_OK)
        result = copy_rows(source, destination, table, error);
    if (result == CV_OK)
        result = set_sequences(destination, table->name, sequenced, sequenced_count, error);
    free_names(sequenced, sequenced_count);
    if (result == CV_OK)
        result = count_rows(destination, table->name, &copied, error);
    if (result == CV_OK && copied != table->rows) {
        strbuf_printf(error, "table %s: %lld rows in the source, %lld in the destination",
                      table->name, (long long)table->rows, (long long)copied);
        result = CV_ERR_STORE;
    }
    if (result == CV_OK && add_count(counts, table->name, copied) != CV_OK)
        result = CV_ERR_NO_MEMORY;
    return result;
}

cv_result migrate_copy(store_db *source, store_db *destination, const char *component,
                       migrate_counts *counts, strbuf *error)
{
    table_list list = {0};
    cv_result result = read_source(source, &list, error);
    size_t *order = result == CV_OK ? calloc(list.count + 1, sizeof *order) : NULL;
    if (result == CV_OK && !order)
        result = CV_ERR_NO_MEMORY;
    if (result == CV_OK)
        result = order_tables(&list, order, error);
    if (result == CV_OK)
        result = check_all(destination, &list, component, error);
    /* The triggers (e.g. row counters) stay off while the rows go in: the
     * source's rows already hold what they would compute. The seed rows
     * go, last referred-to first, then the source's rows come in. */
    for (size_t i = 0; result == CV_OK && i < list.count; i++)
        result = run_on_table(destination, "ALTER TABLE", list.items[i].name,
                              " DISABLE TRIGGER USER", error);
    for (size_t i = list.count; result == CV_OK && i > 0; i--)
        result = run_on_table(destination, "DELETE FROM", list.items[order[i - 1]].name, "", error);
    for (size_t i = 0; result == CV_OK && i < list.count; i++)
        result = copy_table(source, destination, &list.items[order[i]], counts, error);
    for (size_t i = 0; result == CV_OK && i < list.count; i++)
        result = run_on_table(destination, "ALTER TABLE", list.items[i].name,
                              " ENABLE TRIGGER USER", error);
    if (result == CV_ERR_NO_MEMORY && strbuf_str(error)[0] == '\0')
        strbuf_printf(error, "out of memory");
    free(order);
    free_tables(&list);
    return result;
}
