/*
 * bridges_settings.c - the settings of a bridge as a POST or PATCH of
 * /bridges gives them; see bridges_settings.h. Owns reading and validating
 * the body's members (400 naming the field) and what the settings make of
 * a stored record; no SQL, no network.
 */
#include "scheduler/bridges_settings.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "common/strbuf.h"

static const char *const bridge_fields[] = {"address",
                                            "username",
                                            "password",
                                            "tlsVerify",
                                            "caFile",
                                            "pinnedCertificate",
                                            "name",
                                            "domain",
                                            "numericIdBase",
                                            "numericIdQuantity",
                                            "alternateAddress",
                                            "alternateUsername",
                                            "alternatePassword",
                                            "allowBooking",
                                            "slotNamePrefix",
                                            "allowedMembers",
                                            NULL};

#define ALLOWED_MEMBERS_MAX 64

/* allowedMembers: an array of at most ALLOWED_MEMBERS_MAX bridge
 * addresses, or null (every discovered member may be used). */
static bool read_allowed_members(scheduler_api_request *request, bridge_settings *s)
{
    const json_t *value = json_object_get(request->body, "allowedMembers");
    if (!value)
        return true;
    s->set_allowed_members = true;
    if (json_is_null(value))
        return true;
    bool valid = json_is_array(value) && json_array_size(value) <= ALLOWED_MEMBERS_MAX;
    for (size_t i = 0; valid && i < json_array_size(value); i++) {
        cms_address parsed;
        const char *text = json_string_value(json_array_get(value, i));
        valid = text && cms_address_parse(text, &parsed) == CV_OK;
    }
    if (!valid) {
        scheduler_api_fail_field(
            request, "allowedMembers",
            "allowedMembers must be null or an array of at most %d addresses (host, "
            "host:port or an http(s) URL)",
            ALLOWED_MEMBERS_MAX);
        return false;
    }
    s->allowed_members = value;
    return true;
}

char *bridge_allowed_members_text(const json_t *list, bool *failed)
{
    *failed = false;
    if (!list)
        return NULL;
    strbuf text = STRBUF_INIT;
    strbuf_append_str(&text, "");
    for (size_t i = 0; i < json_array_size(list); i++) {
        cms_address parsed;
        if (cms_address_parse(json_string_value(json_array_get(list, i)), &parsed) == CV_OK)
            strbuf_printf(&text, "%s%s", i ? " " : "", parsed.base_url);
    }
    char *result = strbuf_status(&text) == CV_OK ? strbuf_detach(&text) : NULL;
    strbuf_free(&text);
    *failed = result == NULL;
    return result;
}

