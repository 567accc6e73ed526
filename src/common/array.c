/* array.c - growing a plain C array; see array.h. Owns only that. */
#include "common/array.h"

#include <stdint.h>
#include <stdlib.h>

bool array_make_room(void **items, size_t *capacity, size_t count, size_t item_size)
{
    if (count < *capacity)
        return true;
    size_t grown_capacity = *capacity ? *capacity * 2 : 16;
    if (grown_capacity < *capacity || grown_capacity > SIZE_MAX / item_size)
        return false;
    void *grown = realloc(*items, grown_capacity * item_size);
    if (grown == NULL)
        return false;
    *items = grown;
    *capacity = grown_capacity;
    return true;
}
