/*
 * commands_bridge_edit.c - `convene bridge add` and `convene bridge set`:
 * adding a bridge and changing its settings (Cisco's TMS guide's "Add
 * Device", "Edit Settings" and "Extended Settings" pages).
 *
 * Owns: these commands' options and the JSON bodies they send (camelCase
 * fields of the API contract in docs/api.md). Does not own: printing the
 * bridge they answer with (commands_bridge.c), the transport or error
 * reporting (cli.h).
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli/args.h"
#include "cli/cli.h"
#include "cli/commands_bridge.h"
#include "cli/json_view.h"
#include "common/secrets.h"
#include "common/text.h"

#define UNSET_INTEGER INT64_MIN /* an integer option not given */

static json_t *new_object_or_complain(void)
{
    json_t *object = json_object();
    if (!object)
        cli_error("out of memory");
    return object;
}

/* ---- bridge add ------------------------------------------------------ */

typedef struct {
    char *username;
    char *password;
    char *password_file;
    char *ca_file;
    char *pin_certificate;
    bool insecure;
    bool json;
} add_options;

/* The password of `bridge add` into *password (caller frees it with
 * secret_free): from --password-file, --password or
 * $CONVENE_BRIDGE_PASSWORD. Returns CLI_EXIT_OK or the usage error's status. */
static int read_add_password(const add_options *options, char **password)
{
    const char *given = options->password        ? options->password
                        : options->password_file ? NULL
                                                 : getenv("CONVENE_BRIDGE_PASSWORD");
    int status =
        cli_secret_option("bridge add", "--password", given, options->password_file, password);
    if (status == CLI_EXIT_OK && !options->password_file && (!*password || !**password))
        return cli_usage_error(
            "bridge add", "--password, --password-file or $CONVENE_BRIDGE_PASSWORD is required");
    return status;
}

/* The POST /bridges body; NULL (complained about) when it cannot be made. */
static json_t *add_body(const char *address, const add_options *options, const char *password)
{
    /* convened opens the file itself: send an absolute path when the file
     * is on this machine (convened usually is too), else the text as given. */
    const char *certificate_file = options->ca_file ? options->ca_file : options->pin_certificate;
    char *certificate = NULL;
    if (certificate_file && strncmp(certificate_file, "sha256//", 8) != 0)
        certificate = realpath(certificate_file, NULL);
    const char *certificate_text = certificate ? certificate : certificate_file;
    const char *const names[] = {"address", "username", "password", "caFile", "pinnedCertificate"};
    const char *const values[] = {address, options->username, password,
                                  options->ca_file ? certificate_text : NULL,
                                  options->pin_certificate ? certificate_text : NULL};
    json_t *body = new_object_or_complain();
    bool ok = cli_set_texts(body, names, values, sizeof names / sizeof names[0]) &&
              json_object_set_new(body, "tlsVerify", json_boolean(!options->insecure)) == 0;
    free(certificate);
    if (body && !ok) {
        cli_error("the address, user name and password must be UTF-8 text");
        json_decref(body);
        return NULL;
    }
    return body;
}

/* `bridge add --help`: the synopsis, what it does, and the notes after the options. */
static const char ADD_USAGE[] =
    "bridge add ADDRESS --username USER (--password P | --password-file F) [TLS option]";
static const char ADD_ABOUT[] =
    "Adds a Cisco Meeting Server (or convene-bridge) by the address of its API:\n"
    "host, host:port (e.g. 10.0.0.5:445 for a non-standard webadmin port) or a URL.\n"
    "convened reads /system/status to recognise it, discovers its cluster and opens\n"
    "tickets for what still needs setting (name, domain, numeric ID range).";
static const char ADD_NOTES[] =
    "The certificate is verified by default. Adding a call bridge that is already a\n"
    "member of a managed cluster is refused with the name of the bridge it belongs to.";

