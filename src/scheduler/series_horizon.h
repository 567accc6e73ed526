/*
 * series_horizon.h - the rolling horizon of endless series: a series
 * without COUNT or UNTIL is booked --series-horizon-days ahead when it is
 * made; this module's thread looks every --series-extend-seconds for such
 * series booked less far than that from now, and books the occurrences
 * that have come within the horizon.
 *
 * Owns: the thread and one extension (one transaction per series: each
 * new occurrence placed under the capacity rules; one that clashes is
 * left out as an EXDATE of the series, its SEQUENCE raised, and its
 * organizer told). Does not own: expanding (recurrence.c), placing
 * (booking.c), the notices' text (series_notice.c).
 */
#ifndef CONVENE_SCHEDULER_SERIES_HORIZON_H
#define CONVENE_SCHEDULER_SERIES_HORIZON_H

#include <stddef.h>
#include <stdint.h>

#include "common/store_db_pool.h"
#include "scheduler/scheduler.h"

extern const scheduler_module series_horizon_module;

/* A pass now rather than after --series-extend-seconds (this node has
 * just become the leader, cluster.c). */
void series_horizon_wake(scheduler *daemon);

/* One pass now: every endless series booked up to `now` + the horizon.
 * *booked and *skipped count the occurrences (either may be NULL). */
cv_result series_horizon_extend(scheduler *daemon, store_db *database, int64_t now, size_t *booked,
                                size_t *skipped);

#endif
