/*
 * routes.h - the route table each object module exports; router.c lists
 * them all. Adding an object type: write its module, declare its table
 * here, add it to route_tables[] in router.c.
 */
#ifndef CONVENE_BRIDGE_ROUTES_H
#define CONVENE_BRIDGE_ROUTES_H

#include "bridge/api.h"

extern const api_route_table system_routes;      /* system_status.c */
extern const api_route_table call_bridge_routes; /* call_bridge.c */

#endif
