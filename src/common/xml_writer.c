/* xml_writer.c - XML output helpers; see xml_writer.h. */
#include "common/xml_writer.h"

#include <inttypes.h>
#include <stdio.h>
#include <string.h>

void xml_append_escaped(strbuf *out, const char *text)
{
    const char *run = text;
    for (const char *cursor = text; *cursor; cursor++) {
        const char *entity = NULL;
        switch (*cursor) {
        case '<':
            entity = "&lt;";
            break;
        case '>':
            entity = "&gt;";
            break;
        case '&':
            entity = "&amp;";
            break;
        case '"':
            entity = "&quot;";
            break;
        case '\'':
            entity = "&apos;";
            break;
        default:
            continue;
        }
        strbuf_append(out, run, (size_t)(cursor - run));
        strbuf_append_str(out, entity);
        run = cursor + 1;
    }
    strbuf_append_str(out, run);
}

void xml_open(strbuf *out, const char *name)
{
    strbuf_append_char(out, '<');
    strbuf_append_str(out, name);
    strbuf_append_char(out, '>');
}

void xml_close(strbuf *out, const char *name)
{
    strbuf_append(out, "</", 2);
    strbuf_append_str(out, name);
    strbuf_append_char(out, '>');
}

void xml_open_with_attribute(strbuf *out, const char *name, const char *attribute,
                             const char *value)
{
    strbuf_append_char(out, '<');
    strbuf_append_str(out, name);
    strbuf_append_char(out, ' ');
    strbuf_append_str(out, attribute);
    strbuf_append(out, "=\"", 2);
    xml_append_escaped(out, value);
    strbuf_append(out, "\">", 2);
}

void xml_text_element(strbuf *out, const char *name, const char *text)
{
    xml_open(out, name);
    xml_append_escaped(out, text ? text : "");
    xml_close(out, name);
}

void xml_int_element(strbuf *out, const char *name, int64_t value)
{
    char digits[24];
    snprintf(digits, sizeof digits, "%" PRId64, value);
    xml_open(out, name);
    strbuf_append_str(out, digits);
    xml_close(out, name);
}

void xml_bool_element(strbuf *out, const char *name, bool value)
{
    xml_open(out, name);
    strbuf_append_str(out, value ? "true" : "false");
    xml_close(out, name);
}
