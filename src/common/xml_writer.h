/*
 * xml_writer.h - writing XML responses into a strbuf.
 *
 * Owns: escaping of text and attribute values (characters XML 1.0 cannot
 * carry at all - C0 controls, invalid UTF-8, U+FFFE/U+FFFF - become U+FFFD,
 * so every body is well-formed), element helpers that keep
 * the CMS API's compact form (no whitespace between elements). Does not own:
 * reading XML (libxml2 does that, see xml_reader.h). Like strbuf, these do
 * not return errors one by one: check strbuf_status() once at the end.
 */
#ifndef CONVENE_XML_WRITER_H
#define CONVENE_XML_WRITER_H

#include <stdbool.h>
#include <stdint.h>

#include "common/strbuf.h"

#define XML_DECLARATION "<?xml version=\"1.0\"?>\n"

void xml_append_escaped(strbuf *out, const char *text);
/* <name>escaped text</name> */
void xml_text_element(strbuf *out, const char *name, const char *text);
void xml_int_element(strbuf *out, const char *name, int64_t value);
void xml_bool_element(strbuf *out, const char *name, bool value);
/* <name attribute="value"> (open only) */
void xml_open_with_attribute(strbuf *out, const char *name, const char *attribute,
                             const char *value);
void xml_open(strbuf *out, const char *name);
void xml_close(strbuf *out, const char *name);

#endif
