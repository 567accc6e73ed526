/*
 * audit.c - recording changes, GET /api/v1/audit and the purge; see
 * audit.h. Owns: masking, the row's JSON, the purge thread. Does not own:
 * the SQL (db_audit.c), the transaction (the caller's).
 */
#include "scheduler/audit.h"

#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>

#include "common/log.h"
#include "common/rfc3339.h"
#include "common/text.h"
#include "scheduler/db_audit.h"

#define PURGE_PERIOD_SECONDS 3600
#define LIST_DEFAULT_LIMIT   100
#define LIST_MAX_LIMIT       10000

/* Members whose value is a secret, matched anywhere in the name without
 * case ("password", "alternatePassword", "csrfToken" ...). */
static bool names_a_secret(const char *name)
{
    static const char *const secrets[] = {"password", "secret", "token", "passcode", NULL};
    for (size_t i = 0; secrets[i]; i++)
        if (strcasestr(name, secrets[i]))
            return true;
    return false;
}

void audit_mask(json_t *details)
{
    const char *key;
    json_t *value;
    size_t index;
    if (json_is_array(details)) {
        json_array_foreach(details, index, value) audit_mask(value);
        return;
    }
    if (!json_is_object(details))
        return;
    json_object_foreach(details, key, value)
    {
        if (names_a_secret(key) && !json_is_null(value))
            json_object_set_new(details, key, json_string("***"));
        else
            audit_mask(value);
    }
}

cv_result audit_write(store_db *database, const char *actor, const char *address,
                      const char *action, const char *object, json_t *details)
{
    char *text = NULL;
    if (details) {
        audit_mask(details);
        text = json_dumps(details, JSON_COMPACT | JSON_SORT_KEYS);
        json_decref(details);
        if (!text)
            return CV_ERR_NO_MEMORY;
    }
    db_audit_row row = {.at = (int64_t)time(NULL),
                        .actor = actor,
                        .address = address,
                        .action = action,
                        .object = object,
                        .details = text};
    cv_result result = db_audit_insert(database, &row);
    free(text);
    if (result != CV_OK)
        log_error("audit: cannot record %s: %s", action, cv_result_name(result));
    return result;
}

cv_result audit_record(scheduler_api_request *request, const char *action, const char *object,
                       json_t *details)
{
    const http_principal *principal = scheduler_api_principal(request);
    return audit_write(request->database, principal ? principal->name : "",
                       scheduler_api_client_address(request), action, object, details);
}

/* ---- GET /audit ------------------------------------------------------------------ */

static cv_result append_row(const db_audit_row *row, void *context)
{
    json_t *details = row->details ? json_loads(row->details, 0, NULL) : NULL;
    json_t *entry =
        json_pack("{s:I, s:o, s:s, s:s?, s:s, s:s?, s:o}", "id", (json_int_t)row->id, "at",
                  scheduler_api_time_json(row->at), "actor", row->actor ? row->actor : "",
                  "address", row->address, "action", row->action ? row->action : "", "object",
                  row->object, "details", details ? details : json_null());
    return entry && json_array_append_new(context, entry) == 0 ? CV_OK : CV_ERR_NO_MEMORY;
}

/* Reads ?from= and ?to= (RFC 3339) into *out; replies 400 when bad. */
static bool read_time(scheduler_api_request *request, const char *name, int64_t *out)
{
    const char *text = scheduler_api_query(request, name);
    if (text && rfc3339_parse(text, out) != CV_OK) {
        scheduler_api_fail_field(request, name, "%s must be an RFC 3339 date-time", name);
        return false;
    }
    return true;
}

static void list_audit(scheduler_api_request *request)
{
    db_audit_filter filter = {.actor = scheduler_api_query(request, "actor"),
                              .action = scheduler_api_query(request, "action"),
                              .limit = LIST_DEFAULT_LIMIT};
    const char *limit = scheduler_api_query(request, "limit");
    if (limit && text_parse_int64(limit, 1, LIST_MAX_LIMIT, &filter.limit) != CV_OK) {
        scheduler_api_fail_field(request, "limit", "limit must be an integer from 1 to %d",
                                 LIST_MAX_LIMIT);
        return;
    }
    if (!read_time(request, "from", &filter.from) || !read_time(request, "to", &filter.to))
        return;
    json_t *list = json_array();
    cv_result result =
        list ? db_audit_each(request->database, &filter, append_row, list) : CV_ERR_NO_MEMORY;
    if (result != CV_OK) {
        json_decref(list);
        scheduler_api_fail_result(request, result, "reading the audit trail");
        return;
    }
    scheduler_api_reply_json(request, 200, json_pack("{s:o}", "entries", list));
}

/* ---- the purge ------------------------------------------------------------------ */

typedef struct {
    pthread_t thread;
    pthread_mutex_t lock;
    pthread_cond_t wake;
    bool stop; /* under lock */
    scheduler *daemon;
} purger;

static void purge_once(scheduler *daemon)
{
    int64_t before = (int64_t)time(NULL) - daemon->options.audit_retention_days * 86400;
    int64_t removed = 0;
    store_db *database = store_db_pool_acquire(&daemon->store);
    cv_result result = db_audit_purge(database, before, &removed);
    store_db_pool_release(&daemon->store, database);
    if (result != CV_OK)
        log_error("audit: cannot purge old rows: %s", cv_result_name(result));
    else if (removed > 0)
        log_info("audit: purged %lld rows older than %lld days", (long long)removed,
                 (long long)daemon->options.audit_retention_days);
}

static void *run_purger(void *argument)
{
    purger *state = argument;
    pthread_mutex_lock(&state->lock);
    while (!state->stop) {
        pthread_mutex_unlock(&state->lock);
        purge_once(state->daemon);
        pthread_mutex_lock(&state->lock);
        struct timespec until;
        clock_gettime(CLOCK_REALTIME, &until);
        until.tv_sec += PURGE_PERIOD_SECONDS;
        while (!state->stop && pthread_cond_timedwait(&state->wake, &state->lock, &until) == 0)
            ;
    }
    pthread_mutex_unlock(&state->lock);
    return NULL;
}

static const char *const audit_query[] = {"actor", "action", "from", "to", "limit", NULL};

static const scheduler_api_route audit_routes[] = {
    {"GET", "audit", list_audit, audit_query, API_ALLOW_ADMIN, NULL},
};

static cv_result audit_start(scheduler *daemon)
{
    cv_result result = scheduler_api_register(daemon, audit_routes, 1);
    purger *state = result == CV_OK ? calloc(1, sizeof *state) : NULL;
    if (!state)
        return result == CV_OK ? CV_ERR_NO_MEMORY : result;
    pthread_mutex_init(&state->lock, NULL);
    pthread_cond_init(&state->wake, NULL);
    state->daemon = daemon;
    if (pthread_create(&state->thread, NULL, run_purger, state) != 0) {
        free(state);
        return CV_ERR_IO;
    }
    daemon->audit_state = state;
    return CV_OK;
}

static void audit_stop(scheduler *daemon)
{
    purger *state = daemon->audit_state;
    if (!state)
        return;
    pthread_mutex_lock(&state->lock);
    state->stop = true;
    pthread_cond_signal(&state->wake);
    pthread_mutex_unlock(&state->lock);
    pthread_join(state->thread, NULL);
    pthread_cond_destroy(&state->wake);
    pthread_mutex_destroy(&state->lock);
    free(state);
    daemon->audit_state = NULL;
}

const scheduler_module audit_module = {"audit", audit_start, audit_stop};
