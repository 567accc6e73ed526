/*
 * db_metrics.h - the counts /metrics reads from the database at scrape
 * time: bookings by state, open tickets by kind, the outbox by state, each
 * bridge's reachability. Each is one grouped query over an indexed or
 * small table.
 *
 * Owns: that SQL. Does not own: metric names or the text (scheduler_metrics.c).
 */
#ifndef CONVENE_SCHEDULER_DB_METRICS_H
#define CONVENE_SCHEDULER_DB_METRICS_H

#include <stdint.h>

#include "common/result.h"
#include "common/store_db_pool.h"

/* One row: `label` (a state, a kind, a bridge id), `second` (the bridge's
 * name, else NULL) and the number. */
typedef void (*db_metrics_row)(void *context, const char *label, const char *second, int64_t value);

typedef enum {
    DB_METRICS_BOOKINGS_BY_STATE,
    DB_METRICS_TICKETS_BY_KIND,
    DB_METRICS_OUTBOX_BY_STATE,
    DB_METRICS_BRIDGE_REACHABLE, /* value 1 or 0 per bridge */
} db_metrics_query;

cv_result db_metrics_read(store_db *database, db_metrics_query query, db_metrics_row visit,
                          void *context);

#endif
