/*
 * dial_simulator.h - the stand-in for SIP until real dial-out exists: what
 * a remote party does when called (answer, reject busy, never answer) and
 * when it does it.
 *
 * Owns: the outcome rules (--busy-party and --no-answer-party glob patterns,
 * matched case-insensitively against the whole remote party), the timeline
 * of a dial-out, and a timer thread that fires each step when it is due
 * (CLOCK_MONOTONIC deadlines, a condition variable bound to that clock, no
 * polling). Does not own: the legs themselves; it only names a leg by ID and
 * hands each due step to the handler (runtime.c), which ignores steps for
 * legs that have gone. The handler runs on the timer thread without the
 * simulator's lock held, so it may take other locks; scheduling never waits
 * for a handler to finish.
 *
 * Timeline for a leg created at t=0 with --ring-ms R:
 *   t = R/4  initial -> ringing            (every outcome)
 *   t = R    ringing -> connected          (answers)
 *   t = R    ringing -> rejected, gone     (busy)
 *   never    stays ringing until deleted   (no answer)
 *   t = 0    initial -> failed, gone       (unroutable: no dial plan rule)
 */
#ifndef CONVENE_BRIDGE_DIAL_SIMULATOR_H
#define CONVENE_BRIDGE_DIAL_SIMULATOR_H

#include <stdbool.h>
#include <stdint.h>

#include "bridge/bridge.h"
#include "common/ids.h"
#include "common/result.h"

typedef enum {
    DIAL_ANSWERS,
    DIAL_BUSY,
    DIAL_NO_ANSWER,
    DIAL_UNROUTABLE, /* no outbound dial plan rule matched: fails at t = 0 */
} dial_outcome;

typedef enum {
    DIAL_STEP_RING,   /* the far end starts ringing */
    DIAL_STEP_ANSWER, /* the far end answers */
    DIAL_STEP_REJECT, /* the far end rejects the call (busy) */
    DIAL_STEP_FAIL,   /* the call cannot be routed (no dial plan rule) */
} dial_step;

/* True when `remote_party` matches one of the glob patterns (whole
 * string, without regard to case). */
bool dial_party_matches(const string_list *patterns, const char *remote_party);
/* Busy patterns are checked first, then no-answer ones; no match answers. */
dial_outcome dial_outcome_for(const bridge_options *options, const char *remote_party);
const char *dial_outcome_name(dial_outcome outcome);

typedef void (*dial_step_handler)(void *context, const char *leg_id, dial_step step);

typedef struct dial_simulator dial_simulator;

cv_result dial_simulator_start(dial_step_handler handler, void *context, dial_simulator **out);
/* Wakes the thread, waits for it to finish and frees whatever is pending.
 * Steps still pending are dropped. Accepts NULL. */
void dial_simulator_stop(dial_simulator *simulator);
/* Schedules the whole timeline of one dial-out. */
cv_result dial_simulator_dial(dial_simulator *simulator, const char *leg_id,
                              int64_t ring_milliseconds, dial_outcome outcome);
/* Schedules one step `delay_milliseconds` from now. Steps due at the same
 * time fire in the order they were scheduled. */
cv_result dial_simulator_schedule(dial_simulator *simulator, const char *leg_id,
                                  int64_t delay_milliseconds, dial_step step);

#endif
