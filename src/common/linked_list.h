/*
 * linked_list.h - a doubly linked list threaded through the records it
 * holds (an "intrusive" list): each record embeds a list_link per list it
 * can be on, and the list itself is only its two ends, so linking and
 * unlinking never allocate and a record can be on several lists at once.
 *
 * Owns: keeping `previous`/`next` and the two ends consistent on append,
 * prepend and unlink. Does not own: the records (their memory), locking
 * (the caller guards each list with its own lock), or membership checks:
 * a link is on at most one list at a time, and is unlinked from the list
 * it is on (the caller knows which).
 */
#ifndef CONVENE_LINKED_LIST_H
#define CONVENE_LINKED_LIST_H

#include <stddef.h>

typedef struct list_link {
    struct list_link *previous, *next; /* NULL at the ends */
} list_link;

/* Zero-initialised ({0}, calloc) is the empty list. */
typedef struct {
    list_link *first, *last;
} list_ends;

/* Puts `link` (not on any list) after the last one. */
void list_append(list_ends *list, list_link *link);
/* Puts `link` (not on any list) before the first one. */
void list_prepend(list_ends *list, list_link *link);
/* Takes `link` off `list`, which it must be on; its pointers are cleared. */
void list_unlink(list_ends *list, list_link *link);

/* The record that embeds `link`, or NULL for a NULL link (the end). */
static inline void *list_record_at(list_link *link, size_t offset)
{
    return link ? (char *)link - offset : NULL;
}

/* The `type` record whose `member` is `link`; NULL for NULL. For a walk:
 * for (item *it = LIST_RECORD(list.first, item, link); it;
 *      it = LIST_RECORD(it->link.next, item, link)) */
#define LIST_RECORD(link, type, member) ((type *)list_record_at((link), offsetof(type, member)))

#endif
