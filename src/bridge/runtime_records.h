/*
 * runtime_records.h - the records behind the live call state, shared by
 * runtime.c (life cycle, single records, the dial simulator's steps) and
 * runtime_queries.c (pages, changes to many records). Private to those two
 * files: everyone else uses runtime.h.
 *
 * Owns: the record layouts and the runtime struct; every field of the
 * runtime is guarded by its `lock`, and every function declared here is
 * called with that lock held.
 */
#ifndef CONVENE_BRIDGE_RUNTIME_RECORDS_H
#define CONVENE_BRIDGE_RUNTIME_RECORDS_H

#include <pthread.h>
#include <stdbool.h>
#include <time.h>

#include "bridge/cdr.h"
#include "bridge/dial_simulator.h"
#include "bridge/id_index.h"
#include "bridge/runtime.h"

typedef struct leg_record leg_record;

typedef struct call_record {
    call_info info; /* duration_seconds is filled in on copy */
    struct timespec started;
    int64_t legs_completed;              /* for its callEnd record */
    int64_t legs_connected;              /* connected legs now */
    int64_t legs_connected_max;          /* high-water mark of legs_connected */
    struct call_record *previous, *next; /* the node's calls, creation order */
    leg_record *first_leg, *last_leg;    /* this call's legs, creation order */
} call_record;

struct leg_record {
    leg_info info; /* duration_seconds is filled in on copy */
    struct timespec created;
    call_record *call;
    leg_record *previous, *next; /* the node's legs, creation order */
    leg_record *previous_in_call, *next_in_call;
};

struct call_runtime {
    bridge *node;              /* options are read-only once running */
    dial_simulator *simulator; /* has its own lock */
    pthread_mutex_t lock;      /* guards everything below */
    runtime_counters counters; /* bit rates are derived when read */
    call_record *first_call, *last_call;
    leg_record *first_leg, *last_leg;
    size_t call_count, leg_count;
    id_index calls_by_id, calls_by_cospace, legs_by_id, legs_by_participant;
    unsigned long next_call_number; /* the "call N" of log lines */
};

/* Lower-cased copy of an ID; false when it cannot be one of ours. */
bool runtime_normalise_id(const char *id, char out[ID_TEXT_SIZE]);
/* Deep copies for callers; `now` fills in the durations. */
cv_result runtime_copy_call(const call_record *record, const struct timespec *now, call_info *out);
cv_result runtime_copy_leg(const leg_record *record, const struct timespec *now, leg_info *out);
/* Queues the callLegStart or callLegUpdate record of a leg as it is now. */
void runtime_emit_leg_record(struct call_runtime *runtime, const leg_record *leg,
                             cdr_record_type type);
/* True when the changes touch what a callLegUpdate record carries. */
bool runtime_changes_cdr_fields(const runtime_settings *configuration_changes,
                                const runtime_settings *participant_changes);

#endif
