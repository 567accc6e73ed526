/*
 * bulk_parameter_set.h - /cospaceBulkParameterSets: the stored recipes
 * (index range, name/URI/call ID mappings, profiles, nonMemberAccess) that
 * a /cospaceBulkSyncs sync turns into spaces.
 *
 * Owns: the API of the sets (create, modify, list, get, delete through the
 * generic object engine, object_store.h), checking their mappings on the
 * way in, and reading one set back for a sync. Does not own: the mapping
 * grammar (bulk_mapping.c), running syncs (bulk_sync.c), or the spaces a
 * sync creates (cospaces table, cospace.c).
 */
#ifndef CONVENE_BRIDGE_BULK_PARAMETER_SET_H
#define CONVENE_BRIDGE_BULK_PARAMETER_SET_H

#include <stdbool.h>
#include <stdint.h>

#include "bridge/api.h"
#include "common/ids.h"
#include "common/result.h"
#include "common/store_sql.h"
#include "common/store_sql.h"

/* One stored set. Strings are owned and NULL when unset. */
typedef struct {
    char id[ID_TEXT_SIZE];
    int64_t start_index;
    int64_t end_index;
    char *uri_mapping;
    char *name_mapping;
    char *call_id_mapping;
    char *tenant;
    char *call_profile;
    char *call_leg_profile;
    char *call_branding_profile;
    bool non_member_access;
} bulk_parameter_set;

/* Reads the set `id` (lower-case UUID text) on `database`, inside the
 * caller's transaction if any. CV_ERR_NOT_FOUND when there is none. On
 * success free `out` with bulk_parameter_set_free. */
cv_result bulk_parameter_set_load(store_db *database, const char *id, bulk_parameter_set *out);
void bulk_parameter_set_free(bulk_parameter_set *set);

/* GET /cospaceBulkParameterSets?startIndex=&endIndex=: replies with the
 * page of sets whose whole range lies in [lowest, highest] (the total
 * counts every one). */
void bulk_parameter_set_list_range(api_call *call, int64_t lowest, int64_t highest,
                                   const api_page *page);

#endif
