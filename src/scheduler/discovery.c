/*
 * discovery.c - cluster discovery and the "already managed" rule; see
 * discovery.h. Owns what the cluster_members rows hold (db_bridges.c
 * writes and reads them).
 */
#include "scheduler/discovery.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "common/log.h"
#include "scheduler/db_bridges.h"

void discovery_cluster_free(discovery_cluster *cluster)
{
    for (size_t i = 0; i < cluster->count; i++) {
        free(cluster->members[i].name);
        free(cluster->members[i].address);
    }
    free(cluster->members);
    cluster->members = NULL;
    cluster->count = 0;
}

static cv_result collect_member(void *context, xmlNodePtr element)
{
    discovery_cluster *cluster = context;
    discovery_member *grown =
        realloc(cluster->members, (cluster->count + 1) * sizeof *cluster->members);
    if (!grown)
        return CV_ERR_NO_MEMORY;
    cluster->members = grown;
    discovery_member *member = &cluster->members[cluster->count];
    memset(member, 0, sizeof *member);
    if (!cms_xml_id(element, member->cms_id, sizeof member->cms_id))
        return CV_ERR_PROTOCOL;
    char *name = cms_xml_child_text(element, "name");
    member->name = name ? name : strdup("");
    member->address = strdup("");
    cluster->count++; /* counted now so the strings are freed on failure */
    return member->name && member->address ? CV_OK : CV_ERR_NO_MEMORY;
}

cv_result discovery_read_page(xmlDocPtr page, discovery_cluster *out)
{
    return cms_xml_each(page, "callBridge", collect_member, out, NULL);
}

cv_result discovery_read_member(xmlDocPtr document, discovery_member *member)
{
    xmlNodePtr root = document ? xmlDocGetRootElement(document) : NULL;
    if (!root)
        return CV_ERR_PROTOCOL;
    char *address = cms_xml_child_text(root, "address");
    char *name = cms_xml_child_text(root, "name");
    if (address) {
        free(member->address);
        member->address = address;
    }
    if (name && *name) {
        free(member->name);
        member->name = name;
    } else {
        free(name);
    }
    return CV_OK;
}

void discovery_mark_added(discovery_cluster *cluster, const char *own_address)
{
    size_t exact = cluster->count, same_host = cluster->count, host_matches = 0;
    cms_address own;
    bool own_ok = cms_address_parse(own_address, &own) == CV_OK;
    for (size_t i = 0; i < cluster->count; i++) {
        cluster->members[i].added = false;
        if (!own_ok || !cluster->members[i].address[0])
            continue;
        cms_address member;
        if (cms_address_parse(cluster->members[i].address, &member) != CV_OK)
            continue;
        if (strcasecmp(member.host, own.host) != 0)
            continue;
        if (member.port == own.port && exact == cluster->count)
            exact = i;
        same_host = i;
        host_matches++;
    }
    /* A CMS reports its web admin address; it was maybe added on another
     * port, so a single member on the same host counts too. */
    size_t chosen =
        exact < cluster->count ? exact : (host_matches == 1 ? same_host : cluster->count);
    if (chosen < cluster->count)
        cluster->members[chosen].added = true;
}

cv_result discovery_fetch(cms_client *client, const char *own_address, discovery_cluster *out,
                          char *error, size_t error_size)
{
    memset(out, 0, sizeof *out);
    cv_result result =
        cms_get_all(client, "/callBridges", "callBridge", collect_member, out, error, error_size);
    if (result == CV_ERR_NOT_FOUND) {
        /* No cluster support: a single bridge. */
        discovery_cluster_free(out);
        return CV_OK;
    }
    for (size_t i = 0; result == CV_OK && i < out->count; i++) {
        discovery_member *member = &out->members[i];
        char path[192];
        snprintf(path, sizeof path, "/callBridges/%s", member->cms_id);
        cms_response response;
        result = cms_get(client, path, &response);
        if (result == CV_OK && response.document) {
            discovery_read_member(response.document, member);
        } else if (result == CV_ERR_NOT_FOUND) {
            result = CV_OK; /* removed meanwhile: keep what the list said */
        } else if (result != CV_OK && error) {
            snprintf(error, error_size, "%s", response.error);
        }
        cms_response_free(&response);
    }
    if (result != CV_OK) {
        discovery_cluster_free(out);
        return result;
    }
    discovery_mark_added(out, own_address);
    return CV_OK;
}

cv_result discovery_store(store_db *database, const char *bridge_id,
                          const discovery_cluster *cluster)
{
    cv_result result = db_cluster_members_replace(database, bridge_id, cluster);
    if (result != CV_OK)
        log_error("storing the cluster of %s: %s", bridge_id, cv_result_name(result));
    return result;
}

typedef struct {
    const char *address;
    char **owner_id, **owner_name, **member_name;
    bool found;
} owner_search;

/* db_bridge_address_visit: stops at the first address that is the same
 * endpoint as the one searched, copying who answers there. */
static bool match_owner(const db_bridge_address *candidate, void *context)
{
    owner_search *search = context;
    if (!cms_address_same_endpoint(candidate->address, search->address))
        return false;
    *search->owner_id = strdup(candidate->owner_id ? candidate->owner_id : "");
    *search->owner_name = strdup(candidate->owner_name ? candidate->owner_name : "");
    *search->member_name = strdup(candidate->member_name ? candidate->member_name : "");
    search->found = true;
    return true;
}

cv_result discovery_find_owner(store_db *database, const char *address,
                               const char *except_bridge_id, char **owner_id, char **owner_name,
                               char **member_name)
{
    *owner_id = *owner_name = *member_name = NULL;
    owner_search search = {address, owner_id, owner_name, member_name, false};
    cv_result result = db_bridge_addresses_each(database, except_bridge_id, match_owner, &search);
    if (result == CV_OK)
        result = !search.found                              ? CV_ERR_NOT_FOUND
                 : *owner_id && *owner_name && *member_name ? CV_OK
                                                            : CV_ERR_NO_MEMORY;
    if (result != CV_OK) {
        free(*owner_id);
        free(*owner_name);
        free(*member_name);
        *owner_id = *owner_name = *member_name = NULL;
    }
    return result;
}
