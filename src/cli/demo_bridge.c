/*
 * demo_bridge.c - reading spaces, calls and call legs from a CMS API (XML
 * over HTTPS) for the demo's checks; see demo_bridge.h. Owns the copies it
 * hands out until the matching *_free.
 */
#include "cli/demo_bridge.h"

#include <libxml/parser.h>
#include <libxml/tree.h>
#include <stdlib.h>
#include <string.h>

#define PAGE_SIZE 10

/* GETs `path` and parses the XML answer. */
static cv_result get_xml(client *bridge, const char *path, xmlDocPtr *document, strbuf *error)
{
    *document = NULL;
    client_answer answer;
    strbuf transport_error = STRBUF_INIT;
    cv_result result = client_send(bridge, "GET", path, NULL, NULL, 0, &answer, &transport_error);
    if (result != CV_OK) {
        strbuf_printf(error, "GET %s: %s", path, strbuf_str(&transport_error));
    } else if (answer.status != 200) {
        strbuf_printf(error, "GET %s: the bridge answered %ld", path, answer.status);
        result = answer.status == 404 ? CV_ERR_NOT_FOUND : CV_ERR_PROTOCOL;
    } else {
        *document = xmlReadMemory(answer.body, (int)answer.body_length, "answer.xml", NULL,
                                  XML_PARSE_NONET | XML_PARSE_NOERROR | XML_PARSE_NOWARNING);
        if (!*document || !xmlDocGetRootElement(*document)) {
            strbuf_printf(error, "GET %s: the answer is not XML", path);
            result = CV_ERR_PROTOCOL;
        }
    }
    client_answer_free(&answer);
    strbuf_free(&transport_error);
    return result;
}

/* The text of the child element `name` (malloc'd; "" when empty or absent
 * when `required` is false). NULL when out of memory or absent+required. */
static char *child_text(xmlNodePtr parent, const char *name, bool required)
{
    for (xmlNodePtr child = parent->children; child; child = child->next) {
        if (child->type == XML_ELEMENT_NODE && xmlStrcmp(child->name, BAD_CAST name) == 0) {
            xmlChar *content = xmlNodeGetContent(child);
            char *copy = strdup(content ? (const char *)content : "");
            xmlFree(content);
            return copy;
        }
    }
    return required ? NULL : strdup("");
}

static char *id_attribute(xmlNodePtr element)
{
    xmlChar *id = xmlGetProp(element, BAD_CAST "id");
    char *copy = id ? strdup((const char *)id) : NULL;
    xmlFree(id);
    return copy;
}

static long total_attribute(xmlNodePtr root)
{
    xmlChar *total = xmlGetProp(root, BAD_CAST "total");
    long value = total ? strtol((const char *)total, NULL, 10) : -1;
    xmlFree(total);
    return value;
}

/* Calls `take` for every element named `element` of every page of the
 * collection at `path`. */
typedef cv_result (*element_taker)(void *context, xmlNodePtr element);

static cv_result walk_collection(client *bridge, const char *path, const char *element,
                                 element_taker take, void *context, strbuf *error)
{
    long offset = 0;
    while (true) {
        char page_path[256];
        snprintf(page_path, sizeof page_path, "%s%soffset=%ld&limit=%d", path,
                 strchr(path, '?') ? "&" : "?", offset, PAGE_SIZE);
        xmlDocPtr document;
        cv_result result = get_xml(bridge, page_path, &document, error);
        if (result != CV_OK)
            return result;
        xmlNodePtr root = xmlDocGetRootElement(document);
        long total = total_attribute(root);
        long on_page = 0;
        for (xmlNodePtr child = root->children; child && result == CV_OK; child = child->next) {
            if (child->type == XML_ELEMENT_NODE && xmlStrcmp(child->name, BAD_CAST element) == 0) {
                on_page++;
                result = take(context, child);
            }
        }
        xmlFreeDoc(document);
        if (result != CV_OK)
            return result;
        offset += on_page;
        if (on_page == 0 || total < 0 || offset >= total)
            return CV_OK;
    }
}

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

static cv_result read_space(xmlNodePtr element, demo_space *space)
{
    memset(space, 0, sizeof *space);
    space->id = id_attribute(element);
    space->name = child_text(element, "name", false);
    space->uri = child_text(element, "uri", false);
    space->call_id = child_text(element, "callId", false);
    space->secret = child_text(element, "secret", false);
    char *access = child_text(element, "nonMemberAccess", false);
    space->non_member_access = access && strcmp(access, "true") == 0;
    free(access);
    if (!space->id || !space->name || !space->uri || !space->call_id || !space->secret) {
        demo_space_clear(space);
        return CV_ERR_NO_MEMORY;
    }
    return CV_OK;
}

typedef struct {
    demo_space *items;
    size_t count;
    size_t capacity;
} space_list;

