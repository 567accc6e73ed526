/*
 * cms_client_internal.h - what cms_client.c (one exchange) and
 * cms_registry.c (the clients per address and their handle pools) share;
 * included by nobody else.
 *
 * Owns: the client and registry structs and the handle pool's borrow and
 * return. Does not own: the public API (cms_client.h).
 */
#ifndef CONVENE_CMS_CLIENT_INTERNAL_H
#define CONVENE_CMS_CLIENT_INTERNAL_H

#include <curl/curl.h>
#include <pthread.h>

#include "common/cms_client.h"

/* One bridge base URL: its pool of keep-alive handles and its current
 * credentials. `lock` guards the pool and the credentials; `base_url`
 * and `settings` never change after creation. */
struct cms_client {
    char *base_url;
    const cms_client_settings *settings;
    pthread_mutex_t lock; /* guards the handle pool and the credentials below */
    pthread_cond_t handle_returned;
    CURL **handles;
    bool *borrowed;
    size_t handle_count;
    char *username;
    char *password;
    bool tls_verify;
    char *ca_file;
    char *pinned_key; /* "sha256//..." for CURLOPT_PINNEDPUBLICKEY */
    struct cms_client *next;
};

/* Every client, by base URL; a client lives as long as the registry. */
struct cms_registry {
    cms_client_settings settings;
    pthread_mutex_t lock; /* guards `clients` */
    cms_client *clients;
};

/* Borrows a free handle of `client` (created on first use), waiting while
 * all `handle_count` are borrowed: the pool's size is the in-flight limit.
 * *slot receives the index to give back; NULL when curl cannot make one. */
CURL *cms_client_borrow_handle(cms_client *client, size_t *slot);
/* Gives back the handle borrowed as `slot` and wakes one waiter. */
void cms_client_return_handle(cms_client *client, size_t slot);

#endif
