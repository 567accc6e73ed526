/*
 * net_allow.h - an allow-list of client networks ("10.0.0.0/8",
 * "2001:db8::/32", or one address), checked against a peer's socket
 * address as a connection is accepted (convened's CDR receiver).
 *
 * Owns: parsing the networks (inet_pton; a prefix within the family's
 * length; bits beyond the prefix are ignored) and
 * matching an address (an IPv4-mapped IPv6 peer matches IPv4 networks).
 * Does not own: where the list comes from (config.h) or the server
 * (http_server.h).
 */
#ifndef CONVENE_NET_ALLOW_H
#define CONVENE_NET_ALLOW_H

#include <stdbool.h>
#include <stddef.h>

#include "common/result.h"

struct sockaddr;

typedef struct {
    int family;                /* AF_INET or AF_INET6 */
    unsigned char address[16]; /* network byte order; 4 bytes used for IPv4 */
    unsigned prefix;           /* bits that must match */
} net_network;

typedef struct {
    net_network *items;
    size_t count;
} net_allow_list;

/* Adds one network written as ADDRESS[/PREFIX]; CV_ERR_INVALID when it is
 * not one (nothing added). */
cv_result net_allow_add(net_allow_list *list, const char *text);
/* True when `address` (AF_INET or AF_INET6) is in one of the networks. */
bool net_allow_matches(const net_allow_list *list, const struct sockaddr *address);
void net_allow_free(net_allow_list *list);

#endif