static cv_result take_space(void *context, xmlNodePtr element)
{
    space_list *list = context;
    if (list->count == list->capacity) {
        size_t capacity = list->capacity ? list->capacity * 2 : 16;
        demo_space *grown = realloc(list->items, capacity * sizeof *grown);
        if (!grown)
            return CV_ERR_NO_MEMORY;
        list->items = grown;
        list->capacity = capacity;
    }
    cv_result result = read_space(element, &list->items[list->count]);
    if (result == CV_OK)
        list->count++;
    return result;
}

cv_result demo_bridge_list_spaces(client *bridge, demo_space **out, size_t *count, strbuf *error)
{
    space_list list = {0};
    cv_result result =
        walk_collection(bridge, "/api/v1/coSpaces", "coSpace", take_space, &list, error);
    if (result != CV_OK) {
        if (result == CV_ERR_NO_MEMORY)
            strbuf_printf(error, "out of memory");
        demo_spaces_free(list.items, list.count);
        return result;
    }
    *out = list.items;
    *count = list.count;
    return CV_OK;
}

cv_result demo_bridge_get_space(client *bridge, const char *id, demo_space *out, strbuf *error)
{
    char path[160];
    snprintf(path, sizeof path, "/api/v1/coSpaces/%s", id);
    xmlDocPtr document;
    cv_result result = get_xml(bridge, path, &document, error);
    if (result != CV_OK)
        return result;
    result = read_space(xmlDocGetRootElement(document), out);
    if (result == CV_ERR_NO_MEMORY)
        strbuf_printf(error, "out of memory");
    xmlFreeDoc(document);
    return result;
}

cv_result demo_bridge_find_space_by_call_id(client *bridge, const char *call_id, demo_space *out,
                                            strbuf *error)
{
    demo_space *spaces;
    size_t count;
    cv_result result = demo_bridge_list_spaces(bridge, &spaces, &count, error);
    if (result != CV_OK)
        return result;
    const char *id = NULL;
    for (size_t i = 0; i < count && !id; i++)
        if (strcmp(spaces[i].call_id, call_id) == 0)
            id = spaces[i].id;
    if (id)
        result = demo_bridge_get_space(bridge, id, out, error);
    else {
        strbuf_printf(error, "no space has call ID %s", call_id);
        result = CV_ERR_NOT_FOUND;
    }
    demo_spaces_free(spaces, count);
    return result;
}

typedef struct {
    const char *space_id;
    char *call_id;
    size_t call_id_size;
} call_search;

static cv_result take_call(void *context, xmlNodePtr element)
{
    call_search *search = context;
    char *space = child_text(element, "coSpace", false);
    char *id = id_attribute(element);
    cv_result result = space && id ? CV_OK : CV_ERR_NO_MEMORY;
    if (result == CV_OK && strcmp(space, search->space_id) == 0)
        snprintf(search->call_id, search->call_id_size, "%s", id);
    free(space);
    free(id);
    return result;
}

typedef struct {
    const char *call_id;
    demo_call_leg *items;
    size_t count;
    size_t capacity;
} leg_list;

static cv_result take_leg(void *context, xmlNodePtr element)
{
    leg_list *list = context;
    char *call = child_text(element, "call", false);
    if (!call)
        return CV_ERR_NO_MEMORY;
    if (strcmp(call, list->call_id) != 0) {
        free(call);
        return CV_OK;
    }
    if (list->count == list->capacity) {
        size_t capacity = list->capacity ? list->capacity * 2 : 8;
        demo_call_leg *grown = realloc(list->items, capacity * sizeof *grown);
        if (!grown) {
            free(call);
            return CV_ERR_NO_MEMORY;
        }
        list->items = grown;
        list->capacity = capacity;
    }
    demo_call_leg *leg = &list->items[list->count];
    leg->call = call;
    leg->id = id_attribute(element);
    leg->remote_party = child_text(element, "remoteParty", false);
    list->count++; /* counted even when incomplete so that free releases it */
    return leg->id && leg->remote_party ? CV_OK : CV_ERR_NO_MEMORY;
}

cv_result demo_bridge_find_call(client *bridge, const char *space_id, char *call_id,
                                size_t call_id_size, demo_call_leg **legs, size_t *leg_count,
                                strbuf *error)
{
    *legs = NULL;
    *leg_count = 0;
    call_id[0] = '\0';
    call_search search = {space_id, call_id, call_id_size};
    cv_result result = walk_collection(bridge, "/api/v1/calls", "call", take_call, &search, error);
    if (result != CV_OK || !call_id[0])
        return result;
    leg_list list = {.call_id = call_id};
    result = walk_collection(bridge, "/api/v1/callLegs", "callLeg", take_leg, &list, error);
    if (result != CV_OK) {
        demo_call_legs_free(list.items, list.count);
        return result;
    }
    *legs = list.items;
    *leg_count = list.count;
    return CV_OK;
}
