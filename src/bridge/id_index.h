/*
 * id_index.h - a hash index from ID text to a record, for the live call
 * state (runtime.c): open addressing with linear probing, FNV-1a, growth
 * that keeps the table at most a third full after a rehash.
 *
 * Owns: the slots. Does not own: the keys (they point into the records the
 * values name, and must outlive their entries) or any locking (the caller
 * holds its own lock).
 */
#ifndef CONVENE_BRIDGE_ID_INDEX_H
#define CONVENE_BRIDGE_ID_INDEX_H

#include <stddef.h>

#include "common/result.h"

typedef struct {
    const char *key; /* NULL: empty; TOMBSTONE: removed */
    void *value;
} index_slot;

typedef struct {
    index_slot *slots;
    size_t capacity; /* a power of two, or 0 */
    size_t used;     /* live entries and tombstones */
    size_t live;
} id_index;

/* The value stored under `key`, or NULL. */
void *index_find(const id_index *index, const char *key);
/* The key must not be present already. CV_ERR_NO_MEMORY when the table
 * cannot grow. */
cv_result index_insert(id_index *index, const char *key, void *value);
/* Removes `key` when present. */
void index_remove(id_index *index, const char *key);

#endif
