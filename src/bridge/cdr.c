/*
 * cdr.c - the XML of Call Detail Records, in the shape of Cisco's CDR
 * guide; see cdr.h. Owns the names of record types and leg end reasons and
 * the elements each record carries. Owns no state and does no I/O.
 */
#include "bridge/cdr.h"

#include <stdio.h>

#include "common/xml_writer.h"

static const char *const RECORD_TYPE_NAMES[] = {
    [CDR_CALL_START] = "callStart",        [CDR_CALL_END] = "callEnd",
    [CDR_CALL_LEG_START] = "callLegStart", [CDR_CALL_LEG_UPDATE] = "callLegUpdate",
    [CDR_CALL_LEG_END] = "callLegEnd",
};

static const char *const END_REASON_NAMES[] = {
    [LEG_END_LOCAL_TEARDOWN] = "localTeardown",
    [LEG_END_REMOTE_TEARDOWN] = "remoteTeardown",
    [LEG_END_UNKNOWN_DESTINATION] = "unknownDestination",
};

const char *cdr_record_type_name(cdr_record_type type)
{
    return (size_t)type < sizeof RECORD_TYPE_NAMES / sizeof RECORD_TYPE_NAMES[0]
               ? RECORD_TYPE_NAMES[type]
               : "unknown";
}

const char *leg_end_reason_name(leg_end_reason reason)
{
    return (size_t)reason < sizeof END_REASON_NAMES / sizeof END_REASON_NAMES[0]
               ? END_REASON_NAMES[reason]
               : "unknown";
}

static void optional_text(strbuf *out, const char *name, const char *text)
{
    if (text)
        xml_text_element(out, name, text);
}

static void render_call_start(strbuf *out, const cdr_event *event)
{
    xml_open_with_attribute(out, "call", "id", event->id);
    xml_text_element(out, "name", event->name ? event->name : "");
    optional_text(out, "coSpace", event->cospace);
    optional_text(out, "callCorrelator", event->call_correlator);
    optional_text(out, "tenant", event->tenant);
    optional_text(out, "cdrTag", event->cdr_tag);
    xml_text_element(out, "callType", event->ad_hoc ? "adHoc" : "coSpace");
    xml_close(out, "call");
}

static void render_call_end(strbuf *out, const cdr_event *event)
{
    xml_open_with_attribute(out, "call", "id", event->id);
    xml_int_element(out, "callLegsCompleted", event->call_legs_completed);
    xml_int_element(out, "callLegsMaxActive", event->call_legs_max_active);
    xml_int_element(out, "durationSeconds", event->duration_seconds);
    xml_close(out, "call");
}

static void render_leg_start(strbuf *out, const cdr_event *event)
{
    xml_open_with_attribute(out, "callLeg", "id", event->id);
    xml_text_element(out, "displayName", event->display_name ? event->display_name : "");
    optional_text(out, "remoteParty", event->remote_party);
    optional_text(out, "localAddress", event->local_address);
    xml_text_element(out, "remoteAddress", "");
    xml_text_element(out, "type", "sip");
    xml_text_element(out, "subType", "");
    xml_text_element(out, "direction", "outgoing");
    optional_text(out, "call", event->call);
    optional_text(out, "ownerId", event->owner_id);
    optional_text(out, "sipCallId", event->sip_call_id);
    xml_text_element(out, "groupId", event->id);
    xml_bool_element(out, "recording", false);
    xml_bool_element(out, "streaming", false);
    xml_close(out, "callLeg");
}

static void render_leg_update(strbuf *out, const cdr_event *event)
{
    xml_open_with_attribute(out, "callLeg", "id", event->id);
    if (event->display_name && *event->display_name)
        xml_text_element(out, "displayName", event->display_name);
    if (event->connected)
        xml_text_element(out, "state", "connected");
    optional_text(out, "call", event->call);
    optional_text(out, "ownerId", event->owner_id);
    optional_text(out, "sipCallId", event->sip_call_id);
    xml_text_element(out, "groupId", event->id);
    xml_bool_element(out, "deactivated", event->deactivated);
    xml_close(out, "callLeg");
}

/* The simulated media of a connected leg (what /callLegs/<id> shows). */
static void render_media(strbuf *out, bool encrypted)
{
    xml_open(out, "mediaUsagePercentages");
    xml_text_element(out, "mainVideoViewer", "100.0");
    xml_text_element(out, "mainVideoContributor", "100.0");
    xml_close(out, "mediaUsagePercentages");
    xml_bool_element(out, "encryptedMedia", encrypted);
    xml_bool_element(out, "unencryptedMedia", !encrypted);
    static const char *const audio[] = {"rxAudio", "txAudio"};
    static const char *const video[] = {"rxVideo", "txVideo"};
    for (size_t i = 0; i < 2; i++) {
        xml_open(out, audio[i]);
        xml_text_element(out, "codec", "opus");
        xml_close(out, audio[i]);
    }
    for (size_t i = 0; i < 2; i++) {
        xml_open(out, video[i]);
        xml_text_element(out, "codec", "h264");
        xml_int_element(out, "maxSizeWidth", 1280);
        xml_int_element(out, "maxSizeHeight", 720);
        xml_close(out, video[i]);
    }
}

static void render_leg_end(strbuf *out, const cdr_event *event)
{
    xml_open_with_attribute(out, "callLeg", "id", event->id);
    xml_text_element(out, "reason", leg_end_reason_name(event->reason));
    xml_bool_element(out, "remoteTeardown", event->reason == LEG_END_REMOTE_TEARDOWN);
    xml_int_element(out, "durationSeconds", event->duration_seconds);
    if (event->had_media)
        render_media(out, event->encrypted_media);
    xml_close(out, "callLeg");
}

void cdr_render_record(strbuf *out, const cdr_event *event, uint64_t record_index)
{
    char when[32] = "";
    struct tm parts;
    if (gmtime_r(&event->time, &parts))
        strftime(when, sizeof when, "%Y-%m-%dT%H:%M:%SZ", &parts);
    strbuf_printf(out,
                  "<record type=\"%s\" time=\"%s\" recordIndex=\"%llu\" "
                  "correlatorIndex=\"%lld\">",
                  cdr_record_type_name(event->type), when, (unsigned long long)record_index,
                  (long long)event->correlator_index);
    switch (event->type) {
    case CDR_CALL_START:
        render_call_start(out, event);
        break;
    case CDR_CALL_END:
        render_call_end(out, event);
        break;
    case CDR_CALL_LEG_START:
        render_leg_start(out, event);
        break;
    case CDR_CALL_LEG_UPDATE:
        render_leg_update(out, event);
        break;
    case CDR_CALL_LEG_END:
        render_leg_end(out, event);
        break;
    }
    xml_close(out, "record");
}

void cdr_render_batch_open(strbuf *out, const char *session, const char *call_bridge)
{
    strbuf_append_str(out, XML_DECLARATION);
    strbuf_append_str(out, "<records session=\"");
    xml_append_escaped(out, session);
    strbuf_append_str(out, "\" callBridge=\"");
    xml_append_escaped(out, call_bridge);
    strbuf_append_str(out, "\">");
}

void cdr_render_batch_close(strbuf *out)
{
    xml_close(out, "records");
}
