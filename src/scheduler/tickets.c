/*
 * tickets.c - tickets that open and clear themselves; see tickets.h.
 * Owns the tickets table and GET /tickets. Every write is one statement, so
 * concurrent callers (API threads, the bridge worker) never see half a
 * ticket.
 */
#include "scheduler/tickets.h"

#include <stdio.h>
#include <string.h>
#include <time.h>

#include "common/rfc3339.h"
#include "common/ids.h"
#include "common/log.h"
#include "common/store.h"
#include "scheduler/api.h"

cv_result tickets_set(sqlite3 *database, const char *bridge_id, const char *kind, bool open,
                      const char *message)
{
    sqlite3_stmt *statement = NULL;
    int code;
    if (open) {
        char id[ID_TEXT_SIZE];
        id_generate(id);
        code = store_prepare(database,
                             "INSERT INTO tickets (id, bridge_id, kind, message, opened)"
                             " VALUES (?1, ?2, ?3, ?4, ?5)"
                             " ON CONFLICT (bridge_id, kind) DO UPDATE SET message = ?4"
                             " WHERE message <> ?4",
                             &statement);
        if (code == SQLITE_OK) {
            sqlite3_bind_text(statement, 1, id, -1, SQLITE_TRANSIENT);
            sqlite3_bind_text(statement, 2, bridge_id, -1, SQLITE_TRANSIENT);
            sqlite3_bind_text(statement, 3, kind, -1, SQLITE_STATIC);
            sqlite3_bind_text(statement, 4, message ? message : kind, -1, SQLITE_TRANSIENT);
            sqlite3_bind_int64(statement, 5, (sqlite3_int64)time(NULL));
        }
    } else {
        code = store_prepare(database, "DELETE FROM tickets WHERE bridge_id = ?1 AND kind = ?2",
                             &statement);
        if (code == SQLITE_OK) {
            sqlite3_bind_text(statement, 1, bridge_id, -1, SQLITE_TRANSIENT);
            sqlite3_bind_text(statement, 2, kind, -1, SQLITE_STATIC);
        }
    }
    if (code == SQLITE_OK)
        code = sqlite3_step(statement);
    if (code != SQLITE_DONE)
        log_error("tickets: cannot %s \"%s\" on %s: %s", open ? "open" : "clear", kind, bridge_id,
                  sqlite3_errmsg(database));
    else if (sqlite3_changes(database) > 0)
        log_info("bridge %s: ticket \"%s\" %s", bridge_id, kind, open ? "open" : "cleared");
    store_statement_done(statement);
    return store_result(code);
}

void tickets_judge_settings(const char *name, const char *domain, bool has_base, bool has_quantity,
                            ticket_settings_verdict *out)
{
    memset(out, 0, sizeof *out);
    out->blank_name = !name || !*name;
    bool no_domain = !domain || !*domain;
    out->dial_number = no_domain || !has_base || !has_quantity;
    if (!out->dial_number)
        return;
    char missing[96] = "";
    const char *names[] = {no_domain ? "domain" : NULL, !has_base ? "numeric ID base" : NULL,
                           !has_quantity ? "numeric ID quantity" : NULL};
    size_t listed = 0;
    for (size_t i = 0; i < 3; i++) {
        if (!names[i])
            continue;
        size_t used = strlen(missing);
        snprintf(missing + used, sizeof missing - used, "%s%s", listed ? ", " : "", names[i]);
        listed++;
    }
    snprintf(out->dial_number_message, sizeof out->dial_number_message,
             "Dial number settings are incomplete: %s not set", missing);
}

cv_result tickets_update_settings(sqlite3 *database, const char *bridge_id)
{
    sqlite3_stmt *statement = NULL;
    int code = store_prepare(database,
                             "SELECT name, domain, numeric_id_base IS NOT NULL,"
                             " numeric_id_quantity IS NOT NULL FROM bridges WHERE id = ?1",
                             &statement);
    if (code == SQLITE_OK)
        code = sqlite3_bind_text(statement, 1, bridge_id, -1, SQLITE_TRANSIENT);
    if (code == SQLITE_OK)
        code = sqlite3_step(statement);
    if (code != SQLITE_ROW) {
        store_statement_done(statement);
        return code == SQLITE_DONE ? CV_ERR_NOT_FOUND : store_result(code);
    }
    ticket_settings_verdict verdict;
    tickets_judge_settings((const char *)sqlite3_column_text(statement, 0),
                           (const char *)sqlite3_column_text(statement, 1),
                           sqlite3_column_int(statement, 2) != 0,
                           sqlite3_column_int(statement, 3) != 0, &verdict);
    store_statement_done(statement);
    cv_result result = tickets_set(database, bridge_id, TICKET_BLANK_NAME, verdict.blank_name,
                                   "The bridge has no system name; set one in its settings");
    if (result == CV_OK)
        result = tickets_set(database, bridge_id, TICKET_DIAL_NUMBER, verdict.dial_number,
                             verdict.dial_number_message);
    return result;
}

