/*
 * runtime.h - the node's live call state: calls, call legs, participants,
 * the simulated dial-out, and the counters /system/status reports.
 *
 * Owns: state that exists only while the process runs (a restart clears it,
 * as on a real CMS); each node owns the calls it hosts. Everything sits
 * behind one mutex inside the runtime, held only to copy, insert or remove
 * records; callers get deep copies (call_info, leg_info) they format and
 * free without the lock. IDs are looked up through hash indexes.
 * Does not own: configuration objects (SQLite, cospace.h), parameter
 * validation and XML (call.c, call_leg.c, participant.c), or the timing and
 * outcome of a simulated dial-out (dial_simulator.h).
 */
#ifndef CONVENE_BRIDGE_RUNTIME_H
#define CONVENE_BRIDGE_RUNTIME_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "bridge/bridge.h"
#include "common/ids.h"
#include "common/result.h"

typedef struct {
    int64_t call_legs_active;     /* legs connected now */
    int64_t call_legs_max_active; /* high-water mark of call_legs_active */
    int64_t call_legs_completed;  /* legs that ended, however they ended */
    int64_t cdr_correlator_index; /* one per call or leg event (start, update, end) */
    int64_t audio_bit_rate_outgoing;
    int64_t audio_bit_rate_incoming;
    int64_t video_bit_rate_outgoing;
    int64_t video_bit_rate_incoming;
} runtime_counters;

/* What one connected leg adds to the node's bit rates, each direction. */
#define RUNTIME_AUDIO_BIT_RATE 64000
#define RUNTIME_VIDEO_BIT_RATE 1000000

/* --- name/value settings ------------------------------------------------
 * A call's modifiable parameters, a leg's configuration overrides and a
 * participant's settings are kept as ordered name/value pairs, already
 * validated by the API module that owns their meaning. */
typedef struct {
    char *name;
    char *value;
} runtime_setting;

typedef struct {
    runtime_setting *items;
    size_t count;
} runtime_settings;

/* Sets `name` to `value`, replacing an earlier value; an empty value
 * removes the name (the API's "empty value unsets it"). */
cv_result runtime_settings_set(runtime_settings *settings, const char *name, const char *value);
/* The value of `name`, or NULL when unset. */
const char *runtime_settings_get(const runtime_settings *settings, const char *name);
/* Applies every pair of `changes` in order with runtime_settings_set. On
 * failure `settings` is left as it was. */
cv_result runtime_settings_merge(runtime_settings *settings, const runtime_settings *changes);
cv_result runtime_settings_copy(const runtime_settings *source, runtime_settings *out);
void runtime_settings_clear(runtime_settings *settings);

/* --- snapshots handed to callers ---------------------------------------- */

typedef enum {
    LEG_STATE_INITIAL,
    LEG_STATE_RINGING,
    LEG_STATE_CONNECTED,
} leg_state;

/* "initial", "ringing", "connected": the API's spelling. */
const char *leg_state_name(leg_state state);

typedef struct {
    char id[ID_TEXT_SIZE];
    char call_correlator[ID_TEXT_SIZE];
    char cospace[ID_TEXT_SIZE]; /* "" for a call made by name alone */
    char tenant[ID_TEXT_SIZE];  /* "" when none */
    char *name;
    char *owner_name;    /* NULL when none */
    char *local_address; /* the address dial-outs come from; NULL when none */
    char *cdr_tag;       /* the space's cdrTag when the call started; NULL when none */
    int64_t duration_seconds;
    int64_t num_call_legs;     /* legs now, in any state */
    int64_t max_call_legs;     /* high-water mark of num_call_legs */
    int64_t num_participants;  /* connected legs now */
    runtime_settings settings; /* what POST/PUT set; defaults are the API's */
} call_info;

typedef struct {
    char id[ID_TEXT_SIZE];
    char call[ID_TEXT_SIZE];
    char participant[ID_TEXT_SIZE]; /* "" until the leg is connected */
    char tenant[ID_TEXT_SIZE];      /* the call's tenant, "" when none */
    char cospace[ID_TEXT_SIZE];     /* the call's space, "" when none */
    char *remote_party;             /* after dial transforms: the address dialled */
    char *original_remote_party;    /* as the client gave it */
    char *local_address;            /* NULL when the call has none */
    char *sip_call_id;
    leg_state state;
    bool unencrypted_control;              /* see leg_request */
    bool packet_loss;                      /* --packet-loss-party: the alarm once connected */
    unsigned long number;                  /* the node's running call number (log lines) */
    int64_t duration_seconds;              /* since the leg was created */
    runtime_settings configuration;        /* ownerId, chosenLayout, profile overrides */
    runtime_settings participant_settings; /* importance, nameLabelOverride, ... */
} leg_info;

void call_info_free(call_info *call);
void leg_info_free(leg_info *leg);
void runtime_free_calls(call_info *calls, size_t count);
void runtime_free_legs(leg_info *legs, size_t count);

/* --- life cycle -------------------------------------------------------- */

struct call_runtime;

/* Starts the dial simulator thread (with every signal blocked, so that
 * main's sigwait keeps receiving SIGTERM). */
cv_result runtime_create(bridge *node, struct call_runtime **out);
/* Stops the simulator thread and frees every call, leg and participant. */
void runtime_destroy(struct call_runtime *runtime);
void runtime_get_counters(struct call_runtime *runtime, runtime_counters *out);

/* --- calls -------------------------------------------------------------- */

