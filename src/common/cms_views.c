/*
 * cms_views.c - reading coSpaces, calls and legs; see cms_views.h.
 * Owns the XML element names of those objects and nothing else.
 */
#include "common/cms_views.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/array.h"
#include "common/text.h"

void cms_space_clear(cms_space *space)
{
    free(space->name);
    free(space->uri);
    free(space->secret);
    memset(space, 0, sizeof *space);
    space->call_id = -1;
}

/* CV_ERR_PROTOCOL for a <coSpace> without an id. */
cv_result cms_space_read(xmlNodePtr element, cms_space *out)
{
    cms_space_clear(out);
    if (!cms_xml_id(element, out->id, sizeof out->id))
        return CV_ERR_PROTOCOL;
    char **texts[] = {&out->name, &out->uri, &out->secret};
    static const char *const names[] = {"name", "uri", "secret"};
    for (size_t index = 0; index < 3; index++) {
        *texts[index] = cms_xml_child_text(element, names[index]);
        if (*texts[index] == NULL)
            *texts[index] = text_duplicate("");
        if (*texts[index] == NULL)
            return CV_ERR_NO_MEMORY;
    }
    if (cms_xml_child_int64(element, "callId", &out->call_id) != CV_OK)
        out->call_id = -1;
    char *access = cms_xml_child_text(element, "nonMemberAccess");
    out->non_member_access = access != NULL && strcmp(access, "true") == 0;
    free(access);
    return CV_OK;
}

cv_result cms_space_get(cms_client *client, const char *cospace_id, cms_space *out, char *error,
                        size_t error_size)
{
    char path[96];
    snprintf(path, sizeof path, "/coSpaces/%s", cospace_id);
    cms_response response = {0};
    cv_result result = cms_get(client, path, &response);
    xmlNodePtr root =
        result == CV_OK && response.document ? xmlDocGetRootElement(response.document) : NULL;
    if (result == CV_OK)
        result = root ? cms_space_read(root, out) : CV_ERR_PROTOCOL;
    if (result == CV_ERR_PROTOCOL && response.error[0] == '\0')
        snprintf(response.error, sizeof response.error, "GET %s: not a coSpace", path);
    if (result != CV_OK)
        snprintf(error, error_size, "%s", response.error);
    cms_response_free(&response);
    return result;
}

typedef struct {
    int64_t call_id;
    cms_space *out;
    bool found;
} space_search;

static cv_result visit_search(void *context, xmlNodePtr element)
{
    space_search *search = context;
    int64_t call_id = -1;
    if (search->found || cms_xml_child_int64(element, "callId", &call_id) != CV_OK ||
        call_id != search->call_id)
        return CV_OK;
    cv_result result = cms_space_read(element, search->out);
    search->found = result == CV_OK;
    return result == CV_ERR_PROTOCOL ? CV_OK : result;
}

cv_result cms_space_find_by_call_id(cms_client *client, int64_t call_id, cms_space *out,
                                    bool *found, char *error, size_t error_size)
{
    char path[64];
    snprintf(path, sizeof path, "/coSpaces?filter=%lld", (long long)call_id);
    space_search search = {call_id, out, false};
    cv_result result =
        cms_get_all(client, path, "coSpace", visit_search, &search, error, error_size);
    *found = result == CV_OK && search.found;
    return result;
}

void cms_space_list_free(cms_space_list *list)
{
    for (size_t index = 0; index < list->count; index++)
        cms_space_clear(&list->items[index]);
    free(list->items);
    memset(list, 0, sizeof *list);
}

static cv_result visit_space(void *context, xmlNodePtr element)
{
    cms_space_list *list = context;
    if (!array_make_room((void **)&list->items, &list->capacity, list->count, sizeof *list->items))
        return CV_ERR_NO_MEMORY;
    cms_space *space = &list->items[list->count];
    memset(space, 0, sizeof *space);
    cv_result result = cms_space_read(element, space);
    if (result == CV_ERR_PROTOCOL) { /* no id: not one we can name */
        cms_space_clear(space);
        return CV_OK;
    }
    list->count++; /* counted even when incomplete, so the free releases it */
    return result;
}

cv_result cms_spaces_list(cms_client *client, cms_space_list *out, char *error, size_t error_size)
{
    return cms_get_all(client, "/coSpaces", "coSpace", visit_space, out, error, error_size);
}

