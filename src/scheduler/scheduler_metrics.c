/*
 * scheduler_metrics.c - convened's counters and GET /metrics; see
 * scheduler_metrics.h. Counters are atomics; each histogram has its own
 * mutex (common/prometheus.h); the per-address CMS figures sit in a small
 * list behind one mutex, bounded so that no input can grow it for ever.
 */
#include "scheduler/scheduler_metrics.h"

#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>

#include "common/log.h"
#include "common/prometheus.h"
#include "common/text.h"
#include "scheduler/api.h"
#include "scheduler/db_metrics.h"
#include "scheduler/scheduler_events.h"
#include "scheduler/users.h"

/* Distinct CMS addresses measured; beyond this, new ones are not counted
 * (a warning says so once). */
#define MAX_CMS_ADDRESSES 256

static const double lateness_bounds[] = {0.5, 1, 2, 5, 10, 30, 60, 120, 300, 600};
static const double cms_bounds[] = {0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 20};
/* The dial-out states counted, in the order /metrics lists them. */
static const participant_state dial_out_counted[] = {
    PARTICIPANT_DIALING,   PARTICIPANT_CONNECTED, PARTICIPANT_BUSY,
    PARTICIPANT_NO_ANSWER, PARTICIPANT_FAILED,
};
#define DIAL_OUT_KINDS (sizeof dial_out_counted / sizeof dial_out_counted[0])

typedef struct {
    char *address; /* the client's base URL */
    prometheus_histogram latency;
    uint64_t failures; /* attempts without an HTTP answer (under cms_lock) */
} cms_figures;

typedef struct {
    prometheus_histogram start_lateness;
    atomic_uint_fast64_t failed_starts;
    atomic_uint_fast64_t dial_outs[DIAL_OUT_KINDS];
    atomic_uint_fast64_t cdrs;
    pthread_mutex_t cms_lock; /* guards the list below */
    cms_figures *cms;
    size_t cms_count;
    bool cms_full_warned;
} metrics_state;

static metrics_state *state_of(void *daemon)
{
    return daemon ? ((scheduler *)daemon)->metrics_state : NULL;
}

void scheduler_metrics_count_start(scheduler *daemon, double lateness_seconds)
{
    metrics_state *metrics = state_of(daemon);
    if (metrics)
        prometheus_histogram_observe(&metrics->start_lateness,
                                     lateness_seconds > 0 ? lateness_seconds : 0);
}

void scheduler_metrics_count_failed_start(scheduler *daemon)
{
    metrics_state *metrics = state_of(daemon);
    if (metrics)
        atomic_fetch_add(&metrics->failed_starts, 1);
}

void scheduler_metrics_count_dial_out(scheduler *daemon, bool dial_out, participant_state before,
                                      participant_state after)
{
    metrics_state *metrics = state_of(daemon);
    if (!metrics || !dial_out || before == after)
        return;
    for (size_t i = 0; i < DIAL_OUT_KINDS; i++)
        if (dial_out_counted[i] == after)
            atomic_fetch_add(&metrics->dial_outs[i], 1);
}

void scheduler_metrics_count_cdrs(scheduler *daemon, uint64_t count)
{
    metrics_state *metrics = state_of(daemon);
    if (metrics)
        atomic_fetch_add(&metrics->cdrs, count);
}

/* The figures of `address`, added when new; NULL when the list is full.
 * cms_lock held. */
static cms_figures *figures_for(metrics_state *metrics, const char *address)
{
    for (size_t i = 0; i < metrics->cms_count; i++)
        if (strcmp(metrics->cms[i].address, address) == 0)
            return &metrics->cms[i];
    char *copy = metrics->cms_count < MAX_CMS_ADDRESSES ? text_duplicate(address) : NULL;
    cms_figures *grown =
        copy ? realloc(metrics->cms, (metrics->cms_count + 1) * sizeof *grown) : NULL;
    if (!grown) {
        free(copy);
        if (!metrics->cms_full_warned)
            log_warning("metrics: no room for the CMS figures of %s (limit %d addresses)", address,
                        MAX_CMS_ADDRESSES);
        metrics->cms_full_warned = true;
        return NULL;
    }
    metrics->cms = grown;
    cms_figures *added = &metrics->cms[metrics->cms_count++];
    added->address = copy;
    added->failures = 0;
    prometheus_histogram_init(&added->latency, cms_bounds,
                              sizeof cms_bounds / sizeof cms_bounds[0]);
    return added;
}

