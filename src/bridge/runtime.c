/*
 * runtime.c - live calls, legs and participants; see runtime.h.
 *
 * Owns: the records (each call and leg is one heap allocation holding the
 * public snapshot shape plus its links), three hash indexes by ID (calls,
 * legs, participants) and one by space (the space's active call), the
 * node's counters, the CDR record of each event (queued with the CDR
 * sender's own lock, never blocking), and the reaction to dial simulator
 * steps. Every field is guarded by `lock`; the lock is held only to look
 * up, copy, link or unlink, never while logging or doing I/O. The dial
 * simulator's and the CDR sender's locks may be taken while `lock` is held,
 * never the other way round. The record layouts are in runtime_records.h;
 * pages and changes to many records are in runtime_queries.c.
 * Does not own: what the settings mean (the API modules) or when a remote
 * party answers (dial_simulator.c).
 */
#include "bridge/runtime.h"

#include <ctype.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "bridge/cdr.h"
#include "bridge/dial_simulator.h"
#include "bridge/id_index.h"
#include "bridge/runtime_records.h"
#include "common/log.h"

/* strdup that keeps NULL and reports failure through *ok. */
static char *copy_optional(const char *text, bool *ok)
{
    if (!text)
        return NULL;
    char *copy = strdup(text);
    if (!copy)
        *ok = false;
    return copy;
}

static int64_t seconds_since(const struct timespec *start, const struct timespec *now)
{
    int64_t seconds = (int64_t)(now->tv_sec - start->tv_sec);
    if (now->tv_nsec < start->tv_nsec)
        seconds--;
    return seconds < 0 ? 0 : seconds;
}

/* Lower-cased copy of an ID; false when it cannot be one of ours. */
bool runtime_normalise_id(const char *id, char out[ID_TEXT_SIZE])
{
    if (!id || strlen(id) != ID_TEXT_SIZE - 1)
        return false;
    for (size_t i = 0; i < ID_TEXT_SIZE; i++)
        out[i] = (char)tolower((unsigned char)id[i]);
    return true;
}

static void on_dial_step(void *context, const char *leg_id, dial_step step);

cv_result runtime_create(bridge *node, struct call_runtime **out)
{
    struct call_runtime *runtime = calloc(1, sizeof *runtime);
    if (!runtime)
        return CV_ERR_NO_MEMORY;
    runtime->node = node;
    runtime->next_call_number = 1;
    pthread_mutex_init(&runtime->lock, NULL);
    cv_result result = dial_simulator_start(on_dial_step, runtime, &runtime->simulator);
    if (result != CV_OK) {
        pthread_mutex_destroy(&runtime->lock);
        free(runtime);
        return result;
    }
    *out = runtime;
    return CV_OK;
}

static void free_leg_record(leg_record *leg)
{
    leg_info_free(&leg->info);
    free(leg);
}

static void free_call_record(call_record *call)
{
    call_info_free(&call->info);
    free(call);
}

void runtime_destroy(struct call_runtime *runtime)
{
    if (!runtime)
        return;
    dial_simulator_stop(runtime->simulator); /* no step can fire after this */
    for (leg_record *leg = leg_at(runtime->legs.first), *next; leg; leg = next) {
        next = leg_at(leg->in_node.next);
        free_leg_record(leg);
    }
    for (call_record *call = call_at(runtime->calls.first), *next; call; call = next) {
        next = call_at(call->in_node.next);
        free_call_record(call);
    }
    free(runtime->calls_by_id.slots);
    free(runtime->calls_by_cospace.slots);
    free(runtime->legs_by_id.slots);
    free(runtime->legs_by_participant.slots);
    pthread_mutex_destroy(&runtime->lock);
    free(runtime);
}

void runtime_get_counters(struct call_runtime *runtime, runtime_counters *out)
{
    pthread_mutex_lock(&runtime->lock);
    *out = runtime->counters;
    pthread_mutex_unlock(&runtime->lock);
    out->audio_bit_rate_outgoing = out->call_legs_active * RUNTIME_AUDIO_BIT_RATE;
    out->audio_bit_rate_incoming = out->call_legs_active * RUNTIME_AUDIO_BIT_RATE;
    out->video_bit_rate_outgoing = out->call_legs_active * RUNTIME_VIDEO_BIT_RATE;
    out->video_bit_rate_incoming = out->call_legs_active * RUNTIME_VIDEO_BIT_RATE;
}

