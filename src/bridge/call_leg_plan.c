/*
 * call_leg_plan.c - what the configuration decides for a call leg: the
 * dial-out through the outbound dial plan (call_leg_dial_out) and the
 * leg's effective configuration, the call leg profiles of every level
 * merged (call_leg_effective_configuration).
 *
 * Owns: the order of the levels (built-in defaults, the space's call leg
 * profile, the leg's own profile, the leg's own overrides), the defaults
 * themselves, and turning a chosen rule into the leg's local address and
 * encryption. Does not own: the rules' matching (dial_plan.c), the
 * parameters' validation (call_leg.c) or the leg's state (runtime.c).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "bridge/call_leg.h"
#include "bridge/dial_plan.h"
#include "bridge/dial_transform.h"
#include "bridge/live_parameters.h"
#include "bridge/object_store.h"

/* --- effective configuration ----------------------------------------------------- */

/* What a leg has when no profile at any level says otherwise: the values
 * a CMS shows for a leg on a system without call leg profiles. */
static const runtime_setting LEG_DEFAULTS[] = {
    {(char *)"needsActivation", (char *)"false"},
    {(char *)"defaultLayout", (char *)"automatic"},
    {(char *)"participantLabels", (char *)"true"},
    {(char *)"presentationDisplayMode", (char *)"dualStream"},
    {(char *)"presentationContributionAllowed", (char *)"true"},
    {(char *)"presentationViewingAllowed", (char *)"true"},
    {(char *)"endCallAllowed", (char *)"true"},
    {(char *)"muteOthersAllowed", (char *)"true"},
    {(char *)"videoMuteOthersAllowed", (char *)"true"},
    {(char *)"muteSelfAllowed", (char *)"true"},
    {(char *)"videoMuteSelfAllowed", (char *)"true"},
    {(char *)"changeLayoutAllowed", (char *)"true"},
    {(char *)"joinToneParticipantThreshold", (char *)"0"},
    {(char *)"leaveToneParticipantThreshold", (char *)"0"},
    {(char *)"videoMode", (char *)"auto"},
    {(char *)"rxAudioMute", (char *)"false"},
    {(char *)"txAudioMute", (char *)"false"},
    {(char *)"rxVideoMute", (char *)"false"},
    {(char *)"txVideoMute", (char *)"false"},
    {(char *)"sipMediaEncryption", (char *)"optional"},
    {(char *)"audioPacketSizeMs", (char *)"20"},
    {(char *)"deactivationMode", (char *)"deactivate"},
    {(char *)"deactivationModeTime", (char *)"0"},
    {(char *)"telepresenceCallsAllowed", (char *)"false"},
    {(char *)"sipPresentationChannelEnabled", (char *)"true"},
    {(char *)"bfcpMode", (char *)"serverOnly"},
    {(char *)"disconnectOthersAllowed", (char *)"false"},
    {(char *)"addParticipantAllowed", (char *)"false"},
    {(char *)"qualityMain", (char *)"unrestricted"},
    {(char *)"qualityPresentation", (char *)"unrestricted"},
    {(char *)"participantCounter", (char *)"auto"},
};

typedef struct {
    runtime_settings *settings;
    const char *profile_id; /* out: the space's callLegProfile */
    char profile[ID_TEXT_SIZE];
    cv_result result;
} level_reader;

/* object_read_all visitor: merges every set field of a call leg profile
 * (but its name, which is the profile's own) into the settings. */
static int merge_profile(void *context, const char *id, const char *const *values)
{
    (void)id;
    level_reader *reader = context;
    for (size_t i = 0; i < call_leg_profile_type.field_count && reader->result == CV_OK; i++) {
        const char *name = call_leg_profile_type.fields[i].name;
        if (values[i] && strcmp(name, "name") != 0)
            reader->result = runtime_settings_set(reader->settings, name, values[i]);
    }
    return reader->result == CV_OK ? 0 : 1;
}

/* object_read_all visitor: remembers the space's callLegProfile. */
static int read_space_profile(void *context, const char *id, const char *const *values)
{
    (void)id;
    level_reader *reader = context;
    for (size_t i = 0; i < cospace_type.field_count; i++)
        if (strcmp(cospace_type.fields[i].name, "callLegProfile") == 0 && values[i])
            snprintf(reader->profile, sizeof reader->profile, "%s", values[i]);
    return 0;
}

static cv_result merge_profile_level(sqlite3 *database, const char *profile_id,
                                     runtime_settings *out)
{
    if (!profile_id || !*profile_id)
        return CV_OK;
    level_reader reader = {.settings = out, .result = CV_OK};
    cv_result result =
        object_read_all(database, &call_leg_profile_type, profile_id, merge_profile, &reader);
    return result != CV_OK ? result : reader.result;
}

