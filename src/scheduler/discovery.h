/*
 * discovery.h - cluster discovery: GET /callBridges and each
 * /callBridges/<id>, the stored member list of a bridge, and the rule that
 * an address already in a managed cluster cannot be added again.
 *
 * Owns: the cluster_members rows and deciding which member is the bridge
 * itself ("added"). Does not own: when discovery runs (bridges.c).
 */
#ifndef CONVENE_SCHEDULER_DISCOVERY_H
#define CONVENE_SCHEDULER_DISCOVERY_H

#include <stdbool.h>
#include <stddef.h>

#include "common/result.h"
#include "common/cms_client.h"
#include "common/store_db_pool.h"

typedef struct {
    char cms_id[128];
    char *name;    /* "" when the CMS gives none */
    char *address; /* as reported, "" when none */
    bool added;    /* this member is the bridge that was added */
} discovery_member;

typedef struct {
    discovery_member *members;
    size_t count;
} discovery_cluster;

void discovery_cluster_free(discovery_cluster *cluster);

/* The parsing behind discovery_fetch, for answers already read
 * (cms_xml_read): the <callBridge> elements of one /callBridges page
 * appended to `out`, and one member's name and address from its
 * /callBridges/<id> answer. */
cv_result discovery_read_page(xmlDocPtr page, discovery_cluster *out);
cv_result discovery_read_member(xmlDocPtr document, discovery_member *member);

/* Asks the bridge for its cluster. `own_address` (the address the bridge
 * was added by) decides which member is marked added: the one whose address
 * has the same host and port. A bridge that is not clustered answers an
 * empty list; that is not an error. */
cv_result discovery_fetch(cms_client *client, const char *own_address, discovery_cluster *out,
                          char *error, size_t error_size);
/* Replaces the bridge's stored members. */
cv_result discovery_store(store_db *database, const char *bridge_id,
                          const discovery_cluster *cluster);

/* Finds a managed bridge other than `except_bridge_id` (may be NULL) whose
 * own address or one of whose cluster members' addresses is the same
 * endpoint as `address`. CV_ERR_NOT_FOUND when there is none; otherwise
 * fills the owner's id, display name and the member's name (malloc'd). */
cv_result discovery_find_owner(store_db *database, const char *address,
                               const char *except_bridge_id, char **owner_id, char **owner_name,
                               char **member_name);

/* Pure: mark which member is the bridge at `own_address` (unit-tested).
 * Exact host+port match wins; otherwise none is marked. */
void discovery_mark_added(discovery_cluster *cluster, const char *own_address);

#endif
