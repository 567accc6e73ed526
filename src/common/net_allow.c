/*
 * net_allow.c - client network allow-lists; see net_allow.h.
 *
 * Owns: parsing ADDRESS[/PREFIX] and matching socket addresses.
 * Does not own: accepting connections (http_server.c).
 */
#include "common/net_allow.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

#include "common/text.h"

cv_result net_allow_add(net_allow_list *list, const char *text)
{
    char address[64];
    const char *slash = strchr(text, '/');
    size_t length = slash ? (size_t)(slash - text) : strlen(text);
    if (length == 0 || length >= sizeof address)
        return CV_ERR_INVALID;
    memcpy(address, text, length);
    address[length] = '\0';
    net_network network = {0};
    if (inet_pton(AF_INET, address, network.address) == 1)
        network.family = AF_INET;
    else if (inet_pton(AF_INET6, address, network.address) == 1)
        network.family = AF_INET6;
    else
        return CV_ERR_INVALID;
    unsigned bits = network.family == AF_INET ? 32 : 128;
    network.prefix = bits;
    if (slash != NULL) {
        int64_t prefix = 0;
        if (text_parse_int64(slash + 1, 0, bits, &prefix) != CV_OK)
            return CV_ERR_INVALID;
        network.prefix = (unsigned)prefix;
    }
    net_network *grown = realloc(list->items, (list->count + 1) * sizeof *grown);
    if (grown == NULL)
        return CV_ERR_NO_MEMORY;
    list->items = grown;
    list->items[list->count++] = network;
    return CV_OK;
}

/* True when the first `prefix` bits of `a` and `b` are equal. */
static bool same_prefix(const unsigned char *a, const unsigned char *b, unsigned prefix)
{
    unsigned whole = prefix / 8, rest = prefix % 8;
    if (memcmp(a, b, whole) != 0)
        return false;
    if (rest == 0)
        return true;
    unsigned char mask = (unsigned char)(0xFF << (8 - rest));
    return (a[whole] & mask) == (b[whole] & mask);
}

bool net_allow_matches(const net_allow_list *list, const struct sockaddr *address)
{
    unsigned char bytes[16];
    int family = address->sa_family;
    if (family == AF_INET) {
        memcpy(bytes, &((const struct sockaddr_in *)address)->sin_addr, 4);
    } else if (family == AF_INET6) {
        const struct in6_addr *six = &((const struct sockaddr_in6 *)address)->sin6_addr;
        if (IN6_IS_ADDR_V4MAPPED(six)) { /* ::ffff:a.b.c.d is a.b.c.d */
            family = AF_INET;
            memcpy(bytes, &six->s6_addr[12], 4);
        } else {
            memcpy(bytes, six->s6_addr, 16);
        }
    } else {
        return false;
    }
    for (size_t index = 0; index < list->count; index++)
        if (list->items[index].family == family &&
            same_prefix(list->items[index].address, bytes, list->items[index].prefix))
            return true;
    return false;
}

void net_allow_free(net_allow_list *list)
{
    free(list->items);
    list->items = NULL;
    list->count = 0;
}
