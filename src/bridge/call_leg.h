/*
 * call_leg.h - what participant.c borrows from call_leg.c: how a leg is
 * named and shown in a <callLegs> list. Owns nothing else.
 */
#ifndef CONVENE_BRIDGE_CALL_LEG_H
#define CONVENE_BRIDGE_CALL_LEG_H

#include "bridge/api.h"
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

#endif
