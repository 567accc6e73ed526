/*
 * call_leg.c - /calls/<id>/callLegs (dial out, list a call's legs),
 * /callLegs (every leg of this node) and /callLegs/<id> (read, modify,
 * disconnect). TMS (in the traffic recorded in Cisco's guide) spells the
 * collection "callegs"; it is accepted as the same object.
 *
 * Owns: the call leg parameters (the blueprint's callLeg structure: the
 * POST-only remoteParty, bandwidth and confirmation, ownerId, chosenLayout,
 * callLegProfile and every call leg profile override), the leg XML
 * (configuration, and a status with simulated media once connected), the
 * collection filters and the audit lines. Does not own: leg state
 * (runtime.c), the dial-out's progress (dial_simulator.c), participants
 * (participant.c).
 */
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "bridge/api.h"
#include "bridge/call_leg.h"
#include "bridge/live_parameters.h"
#include "bridge/object_store.h"
#include "bridge/routes.h"
#include "bridge/runtime.h"
#include "common/text.h"
#include "common/xml_writer.h"

static const char *const PRESENTATION_DISPLAY_MODES[] = {"dualStream", "singleStream", NULL};
static const char *const VIDEO_MODES[] = {"auto", "disabled", NULL};
static const char *const MEDIA_ENCRYPTION[] = {"optional", "required", "prohibited", NULL};
static const char *const DEACTIVATION_MODES[] = {"deactivate", "disconnect", "remainActivated",
                                                 NULL};
static const char *const BFCP_MODES[] = {"serverOnly", "serverAndClient", NULL};
static const char *const QUALITY_MAIN[] = {"unrestricted", "max1080p30", "max720p30", "max480p30",
                                           NULL};
static const char *const QUALITY_PRESENTATION[] = {"unrestricted", "max1080p30", "max720p5", NULL};
static const char *const PARTICIPANT_COUNTERS[] = {"never", "auto", "always", NULL};
static const char *const AUDIO_GAIN_MODES[] = {"agc", "disabled", NULL};

#define BOOL_PARAMETER(name)                                                                       \
    {                                                                                              \
        name, LIVE_BOOL, NULL, 0, 0, 0                                                             \
    }

/* Stored in the leg's configuration and shown under <configuration>. */
static const live_parameter LEG_PARAMETERS[] = {
    {"ownerId", LIVE_ID, NULL, 0, 0, 0},
    {"chosenLayout", LIVE_CHOICE, live_layouts, 0, 0, 0},
    {"callLegProfile", LIVE_ID, NULL, 0, 0, 0},
    BOOL_PARAMETER("needsActivation"),
    {"defaultLayout", LIVE_CHOICE, live_layouts, 0, 0, 0},
    {"layout", LIVE_CHOICE, live_layouts, 0, 0, 0}, /* old name of defaultLayout */
    BOOL_PARAMETER("participantLabels"),
    {"presentationDisplayMode", LIVE_CHOICE, PRESENTATION_DISPLAY_MODES, 0, 0, 0},
    BOOL_PARAMETER("presentationContributionAllowed"),
    BOOL_PARAMETER("presentationViewingAllowed"),
    BOOL_PARAMETER("endCallAllowed"),
    BOOL_PARAMETER("muteOthersAllowed"),
    BOOL_PARAMETER("videoMuteOthersAllowed"),
    BOOL_PARAMETER("muteSelfAllowed"),
    BOOL_PARAMETER("videoMuteSelfAllowed"),
    BOOL_PARAMETER("changeLayoutAllowed"),
    {"joinToneParticipantThreshold", LIVE_INTEGER, NULL, 0, 100, 0},
    {"leaveToneParticipantThreshold", LIVE_INTEGER, NULL, 0, 100, 0},
    {"videoMode", LIVE_CHOICE, VIDEO_MODES, 0, 0, 0},
    BOOL_PARAMETER("rxAudioMute"),
    BOOL_PARAMETER("txAudioMute"),
    BOOL_PARAMETER("rxVideoMute"),
    BOOL_PARAMETER("txVideoMute"),
    {"sipMediaEncryption", LIVE_CHOICE, MEDIA_ENCRYPTION, 0, 0, 0},
    {"audioPacketSizeMs", LIVE_INTEGER, NULL, 10, 100, 0},
    {"deactivationMode", LIVE_CHOICE, DEACTIVATION_MODES, 0, 0, 0},
    {"deactivationModeTime", LIVE_INTEGER, NULL, 0, INT32_MAX, 0},
    BOOL_PARAMETER("telepresenceCallsAllowed"),
    BOOL_PARAMETER("sipPresentationChannelEnabled"),
    {"bfcpMode", LIVE_CHOICE, BFCP_MODES, 0, 0, 0},
    BOOL_PARAMETER("disconnectOthersAllowed"),
    BOOL_PARAMETER("addParticipantAllowed"),
    BOOL_PARAMETER("allowAllPresentationContributionAllowed"),
    BOOL_PARAMETER("changeJoinAudioMuteOverrideAllowed"),
    BOOL_PARAMETER("allowAllMuteSelfAllowed"),
    BOOL_PARAMETER("callLockAllowed"),
    BOOL_PARAMETER("setImportanceAllowed"),
    BOOL_PARAMETER("recordingControlAllowed"),
    BOOL_PARAMETER("streamingControlAllowed"),
    {"maxCallDurationTime", LIVE_INTEGER, NULL, 0, INT32_MAX, 0},
    {"qualityMain", LIVE_CHOICE, QUALITY_MAIN, 0, 0, 0},
    {"qualityPresentation", LIVE_CHOICE, QUALITY_PRESENTATION, 0, 0, 0},
    {"participantCounter", LIVE_CHOICE, PARTICIPANT_COUNTERS, 0, 0, 0},
    BOOL_PARAMETER("controlRemoteCameraAllowed"),
    {"layoutTemplate", LIVE_ID, NULL, 0, 0, 0},
    {"audioGainMode", LIVE_CHOICE, AUDIO_GAIN_MODES, 0, 0, 0},
};
static const live_parameter_table LEG_TABLE = {LEG_PARAMETERS,
                                               sizeof LEG_PARAMETERS / sizeof LEG_PARAMETERS[0]};