int bridge_add_command(cli_context *context, int argc, char **argv)
{
    add_options options = {0};
    const option_spec specs[] = {
        {"username", OPTION_STRING, &options.username, "USER", "the bridge's API user (required)",
         0, 0},
        {"password", OPTION_STRING, &options.password, "PASSWORD",
         "its password (or --password-file, or $CONVENE_BRIDGE_PASSWORD)", 0, 0},
        {"password-file", OPTION_STRING, &options.password_file, "FILE",
         "read the password from the first line of FILE", 0, 0},
        {"insecure", OPTION_FLAG, &options.insecure, NULL,
         "do not verify the bridge's TLS certificate (labs only)", 0, 0},
        {"ca-file", OPTION_STRING, &options.ca_file, "FILE",
         "verify the bridge's certificate against this PEM file\n"
         "                               (a path convened can read)",
         0, 0},
        {"pin-certificate", OPTION_STRING, &options.pin_certificate, "FILE",
         "accept exactly this PEM certificate file, or\n"
         "                               sha256//BASE64 of its public key (self-signed bridges)",
         0, 0},
        {"json", OPTION_FLAG, &options.json, NULL, "print the server's JSON answer", 0, 0},
    };
    const size_t spec_count = sizeof specs / sizeof specs[0];
    const command_syntax syntax = {ADD_USAGE, ADD_ABOUT, specs, spec_count, 1, 1, ADD_NOTES};
    positional_arguments positional;
    json_t *body = NULL;
    char *password = NULL;
    int status = CLI_EXIT_OK;
    if (!cli_parse_arguments(context, "bridge add", &syntax, argc, argv, &positional, &status))
        goto out;
    if (!options.username) {
        status = cli_usage_error("bridge add", "--username is required");
        goto out;
    }
    if ((options.insecure ? 1 : 0) + (options.ca_file ? 1 : 0) + (options.pin_certificate ? 1 : 0) >
        1) {
        status = cli_usage_error("bridge add",
                                 "choose one of --insecure, --ca-file and --pin-certificate");
        goto out;
    }
    if ((status = read_add_password(&options, &password)) != CLI_EXIT_OK)
        goto out;
    if (!(body = add_body(positional.items[0], &options, password))) {
        status = CLI_EXIT_USAGE;
        goto out;
    }
    client_answer answer;
    status = cli_request(context, "POST", "/bridges", body, &answer);
    if (status == CLI_EXIT_OK) {
        if (!context->globals.json_output)
            printf("Added bridge %s\n\n", json_member_string(answer.document, "id")
                                              ? json_member_string(answer.document, "id")
                                              : "");
        status = bridge_show_answer(context, &answer);
        client_answer_free(&answer);
    }
out:
    json_decref(body);
    secret_free(password);
    config_free(specs, spec_count);
    return status;
}

/* ---- bridge set ------------------------------------------------------ */

typedef struct {
    char *name, *domain, *alternate_address, *alternate_username, *alternate_password,
        *alternate_password_file, *allow_booking, *slot_name_prefix, *allowed_members;
    int64_t numeric_id_base, numeric_id_quantity;
    bool json, any_member;
} set_options;

/* --allowed-members A,B,... as a JSON array ("" gives []); NULL when out of
 * memory. */
static json_t *allowed_members_array(const char *list)
{
    json_t *array = json_array();
    while (array && *list) {
        size_t length = strcspn(list, ",");
        if (length > 0 && json_array_append_new(array, json_stringn(list, length)) != 0) {
            json_decref(array);
            return NULL;
        }
        list += length;
        list += strspn(list, ",");
    }
    return array;
}

/* Checks the options of `bridge set` that the parser cannot: reads
 * --allow-booking into *allow_booking and the alternate's password
 * (--alternate-password or its file) into *alternate_password (caller
 * frees it with secret_free). Returns CLI_EXIT_OK or the usage error's
 * status. */
static int check_set_options(const set_options *options, bool *allow_booking,
                             char **alternate_password)
{
    if (options->allow_booking && text_parse_bool(options->allow_booking, allow_booking) != CV_OK)
        return cli_usage_error("bridge set", "--allow-booking: expected true or false, got \"%s\"",
                               options->allow_booking);
    return cli_secret_option("bridge set", "--alternate-password", options->alternate_password,
                             options->alternate_password_file, alternate_password);
}

/* The PATCH /bridges/ID body: the options given, nothing else; NULL
 * (complained about) when it cannot be made. `secret` is the alternate's
 * password or NULL. */
static json_t *set_body(const set_options *options, bool allow_booking, const char *secret)
{
    const char *const names[] = {
        "name",          "domain", "alternateAddress", "alternateUsername", "alternatePassword",
        "slotNamePrefix"};
    const char *const values[] = {options->name,
                                  options->domain,
                                  options->alternate_address,
                                  options->alternate_username,
                                  secret,
                                  options->slot_name_prefix};
    json_t *body = new_object_or_complain();
    bool ok = cli_set_texts(body, names, values, sizeof names / sizeof names[0]);
    if (ok && options->numeric_id_base != UNSET_INTEGER)
        ok =
            json_object_set_new(body, "numericIdBase", json_integer(options->numeric_id_base)) == 0;
    if (ok && options->numeric_id_quantity != UNSET_INTEGER)
        ok = json_object_set_new(body, "numericIdQuantity",
                                 json_integer(options->numeric_id_quantity)) == 0;
    if (ok && options->allow_booking)
        ok = json_object_set_new(body, "allowBooking", json_boolean(allow_booking)) == 0;
    if (ok && (options->allowed_members || options->any_member))
        ok = json_object_set_new(body, "allowedMembers",
                                 options->allowed_members
                                     ? allowed_members_array(options->allowed_members)
                                     : json_null()) == 0;
    if (body && !ok) {
        cli_error("every value must be UTF-8 text");
        json_decref(body);
        return NULL;
    }
    return body;
}

