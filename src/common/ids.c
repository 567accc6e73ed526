/* ids.c - UUID generation and validation over libuuid; see ids.h. */
#include "common/ids.h"

#include <ctype.h>
#include <stdint.h>
#include <string.h>
#include <time.h>
#include <uuid/uuid.h>

/* Convene's namespace for name-derived IDs (itself a v5 UUID of
 * "convene.callbridge" under the DNS namespace, fixed here forever). */
static const char *const CONVENE_NAMESPACE = "6b4f1c35-8a0e-5d8c-9a51-3f0e2c7d9b14";

void id_generate(char out[ID_TEXT_SIZE])
{
    uuid_t uuid;
    uuid_generate_random(uuid);
    uuid_unparse_lower(uuid, out);
}

void id_generate_ordered(char out[ID_TEXT_SIZE])
{
    uuid_t uuid;
    uuid_generate_random(uuid); /* random bits, and the variant bits set */
    struct timespec now;
    clock_gettime(CLOCK_REALTIME, &now);
    uint64_t milliseconds = (uint64_t)now.tv_sec * 1000u + (uint64_t)now.tv_nsec / 1000000u;
    for (int i = 0; i < 6; i++) /* unix_ts_ms: 48 bits, big-endian */
        uuid[i] = (unsigned char)(milliseconds >> (8 * (5 - i)));
    uuid[6] = (unsigned char)((uuid[6] & 0x0f) | 0x70); /* version 7 */
    uuid_unparse_lower(uuid, out);
}

void id_from_name(const char *name, char out[ID_TEXT_SIZE])
{
    uuid_t namespace_uuid, uuid;
    uuid_parse(CONVENE_NAMESPACE, namespace_uuid);
    uuid_generate_sha1(uuid, namespace_uuid, name, strlen(name));
    uuid_unparse_lower(uuid, out);
}

bool id_is_valid(const char *text)
{
    if (!text || strlen(text) != 36)
        return false;
    for (int i = 0; i < 36; i++) {
        if (i == 8 || i == 13 || i == 18 || i == 23) {
            if (text[i] != '-')
                return false;
        } else if (!isxdigit((unsigned char)text[i])) {
            return false;
        }
    }
    return true;
}