/* Read by the handlers themselves, not stored as configuration. */
static const live_parameter REMOTE_PARTY = {"remoteParty", LIVE_TEXT, NULL, 0, 0, 512};
static const live_parameter BANDWIDTH = {"bandwidth", LIVE_INTEGER, NULL, 1, INT32_MAX, 0};
static const live_parameter CONFIRMATION = {"confirmation", LIVE_BOOL, NULL, 0, 0, 0};
static const live_parameter DTMF_SEQUENCE = {"dtmfSequence", LIVE_DTMF, NULL, 0, 0, 0};
/* Shared with the participant: "the latest change takes precedence". */
static const live_parameter NAME_LABEL_OVERRIDE = {"nameLabelOverride", LIVE_TEXT, NULL, 0, 0, 50};

const char *call_leg_display_name(const leg_info *leg)
{
    const char *label = runtime_settings_get(&leg->participant_settings, "nameLabelOverride");
    return label ? label : leg->remote_party;
}

const char *call_leg_active_layout(const leg_info *leg)
{
    const char *layout = runtime_settings_get(&leg->configuration, "chosenLayout");
    if (!layout)
        layout = runtime_settings_get(&leg->configuration, "defaultLayout");
    if (!layout)
        layout = runtime_settings_get(&leg->configuration, "layout");
    return layout ? layout : "automatic";
}

/* A leg's own name: the label when one is set; an outgoing SIP leg has
 * none of its own (a real CMS sends an empty <name></name>). */
static const char *leg_name(const leg_info *leg)
{
    const char *label = runtime_settings_get(&leg->participant_settings, "nameLabelOverride");
    return label ? label : "";
}

static const char *original_party(const leg_info *leg)
{
    return leg->original_remote_party ? leg->original_remote_party : leg->remote_party;
}

/* The alarms a leg has now: the simulation knows only packet loss, for
 * connected legs to a --packet-loss-party. */
enum { ALARM_PACKET_LOSS = 1, ALARM_EXCESSIVE_JITTER = 2, ALARM_HIGH_ROUND_TRIP_TIME = 4 };
static const char *const ALARM_NAMES[] = {"packetLoss", "excessiveJitter", "highRoundTripTime"};

static unsigned leg_alarms(const leg_info *leg)
{
    return leg->state == LEG_STATE_CONNECTED && leg->packet_loss ? ALARM_PACKET_LOSS : 0;
}

