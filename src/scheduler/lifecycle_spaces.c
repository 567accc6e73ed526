/*
 * lifecycle_spaces.c - a meeting's space on the bridge (see
 * lifecycle_internal.h).
 *
 * Owns: looking at exactly one slot's space (by its known coSpace ID or
 * by its call ID) and the calls on it, the rule of when a space is free
 * for a meeting, choosing another slot when the booked one is in use on
 * the bridge, opening a space (PUT) and the simple GETs of a survey.
 * Does not own: the HTTP client or XML (cms_client.c, cms_views.c), the
 * bookings' capacity (db_slots.c), storing the choice (lifecycle_start.c).
 */
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>

#include "common/ids.h"
#include "common/log.h"
#include "common/sleep.h"
#include "common/store_db_pool.h"
#include "common/strbuf.h"
#include "common/text.h"
#include "scheduler/booking.h"
#include "scheduler/bridges.h"
#include "common/cms_client.h"
#include "common/cms_views.h"
#include "scheduler/db_slot_spaces.h"
#include "scheduler/lifecycle_internal.h"
#include "scheduler/slots.h"
#include "scheduler/tickets.h"
#include "scheduler/timers.h"

void lifecycle_placeholder_name(const bridge_record *bridge, int64_t slot, char *out, size_t size)
{
    snprintf(out, size, "%s%lld",
             bridge->slot_name_prefix ? bridge->slot_name_prefix : SCHEDULER_DEFAULT_SLOT_PREFIX,
             (long long)slot);
}

/* Why a slot's space cannot take a meeting now; NULL when it can.
 * `own_cospace`: the space the meeting already has (resumed), always fine. */
static const char *space_busy_reason(const bridge_record *bridge, const space_look *look,
                                     bool claimed, const char *own_cospace)
{
    if (!look->found)
        return "its space does not exist on the bridge";
    if (claimed)
        return "another meeting starting now took it";
    if (own_cospace != NULL && strcasecmp(look->space.id, own_cospace) == 0)
        return NULL;
    char placeholder[160];
    lifecycle_placeholder_name(bridge, look->space.call_id, placeholder, sizeof placeholder);
    if (strcmp(look->space.name, placeholder) != 0)
        return "its space is not named as a free slot";
    if (look->space.non_member_access)
        return "its space is open to non-members";
    if (look->existing_call[0] != '\0')
        return "its space has a call";
    return NULL;
}

/* Reads the space `known_id` (when given) and, when that fails to be the
 * space of `slot`, finds the slot's space by its call ID; *learnt says the
 * latter found it (the caller remembers the ID). Then, when `want_calls`,
 * the first call on it. Unreachable results are passed back. */
cv_result lifecycle_look_at_space(cms_client *client, const char *known_id, int64_t slot,
                                  bool want_calls, space_look *look, bool *learnt, char *error,
                                  size_t error_size)
{
    cms_space_clear(&look->space);
    look->found = false;
    look->existing_call[0] = '\0';
    *learnt = false;
    cv_result result = CV_ERR_NOT_FOUND;
    if (known_id != NULL && known_id[0] != '\0')
        result = cms_space_get(client, known_id, &look->space, error, error_size);
    if (result == CV_OK && (slot < 0 || look->space.call_id == slot))
        look->found = true;
    else if (result == CV_OK || result == CV_ERR_NOT_FOUND) {
        result = CV_OK;
        if (slot >= 0) {
            result = cms_space_find_by_call_id(client, slot, &look->space, &look->found, error,
                                               error_size);
            *learnt = look->found;
        }
    }
    if (result != CV_OK || !look->found || !want_calls)
        return result;
    cms_call_list calls = {0};
    result = cms_calls_list(client, look->space.id, &calls, error, error_size);
    if (result == CV_OK && calls.count > 0)
        snprintf(look->existing_call, sizeof look->existing_call, "%s", calls.items[0].id);
    cms_call_list_free(&calls);
    return result;
}

cv_result lifecycle_put_space_open(cms_client *client, const booking *record)
{
    char path[96];
    snprintf(path, sizeof path, "/coSpaces/%s", record->cospace_id);
    const cms_field fields[] = {
        {"nonMemberAccess", "true"},
        {"passcode", record->has_passcode ? record->passcode : ""},
        {"name", record->title ? record->title : ""},
        {"secret", record->secret},
    };
    cms_response response = {0};
    cv_result result = cms_put(client, path, fields, 4, &response);
    if (result != CV_OK)
        log_warning("booking %s: PUT %s: %s", record->id, path, response.error);
    cms_response_free(&response);
    return result;
}

