/*
 * rfc3339.h - RFC 3339 date-times: the one parser and formatter that
 * convened's API, its conflict lists and the command-line client share.
 *
 * Owns: text <-> Unix seconds. Accepted: "YYYY-MM-DDTHH:MM:SS", an optional
 * fraction of 1 to 9 digits (dropped: meetings are timed to the second),
 * then "Z" or "+HH:MM" / "-HH:MM"; 'T' and 'Z' may be lower case. Refused:
 * anything else, including dates that do not exist (30 February), a
 * second of 60, an offset over 23:59, and years outside 1970..9999.
 * Does not own: whether a time suits a booking (booking.c).
 */
#ifndef CONVENE_RFC3339_H
#define CONVENE_RFC3339_H

#include <stddef.h>
#include <stdint.h>

#include "common/result.h"

#define RFC3339_YEAR_MIN  1970
#define RFC3339_YEAR_MAX  9999
#define RFC3339_TEXT_SIZE 32 /* enough for rfc3339_format_utc */

/* CV_ERR_INVALID (and *unix_seconds untouched) unless `text` is exactly
 * one date-time as above. */
cv_result rfc3339_parse(const char *text, int64_t *unix_seconds);
/* "2026-11-25T09:00:00Z" into out[size] (size >= RFC3339_TEXT_SIZE);
 * "" when the instant cannot be written. */
void rfc3339_format_utc(int64_t unix_seconds, char *out, size_t size);

#endif