/* <alarms> with one element per active alarm; nothing when there is none. */
static void write_alarms(strbuf *out, const leg_info *leg)
{
    unsigned alarms = leg_alarms(leg);
    if (!alarms)
        return;
    xml_open(out, "alarms");
    for (size_t i = 0; i < 3; i++)
        if (alarms & (1u << i))
            xml_text_element(out, ALARM_NAMES[i], "");
    xml_close(out, "alarms");
}

void call_leg_write_summary(strbuf *out, const leg_info *leg)
{
    xml_open_with_attribute(out, "callLeg", "id", leg->id);
    xml_text_element(out, "name", leg_name(leg));
    xml_text_element(out, "remoteParty", leg->remote_party);
    xml_text_element(out, "originalRemoteParty", original_party(leg));
    xml_text_element(out, "call", leg->call);
    if (leg->tenant[0])
        xml_text_element(out, "tenant", leg->tenant);
    write_alarms(out, leg);
    xml_close(out, "callLeg");
}

static void write_media(strbuf *out, const char *element, bool video, bool transmit,
                        bool packet_loss)
{
    if (video)
        xml_open_with_attribute(out, element, "role", "main");
    else
        xml_open(out, element);
    xml_text_element(out, "codec", video ? "h264" : "opus");
    if (video) {
        xml_int_element(out, "width", 1280);
        xml_int_element(out, "height", 720);
        xml_int_element(out, "frameRate", 30);
    }
    xml_text_element(out, "packetLossPercentage", packet_loss && !transmit ? "5.0" : "0.0");
    xml_int_element(out, "jitter", 1);
    xml_int_element(out, "bitRate", video ? RUNTIME_VIDEO_BIT_RATE : RUNTIME_AUDIO_BIT_RATE);
    if (!video && !transmit) /* the rate the far end's audio encoder runs at */
        xml_int_element(out, "codecBitRate", RUNTIME_AUDIO_BIT_RATE);
    if (transmit)
        xml_int_element(out, "roundTripTime", 1);
    xml_close(out, element);
}

/* <configuration>: the effective values, in the order of LEG_PARAMETERS. */
static void write_configuration(strbuf *out, const leg_info *leg, const runtime_settings *effective)
{
    xml_open(out, "configuration");
    for (size_t i = 0; i < LEG_TABLE.count; i++) {
        const char *value = runtime_settings_get(effective, LEG_PARAMETERS[i].name);
        if (value)
            xml_text_element(out, LEG_PARAMETERS[i].name, value);
    }
    const char *label = runtime_settings_get(&leg->participant_settings, "nameLabelOverride");
    if (label)
        xml_text_element(out, "nameLabelOverride", label);
    xml_close(out, "configuration");
}

static void write_leg_detail(strbuf *out, const leg_info *leg, const runtime_settings *effective)
{
    xml_open_with_attribute(out, "callLeg", "id", leg->id);
    xml_text_element(out, "name", leg_name(leg));
    xml_text_element(out, "remoteParty", leg->remote_party);
    xml_text_element(out, "originalRemoteParty", original_party(leg));
    if (leg->local_address)
        xml_text_element(out, "localAddress", leg->local_address);
    xml_text_element(out, "call", leg->call);
    if (leg->tenant[0])
        xml_text_element(out, "tenant", leg->tenant);
    xml_text_element(out, "type", "sip");
    xml_text_element(out, "direction", "outgoing");
    xml_bool_element(out, "canMove", false);
    write_configuration(out, leg, effective);
    xml_open(out, "status");
    xml_text_element(out, "state", leg_state_name(leg->state));
    xml_int_element(out, "durationSeconds", leg->duration_seconds);
    xml_text_element(out, "direction", "outgoing");
    xml_text_element(out, "sipCallId", leg->sip_call_id);
    xml_text_element(out, "groupId", leg->id);
    xml_bool_element(out, "recording", false);
    xml_bool_element(out, "streaming", false);
    const char *deactivated = runtime_settings_get(&leg->participant_settings, "deactivated");
    xml_text_element(out, "deactivated", deactivated ? deactivated : "false");
    if (leg->state == LEG_STATE_CONNECTED) {
        /* The simulated far end does SRTP whenever it may. */
        const char *encryption = runtime_settings_get(effective, "sipMediaEncryption");
        bool encrypted =
            !leg->unencrypted_control && !(encryption && strcmp(encryption, "prohibited") == 0);
        xml_bool_element(out, "encryptedMedia", encrypted);
        xml_bool_element(out, "unencryptedMedia", !encrypted);
        const char *layout = runtime_settings_get(&leg->configuration, "chosenLayout");
        if (!layout)
            layout = runtime_settings_get(effective, "defaultLayout");
        xml_text_element(out, "layout", layout ? layout : "automatic");
        xml_text_element(out, "activeLayout", layout ? layout : "automatic");
        xml_int_element(out, "availableVideoStreams", 1);
        xml_bool_element(out, "cameraControlAvailable", false);
        write_media(out, "rxAudio", false, false, leg->packet_loss);
        write_media(out, "txAudio", false, true, leg->packet_loss);
        write_media(out, "rxVideo", true, false, leg->packet_loss);
        write_media(out, "txVideo", true, true, leg->packet_loss);
    }
    xml_close(out, "status");
    write_alarms(out, leg);
    xml_close(out, "callLeg");
}