/* --- copies (lock held) ------------------------------------------------------------ */

cv_result runtime_copy_call(const call_record *record, const struct timespec *now, call_info *out)
{
    *out = record->info;
    out->name = out->owner_name = out->local_address = out->cdr_tag = NULL;
    out->settings.items = NULL;
    out->settings.count = 0;
    bool ok = true;
    out->name = copy_optional(record->info.name, &ok);
    out->owner_name = copy_optional(record->info.owner_name, &ok);
    out->local_address = copy_optional(record->info.local_address, &ok);
    out->cdr_tag = copy_optional(record->info.cdr_tag, &ok);
    if (ok && runtime_settings_copy(&record->info.settings, &out->settings) != CV_OK)
        ok = false;
    out->duration_seconds = seconds_since(&record->started, now);
    if (!ok) {
        call_info_free(out);
        return CV_ERR_NO_MEMORY;
    }
    return CV_OK;
}

cv_result runtime_copy_leg(const leg_record *record, const struct timespec *now, leg_info *out)
{
    *out = record->info;
    out->remote_party = out->original_remote_party = out->local_address = out->sip_call_id = NULL;
    memset(&out->configuration, 0, sizeof out->configuration);
    memset(&out->participant_settings, 0, sizeof out->participant_settings);
    bool ok = true;
    out->remote_party = copy_optional(record->info.remote_party, &ok);
    out->original_remote_party = copy_optional(record->info.original_remote_party, &ok);
    out->local_address = copy_optional(record->info.local_address, &ok);
    out->sip_call_id = copy_optional(record->info.sip_call_id, &ok);
    if (ok && runtime_settings_copy(&record->info.configuration, &out->configuration) != CV_OK)
        ok = false;
    if (ok && runtime_settings_copy(&record->info.participant_settings,
                                    &out->participant_settings) != CV_OK)
        ok = false;
    out->duration_seconds = seconds_since(&record->created, now);
    if (!ok) {
        leg_info_free(out);
        return CV_ERR_NO_MEMORY;
    }
    return CV_OK;
}

/* --- ending legs and calls (lock held) ------------------------------------------------- */

/* Gives the record the node's next correlator index and the time, and
 * queues it for the CDR receivers (when the node sends CDRs). */
static void emit_record(struct call_runtime *runtime, cdr_event *event)
{
    event->correlator_index = runtime->counters.cdr_correlator_index++;
    event->time = time(NULL);
    if (runtime->node->cdr)
        cdr_sender_submit(runtime->node->cdr, event);
}

/* The callLegStart or callLegUpdate record of a leg as it is now. */
void runtime_emit_leg_record(struct call_runtime *runtime, const leg_record *leg,
                             cdr_record_type type)
{
    const leg_info *info = &leg->info;
    const char *label = runtime_settings_get(&info->participant_settings, "nameLabelOverride");
    const char *deactivated = runtime_settings_get(&info->participant_settings, "deactivated");
    cdr_event event = {
        .type = type,
        .id = info->id,
        .display_name = label ? label : "",
        .remote_party = info->remote_party,
        .local_address = info->local_address,
        .call = info->call,
        .owner_id = runtime_settings_get(&info->configuration, "ownerId"),
        .sip_call_id = info->sip_call_id,
        .connected = info->state == LEG_STATE_CONNECTED,
        .deactivated = deactivated && strcmp(deactivated, "true") == 0,
    };
    emit_record(runtime, &event);
}

/* Unlinks a leg from every index and list and settles the counters: the
 * leg counts as completed; a connected leg leaves the active count and
 * takes its participant with it. Sends its callLegEnd with `reason`.
 * Frees the record. */
