/*
 * demo_bridge.h - what `convene demo` reads from the bridge's own CMS API
 * (XML) to show and check each step on the bridge itself rather than
 * trusting convened: the spaces (name, URI, call ID, secret, whether
 * non-members may join), the calls and their call legs.
 *
 * Owns: the demo's copies of what it reads. Does not own: the requests or
 * the XML (the shared CMS client library, common/cms_views.h) or any
 * decision about the story.
 */
#ifndef CONVENE_CLI_DEMO_BRIDGE_H
#define CONVENE_CLI_DEMO_BRIDGE_H

#include <stdbool.h>
#include <stddef.h>

#include "common/cms_client.h"
#include "common/result.h"
#include "common/strbuf.h"

typedef struct {
    char *id;
    char *name;
    char *uri;
    char *call_id;
    char *secret;           /* only from demo_bridge_get_space */
    bool non_member_access; /* only from demo_bridge_get_space */
} demo_space;

typedef struct {
    char *id;
    char *remote_party;
    char *call;
} demo_call_leg;

/* Every space, in the bridge's order. */
cv_result demo_bridge_list_spaces(cms_client *bridge, demo_space **out, size_t *count,
                                  strbuf *error);
/* One space in full (GET /coSpaces/<id>). */
cv_result demo_bridge_get_space(cms_client *bridge, const char *id, demo_space *out, strbuf *error);
/* The space whose callId is `call_id`, in full; CV_ERR_NOT_FOUND if none. */
cv_result demo_bridge_find_space_by_call_id(cms_client *bridge, const char *call_id,
                                            demo_space *out, strbuf *error);
/* The call on `space_id` (its id in `call_id`, "" when there is none) and
 * that call's legs. */
cv_result demo_bridge_find_call(cms_client *bridge, const char *space_id, char *call_id,
                                size_t call_id_size, demo_call_leg **legs, size_t *leg_count,
                                strbuf *error);

void demo_space_clear(demo_space *space);
void demo_spaces_free(demo_space *spaces, size_t count);
void demo_call_legs_free(demo_call_leg *legs, size_t count);

#endif
