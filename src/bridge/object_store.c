/*
 * object_store.c - the generic create/modify/list/get/delete engine for
 * stored configuration objects; see object_store.h for what it owns. This
 * file is its core: IDs and paths, the statement helpers every
 * object_store_*.c file uses, rendering a row, object_read_all and the
 * questions other modules ask (existence, counts). Reads (and the reply
 * cache) are in object_store_read.c, writes in object_store_write.c, the
 * space-call claims in object_store_claims.c.
 *
 * Every query is built from the type's description with the type's own
 * table and column names only (never from request text) and run through
 * prepared statements with bound values, on SQLite or PostgreSQL alike
 * (common/store_sql.h). Each write is one transaction with the database's
 * single writer lock (store_db_begin), so a request never sees another's
 * half-applied change and the 200 is sent only after the commit returned.
 * Prepared statements are kept with their pooled connection (see
 * object_store_prepare()). Rendered collection pages are kept too, on
 * SQLite (object_store_read.c, "the reply cache").
 */
#include "bridge/object_store.h"

#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "bridge/object_store_internal.h"
#include "common/log.h"
#include "common/store_sql.h"
#include "common/text.h"
#include "common/xml_writer.h"

const char *const object_layout_values[] = {"allEqual",           "speakerOnly",
                                            "telepresence",       "stacked",
                                            "allEqualQuarters",   "allEqualNinths",
                                            "allEqualSixteenths", "allEqualTwentyFifths",
                                            "onePlusFive",        "onePlusSeven",
                                            "onePlusNine",        "automatic",
                                            "onePlusN",           NULL};

bool object_canonical_id(const char *text, char out[ID_TEXT_SIZE])
{
    if (!id_is_valid(text))
        return false;
    for (size_t i = 0; i < ID_TEXT_SIZE; i++)
        out[i] = (char)tolower((unsigned char)text[i]);
    return true;
}

/* --- paths ---------------------------------------------------------------- */

static size_t count_segments(const char *path)
{
    size_t count = 1;
    for (; *path; path++)
        if (*path == '/')
            count++;
    return count;
}

/* Index of the parent's ID in the path (types with a parent only). */
size_t object_store_parent_id_segment(const object_type *type)
{
    return count_segments(type->parent_prefix);
}

/* Index of the object's own ID in the path. */
static size_t own_id_segment(const object_type *type)
{
    size_t depth = count_segments(type->collection);
    if (type->parent_prefix)
        depth += object_store_parent_id_segment(type) + 1;
    return depth;
}

/* --- statements -------------------------------------------------------------- */

int object_store_add_binding(binding_list *bindings, const char *text)
{
    if (bindings->count == MAX_BINDINGS)
        return -1;
    bindings->texts[bindings->count++] = text;
    return (int)bindings->count;
}

/* Statements are kept with their connection and found again by their SQL
 * text (the connection's statement cache, store_db_statement), so the hot
 * queries are prepared once per pooled connection. The marker keeps our
 * texts apart from other modules'. Every statement is released before
 * another with the same text is asked for; they all go with the
 * connection. */
#define STATEMENT_MARKER "/* object_store */ "

cv_result object_store_prepare(api_call *call, const strbuf *sql, store_stmt **out)
{
    strbuf marked = STRBUF_INIT;
    strbuf_append_str(&marked, STATEMENT_MARKER);
    strbuf_append_str(&marked, strbuf_str(sql));
    if (strbuf_status(sql) != CV_OK || strbuf_status(&marked) != CV_OK) {
        strbuf_free(&marked);
        return CV_ERR_NO_MEMORY;
    }
    *out = store_db_statement(call->database, strbuf_str(&marked));
    strbuf_free(&marked);
    return *out ? CV_OK : store_db_error(call->database);
}

/* Gives a statement back for the next request on this connection. */
void object_store_release(store_stmt *statement)
{
    store_stmt_done(statement);
}

void object_store_bind_texts(store_stmt *statement, const binding_list *bindings)
{
    for (size_t i = 0; i < bindings->count; i++)
        store_bind_text(statement, (int)i + 1, bindings->texts[i]);
}

/* Replies for a store failure: 503 when the database is locked too long
 * or cannot be reached (a PostgreSQL restart): both are worth a retry. */
void object_store_fail(api_call *call, cv_result result, const char *what)
{
    if (result == CV_ERR_BUSY || result == CV_ERR_NETWORK)
        api_fail(call, 503, "databaseNotReady");
    else if (result == CV_ERR_NO_MEMORY)
        api_fail(call, 503, "outOfMemory");
    else
        api_fail_internal(call, what);
}

