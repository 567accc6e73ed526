/*
 * live_parameters.c - validation of call, call leg and participant request
 * parameters against their tables; see live_parameters.h. Owns no state.
 */
#include "bridge/live_parameters.h"

#include <stdlib.h>
#include <string.h>

#include "common/ids.h"
#include "common/text.h"

const char *const live_layouts[] = {
    "allEqual",           "speakerOnly",
    "telepresence",       "stacked",
    "allEqualQuarters",   "allEqualNinths",
    "allEqualSixteenths", "allEqualTwentyFifths",
    "onePlusFive",        "onePlusSeven",
    "onePlusNine",        "automatic",
    "onePlusN",           NULL,
};

const live_parameter *live_find_parameter(const live_parameter_table *table, const char *name)
{
    for (size_t i = 0; i < table->count; i++)
        if (strcmp(table->items[i].name, name) == 0)
            return &table->items[i];
    return NULL;
}

static bool is_one_of(const char *value, const char *const *choices)
{
    for (; choices && *choices; choices++)
        if (strcmp(value, *choices) == 0)
            return true;
    return false;
}

bool live_value_is_valid(const live_parameter *parameter, const char *value, bool *too_long)
{
    *too_long = false;
    bool flag;
    int64_t number;
    switch (parameter->kind) {
    case LIVE_BOOL:
        return text_parse_bool(value, &flag) == CV_OK;
    case LIVE_INTEGER:
        return text_parse_int64(value, parameter->minimum, parameter->maximum, &number) == CV_OK;
    case LIVE_DURATION:
        return strcmp(value, "permanent") == 0 ||
               text_parse_int64(value, parameter->minimum, parameter->maximum, &number) == CV_OK;
    case LIVE_CHOICE:
        return is_one_of(value, parameter->choices);
    case LIVE_ID:
        return id_is_valid(value);
    case LIVE_DTMF:
        return strspn(value, "0123456789*#,") == strlen(value);
    case LIVE_TEXT:
        if (parameter->max_length && strlen(value) > parameter->max_length) {
            *too_long = true;
            return false;
        }
        return text_is_valid_utf8(value, strlen(value));
    }
    return false;
}

void live_fail_no_memory(api_call *call)
{
    api_fail(call, 503, "outOfMemory");
}

bool live_reply_read_failure(api_call *call, cv_result result, const char *missing)
{
    if (result == CV_ERR_NOT_FOUND)
        api_fail_not_found(call, missing);
    else if (result != CV_OK)
        live_fail_no_memory(call);
    return result != CV_OK;
}

void live_reply_change(api_call *call, cv_result result, const char *missing, const char *action,
                       const char *id)
{
    if (live_reply_read_failure(call, result, missing))
        return;
    api_audit(call, "%s %s", action, id);
    api_reply_ok(call);
}

bool live_read_parameters(api_call *call, const live_parameter_table *table,
                          const char *const *handled_by_caller, runtime_settings *out)
{
    out->items = NULL;
    out->count = 0;
    for (size_t i = 0; i < call->fields.count; i++) {
        const form_field *field = &call->fields.fields[i];
        if (is_one_of(field->name, handled_by_caller))
            continue;
        const live_parameter *parameter = live_find_parameter(table, field->name);
        if (!parameter) {
            if (api_unknown_field(call, field->name))
                continue;
            runtime_settings_clear(out);
            return false;
        }
        bool too_long = false;
        if (*field->value && !live_value_is_valid(parameter, field->value, &too_long)) {
            api_fail_parameter(call, field->name, too_long ? "valueTooLong" : "invalidValue");
            runtime_settings_clear(out);
            return false;
        }
        /* runtime_settings_set drops empty values; keep them as "unset"
         * markers by storing them directly. */
        runtime_setting *grown = realloc(out->items, (out->count + 1) * sizeof out->items[0]);
        if (!grown) {
            live_fail_no_memory(call);
            runtime_settings_clear(out);
            return false;
        }
        out->items = grown;
        out->items[out->count].name = strdup(field->name);
        out->items[out->count].value = strdup(field->value);
        out->count++;
        if (!out->items[out->count - 1].name || !out->items[out->count - 1].value) {
            live_fail_no_memory(call);
            runtime_settings_clear(out);
            return false;
        }
    }
    return true;
}
