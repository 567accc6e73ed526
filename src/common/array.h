/*
 * array.h - growing a plain C array (a pointer, a count and a capacity)
 * one item at a time, doubling its capacity when it is full.
 *
 * Owns: the growth rule and its overflow check. Does not own: the items
 * or the count (the caller adds the item and counts it).
 */
#ifndef CONVENE_ARRAY_H
#define CONVENE_ARRAY_H

#include <stdbool.h>
#include <stddef.h>

/* Makes room in *items (holding `count` items of `item_size` bytes, room
 * for *capacity) for one more: doubles *capacity, or starts it at 16.
 * False, changing nothing, when out of memory. */
bool array_make_room(void **items, size_t *capacity, size_t count, size_t item_size);

#endif