static void end_leg(struct call_runtime *runtime, leg_record *leg, leg_end_reason reason)
{
    struct timespec now;
    clock_gettime(CLOCK_MONOTONIC, &now);
    const char *encryption = runtime_settings_get(&leg->info.configuration, "sipMediaEncryption");
    cdr_event end = {
        .type = CDR_CALL_LEG_END,
        .id = leg->info.id,
        .reason = reason,
        .duration_seconds = seconds_since(&leg->created, &now),
        .had_media = leg->info.state == LEG_STATE_CONNECTED,
        .encrypted_media = !encryption || strcmp(encryption, "prohibited") != 0,
    };
    emit_record(runtime, &end);
    index_remove(&runtime->legs_by_id, leg->info.id);
    if (leg->info.participant[0])
        index_remove(&runtime->legs_by_participant, leg->info.participant);
    list_unlink(&runtime->legs, &leg->in_node);
    call_record *call = leg->call;
    list_unlink(&call->legs, &leg->in_call);
    runtime->leg_count--;
    call->info.num_call_legs--;
    if (leg->info.state == LEG_STATE_CONNECTED) {
        call->info.num_participants--;
        call->legs_connected--;
        runtime->counters.call_legs_active--;
    }
    call->legs_completed++;
    runtime->counters.call_legs_completed++;
    free_leg_record(leg);
}

static void end_call(struct call_runtime *runtime, call_record *call)
{
    while (call->legs.first)
        end_leg(runtime, leg_in_call_at(call->legs.first), LEG_END_LOCAL_TEARDOWN);
    struct timespec now;
    clock_gettime(CLOCK_MONOTONIC, &now);
    cdr_event end = {
        .type = CDR_CALL_END,
        .id = call->info.id,
        .call_legs_completed = call->legs_completed,
        .call_legs_max_active = call->legs_connected_max,
        .duration_seconds = seconds_since(&call->started, &now),
    };
    emit_record(runtime, &end);
    index_remove(&runtime->calls_by_id, call->info.id);
    if (call->info.cospace[0])
        index_remove(&runtime->calls_by_cospace, call->info.cospace);
    list_unlink(&runtime->calls, &call->in_node);
    runtime->call_count--;
    free_call_record(call);
}

/* --- dial simulator steps (timer thread) ------------------------------------------------ */

static void connect_leg(struct call_runtime *runtime, leg_record *leg, char *message,
                        size_t message_size)
{
    bool created_early = leg->info.participant[0] != '\0'; /* POST .../participants */
    if (!created_early)
        id_generate(leg->info.participant);
    if (!created_early &&
        index_insert(&runtime->legs_by_participant, leg->info.participant, leg) != CV_OK) {
        /* Without an index entry the participant could not be found: keep
         * ringing rather than show half a participant. */
        leg->info.participant[0] = '\0';
        snprintf(message, message_size, "call %lu: out of memory connecting the call",
                 leg->info.number);
        return;
    }
    leg->info.state = LEG_STATE_CONNECTED;
    leg->call->info.num_participants++;
    if (++leg->call->legs_connected > leg->call->legs_connected_max)
        leg->call->legs_connected_max = leg->call->legs_connected;
    runtime_counters *counters = &runtime->counters;
    counters->call_legs_active++;
    if (counters->call_legs_active > counters->call_legs_max_active)
        counters->call_legs_max_active = counters->call_legs_active;
    runtime_emit_leg_record(runtime, leg, CDR_CALL_LEG_UPDATE);
    const call_record *call = leg->call;
    if (call->info.cospace[0])
        snprintf(message, message_size, "participant \"%s\" joined space %s (%s)",
                 leg->info.remote_party, call->info.cospace, call->info.name);
    else
        snprintf(message, message_size, "participant \"%s\" joined call %s (%s)",
                 leg->info.remote_party, call->info.id, call->info.name);
}

