/*
 * call_profile.c - /callProfiles and /callProfiles/<id>: participant
 * limits, locking, recording and streaming modes, passcode entry
 * behaviour. Owns the parameter table only; the object store engine
 * (object_store.c) does validation, storage and XML. Does not own what a
 * call does with the profile (call.c).
 */
#include "bridge/object_store.h"
#include "bridge/routes.h"

static const char *const recording_modes[] = {"disabled", "manual", "automatic", NULL};
static const char *const lock_modes[] = {"all", "needsActivation", NULL};
static const char *const passcode_modes[] = {"required", "timeout", NULL};
static const char *const lync_conference_modes[] = {"dualHomeCluster", "dualHomeCallBridge",
                                                    "gateway", NULL};

static const field_descriptor call_profile_fields[] = {
    {.name = "participantLimit", .column = "participant_limit", .type = FIELD_INT},
    {.name = "messageBoardEnabled", .column = "message_board_enabled", .type = FIELD_BOOL},
    {.name = "locked", .column = "locked", .type = FIELD_BOOL},
    {.name = "recordingMode",
     .column = "recording_mode",
     .type = FIELD_ENUM,
     .enum_values = recording_modes,
     .default_value = "manual"},
    {.name = "streamingMode",
     .column = "streaming_mode",
     .type = FIELD_ENUM,
     .enum_values = recording_modes,
     .default_value = "manual"},
    {.name = "lockMode", .column = "lock_mode", .type = FIELD_ENUM, .enum_values = lock_modes},
    {.name = "sipRecorderUri", .column = "sip_recorder_uri", .type = FIELD_STRING},
    {.name = "sipStreamerUri", .column = "sip_streamer_uri", .type = FIELD_STRING},
    {.name = "passcodeMode",
     .column = "passcode_mode",
     .type = FIELD_ENUM,
     .enum_values = passcode_modes},
    {.name = "passcodeTimeout", .column = "passcode_timeout", .type = FIELD_INT},
    {.name = "gatewayAudioCallOptimization",
     .column = "gateway_audio_call_optimization",
     .type = FIELD_BOOL},
    {.name = "lyncConferenceMode",
     .column = "lync_conference_mode",
     .type = FIELD_ENUM,
     .enum_values = lync_conference_modes},
};

const object_type call_profile_type = {
    .collection = "callProfiles",
    .table = "call_profiles",
    .list_element = "callProfiles",
    .element = "callProfile",
    .missing_reason = "callProfileDoesNotExist",
    .audit_noun = "call profile",
    .fields = call_profile_fields,
    .field_count = sizeof call_profile_fields / sizeof call_profile_fields[0],
    .list_shows_all = true,
    .counted = true,
    .usage_sql = "EXISTS(SELECT 1 FROM cospaces WHERE call_profile = o.id)"
                 " OR EXISTS(SELECT 1 FROM cospace_bulk_parameter_sets WHERE call_profile = o.id)"
                 " OR EXISTS(SELECT 1 FROM system_profiles WHERE call_profile = o.id)",
};

static void list_call_profiles(api_call *call)
{
    object_list(call, &call_profile_type);
}
static void get_call_profile(api_call *call)
{
    object_get(call, &call_profile_type);
}
static void create_call_profile(api_call *call)
{
    object_create(call, &call_profile_type);
}
static void modify_call_profile(api_call *call)
{
    object_modify(call, &call_profile_type);
}
static void delete_call_profile(api_call *call)
{
    object_delete(call, &call_profile_type);
}

static const api_route routes[] = {
    {"callProfiles", list_call_profiles, create_call_profile, NULL, NULL},
    {"callProfiles/*", get_call_profile, NULL, modify_call_profile, delete_call_profile},
};

const api_route_table call_profile_routes = {routes, sizeof routes / sizeof routes[0]};
