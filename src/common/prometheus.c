/* prometheus.c - histograms and the text exposition format; see
 * prometheus.h. */
#include "common/prometheus.h"

#include <math.h>
#include <stdio.h>
#include <string.h>

void prometheus_histogram_init(prometheus_histogram *histogram, const double *bounds, size_t count)
{
    memset(histogram, 0, sizeof *histogram);
    pthread_mutex_init(&histogram->lock, NULL);
    if (count > PROMETHEUS_MAX_BUCKETS)
        count = PROMETHEUS_MAX_BUCKETS;
    memcpy(histogram->bounds, bounds, count * sizeof *bounds);
    histogram->bound_count = count;
}

void prometheus_histogram_destroy(prometheus_histogram *histogram)
{
    pthread_mutex_destroy(&histogram->lock);
}

void prometheus_histogram_observe(prometheus_histogram *histogram, double value)
{
    size_t bucket = 0;
    while (bucket < histogram->bound_count && value > histogram->bounds[bucket])
        bucket++;
    pthread_mutex_lock(&histogram->lock);
    histogram->counts[bucket]++;
    histogram->sum += value;
    pthread_mutex_unlock(&histogram->lock);
}

/* Escapes what the format asks: backslash, line feed and (in label
 * values) the double quote. */
static void append_escaped(strbuf *out, const char *text, int quote)
{
    for (const char *at = text; *at; at++) {
        if (*at == '\\')
            strbuf_append_str(out, "\\\\");
        else if (*at == '\n')
            strbuf_append_str(out, "\\n");
        else if (*at == '"' && quote)
            strbuf_append_str(out, "\\\"");
        else
            strbuf_append_char(out, *at);
    }
}

void prometheus_write_family(strbuf *out, const char *name, const char *type, const char *help)
{
    strbuf_printf(out, "# HELP %s ", name);
    append_escaped(out, help, 0);
    strbuf_printf(out, "\n# TYPE %s %s\n", name, type);
}

/* The value as the format writes it: integers without a fraction, +Inf. */
static void append_value(strbuf *out, double value)
{
    if (isinf(value))
        strbuf_append_str(out, value > 0 ? "+Inf" : "-Inf");
    else if (isnan(value))
        strbuf_append_str(out, "NaN");
    else if (value == floor(value) && fabs(value) < 1e15)
        strbuf_printf(out, "%.0f", value);
    else
        strbuf_printf(out, "%.9g", value);
}

/* name{a="x",b="y"[,extra="..."]} value */
static void write_line(strbuf *out, const char *name, const char *suffix,
                       const prometheus_label *labels, size_t label_count,
                       const prometheus_label *extra, double value)
{
    strbuf_printf(out, "%s%s", name, suffix);
    if (label_count || extra) {
        strbuf_append_char(out, '{');
        for (size_t i = 0; i < label_count + (extra ? 1 : 0); i++) {
            const prometheus_label *label = i < label_count ? &labels[i] : extra;
            strbuf_printf(out, "%s%s=\"", i ? "," : "", label->name);
            append_escaped(out, label->value ? label->value : "", 1);
            strbuf_append_char(out, '"');
        }
        strbuf_append_char(out, '}');
    }
    strbuf_append_char(out, ' ');
    append_value(out, value);
    strbuf_append_char(out, '\n');
}

void prometheus_write_sample(strbuf *out, const char *name, const prometheus_label *labels,
                             size_t label_count, double value)
{
    write_line(out, name, "", labels, label_count, NULL, value);
}

void prometheus_write_histogram(strbuf *out, const char *name, const prometheus_label *labels,
                                size_t label_count, prometheus_histogram *histogram)
{
    uint64_t counts[PROMETHEUS_MAX_BUCKETS + 1];
    pthread_mutex_lock(&histogram->lock);
    memcpy(counts, histogram->counts, sizeof counts);
    double sum = histogram->sum;
    pthread_mutex_unlock(&histogram->lock);
    uint64_t cumulative = 0;
    for (size_t i = 0; i <= histogram->bound_count; i++) {
        cumulative += counts[i];
        char bound[32];
        if (i == histogram->bound_count)
            snprintf(bound, sizeof bound, "+Inf");
        else
            snprintf(bound, sizeof bound, "%g", histogram->bounds[i]);
        prometheus_label le = {"le", bound};
        write_line(out, name, "_bucket", labels, label_count, &le, (double)cumulative);
    }
    write_line(out, name, "_sum", labels, label_count, NULL, sum);
    write_line(out, name, "_count", labels, label_count, NULL, (double)cumulative);
}
