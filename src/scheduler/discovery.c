/*
 * discovery.c - cluster discovery and the "already managed" rule; see
 * discovery.h. Owns the cluster_members rows.
 */
#include "scheduler/discovery.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "common/log.h"
#include "common/store.h"

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
        xmlNodePtr root = response.document ? xmlDocGetRootElement(response.document) : NULL;
        if (result == CV_OK && root) {
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

cv_result discovery_store(sqlite3 *database, const char *bridge_id,
                          const discovery_cluster *cluster)
{
    cv_result result = store_begin(database);
    if (result != CV_OK)
        return result;
    sqlite3_stmt *erase = NULL, *insert = NULL;
    int code = sqlite3_prepare_v2(database, "DELETE FROM cluster_members WHERE bridge_id = ?1", -1,
                                  &erase, NULL);
    if (code == SQLITE_OK)
        code = sqlite3_bind_text(erase, 1, bridge_id, -1, SQLITE_TRANSIENT);
    if (code == SQLITE_OK && (code = sqlite3_step(erase)) == SQLITE_DONE)
        code = SQLITE_OK;
    if (code == SQLITE_OK)
        code = sqlite3_prepare_v2(database,
                                  "INSERT OR REPLACE INTO cluster_members"
                                  " (bridge_id, cms_id, name, address, added, position)"
                                  " VALUES (?1, ?2, ?3, ?4, ?5, ?6)",
                                  -1, &insert, NULL);
    for (size_t i = 0; code == SQLITE_OK && i < cluster->count; i++) {
        const discovery_member *member = &cluster->members[i];
        sqlite3_reset(insert);
        sqlite3_bind_text(insert, 1, bridge_id, -1, SQLITE_TRANSIENT);
        sqlite3_bind_text(insert, 2, member->cms_id, -1, SQLITE_TRANSIENT);
        sqlite3_bind_text(insert, 3, member->name, -1, SQLITE_TRANSIENT);
        sqlite3_bind_text(insert, 4, member->address, -1, SQLITE_TRANSIENT);
        sqlite3_bind_int(insert, 5, member->added ? 1 : 0);
        sqlite3_bind_int64(insert, 6, (sqlite3_int64)i);
        code = sqlite3_step(insert);
        if (code == SQLITE_DONE)
            code = SQLITE_OK;
    }
    sqlite3_finalize(erase);
    sqlite3_finalize(insert);
    if (code != SQLITE_OK) {
        log_error("storing the cluster of %s: %s", bridge_id, sqlite3_errmsg(database));
        store_rollback(database);
        return store_result(code);
    }
    return store_commit(database);
}

cv_result discovery_find_owner(sqlite3 *database, const char *address, const char *except_bridge_id,
                               char **owner_id, char **owner_name, char **member_name)
{
    *owner_id = *owner_name = *member_name = NULL;
    sqlite3_stmt *statement = NULL;
    /* Every managed bridge's own and alternate address, and its members. */
    int code = sqlite3_prepare_v2(
        database,
        "SELECT b.id, COALESCE(NULLIF(b.name, ''), b.address), b.address,"
        "  COALESCE(NULLIF(b.name, ''), b.address) FROM bridges b"
        " WHERE ?1 IS NULL OR b.id <> ?1"
        " UNION ALL SELECT b.id, COALESCE(NULLIF(b.name, ''), b.address), b.alternate_address,"
        "  'the alternate of ' || COALESCE(NULLIF(b.name, ''), b.address) FROM bridges b"
        " WHERE (?1 IS NULL OR b.id <> ?1) AND b.alternate_address IS NOT NULL"
        " UNION ALL SELECT b.id, COALESCE(NULLIF(b.name, ''), b.address), m.address,"
        "  COALESCE(NULLIF(m.name, ''), m.cms_id) FROM bridges b"
        " JOIN cluster_members m ON m.bridge_id = b.id"
        " WHERE (?1 IS NULL OR b.id <> ?1) AND m.address <> ''",
        -1, &statement, NULL);
    if (code == SQLITE_OK)
        code = except_bridge_id
                   ? sqlite3_bind_text(statement, 1, except_bridge_id, -1, SQLITE_TRANSIENT)
                   : sqlite3_bind_null(statement, 1);
    cv_result result = CV_ERR_NOT_FOUND;
    while (code == SQLITE_OK && (code = sqlite3_step(statement)) == SQLITE_ROW) {
        code = SQLITE_OK;
        const char *candidate = (const char *)sqlite3_column_text(statement, 2);
        if (!cms_address_same_endpoint(candidate, address))
            continue;
        *owner_id = store_column_copy(statement, 0, NULL);
        *owner_name = store_column_copy(statement, 1, NULL);
        *member_name = store_column_copy(statement, 3, NULL);
        result = *owner_id && *owner_name && *member_name ? CV_OK : CV_ERR_NO_MEMORY;
        break;
    }
    if (code != SQLITE_OK && code != SQLITE_DONE)
        result = store_result(code);
    sqlite3_finalize(statement);
    if (result != CV_OK) {
        free(*owner_id);
        free(*owner_name);
        free(*member_name);
        *owner_id = *owner_name = *member_name = NULL;
    }
    return result;
}