static void on_dial_step(void *context, const char *leg_id, dial_step step)
{
    struct call_runtime *runtime = context;
    char message[600] = "";
    pthread_mutex_lock(&runtime->lock);
    leg_record *leg = index_find(&runtime->legs_by_id, leg_id);
    if (leg) { /* a leg deleted meanwhile simply has no more steps */
        switch (step) {
        case DIAL_STEP_RING:
            if (leg->info.state == LEG_STATE_INITIAL) {
                leg->info.state = LEG_STATE_RINGING;
                snprintf(message, sizeof message, "call %lu: SIP call ringing", leg->info.number);
            }
            break;
        case DIAL_STEP_ANSWER:
            if (leg->info.state != LEG_STATE_CONNECTED)
                connect_leg(runtime, leg, message, sizeof message);
            break;
        case DIAL_STEP_REJECT:
            if (leg->info.state != LEG_STATE_CONNECTED) {
                snprintf(message, sizeof message, "call %lu: SIP call to \"%s\" rejected: busy",
                         leg->info.number, leg->info.remote_party);
                end_leg(runtime, leg, LEG_END_REMOTE_TEARDOWN);
            }
            break;
        case DIAL_STEP_FAIL:
            snprintf(message, sizeof message,
                     "call %lu: no outbound dial plan rule matched \"%s\": call failed",
                     leg->info.number, leg->info.remote_party);
            end_leg(runtime, leg, LEG_END_UNKNOWN_DESTINATION);
            break;
        }
    }
    pthread_mutex_unlock(&runtime->lock);
    if (message[0])
        log_info("%s", message);
}

/* --- calls ---------------------------------------------------------------------------- */

cv_result runtime_create_call(struct call_runtime *runtime, const call_request *request,
                              const runtime_settings *settings, char id_out[ID_TEXT_SIZE])
{
    call_record *call = calloc(1, sizeof *call);
    if (!call)
        return CV_ERR_NO_MEMORY;
    bool ok = true;
    call->info.name = copy_optional(request->name ? request->name : "", &ok);
    call->info.owner_name = copy_optional(request->owner_name, &ok);
    call->info.local_address = copy_optional(request->local_address, &ok);
    call->info.cdr_tag = copy_optional(request->cdr_tag, &ok);
    if (ok && runtime_settings_copy(settings, &call->info.settings) != CV_OK)
        ok = false;
    if (!ok) {
        free_call_record(call);
        return CV_ERR_NO_MEMORY;
    }
    if ((request->cospace && *request->cospace &&
         !runtime_normalise_id(request->cospace, call->info.cospace)) ||
        (request->tenant && *request->tenant &&
         !runtime_normalise_id(request->tenant, call->info.tenant))) {
        free_call_record(call);
        return CV_ERR_INVALID;
    }
    if (!request->id || !runtime_normalise_id(request->id, call->info.id))
        id_generate(call->info.id);
    id_generate(call->info.call_correlator);
    clock_gettime(CLOCK_MONOTONIC, &call->started);

    pthread_mutex_lock(&runtime->lock);
    cv_result result = CV_OK;
    if (call->info.cospace[0] && index_find(&runtime->calls_by_cospace, call->info.cospace))
        result = CV_ERR_CONFLICT;
    if (result == CV_OK)
        result = index_insert(&runtime->calls_by_id, call->info.id, call);
    if (result == CV_OK && call->info.cospace[0]) {
        result = index_insert(&runtime->calls_by_cospace, call->info.cospace, call);
        if (result != CV_OK)
            index_remove(&runtime->calls_by_id, call->info.id);
    }
    if (result == CV_OK) {
        list_append(&runtime->calls, &call->in_node);
        runtime->call_count++;
        cdr_event start = {
            .type = CDR_CALL_START,
            .id = call->info.id,
            .name = call->info.name,
            .cospace = call->info.cospace[0] ? call->info.cospace : NULL,
            .call_correlator = call->info.call_correlator,
            .tenant = call->info.tenant[0] ? call->info.tenant : NULL,
            .cdr_tag = call->info.cdr_tag,
            .ad_hoc = !call->info.cospace[0],
        };
        emit_record(runtime, &start);
        memcpy(id_out, call->info.id, ID_TEXT_SIZE);
    }
    pthread_mutex_unlock(&runtime->lock);
    if (result != CV_OK)
        free_call_record(call);
    return result;
}

cv_result runtime_get_call(struct call_runtime *runtime, const char *id, call_info *out)
{
    char key[ID_TEXT_SIZE];
    if (!runtime_normalise_id(id, key))
        return CV_ERR_NOT_FOUND;
    struct timespec now;
    clock_gettime(CLOCK_MONOTONIC, &now);
    pthread_mutex_lock(&runtime->lock);
    const call_record *call = index_find(&runtime->calls_by_id, key);
    cv_result result = call ? runtime_copy_call(call, &now, out) : CV_ERR_NOT_FOUND;
    pthread_mutex_unlock(&runtime->lock);
    return result;
}