/* Does a row with this ID exist in `table` (optionally under a parent)? */
cv_result object_store_row_exists(api_call *call, const char *table, const char *id,
                                  const char *parent_column, const char *parent_id, bool *exists)
{
    strbuf sql = STRBUF_INIT;
    strbuf_printf(&sql, "SELECT 1 FROM %s WHERE id = ?1", table);
    if (parent_column)
        strbuf_printf(&sql, " AND %s = ?2", parent_column);
    store_stmt *statement = NULL;
    cv_result result = object_store_prepare(call, &sql, &statement);
    strbuf_free(&sql);
    if (result != CV_OK)
        return result;
    store_bind_text(statement, 1, id);
    if (parent_column)
        store_bind_text(statement, 2, parent_id);
    store_step_state state = store_step(statement);
    *exists = state == STORE_ROW;
    result = state == STORE_FAILED ? store_stmt_error(statement) : CV_OK;
    object_store_release(statement);
    return result;
}

/* Reads the parent ID from the path and checks the parent exists; replies
 * 404 and returns false otherwise. */
bool object_store_read_parent(api_call *call, const object_type *type, char parent[ID_TEXT_SIZE])
{
    size_t segment = object_store_parent_id_segment(type);
    const char *text = segment < call->segment_count ? call->segments[segment] : NULL;
    if (!object_canonical_id(text, parent)) {
        api_fail_not_found(call, type->parent_missing_reason);
        return false;
    }
    bool exists = false;
    cv_result result =
        object_store_row_exists(call, type->parent_table, parent, NULL, NULL, &exists);
    if (result != CV_OK) {
        object_store_fail(call, result, "parent lookup");
        return false;
    }
    if (!exists) {
        api_fail_not_found(call, type->parent_missing_reason);
        return false;
    }
    return true;
}

bool object_store_read_own_id(api_call *call, const object_type *type, char id[ID_TEXT_SIZE])
{
    if (type->singleton_id) {
        snprintf(id, ID_TEXT_SIZE, "%s", type->singleton_id);
        return true;
    }
    size_t segment = own_id_segment(type);
    const char *text = segment < call->segment_count ? call->segments[segment] : NULL;
    if (!object_canonical_id(text, id)) {
        api_fail_not_found(call, type->missing_reason);
        return false;
    }
    return true;
}

/* --- rendering ---------------------------------------------------------------- */

bool object_store_field_is_stored(const field_descriptor *field)
{
    return field->column != NULL && !(field->flags & FIELD_WRITE_ONLY);
}

/* Appends "o.col, o.col, ..." for the fields to show; `all` false: list ones. */
void object_store_append_shown_columns(strbuf *sql, const object_type *type, bool all)
{
    for (size_t i = 0; i < type->field_count; i++) {
        const field_descriptor *field = &type->fields[i];
        if (!object_store_field_is_stored(field) || (!all && !(field->flags & FIELD_IN_LIST)))
            continue;
        strbuf_printf(sql, ", o.%s", field->column);
    }
}

/* Renders one row (columns from `first`, in the order append_shown_columns
 * wrote them) as the type's fields. */
void object_store_render_fields(strbuf *out, const object_type *type, bool all, store_stmt *row,
                                int first)
{
    int column = first;
    for (size_t i = 0; i < type->field_count; i++) {
        const field_descriptor *field = &type->fields[i];
        if (!object_store_field_is_stored(field) || (!all && !(field->flags & FIELD_IN_LIST)))
            continue;
        int index = column++;
        if (store_column_type(row, index) == STORE_NULL) {
            if (field->flags & FIELD_ALWAYS_SHOWN)
                xml_text_element(out, field->name, "");
            continue;
        }
        if (field->type == FIELD_BOOL)
            xml_bool_element(out, field->name, store_column_int64(row, index) != 0);
        else if (field->type == FIELD_INT)
            xml_int_element(out, field->name, store_column_int64(row, index));
        else
            xml_text_element(out, field->name, store_column_text(row, index));
    }
}

/* --- reading for other modules ------------------------------------------------------ */

#define MAX_READ_FIELDS 64

/* One row as object_read_all's values; `texts` holds the converted numbers. */
static void row_values(const object_type *type, store_stmt *row, const char **values,
                       char texts[][24])
{
    int column = 1;
    for (size_t i = 0; i < type->field_count && i < MAX_READ_FIELDS; i++) {
        const field_descriptor *field = &type->fields[i];
        values[i] = NULL;
        if (!object_store_field_is_stored(field))
            continue;
        int index = column++;
        if (store_column_type(row, index) == STORE_NULL)
            continue;
        if (field->type == FIELD_BOOL) {
            values[i] = store_column_int64(row, index) ? "true" : "false";
        } else if (field->type == FIELD_INT) {
            snprintf(texts[i], sizeof texts[i], "%lld", (long long)store_column_int64(row, index));
            values[i] = texts[i];
        } else {
            values[i] = store_column_text(row, index);
        }
    }
}

