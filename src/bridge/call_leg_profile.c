/*
 * call_leg_profile.c - /callLegProfiles and /callLegProfiles/<id>: the
 * in-call behaviours a call leg inherits (layout, permissions, muting,
 * activation, media limits). Owns the parameter table only; the object
 * store engine (object_store.c) does validation, storage and XML. Every
 * parameter is optional and an unset one means "inherit from the level
 * above", so POST applies no defaults. Does not own how a leg applies the
 * profile (call_leg.c).
 */
#include "bridge/object_store.h"
#include "bridge/routes.h"

static const char *const presentation_display_modes[] = {"dualStream", "singleStream", NULL};
static const char *const video_modes[] = {"auto", "disabled", NULL};
static const char *const sip_media_encryptions[] = {"optional", "required", "prohibited", NULL};
static const char *const deactivation_modes[] = {"deactivate", "disconnect", "remainActivated",
                                                 NULL};
static const char *const bfcp_modes[] = {"serverOnly", "serverAndClient", NULL};
static const char *const main_qualities[] = {"unrestricted", "max1080p30", "max720p30", "max480p30",
                                             NULL};
static const char *const presentation_qualities[] = {"unrestricted", "max1080p30", "max720p5",
                                                     NULL};
static const char *const participant_counters[] = {"never", "auto", "always", NULL};

#define BOOL_FIELD(api_name, column_name)                                                          \
    {                                                                                              \
        .name = api_name, .column = column_name, .type = FIELD_BOOL                                \
    }
#define ENUM_FIELD(api_name, column_name, values)                                                  \
    {                                                                                              \
        .name = api_name, .column = column_name, .type = FIELD_ENUM, .enum_values = values         \
    }
#define INT_FIELD(api_name, column_name, low, high)                                                \
    {                                                                                              \
        .name = api_name, .column = column_name, .type = FIELD_INT, .minimum = low,                \
        .maximum = high                                                                            \
    }

static const field_descriptor call_leg_profile_fields[] = {
    {.name = "name", .column = "name", .type = FIELD_STRING},
    BOOL_FIELD("needsActivation", "needs_activation"),
    ENUM_FIELD("defaultLayout", "default_layout", object_layout_values),
    BOOL_FIELD("changeLayoutAllowed", "change_layout_allowed"),
    BOOL_FIELD("participantLabels", "participant_labels"),
    ENUM_FIELD("presentationDisplayMode", "presentation_display_mode", presentation_display_modes),
    BOOL_FIELD("presentationContributionAllowed", "presentation_contribution_allowed"),
    BOOL_FIELD("allowAllPresentationContributionAllowed",
               "allow_all_presentation_contribution_allowed"),
    BOOL_FIELD("presentationViewingAllowed", "presentation_viewing_allowed"),
    BOOL_FIELD("endCallAllowed", "end_call_allowed"),
    BOOL_FIELD("disconnectOthersAllowed", "disconnect_others_allowed"),
    BOOL_FIELD("addParticipantAllowed", "add_participant_allowed"),
    BOOL_FIELD("muteOthersAllowed", "mute_others_allowed"),
    BOOL_FIELD("changeJoinAudioMuteOverrideAllowed", "change_join_audio_mute_override_allowed"),
    BOOL_FIELD("videoMuteOthersAllowed", "video_mute_others_allowed"),
    BOOL_FIELD("muteSelfAllowed", "mute_self_allowed"),
    BOOL_FIELD("allowAllMuteSelfAllowed", "allow_all_mute_self_allowed"),
    BOOL_FIELD("videoMuteSelfAllowed", "video_mute_self_allowed"),
    INT_FIELD("joinToneParticipantThreshold", "join_tone_participant_threshold", 0, 100),
    INT_FIELD("leaveToneParticipantThreshold", "leave_tone_participant_threshold", 0, 0),
    ENUM_FIELD("videoMode", "video_mode", video_modes),
    BOOL_FIELD("rxAudioMute", "rx_audio_mute"),
    BOOL_FIELD("txAudioMute", "tx_audio_mute"),
    BOOL_FIELD("rxVideoMute", "rx_video_mute"),
    BOOL_FIELD("txVideoMute", "tx_video_mute"),
    ENUM_FIELD("sipMediaEncryption", "sip_media_encryption", sip_media_encryptions),
    INT_FIELD("audioPacketSizeMs", "audio_packet_size_ms", 0, 0),
    ENUM_FIELD("deactivationMode", "deactivation_mode", deactivation_modes),
    INT_FIELD("deactivationModeTime", "deactivation_mode_time", 0, 0),
    BOOL_FIELD("telepresenceCallsAllowed", "telepresence_calls_allowed"),
    BOOL_FIELD("sipPresentationChannelEnabled", "sip_presentation_channel_enabled"),
    ENUM_FIELD("bfcpMode", "bfcp_mode", bfcp_modes),
    BOOL_FIELD("callLockAllowed", "call_lock_allowed"),
    BOOL_FIELD("setImportanceAllowed", "set_importance_allowed"),
    BOOL_FIELD("recordingControlAllowed", "recording_control_allowed"),
    BOOL_FIELD("streamingControlAllowed", "streaming_control_allowed"),
    INT_FIELD("maxCallDurationTime", "max_call_duration_time", 0, 0),
    ENUM_FIELD("qualityMain", "quality_main", main_qualities),
    ENUM_FIELD("qualityPresentation", "quality_presentation", presentation_qualities),
    ENUM_FIELD("participantCounter", "participant_counter", participant_counters),
    BOOL_FIELD("controlRemoteCameraAllowed", "control_remote_camera_allowed"),
    {.name = "layoutTemplate", .column = "layout_template", .type = FIELD_ID},
    {.name = "audioGainMode", .column = "audio_gain_mode", .type = FIELD_STRING},
};

const object_type call_leg_profile_type = {
    .collection = "callLegProfiles",
    .table = "call_leg_profiles",
    .list_element = "callLegProfiles",
    .element = "callLegProfile",
    .missing_reason = "callLegProfileDoesNotExist",
    .audit_noun = "call leg profile",
    .fields = call_leg_profile_fields,
    .field_count = sizeof call_leg_profile_fields / sizeof call_leg_profile_fields[0],
    .list_shows_all = true,
    .counted = true,
    .usage_sql = "EXISTS(SELECT 1 FROM cospaces WHERE call_leg_profile = o.id)"
                 " OR EXISTS(SELECT 1 FROM access_methods WHERE call_leg_profile = o.id)"
                 " OR EXISTS(SELECT 1 FROM cospace_bulk_parameter_sets"
                 " WHERE call_leg_profile = o.id)"
                 " OR EXISTS(SELECT 1 FROM system_profiles WHERE call_leg_profile = o.id)",
};

static void list_call_leg_profiles(api_call *call)
{
    object_list(call, &call_leg_profile_type);
}
static void get_call_leg_profile(api_call *call)
{
    object_get(call, &call_leg_profile_type);
}
static void create_call_leg_profile(api_call *call)
{
    object_create(call, &call_leg_profile_type);
}
static void modify_call_leg_profile(api_call *call)
{
    object_modify(call, &call_leg_profile_type);
}
static void delete_call_leg_profile(api_call *call)
{
    object_delete(call, &call_leg_profile_type);
}

static const api_route routes[] = {
    {"callLegProfiles", list_call_leg_profiles, create_call_leg_profile, NULL, NULL},
    {"callLegProfiles/*", get_call_leg_profile, NULL, modify_call_leg_profile,
     delete_call_leg_profile},
};

const api_route_table call_leg_profile_routes = {routes, sizeof routes / sizeof routes[0]};