/* --- reading a POST or PUT body --------------------------------------------------- */

/* Validates one parameter the handler reads itself; false after replying. */
bool call_leg_check_parameter(api_call *call, const live_parameter *parameter, bool required)
{
    const char *value = form_get(&call->fields, parameter->name);
    if (!value || !*value) {
        if (required) {
            api_fail_parameter(call, parameter->name, "valueRequired");
            return false;
        }
        return true;
    }
    bool too_long = false;
    if (!live_value_is_valid(parameter, value, &too_long)) {
        api_fail_parameter(call, parameter->name, too_long ? "valueTooLong" : "invalidValue");
        return false;
    }
    return true;
}

/* A callLegProfile given must exist (the configuration table is shared
 * with call_leg_profile.c). False after replying. */
static bool check_profile_reference(api_call *call, const runtime_settings *configuration)
{
    const char *profile = runtime_settings_get(configuration, "callLegProfile");
    if (!profile || !*profile)
        return true;
    bool exists = false;
    if (object_exists(call->database, &call_leg_profile_type, profile, &exists) != CV_OK) {
        api_fail_internal(call, "call leg profile lookup");
        return false;
    }
    if (!exists)
        api_fail(call, 400, "callLegProfileDoesNotExist");
    return exists;
}

/* Splits the body into the leg's configuration and the participant-side
 * settings (nameLabelOverride). `handled` lists what the caller reads. */
bool call_leg_read_body(api_call *call, const char *const *handled, runtime_settings *configuration,
                        runtime_settings *participant)
{
    participant->items = NULL;
    participant->count = 0;
    if (!live_read_parameters(call, &LEG_TABLE, handled, configuration))
        return false;
    if (!call_leg_check_parameter(call, &DTMF_SEQUENCE, false) ||
        !call_leg_check_parameter(call, &NAME_LABEL_OVERRIDE, false) ||
        !check_profile_reference(call, configuration)) {
        runtime_settings_clear(configuration);
        return false;
    }
    const char *label = form_get(&call->fields, "nameLabelOverride");
    if (label) {
        /* Stored directly so that an empty value still means "unset". */
        participant->items = calloc(1, sizeof participant->items[0]);
        if (participant->items) {
            participant->items[0].name = strdup("nameLabelOverride");
            participant->items[0].value = strdup(label);
            participant->count = 1;
        }
        if (!participant->items || !participant->items[0].name || !participant->items[0].value) {
            runtime_settings_clear(participant);
            runtime_settings_clear(configuration);
            live_fail_no_memory(call);
            return false;
        }
    }
    return true;
}

/* --- POST /calls/<id>/callLegs ----------------------------------------------------- */

static void create_leg(api_call *call)
{
    static const char *const handled[] = {"remoteParty",  "bandwidth",         "confirmation",
                                          "dtmfSequence", "nameLabelOverride", NULL};
    const char *call_id = api_path_id(call, 1, "callDoesNotExist");
    if (!call_id)
        return;
    if (!call_leg_check_parameter(call, &REMOTE_PARTY, true) ||
        !call_leg_check_parameter(call, &BANDWIDTH, false) ||
        !call_leg_check_parameter(call, &CONFIRMATION, false))
        return;
    runtime_settings configuration, participant;
    if (!call_leg_read_body(call, handled, &configuration, &participant))
        return;
    const char *remote_party = form_get(&call->fields, "remoteParty");
    char id[ID_TEXT_SIZE];
    bool dialled = call_leg_dial_out(call, call_id, remote_party, false, &configuration,
                                     &participant, id, NULL);
    runtime_settings_clear(&configuration);
    runtime_settings_clear(&participant);
    if (!dialled)
        return;
    api_audit(call, "created new call leg %s, call %s", id, call_id);
    api_reply_created(call, "callLegs", id);
}

