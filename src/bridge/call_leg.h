/*
 * call_leg.h - what participant.c borrows from call_leg.c: how a leg is
 * named and shown in a <callLegs> list. Owns nothing else.
 */
#ifndef CONVENE_BRIDGE_CALL_LEG_H
#define CONVENE_BRIDGE_CALL_LEG_H

#include "bridge/api.h"
#include "bridge/live_parameters.h"
#include "bridge/runtime.h"
#include "common/strbuf.h"

/* nameLabelOverride when set, else the remote party. */
const char *call_leg_display_name(const leg_info *leg);
/* chosenLayout, else defaultLayout (or its old name layout), else automatic. */
const char *call_leg_active_layout(const leg_info *leg);
/* <callLeg id="..."><name/><remoteParty/><originalRemoteParty/><call/>... */
void call_leg_write_summary(strbuf *out, const leg_info *leg);
/* Replies with one page of <callLegs total="N"> of the legs of `call_id`
 * (NULL: all) that `keep` accepts; 404 `missing_reason` when call_id names
 * no call. */
void call_leg_reply_list(api_call *call, const char *call_id, leg_predicate keep, void *context,
                         const char *missing_reason);

/* Validates one parameter a handler reads itself (remoteParty, ...):
 * false after replying 400 (valueRequired when `required` and missing). */
bool call_leg_check_parameter(api_call *call, const live_parameter *parameter, bool required);
/* Reads a leg's body: the call leg parameters into `configuration`,
 * nameLabelOverride into `participant`; names in `handled` are left to
 * the caller. False after replying. */
bool call_leg_read_body(api_call *call, const char *const *handled, runtime_settings *configuration,
                        runtime_settings *participant);

/* Merges configuration levels (call_leg_plan.c), pure: built-in defaults
 * first, then each of `levels` in order (NULL entries skipped), each
 * overriding what came before; an old "layout" in a level stands for
 * "defaultLayout" unless that level sets defaultLayout too. */
cv_result call_leg_merge_configuration(const runtime_settings *const *levels, size_t count,
                                       runtime_settings *out);

/* The levels a leg's call leg profile values come from, highest first
 * (the reference's "scope" names: call_leg_scope_name). The bridge's legs
 * are all dial-outs from a call, so the reference's tenant, accessMethod,
 * coSpaceUser and callOut levels never apply to them. */
typedef enum {
    LEG_SCOPE_GLOBAL,   /* /system/profiles callLegProfile */
    LEG_SCOPE_COSPACE,  /* the call's space's callLegProfile */
    LEG_SCOPE_CALL_LEG, /* the leg's own callLegProfile, then its own values */
    LEG_SCOPE_COUNT,
} leg_profile_scope;

/* "global", "coSpace", "callLeg". */
const char *call_leg_scope_name(leg_profile_scope scope);

/* What one level sets: the profile it names ("" when none) and the call
 * leg profile parameters that level gives (only those; owned). */
typedef struct {
    char profile_id[ID_TEXT_SIZE];
    runtime_settings values;
} leg_profile_level;

/* Reads every level of `leg` from the database now (call_leg_plan.c).
 * On error every level is left empty. */
cv_result call_leg_profile_levels(store_db *database, const leg_info *leg,
                                  leg_profile_level levels[LEG_SCOPE_COUNT]);
void call_leg_profile_levels_clear(leg_profile_level levels[LEG_SCOPE_COUNT]);

/* The effective configuration of a leg (call_leg_plan.c): the merge of
 * the levels of call_leg_profile_levels in order, then the leg's own
 * settings, read from the database now. */
cv_result call_leg_effective_configuration(store_db *database, const leg_info *leg,
                                           runtime_settings *out);

/* Dials out from a call through the dial transforms and the outbound dial
 * plan (call_leg_plan.c) and creates the leg; replies on failure (404
 * callDoesNotExist, 503, 500) and returns false. `with_participant`: the
 * participant exists from the start (POST /calls/<id>/participants). */
bool call_leg_dial_out(api_call *call, const char *call_id, const char *remote_party,
                       bool with_participant, const runtime_settings *configuration,
                       const runtime_settings *participant, char id[ID_TEXT_SIZE],
                       char participant_id[ID_TEXT_SIZE]);

#endif
