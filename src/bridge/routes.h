/*
 * routes.h - the route table each object module exports; router.c lists
 * them all. Adding an object type: write its module, declare its table
 * here, add it to route_tables[] in router.c.
 */
#ifndef CONVENE_BRIDGE_ROUTES_H
#define CONVENE_BRIDGE_ROUTES_H

#include "bridge/api.h"

extern const api_route_table system_routes;                 /* system_status.c */
extern const api_route_table call_bridge_routes;            /* call_bridge.c */
extern const api_route_table call_profile_routes;           /* call_profile.c */
extern const api_route_table call_leg_profile_routes;       /* call_leg_profile.c */
extern const api_route_table cospace_routes;                /* cospace.c */
extern const api_route_table access_method_routes;          /* access_method.c */
extern const api_route_table dial_plan_rule_routes;         /* dial_plan_rule.c */
extern const api_route_table cdr_receiver_routes;           /* cdr_receiver.c */
extern const api_route_table system_profiles_routes;        /* system_profiles.c */
extern const api_route_table inbound_dial_plan_rule_routes; /* inbound_dial_plan_rule.c */
extern const api_route_table dial_transform_routes;         /* dial_transform.c */
extern const api_route_table bulk_parameter_set_routes;     /* bulk_parameter_set.c */
extern const api_route_table bulk_sync_routes;              /* bulk_sync.c */
extern const api_route_table call_routes;                   /* call.c */
extern const api_route_table call_leg_routes;               /* call_leg.c */
extern const api_route_table call_leg_trace_routes;         /* call_leg_trace.c */
extern const api_route_table participant_routes;            /* participant.c */

#endif
