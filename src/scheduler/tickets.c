/*
 * tickets.c - tickets that open and clear themselves; see tickets.h.
 * Owns the ticket rules and GET /tickets; the rows are db_tickets.c's.
 * Every write is one statement, so concurrent callers (API threads, the
 * bridge worker) never see half a ticket.
 */
#include "scheduler/tickets.h"

#include <stdio.h>
#include <string.h>
#include <time.h>

#include "common/rfc3339.h"
#include "common/ids.h"
#include "common/log.h"
#include "scheduler/api.h"
#include "scheduler/db_bridges.h"
#include "scheduler/db_tickets.h"
#include "scheduler/scheduler_events.h"

cv_result tickets_set(scheduler *daemon, store_db *database, const char *bridge_id,
                      const char *kind, bool open, const char *message)
{
    bool changed = false;
    cv_result result;
    if (open) {
        char id[ID_TEXT_SIZE];
        id_generate(id);
        result = db_ticket_open(database, id, bridge_id, kind, message ? message : kind,
                                (int64_t)time(NULL), &changed);
    } else {
        result = db_ticket_clear(database, bridge_id, kind, &changed);
    }
    /* A lost database refuses every write; its one error line (from
     * file_watch_check) says so, and each refused ticket must not add one. */
    if (result != CV_OK && file_watch_check(&daemon->database_watch))
        log_error("tickets: cannot %s \"%s\" on %s: %s", open ? "open" : "clear", kind, bridge_id,
                  cv_result_name(result));
    else if (changed)
        log_info("bridge %s: ticket \"%s\" %s", bridge_id, kind, open ? "open" : "cleared");
    if (result == CV_OK && changed)
        scheduler_events_publish(daemon, open ? EVENT_TICKET_OPENED : EVENT_TICKET_CLOSED, NULL,
                                 json_pack("{s:s, s:s, s:s?}", "bridgeId", bridge_id, "kind", kind,
                                           "message", open ? message : NULL));
    return result;
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

cv_result tickets_update_settings(scheduler *daemon, store_db *database, const char *bridge_id)
{
    db_bridge_settings settings;
    cv_result result = db_bridge_settings_read(database, bridge_id, &settings);
    if (result != CV_OK)
        return result;
    ticket_settings_verdict verdict;
    tickets_judge_settings(settings.name, settings.domain, settings.has_base, settings.has_quantity,
                           &verdict);
    db_bridge_settings_free(&settings);
    result = tickets_set(daemon, database, bridge_id, TICKET_BLANK_NAME, verdict.blank_name,
                         "The bridge has no system name; set one in its settings");
    if (result == CV_OK)
        result = tickets_set(daemon, database, bridge_id, TICKET_DIAL_NUMBER, verdict.dial_number,
                             verdict.dial_number_message);
    return result;
}

static json_t *ticket_json(const db_ticket *row, bool with_bridge)
{
    char opened[32];
    rfc3339_format_utc(row->opened, opened, sizeof opened);
    json_t *ticket = json_pack("{s:s, s:s, s:s, s:s}", "id", row->id, "kind", row->kind, "message",
                               row->message, "opened", opened);
    if (ticket && with_bridge &&
        json_object_set_new(ticket, "bridge", json_string(row->bridge_id)) != 0) {
        json_decref(ticket);
        return NULL;
    }
    return ticket;
}

/* db_ticket_visit: appends the row to the JSON array `context`. */
static cv_result append_ticket(const db_ticket *row, void *context)
{
    json_t *ticket = ticket_json(row, true);
    if (!ticket || json_array_append_new(context, ticket) != 0)
        return CV_ERR_NO_MEMORY;
    return CV_OK;
}

/* The tickets of one bridge, or of all when bridge_id is NULL. */
static json_t *tickets_query(store_db *database, const char *bridge_id)
{
    json_t *list = json_array();
    if (list && db_tickets_each(database, bridge_id, append_ticket, list) != CV_OK) {
        json_decref(list);
        return NULL;
    }
    return list;
}

json_t *tickets_json_for_bridge(store_db *database, const char *bridge_id)
{
    return tickets_query(database, bridge_id);
}

/* The "Database lost" ticket, kept in memory (tickets.h); NULL while the
 * database is the one convened opened. */
static json_t *database_lost_ticket(scheduler *daemon)
{
    file_watch *watch = &daemon->database_watch;
    if (file_watch_check(watch))
        return NULL;
    char opened[RFC3339_TEXT_SIZE];
    long long lost_at = atomic_load(&watch->lost_at);
    rfc3339_format_utc(lost_at ? lost_at : (long long)time(NULL), opened, sizeof opened);
    char message[512];
    snprintf(message, sizeof message,
             "%s was deleted or replaced while convened was using it: nothing is stored any "
             "more (every change is refused); restore it from a backup and restart convened",
             watch->path);
    return json_pack("{s:s, s:s, s:s, s:s, s:n}", "id", TICKET_DATABASE_LOST_ID, "kind",
                     TICKET_DATABASE_LOST, "message", message, "opened", opened, "bridge");
}

static void get_tickets(scheduler_api_request *request)
{
    const char *bridge = scheduler_api_query(request, "bridge");
    if (bridge && !id_is_valid(bridge)) {
        scheduler_api_fail_field(request, "bridge", "bridge must be a bridge id");
        return;
    }
    json_t *list = tickets_query(request->database, bridge);
    if (!list) {
        scheduler_api_fail_result(request, CV_ERR_STORE, "listing tickets");
        return;
    }
    json_t *lost = bridge ? NULL : database_lost_ticket(request->daemon);
    if (lost && json_array_insert_new(list, 0, lost) != 0) {
        json_decref(list);
        list = NULL; /* scheduler_api_reply_json answers 500 */
    }
    scheduler_api_reply_json(request, 200, list);
}

/* db_ticket_visit: keeps the JSON form of the one row in *context. */
static cv_result keep_ticket(const db_ticket *row, void *context)
{
    json_t **out = context;
    *out = ticket_json(row, true);
    return *out ? CV_OK : CV_ERR_NO_MEMORY;
}

static void get_ticket(scheduler_api_request *request)
{
    const char *id = scheduler_api_segment(request, 1);
    json_t *lost =
        strcmp(id, TICKET_DATABASE_LOST_ID) == 0 ? database_lost_ticket(request->daemon) : NULL;
    if (lost) {
        scheduler_api_reply_json(request, 200, lost);
        return;
    }
    json_t *ticket = NULL;
    cv_result result = db_ticket_find(request->database, id, keep_ticket, &ticket);
    if (result == CV_OK)
        scheduler_api_reply_json(request, 200, ticket);
    else if (result == CV_ERR_NOT_FOUND)
        scheduler_api_fail_not_found(request, "ticket", id);
    else
        scheduler_api_fail_result(request, result, "reading a ticket");
}

/* what GET /tickets reads */
static const char *const tickets_query_names[] = {"bridge", NULL};

static const scheduler_api_route ticket_routes[] = {
    {"GET", "tickets", get_tickets, tickets_query_names, API_ALLOW_OPERATOR, NULL},
    {"GET", "tickets/*", get_ticket, NULL, API_ALLOW_OPERATOR, NULL},
};

static cv_result tickets_start(scheduler *daemon)
{
    return scheduler_api_register(daemon, ticket_routes,
                                  sizeof ticket_routes / sizeof ticket_routes[0]);
}

static void tickets_stop(scheduler *daemon)
{
    (void)daemon;
}

const scheduler_module tickets_module = {"tickets", tickets_start, tickets_stop};