typedef struct {
    const char *id;            /* the new call's ID; NULL: a fresh one */
    const char *cospace;       /* NULL or "" for a call made by name alone */
    const char *tenant;        /* NULL when none */
    const char *name;          /* required */
    const char *owner_name;    /* NULL when none */
    const char *local_address; /* NULL when none */
    const char *cdr_tag;       /* the space's, for its CDRs; NULL when none */
} call_request;

/* Creates a call. CV_ERR_CONFLICT when the space already has one (one active
 * call per space). `id_out` receives the new call's ID. */
cv_result runtime_create_call(struct call_runtime *runtime, const call_request *request,
                              const runtime_settings *settings, char id_out[ID_TEXT_SIZE]);
/* CV_ERR_NOT_FOUND when there is no such call. */
cv_result runtime_get_call(struct call_runtime *runtime, const char *id, call_info *out);
/* Merges `changes` into the call's settings. */
cv_result runtime_update_call(struct call_runtime *runtime, const char *id,
                              const runtime_settings *changes);
/* Ends the call: every leg is disconnected (counted completed), every
 * participant vanishes. */
cv_result runtime_delete_call(struct call_runtime *runtime, const char *id);
/* Ends the call of a space, if it has one (for when the space is deleted).
 * Returns true when a call was ended. */
bool runtime_end_cospace_call(struct call_runtime *runtime, const char *cospace_id);

/* Called under the runtime lock for each candidate; must not block. */
typedef bool (*call_predicate)(const call_info *call, void *context);
typedef bool (*leg_predicate)(const leg_info *leg, void *context);

/* The page [offset, offset+limit) of the calls `keep` accepts (NULL: all),
 * in creation order, and how many were accepted in all. Free the array
 * with runtime_free_calls. */
cv_result runtime_list_calls(struct call_runtime *runtime, call_predicate keep, void *context,
                             int64_t offset, int64_t limit, call_info **out, size_t *count,
                             size_t *total);

/* --- legs and participants ------------------------------------------------ */

/* Dials `remote_party` from the call: the leg starts `initial` and the dial
 * simulator moves it on. CV_ERR_NOT_FOUND when there is no such call. */
cv_result runtime_create_leg(struct call_runtime *runtime, const char *call_id,
                             const char *remote_party, const runtime_settings *configuration,
                             const runtime_settings *participant_settings,
                             char id_out[ID_TEXT_SIZE]);

/* A dial-out with everything the dial plan decided. */
typedef struct {
    const char *remote_party;          /* the address dialled (after dial transforms) */
    const char *original_remote_party; /* as given; NULL: the same */
    const char *local_address;         /* NULL: the call's (space URI @ --sip-domain) */
    /* True for POST /calls/<id>/participants: the participant exists (and
     * is listed) from the start, in the leg's state; otherwise it appears
     * when the leg connects. */
    bool with_participant;
    /* No outbound dial plan rule matched: the leg is created, then fails at
     * once with reason unknownDestination. */
    bool unroutable;
    /* The rule says sipControlEncryption=unencrypted: without TLS for the
     * signalling, media keys cannot be exchanged, so media is unencrypted. */
    bool unencrypted_control;
} leg_request;

/* runtime_create_leg with the dial plan's decisions. `participant_out`
 * (may be NULL) receives the participant's ID when with_participant. */
cv_result runtime_create_leg_with(struct call_runtime *runtime, const char *call_id,
                                  const leg_request *request, const runtime_settings *configuration,
                                  const runtime_settings *participant_settings,
                                  char id_out[ID_TEXT_SIZE], char participant_out[ID_TEXT_SIZE]);

/* Which participants of a call PUT /calls/<id>/participants/(star) changes:
 * all, or (filterIds + mode) only the listed ones or all but them. */
typedef struct {
    const char *const *ids; /* lower-case participant IDs */
    size_t count;
    bool selected; /* true: only `ids`; false: every participant but `ids` */
} participant_selection;

/* Merges the changes into every selected participant of the call (its
 * leg's configuration and its participant settings), all or none.
 * CV_ERR_NOT_FOUND when there is no such call. `changed` (may be NULL)
 * receives how many participants were changed. */
cv_result runtime_update_call_participants(struct call_runtime *runtime, const char *call_id,
                                           const participant_selection *selection,
                                           const runtime_settings *configuration_changes,
                                           const runtime_settings *participant_changes,
                                           size_t *changed);
cv_result runtime_get_leg(struct call_runtime *runtime, const char *id, leg_info *out);
/* Merges configuration and participant-side changes (either may be NULL),
 * both or neither. */
cv_result runtime_update_leg(struct call_runtime *runtime, const char *id,
                             const runtime_settings *configuration_changes,
                             const runtime_settings *participant_changes);
/* Disconnects the leg (counted completed); its participant vanishes. */
cv_result runtime_delete_leg(struct call_runtime *runtime, const char *id);
/* Legs of `call_id` (NULL: every leg of the node) that `keep` accepts, in
 * creation order. CV_ERR_NOT_FOUND when call_id names no call. */
cv_result runtime_list_legs(struct call_runtime *runtime, const char *call_id, leg_predicate keep,
                            void *context, int64_t offset, int64_t limit, leg_info **out,
                            size_t *count, size_t *total);

/* A participant is the face of one connected leg: these find the leg by
 * its participant ID. CV_ERR_NOT_FOUND when there is none. */
cv_result runtime_get_participant(struct call_runtime *runtime, const char *participant_id,
                                  leg_info *out);
cv_result runtime_update_participant(struct call_runtime *runtime, const char *participant_id,
                                     const runtime_settings *changes);
cv_result runtime_delete_participant(struct call_runtime *runtime, const char *participant_id);

#endif
