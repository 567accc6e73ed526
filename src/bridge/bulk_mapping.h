/*
 * bulk_mapping.h - the coSpace bulk mappings of a cospaceBulkParameterSet
 * (coSpaceNameMapping, coSpaceUriMapping, coSpaceCallIdMapping): parsing
 * them once and expanding them for each index of a sync.
 *
 * The grammar (CMS API blueprint): literal text, at most one "$index$"
 * token, and two escapes: "\$" for a literal dollar and "\\" for a literal
 * backslash. Any other "$...$", a lone '$', a backslash before anything else
 * or at the end is invalid. A URI mapping may not contain '@' (it is the
 * user part only).
 *
 * Owns: that grammar and the expansion. Does not own: where the mappings
 * are stored (bulk_parameter_set.c) or what is done with the results
 * (bulk_sync.c). Keeps no state between calls.
 */
#ifndef CONVENE_BRIDGE_BULK_MAPPING_H
#define CONVENE_BRIDGE_BULK_MAPPING_H

#include <stdbool.h>
#include <stdint.h>

#include "common/result.h"
#include "common/strbuf.h"

typedef enum {
    BULK_MAPPING_TEXT, /* names: any text */
    BULK_MAPPING_URI,  /* URIs: no '@' */
    BULK_MAPPING_ID,   /* call IDs: any text */
} bulk_mapping_kind;

/* A parsed mapping: the unescaped text before and after the index. */
typedef struct {
    char *prefix;   /* owned; "" when the mapping starts with $index$ */
    char *suffix;   /* owned; "" when there is nothing after $index$ */
    bool has_index; /* false: every index expands to `prefix` alone */
} bulk_mapping;

/* Parses `text`. CV_ERR_INVALID with *reason naming the problem (a static
 * string) when it breaks the grammar; CV_ERR_NO_MEMORY when out of memory.
 * On success free `out` with bulk_mapping_free; on failure it holds
 * nothing to free. */
cv_result bulk_mapping_parse(const char *text, bulk_mapping_kind kind, bulk_mapping *out,
                             const char **reason);
void bulk_mapping_free(bulk_mapping *mapping);

/* Replaces the contents of `out` with the mapping expanded for `index`.
 * Returns strbuf_status(out). */
cv_result bulk_mapping_expand(const bulk_mapping *mapping, int64_t index, strbuf *out);

/* Checks `text` against the grammar without keeping the result; the
 * reason as above. */
cv_result bulk_mapping_validate(const char *text, bulk_mapping_kind kind, const char **reason);

#endif
