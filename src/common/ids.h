/*
 * ids.h - object identifiers: random UUIDs for new objects (time-ordered
 * ones for rows written in bulk), name-based
 * UUIDs (version 5) where every cluster node must derive the same ID, and
 * strict validation of IDs that arrive in requests. Built on libuuid.
 */
#ifndef CONVENE_IDS_H
#define CONVENE_IDS_H

#include <stdbool.h>

#define ID_TEXT_SIZE 37 /* 36 characters and the NUL */

/* A fresh random (version 4) UUID in lower-case text form. */
void id_generate(char out[ID_TEXT_SIZE]);
/* A fresh time-ordered (version 7, RFC 9562) UUID: the first 48 bits are
 * the Unix time in milliseconds, the last 74 random (libuuid's). IDs made
 * later sort after earlier ones (within one millisecond in any order), so
 * a table keyed by them grows at its end instead of at random places: a
 * series of 3,650 bookings writes a few index pages instead of one per
 * occurrence. For the keys of new rows, never for secrets (the time is
 * readable in it). */
void id_generate_ordered(char out[ID_TEXT_SIZE]);
/* The version 5 UUID of `name` within Convene's own namespace. */
void id_from_name(const char *name, char out[ID_TEXT_SIZE]);
/* True when `text` is a UUID in the canonical 8-4-4-4-12 text form. */
bool id_is_valid(const char *text);

#endif
