/*
 * call_bridge.c - GET /callBridges and /callBridges/<id>: the members of
 * this node's cluster. Every node is started with the same member names
 * (its own --name and its --peer list), and IDs are derived from the names
 * (UUID version 5), so every node answers with the same list and IDs.
 * Members are listed in name order for the same reason.
 */
#include <string.h>
#include <strings.h>

#include "bridge/api.h"
#include "bridge/routes.h"
#include "common/xml_writer.h"

/* Members sorted by name, without allocating: index order of names. */
static size_t ordered_member(const bridge *node, size_t position)
{
    /* Tiny list (a cluster has a handful of nodes): selection by rank. */
    for (size_t i = 0; i < node->member_count; i++) {
        size_t rank = 0;
        for (size_t k = 0; k < node->member_count; k++)
            if (strcmp(node->members[k].name, node->members[i].name) < 0)
                rank++;
        if (rank == position)
            return i;
    }
    return position;
}

static void list_call_bridges(api_call *call)
{
    if (!api_check_query(call, NULL))
        return;
    api_page page;
    if (!api_read_page(call, &page))
        return;
    const bridge *node = call->node;
    strbuf *out = api_reply_xml(call);
    strbuf_printf(out, "<callBridges total=\"%zu\">", node->member_count);
    for (size_t position = (size_t)page.offset;
         position < node->member_count && position < (size_t)(page.offset + page.limit);
         position++) {
        const cluster_member *member = &node->members[ordered_member(node, position)];
        xml_open_with_attribute(out, "callBridge", "id", member->id);
        xml_text_element(out, "name", member->name);
        xml_close(out, "callBridge");
    }
    xml_close(out, "callBridges");
}

static void get_call_bridge(api_call *call)
{
    const char *id = api_path_id(call, 1, "callBridgeDoesNotExist");
    if (!id)
        return;
    const bridge *node = call->node;
    for (size_t i = 0; i < node->member_count; i++) {
        const cluster_member *member = &node->members[i];
        if (strcasecmp(member->id, id) != 0)
            continue;
        strbuf *out = api_reply_xml(call);
        xml_open_with_attribute(out, "callBridge", "id", member->id);
        xml_text_element(out, "name", member->name);
        xml_text_element(out, "address", member->address);
        xml_text_element(out, "sipDomain", i == 0 && node->options.sip_domain ? node->options.sip_domain : "");
        xml_close(out, "callBridge");
        return;
    }
    api_fail_not_found(call, "callBridgeDoesNotExist");
}

static const api_route routes[] = {
    {"callBridges", list_call_bridges, NULL, NULL, NULL},
    {"callBridges/*", get_call_bridge, NULL, NULL, NULL},
};

const api_route_table call_bridge_routes = {routes, sizeof routes / sizeof routes[0]};
