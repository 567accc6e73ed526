/*
 * prometheus.h - numbers a daemon exposes to Prometheus, and their text
 * (the exposition format 0.0.4: "# HELP", "# TYPE", samples).
 *
 * Owns: the histogram type (fixed bucket bounds, one mutex), writing HELP
 * and TYPE lines, samples with labels (values escaped: backslash, double
 * quote and line feed), and a histogram's cumulative `_bucket{le=...}`
 * lines with `+Inf`, `_sum` and `_count`. Does not own: which metrics
 * exist or where their values come from (the daemon's metrics module).
 *
 * Threads: prometheus_histogram_observe and _write may run at once from
 * any threads; the writers of text work on the caller's buffer.
 */
#ifndef CONVENE_PROMETHEUS_H
#define CONVENE_PROMETHEUS_H

#include <pthread.h>
#include <stddef.h>
#include <stdint.h>

#include "common/strbuf.h"

#define PROMETHEUS_MAX_BUCKETS  16
#define PROMETHEUS_CONTENT_TYPE "text/plain; version=0.0.4; charset=utf-8"

typedef struct {
    pthread_mutex_t lock;                  /* guards the counts and the sum */
    double bounds[PROMETHEUS_MAX_BUCKETS]; /* upper bounds, ascending */
    size_t bound_count;
    uint64_t counts[PROMETHEUS_MAX_BUCKETS + 1]; /* per bucket, not cumulative; last: above all */
    double sum;
} prometheus_histogram;

/* `bounds` ascending, at most PROMETHEUS_MAX_BUCKETS (more are ignored). */
void prometheus_histogram_init(prometheus_histogram *histogram, const double *bounds, size_t count);
void prometheus_histogram_destroy(prometheus_histogram *histogram);
void prometheus_histogram_observe(prometheus_histogram *histogram, double value);

/* A label: name (a valid Prometheus label name, the caller's constant)
 * and value (any text; escaped here). */
typedef struct {
    const char *name;
    const char *value;
} prometheus_label;

/* "# HELP name help\n# TYPE name type\n"; `type` is "counter", "gauge" or
 * "histogram". The help text is escaped. */
void prometheus_write_family(strbuf *out, const char *name, const char *type, const char *help);
/* One sample line: name{labels} value. */
void prometheus_write_sample(strbuf *out, const char *name, const prometheus_label *labels,
                             size_t label_count, double value);
/* A histogram's lines under `name` (its family header written before). */
void prometheus_write_histogram(strbuf *out, const char *name, const prometheus_label *labels,
                                size_t label_count, prometheus_histogram *histogram);

#endif
