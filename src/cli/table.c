/*
 * table.c - aligned tables and detail lines; see table.h. Owns the copies
 * of every cell until table_free.
 */
#include "cli/table.h"

#include <stdlib.h>
#include <string.h>

struct table {
    size_t column_count;
    char **headers;
    char **cells; /* row-major, row_count * column_count */
    size_t row_count;
    size_t row_capacity;
};

size_t display_width(const char *text)
{
    size_t width = 0;
    for (const unsigned char *byte = (const unsigned char *)text; *byte; byte++)
        if ((*byte & 0xC0) != 0x80) /* count lead bytes, not continuations */
            width++;
    return width;
}

/* A copy with control characters (tabs, newlines, escapes) shown as spaces. */
static char *printable_copy(const char *text)
{
    char *copy = strdup(text ? text : "-");
    if (!copy)
        return NULL;
    for (unsigned char *byte = (unsigned char *)copy; *byte; byte++)
        if (*byte < 0x20 || *byte == 0x7F)
            *byte = ' ';
    return copy;
}

table *table_create(size_t column_count, const char *const *headers)
{
    table *rows = calloc(1, sizeof *rows);
    if (!rows)
        return NULL;
    rows->column_count = column_count;
    rows->headers = calloc(column_count, sizeof *rows->headers);
    if (!rows->headers) {
        free(rows);
        return NULL;
    }
    for (size_t column = 0; column < column_count; column++) {
        rows->headers[column] = printable_copy(headers[column]);
        if (!rows->headers[column]) {
            table_free(rows);
            return NULL;
        }
    }
    return rows;
}

cv_result table_add_row(table *rows, const char *const *cells)
{
    if (!rows)
        return CV_ERR_NO_MEMORY; /* table_create ran out */
    if (rows->row_count == rows->row_capacity) {
        size_t capacity = rows->row_capacity ? rows->row_capacity * 2 : 8;
        char **grown = realloc(rows->cells, capacity * rows->column_count * sizeof *grown);
        if (!grown)
            return CV_ERR_NO_MEMORY;
        rows->cells = grown;
        rows->row_capacity = capacity;
    }
    char **row = rows->cells + rows->row_count * rows->column_count;
    for (size_t column = 0; column < rows->column_count; column++) {
        row[column] = printable_copy(cells[column]);
        if (!row[column]) {
            for (size_t done = 0; done < column; done++)
                free(row[done]);
            return CV_ERR_NO_MEMORY;
        }
    }
    rows->row_count++;
    return CV_OK;
}

size_t table_row_count(const table *rows)
{
    return rows->row_count;
}

static void print_row(FILE *out, int indent, char *const *row, const size_t *widths,
                      size_t column_count)
{
    fprintf(out, "%*s", indent, "");
    for (size_t column = 0; column < column_count; column++) {
        fputs(row[column], out);
        if (column + 1 < column_count) {
            size_t padding = widths[column] - display_width(row[column]) + 2;
            fprintf(out, "%*s", (int)padding, "");
        }
    }
    fputc('\n', out);
}

void table_print(const table *rows, FILE *out)
{
    table_print_indented(rows, out, 0);
}

void table_print_indented(const table *rows, FILE *out, int indent)
{
    if (!rows)
        return; /* table_create ran out; the row that failed said so */
    size_t *widths = calloc(rows->column_count, sizeof *widths);
    if (!widths) {
        fputs("(out of memory)\n", out);
        return;
    }
    for (size_t column = 0; column < rows->column_count; column++) {
        widths[column] = display_width(rows->headers[column]);
        for (size_t row = 0; row < rows->row_count; row++) {
            size_t width = display_width(rows->cells[row * rows->column_count + column]);
            if (width > widths[column])
                widths[column] = width;
        }
    }
    print_row(out, indent, rows->headers, widths, rows->column_count);
    for (size_t row = 0; row < rows->row_count; row++)
        print_row(out, indent, rows->cells + row * rows->column_count, widths, rows->column_count);
    free(widths);
}

void table_free(table *rows)
{
    if (!rows)
        return;
    for (size_t column = 0; column < rows->column_count; column++)
        free(rows->headers ? rows->headers[column] : NULL);
    free(rows->headers);
    for (size_t cell = 0; cell < rows->row_count * rows->column_count; cell++)
        free(rows->cells[cell]);
    free(rows->cells);
    free(rows);
}

void detail_line(FILE *out, int label_width, const char *label, const char *value)
{
    char *shown = printable_copy(value && *value ? value : "-");
    int padding = label_width - (int)display_width(label) - 1;
    fprintf(out, "%s:%*s %s\n", label, padding > 0 ? padding : 0, "", shown ? shown : "-");
    free(shown);
}
