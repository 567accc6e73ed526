/*
 * system_status.c - GET /system/status: version, uptime, CDR time,
 * clustering and the call-leg counters. Owns nothing else; the counters
 * come from the runtime (runtime.h).
 */
#include <time.h>

#include "bridge/api.h"
#include "bridge/routes.h"
#include "bridge/runtime.h"
#include "common/xml_writer.h"

static void get_status(api_call *call)
{
    if (!api_check_query(call, NULL))
        return;
    bridge *node = call->node;
    struct timespec now;
    clock_gettime(CLOCK_MONOTONIC, &now);
    time_t wall = time(NULL);
    struct tm utc;
    gmtime_r(&wall, &utc);
    char cdr_time[32];
    strftime(cdr_time, sizeof cdr_time, "%Y-%m-%dT%H:%M:%SZ", &utc);
    runtime_counters counters;
    runtime_get_counters(node->runtime, &counters);

    strbuf *out = api_reply_xml(call);
    xml_open(out, "status");
    xml_text_element(out, "hostId", node->host_id);
    xml_text_element(out, "softwareVersion", BRIDGE_SOFTWARE_VERSION);
    xml_int_element(out, "uptimeSeconds", now.tv_sec - node->started.tv_sec);
    xml_text_element(out, "cdrTime", cdr_time);
    xml_bool_element(out, "activated", true);
    xml_bool_element(out, "clusterEnabled", node->member_count > 1);
    xml_int_element(out, "cdrCorrelatorIndex", counters.cdr_correlator_index);
    xml_int_element(out, "callLegsActive", counters.call_legs_active);
    xml_int_element(out, "callLegsMaxActive", counters.call_legs_max_active);
    xml_int_element(out, "callLegsCompleted", counters.call_legs_completed);
    xml_int_element(out, "audioBitRateOutgoing", counters.audio_bit_rate_outgoing);
    xml_int_element(out, "audioBitRateIncoming", counters.audio_bit_rate_incoming);
    xml_int_element(out, "videoBitRateOutgoing", counters.video_bit_rate_outgoing);
    xml_int_element(out, "videoBitRateIncoming", counters.video_bit_rate_incoming);
    xml_close(out, "status");
}

static const api_route routes[] = {
    {"system/status", get_status, NULL, NULL, NULL},
};

const api_route_table system_routes = {routes, sizeof routes / sizeof routes[0]};
