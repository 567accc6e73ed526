/*
 * booking_fields.h - ?fields= of GET /bookings (a compact listing).
 *
 * Owns: the field mask. Does not own: the listing (booking_api.c).
 */
#ifndef CONVENE_BOOKING_FIELDS_H
#define CONVENE_BOOKING_FIELDS_H

#include <jansson.h>
#include <stdbool.h>

#include "scheduler/api.h"

/* The bit of "owner" in a field mask: asking for it costs the owner and
 * series look-ups a full listing does. */
#define BOOKING_FIELD_OWNER (1u << 7)

/* Reads ?fields=a,b,c into `mask` (0 when absent: every member); false
 * after replying 400 naming `fields` for an empty or unknown name. */
bool booking_fields_read(scheduler_api_request *request, unsigned *mask);

/* Keeps only the members of `document` named in `mask` (not 0). */
void booking_fields_keep(json_t *document, unsigned mask);

#endif
