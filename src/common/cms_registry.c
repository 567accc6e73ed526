/*
 * cms_registry.c - the CMS API clients, one per bridge base URL, and the
 * pool of keep-alive libcurl handles of each; see cms_client.h.
 *
 * Owns: creating and freeing the registry and its clients, the defaults
 * of cms_client_settings, replacing a client's credentials and TLS
 * settings (a pinned certificate read into its public-key pin), and
 * borrowing and returning handles (the in-flight limit per address).
 * Does not own: sending a request or reading an answer (cms_client.c).
 */
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/x509.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/cms_client_internal.h"
#include "common/text.h"

cv_result cms_registry_create(const cms_client_settings *settings, cms_registry **out)
{
    cms_registry *registry = calloc(1, sizeof *registry);
    if (!registry)
        return CV_ERR_NO_MEMORY;
    registry->settings = *settings;
    if (registry->settings.max_in_flight <= 0)
        registry->settings.max_in_flight = 4;
    if (registry->settings.connect_timeout_ms <= 0)
        registry->settings.connect_timeout_ms = 5000;
    if (registry->settings.timeout_ms <= 0)
        registry->settings.timeout_ms = 20000;
    if (registry->settings.busy_retries < 0)
        registry->settings.busy_retries = 0;
    if (registry->settings.busy_backoff_ms <= 0)
        registry->settings.busy_backoff_ms = 200;
    pthread_mutex_init(&registry->lock, NULL);
    *out = registry;
    return CV_OK;
}

static void client_free(cms_client *client)
{
    for (size_t i = 0; i < client->handle_count; i++)
        if (client->handles[i])
            curl_easy_cleanup(client->handles[i]);
    free(client->handles);
    free(client->borrowed);
    free(client->base_url);
    free(client->username);
    text_wipe_free(client->password);
    free(client->ca_file);
    free(client->pinned_key);
    pthread_mutex_destroy(&client->lock);
    pthread_cond_destroy(&client->handle_returned);
    free(client);
}

void cms_registry_free(cms_registry *registry)
{
    if (!registry)
        return;
    cms_client *client = registry->clients;
    while (client) {
        cms_client *next = client->next;
        client_free(client);
        client = next;
    }
    pthread_mutex_destroy(&registry->lock);
    free(registry);
}

/* The pin of a PEM certificate file: sha256 of its public key. */
static char *pin_from_certificate(const char *source)
{
    if (strncmp(source, "sha256//", 8) == 0)
        return strdup(source);
    FILE *file = fopen(source, "r");
    if (!file)
        return NULL;
    X509 *certificate = PEM_read_X509(file, NULL, NULL, NULL);
    fclose(file);
    if (!certificate)
        return NULL;
    char *pin = NULL;
    unsigned char *der = NULL;
    EVP_PKEY *key = X509_get_pubkey(certificate);
    int der_length = key ? i2d_PUBKEY(key, &der) : -1;
    if (der_length > 0) {
        unsigned char digest[EVP_MAX_MD_SIZE];
        unsigned int digest_length = 0;
        if (EVP_Digest(der, (size_t)der_length, digest, &digest_length, EVP_sha256(), NULL)) {
            unsigned char encoded[4 * ((EVP_MAX_MD_SIZE + 2) / 3) + 1];
            EVP_EncodeBlock(encoded, digest, (int)digest_length);
            size_t size = strlen("sha256//") + strlen((char *)encoded) + 1;
            pin = malloc(size);
            if (pin)
                snprintf(pin, size, "sha256//%s", (char *)encoded);
        }
    }
    OPENSSL_free(der);
    EVP_PKEY_free(key);
    X509_free(certificate);
    return pin;
}

/* Replaces a string field; false when out of memory (field unchanged). */
static bool replace_string(char **field, const char *value, bool secret)
{
    char *copy = NULL;
    if (value && !(copy = strdup(value)))
        return false;
    if (secret)
        text_wipe_free(*field);
    else
        free(*field);
    *field = copy;
    return true;
}

cv_result cms_registry_client(cms_registry *registry, const cms_endpoint *endpoint,
                              cms_client **out)
{
    cms_address address;
    if (cms_address_parse(endpoint->address, &address) != CV_OK)
        return CV_ERR_INVALID;
    char *pin = NULL;
    if (endpoint->pinned_certificate && *endpoint->pinned_certificate) {
        pin = pin_from_certificate(endpoint->pinned_certificate);
        if (!pin)
            return CV_ERR_INVALID;
    }
    pthread_mutex_lock(&registry->lock);
    cms_client *client = registry->clients;
    while (client && strcmp(client->base_url, address.base_url) != 0)
        client = client->next;
    cv_result result = CV_OK;
    if (!client) {
        size_t count = (size_t)registry->settings.max_in_flight;
        client = calloc(1, sizeof *client);
        if (client) {
            client->handles = calloc(count, sizeof *client->handles);
            client->borrowed = calloc(count, sizeof *client->borrowed);
            client->base_url = strdup(address.base_url);
            client->handle_count = count;
            client->settings = &registry->settings;
            pthread_mutex_init(&client->lock, NULL);
            pthread_cond_init(&client->handle_returned, NULL);
        }
        if (!client || !client->handles || !client->borrowed || !client->base_url) {
            if (client)
                client_free(client);
            client = NULL;
            result = CV_ERR_NO_MEMORY;
        } else {
            client->next = registry->clients;
            registry->clients = client;
        }
    }
    if (client) {
        pthread_mutex_lock(&client->lock);
        client->tls_verify = endpoint->tls_verify;
        if (!replace_string(&client->username, endpoint->username, false) ||
            !replace_string(&client->password, endpoint->password, true) ||
            !replace_string(&client->ca_file,
                            endpoint->ca_file && *endpoint->ca_file ? endpoint->ca_file : NULL,
                            false))
            result = CV_ERR_NO_MEMORY;
        free(client->pinned_key);
        client->pinned_key = pin;
        pin = NULL;
        pthread_mutex_unlock(&client->lock);
    }
    pthread_mutex_unlock(&registry->lock);
    free(pin);
    if (result == CV_OK)
        *out = client;
    return result;
}

const char *cms_client_base_url(const cms_client *client)
{
    return client->base_url;
}

CURL *cms_client_borrow_handle(cms_client *client, size_t *slot)
{
    pthread_mutex_lock(&client->lock);
    for (;;) {
        for (size_t i = 0; i < client->handle_count; i++) {
            if (client->borrowed[i])
                continue;
            if (!client->handles[i])
                client->handles[i] = curl_easy_init();
            if (!client->handles[i])
                break;
            client->borrowed[i] = true;
            *slot = i;
            pthread_mutex_unlock(&client->lock);
            return client->handles[i];
        }
        bool any_borrowed = false;
        for (size_t i = 0; i < client->handle_count; i++)
            any_borrowed |= client->borrowed[i];
        if (!any_borrowed) { /* curl_easy_init failed with nothing to wait for */
            pthread_mutex_unlock(&client->lock);
            return NULL;
        }
        pthread_cond_wait(&client->handle_returned, &client->lock);
    }
}

void cms_client_return_handle(cms_client *client, size_t slot)
{
    pthread_mutex_lock(&client->lock);
    client->borrowed[slot] = false;
    pthread_cond_signal(&client->handle_returned);
    pthread_mutex_unlock(&client->lock);
}
