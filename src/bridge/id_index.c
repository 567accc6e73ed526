/*
 * id_index.c - the hash index of the live call state; see id_index.h.
 * Owns no state beyond the index it is given.
 */
#include "bridge/id_index.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

static const char TOMBSTONE[] = "";

static size_t hash_key(const char *key)
{
    uint64_t hash = 1469598103934665603ULL; /* FNV-1a */
    for (; *key; key++) {
        hash ^= (unsigned char)*key;
        hash *= 1099511628211ULL;
    }
    return (size_t)hash;
}

void *index_find(const id_index *index, const char *key)
{
    if (index->capacity == 0)
        return NULL;
    size_t mask = index->capacity - 1;
    for (size_t slot = hash_key(key) & mask;; slot = (slot + 1) & mask) {
        const index_slot *entry = &index->slots[slot];
        if (!entry->key)
            return NULL;
        if (entry->key != TOMBSTONE && strcmp(entry->key, key) == 0)
            return entry->value;
    }
}

static void index_place(index_slot *slots, size_t capacity, const char *key, void *value)
{
    size_t mask = capacity - 1;
    size_t slot = hash_key(key) & mask;
    while (slots[slot].key && slots[slot].key != TOMBSTONE)
        slot = (slot + 1) & mask;
    slots[slot].key = key;
    slots[slot].value = value;
}

/* The key must not be present already. */
cv_result index_insert(id_index *index, const char *key, void *value)
{
    if ((index->used + 1) * 2 > index->capacity) {
        /* Rehashing drops tombstones; grow so the table is at most a third
         * full afterwards. */
        size_t capacity = index->capacity ? index->capacity : 64;
        while ((index->live + 1) * 3 > capacity)
            capacity *= 2;
        index_slot *slots = calloc(capacity, sizeof *slots);
        if (!slots)
            return CV_ERR_NO_MEMORY;
        for (size_t i = 0; i < index->capacity; i++)
            if (index->slots[i].key && index->slots[i].key != TOMBSTONE)
                index_place(slots, capacity, index->slots[i].key, index->slots[i].value);
        free(index->slots);
        index->slots = slots;
        index->capacity = capacity;
        index->used = index->live;
    }
    size_t mask = index->capacity - 1;
    size_t slot = hash_key(key) & mask;
    while (index->slots[slot].key && index->slots[slot].key != TOMBSTONE)
        slot = (slot + 1) & mask;
    if (!index->slots[slot].key)
        index->used++;
    index->slots[slot].key = key;
    index->slots[slot].value = value;
    index->live++;
    return CV_OK;
}

void index_remove(id_index *index, const char *key)
{
    if (index->capacity == 0)
        return;
    size_t mask = index->capacity - 1;
    for (size_t slot = hash_key(key) & mask;; slot = (slot + 1) & mask) {
        index_slot *entry = &index->slots[slot];
        if (!entry->key)
            return;
        if (entry->key != TOMBSTONE && strcmp(entry->key, key) == 0) {
            entry->key = TOMBSTONE;
            entry->value = NULL;
            index->live--;
            return;
        }
    }
}