/* --- lists ------------------------------------------------------------------------ */

typedef struct {
    const char *text;        /* part of the name or remote party */
    const char *participant; /* participantFilter */
    const char *tenant;
    const char *active_layout;
    int64_t streams_at_least, streams_at_most; /* -1: no bound */
    int owner_id_set;                          /* -1: either */
    unsigned alarms; /* alarms=...: keep legs with one of these; 0: any leg */
} leg_filter;

static bool leg_matches(const leg_info *leg, void *context)
{
    const leg_filter *filter = context;
    if (filter->alarms && !(filter->alarms & leg_alarms(leg)))
        return false;
    if (filter->text && !strcasestr(call_leg_display_name(leg), filter->text) &&
        !strcasestr(leg->remote_party, filter->text))
        return false;
    if (filter->participant && strcasecmp(filter->participant, leg->participant) != 0)
        return false;
    if (filter->tenant && strcasecmp(filter->tenant, leg->tenant) != 0)
        return false;
    bool connected = leg->state == LEG_STATE_CONNECTED;
    if (filter->active_layout &&
        (!connected || strcmp(filter->active_layout, call_leg_active_layout(leg)) != 0))
        return false;
    int64_t streams = connected ? 1 : 0;
    if (filter->streams_at_least >= 0 && streams < filter->streams_at_least)
        return false;
    if (filter->streams_at_most >= 0 && streams > filter->streams_at_most)
        return false;
    if (filter->owner_id_set >= 0 && (runtime_settings_get(&leg->configuration, "ownerId") !=
                                      NULL) != (filter->owner_id_set == 1))
        return false;
    return true;
}

/* "all" or names joined by '|' as a mask; 0 when a name is unknown. */
static unsigned read_alarm_filter(const char *value)
{
    if (strcmp(value, "all") == 0)
        return ALARM_PACKET_LOSS | ALARM_EXCESSIVE_JITTER | ALARM_HIGH_ROUND_TRIP_TIME;
    unsigned mask = 0;
    const char *cursor = value;
    for (;;) {
        size_t length = strcspn(cursor, "|");
        unsigned known = 0;
        for (size_t i = 0; i < 3; i++)
            if (strlen(ALARM_NAMES[i]) == length && strncmp(cursor, ALARM_NAMES[i], length) == 0)
                known = 1u << i;
        if (!known)
            return 0;
        mask |= known;
        if (!cursor[length])
            return mask;
        cursor += length + 1;
    }
}

/* Reads the /callLegs query; false after replying 400. */
static bool read_leg_filter(api_call *call, leg_filter *filter)
{
    static const char *const allowed[] = {"participantFilter",
                                          "tenantFilter",
                                          "activeLayoutFilter",
                                          "availableVideoStreamsLowerBound",
                                          "availableVideoStreamsUpperBound",
                                          "ownerIdSet",
                                          "alarms",
                                          NULL};
    if (!api_check_query(call, allowed))
        return false;
    const http_request *request = call->request;
    *filter = (leg_filter){
        .text = http_request_query(request, "filter"),
        .participant = http_request_query(request, "participantFilter"),
        .tenant = http_request_query(request, "tenantFilter"),
        .active_layout = http_request_query(request, "activeLayoutFilter"),
        .streams_at_least = -1,
        .streams_at_most = -1,
        .owner_id_set = -1,
    };
    if (filter->text && !*filter->text)
        filter->text = NULL;
    const char *lower = http_request_query(request, "availableVideoStreamsLowerBound");
    const char *upper = http_request_query(request, "availableVideoStreamsUpperBound");
    const char *owner = http_request_query(request, "ownerIdSet");
    const char *alarms = http_request_query(request, "alarms");
    bool owner_set = false;
    if (lower && text_parse_int64(lower, 0, INT32_MAX, &filter->streams_at_least) != CV_OK) {
        api_fail_parameter(call, "availableVideoStreamsLowerBound", "invalidValue");
        return false;
    }
    if (upper && text_parse_int64(upper, 0, INT32_MAX, &filter->streams_at_most) != CV_OK) {
        api_fail_parameter(call, "availableVideoStreamsUpperBound", "invalidValue");
        return false;
    }
    if (owner) {
        if (text_parse_bool(owner, &owner_set) != CV_OK) {
            api_fail_parameter(call, "ownerIdSet", "invalidValue");
            return false;
        }
        filter->owner_id_set = owner_set ? 1 : 0;
    }
    if (alarms && !(filter->alarms = read_alarm_filter(alarms))) {
        api_fail_parameter(call, "alarms", "invalidValue");
        return false;
    }
    return true;
}

