/*
 * dial_transform.h - /dialTransforms: rewriting what a dial-out dials
 * before the outbound dial plan sees it, as the blueprint describes.
 *
 * A transform has a `type` that splits the dialled string into components
 * ($1, $2), a `match` that must hold ("($1/^44/)($2/^7/)": each regular
 * expression must find a match in its component; empty: always), a
 * `transform` that builds the result ("90044$2@vcs2", "$1{/\+/00/}"), a
 * `priority` (higher first) and an `action` (accept, acceptPhone, deny).
 * The first transform, in priority order, whose type and match accept the
 * string decides: accept and acceptPhone dial the result, deny refuses
 * the dial-out. Regular expressions are PCRE2 (Perl syntax, as Cisco's
 * examples use), with match limits so a hostile pattern cannot stall a
 * request.
 *
 * Owns: the object type, the syntax checks, the components, matching and
 * building. Does not own: the dial plan (dial_plan.c) or the leg
 * (call_leg_plan.c).
 */
#ifndef CONVENE_BRIDGE_DIAL_TRANSFORM_H
#define CONVENE_BRIDGE_DIAL_TRANSFORM_H

#include <stdbool.h>

#include "common/result.h"
#include "common/store_sql.h"

/* Syntax of the `match` and `transform` parameters (regexes compile). */
bool dial_transform_match_is_valid(const char *match);
bool dial_transform_text_is_valid(const char *transform);

/* One transform on `input`. *matched says whether type and match accept
 * it; then *out (malloc'd) is the built string. CV_ERR_INVALID for a
 * pattern that does not compile, CV_ERR_NO_MEMORY. */
cv_result dial_transform_run(const char *type, const char *match, const char *transform,
                             const char *input, bool *matched, char **out);

/* Applies the stored transforms to a dial-out's remote party: *out
 * (malloc'd) is the new party, NULL when no transform matched; *denied is
 * true when the deciding transform says deny. */
cv_result dial_transform_apply(store_db *database, const char *remote_party, char **out,
                               bool *denied);

#endif
