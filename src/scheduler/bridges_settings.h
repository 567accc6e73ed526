/*
 * bridges_settings.h - a bridge's settings as the body of POST or PATCH
 * /bridges gives them (docs/api.md, "The bridge object"), validated, and
 * the values a bridge will have once they are applied. Only
 * src/scheduler/bridges*.c include it.
 */
#ifndef CONVENE_SCHEDULER_BRIDGES_SETTINGS_H
#define CONVENE_SCHEDULER_BRIDGES_SETTINGS_H

#include <jansson.h>
#include <stdbool.h>
#include <stdint.h>

#include "common/cms_client.h"
#include "scheduler/api.h"
#include "scheduler/bridges.h"

#define NUMERIC_ID_MAX    999999999999LL /* 12 digits, as CMS call IDs go */
#define SLOT_QUANTITY_MAX 100000

/* Settings read from a POST or PATCH body. `set_*` says the member was
 * given; for nullable members a NULL value / `*_null` means "unset". */
typedef struct {
    bool set_address, set_username, set_password, set_tls_verify, set_ca_file, set_pinned;
    bool set_name, set_domain, set_base, set_quantity, set_alternate_address;
    bool set_alternate_username, set_alternate_password, set_allow_booking, set_prefix;
    const char *address, *username, *password, *ca_file, *pinned, *name, *domain;
    const char *alternate_address, *alternate_username, *alternate_password, *prefix;
    bool tls_verify, allow_booking, base_null, quantity_null;
    int64_t base, quantity;
    cms_address parsed_address;
    bool set_allowed_members;
    const json_t *allowed_members; /* borrowed from the body: an array, or NULL for null */
} bridge_settings;

/* The values a bridge will have after the change: the record with the
 * settings applied (strings borrowed from either). */
typedef struct {
    const char *address, *username, *password, *ca_file, *pinned;
    bool tls_verify;
    bool has_base, has_quantity;
    int64_t base, quantity;
    const char *alternate_address;
} effective_settings;

/* Reads and validates the body into *s; replies 400 naming the field and
 * returns false on error. Strings are borrowed from the request body. */
bool bridge_settings_read(scheduler_api_request *request, bridge_settings *s);
/* The record with the settings applied (strings borrowed from either). */
void bridge_settings_effective(const bridge_record *record, const bridge_settings *s,
                               effective_settings *out);
/* The stored form of a valid allowedMembers array: canonical base URLs
 * separated by spaces ("" for none); NULL for null, or when out of memory
 * (*failed set then). Free it. */
char *bridge_allowed_members_text(const json_t *list, bool *failed);

#endif