cv_result lifecycle_get_simple(cms_client *client, const char *path, int64_t *total, char *error,
                               size_t size)
{
    cms_response response = {0};
    cv_result result = cms_get(client, path, &response);
    if (result != CV_OK)
        snprintf(error, size, "%s", response.error);
    if (total != NULL)
        *total = result == CV_OK && response.document ? cms_xml_total(response.document) : -1;
    cms_response_free(&response);
    return result;
}

/* True when another item of the batch (not `self`) already uses the space. */
static bool claimed_by_other(const start_item *items, size_t count, const start_item *self,
                             const char *cospace_id)
{
    for (size_t index = 0; index < count; index++) {
        const start_item *other = &items[index];
        if (other != self && !other->done && other->record.cospace_id[0] != '\0' &&
            strcasecmp(other->record.cospace_id, cospace_id) == 0)
            return true;
    }
    return false;
}

/* The lowest slot other than the booked one that is free both in the
 * bookings over the rest of the meeting and on the bridge (asked for
 * exactly that slot's space). Runs inside the transaction that stores the
 * choice, so the bookings check and the write are one; the bridge is only
 * asked about slots the bookings leave free, which is rare: the booked
 * slot was in use on the bridge. *found false when none is. */
static cv_result find_other_slot(const space_choice *choice, start_item *item, space_look *look,
                                 int64_t *slot_out, bool *found)
{
    const bridge_record *bridge = choice->bridge;
    booking *record = &item->record;
    int64_t base =
        bridge->has_provisioned_range ? bridge->provisioned_base : bridge->numeric_id_base;
    int64_t quantity =
        bridge->has_provisioned_range ? bridge->provisioned_quantity : bridge->numeric_id_quantity;
    slot_window window = {lifecycle_now_seconds(), record->end, record->id};
    *found = false;
    for (int64_t slot = base; slot < base + quantity; slot++) {
        if (slot == record->slot)
            continue;
        bool free_in_bookings = false;
        cv_result result =
            slots_is_free(choice->database, bridge->id, slot, &window, &free_in_bookings);
        if (result != CV_OK)
            return result;
        if (!free_in_bookings)
            continue;
        char known[ID_TEXT_SIZE] = "";
        if (db_slot_space_find(choice->database, bridge->id, slot, known) == CV_ERR_STORE)
            return CV_ERR_STORE;
        bool learnt = false;
        char error[512] = "";
        result = lifecycle_look_at_space(choice->client, known, slot, choice->want_calls, look,
                                         &learnt, error, sizeof error);
        if (result != CV_OK)
            return result;
        if (learnt)
            db_slot_space_remember(choice->database, bridge->id, slot, look->space.id);
        bool claimed =
            look->found && claimed_by_other(choice->items, choice->count, item, look->space.id);
        if (space_busy_reason(bridge, look, claimed, NULL) != NULL)
            continue;
        *slot_out = slot;
        *found = true;
        return CV_OK;
    }
    return CV_OK;
}

/* Chooses the space for a meeting that has none yet: its booked slot, or
 * the lowest slot free both on the bridge and in the bookings over the
 * rest of the meeting. Records why it moved. */
cv_result lifecycle_choose_space(const space_choice *choice, start_item *item, char *why,
                                 size_t why_size)
{
    booking *record = &item->record;
    bool claimed = item->look.found &&
                   claimed_by_other(choice->items, choice->count, item, item->look.space.id);
    const char *reason = space_busy_reason(choice->bridge, &item->look, claimed, NULL);
    if (reason == NULL) {
        snprintf(record->cospace_id, sizeof record->cospace_id, "%s", item->look.space.id);
        return CV_OK;
    }
    space_look other = {.space = {.call_id = -1}};
    int64_t slot = -1;
    bool found = false;
    cv_result result = find_other_slot(choice, item, &other, &slot, &found);
    if (result != CV_OK || !found) {
        cms_space_clear(&other.space);
        if (result != CV_OK)
            return result;
        snprintf(why, why_size,
                 "no free slot on the bridge: booked slot %lld %s and every other slot "
                 "is in use or booked",
                 (long long)record->slot, reason);
        return CV_ERR_CONFLICT;
    }
    char *note = NULL;
    if (asprintf(&note,
                 "booked slot %lld was in use on the bridge (%s); the meeting runs on slot %lld",
                 (long long)record->slot, reason, (long long)slot) < 0) {
        cms_space_clear(&other.space);
        return CV_ERR_NO_MEMORY;
    }
    free(record->slot_note);
    record->slot_note = note;
    record->slot = slot;
    snprintf(record->cospace_id, sizeof record->cospace_id, "%s", other.space.id);
    cms_space_clear(&item->look.space);
    item->look = other; /* the space it runs on, with its call if any */
    return CV_OK;
}