void scheduler_metrics_observe_cms(void *daemon, const char *base_url, double seconds,
                                   bool answered)
{
    metrics_state *metrics = state_of(daemon);
    if (!metrics)
        return;
    pthread_mutex_lock(&metrics->cms_lock);
    cms_figures *figures = figures_for(metrics, base_url);
    if (figures && answered)
        prometheus_histogram_observe(&figures->latency, seconds);
    else if (figures)
        figures->failures++;
    pthread_mutex_unlock(&metrics->cms_lock);
}

/* ---- the answer ------------------------------------------------------------ */

typedef struct {
    strbuf *out;
    const char *name;
    const char *label; /* the label the first column fills */
} gauge_rows;

/* db_metrics_row: one gauge sample per row. */
static void write_gauge_row(void *context, const char *label, const char *second, int64_t value)
{
    gauge_rows *rows = context;
    prometheus_label labels[] = {{rows->label, label}, {"name", second}};
    prometheus_write_sample(rows->out, rows->name, labels, second ? 2 : 1, (double)value);
}

/* A gauge family read from the database. */
static cv_result write_database_gauge(strbuf *out, store_db *database, db_metrics_query query,
                                      const char *name, const char *label, const char *help)
{
    prometheus_write_family(out, name, "gauge", help);
    gauge_rows rows = {out, name, label};
    return db_metrics_read(database, query, write_gauge_row, &rows);
}

static void write_counters(strbuf *out, scheduler *daemon, metrics_state *metrics)
{
    prometheus_write_family(out, "convene_meeting_start_lateness_seconds", "histogram",
                            "Meetings that went live, by how long after their due time "
                            "(setup buffer included)");
    prometheus_write_histogram(out, "convene_meeting_start_lateness_seconds", NULL, 0,
                               &metrics->start_lateness);
    prometheus_write_family(out, "convene_meeting_start_failures_total", "counter",
                            "Meetings whose start failed");
    prometheus_write_sample(out, "convene_meeting_start_failures_total", NULL, 0,
                            (double)atomic_load(&metrics->failed_starts));
    prometheus_write_family(out, "convene_dial_outs_total", "counter",
                            "Dial-out attempts (outcome dialing) and their outcomes");
    for (size_t i = 0; i < DIAL_OUT_KINDS; i++) {
        prometheus_label outcome = {"outcome", participant_state_name(dial_out_counted[i])};
        prometheus_write_sample(out, "convene_dial_outs_total", &outcome, 1,
                                (double)atomic_load(&metrics->dial_outs[i]));
    }
    prometheus_write_family(out, "convene_cdrs_received_total", "counter",
                            "Call detail records received from bridges");
    prometheus_write_sample(out, "convene_cdrs_received_total", NULL, 0,
                            (double)atomic_load(&metrics->cdrs));
    prometheus_write_family(out, "convene_event_streams", "gauge",
                            "Clients following GET /api/v1/events now");
    prometheus_write_sample(out, "convene_event_streams", NULL, 0,
                            (double)scheduler_events_stream_count(daemon));
}

static void write_cms(strbuf *out, metrics_state *metrics)
{
    prometheus_write_family(out, "convene_cms_request_duration_seconds", "histogram",
                            "CMS API requests convened made, by bridge address, answered ones");
    pthread_mutex_lock(&metrics->cms_lock);
    for (size_t i = 0; i < metrics->cms_count; i++) {
        prometheus_label address = {"address", metrics->cms[i].address};
        prometheus_write_histogram(out, "convene_cms_request_duration_seconds", &address, 1,
                                   &metrics->cms[i].latency);
    }
    prometheus_write_family(out, "convene_cms_request_failures_total", "counter",
                            "CMS API requests that got no HTTP answer, by bridge address");
    for (size_t i = 0; i < metrics->cms_count; i++) {
        prometheus_label address = {"address", metrics->cms[i].address};
        prometheus_write_sample(out, "convene_cms_request_failures_total", &address, 1,
                                (double)metrics->cms[i].failures);
    }
    pthread_mutex_unlock(&metrics->cms_lock);
}

