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
#include "common/linked_list.h"

typedef struct leg_record leg_record;

typedef struct call_record {
    call_info info; /* duration_seconds is filled in on copy */
    struct timespec started;
    int64_t legs_completed;     /* for its callEnd record */
    int64_t legs_connected;     /* connected legs now */
    int64_t legs_connected_max; /* high-water mark of legs_connected */
    list_link in_node;          /* on the runtime's `calls`, creation order */
    list_ends legs;             /* this call's legs (leg_record.in_call), creation order */
} call_record;

struct leg_record {
    leg_info info; /* duration_seconds is filled in on copy */
    struct timespec created;
    call_record *call;
    list_link in_node; /* on the runtime's `legs`, creation order */
    list_link in_call; /* on its call's `legs` */
};

struct call_runtime {
    bridge *node;              /* options are read-only once running */
    dial_simulator *simulator; /* has its own lock */
    pthread_mutex_t lock;      /* guards everything below */
    runtime_counters counters; /* bit rates are derived when read */
    list_ends calls;           /* call_record.in_node */
    list_ends legs;            /* leg_record.in_node */
    size_t call_count, leg_count;
    id_index calls_by_id, calls_by_cospace, legs_by_id, legs_by_participant;
    unsigned long next_call_number; /* the "call N" of log lines */
};

/* The record a link of the lists above belongs to; NULL past the end. */
static inline call_record *call_at(list_link *link)
{
    return LIST_RECORD(link, call_record, in_node);
}
static inline leg_record *leg_at(list_link *link)
{
    return LIST_RECORD(link, leg_record, in_node);
}
static inline leg_record *leg_in_call_at(list_link *link)
{
    return LIST_RECORD(link, leg_record, in_call);
}

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
