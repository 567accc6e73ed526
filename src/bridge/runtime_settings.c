/*
 * runtime_settings.c - the ordered name/value settings of live objects (a
 * call's parameters, a leg's configuration overrides, a participant's
 * settings); see runtime.h. Owns no state: every function works on the
 * settings it is given.
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