cv_result runtime_update_call(struct call_runtime *runtime, const char *id,
                              const runtime_settings *changes)
{
    char key[ID_TEXT_SIZE];
    if (!runtime_normalise_id(id, key))
        return CV_ERR_NOT_FOUND;
    pthread_mutex_lock(&runtime->lock);
    call_record *call = index_find(&runtime->calls_by_id, key);
    cv_result result =
        call ? runtime_settings_merge(&call->info.settings, changes) : CV_ERR_NOT_FOUND;
    pthread_mutex_unlock(&runtime->lock);
    return result;
}

/* Ends the call that `index` (one of the runtime's call indexes) holds
 * under `id`; false when it holds none. Takes the lock. */
static bool end_indexed_call(struct call_runtime *runtime, id_index *index, const char *id)
{
    char key[ID_TEXT_SIZE];
    if (!runtime_normalise_id(id, key))
        return false;
    pthread_mutex_lock(&runtime->lock);
    call_record *call = index_find(index, key);
    if (call)
        end_call(runtime, call);
    pthread_mutex_unlock(&runtime->lock);
    return call != NULL;
}

cv_result runtime_delete_call(struct call_runtime *runtime, const char *id)
{
    return end_indexed_call(runtime, &runtime->calls_by_id, id) ? CV_OK : CV_ERR_NOT_FOUND;
}

bool runtime_end_cospace_call(struct call_runtime *runtime, const char *cospace_id)
{
    return end_indexed_call(runtime, &runtime->calls_by_cospace, cospace_id);
}

/* --- legs ---------------------------------------------------------------------------- */

/* A new leg record, not linked anywhere yet; NULL when out of memory. */
static leg_record *new_leg(const leg_request *request, const runtime_settings *configuration,
                           const runtime_settings *participant_settings)
{
    leg_record *leg = calloc(1, sizeof *leg);
    if (!leg)
        return NULL;
    bool ok = true;
    char sip_call_id[ID_TEXT_SIZE];
    id_generate(sip_call_id);
    leg->info.remote_party = copy_optional(request->remote_party, &ok);
    leg->info.original_remote_party = copy_optional(
        request->original_remote_party ? request->original_remote_party : request->remote_party,
        &ok);
    leg->info.local_address = copy_optional(request->local_address, &ok);
    leg->info.sip_call_id = copy_optional(sip_call_id, &ok);
    if (ok && runtime_settings_copy(configuration, &leg->info.configuration) != CV_OK)
        ok = false;
    if (ok && runtime_settings_copy(participant_settings, &leg->info.participant_settings) != CV_OK)
        ok = false;
    if (!ok) {
        free_leg_record(leg);
        return NULL;
    }
    id_generate(leg->info.id);
    if (request->with_participant)
        id_generate(leg->info.participant);
    leg->info.unencrypted_control = request->unencrypted_control;
    leg->info.state = LEG_STATE_INITIAL;
    clock_gettime(CLOCK_MONOTONIC, &leg->created);
    return leg;
}

/* Links a leg into the node's and its call's lists (lock held; the
 * indexes are already done). */
static void link_leg(struct call_runtime *runtime, call_record *call, leg_record *leg)
{
    memcpy(leg->info.call, call->info.id, ID_TEXT_SIZE);
    memcpy(leg->info.tenant, call->info.tenant, ID_TEXT_SIZE);
    memcpy(leg->info.cospace, call->info.cospace, ID_TEXT_SIZE);
    leg->info.number = runtime->next_call_number++;
    leg->call = call;
    list_append(&runtime->legs, &leg->in_node);
    list_append(&call->legs, &leg->in_call);
    runtime->leg_count++;
    call->info.num_call_legs++;
    if (call->info.num_call_legs > call->info.max_call_legs)
        call->info.max_call_legs = call->info.num_call_legs;
}

