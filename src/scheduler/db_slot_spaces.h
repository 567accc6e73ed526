/*
 * db_slot_spaces.h - which coSpace on a bridge is the space of each slot.
 *
 * Owns: the slot_spaces table (bridge, slot -> coSpace ID on the bridge),
 * learnt when provisioning finishes and whenever a start finds a space by
 * its call ID, so a start or an end asks the bridge for exactly the slot's
 * space (GET /coSpaces/<id>) instead of listing every coSpace.
 * Does not own: whether the space is free (lifecycle.c asks the bridge),
 * the bookings, the bridges row (a bridge's rows go with it: ON DELETE
 * CASCADE).
 */
#ifndef CONVENE_SCHEDULER_DB_SLOT_SPACES_H
#define CONVENE_SCHEDULER_DB_SLOT_SPACES_H

#include <stddef.h>
#include <stdint.h>

#include "common/ids.h"
#include "common/result.h"
#include "common/store_db_pool.h"

typedef struct {
    int64_t slot;                  /* the space's numeric call ID */
    char cospace_id[ID_TEXT_SIZE]; /* its ID on the bridge */
} db_slot_space;

/* The coSpace ID of `slot` on the bridge into out; CV_ERR_NOT_FOUND when
 * it is not known. */
cv_result db_slot_space_find(store_db *database, const char *bridge_id, int64_t slot,
                             char out[ID_TEXT_SIZE]);
/* Remembers (or corrects) the space of one slot. */
cv_result db_slot_space_remember(store_db *database, const char *bridge_id, int64_t slot,
                                 const char *cospace_id);
/* Forgets the space of one slot (it is gone from the bridge). */
cv_result db_slot_space_forget(store_db *database, const char *bridge_id, int64_t slot);
/* How many of the slots base .. base+quantity-1 have a known space. */
cv_result db_slot_spaces_count(store_db *database, const char *bridge_id, int64_t base,
                               int64_t quantity, int64_t *count);
/* Replaces every known space of the bridge by `spaces` (one transaction). */
cv_result db_slot_spaces_replace(store_db *database, const char *bridge_id,
                                 const db_slot_space *spaces, size_t count);

#endif
