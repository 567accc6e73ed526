/*
 * runtime_settings.c - the ordered name/value settings of live objects (a
 * call's parameters, a leg's configuration overrides, a participant's
 * settings) and the snapshots handed to callers (state names, freeing
 * copies); see runtime.h. Owns no state: every function works on what it
 * is given.
 */
#include <stdlib.h>
#include <string.h>

#include "bridge/runtime.h"

const char *runtime_settings_get(const runtime_settings *settings, const char *name)
{
    for (size_t i = 0; i < settings->count; i++)
        if (strcmp(settings->items[i].name, name) == 0)
            return settings->items[i].value;
    return NULL;
}

void runtime_settings_clear(runtime_settings *settings)
{
    for (size_t i = 0; i < settings->count; i++) {
        free(settings->items[i].name);
        free(settings->items[i].value);
    }
    free(settings->items);
    settings->items = NULL;
    settings->count = 0;
}

cv_result runtime_settings_set(runtime_settings *settings, const char *name, const char *value)
{
    for (size_t i = 0; i < settings->count; i++) {
        if (strcmp(settings->items[i].name, name) != 0)
            continue;
        if (!*value) {
            free(settings->items[i].name);
            free(settings->items[i].value);
            memmove(&settings->items[i], &settings->items[i + 1],
                    (settings->count - i - 1) * sizeof settings->items[0]);
            settings->count--;
            return CV_OK;
        }
        char *copy = strdup(value);
        if (!copy)
            return CV_ERR_NO_MEMORY;
        free(settings->items[i].value);
        settings->items[i].value = copy;
        return CV_OK;
    }
    if (!*value)
        return CV_OK;
    runtime_setting *grown =
        realloc(settings->items, (settings->count + 1) * sizeof settings->items[0]);
    if (!grown)
        return CV_ERR_NO_MEMORY;
    settings->items = grown;
    char *name_copy = strdup(name);
    char *value_copy = strdup(value);
    if (!name_copy || !value_copy) {
        free(name_copy);
        free(value_copy);
        return CV_ERR_NO_MEMORY;
    }
    settings->items[settings->count].name = name_copy;
    settings->items[settings->count].value = value_copy;
    settings->count++;
    return CV_OK;
}

cv_result runtime_settings_copy(const runtime_settings *source, runtime_settings *out)
{
    out->items = NULL;
    out->count = 0;
    for (size_t i = 0; source && i < source->count; i++) {
        cv_result result = runtime_settings_set(out, source->items[i].name, source->items[i].value);
        if (result != CV_OK) {
            runtime_settings_clear(out);
            return result;
        }
    }
    return CV_OK;
}

cv_result runtime_settings_merge(runtime_settings *settings, const runtime_settings *changes)
{
    runtime_settings merged;
    cv_result result = runtime_settings_copy(settings, &merged);
    for (size_t i = 0; result == CV_OK && changes && i < changes->count; i++)
        result = runtime_settings_set(&merged, changes->items[i].name, changes->items[i].value);
    if (result != CV_OK) {
        runtime_settings_clear(&merged);
        return result;
    }
    runtime_settings_clear(settings);
    *settings = merged;
    return CV_OK;
}

/* --- snapshots ---------------------------------------------------------------- */

const char *leg_state_name(leg_state state)
{
    switch (state) {
    case LEG_STATE_RINGING:
        return "ringing";
    case LEG_STATE_CONNECTED:
        return "connected";
    case LEG_STATE_INITIAL:
        break;
    }
    return "initial";
}

void call_info_free(call_info *call)
{
    if (!call)
        return;
    free(call->name);
    free(call->owner_name);
    free(call->local_address);
    free(call->cdr_tag);
    runtime_settings_clear(&call->settings);
    call->name = call->owner_name = call->local_address = call->cdr_tag = NULL;
}

void leg_info_free(leg_info *leg)
{
    if (!leg)
        return;
    free(leg->remote_party);
    free(leg->original_remote_party);
    free(leg->local_address);
    free(leg->sip_call_id);
    runtime_settings_clear(&leg->configuration);
    runtime_settings_clear(&leg->participant_settings);
    leg->remote_party = leg->original_remote_party = leg->local_address = leg->sip_call_id = NULL;
}

void runtime_free_calls(call_info *calls, size_t count)
{
    for (size_t i = 0; calls && i < count; i++)
        call_info_free(&calls[i]);
    free(calls);
}

void runtime_free_legs(leg_info *legs, size_t count)
{
    for (size_t i = 0; legs && i < count; i++)
        leg_info_free(&legs[i]);
    free(legs);
}