/* Adds the leg to the ID indexes (lock held); all or nothing. */
static cv_result index_leg(struct call_runtime *runtime, leg_record *leg)
{
    cv_result result = index_insert(&runtime->legs_by_id, leg->info.id, leg);
    if (result == CV_OK && leg->info.participant[0]) {
        result = index_insert(&runtime->legs_by_participant, leg->info.participant, leg);
        if (result != CV_OK)
            index_remove(&runtime->legs_by_id, leg->info.id);
    }
    return result;
}

cv_result runtime_create_leg_with(struct call_runtime *runtime, const char *call_id,
                                  const leg_request *request, const runtime_settings *configuration,
                                  const runtime_settings *participant_settings,
                                  char id_out[ID_TEXT_SIZE], char participant_out[ID_TEXT_SIZE])
{
    char call_key[ID_TEXT_SIZE];
    if (!runtime_normalise_id(call_id, call_key))
        return CV_ERR_NOT_FOUND;
    leg_record *leg = new_leg(request, configuration, participant_settings);
    if (!leg)
        return CV_ERR_NO_MEMORY;
    const bridge_options *options = &runtime->node->options;
    leg->info.packet_loss =
        dial_party_matches(&options->packet_loss_parties, request->remote_party);
    dial_outcome outcome =
        request->unroutable ? DIAL_UNROUTABLE : dial_outcome_for(options, request->remote_party);
    char message[700] = "";
    pthread_mutex_lock(&runtime->lock);
    call_record *call = index_find(&runtime->calls_by_id, call_key);
    cv_result result = call ? CV_OK : CV_ERR_NOT_FOUND;
    if (result == CV_OK && !leg->info.local_address && call->info.local_address &&
        !(leg->info.local_address = strdup(call->info.local_address)))
        result = CV_ERR_NO_MEMORY;
    /* Steps cannot fire before the leg is linked: they need this lock. If
     * the insertion below fails, they find no leg and do nothing. */
    if (result == CV_OK)
        result = dial_simulator_dial(runtime->simulator, leg->info.id, options->ring_milliseconds,
                                     outcome);
    if (result == CV_OK)
        result = index_leg(runtime, leg);
    if (result == CV_OK) {
        link_leg(runtime, call, leg);
        runtime_emit_leg_record(runtime, leg, CDR_CALL_LEG_START);
        memcpy(id_out, leg->info.id, ID_TEXT_SIZE);
        if (participant_out)
            memcpy(participant_out, leg->info.participant, ID_TEXT_SIZE);
        snprintf(message, sizeof message, "call %lu: outgoing SIP call to \"%s\" from %s \"%s\"%s",
                 leg->info.number, request->remote_party, call->info.cospace[0] ? "space" : "call",
                 call->info.name,
                 outcome == DIAL_ANSWERS     ? ""
                 : outcome == DIAL_BUSY      ? " (simulated: busy)"
                 : outcome == DIAL_NO_ANSWER ? " (simulated: no answer)"
                                             : " (no outbound dial plan rule matches)");
    }
    pthread_mutex_unlock(&runtime->lock);
    if (result != CV_OK) {
        free_leg_record(leg);
        return result;
    }
    log_info("%s", message);
    return CV_OK;
}

cv_result runtime_create_leg(struct call_runtime *runtime, const char *call_id,
                             const char *remote_party, const runtime_settings *configuration,
                             const runtime_settings *participant_settings,
                             char id_out[ID_TEXT_SIZE])
{
    leg_request request = {.remote_party = remote_party};
    return runtime_create_leg_with(runtime, call_id, &request, configuration, participant_settings,
                                   id_out, NULL);
}

static cv_result find_and_copy_leg(struct call_runtime *runtime, const id_index *index,
                                   const char *id, leg_info *out)
{
    char key[ID_TEXT_SIZE];
    if (!runtime_normalise_id(id, key))
        return CV_ERR_NOT_FOUND;
    struct timespec now;
    clock_gettime(CLOCK_MONOTONIC, &now);
    pthread_mutex_lock(&runtime->lock);
    const leg_record *leg = index_find(index, key);
    cv_result result = leg ? runtime_copy_leg(leg, &now, out) : CV_ERR_NOT_FOUND;
    pthread_mutex_unlock(&runtime->lock);
    return result;
}

