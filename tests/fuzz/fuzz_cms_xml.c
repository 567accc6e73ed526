/*
 * fuzz_cms_xml.c - libFuzzer target for how convened reads what a bridge
 * answers: the body into a document exactly as the CMS client does
 * (cms_xml_read), then every typed view of it - /system/status, one
 * coSpace, pages of coSpaces, calls and call legs, a leg's state, the
 * `total` of a page (src/common/cms_xml.c, cms_views.c) and the cluster of
 * /callBridges with the member convened was added by (src/scheduler/
 * discovery.c). Each input is one answer body, tried as all of them.
 *
 * Owns only the properties checked: no crash, leak or UB, and what every
 * view promises of its output (IDs that fit, lists whose items all have
 * one, texts never NULL where documented).
 */
#include <libxml/parser.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/cms_client.h"
#include "common/cms_views.h"
#include "common/log.h"
#include "scheduler/discovery.h"

static void require(int condition, const char *what)
{
    if (!condition) {
        fprintf(stderr, "fuzz_cms_xml: %s\n", what);
        abort();
    }
}

static void read_objects(xmlDocPtr document)
{
    cms_system_status status;
    if (cms_parse_system_status(document, &status) == CV_OK)
        require(memchr(status.software_version, '\0', sizeof status.software_version) != NULL,
                "a software version without its end");
    (void)cms_xml_total(document);

    cms_space space;
    memset(&space, 0, sizeof space);
    if (cms_space_read(xmlDocGetRootElement(document), &space) == CV_OK)
        require(space.id[0] && space.name && space.uri && space.secret, "a coSpace half read");
    cms_space_clear(&space);

    cms_space_list spaces = {0};
    cms_spaces_read_page(document, &spaces);
    for (size_t i = 0; i < spaces.count; i++)
        require(spaces.items[i].id[0] != '\0', "a listed coSpace without an id");
    cms_space_list_free(&spaces);

    cms_call_list calls = {0};
    cms_calls_read_page(document, &calls);
    for (size_t i = 0; i < calls.count; i++)
        require(calls.items[i].id[0] != '\0', "a listed call without an id");
    cms_call_list_free(&calls);

    cms_leg_list legs = {0};
    cms_legs_read_page(document, &legs);
    for (size_t i = 0; i < legs.count; i++)
        require(legs.items[i].id[0] != '\0' && legs.items[i].remote_party,
                "a listed leg without an id or remote party");
    cms_leg_list_free(&legs);

    char state[32];
    cms_leg_state_read(document, state, sizeof state);
}

static void read_cluster(xmlDocPtr document)
{
    discovery_cluster cluster = {NULL, 0};
    discovery_read_page(document, &cluster);
    for (size_t i = 0; i < cluster.count; i++)
        discovery_read_member(document, &cluster.members[i]);
    discovery_mark_added(&cluster, "https://127.0.0.1:445");
    size_t added = 0;
    for (size_t i = 0; i < cluster.count; i++) {
        require(cluster.members[i].name && cluster.members[i].address, "a member half read");
        added += cluster.members[i].added;
    }
    require(added <= 1, "two members marked as the bridge itself");
    discovery_cluster_free(&cluster);
}

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
    (void)argc;
    (void)argv;
    log_set_level(LOG_LEVEL_ERROR);
    xmlInitParser();
    return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    xmlDocPtr document = cms_xml_read((const char *)data, size);
    if (!document)
        return 0;
    read_objects(document);
    read_cluster(document);
    xmlFreeDoc(document);
    return 0;
}