cv_result call_leg_merge_configuration(const runtime_settings *const *levels, size_t count,
                                       runtime_settings *out)
{
    out->items = NULL;
    out->count = 0;
    cv_result result = CV_OK;
    for (size_t i = 0; i < sizeof LEG_DEFAULTS / sizeof LEG_DEFAULTS[0] && result == CV_OK; i++)
        result = runtime_settings_set(out, LEG_DEFAULTS[i].name, LEG_DEFAULTS[i].value);
    for (size_t level = 0; level < count && result == CV_OK; level++) {
        if (!levels[level])
            continue;
        /* The old name "layout" stands for defaultLayout unless the same
         * level gives that too. */
        const char *old_layout = runtime_settings_get(levels[level], "layout");
        if (old_layout && !runtime_settings_get(levels[level], "defaultLayout"))
            result = runtime_settings_set(out, "defaultLayout", old_layout);
        if (result == CV_OK)
            result = runtime_settings_merge(out, levels[level]);
    }
    if (result != CV_OK)
        runtime_settings_clear(out);
    return result;
}

cv_result call_leg_effective_configuration(sqlite3 *database, const leg_info *leg,
                                           runtime_settings *out)
{
    runtime_settings space_profile = {NULL, 0}, leg_profile = {NULL, 0};
    cv_result result = CV_OK;
    if (leg->cospace[0]) {
        level_reader space = {.settings = &space_profile, .result = CV_OK};
        result = object_read_all(database, &cospace_type, leg->cospace, read_space_profile, &space);
        if (result == CV_OK)
            result = merge_profile_level(database, space.profile, &space_profile);
    }
    if (result == CV_OK)
        result = merge_profile_level(
            database, runtime_settings_get(&leg->configuration, "callLegProfile"), &leg_profile);
    const runtime_settings *levels[] = {&space_profile, &leg_profile, &leg->configuration};
    if (result == CV_OK)
        result = call_leg_merge_configuration(levels, 3, out);
    runtime_settings_clear(&space_profile);
    runtime_settings_clear(&leg_profile);
    return result;
}

/* --- dial-out ------------------------------------------------------------------------- */

/* "<user part of the call's address>@<domain>", or NULL to keep the call's. */
static char *address_in_domain(const char *call_address, const char *domain)
{
    if (!call_address || !domain || !*domain)
        return NULL;
    size_t user = strcspn(call_address, "@");
    size_t size = user + 1 + strlen(domain) + 1;
    char *address = malloc(size);
    if (address)
        snprintf(address, size, "%.*s@%s", (int)user, call_address, domain);
    return address;
}

/* Applies the dial transforms and the outbound dial plan to the request.
 * Sets *transformed (owned) and *local_address (owned, may be NULL). */
static cv_result plan_dial_out(api_call *call, const call_info *target, const char *remote_party,
                               leg_request *request, char **transformed, char **local_address)
{
    *transformed = NULL;
    *local_address = NULL;
    bool denied = false;
    cv_result result = dial_transform_apply(call->database, remote_party, transformed, &denied);
    if (result != CV_OK)
        return result;
    request->remote_party = *transformed ? *transformed : remote_party;
    request->original_remote_party = remote_party;
    if (denied) { /* a deny transform: nothing is dialled */
        request->unroutable = true;
        return CV_OK;
    }
    dial_plan plan;
    if ((result = dial_plan_load(call->database, &plan)) != CV_OK)
        return result;
    if (plan.count == 0) {
        /* An empty dial plan fails every dial-out on a real CMS; by default
         * the bridge dials anyway, so that a fresh bridge works. */
        request->unroutable = call->node->options.require_dial_rules;
    } else {
        char domain[300];
        dial_destination_domain(request->remote_party, domain, sizeof domain);
        const dial_rule *rule =
            dial_plan_choose(&plan, domain, target->tenant, bridge_self(call->node)->id);
        request->unroutable = rule == NULL;
        if (rule) {
            request->unencrypted_control = rule->sip_control_encryption &&
                                           strcmp(rule->sip_control_encryption, "unencrypted") == 0;
            *local_address = address_in_domain(target->local_address, rule->local_contact_domain);
            request->local_address = *local_address;
        }
    }
    dial_plan_free(&plan);
    return CV_OK;
}

bool call_leg_dial_out(api_call *call, const char *call_id, const char *remote_party,
                       bool with_participant, const runtime_settings *configuration,
                       const runtime_settings *participant, char id[ID_TEXT_SIZE],
                       char participant_id[ID_TEXT_SIZE])
{
    call_info target;
    cv_result result = runtime_get_call(call->node->runtime, call_id, &target);
    if (result == CV_ERR_NOT_FOUND) {
        api_fail_not_found(call, "callDoesNotExist");
        return false;
    }
    if (result != CV_OK) {
        live_fail_no_memory(call);
        return false;
    }
    leg_request request = {.with_participant = with_participant};
    char *transformed = NULL, *local_address = NULL;
    result = plan_dial_out(call, &target, remote_party, &request, &transformed, &local_address);
    if (result == CV_OK)
        result = runtime_create_leg_with(call->node->runtime, call_id, &request, configuration,
                                         participant, id, participant_id);
    free(transformed);
    free(local_address);
    call_info_free(&target);
    if (result == CV_ERR_NOT_FOUND) {
        api_fail_not_found(call, "callDoesNotExist");
        return false;
    }
    if (result == CV_ERR_NO_MEMORY) {
        live_fail_no_memory(call);
        return false;
    }
    if (result != CV_OK) {
        api_fail_internal(call, "dial plan");
        return false;
    }
    return true;
}