cv_result runtime_get_leg(struct call_runtime *runtime, const char *id, leg_info *out)
{
    return find_and_copy_leg(runtime, &runtime->legs_by_id, id, out);
}

cv_result runtime_get_participant(struct call_runtime *runtime, const char *participant_id,
                                  leg_info *out)
{
    return find_and_copy_leg(runtime, &runtime->legs_by_participant, participant_id, out);
}

/* Merges both change sets or neither. */
static cv_result merge_leg_settings(leg_record *leg, const runtime_settings *configuration_changes,
                                    const runtime_settings *participant_changes)
{
    runtime_settings configuration, participant;
    cv_result result = runtime_settings_copy(&leg->info.configuration, &configuration);
    if (result != CV_OK)
        return result;
    result = runtime_settings_copy(&leg->info.participant_settings, &participant);
    if (result != CV_OK) {
        runtime_settings_clear(&configuration);
        return result;
    }
    if (configuration_changes)
        result = runtime_settings_merge(&configuration, configuration_changes);
    if (result == CV_OK && participant_changes)
        result = runtime_settings_merge(&participant, participant_changes);
    if (result != CV_OK) {
        runtime_settings_clear(&configuration);
        runtime_settings_clear(&participant);
        return result;
    }
    runtime_settings_clear(&leg->info.configuration);
    runtime_settings_clear(&leg->info.participant_settings);
    leg->info.configuration = configuration;
    leg->info.participant_settings = participant;
    return CV_OK;
}

/* True when the changes touch what a callLegUpdate record carries. */
bool runtime_changes_cdr_fields(const runtime_settings *configuration_changes,
                                const runtime_settings *participant_changes)
{
    return (configuration_changes && runtime_settings_get(configuration_changes, "ownerId")) ||
           (participant_changes &&
            (runtime_settings_get(participant_changes, "deactivated") ||
             runtime_settings_get(participant_changes, "nameLabelOverride")));
}

static cv_result update_leg_settings(struct call_runtime *runtime, const id_index *index,
                                     const char *id, const runtime_settings *configuration_changes,
                                     const runtime_settings *participant_changes)
{
    char key[ID_TEXT_SIZE];
    if (!runtime_normalise_id(id, key))
        return CV_ERR_NOT_FOUND;
    pthread_mutex_lock(&runtime->lock);
    leg_record *leg = index_find(index, key);
    cv_result result = leg ? merge_leg_settings(leg, configuration_changes, participant_changes)
                           : CV_ERR_NOT_FOUND;
    if (result == CV_OK && runtime_changes_cdr_fields(configuration_changes, participant_changes))
        runtime_emit_leg_record(runtime, leg, CDR_CALL_LEG_UPDATE);
    pthread_mutex_unlock(&runtime->lock);
    return result;
}

cv_result runtime_update_leg(struct call_runtime *runtime, const char *id,
                             const runtime_settings *configuration_changes,
                             const runtime_settings *participant_changes)
{
    return update_leg_settings(runtime, &runtime->legs_by_id, id, configuration_changes,
                               participant_changes);
}

cv_result runtime_update_participant(struct call_runtime *runtime, const char *participant_id,
                                     const runtime_settings *changes)
{
    return update_leg_settings(runtime, &runtime->legs_by_participant, participant_id, NULL,
                               changes);
}

static cv_result find_and_end_leg(struct call_runtime *runtime, const id_index *index,
                                  const char *id)
{
    char key[ID_TEXT_SIZE];
    if (!runtime_normalise_id(id, key))
        return CV_ERR_NOT_FOUND;
    pthread_mutex_lock(&runtime->lock);
    leg_record *leg = index_find(index, key);
    if (leg)
        end_leg(runtime, leg, LEG_END_LOCAL_TEARDOWN);
    pthread_mutex_unlock(&runtime->lock);
    return leg ? CV_OK : CV_ERR_NOT_FOUND;
}

cv_result runtime_delete_leg(struct call_runtime *runtime, const char *id)
{
    return find_and_end_leg(runtime, &runtime->legs_by_id, id);
}

cv_result runtime_delete_participant(struct call_runtime *runtime, const char *participant_id)
{
    return find_and_end_leg(runtime, &runtime->legs_by_participant, participant_id);
}
