/*
 * commands_report.c - `convene report utilization|no-shows|failed-starts`:
 * convened's reports (GET /reports/...) as a table, JSON (--json) or CSV
 * (--csv, as the server writes it).
 *
 * Owns: the command's options and the table of a report's rows. Does not
 * own: the reports themselves (convened's reports.c).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli/args.h"
#include "cli/cli.h"
#include "cli/json_view.h"
#include "cli/table.h"

#define REPORT_COLUMNS_MAX 8

/* The rows as a table; the columns are the first row's members. */
static void print_rows(const json_t *rows)
{
    if (json_array_size(rows) == 0) {
        printf("No rows.\n");
        return;
    }
    const char *headers[REPORT_COLUMNS_MAX];
    size_t count = 0;
    const char *key;
    json_t *value;
    json_object_foreach((json_t *)json_array_get(rows, 0), key, value)
    {
        if (count < REPORT_COLUMNS_MAX)
            headers[count++] = key;
    }
    table *out = table_create(count, headers);
    size_t index;
    json_t *row;
    json_array_foreach(rows, index, row)
    {
        char buffers[REPORT_COLUMNS_MAX][96];
        const char *cells[REPORT_COLUMNS_MAX];
        for (size_t column = 0; column < count; column++) {
            const json_t *member = json_object_get(row, headers[column]);
            cells[column] = buffers[column];
            if (json_is_real(member))
                snprintf(buffers[column], sizeof buffers[column], "%.2f", json_real_value(member));
            else
                cells[column] =
                    json_member_text(row, headers[column], buffers[column], sizeof buffers[column]);
        }
        if (table_add_row(out, cells) != CV_OK) {
            cli_error("out of memory");
            break;
        }
    }
    table_print(out, stdout);
    table_free(out);
}

/* "?name=value" or "&name=value" when `value` is given. */
static void add_query(strbuf *path, const char *name, const char *value)
{
    if (value == NULL)
        return;
    strbuf_printf(path, "%s%s=", strchr(strbuf_str(path), '?') ? "&" : "?", name);
    cli_append_segment(path, value);
}

/* `report --help`: the synopsis, what it does. */
static const char REPORT_USAGE[] =
    "report utilization|no-shows|failed-starts [--from TIME] [--to TIME] [--bridge ID] ...";
static const char REPORT_ABOUT[] =
    "utilization: booked hours, used hours (from the bridges' CDRs) and the peak of\n"
    "participants at once, per bridge and slot, per day, week or month.\n"
    "no-shows: booked participants of meetings that ran who never joined.\n"
    "failed-starts: meetings that failed to start, and why.";

int command_report(cli_context *context, int argc, char **argv)
{
    char *from = NULL, *to = NULL, *bridge = NULL, *period = NULL;
    bool json = false, csv = false;
    const option_spec specs[] = {
        {"from", OPTION_STRING, &from, "TIME", "from TIME (RFC 3339; default 30 days before --to)",
         0, 0},
        {"to", OPTION_STRING, &to, "TIME", "until TIME (RFC 3339; default now)", 0, 0},
        {"bridge", OPTION_STRING, &bridge, "ID", "one bridge only (ID or name)", 0, 0},
        {"period", OPTION_STRING, &period, "P", "utilization: day, week or month (default day)", 0,
         0},
        {"csv", OPTION_FLAG, &csv, NULL, "print CSV (as a spreadsheet reads it)", 0, 0},
        {"json", OPTION_FLAG, &json, NULL, "print the server's JSON answer", 0, 0},
    };
    const size_t spec_count = sizeof specs / sizeof specs[0];
    const command_syntax syntax = {REPORT_USAGE, REPORT_ABOUT, specs, spec_count, 1, 1, NULL};
    positional_arguments positional;
    strbuf path = STRBUF_INIT;
    int status = CLI_EXIT_OK;
    bool go_on = cli_parse_arguments(context, "report", &syntax, argc, argv, &positional, &status);
    const char *kind = go_on ? positional.items[0] : NULL;
    if (!go_on) {
        /* its help or its usage error is printed; status says which */
    } else if (strcmp(kind, "utilization") != 0 && strcmp(kind, "no-shows") != 0 &&
               strcmp(kind, "failed-starts") != 0) {
        status = cli_usage_error("report",
                                 "expected utilization, no-shows or failed-starts, got "
                                 "\"%s\"",
                                 kind);
    } else if ((status = cli_check_time("report", "--from", from)) != CLI_EXIT_OK ||
               (status = cli_check_time("report", "--to", to)) != CLI_EXIT_OK) {
        /* said by cli_check_time */
    } else if (period && strcmp(kind, "utilization") != 0) {
        status = cli_usage_error("report", "--period is for the utilization report");
    } else {
        strbuf_printf(&path, "/reports/%s", kind);
        add_query(&path, "from", from);
        add_query(&path, "to", to);
        add_query(&path, "bridge", bridge);
        add_query(&path, "period", period);
        add_query(&path, "format", csv ? "csv" : NULL);
        client_answer answer;
        if ((status = cli_request(context, "GET", strbuf_str(&path), NULL, &answer)) ==
            CLI_EXIT_OK) {
            if (csv)
                fwrite(answer.body, 1, answer.body_length, stdout);
            else if (context->globals.json_output)
                cli_print_answer_json(&answer);
            else
                print_rows(json_object_get(answer.document, "rows"));
            client_answer_free(&answer);
        }
    }
    config_free(specs, spec_count);
    strbuf_free(&path);
    return status;
}
