/* xml_writer.c - XML output helpers; see xml_writer.h. */
#include "common/xml_writer.h"

#include <string.h>

#include "common/text.h"

/* Bytes at `text` that form one character XML 1.0 may carry: 0 when they
 * do not (C0 controls other than tab and line ends, invalid or truncated
 * UTF-8, U+FFFE and U+FFFF), else the sequence length. `text` is
 * NUL-terminated, so a truncated sequence stops at the NUL. */
static size_t xml_character_length(const unsigned char *text)
{
    if (text[0] < 0x20)
        return text[0] == '\t' || text[0] == '\n' || text[0] == '\r';
    if (text[0] < 0x80)
        return 1;
    size_t length = text[0] >= 0xF0 ? 4 : text[0] >= 0xE0 ? 3 : 2;
    for (size_t i = 1; i < length; i++)
        if ((text[i] & 0xC0) != 0x80)
            return 0;
    if (!text_is_valid_utf8((const char *)text, length))
        return 0;
    if (length == 3 && text[0] == 0xEF && text[1] == 0xBF && text[2] >= 0xBE)
        return 0;
    return length;
}

void xml_append_escaped(strbuf *out, const char *text)
{
    const char *run = text;
    for (const char *cursor = text; *cursor;) {
        const char *entity = NULL;
        size_t length = 1;
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
            /* What XML cannot carry becomes U+FFFD, so output stays well-formed
             * whatever bytes reach it (e.g. a rejected parameter's raw name). */
            length = xml_character_length((const unsigned char *)cursor);
            if (length) {
                cursor += length;
                continue;
            }
            entity = "\xEF\xBF\xBD";
            length = 1;
            break;
        }
        strbuf_append(out, run, (size_t)(cursor - run));
        strbuf_append_str(out, entity);
        cursor += length;
        run = cursor;
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
    /* By hand rather than snprintf: status replies carry a dozen of these
     * and snprintf was a visible share of their cost. */
    char digits[24];
    char *cursor = digits + sizeof digits;
    uint64_t magnitude = value < 0 ? 0 - (uint64_t)value : (uint64_t)value;
    do {
        *--cursor = (char)('0' + magnitude % 10);
        magnitude /= 10;
    } while (magnitude);
    if (value < 0)
        *--cursor = '-';
    xml_open(out, name);
    strbuf_append(out, cursor, (size_t)(digits + sizeof digits - cursor));
    xml_close(out, name);
}

void xml_bool_element(strbuf *out, const char *name, bool value)
{
    xml_open(out, name);
    strbuf_append_str(out, value ? "true" : "false");
    xml_close(out, name);
}
