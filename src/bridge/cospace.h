/*
 * cospace.h - what other bridge modules may ask about spaces (coSpaces)
 * without going through the HTTP API: look one up, check that a URI or
 * call ID is free, make a new secret.
 *
 * Owns: the rules that make a space reachable unambiguously. URIs share one
 * namespace across every space's `uri` and `secondaryUri` and every access
 * method's `uri`; call IDs share one namespace across spaces' and access
 * methods' `callId`. Does not own: the /coSpaces API itself (cospace.c),
 * access methods (access_method.c), bulk creation (bulk_sync.c), calls
 * (call.c). Every function works on the connection it is given, inside the
 * caller's transaction when there is one, and keeps nothing between calls.
 */
#ifndef CONVENE_BRIDGE_COSPACE_H
#define CONVENE_BRIDGE_COSPACE_H

#include <stdbool.h>
#include <stddef.h>

#include "common/ids.h"
#include "common/result.h"
#include "common/store_sql.h"

/* Failure reasons the uniqueness checks report (CMS spells them so). */
#define COSPACE_DUPLICATE_URI     "duplicateCoSpaceUri"
#define COSPACE_DUPLICATE_CALL_ID "duplicateCoSpaceId"

/* One space as stored. Strings are owned (free with cospace_summary_free)
 * and NULL when the value is unset. */
typedef struct {
    char id[ID_TEXT_SIZE];
    char *name;
    char *uri;
    char *secondary_uri;
    char *call_id;
    char *secret;
    char *passcode;
    bool non_member_access;
    char *call_profile;     /* ID of a call profile, or NULL */
    char *call_leg_profile; /* ID of a call leg profile, or NULL */
    char *call_branding_profile;
    char *default_layout;
    char *tenant;
    char *cdr_tag;
    char *owner_jid;
    char *meeting_scheduler;
    char *stream_url;
    bool auto_generated;
} cospace_summary;

/* Fills `out` with the space whose ID is `id` (case-insensitive UUID text).
 * CV_ERR_NOT_FOUND when there is none (also for text that is not a UUID),
 * CV_ERR_NO_MEMORY / CV_ERR_STORE / CV_ERR_BUSY otherwise. On success the
 * caller frees `out` with cospace_summary_free; on failure `out` holds
 * nothing to free. */
cv_result cospace_lookup(store_db *database, const char *id, cospace_summary *out);
void cospace_summary_free(cospace_summary *space);

/* Checks that `uri`, `secondary_uri` (URI namespace) and `call_id` (call
 * ID namespace) are unused by any space or access method other than those
 * belonging to the space `except_cospace_id` (NULL: none excepted, as for a
 * new space). NULL or empty values are not checked. Returns CV_OK when all
 * are free; CV_ERR_CONFLICT with *conflict_reason set to
 * COSPACE_DUPLICATE_URI or COSPACE_DUPLICATE_CALL_ID when one is taken;
 * another code when the store fails. Run it inside the transaction that
 * then writes, so nothing can slip in between. */
cv_result cospace_check_unique(store_db *database, const char *uri, const char *secondary_uri,
                               const char *call_id, const char *except_cospace_id,
                               const char **conflict_reason);

/* The same check with its statements prepared once, for callers that check
 * many values in a row (bulk sync): open, check any number of times, close.
 * A checker belongs to one connection and one thread. */
typedef struct cospace_unique_checker cospace_unique_checker;
cv_result cospace_unique_checker_open(store_db *database, cospace_unique_checker **out);
cv_result cospace_unique_checker_check(cospace_unique_checker *checker, const char *uri,
                                       const char *secondary_uri, const char *call_id,
                                       const char *except_cospace_id, const char **conflict_reason);
void cospace_unique_checker_close(cospace_unique_checker *checker);

/* Within one space, a URI or call ID may be shared by the space and its
 * access methods only with different passcodes (an unset passcode equals
 * ""). Checks `uri` and `call_id` with `passcode` against the space
 * `cospace_id` itself (when include_space_row) and its access methods other
 * than `except_access_method_id` (NULL: all). CV_ERR_CONFLICT with
 * *conflict_reason "duplicateCoSpaceUriPasscode" or
 * "duplicateCoSpaceIdPasscode" on a clash. */
#define COSPACE_DUPLICATE_URI_PASSCODE     "duplicateCoSpaceUriPasscode"
#define COSPACE_DUPLICATE_CALL_ID_PASSCODE "duplicateCoSpaceIdPasscode"
cv_result cospace_check_passcode_clash(store_db *database, const char *cospace_id,
                                       bool include_space_row, const char *except_access_method_id,
                                       const char *uri, const char *call_id, const char *passcode,
                                       const char **conflict_reason);

/* A fresh random secret in the CMS shape: 22 characters of URL-safe base64
 * (128 random bits). CV_ERR_IO when the system has no randomness to give. */
#define COSPACE_SECRET_SIZE 23
cv_result cospace_generate_secret(char out[COSPACE_SECRET_SIZE]);

#endif
