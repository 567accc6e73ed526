/*
 * cdr_ingest.c - parsing a CDR batch with libxml2; see cdr_ingest.h.
 *
 * Owns: the walk over `<records>` and each `<record>`'s call or call leg.
 * Does not own: what the records mean for attendance (db_cdrs.c).
 */
#include "scheduler/cdr_ingest.h"

#include <libxml/parser.h>
#include <libxml/tree.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/rfc3339.h"
#include "common/text.h"

static const char *const kind_names[] = {
    [CDR_KIND_CALL_START] = "callStart",   [CDR_KIND_CALL_END] = "callEnd",
    [CDR_KIND_LEG_START] = "callLegStart", [CDR_KIND_LEG_UPDATE] = "callLegUpdate",
    [CDR_KIND_LEG_END] = "callLegEnd",     [CDR_KIND_OTHER] = "other",
};

const char *cdr_kind_name(cdr_kind kind)
{
    return (size_t)kind < sizeof kind_names / sizeof kind_names[0] ? kind_names[kind] : "?";
}

static cdr_kind kind_of(const char *type)
{
    for (size_t index = 0; index < CDR_KIND_OTHER; index++)
        if (strcmp(kind_names[index], type) == 0)
            return (cdr_kind)index;
    return CDR_KIND_OTHER;
}

static bool named(xmlNodePtr node, const char *name)
{
    return node->type == XML_ELEMENT_NODE && xmlStrcmp(node->name, (const xmlChar *)name) == 0;
}

/* The attribute `name` of `node` into out[size] (printable, truncated);
 * false when absent. */
static bool attribute(xmlNodePtr node, const char *name, char *out, size_t size)
{
    xmlChar *value = xmlGetProp(node, (const xmlChar *)name);
    if (value == NULL) {
        out[0] = '\0';
        return false;
    }
    text_copy_printable(out, size, (const char *)value);
    xmlFree(value);
    return true;
}

/* The text of child element `child` into out[size] ("" when absent). */
static void child_text(xmlNodePtr parent, const char *child, char *out, size_t size)
{
    out[0] = '\0';
    for (xmlNodePtr node = parent->children; node != NULL; node = node->next) {
        if (!named(node, child))
            continue;
        xmlChar *value = xmlNodeGetContent(node);
        if (value != NULL)
            text_copy_printable(out, size, (const char *)value);
        xmlFree(value);
        return;
    }
}

static int64_t child_number(xmlNodePtr parent, const char *child)
{
    char text[32];
    int64_t value = -1;
    child_text(parent, child, text, sizeof text);
    if (text[0] == '\0' || text_parse_int64(text, 0, INT64_MAX, &value) != CV_OK)
        return -1;
    return value;
}

/* The `<call>` or `<callLeg>` of a record into `record`. */
static void read_object(xmlNodePtr object, cdr_record *record)
{
    attribute(object, "id", record->object_id, sizeof record->object_id);
    if (named(object, "call")) {
        child_text(object, "name", record->name, sizeof record->name);
        child_text(object, "coSpace", record->cospace_id, sizeof record->cospace_id);
        record->max_active = child_number(object, "callLegsMaxActive");
        record->duration_seconds = child_number(object, "durationSeconds");
        return;
    }
    child_text(object, "call", record->call_id, sizeof record->call_id);
    child_text(object, "remoteParty", record->remote_party, sizeof record->remote_party);
    child_text(object, "direction", record->direction, sizeof record->direction);
    child_text(object, "state", record->state, sizeof record->state);
    child_text(object, "reason", record->reason, sizeof record->reason);
    char teardown[8];
    child_text(object, "remoteTeardown", teardown, sizeof teardown);
    record->remote_teardown = strcmp(teardown, "true") == 0;
    record->duration_seconds = child_number(object, "durationSeconds");
}