bool bridge_settings_read(scheduler_api_request *request, bridge_settings *s)
{
    memset(s, 0, sizeof *s);
    if (!scheduler_api_check_fields(request, bridge_fields))
        return false;
    if (!scheduler_api_body_string(request, "address", &s->set_address, &s->address) ||
        !scheduler_api_body_string(request, "username", &s->set_username, &s->username) ||
        !scheduler_api_body_string(request, "password", &s->set_password, &s->password) ||
        !scheduler_api_body_bool(request, "tlsVerify", &s->set_tls_verify, &s->tls_verify) ||
        !scheduler_api_body_string(request, "caFile", &s->set_ca_file, &s->ca_file) ||
        !scheduler_api_body_string(request, "pinnedCertificate", &s->set_pinned, &s->pinned) ||
        !scheduler_api_body_string(request, "name", &s->set_name, &s->name) ||
        !scheduler_api_body_string(request, "domain", &s->set_domain, &s->domain) ||
        !scheduler_api_body_integer(request, "numericIdBase", 0, NUMERIC_ID_MAX, &s->set_base,
                                    &s->base_null, &s->base) ||
        !scheduler_api_body_integer(request, "numericIdQuantity", 1, SLOT_QUANTITY_MAX,
                                    &s->set_quantity, &s->quantity_null, &s->quantity) ||
        !scheduler_api_body_string(request, "alternateAddress", &s->set_alternate_address,
                                   &s->alternate_address) ||
        !scheduler_api_body_string(request, "alternateUsername", &s->set_alternate_username,
                                   &s->alternate_username) ||
        !scheduler_api_body_string(request, "alternatePassword", &s->set_alternate_password,
                                   &s->alternate_password) ||
        !scheduler_api_body_bool(request, "allowBooking", &s->set_allow_booking,
                                 &s->allow_booking) ||
        !scheduler_api_body_string(request, "slotNamePrefix", &s->set_prefix, &s->prefix) ||
        !read_allowed_members(request, s))
        return false;
    if (s->set_address &&
        (!s->address || cms_address_parse(s->address, &s->parsed_address) != CV_OK)) {
        scheduler_api_fail_field(
            request, "address",
            "address must be host, host:port or an http(s) URL of the bridge's API");
        return false;
    }
    if (s->set_username && (!s->username || !*s->username)) {
        scheduler_api_fail_field(request, "username", "username must not be empty");
        return false;
    }
    if (s->set_password && (!s->password || !*s->password)) {
        scheduler_api_fail_field(request, "password", "password must not be empty");
        return false;
    }
    if (s->ca_file && *s->ca_file && access(s->ca_file, R_OK) != 0) {
        scheduler_api_fail_field(request, "caFile", "caFile \"%s\" cannot be read by convened",
                                 s->ca_file);
        return false;
    }
    if (s->pinned && *s->pinned && strncmp(s->pinned, "sha256//", 8) != 0 &&
        access(s->pinned, R_OK) != 0) {
        scheduler_api_fail_field(
            request, "pinnedCertificate",
            "pinnedCertificate must be a readable PEM certificate file or sha256//HASH");
        return false;
    }
    if (s->name && strlen(s->name) > 255) {
        scheduler_api_fail_field(request, "name", "name is longer than 255 characters");
        return false;
    }
    if (s->domain && *s->domain && !bridge_domain_is_valid(s->domain)) {
        scheduler_api_fail_field(request, "domain",
                                 "domain must be a DNS name such as example.com");
        return false;
    }
    cms_address alternate;
    if (s->alternate_address && *s->alternate_address &&
        cms_address_parse(s->alternate_address, &alternate) != CV_OK) {
        scheduler_api_fail_field(request, "alternateAddress",
                                 "alternateAddress must be host, host:port or an http(s) URL");
        return false;
    }
    if (s->set_prefix && !bridge_slot_prefix_is_valid(s->prefix)) {
        scheduler_api_fail_field(
            request, "slotNamePrefix",
            "slotNamePrefix must be 1 to 64 printable characters without $ or \\");
        return false;
    }
    return true;
}

static const char *pick(bool set, const char *given, const char *stored)
{
    return set ? (given && *given ? given : NULL) : stored;
}

void bridge_settings_effective(const bridge_record *record, const bridge_settings *s,
                               effective_settings *out)
{
    out->address = s->set_address ? s->parsed_address.base_url : record->address;
    out->username = pick(s->set_username, s->username, record->username);
    out->password = pick(s->set_password, s->password, record->password);
    out->ca_file = pick(s->set_ca_file, s->ca_file, record->ca_file);
    out->pinned = pick(s->set_pinned, s->pinned, record->pinned_certificate);
    out->tls_verify = s->set_tls_verify ? s->tls_verify : record->tls_verify;
    out->has_base = s->set_base ? !s->base_null : record->has_numeric_id_base;
    out->base = s->set_base ? s->base : record->numeric_id_base;
    out->has_quantity = s->set_quantity ? !s->quantity_null : record->has_numeric_id_quantity;
    out->quantity = s->set_quantity ? s->quantity : record->numeric_id_quantity;
    out->alternate_address =
        pick(s->set_alternate_address, s->alternate_address, record->alternate_address);
}
