/* api.c - CMS-shaped answers and request helpers; see api.h. */
#include "bridge/api.h"

#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>

#include "common/ids.h"
#include "common/log.h"
#include "common/text.h"
#include "common/xml_writer.h"

#define XML_CONTENT_TYPE "text/xml"

void api_reply_created(api_call *call, const char *collection_path, const char *id)
{
    char location[256];
    snprintf(location, sizeof location, "/api/v1/%s/%s", collection_path, id);
    call->response->status = 200;
    strbuf_reset(&call->response->body);
    http_response_add_header(call->response, "Location", location);
}

void api_reply_ok(api_call *call)
{
    call->response->status = 200;
    strbuf_reset(&call->response->body);
}

strbuf *api_reply_xml(api_call *call)
{
    call->response->status = 200;
    call->response->content_type = XML_CONTENT_TYPE;
    strbuf_reset(&call->response->body);
    strbuf_append_str(&call->response->body, XML_DECLARATION);
    return &call->response->body;
}

static strbuf *start_failure(api_call *call, int status)
{
    call->response->status = status;
    call->response->content_type = XML_CONTENT_TYPE;
    strbuf *body = &call->response->body;
    strbuf_reset(body);
    strbuf_append_str(body, XML_DECLARATION);
    strbuf_append_str(body, "<failureDetails>");
    return body;
}

void api_fail_parameter(api_call *call, const char *parameter, const char *reason)
{
    strbuf *body = start_failure(call, 400);
    strbuf_append_str(body, "<parameterError parameter=\"");
    xml_append_escaped(body, parameter);
    strbuf_append_str(body, "\" error=\"");
    xml_append_escaped(body, reason);
    strbuf_append_str(body, "\" /></failureDetails>");
}

void api_fail(api_call *call, int status, const char *reason)
{
    strbuf *body = start_failure(call, status);
    strbuf_printf(body, "<%s /></failureDetails>", reason);
}

void api_fail_not_found(api_call *call, const char *reason)
{
    api_fail(call, 404, reason);
}

void api_fail_internal(api_call *call, const char *what)
{
    log_error("%s %s: %s failed: %s", call->request->method, call->request->path, what,
              call->database ? store_db_message(call->database) : "no database");
    call->response->status = 500;
    call->response->content_type = NULL;
    strbuf_reset(&call->response->body);
}

bool api_read_page(api_call *call, api_page *page)
{
    page->offset = 0;
    page->limit = call->node->options.page_limit;
    const char *offset = http_request_query(call->request, "offset");
    const char *limit = http_request_query(call->request, "limit");
    if (offset && text_parse_int64(offset, 0, INT32_MAX, &page->offset) != CV_OK) {
        api_fail_parameter(call, "offset", "invalidValue");
        return false;
    }
    int64_t asked;
    if (limit) {
        if (text_parse_int64(limit, 0, INT32_MAX, &asked) != CV_OK) {
            api_fail_parameter(call, "limit", "invalidValue");
            return false;
        }
        if (asked < page->limit)
            page->limit = asked;
    }
    return true;
}

static bool name_in(const char *name, const char *const *allowed, bool ignore_case)
{
    for (; allowed && *allowed; allowed++)
        if (ignore_case ? strcasecmp(name, *allowed) == 0 : strcmp(name, *allowed) == 0)
            return true;
    return false;
}

/* Adds "API user "U" ignored <what> "NAME"" to the trace, with control
 * characters and quotes of the client's name shown as \xNN. */
static void note_ignored(api_call *call, const char *what, const char *name)
{
    strbuf *notes = &call->response->annotations;
    strbuf_printf(notes, "API user \"%s\" ignored %s \"",
                  call->request->user ? call->request->user : "", what);
    for (const unsigned char *c = (const unsigned char *)name; *c; c++) {
        if (*c < 0x20 || *c == 0x7f || *c == '"' || *c == '\\')
            strbuf_printf(notes, "\\x%02x", *c);
        else
            strbuf_append_char(notes, (char)*c);
    }
    strbuf_append_str(notes, "\" (not a parameter of this object)\n");
}

bool api_unknown_field(api_call *call, const char *name)
{
    if (call->node->options.strict) {
        api_fail_parameter(call, name, "unrecognisedParameter");
        return false;
    }
    note_ignored(call, "body parameter", name);
    return true;
}

bool api_check_fields(api_call *call, const char *const *allowed)
{
    for (size_t i = 0; i < call->fields.count; i++)
        if (!name_in(call->fields.fields[i].name, allowed, false) &&
            !api_unknown_field(call, call->fields.fields[i].name))
            return false;
    return true;
}

typedef struct {
    api_call *call;
    const char *const *allowed;
    const char *rejected; /* --strict: the first unknown name */
} query_check;

static int check_query_argument(void *context, const char *name, const char *value)
{
    (void)value;
    static const char *const always[] = {"offset", "limit", "filter", NULL};
    query_check *check = context;
    bool strict = check->call->node->options.strict;
    if (name_in(name, always, !strict) || name_in(name, check->allowed, !strict))
        return 0;
    if (!strict) {
        note_ignored(check->call, "query parameter", name);
        return 0;
    }
    check->rejected = name;
    return 1;
}

bool api_check_query(api_call *call, const char *const *allowed)
{
    query_check check = {call, allowed, NULL};
    if (http_request_each_query(call->request, check_query_argument, &check)) {
        api_fail_parameter(call, check.rejected, "unrecognisedParameter");
        return false;
    }
    return true;
}

const char *api_path_id(api_call *call, size_t segment, const char *missing)
{
    const char *id = segment < call->segment_count ? call->segments[segment] : NULL;
    if (!id_is_valid(id)) {
        api_fail_not_found(call, missing);
        return NULL;
    }
    return id;
}

void api_audit(api_call *call, const char *format, ...)
{
    /* One note per line: names from the request are escaped so a line
     * break in them cannot split this note into a forged second one. */
    strbuf note = STRBUF_INIT;
    strbuf_printf(&note, "API user \"%s\" ", call->request->user ? call->request->user : "");
    va_list arguments;
    va_start(arguments, format);
    strbuf_vprintf(&note, format, arguments);
    va_end(arguments);
    strbuf *notes = &call->response->annotations;
    text_append_escaped(notes, strbuf_str(&note), note.length);
    strbuf_append_char(notes, '\n');
    strbuf_free(&note);
}
