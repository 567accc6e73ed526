/*
 * runtime.h - the node's live call state: calls, call legs, participants,
 * the simulated dial-out, and the counters /system/status reports.
 *
 * Owns: state that exists only while the process runs (a restart clears it,
 * as on a real CMS); each node owns the calls it hosts. Guarded by one mutex
 * inside the runtime. Does not own: configuration objects (SQLite).
 */
#ifndef CONVENE_BRIDGE_RUNTIME_H
#define CONVENE_BRIDGE_RUNTIME_H

#include <stdint.h>

#include "bridge/bridge.h"
#include "common/result.h"

typedef struct {
    int64_t call_legs_active;
    int64_t call_legs_max_active;
    int64_t call_legs_completed;
    int64_t cdr_correlator_index;
    int64_t audio_bit_rate_outgoing;
    int64_t audio_bit_rate_incoming;
    int64_t video_bit_rate_outgoing;
    int64_t video_bit_rate_incoming;
} runtime_counters;

cv_result runtime_create(bridge *node, struct call_runtime **out);
void runtime_destroy(struct call_runtime *runtime);
void runtime_get_counters(struct call_runtime *runtime, runtime_counters *out);

#endif