static json_t *ticket_json(sqlite3_stmt *statement, bool with_bridge)
{
    char opened[32];
    rfc3339_format_utc(sqlite3_column_int64(statement, 4), opened, sizeof opened);
    json_t *ticket = json_pack("{s:s, s:s, s:s, s:s}", "id", sqlite3_column_text(statement, 0),
                               "kind", sqlite3_column_text(statement, 2), "message",
                               sqlite3_column_text(statement, 3), "opened", opened);
    if (ticket && with_bridge &&
        json_object_set_new(ticket, "bridge",
                            json_string((const char *)sqlite3_column_text(statement, 1))) != 0) {
        json_decref(ticket);
        return NULL;
    }
    return ticket;
}

/* The tickets of one bridge, or of all when bridge_id is NULL. */
static json_t *tickets_query(sqlite3 *database, const char *bridge_id)
{
    sqlite3_stmt *statement = NULL;
    json_t *list = json_array();
    int code = store_prepare(database,
                             "SELECT id, bridge_id, kind, message, opened FROM tickets"
                             " WHERE ?1 IS NULL OR bridge_id = ?1 ORDER BY opened, kind",
                             &statement);
    if (code == SQLITE_OK)
        code = bridge_id ? sqlite3_bind_text(statement, 1, bridge_id, -1, SQLITE_TRANSIENT)
                         : sqlite3_bind_null(statement, 1);
    while (list && code == SQLITE_OK && (code = sqlite3_step(statement)) == SQLITE_ROW) {
        json_t *ticket = ticket_json(statement, true);
        if (!ticket || json_array_append_new(list, ticket) != 0) {
            json_decref(list);
            list = NULL;
        }
        code = SQLITE_OK;
    }
    store_statement_done(statement);
    if (code != SQLITE_DONE) {
        json_decref(list);
        return NULL;
    }
    return list;
}

json_t *tickets_json_for_bridge(sqlite3 *database, const char *bridge_id)
{
    return tickets_query(database, bridge_id);
}

static void get_tickets(api_request *request)
{
    const char *bridge = api_query(request, "bridge");
    if (bridge && !id_is_valid(bridge)) {
        api_fail_field(request, "bridge", "bridge must be a bridge id");
        return;
    }
    json_t *list = tickets_query(request->database, bridge);
    if (!list) {
        api_fail_result(request, CV_ERR_STORE, "listing tickets");
        return;
    }
    api_reply_json(request, 200, list);
}

static void get_ticket(api_request *request)
{
    const char *id = api_segment(request, 1);
    sqlite3_stmt *statement = NULL;
    int code = store_prepare(request->database,
                             "SELECT id, bridge_id, kind, message, opened FROM tickets"
                             " WHERE id = ?1",
                             &statement);
    if (code == SQLITE_OK)
        code = sqlite3_bind_text(statement, 1, id, -1, SQLITE_TRANSIENT);
    if (code == SQLITE_OK)
        code = sqlite3_step(statement);
    if (code == SQLITE_ROW)
        api_reply_json(request, 200, ticket_json(statement, true));
    else if (code == SQLITE_DONE)
        api_fail_not_found(request, "ticket", id);
    else
        api_fail_result(request, store_result(code), "reading a ticket");
    store_statement_done(statement);
}

/* what GET /tickets reads */
static const char *const tickets_query_names[] = {"bridge", NULL};

static const api_route ticket_routes[] = {
    {"GET", "tickets", get_tickets, tickets_query_names},
    {"GET", "tickets/*", get_ticket, NULL},
};

static cv_result tickets_start(scheduler *daemon)
{
    return api_register(daemon, ticket_routes, sizeof ticket_routes / sizeof ticket_routes[0]);
}

static void tickets_stop(scheduler *daemon)
{
    (void)daemon;
}

const scheduler_module tickets_module = {"tickets", tickets_start, tickets_stop};
