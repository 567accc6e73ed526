/* sign_in_limits.c - counts of failed sign-ins; see sign_in_limits.h.
 * Owns the two tables and their lock; does not own verifying passwords. */
#include "scheduler/sign_in_limits.h"

#include <pthread.h>
#include <sodium.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

#define TABLE_SIZE 4096 /* per kind; a full slot is taken over by a newer key */
#define KEY_SIZE   16

typedef struct {
    unsigned char key[KEY_SIZE];
    unsigned failures;
    int64_t last_failure;
    int64_t locked_until;
    bool used;
} counter;

typedef struct {
    counter slots[TABLE_SIZE];
    unsigned threshold; /* 0: this kind is not limited */
} counter_table;

struct sign_in_limits {
    pthread_mutex_t lock; /* guards both tables */
    unsigned char hash_key[crypto_generichash_KEYBYTES];
    counter_table accounts, addresses;
};

cv_result sign_in_limits_create(unsigned account_threshold, unsigned address_threshold,
                                sign_in_limits **out)
{
    *out = NULL;
    if (sodium_init() < 0)
        return CV_ERR_IO;
    sign_in_limits *limits = calloc(1, sizeof *limits);
    if (!limits)
        return CV_ERR_NO_MEMORY;
    pthread_mutex_init(&limits->lock, NULL);
    randombytes_buf(limits->hash_key, sizeof limits->hash_key);
    limits->accounts.threshold = account_threshold;
    limits->addresses.threshold = address_threshold;
    *out = limits;
    return CV_OK;
}

void sign_in_limits_free(sign_in_limits *limits)
{
    if (!limits)
        return;
    pthread_mutex_destroy(&limits->lock);
    free(limits);
}

static void make_key(const sign_in_limits *limits, const char *text, unsigned char key[KEY_SIZE])
{
    crypto_generichash(key, KEY_SIZE, (const unsigned char *)text, strlen(text), limits->hash_key,
                       sizeof limits->hash_key);
}

/* The counter of `text` in `table`; with `create`, taking over its slot
 * when another key holds it. NULL when there is none. Under the lock. */
static counter *find(const sign_in_limits *limits, counter_table *table, const char *text,
                     bool create)
{
    unsigned char key[KEY_SIZE];
    make_key(limits, text, key);
    uint32_t index;
    memcpy(&index, key, sizeof index);
    counter *slot = &table->slots[index % TABLE_SIZE];
    if (slot->used && memcmp(slot->key, key, KEY_SIZE) == 0)
        return slot;
    if (!create)
        return NULL;
    memset(slot, 0, sizeof *slot);
    memcpy(slot->key, key, KEY_SIZE);
    slot->used = true;
    return slot;
}

static unsigned remaining(const counter *slot, int64_t now)
{
    return slot && slot->locked_until > now ? (unsigned)(slot->locked_until - now) : 0;
}

unsigned sign_in_limits_wait(sign_in_limits *limits, const char *name, const char *address,
                             int64_t now)
{
    pthread_mutex_lock(&limits->lock);
    unsigned account = remaining(find(limits, &limits->accounts, name, false), now);
    unsigned place = remaining(find(limits, &limits->addresses, address, false), now);
    pthread_mutex_unlock(&limits->lock);
    return account > place ? account : place;
}

/* One more failure: from the threshold on, the wait doubles. */
static void count_failure(counter *slot, unsigned threshold, int64_t now)
{
    if (now - slot->last_failure > SIGN_IN_FORGET_SECONDS)
        slot->failures = 0;
    slot->failures++;
    slot->last_failure = now;
    if (threshold == 0 || slot->failures < threshold)
        return;
    unsigned doublings = slot->failures - threshold + 1;
    int64_t wait = doublings >= 10 ? SIGN_IN_MAX_WAIT : (int64_t)1 << doublings;
    slot->locked_until = now + (wait < SIGN_IN_MAX_WAIT ? wait : SIGN_IN_MAX_WAIT);
}

void sign_in_limits_failed(sign_in_limits *limits, const char *name, const char *address,
                           int64_t now)
{
    pthread_mutex_lock(&limits->lock);
    count_failure(find(limits, &limits->accounts, name, true), limits->accounts.threshold, now);
    count_failure(find(limits, &limits->addresses, address, true), limits->addresses.threshold,
                  now);
    pthread_mutex_unlock(&limits->lock);
}

void sign_in_limits_succeeded(sign_in_limits *limits, const char *name)
{
    pthread_mutex_lock(&limits->lock);
    counter *slot = find(limits, &limits->accounts, name, false);
    if (slot)
        memset(slot, 0, sizeof *slot);
    pthread_mutex_unlock(&limits->lock);
}
