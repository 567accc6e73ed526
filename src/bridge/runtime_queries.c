/*
 * runtime_queries.c - the live call state's operations over many records:
 * pages of calls and legs, and changing every participant of a call at
 * once; see runtime.h. Owns no state of its own: it works on the runtime's
 * records (runtime_records.h) under the runtime's lock.
 */
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "bridge/cdr.h"
#include "bridge/runtime_records.h"

/* Room for one page: never more than the records there are. */
static size_t page_room(int64_t limit, size_t available)
{
    size_t room = limit < 0 ? 0 : (size_t)limit;
    if (room > available)
        room = available;
    return room ? room : 1;
}

cv_result runtime_list_calls(struct call_runtime *runtime, call_predicate keep, void *context,
                             int64_t offset, int64_t limit, call_info **out, size_t *count,
                             size_t *total)
{
    struct timespec now;
    clock_gettime(CLOCK_MONOTONIC, &now);
    *out = NULL;
    *count = *total = 0;
    pthread_mutex_lock(&runtime->lock);
    cv_result result = CV_OK;
    call_info *page = calloc(page_room(limit, runtime->call_count), sizeof *page);
    if (!page)
        result = CV_ERR_NO_MEMORY;
    for (const call_record *call = call_at(runtime->calls.first); result == CV_OK && call;
         call = call_at(call->in_node.next)) {
        if (keep && !keep(&call->info, context))
            continue;
        int64_t position = (int64_t)(*total)++;
        if (position >= offset && (int64_t)*count < limit) {
            result = runtime_copy_call(call, &now, &page[*count]);
            if (result == CV_OK)
                (*count)++;
        }
    }
    pthread_mutex_unlock(&runtime->lock);
    if (result != CV_OK) {
        runtime_free_calls(page, *count);
        *count = *total = 0;
        return result;
    }
    *out = page;
    return CV_OK;
}

cv_result runtime_list_legs(struct call_runtime *runtime, const char *call_id, leg_predicate keep,
                            void *context, int64_t offset, int64_t limit, leg_info **out,
                            size_t *count, size_t *total)
{
    *out = NULL;
    *count = *total = 0;
    char call_key[ID_TEXT_SIZE];
    if (call_id && !runtime_normalise_id(call_id, call_key))
        return CV_ERR_NOT_FOUND;
    struct timespec now;
    clock_gettime(CLOCK_MONOTONIC, &now);
    pthread_mutex_lock(&runtime->lock);
    cv_result result = CV_OK;
    /* the node's legs (in_node), or one call's (in_call) */
    const leg_record *first = leg_at(runtime->legs.first);
    size_t available = runtime->leg_count;
    if (call_id) {
        const call_record *call = index_find(&runtime->calls_by_id, call_key);
        if (!call)
            result = CV_ERR_NOT_FOUND;
        else {
            first = leg_in_call_at(call->legs.first);
            available = (size_t)call->info.num_call_legs;
        }
    }
    leg_info *page = NULL;
    if (result == CV_OK && !(page = calloc(page_room(limit, available), sizeof *page)))
        result = CV_ERR_NO_MEMORY;
    for (const leg_record *leg = first; result == CV_OK && leg;
         leg = call_id ? leg_in_call_at(leg->in_call.next) : leg_at(leg->in_node.next)) {
        if (keep && !keep(&leg->info, context))
            continue;
        int64_t position = (int64_t)(*total)++;
        if (position >= offset && (int64_t)*count < limit) {
            result = runtime_copy_leg(leg, &now, &page[*count]);
            if (result == CV_OK)
                (*count)++;
        }
    }
    pthread_mutex_unlock(&runtime->lock);
    if (result != CV_OK) {
        runtime_free_legs(page, *count);
        *count = *total = 0;
        return result;
    }
    *out = page;
    return CV_OK;
}

/* True when the participant of `leg` is one the selection names. */
static bool is_selected(const leg_record *leg, const participant_selection *selection)
{
    bool listed = false;
    for (size_t i = 0; selection && i < selection->count; i++)
        if (strcmp(selection->ids[i], leg->info.participant) == 0)
            listed = true;
    return selection && selection->selected ? listed : !listed;
}

cv_result runtime_update_call_participants(struct call_runtime *runtime, const char *call_id,
                                           const participant_selection *selection,
                                           const runtime_settings *configuration_changes,
                                           const runtime_settings *participant_changes,
                                           size_t *changed)
{
    char key[ID_TEXT_SIZE];
    if (changed)
        *changed = 0;
    if (!runtime_normalise_id(call_id, key))
        return CV_ERR_NOT_FOUND;
    pthread_mutex_lock(&runtime->lock);
    call_record *call = index_find(&runtime->calls_by_id, key);
    cv_result result = call ? CV_OK : CV_ERR_NOT_FOUND;
    /* Merge into copies first so that a failure changes no participant. */
    size_t count = 0;
    for (leg_record *leg = call ? leg_in_call_at(call->legs.first) : NULL; leg;
         leg = leg_in_call_at(leg->in_call.next))
        count += leg->info.participant[0] && is_selected(leg, selection);
    leg_info *merged = result == CV_OK ? calloc(count ? count : 1, sizeof *merged) : NULL;
    if (result == CV_OK && !merged)
        result = CV_ERR_NO_MEMORY;
    size_t done = 0;
    for (leg_record *leg = call ? leg_in_call_at(call->legs.first) : NULL; result == CV_OK && leg;
         leg = leg_in_call_at(leg->in_call.next)) {
        if (!leg->info.participant[0] || !is_selected(leg, selection))
            continue;
        leg_info *copy = &merged[done];
        result = runtime_settings_copy(&leg->info.configuration, &copy->configuration);
        if (result == CV_OK)
            result =
                runtime_settings_copy(&leg->info.participant_settings, &copy->participant_settings);
        if (result == CV_OK)
            result = runtime_settings_merge(&copy->configuration, configuration_changes);
        if (result == CV_OK)
            result = runtime_settings_merge(&copy->participant_settings, participant_changes);
        done++;
    }
    done = 0;
    for (leg_record *leg = call ? leg_in_call_at(call->legs.first) : NULL; result == CV_OK && leg;
         leg = leg_in_call_at(leg->in_call.next)) {
        if (!leg->info.participant[0] || !is_selected(leg, selection))
            continue;
        runtime_settings swap = leg->info.configuration;
        leg->info.configuration = merged[done].configuration;
        merged[done].configuration = swap;
        swap = leg->info.participant_settings;
        leg->info.participant_settings = merged[done].participant_settings;
        merged[done].participant_settings = swap;
        if (runtime_changes_cdr_fields(configuration_changes, participant_changes))
            runtime_emit_leg_record(runtime, leg, CDR_CALL_LEG_UPDATE);
        done++;
    }
    pthread_mutex_unlock(&runtime->lock);
    for (size_t i = 0; merged && i < count; i++) {
        runtime_settings_clear(&merged[i].configuration);
        runtime_settings_clear(&merged[i].participant_settings);
    }
    free(merged);
    if (result == CV_OK && changed)
        *changed = count;
    return result;
}