static cv_result write_gauges(strbuf *out, store_db *database)
{
    cv_result result =
        write_database_gauge(out, database, DB_METRICS_BOOKINGS_BY_STATE, "convene_bookings",
                             "state", "Bookings (occurrences) by lifecycle state");
    if (result == CV_OK)
        result = write_database_gauge(out, database, DB_METRICS_BRIDGE_REACHABLE,
                                      "convene_bridge_reachable", "bridge",
                                      "1 when the bridge answered its last status check");
    if (result == CV_OK)
        result = write_database_gauge(out, database, DB_METRICS_TICKETS_BY_KIND,
                                      "convene_tickets_open", "kind", "Open tickets by kind");
    if (result == CV_OK)
        result = write_database_gauge(out, database, DB_METRICS_OUTBOX_BY_STATE,
                                      "convene_outbox_messages", "state",
                                      "E-mail messages in the outbox by state");
    return result;
}

static void answer_metrics(scheduler *daemon, const http_request *request, http_response *response)
{
    metrics_state *metrics = state_of(daemon);
    response->content_type = "text/plain; charset=utf-8";
    if (strcmp(request->method, "GET") != 0 || !metrics) {
        response->status = 405;
        strbuf_append_str(&response->body, "only GET is supported here\n");
        return;
    }
    /* Operators and admins (or a token with such a role), as docs/api.md says. */
    if (!request->principal || request->principal->role < USER_ROLE_OPERATOR) {
        response->status = 403;
        strbuf_append_str(&response->body, "metrics are for operators and admins\n");
        return;
    }
    strbuf *out = &response->body;
    write_counters(out, daemon, metrics);
    write_cms(out, metrics);
    store_db *database = store_db_pool_acquire(&daemon->store);
    cv_result result = write_gauges(out, database);
    store_db_pool_release(&daemon->store, database);
    if (result != CV_OK) {
        log_error("metrics: cannot read the database: %s", cv_result_name(result));
        strbuf_reset(out);
        response->status = 500;
        strbuf_printf(out, "cannot read the database: %s\n", cv_result_name(result));
        return;
    }
    response->status = 200;
    response->content_type = PROMETHEUS_CONTENT_TYPE;
}

void scheduler_metrics_handle_request(void *daemon, const http_request *request,
                                      http_response *response)
{
    if (strcmp(request->path, METRICS_PATH) == 0)
        answer_metrics(daemon, request, response);
    else
        scheduler_api_handle_request(daemon, request, response);
}

/* ---- the module ------------------------------------------------------------ */

static cv_result metrics_start(scheduler *daemon)
{
    metrics_state *metrics = calloc(1, sizeof *metrics);
    if (!metrics)
        return CV_ERR_NO_MEMORY;
    prometheus_histogram_init(&metrics->start_lateness, lateness_bounds,
                              sizeof lateness_bounds / sizeof lateness_bounds[0]);
    pthread_mutex_init(&metrics->cms_lock, NULL);
    daemon->metrics_state = metrics;
    return CV_OK;
}

static void metrics_stop(scheduler *daemon)
{
    metrics_state *metrics = daemon->metrics_state;
    if (!metrics)
        return;
    daemon->metrics_state = NULL;
    for (size_t i = 0; i < metrics->cms_count; i++) {
        prometheus_histogram_destroy(&metrics->cms[i].latency);
        free(metrics->cms[i].address);
    }
    free(metrics->cms);
    pthread_mutex_destroy(&metrics->cms_lock);
    prometheus_histogram_destroy(&metrics->start_lateness);
    free(metrics);
}

const scheduler_module metrics_module = {"metrics", metrics_start, metrics_stop};
