/*
 * linked_list.c - the intrusive doubly linked list; see linked_list.h.
 *
 * Owns: the pointer updates of append, prepend and unlink. Does not own:
 * the records, their memory or their locks.
 */
#include "common/linked_list.h"

void list_append(list_ends *list, list_link *link)
{
    link->next = NULL;
    link->previous = list->last;
    if (list->last)
        list->last->next = link;
    else
        list->first = link;
    list->last = link;
}

void list_prepend(list_ends *list, list_link *link)
{
    link->previous = NULL;
    link->next = list->first;
    if (list->first)
        list->first->previous = link;
    else
        list->last = link;
    list->first = link;
}

void list_unlink(list_ends *list, list_link *link)
{
    if (link->previous)
        link->previous->next = link->next;
    else
        list->first = link->next;
    if (link->next)
        link->next->previous = link->previous;
    else
        list->last = link->previous;
    link->previous = link->next = NULL;
}