void cms_call_list_free(cms_call_list *list)
{
    free(list->items);
    memset(list, 0, sizeof *list);
}

static cv_result visit_call(void *context, xmlNodePtr element)
{
    cms_call_list *list = context;
    if (!array_make_room((void **)&list->items, &list->capacity, list->count, sizeof *list->items))
        return CV_ERR_NO_MEMORY;
    cms_call *call = &list->items[list->count];
    memset(call, 0, sizeof *call);
    if (!cms_xml_id(element, call->id, sizeof call->id))
        return CV_OK;
    char *space = cms_xml_child_text(element, "coSpace");
    snprintf(call->cospace, sizeof call->cospace, "%s", space ? space : "");
    free(space);
    list->count++;
    return CV_OK;
}

cv_result cms_calls_list(cms_client *client, const char *cospace_id, cms_call_list *out,
                         char *error, size_t error_size)
{
    char path[96] = "/calls";
    if (cospace_id != NULL)
        snprintf(path, sizeof path, "/calls?coSpaceFilter=%s", cospace_id);
    return cms_get_all(client, path, "call", visit_call, out, error, error_size);
}

void cms_leg_list_free(cms_leg_list *list)
{
    for (size_t index = 0; index < list->count; index++)
        free(list->items[index].remote_party);
    free(list->items);
    memset(list, 0, sizeof *list);
}

static cv_result visit_leg(void *context, xmlNodePtr element)
{
    cms_leg_list *list = context;
    if (!array_make_room((void **)&list->items, &list->capacity, list->count, sizeof *list->items))
        return CV_ERR_NO_MEMORY;
    cms_leg *leg = &list->items[list->count];
    memset(leg, 0, sizeof *leg);
    if (!cms_xml_id(element, leg->id, sizeof leg->id))
        return CV_OK;
    char *call = cms_xml_child_text(element, "call");
    snprintf(leg->call, sizeof leg->call, "%s", call ? call : "");
    free(call);
    leg->remote_party = cms_xml_child_text(element, "remoteParty");
    if (leg->remote_party == NULL)
        leg->remote_party = text_duplicate("");
    if (leg->remote_party == NULL)
        return CV_ERR_NO_MEMORY;
    list->count++;
    return CV_OK;
}

cv_result cms_legs_list(cms_client *client, const char *collection, cms_leg_list *out, char *error,
                        size_t error_size)
{
    cms_leg_list_free(out);
    return cms_get_all(client, collection, "callLeg", visit_leg, out, error, error_size);
}

void cms_leg_state_read(xmlDocPtr document, char *state, size_t size)
{
    xmlNodePtr root = document ? xmlDocGetRootElement(document) : NULL;
    xmlNodePtr status = root ? cms_xml_child(root, "status") : NULL;
    char *text = status ? cms_xml_child_text(status, "state") : NULL;
    snprintf(state, size, "%s", text ? text : "");
    free(text);
}

cv_result cms_leg_state(cms_client *client, const char *leg_id, char *state, size_t size)
{
    char path[96];
    snprintf(path, sizeof path, "/callLegs/%s", leg_id);
    cms_response response = {0};
    cv_result result = cms_get(client, path, &response);
    state[0] = '\0';
    if (result == CV_OK && response.document != NULL)
        cms_leg_state_read(response.document, state, size);
    cms_response_free(&response);
    return result;
}

cv_result cms_spaces_read_page(xmlDocPtr page, cms_space_list *out)
{
    return cms_xml_each(page, "coSpace", visit_space, out, NULL);
}

cv_result cms_calls_read_page(xmlDocPtr page, cms_call_list *out)
{
    return cms_xml_each(page, "call", visit_call, out, NULL);
}

cv_result cms_legs_read_page(xmlDocPtr page, cms_leg_list *out)
{
    return cms_xml_each(page, "callLeg", visit_leg, out, NULL);
}

bool cms_layout_is_known(const char *name)
{
    static const char *const layouts[] = {
        "allEqual",         "speakerOnly",    "telepresence",       "stacked",
        "allEqualQuarters", "allEqualNinths", "allEqualSixteenths", "allEqualTwentyFifths",
        "onePlusFive",      "onePlusSeven",   "onePlusNine",        "automatic",
        "onePlusN",
    };
    for (size_t index = 0; name != NULL && index < sizeof layouts / sizeof layouts[0]; index++)
        if (strcmp(layouts[index], name) == 0)
            return true;
    return false;
}
