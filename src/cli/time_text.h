/*
 * time_text.h - RFC 3339 timestamps for the command line: parsing what a
 * user types for --start/--end/--from/--to (an offset or Z is required, as
 * the API requires) and writing UTC times back.
 *
 * Owns: the text <-> Unix seconds conversion only. Does not own: deciding
 * whether a time is acceptable for a booking (convened does that).
 */
#ifndef CONVENE_CLI_TIME_TEXT_H
#define CONVENE_CLI_TIME_TEXT_H

#include <stddef.h>
#include <stdint.h>

#include "common/result.h"

/* "2026-11-25T09:00:00Z", "2026-11-25T10:00:00+01:00", fractions allowed
 * (and dropped). CV_ERR_INVALID for anything else. */
cv_result time_parse_rfc3339(const char *text, int64_t *unix_seconds);
/* "2026-11-25T09:00:00Z"; `out` at least 32 bytes. */
void time_format_utc(int64_t unix_seconds, char *out, size_t size);

#endif
