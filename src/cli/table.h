/*
 * table.h - human-readable output: aligned tables with a header row, and
 * "Label:  value" detail blocks.
 *
 * Owns: column widths (counted in UTF-8 characters), copying cell text,
 * and neutralising control characters so that text from the server can
 * never move the terminal's cursor. Does not own: what the columns are
 * (each command decides) or JSON (json_view.h turns values into text).
 */
#ifndef CONVENE_CLI_TABLE_H
#define CONVENE_CLI_TABLE_H

#include <stddef.h>
#include <stdio.h>

#include "common/result.h"

typedef struct table table;

/* NULL when out of memory. `headers` has `column_count` entries. */
table *table_create(size_t column_count, const char *const *headers);
/* Copies `column_count` cells (NULL cells print as "-"). A NULL `rows`
 * (table_create out of memory) gives CV_ERR_NO_MEMORY, so callers check
 * once per row; printing a NULL table prints nothing. */
cv_result table_add_row(table *rows, const char *const *cells);
size_t table_row_count(const table *rows);
/* Columns separated by two spaces; the last column is not padded. */
void table_print(const table *rows, FILE *out);
/* The same with every line indented by `indent` spaces. */
void table_print_indented(const table *rows, FILE *out, int indent);
void table_free(table *rows);

/* One "Label:" padded to `label_width` columns, then the value. */
void detail_line(FILE *out, int label_width, const char *label, const char *value);

/* The number of characters (not bytes) `text` shows as. */
size_t display_width(const char *text);

#endif
