/*
 * timers.c - the scheduler's timer thread (see timers.h for the contract).
 *
 * Owns: the min-heap of pending timers (each entry knows its heap index),
 * a hash index of the pending entries by key (so cancelling costs the
 * entries of one key, not a scan of the heap), the thread that waits on
 * CLOCK_MONOTONIC and fires them, and the detection of wall-clock jumps.
 * The heap is ordered by wall-clock instant; because every pending timer
 * shares one realtime-monotonic offset, that is also the order of their
 * monotonic deadlines, so a jump needs no rebuilding: the next wait is
 * simply computed with the new offset.
 *
 * Does not own: what the callbacks do, or any persistence.
 */
#include "scheduler/timers.h"

#include <errno.h>
#include <pthread.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "common/log.h"

#define DEFAULT_CHECK_INTERVAL_MS 1000

typedef struct timer_entry {
    int64_t wall_ms;
    uint64_t id; /* also the tie-breaker: equal instants fire in order */
    timer_callback callback;
    void *context;
    int tag;
    size_t heap_index;            /* where it sits in the heap */
    struct timer_entry *same_key; /* next pending entry in its key's bucket chain */
    char key[TIMER_KEY_SIZE];
} timer_entry;

struct timer_service {
    /* `lock` guards everything below it; `changed` wakes the thread when
     * the earliest timer changes or the service stops. */
    pthread_mutex_t lock;
    pthread_cond_t changed;
    timer_entry **heap; /* min-heap of owned entries */
    size_t count;
    size_t capacity;
    /* every pending entry, chained per hash bucket of its key, so that
     * cancelling by key costs the entries of that key, not the heap */
    timer_entry **buckets;
    size_t bucket_count;
    uint64_t next_id;
    bool stopping;
    /* set once at start */
    int64_t check_interval_ms;
    timer_clock clock;
    pthread_t thread;
};

int64_t timer_realtime_now_ms(void)
{
    struct timespec now;
    clock_gettime(CLOCK_REALTIME, &now);
    return (int64_t)now.tv_sec * 1000 + now.tv_nsec / 1000000;
}

int64_t timer_monotonic_now_ms(void)
{
    struct timespec now;
    clock_gettime(CLOCK_MONOTONIC, &now);
    return (int64_t)now.tv_sec * 1000 + now.tv_nsec / 1000000;
}

static int64_t system_realtime(void *context)
{
    (void)context;
    return timer_realtime_now_ms();
}

/* --- heap ------------------------------------------------------------ */

static bool entry_before(const timer_entry *left, const timer_entry *right)
{
    if (left->wall_ms != right->wall_ms)
        return left->wall_ms < right->wall_ms;
    return left->id < right->id;
}

static void place(timer_entry **heap, size_t index, timer_entry *entry)
{
    heap[index] = entry;
    entry->heap_index = index;
}

static void sift_up(timer_entry **heap, size_t index)
{
    timer_entry *moving = heap[index];
    while (index > 0) {
        size_t parent = (index - 1) / 2;
        if (!entry_before(moving, heap[parent]))
            break;
        place(heap, index, heap[parent]);
        index = parent;
    }
    place(heap, index, moving);
}

static void sift_down(timer_entry **heap, size_t count, size_t index)
{
    timer_entry *moving = heap[index];
    for (;;) {
        size_t left = 2 * index + 1;
        size_t right = left + 1;
        size_t smallest = index;
        const timer_entry *best = moving;
        if (left < count && entry_before(heap[left], best)) {
            smallest = left;
            best = heap[left];
        }
        if (right < count && entry_before(heap[right], best))
            smallest = right;
        if (smallest == index)
            break;
        place(heap, index, heap[smallest]);
        index = smallest;
    }
    place(heap, index, moving);
}

/* Takes the entry at `index` out of the heap (the caller owns it then). */
static timer_entry *heap_remove_at(timer_service *service, size_t index)
{
    timer_entry *removed = service->heap[index];
    service->count--;
    if (index != service->count) {
        place(service->heap, index, service->heap[service->count]);
        sift_down(service->heap, service->count, index);
        sift_up(service->heap, index);
    }
    return removed;
}

/* --- key index ------------------------------------------------------- */