/* Sends the PATCH and shows the changed bridge; returns the exit status. */
static int patch_bridge(cli_context *context, const char *id, json_t *body)
{
    strbuf path = STRBUF_INIT;
    strbuf_printf(&path, "/bridges/");
    if (cli_append_segment(&path, id) != CV_OK) {
        cli_error("out of memory");
        strbuf_free(&path);
        return CLI_EXIT_USAGE;
    }
    client_answer answer;
    int status = cli_request(context, "PATCH", strbuf_str(&path), body, &answer);
    if (status == CLI_EXIT_OK) {
        bridge_show_answer(context, &answer);
        client_answer_free(&answer);
    }
    strbuf_free(&path);
    return status;
}

/* `bridge set --help`: the synopsis, what it does, and the notes after the options. */
static const char SET_USAGE[] =
    "bridge set ID [--name N] [--domain D] [--numeric-id-base N] [--numeric-id-quantity N]\n"
    "                          [--alternate-address A --alternate-username U "
    "--alternate-password P]\n"
    "                          [--allow-booking true|false] [--slot-name-prefix P]\n"
    "                          [--allowed-members A,B,... | --any-member]";
static const char SET_ABOUT[] =
    "Changes a bridge's settings (TMS's Edit Settings and Extended Settings).\n"
    "Once name, domain, numeric ID base and quantity are set the tickets clear and\n"
    "convened provisions one space per numeric ID (TMS_Scheduled_Meeting_<n>).";
static const char SET_NOTES[] =
    "Only the options given are changed. Changing the range never removes a slot that\n"
    "holds a booked or live meeting.";

int bridge_set_command(cli_context *context, int argc, char **argv)
{
    set_options options = {.numeric_id_base = UNSET_INTEGER, .numeric_id_quantity = UNSET_INTEGER};
    const option_spec specs[] = {
        {"name", OPTION_STRING, &options.name, "NAME",
         "the system name (clears \"Blank System Name\")", 0, 0},
        {"domain", OPTION_STRING, &options.domain, "DOMAIN",
         "SIP domain of the meeting URIs: <numeric ID>@DOMAIN", 0, 0},
        {"numeric-id-base", OPTION_INTEGER, &options.numeric_id_base, "N",
         "first numeric ID (slot) convened may book", 0, 999999999},
        {"numeric-id-quantity", OPTION_INTEGER, &options.numeric_id_quantity, "N",
         "how many slots from the base (one space each)", 0, 100000},
        {"alternate-address", OPTION_STRING, &options.alternate_address, "ADDRESS",
         "where meetings start when this bridge is unreachable", 0, 0},
        {"alternate-username", OPTION_STRING, &options.alternate_username, "USER",
         "API user on the alternate", 0, 0},
        {"alternate-password", OPTION_STRING, &options.alternate_password, "PASSWORD",
         "its password (or --alternate-password-file)", 0, 0},
        {"alternate-password-file", OPTION_STRING, &options.alternate_password_file, "FILE",
         "read the alternate's password from FILE", 0, 0},
        {"allow-booking", OPTION_STRING, &options.allow_booking, "true|false",
         "whether new meetings may be booked on this bridge", 0, 0},
        {"slot-name-prefix", OPTION_STRING, &options.slot_name_prefix, "PREFIX",
         "placeholder space names (default TMS_Scheduled_Meeting_)", 0, 0},
        {"allowed-members", OPTION_STRING, &options.allowed_members, "A,B,...",
         "the only cluster members convened may use (\"\": none but the address and alternate)", 0,
         0},
        {"any-member", OPTION_FLAG, &options.any_member, NULL,
         "let convened use every cluster member the bridge reports (the default)", 0, 0},
        {"json", OPTION_FLAG, &options.json, NULL, "print the server's JSON answer", 0, 0},
    };
    const size_t spec_count = sizeof specs / sizeof specs[0];
    const command_syntax syntax = {SET_USAGE, SET_ABOUT, specs, spec_count, 1, 1, SET_NOTES};
    positional_arguments positional;
    json_t *body = NULL;
    char *alternate_password = NULL;
    int status = CLI_EXIT_OK;
    if (!cli_parse_arguments(context, "bridge set", &syntax, argc, argv, &positional, &status))
        goto out;
    bool allow_booking = false;
    status = check_set_options(&options, &allow_booking, &alternate_password);
    if (status != CLI_EXIT_OK)
        goto out;
    if (!(body = set_body(&options, allow_booking, alternate_password))) {
        status = CLI_EXIT_USAGE;
        goto out;
    }
    if (json_object_size(body) == 0) {
        status = cli_usage_error("bridge set", "nothing to change: give at least one setting");
        goto out;
    }
    status = patch_bridge(context, positional.items[0], body);
out:
    json_decref(body);
    secret_free(alternate_password);
    config_free(specs, spec_count);
    return status;
}
