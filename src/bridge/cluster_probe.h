/*
 * cluster_probe.h - whether another member of the cluster is running
 * (cluster_probe.c). Owns nothing else.
 */
#ifndef CONVENE_BRIDGE_CLUSTER_PROBE_H
#define CONVENE_BRIDGE_CLUSTER_PROBE_H

#include <stdbool.h>

#include "bridge/bridge.h"

/* False only when `member_name` is one of this node's --peers and nothing
 * accepts a connection at its address (within a second); a member not in
 * the --peer list is assumed to be running. */
bool cluster_member_answers(const bridge *node, const char *member_name);

#endif