/* One `<record>`; false with `error` set when it lacks what every record has. */
static bool read_record(xmlNodePtr node, cdr_record *record, char *error, size_t error_size)
{
    memset(record, 0, sizeof *record);
    record->duration_seconds = record->max_active = record->correlator_index = -1;
    char time_text[40], index_text[24], correlator[24];
    if (!attribute(node, "type", record->type, sizeof record->type) || record->type[0] == '\0') {
        snprintf(error, error_size, "a record has no type");
        return false;
    }
    record->kind = kind_of(record->type);
    if (!attribute(node, "time", time_text, sizeof time_text) ||
        rfc3339_parse(time_text, &record->time) != CV_OK) {
        snprintf(error, error_size, "a %s record has no valid time", record->type);
        return false;
    }
    if (!attribute(node, "recordIndex", index_text, sizeof index_text) ||
        text_parse_int64(index_text, 0, INT64_MAX, &record->record_index) != CV_OK) {
        snprintf(error, error_size, "a %s record has no valid recordIndex", record->type);
        return false;
    }
    if (attribute(node, "correlatorIndex", correlator, sizeof correlator) &&
        text_parse_int64(correlator, 0, INT64_MAX, &record->correlator_index) != CV_OK)
        record->correlator_index = -1;
    for (xmlNodePtr child = node->children; child != NULL; child = child->next)
        if (named(child, "call") || named(child, "callLeg")) {
            read_object(child, record);
            break;
        }
    return true;
}

static cv_result read_records(xmlNodePtr root, cdr_batch *out, char *error, size_t error_size)
{
    size_t total = 0;
    for (xmlNodePtr node = root->children; node != NULL; node = node->next)
        total += named(node, "record");
    if (total > CDR_BATCH_MAX) {
        snprintf(error, error_size, "more than %d records in one batch", CDR_BATCH_MAX);
        return CV_ERR_INVALID;
    }
    out->records = total ? calloc(total, sizeof *out->records) : NULL;
    if (total && out->records == NULL)
        return CV_ERR_NO_MEMORY;
    for (xmlNodePtr node = root->children; node != NULL; node = node->next) {
        if (!named(node, "record"))
            continue;
        if (!read_record(node, &out->records[out->count], error, error_size))
            return CV_ERR_INVALID;
        out->count++;
    }
    return CV_OK;
}

cv_result cdr_batch_parse(const char *body, size_t length, cdr_batch *out, char *error,
                          size_t error_size)
{
    memset(out, 0, sizeof *out);
    error[0] = '\0';
    if (length > (size_t)INT32_MAX) {
        snprintf(error, error_size, "the body is too large");
        return CV_ERR_INVALID;
    }
    /* no network, no entity expansion (libxml2's default), no DTD loading */
    xmlDocPtr document = xmlReadMemory(body, (int)length, "cdr.xml", NULL,
                                       XML_PARSE_NONET | XML_PARSE_NOERROR | XML_PARSE_NOWARNING);
    if (document == NULL) {
        snprintf(error, error_size, "the body is not XML");
        return CV_ERR_INVALID;
    }
    xmlNodePtr root = xmlDocGetRootElement(document);
    cv_result result = CV_OK;
    if (root == NULL || !named(root, "records")) {
        snprintf(error, error_size, "the root element is not <records>");
        result = CV_ERR_INVALID;
    } else if (!attribute(root, "session", out->session, sizeof out->session) ||
               out->session[0] == '\0') {
        snprintf(error, error_size, "<records> has no session");
        result = CV_ERR_INVALID;
    } else {
        attribute(root, "callBridge", out->call_bridge, sizeof out->call_bridge);
        result = read_records(root, out, error, error_size);
    }
    xmlFreeDoc(document);
    if (result != CV_OK)
        cdr_batch_free(out);
    return result;
}

void cdr_batch_free(cdr_batch *batch)
{
    free(batch->records);
    batch->records = NULL;
    batch->count = 0;
}
