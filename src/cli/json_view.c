/* json_view.c - JSON values as display text; see json_view.h. */
#include "cli/json_view.h"

#include <stdio.h>

const char *json_text(const json_t *value, char *buffer, size_t size)
{
    if (!value || json_is_null(value))
        return "-";
    if (json_is_string(value))
        return json_string_value(value);
    if (json_is_integer(value)) {
        snprintf(buffer, size, "%lld", (long long)json_integer_value(value));
        return buffer;
    }
    if (json_is_real(value)) {
        snprintf(buffer, size, "%g", json_real_value(value));
        return buffer;
    }
    if (json_is_true(value))
        return "true";
    if (json_is_false(value))
        return "false";
    if (json_is_array(value)) {
        snprintf(buffer, size, "[%zu items]", json_array_size(value));
        return buffer;
    }
    return "{...}";
}

const char *json_member_text(const json_t *object, const char *key, char *buffer, size_t size)
{
    return json_text(json_is_object(object) ? json_object_get(object, key) : NULL, buffer, size);
}

const char *json_member_string(const json_t *object, const char *key)
{
    if (!json_is_object(object))
        return NULL;
    return json_string_value(json_object_get(object, key));
}

json_t *json_collection(json_t *document, const char *key)
{
    if (json_is_array(document))
        return document;
    if (!json_is_object(document))
        return NULL;
    json_t *member = json_object_get(document, key);
    if (json_is_array(member))
        return member;
    const char *name;
    json_t *value;
    json_object_foreach(document, name, value)
    {
        if (json_is_array(value))
            return value;
    }
    return NULL;
}
