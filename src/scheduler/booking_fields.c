/*
 * booking_fields.c - ?fields= of GET /bookings: a compact listing naming
 * only some members of each booking (e.g. the console's planner, which
 * draws 10,000 bookings and needs only their id, title, slot and times).
 *
 * Owns: the names ?fields= accepts, reading the query, trimming a booking
 * document to them. Does not own: the listing itself (booking_api.c) nor
 * the booking document (booking.c, booking_to_json).
 */
#include "scheduler/booking_fields.h"

#include <string.h>

/* Bit i of a field mask is LIST_FIELDS[i] (BOOKING_FIELD_OWNER is bit 7). */
static const char *const LIST_FIELDS[] = {"id",  "title", "slot",  "bridge",    "start",
                                          "end", "state", "owner", "cancelled", NULL};

/* Reads ?fields=a,b,c into `mask` (0: every member); false after replying
 * 400 naming `fields` for an empty or unknown name. */
bool booking_fields_read(scheduler_api_request *request, unsigned *mask)
{
    *mask = 0;
    const char *text = scheduler_api_query(request, "fields");
    if (text == NULL)
        return true;
    for (const char *name = text;;) {
        size_t length = strcspn(name, ",");
        size_t index = 0;
        while (LIST_FIELDS[index] != NULL &&
               (strlen(LIST_FIELDS[index]) != length || strncmp(LIST_FIELDS[index], name, length)))
            index++;
        if (LIST_FIELDS[index] == NULL) {
            scheduler_api_fail_field(request, "fields",
                                     "fields: \"%.*s\" is not one of id, title, slot, bridge, "
                                     "start, end, state, owner, cancelled",
                                     (int)(length > 64 ? 64 : length), name);
            return false;
        }
        *mask |= 1u << index;
        if (name[length] == '\0')
            return true;
        name += length + 1;
    }
}

/* Keeps only the members of `document` named in `mask`. */
void booking_fields_keep(json_t *document, unsigned mask)
{
    const char *key;
    json_t *value;
    void *scratch;
    json_object_foreach_safe(document, scratch, key, value)
    {
        size_t index = 0;
        while (LIST_FIELDS[index] != NULL && strcmp(LIST_FIELDS[index], key) != 0)
            index++;
        if (LIST_FIELDS[index] == NULL || !(mask & (1u << index)))
            json_object_del(document, key);
    }
}
