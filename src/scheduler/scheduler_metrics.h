/*
 * scheduler_metrics.h - convened's numbers for Prometheus: GET /metrics.
 *
 * Owns: the counters and histograms convened keeps in memory (meeting
 * starts and their lateness, failed starts, dial-out outcomes, CMS request
 * latency and failures per bridge address, CDRs received), the metric
 * names and help texts, and the answer of GET /metrics (outside /api/v1,
 * the same credentials as the API), which adds the gauges read from the
 * database at scrape time (db_metrics.h). Does not own: the text format
 * (common/prometheus.h) or when things happen (the modules call in).
 *
 * Threads: every function may be called from any thread; a call before
 * the module started or after it stopped does nothing.
 */
#ifndef CONVENE_SCHEDULER_METRICS_H
#define CONVENE_SCHEDULER_METRICS_H

#include <stdbool.h>
#include <stdint.h>

#include "common/http_server.h"
#include "scheduler/booking.h"
#include "scheduler/scheduler.h"

#define METRICS_PATH "/metrics"

/* A meeting went live `lateness_seconds` after it was due (its occupied
 * start, setup buffer included; negative counts as 0). */
void scheduler_metrics_count_start(scheduler *daemon, double lateness_seconds);
/* A meeting's start failed. */
void scheduler_metrics_count_failed_start(scheduler *daemon);
/* A dial-out participant went from `before` to `after`: counted when it
 * is a new attempt (dialing) or an outcome (connected, busy, noAnswer,
 * failed). Anything else, or a participant who dials in, is ignored. */
void scheduler_metrics_count_dial_out(scheduler *daemon, bool dial_out, participant_state before,
                                      participant_state after);
/* `count` CDR records were received (the CDR receiver calls it). */
void scheduler_metrics_count_cdrs(scheduler *daemon, uint64_t count);
/* cms_client_settings.observe_attempt, with the daemon as context. */
void scheduler_metrics_observe_cms(void *daemon, const char *base_url, double seconds,
                                   bool answered);

/* The HTTP handler of convened: GET /metrics here, everything else to the
 * JSON API (scheduler_api_handle_request). */
void scheduler_metrics_handle_request(void *daemon, const http_request *request,
                                      http_response *response);

/* The module: its counters (start it before every module that counts). */
extern const scheduler_module metrics_module;

#endif
