/*
 * cdr.h - Call Detail Records as a Cisco Meeting Server sends them: what
 * one record says (cdr_event), its XML, and the sender that POSTs them to
 * every configured /system/cdrReceivers URI.
 *
 * Owns: the record set (callStart, callEnd, callLegStart, callLegUpdate,
 * callLegEnd), the leg end reasons and their names, the XML shape of a
 * record and of a batch (<records session=".." callBridge="..">), and the
 * sender (cdr_sender.c): a bounded in-memory queue, one background thread,
 * libcurl, batching, retrying a receiver that is down without losing or
 * reordering what it has not yet acknowledged. Does not own: when calls and
 * legs start and end (runtime.c) or the receivers' configuration
 * (cdr_receiver.c, object_store.c).
 */
#ifndef CONVENE_BRIDGE_CDR_H
#define CONVENE_BRIDGE_CDR_H

#include <stdbool.h>
#include <stdint.h>
#include <time.h>

#include "bridge/bridge.h"
#include "common/result.h"
#include "common/strbuf.h"

typedef enum {
    CDR_CALL_START,
    CDR_CALL_END,
    CDR_CALL_LEG_START,
    CDR_CALL_LEG_UPDATE,
    CDR_CALL_LEG_END,
} cdr_record_type;

/* "callStart", "callEnd", "callLegStart", "callLegUpdate", "callLegEnd". */
const char *cdr_record_type_name(cdr_record_type type);

/* Why a leg ended: the <reason> of its callLegEnd record. */
typedef enum {
    LEG_END_LOCAL_TEARDOWN,      /* the API ended the leg, its participant or its call */
    LEG_END_REMOTE_TEARDOWN,     /* the far end ended or refused it (a busy party) */
    LEG_END_UNKNOWN_DESTINATION, /* no outbound dial plan rule matched the destination */
} leg_end_reason;

/* "localTeardown", "remoteTeardown", "unknownDestination". */
const char *leg_end_reason_name(leg_end_reason reason);

/* One record. Text fields may be NULL (the element is left out); the
 * strings are only borrowed for the duration of cdr_sender_submit. */
typedef struct {
    cdr_record_type type;
    int64_t correlator_index; /* the node's cdrCorrelatorIndex after this event */
    time_t time;              /* when it happened (UTC) */
    const char *id;           /* the call's (call records) or the leg's ID */
    /* callStart */
    const char *name;
    const char *cospace;
    const char *call_correlator;
    const char *tenant;
    const char *cdr_tag;
    bool ad_hoc; /* callType adHoc rather than coSpace */
    /* callEnd (and callLegEnd's durationSeconds) */
    int64_t call_legs_completed;
    int64_t call_legs_max_active;
    int64_t duration_seconds;
    /* callLegStart, callLegUpdate */
    const char *display_name;
    const char *remote_party;
    const char *local_address;
    const char *call; /* the leg's call */
    const char *owner_id;
    const char *sip_call_id;
    bool connected;   /* callLegUpdate: state connected */
    bool deactivated; /* callLegUpdate */
    /* callLegEnd */
    leg_end_reason reason;
    bool had_media;       /* the leg was connected: media elements follow */
    bool encrypted_media; /* with had_media */
} cdr_event;

/* Appends <record type=".." time=".." recordIndex="N" correlatorIndex="M">
 * with the record's body. Pure: no I/O, no state. */
void cdr_render_record(strbuf *out, const cdr_event *event, uint64_t record_index);
/* The opening of one POST body: the XML declaration and <records
 * session=".." callBridge="..">; cdr_render_batch_close ends it. */
void cdr_render_batch_open(strbuf *out, const char *session, const char *call_bridge);
void cdr_render_batch_close(strbuf *out);

/* --- the sender (cdr_sender.c) ------------------------------------------------ */

typedef struct cdr_sender cdr_sender;

/* Starts the sender thread (signals blocked). `capacity` bounds the queue:
 * when it is full the oldest record not yet delivered everywhere is dropped
 * and counted (a warning in the log). */
cv_result cdr_sender_start(bridge *node, size_t capacity, cdr_sender **out);
/* Renders the record, gives it the next recordIndex and queues it for
 * every receiver configured now or later. Never blocks on the network; may
 * be called with other locks held (it takes only the sender's own). */
void cdr_sender_submit(cdr_sender *sender, const cdr_event *event);
/* Stops the thread; records not yet delivered are dropped. Accepts NULL. */
void cdr_sender_stop(cdr_sender *sender);
/* How many records were dropped because the queue was full. */
uint64_t cdr_sender_dropped(cdr_sender *sender);

#endif