static size_t key_hash(const char *key, size_t bucket_count)
{
    uint64_t hash = 1469598103934665603ULL; /* FNV-1a */
    for (const unsigned char *cursor = (const unsigned char *)key; *cursor; cursor++)
        hash = (hash ^ *cursor) * 1099511628211ULL;
    return (size_t)(hash % bucket_count);
}

static void index_add(timer_service *service, timer_entry *entry)
{
    size_t bucket = key_hash(entry->key, service->bucket_count);
    entry->same_key = service->buckets[bucket];
    service->buckets[bucket] = entry;
}

static void index_remove(timer_service *service, timer_entry *entry)
{
    timer_entry **link = &service->buckets[key_hash(entry->key, service->bucket_count)];
    while (*link != NULL && *link != entry)
        link = &(*link)->same_key;
    if (*link == entry)
        *link = entry->same_key;
}

/* Keeps about one entry per bucket. Lock held. */
static cv_result index_grow(timer_service *service)
{
    if (service->count < service->bucket_count)
        return CV_OK;
    size_t bucket_count = service->bucket_count * 2;
    timer_entry **buckets = calloc(bucket_count, sizeof *buckets);
    if (buckets == NULL)
        return CV_ERR_NO_MEMORY;
    free(service->buckets);
    service->buckets = buckets;
    service->bucket_count = bucket_count;
    for (size_t index = 0; index < service->count; index++)
        index_add(service, service->heap[index]);
    return CV_OK;
}

/* --- thread ---------------------------------------------------------- */

static struct timespec monotonic_deadline(int64_t wait_ms)
{
    struct timespec deadline;
    clock_gettime(CLOCK_MONOTONIC, &deadline);
    deadline.tv_sec += wait_ms / 1000;
    deadline.tv_nsec += (wait_ms % 1000) * 1000000;
    if (deadline.tv_nsec >= 1000000000) {
        deadline.tv_sec++;
        deadline.tv_nsec -= 1000000000;
    }
    return deadline;
}

static void *timer_thread(void *argument)
{
    timer_service *service = argument;
    pthread_mutex_lock(&service->lock);
    while (!service->stopping) {
        int64_t now_ms = service->clock.realtime_ms(service->clock.context);
        if (service->count > 0 && service->heap[0]->wall_ms <= now_ms) {
            timer_entry *due = heap_remove_at(service, 0);
            index_remove(service, due);
            pthread_mutex_unlock(&service->lock);
            due->callback(due->context, due->key, due->tag);
            free(due);
            pthread_mutex_lock(&service->lock);
            continue;
        }
        /* Sleep until the earliest instant as the realtime clock sees it
         * now, but never longer than the check interval: a jump of the
         * realtime clock changes how far away that instant is. */
        int64_t wait_ms = service->check_interval_ms;
        if (service->count > 0 && service->heap[0]->wall_ms - now_ms < wait_ms)
            wait_ms = service->heap[0]->wall_ms - now_ms;
        if (wait_ms < 1)
            wait_ms = 1;
        struct timespec deadline = monotonic_deadline(wait_ms);
        int waited = pthread_cond_timedwait(&service->changed, &service->lock, &deadline);
        if (waited != 0 && waited != ETIMEDOUT)
            log_error("timer wait failed: %s", strerror(waited));
    }
    pthread_mutex_unlock(&service->lock);
    return NULL;
}

/* --- public ---------------------------------------------------------- */