cv_result object_read_all(store_db *database, const object_type *type, const char *id,
                          object_visitor visit, void *context)
{
    if (type->field_count > MAX_READ_FIELDS)
        return CV_ERR_INVALID;
    char key[ID_TEXT_SIZE];
    if (id && !object_canonical_id(id, key))
        return CV_OK; /* no such object can exist */
    strbuf sql = STRBUF_INIT;
    strbuf_append_str(&sql, "SELECT o.id");
    object_store_append_shown_columns(&sql, type, true);
    strbuf_printf(&sql, " FROM %s AS o%s ORDER BY o.seq", type->table,
                  id ? " WHERE o.id = ?1" : "");
    store_stmt *statement =
        strbuf_status(&sql) == CV_OK ? store_db_statement(database, strbuf_str(&sql)) : NULL;
    cv_result result = strbuf_status(&sql) != CV_OK ? CV_ERR_NO_MEMORY
                       : statement                  ? CV_OK
                                                    : store_db_error(database);
    strbuf_free(&sql);
    if (result != CV_OK)
        return result;
    if (id)
        store_bind_text(statement, 1, key);
    const char *values[MAX_READ_FIELDS];
    char texts[MAX_READ_FIELDS][24];
    store_step_state state;
    while ((state = store_step(statement)) == STORE_ROW) {
        row_values(type, statement, values, texts);
        if (visit(context, store_column_text(statement, 0), values) != 0)
            break;
    }
    result = state == STORE_FAILED ? store_stmt_error(statement) : CV_OK;
    store_stmt_done(statement);
    return result;
}

/* --- questions other modules ask about stored objects ------------------------- */

/* Runs one statement with text parameters (NULL entries are left unbound);
 * a row sets *found (when given); a row or none is success.
 * `first_integer` (may be NULL) gets column 0 of the row. */
cv_result object_store_run(store_db *database, const char *sql, const char *const *texts,
                           size_t count, bool *found, int64_t *first_integer)
{
    store_stmt *statement = store_db_statement(database, sql);
    if (!statement)
        return store_db_error(database);
    for (size_t i = 0; i < count; i++)
        if (texts[i])
            store_bind_text(statement, (int)i + 1, texts[i]);
    store_step_state state = store_step(statement);
    if (found)
        *found = state == STORE_ROW;
    if (first_integer)
        *first_integer = state == STORE_ROW ? store_column_int64(statement, 0) : 0;
    cv_result result = state == STORE_FAILED ? store_stmt_error(statement) : CV_OK;
    store_stmt_done(statement);
    return result;
}

bool object_store_copy_text(store_stmt *statement, int column, char **out)
{
    const char *text = store_column_text(statement, column);
    if (!text) {
        *out = NULL;
        /* A NULL text for a value that is not NULL: the database ran out
         * of memory. */
        return store_column_type(statement, column) == STORE_NULL;
    }
    *out = strdup(text);
    return *out != NULL;
}

cv_result object_exists(store_db *database, const object_type *type, const char *id, bool *exists)
{
    char key[ID_TEXT_SIZE];
    *exists = false;
    if (!object_canonical_id(id, key))
        return CV_OK;
    char sql[160];
    snprintf(sql, sizeof sql, "SELECT 1 FROM %s WHERE id = ?1", type->table);
    const char *texts[] = {key};
    return object_store_run(database, sql, texts, 1, exists, NULL);
}

cv_result object_count_under(store_db *database, const object_type *child_type,
                             const char *parent_id, int64_t *count)
{
    char sql[160];
    snprintf(sql, sizeof sql, "SELECT count(*) FROM %s WHERE %s = ?1", child_type->table,
             child_type->parent_column);
    const char *texts[] = {parent_id};
    return object_store_run(database, sql, texts, 1, NULL, count);
}

cv_result object_total(store_db *database, const object_type *type, int64_t *total)
{
    bool found = false;
    const char *texts[] = {type->table};
    cv_result result =
        object_store_run(database, "SELECT total FROM object_counts WHERE object_table = ?1", texts,
                         1, &found, total);
    return result == CV_OK && !found ? CV_ERR_NOT_FOUND : result;
}