void call_leg_reply_list(api_call *call, const char *call_id, leg_predicate keep, void *context,
                         const char *missing_reason)
{
    api_page page;
    if (!api_read_page(call, &page))
        return;
    leg_info *legs = NULL;
    size_t count = 0, total = 0;
    cv_result result = runtime_list_legs(call->node->runtime, call_id, keep, context, page.offset,
                                         page.limit, &legs, &count, &total);
    if (live_reply_read_failure(call, result, missing_reason))
        return;
    strbuf *out = api_reply_xml(call);
    strbuf_printf(out, "<callLegs total=\"%zu\">", total);
    for (size_t i = 0; i < count; i++)
        call_leg_write_summary(out, &legs[i]);
    xml_close(out, "callLegs");
    runtime_free_legs(legs, count);
}

static void list_all_legs(api_call *call)
{
    leg_filter filter;
    if (read_leg_filter(call, &filter))
        call_leg_reply_list(call, NULL, leg_matches, &filter, NULL);
}

static void list_call_legs(api_call *call)
{
    const char *call_id = api_path_id(call, 1, "callDoesNotExist");
    leg_filter filter;
    if (call_id && read_leg_filter(call, &filter))
        call_leg_reply_list(call, call_id, leg_matches, &filter, "callDoesNotExist");
}

/* --- /callLegs/<id> ------------------------------------------------------------------ */

static void get_leg(api_call *call)
{
    if (!api_check_query(call, NULL))
        return;
    const char *id = api_path_id(call, 1, "callLegDoesNotExist");
    if (!id)
        return;
    leg_info leg;
    cv_result result = runtime_get_leg(call->node->runtime, id, &leg);
    if (live_reply_read_failure(call, result, "callLegDoesNotExist"))
        return;
    runtime_settings effective;
    if (call_leg_effective_configuration(call->database, &leg, &effective) != CV_OK) {
        api_fail_internal(call, "call leg profiles");
        leg_info_free(&leg);
        return;
    }
    write_leg_detail(api_reply_xml(call), &leg, &effective);
    runtime_settings_clear(&effective);
    leg_info_free(&leg);
}

static void modify_leg(api_call *call)
{
    static const char *const handled[] = {"dtmfSequence", "nameLabelOverride", NULL};
    const char *id = api_path_id(call, 1, "callLegDoesNotExist");
    if (!id)
        return;
    /* remoteParty, bandwidth and confirmation cannot be modified. */
    runtime_settings configuration, participant;
    if (!call_leg_read_body(call, handled, &configuration, &participant))
        return;
    cv_result result = runtime_update_leg(call->node->runtime, id, &configuration, &participant);
    runtime_settings_clear(&configuration);
    runtime_settings_clear(&participant);
    live_reply_change(call, result, "callLegDoesNotExist", "modified call leg", id);
}

static void delete_leg(api_call *call)
{
    const char *id = api_path_id(call, 1, "callLegDoesNotExist");
    if (!id)
        return;
    live_reply_change(call, runtime_delete_leg(call->node->runtime, id), "callLegDoesNotExist",
                      "deleted call leg", id);
}

static const api_route routes[] = {
    {"calls/*/callLegs", list_call_legs, create_leg, NULL, NULL},
    {"calls/*/callegs", list_call_legs, create_leg, NULL, NULL},
    {"callLegs", list_all_legs, NULL, NULL, NULL},
    {"callegs", list_all_legs, NULL, NULL, NULL},
    {"callLegs/*", get_leg, NULL, modify_leg, delete_leg},
    {"callegs/*", get_leg, NULL, modify_leg, delete_leg},
};

const api_route_table call_leg_routes = {routes, sizeof routes / sizeof routes[0]};
