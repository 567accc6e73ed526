/*
 * booking_bridges.c - the bridges as booking placement sees them
 * (bridge_views in booking_api_internal.h): loaded once per request
 * inside its transaction, with each bridge's provisioned slot range,
 * whether it takes bookings, its name and its dial-in domain; and the
 * bridge a client names by ID or by name.
 *
 * Owns: building and freeing bridge_views, finding a bridge in them.
 * Does not own: the SQL (db_bridges.c), placement itself (booking.c,
 * db_slots.c), the /bookings handlers (booking_api.c).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/text.h"
#include "scheduler/api.h"
#include "scheduler/booking_api_internal.h"
#include "scheduler/db_bridges.h"

void bridge_views_free(bridge_views *views)
{
    for (size_t index = 0; index < views->count; index++) {
        free(views->items[index].name);
        free(views->items[index].domain);
    }
    free(views->items);
    free(views->placements);
    memset(views, 0, sizeof *views);
}

/* db_bridge_placement_visit: one bridge joins the views `context`. */
static cv_result add_bridge_view(const db_bridge_placement *row, void *context)
{
    bridge_views *out = context;
    bridge_view *grown = realloc(out->items, (out->count + 1) * sizeof *grown);
    if (grown == NULL)
        return CV_ERR_NO_MEMORY;
    out->items = grown;
    bridge_view *view = &out->items[out->count];
    memset(view, 0, sizeof *view);
    out->count++;
    snprintf(view->placement.id, sizeof view->placement.id, "%s", row->id ? row->id : "");
    view->name = row->name ? text_duplicate(row->name) : NULL;
    view->domain = row->domain ? text_duplicate(row->domain) : NULL;
    if ((row->name && !view->name) || (row->domain && !view->domain))
        return CV_ERR_NO_MEMORY;
    bool provisioned = row->provisioning_state &&
                       strcmp(row->provisioning_state, "complete") == 0 &&
                       row->has_provisioned_range;
    view->placement.slot_base = row->provisioned_base;
    view->placement.slot_count = row->provisioned_quantity;
    view->placement.bookable = row->allow_booking && provisioned && view->placement.slot_count > 0;
    return CV_OK;
}

cv_result bridge_views_load(store_db *database, bridge_views *out)
{
    memset(out, 0, sizeof *out);
    cv_result result = db_bridge_placements_each(database, add_bridge_view, out);
    if (result == CV_OK && out->count > 0) {
        out->placements = calloc(out->count, sizeof *out->placements);
        if (out->placements == NULL)
            result = CV_ERR_NO_MEMORY;
    }
    if (result != CV_OK) {
        bridge_views_free(out);
        return result;
    }
    for (size_t index = 0; index < out->count; index++) {
        out->items[index].placement.name = out->items[index].name;
        out->placements[index] = out->items[index].placement;
    }
    return CV_OK;
}

static const bridge_view *bridge_view_find(const bridge_views *views, const char *id)
{
    for (size_t index = 0; index < views->count; index++)
        if (strcmp(views->items[index].placement.id, id) == 0)
            return &views->items[index];
    return NULL;
}

const char *bridge_domain(const bridge_views *views, const char *id)
{
    const bridge_view *view = bridge_view_find(views, id);
    return view ? view->domain : NULL;
}

/* A bridge named by the client: its ID, or its name when unambiguous.
 * Replies 400 naming "bridge" and returns false when it names none. */
bool booking_api_resolve_bridge(scheduler_api_request *request, const bridge_views *views,
                                const char *text, char out[ID_TEXT_SIZE])
{
    const bridge_view *found = bridge_view_find(views, text);
    if (found == NULL) {
        for (size_t index = 0; index < views->count; index++) {
            const bridge_view *view = &views->items[index];
            if (view->name && text_equals_ignore_case(view->name, text)) {
                if (found != NULL) {
                    scheduler_api_fail_field(request, "bridge",
                                             "more than one bridge is called \"%s\"; use its id",
                                             text);
                    return false;
                }
                found = view;
            }
        }
    }
    if (found == NULL) {
        scheduler_api_fail_field(request, "bridge", "no bridge has the id or name \"%s\"", text);
        return false;
    }
    snprintf(out, ID_TEXT_SIZE, "%s", found->placement.id);
    return true;
}
