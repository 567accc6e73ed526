/*
 * object_store_internal.h - what the object_store_*.c files share with
 * each other and nobody else: the statement helpers (prepared statements
 * kept with their pooled connection), the path and rendering helpers of
 * an object_type, and the one-statement runner of the questions.
 *
 * Owns: these declarations. Does not own: the engine's public interface
 * (object_store.h). Only the object_store_*.c files include it, so the
 * bridge's SQL stays in that family.
 */
#ifndef CONVENE_BRIDGE_OBJECT_STORE_INTERNAL_H
#define CONVENE_BRIDGE_OBJECT_STORE_INTERNAL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "bridge/object_store.h"
#include "common/store_sql.h"
#include "common/text.h"

#define MAX_BINDINGS 16

/* Texts bound in order as ?1, ?2, ...; they must outlive the statement's run. */
typedef struct {
    const char *texts[MAX_BINDINGS];
    size_t count;
} binding_list;

/* Appends `text`; returns its parameter number, or -1 when the list is full. */
int object_store_add_binding(binding_list *bindings, const char *text);

/* The statement of `sql` on the call's connection, compiled once per
 * connection and found again by its text; give it back with
 * object_store_release. */
cv_result object_store_prepare(api_call *call, const strbuf *sql, store_stmt **out);

/* Gives a statement back (reset, bindings cleared) for the next request. */
void object_store_release(store_stmt *statement);

void object_store_bind_texts(store_stmt *statement, const binding_list *bindings);

/* Replies for a store failure: 503 when the database is locked too long,
 * cannot be reached or memory is short, else 500 naming `what` in the log. */
void object_store_fail(api_call *call, cv_result result, const char *what);

/* Does a row with this ID exist in `table` (under `parent_id` in
 * `parent_column` when that is not NULL)? */
cv_result object_store_row_exists(api_call *call, const char *table, const char *id,
                                  const char *parent_column, const char *parent_id, bool *exists);

/* Index of the parent's ID among the path's segments (types with a parent). */
size_t object_store_parent_id_segment(const object_type *type);

/* Read the parent's (checked to exist) or the object's own ID from the
 * path; both reply 404 and return false when it is malformed or missing. */
bool object_store_read_parent(api_call *call, const object_type *type, char parent[ID_TEXT_SIZE]);
bool object_store_read_own_id(api_call *call, const object_type *type, char id[ID_TEXT_SIZE]);

/* A field with a column that is shown (not FIELD_WRITE_ONLY). */
bool object_store_field_is_stored(const field_descriptor *field);

/* Appends ", o.col, ..." for the fields to show; `all` false: list ones. */
void object_store_append_shown_columns(strbuf *sql, const object_type *type, bool all);

/* Renders one row (columns from `first`, in the order
 * object_store_append_shown_columns wrote them) as the type's fields. */
void object_store_render_fields(strbuf *out, const object_type *type, bool all, store_stmt *row,
                                int first);

/* Column `column` of the current row as an owned string into *out (NULL
 * for SQL NULL); false when memory ran out (*out is then NULL). */
bool object_store_copy_text(store_stmt *statement, int column, char **out);

/* Runs one statement with text parameters (NULL entries are left
 * unbound); a row sets *found (when given) and *first_integer (when given)
 * to its column 0. A row or none is success. */
cv_result object_store_run(store_db *database, const char *sql, const char *const *texts,
                           size_t count, bool *found, int64_t *first_integer);

#endif
