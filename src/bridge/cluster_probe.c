/*
 * cluster_probe.c - is another member of this cluster running? Asked when
 * a space's active call is claimed by another node (cospace.h): a claim of
 * a member that no longer accepts connections at its --peer address is
 * left over from a node that died, and may be taken over.
 *
 * Owns: the probe (one TCP connection attempt through libcurl, with TLS
 * when the address is https; a TLS or HTTP problem still means something
 * answers). Does not own: the claims (object_store_claims.c).
 */
#include <curl/curl.h>
#include <string.h>

#include "bridge/cluster_probe.h"

#define PROBE_TIMEOUT_MS 1000L

bool cluster_member_answers(const bridge *node, const char *member_name)
{
    const char *address = NULL;
    for (size_t i = 1; i < node->member_count; i++) /* [0] is this node */
        if (strcmp(node->members[i].name, member_name) == 0)
            address = node->members[i].address;
    if (!address)
        return true; /* not a member we know: assume it is alive */
    CURL *handle = curl_easy_init();
    if (!handle)
        return true;
    curl_easy_setopt(handle, CURLOPT_URL, address);
    curl_easy_setopt(handle, CURLOPT_CONNECT_ONLY, 1L);
    curl_easy_setopt(handle, CURLOPT_NOSIGNAL, 1L);
    curl_easy_setopt(handle, CURLOPT_CONNECTTIMEOUT_MS, PROBE_TIMEOUT_MS);
    CURLcode code = curl_easy_perform(handle);
    curl_easy_cleanup(handle);
    return code != CURLE_COULDNT_CONNECT && code != CURLE_OPERATION_TIMEDOUT &&
           code != CURLE_COULDNT_RESOLVE_HOST;
}
