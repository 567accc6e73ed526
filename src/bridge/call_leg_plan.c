/*
 * call_leg_plan.c - what the configuration decides for a call leg: the
 * dial-out through the outbound dial plan (call_leg_dial_out) and the
 * leg's effective configuration, the call leg profiles of every level
 * merged (call_leg_effective_configuration).
 *
 * Owns: the order of the levels (built-in defaults, the global call leg
 * profile of /system/profiles, the space's call leg profile, the leg's own
 * profile, the leg's own overrides; see call_leg.h), the defaults
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

static const char *const SCOPE_NAMES[LEG_SCOPE_COUNT] = {
    [LEG_SCOPE_GLOBAL] = "global",
    [LEG_SCOPE_COSPACE] = "coSpace",
    [LEG_SCOPE_CALL_LEG] = "callLeg",
};

const char *call_leg_scope_name(leg_profile_scope scope)
{
    return scope < LEG_SCOPE_COUNT ? SCOPE_NAMES[scope] : "unknown";
}

typedef struct {
    runtime_settings *settings;
    const object_type *type; /* the object whose profile is read */
    char profile[ID_TEXT_SIZE];
    bool found; /* merge_profile saw the profile: it exists */
    cv_result result;
} level_reader;

/* True for the call leg profile parameters a level can set (not the
 * profile's own name). */
static bool is_profile_parameter(const char *name)
{
    if (strcmp(name, "name") == 0)
        return false;
    for (size_t i = 0; i < call_leg_profile_type.field_count; i++)
        if (strcmp(call_leg_profile_type.fields[i].name, name) == 0)
            return true;
    return false;
}

/* object_read_all visitor: merges every set field of a call leg profile
 * (but its name, which is the profile's own) into the settings. */
static int merge_profile(void *context, const char *id, const char *const *values)
{
    (void)id;
    level_reader *reader = context;
    reader->found = true;
    for (size_t i = 0; i < call_leg_profile_type.field_count && reader->result == CV_OK; i++) {
        const char *name = call_leg_profile_type.fields[i].name;
        if (values[i] && strcmp(name, "name") != 0)
            reader->result = runtime_settings_set(reader->settings, name, values[i]);
    }
    return reader->result == CV_OK ? 0 : 1;
}

/* object_read_all visitor: remembers the object's callLegProfile (a space
 * or the global profiles). */
static int read_profile_reference(void *context, const char *id, const char *const *values)
{
    (void)id;
    level_reader *reader = context;
    for (size_t i = 0; i < reader->type->field_count; i++)
        if (strcmp(reader->type->fields[i].name, "callLegProfile") == 0 && values[i])
            snprintf(reader->profile, sizeof reader->profile, "%s", values[i]);
    return 0;
}

/* Fills `level` from the call leg profile named by `owner` (the object
 * `owner_id` of type `owner_type`), when it names one. */
static cv_result read_referenced_level(store_db *database, const object_type *owner_type,
                                       const char *owner_id, leg_profile_level *level)
{
    level_reader owner = {.settings = &level->values, .type = owner_type, .result = CV_OK};
    cv_result result =
        object_read_all(database, owner_type, owner_id, read_profile_reference, &owner);
    if (result != CV_OK || !owner.profile[0])
        return result;
    level_reader profile = {.settings = &level->values, .result = CV_OK};
    result =
        object_read_all(database, &call_leg_profile_type, owner.profile, merge_profile, &profile);
    if (result == CV_OK && profile.found)
        snprintf(level->profile_id, sizeof level->profile_id, "%s", owner.profile);
    return result != CV_OK ? result : profile.result;
}

/* The leg's level: its own profile, then the profile parameters it sets
 * itself (an old "layout" standing for defaultLayout). */
static cv_result read_leg_level(store_db *database, const leg_info *leg, leg_profile_level *level)
{
    const char *profile_id = runtime_settings_get(&leg->configuration, "callLegProfile");
    cv_result result = CV_OK;
    if (profile_id && *profile_id) {
        level_reader profile = {.settings = &level->values, .result = CV_OK};
        result =
            object_read_all(database, &call_leg_profile_type, profile_id, merge_profile, &profile);
        if (result == CV_OK)
            result = profile.result;
        if (result == CV_OK && profile.found)
            snprintf(level->profile_id, sizeof level->profile_id, "%s", profile_id);
    }
    const char *old_layout = runtime_settings_get(&leg->configuration, "layout");
    if (result == CV_OK && old_layout &&
        !runtime_settings_get(&leg->configuration, "defaultLayout"))
        result = runtime_settings_set(&level->values, "defaultLayout", old_layout);
    for (size_t i = 0; i < leg->configuration.count && result == CV_OK; i++) {
        const runtime_setting *own = &leg->configuration.items[i];
        if (is_profile_parameter(own->name))
            result = runtime_settings_set(&level->values, own->name, own->value);
    }
    return result;
}

void call_leg_profile_levels_clear(leg_profile_level levels[LEG_SCOPE_COUNT])
{
    for (size_t i = 0; i < LEG_SCOPE_COUNT; i++) {
        runtime_settings_clear(&levels[i].values);
        levels[i].profile_id[0] = '\0';
    }
}

cv_result call_leg_profile_levels(store_db *database, const leg_info *leg,
                                  leg_profile_level levels[LEG_SCOPE_COUNT])
{
    for (size_t i = 0; i < LEG_SCOPE_COUNT; i++)
        levels[i] = (leg_profile_level){.profile_id = "", .values = {NULL, 0}};
    cv_result result =
        read_referenced_level(database, &system_profiles_type, NULL, &levels[LEG_SCOPE_GLOBAL]);
    if (result == CV_OK && leg->cospace[0])
        result = read_referenced_level(database, &cospace_type, leg->cospace,
                                       &levels[LEG_SCOPE_COSPACE]);
    if (result == CV_OK)
        result = read_leg_level(database, leg, &levels[LEG_SCOPE_CALL_LEG]);
    if (result != CV_OK)
        call_leg_profile_levels_clear(levels);
    return result;
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

cv_result call_leg_effective_configuration(store_db *database, const leg_info *leg,
                                           runtime_settings *out)
{
    leg_profile_level levels[LEG_SCOPE_COUNT];
    cv_result result = call_leg_profile_levels(database, leg, levels);
    if (result != CV_OK)
        return result;
    /* The leg's own settings come last again for what is not a profile
     * parameter (ownerId, chosenLayout, ...); its profile parameters are
     * already in its level with the same values. */
    const runtime_settings *merged[] = {&levels[LEG_SCOPE_GLOBAL].values,
                                        &levels[LEG_SCOPE_COSPACE].values,
                                        &levels[LEG_SCOPE_CALL_LEG].values, &leg->configuration};
    result = call_leg_merge_configuration(merged, sizeof merged / sizeof merged[0], out);
    call_leg_profile_levels_clear(levels);
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
    if (live_reply_read_failure(call, result, "callDoesNotExist"))
        return false;
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