cv_result timer_service_start(const timer_options *options, timer_service **out)
{
    *out = NULL;
    timer_service *service = calloc(1, sizeof *service);
    if (service == NULL)
        return CV_ERR_NO_MEMORY;
    service->check_interval_ms = DEFAULT_CHECK_INTERVAL_MS;
    service->clock.realtime_ms = system_realtime;
    if (options != NULL) {
        if (options->check_interval_ms > 0)
            service->check_interval_ms = options->check_interval_ms;
        if (options->clock != NULL)
            service->clock = *options->clock;
    }
    service->next_id = 1;
    service->bucket_count = 64;
    service->buckets = calloc(service->bucket_count, sizeof *service->buckets);
    if (service->buckets == NULL) {
        free(service);
        return CV_ERR_NO_MEMORY;
    }

    pthread_condattr_t attributes;
    if (pthread_condattr_init(&attributes) != 0) {
        free(service->buckets);
        free(service);
        return CV_ERR_NO_MEMORY;
    }
    int failed = pthread_condattr_setclock(&attributes, CLOCK_MONOTONIC);
    if (failed == 0)
        failed = pthread_cond_init(&service->changed, &attributes);
    pthread_condattr_destroy(&attributes);
    if (failed != 0) {
        free(service->buckets);
        free(service);
        return CV_ERR_IO;
    }
    if (pthread_mutex_init(&service->lock, NULL) != 0) {
        pthread_cond_destroy(&service->changed);
        free(service->buckets);
        free(service);
        return CV_ERR_IO;
    }
    if (pthread_create(&service->thread, NULL, timer_thread, service) != 0) {
        pthread_mutex_destroy(&service->lock);
        pthread_cond_destroy(&service->changed);
        free(service->buckets);
        free(service);
        return CV_ERR_IO;
    }
    *out = service;
    return CV_OK;
}

void timer_service_stop(timer_service *service)
{
    if (service == NULL)
        return;
    pthread_mutex_lock(&service->lock);
    service->stopping = true;
    pthread_cond_signal(&service->changed);
    pthread_mutex_unlock(&service->lock);
    pthread_join(service->thread, NULL);
    pthread_mutex_destroy(&service->lock);
    pthread_cond_destroy(&service->changed);
    for (size_t index = 0; index < service->count; index++)
        free(service->heap[index]);
    free(service->heap);
    free(service->buckets);
    free(service);
}

cv_result timer_schedule(timer_service *service, int64_t wall_ms, timer_callback callback,
                         void *context, const char *key, int tag, uint64_t *id_out)
{
    if (callback == NULL || key == NULL || strlen(key) >= TIMER_KEY_SIZE)
        return CV_ERR_INVALID;
    timer_entry *entry = calloc(1, sizeof *entry);
    if (entry == NULL)
        return CV_ERR_NO_MEMORY;
    entry->wall_ms = wall_ms;
    entry->callback = callback;
    entry->context = context;
    entry->tag = tag;
    strcpy(entry->key, key);
    pthread_mutex_lock(&service->lock);
    if (service->count == service->capacity) {
        size_t capacity = service->capacity ? service->capacity * 2 : 64;
        timer_entry **grown = realloc(service->heap, capacity * sizeof *grown);
        if (grown == NULL) {
            pthread_mutex_unlock(&service->lock);
            free(entry);
            return CV_ERR_NO_MEMORY;
        }
        service->heap = grown;
        service->capacity = capacity;
    }
    if (index_grow(service) != CV_OK) {
        pthread_mutex_unlock(&service->lock);
        free(entry);
        return CV_ERR_NO_MEMORY;
    }
    entry->id = service->next_id++;
    uint64_t id = entry->id;
    place(service->heap, service->count, entry);
    service->count++;
    sift_up(service->heap, service->count - 1);
    index_add(service, entry);
    /* Wake the thread only when the earliest timer changed. */
    if (service->heap[0] == entry)
        pthread_cond_signal(&service->changed);
    pthread_mutex_unlock(&service->lock);
    if (id_out != NULL)
        *id_out = id;
    return CV_OK;
}

size_t timer_cancel(timer_service *service, const char *key, int tag)
{
    size_t dropped = 0;
    pthread_mutex_lock(&service->lock);
    timer_entry **link = &service->buckets[key_hash(key, service->bucket_count)];
    while (*link != NULL) {
        timer_entry *entry = *link;
        if (strcmp(entry->key, key) == 0 && (tag < 0 || entry->tag == tag)) {
            *link = entry->same_key;
            heap_remove_at(service, entry->heap_index);
            free(entry);
            dropped++;
            continue;
        }
        link = &entry->same_key;
    }
    pthread_mutex_unlock(&service->lock);
    return dropped;
}

size_t timer_pending_count(timer_service *service)
{
    pthread_mutex_lock(&service->lock);
    size_t count = service->count;
    pthread_mutex_unlock(&service->lock);
    return count;
}
