/*
 * cms_xml.c - reading CMS XML answers: child elements and their text or
 * integer, the id and total attributes, and /system/status (declared in
 * cms_client.h). Owns no state; cms_views.c reads whole objects with it.
 */
#include "common/cms_client.h"

#include <libxml/tree.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/text.h"

xmlNodePtr cms_xml_child(xmlNodePtr parent, const char *name)
{
    for (xmlNodePtr child = parent ? parent->children : NULL; child; child = child->next)
        if (child->type == XML_ELEMENT_NODE && xmlStrcmp(child->name, BAD_CAST name) == 0)
            return child;
    return NULL;
}

char *cms_xml_child_text(xmlNodePtr parent, const char *name)
{
    xmlNodePtr child = cms_xml_child(parent, name);
    if (!child)
        return NULL;
    xmlChar *content = xmlNodeGetContent(child);
    char *copy = strdup(content ? (const char *)content : "");
    xmlFree(content);
    return copy;
}

cv_result cms_xml_child_int64(xmlNodePtr parent, const char *name, int64_t *out)
{
    char *text = cms_xml_child_text(parent, name);
    if (!text)
        return cms_xml_child(parent, name) ? CV_ERR_NO_MEMORY : CV_ERR_NOT_FOUND;
    cv_result result = text_parse_int64(text, INT64_MIN, INT64_MAX, out);
    free(text);
    return result;
}

bool cms_xml_id(xmlNodePtr element, char *out, size_t size)
{
    xmlChar *id = element ? xmlGetProp(element, BAD_CAST "id") : NULL;
    if (!id)
        return false;
    bool fits = strlen((const char *)id) < size;
    if (fits)
        snprintf(out, size, "%s", (const char *)id);
    xmlFree(id);
    return fits;
}

int64_t cms_xml_total(xmlDocPtr document)
{
    xmlNodePtr root = document ? xmlDocGetRootElement(document) : NULL;
    xmlChar *total = root ? xmlGetProp(root, BAD_CAST "total") : NULL;
    if (!total)
        return -1;
    int64_t value = -1;
    if (text_parse_int64((const char *)total, 0, INT64_MAX, &value) != CV_OK)
        value = -1;
    xmlFree(total);
    return value;
}

cv_result cms_parse_system_status(xmlDocPtr document, cms_system_status *out)
{
    memset(out, 0, sizeof *out);
    xmlNodePtr root = document ? xmlDocGetRootElement(document) : NULL;
    if (!root || xmlStrcmp(root->name, BAD_CAST "status") != 0)
        return CV_ERR_PROTOCOL;
    char *version = cms_xml_child_text(root, "softwareVersion");
    if (!version || !*version) {
        free(version);
        return CV_ERR_PROTOCOL;
    }
    snprintf(out->software_version, sizeof out->software_version, "%s", version);
    free(version);
    cms_xml_child_int64(root, "uptimeSeconds", &out->uptime_seconds);
    cms_xml_child_int64(root, "callLegsActive", &out->call_legs_active);
    cms_xml_child_int64(root, "callLegsMaxActive", &out->call_legs_max_active);
    cms_xml_child_int64(root, "callLegsCompleted", &out->call_legs_completed);
    char *cluster = cms_xml_child_text(root, "clusterEnabled");
    out->cluster_enabled = cluster && strcmp(cluster, "true") == 0;
    free(cluster);
    return CV_OK;
}
