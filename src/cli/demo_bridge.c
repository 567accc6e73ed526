/*
 * demo_bridge.c - the spaces, calls and call legs `convene demo` checks on
 * the bridge, read through the shared CMS client library (common/
 * cms_client.h, common/cms_views.h); see demo_bridge.h. Owns the copies
 * it hands out until the matching *_free; parses no XML itself.
 */
#include "cli/demo_bridge.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/cms_views.h"
#include "common/text.h"

void demo_space_clear(demo_space *space)
{
    free(space->id);
    free(space->name);
    free(space->uri);
    free(space->call_id);
    free(space->secret);
    memset(space, 0, sizeof *space);
}

void demo_spaces_free(demo_space *spaces, size_t count)
{
    for (size_t i = 0; i < count; i++)
        demo_space_clear(&spaces[i]);
    free(spaces);
}

void demo_call_legs_free(demo_call_leg *legs, size_t count)
{
    for (size_t i = 0; i < count; i++) {
        free(legs[i].id);
        free(legs[i].remote_party);
        free(legs[i].call);
    }
    free(legs);
}

/* The demo's copy of a space the library read. */
static cv_result copy_space(const cms_space *from, demo_space *to)
{
    memset(to, 0, sizeof *to);
    char call_id[32] = "";
    if (from->call_id >= 0)
        snprintf(call_id, sizeof call_id, "%lld", (long long)from->call_id);
    to->id = text_duplicate(from->id);
    to->name = text_duplicate(from->name);
    to->uri = text_duplicate(from->uri);
    to->call_id = text_duplicate(call_id);
    to->secret = text_duplicate(from->secret);
    to->non_member_access = from->non_member_access;
    if (!to->id || !to->name || !to->uri || !to->call_id || !to->secret) {
        demo_space_clear(to);
        return CV_ERR_NO_MEMORY;
    }
    return CV_OK;
}

cv_result demo_bridge_list_spaces(cms_client *bridge, demo_space **out, size_t *count,
                                  strbuf *error)
{
    *out = NULL;
    *count = 0;
    cms_space_list spaces = {0};
    char reason[512] = "";
    cv_result result = cms_spaces_list(bridge, &spaces, reason, sizeof reason);
    demo_space *copies = result == CV_OK ? calloc(spaces.count + 1, sizeof *copies) : NULL;
    if (result == CV_OK && copies == NULL)
        result = CV_ERR_NO_MEMORY;
    size_t copied = 0;
    for (; result == CV_OK && copied < spaces.count; copied++)
        result = copy_space(&spaces.items[copied], &copies[copied]);
    cms_space_list_free(&spaces);
    if (result != CV_OK) {
        demo_spaces_free(copies, copied);
        strbuf_printf(error, "%s", reason[0] ? reason : cv_result_name(result));
        return result;
    }
    *out = copies;
    *count = copied;
    return CV_OK;
}

cv_result demo_bridge_get_space(cms_client *bridge, const char *id, demo_space *out, strbuf *error)
{
    memset(out, 0, sizeof *out);
    cms_space space = {.call_id = -1};
    char reason[512] = "";
    cv_result result = cms_space_get(bridge, id, &space, reason, sizeof reason);
    if (result == CV_OK)
        result = copy_space(&space, out);
    else
        strbuf_printf(error, "%s", reason);
    cms_space_clear(&space);
    return result;
}

cv_result demo_bridge_find_space_by_call_id(cms_client *bridge, const char *call_id,
                                            demo_space *out, strbuf *error)
{
    memset(out, 0, sizeof *out);
    int64_t number = 0;
    if (text_parse_int64(call_id, 0, INT64_MAX, &number) != CV_OK) {
        strbuf_printf(error, "call ID %s is not a number", call_id);
        return CV_ERR_INVALID;
    }
    cms_space space = {.call_id = -1};
    bool found = false;
    char reason[512] = "";
    cv_result result =
        cms_space_find_by_call_id(bridge, number, &space, &found, reason, sizeof reason);
    char id[ID_TEXT_SIZE];
    snprintf(id, sizeof id, "%s", space.id);
    cms_space_clear(&space);
    if (result != CV_OK) {
        strbuf_printf(error, "%s", reason);
        return result;
    }
    if (!found) {
        strbuf_printf(error, "no space has call ID %s", call_id);
        return CV_ERR_NOT_FOUND;
    }
    return demo_bridge_get_space(bridge, id, out, error); /* in full: with its secret */
}

cv_result demo_bridge_find_call(cms_client *bridge, const char *space_id, char *call_id,
                                size_t call_id_size, demo_call_leg **legs, size_t *leg_count,
                                strbuf *error)
{
    *legs = NULL;
    *leg_count = 0;
    call_id[0] = '\0';
    char reason[512] = "";
    cms_call_list calls = {0};
    cv_result result = cms_calls_list(bridge, space_id, &calls, reason, sizeof reason);
    if (result == CV_OK && calls.count > 0)
        snprintf(call_id, call_id_size, "%s", calls.items[0].id);
    cms_call_list_free(&calls);
    if (result != CV_OK || !call_id[0]) {
        if (result != CV_OK)
            strbuf_printf(error, "%s", reason);
        return result;
    }
    char path[128];
    snprintf(path, sizeof path, "/calls/%s/callLegs", call_id);
    cms_leg_list found = {0};
    result = cms_legs_list(bridge, path, &found, reason, sizeof reason);
    demo_call_leg *copies = result == CV_OK ? calloc(found.count + 1, sizeof *copies) : NULL;
    if (result == CV_OK && copies == NULL)
        result = CV_ERR_NO_MEMORY;
    size_t copied = 0;
    for (; result == CV_OK && copied < found.count; copied++) {
        demo_call_leg *leg = &copies[copied];
        leg->id = text_duplicate(found.items[copied].id);
        leg->remote_party = text_duplicate(found.items[copied].remote_party);
        leg->call = text_duplicate(call_id);
        if (!leg->id || !leg->remote_party || !leg->call)
            result = CV_ERR_NO_MEMORY;
    }
    cms_leg_list_free(&found);
    if (result != CV_OK) {
        demo_call_legs_free(copies, copied);
        strbuf_printf(error, "%s", reason[0] ? reason : cv_result_name(result));
        return result;
    }
    *legs = copies;
    *leg_count = copied;
    return CV_OK;
}
