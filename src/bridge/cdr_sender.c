/*
 * cdr_sender.c - posts Call Detail Records to every /system/cdrReceivers
 * URI; see cdr.h.
 *
 * Owns: the queue of rendered records (a ring of at most `capacity`, each
 * with its sequence number, which is also its recordIndex), each
 * receiver's position in it, and the thread that delivers them with
 * libcurl. Order and loss: a receiver gets the records in sequence order,
 * in batches of up to CDR_BATCH_MAX; a batch that fails (no connection, a
 * timeout, an answer other than 2xx) is sent again, whole, after a pause
 * that doubles from 100 ms up to 5 s, and the receiver's position moves
 * only when a batch is acknowledged - so a receiver that is down loses
 * nothing and sees nothing twice unless an acknowledgement itself was
 * lost. A record leaves the queue once every receiver has it. When the
 * queue is full the oldest record goes (every receiver skips it) and the
 * log says how many went. A receiver configured while records are queued
 * gets those still queued; records made while no receiver is configured
 * are not kept. Does not own: the records' content (cdr.c) or the receiver
 * objects (cdr_receiver.c); the list is read from SQLite before each round.
 */
#include <curl/curl.h>
#include <pthread.h>
#include <signal.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>

#include "bridge/cdr.h"
#include "bridge/object_store.h"
#include "common/ids.h"
#include "common/log.h"

#define CDR_BATCH_MAX        100 /* records per POST */
#define CDR_MAX_RECEIVERS    4   /* what /system/cdrReceivers allows */
#define CDR_FIRST_PAUSE_MS   100 /* after the first failure; doubles */
#define CDR_LONGEST_PAUSE_MS 5000
#define CDR_IDLE_CHECK_MS    1000 /* how often the receiver list is re-read while records wait */

typedef struct {
    uint64_t sequence;
    char *xml; /* one <record> */
} queued_record;

typedef struct {
    char id[ID_TEXT_SIZE];
    char *uri;
    uint64_t next;            /* sequence of the first record it has not acknowledged */
    struct timespec retry_at; /* CLOCK_MONOTONIC; zero: now */
    int64_t pause_ms;         /* 0 while it answers */
    CURL *handle;             /* kept so connections are reused */
    bool present;             /* still configured (set while re-reading the list) */
} receiver;

struct cdr_sender {
    bridge *node;
    pthread_t thread;
    atomic_bool stopping;  /* read by curl's progress callback too */
    pthread_mutex_t lock;  /* guards the queue and counters below */
    pthread_cond_t wakeup; /* CLOCK_MONOTONIC; a new record or stop */
    queued_record *ring;
    size_t capacity, head, count; /* ring[head] is the oldest */
    uint64_t next_sequence;       /* the next record's sequence (recordIndex), from 1 */
    uint64_t dropped;             /* records dropped because the ring was full */
    /* Only the thread touches these. */
    receiver receivers[CDR_MAX_RECEIVERS];
    size_t receiver_count;
    uint64_t dropped_logged;
    char session[ID_TEXT_SIZE]; /* this run's session ID, in every batch */
};

/* --- the queue (lock held) ------------------------------------------------------ */

static uint64_t first_sequence(const cdr_sender *sender)
{
    return sender->count ? sender->ring[sender->head].sequence : sender->next_sequence;
}

static void drop_oldest(cdr_sender *sender)
{
    free(sender->ring[sender->head].xml);
    sender->ring[sender->head].xml = NULL;
    sender->head = (sender->head + 1) % sender->capacity;
    sender->count--;
}

void cdr_sender_submit(cdr_sender *sender, const cdr_event *event)
{
    if (!sender)
        return;
    strbuf xml = STRBUF_INIT;
    pthread_mutex_lock(&sender->lock);
    uint64_t sequence = sender->next_sequence++;
    cdr_render_record(&xml, event, sequence);
    char *text = strbuf_status(&xml) == CV_OK ? strbuf_detach(&xml) : NULL;
    strbuf_free(&xml);
    if (!text) {
        sender->dropped++; /* out of memory: counted like an overflow */
    } else {
        if (sender->count == sender->capacity) {
            drop_oldest(sender);
            sender->dropped++;
        }
        size_t tail = (sender->head + sender->count) % sender->capacity;
        sender->ring[tail] = (queued_record){sequence, text};
        sender->count++;
        pthread_cond_signal(&sender->wakeup);
    }
    pthread_mutex_unlock(&sender->lock);
}

/* Frees what every receiver has (all of it when there is none). */
static void trim(cdr_sender *sender)
{
    uint64_t lowest = sender->next_sequence;
    for (size_t i = 0; i < sender->receiver_count; i++)
        if (sender->receivers[i].next < lowest)
            lowest = sender->receivers[i].next;
    while (sender->count && sender->ring[sender->head].sequence < lowest)
        drop_oldest(sender);
}

/* --- the receiver list --------------------------------------------------------------- */

static int visit_receiver(void *context, const char *id, const char *const *values)
{
    cdr_sender *sender = context;
    const char *uri = values[0]; /* cdr_receiver_type's only field */
    if (!uri || !*uri)
        return 0;
    for (size_t i = 0; i < sender->receiver_count; i++) {
        receiver *known = &sender->receivers[i];
        if (strcmp(known->id, id) != 0)
            continue;
        known->present = true;
        if (strcmp(known->uri, uri) != 0) {
            char *copy = strdup(uri);
            if (copy) {
                free(known->uri);
                known->uri = copy;
            }
        }
        return 0;
    }
    if (sender->receiver_count == CDR_MAX_RECEIVERS)
        return 0;
    receiver *added = &sender->receivers[sender->receiver_count];
    memset(added, 0, sizeof *added);
    added->uri = strdup(uri);
    added->handle = curl_easy_init();
    if (!added->uri || !added->handle) {
        free(added->uri);
        if (added->handle)
            curl_easy_cleanup(added->handle);
        return 0;
    }
    snprintf(added->id, sizeof added->id, "%s", id);
    pthread_mutex_lock(&sender->lock);
    added->next = first_sequence(sender); /* what is still queued, then all later */
    pthread_mutex_unlock(&sender->lock);
    added->present = true;
    sender->receiver_count++;
    return 0;
}

static void forget_receiver(receiver *gone)
{
    free(gone->uri);
    if (gone->handle)
        curl_easy_cleanup(gone->handle);
}

/* Re-reads /system/cdrReceivers; on a storage error keeps the old list. */
static void refresh_receivers(cdr_sender *sender)
{
    for (size_t i = 0; i < sender->receiver_count; i++)
        sender->receivers[i].present = false;
    store_db *database = store_db_pool_acquire(&sender->node->store);
    cv_result result =
        database ? object_read_all(database, &cdr_receiver_type, NULL, visit_receiver, sender)
                 : CV_ERR_IO;
    if (database)
        store_db_pool_release(&sender->node->store, database);
    if (result != CV_OK) {
        for (size_t i = 0; i < sender->receiver_count; i++)
            sender->receivers[i].present = true;
        return;
    }
    size_t kept = 0;
    for (size_t i = 0; i < sender->receiver_count; i++) {
        if (sender->receivers[i].present)
            sender->receivers[kept++] = sender->receivers[i];
        else
            forget_receiver(&sender->receivers[i]);
    }
    sender->receiver_count = kept;
}

/* --- delivery ------------------------------------------------------------------------- */

static size_t discard_answer(char *data, size_t size, size_t count, void *context)
{
    (void)data;
    (void)context;
    return size * count;
}

static int abort_when_stopping(void *context, curl_off_t a, curl_off_t b, curl_off_t c,
                               curl_off_t d)
{
    (void)a, (void)b, (void)c, (void)d;
    return atomic_load(&((cdr_sender *)context)->stopping) ? 1 : 0;
}

/* POSTs one batch; true when the receiver answered 2xx. */
static bool post_batch(cdr_sender *sender, receiver *target, const strbuf *body)
{
    CURL *handle = target->handle;
    struct curl_slist *headers = curl_slist_append(NULL, "Content-Type: text/xml");
    curl_easy_setopt(handle, CURLOPT_URL, target->uri);
    curl_easy_setopt(handle, CURLOPT_POSTFIELDS, body->data);
    curl_easy_setopt(handle, CURLOPT_POSTFIELDSIZE_LARGE, (curl_off_t)body->length);
    curl_easy_setopt(handle, CURLOPT_HTTPHEADER, headers);
    curl_easy_setopt(handle, CURLOPT_NOSIGNAL, 1L);
    curl_easy_setopt(handle, CURLOPT_CONNECTTIMEOUT_MS, 2000L);
    curl_easy_setopt(handle, CURLOPT_TIMEOUT_MS, 10000L);
    if (sender->node->options.cdr_ca_file) /* else the system's CA store */
        curl_easy_setopt(handle, CURLOPT_CAINFO, sender->node->options.cdr_ca_file);
    curl_easy_setopt(handle, CURLOPT_WRITEFUNCTION, discard_answer);
    curl_easy_setopt(handle, CURLOPT_NOPROGRESS, 0L);
    curl_easy_setopt(handle, CURLOPT_XFERINFOFUNCTION, abort_when_stopping);
    curl_easy_setopt(handle, CURLOPT_XFERINFODATA, sender);
    CURLcode code = curl_easy_perform(handle);
    long status = 0;
    curl_easy_getinfo(handle, CURLINFO_RESPONSE_CODE, &status);
    curl_slist_free_all(headers);
    curl_easy_setopt(handle, CURLOPT_HTTPHEADER, NULL);
    return code == CURLE_OK && status >= 200 && status < 300;
}

static bool is_due(const receiver *target, const struct timespec *now)
{
    return target->pause_ms == 0 || now->tv_sec > target->retry_at.tv_sec ||
           (now->tv_sec == target->retry_at.tv_sec && now->tv_nsec >= target->retry_at.tv_nsec);
}

static void add_ms(struct timespec *time, int64_t milliseconds)
{
    time->tv_sec += milliseconds / 1000;
    time->tv_nsec += (long)(milliseconds % 1000) * 1000000L;
    if (time->tv_nsec >= 1000000000L) {
        time->tv_sec++;
        time->tv_nsec -= 1000000000L;
    }
}

/* Sends the receiver's next batch (lock not held). */
static void deliver_to(cdr_sender *sender, receiver *target)
{
    strbuf body = STRBUF_INIT;
    size_t sent = 0;
    pthread_mutex_lock(&sender->lock);
    if (target->next < first_sequence(sender))
        target->next = first_sequence(sender); /* dropped while it was down */
    cdr_render_batch_open(&body, sender->session, bridge_self(sender->node)->id);
    for (size_t i = 0; i < sender->count && sent < CDR_BATCH_MAX; i++) {
        const queued_record *record = &sender->ring[(sender->head + i) % sender->capacity];
        if (record->sequence < target->next)
            continue;
        strbuf_append_str(&body, record->xml);
        sent++;
    }
    pthread_mutex_unlock(&sender->lock);
    cdr_render_batch_close(&body);
    if (sent == 0 || strbuf_status(&body) != CV_OK) {
        strbuf_free(&body);
        return;
    }
    bool delivered = post_batch(sender, target, &body);
    strbuf_free(&body);
    if (delivered) {
        target->next += sent;
        if (target->pause_ms)
            log_info("CDR receiver %s answers again", target->uri);
        target->pause_ms = 0;
        return;
    }
    if (target->pause_ms == 0)
        log_warning("CDR receiver %s did not accept records; retrying", target->uri);
    target->pause_ms = target->pause_ms ? target->pause_ms * 2 : CDR_FIRST_PAUSE_MS;
    if (target->pause_ms > CDR_LONGEST_PAUSE_MS)
        target->pause_ms = CDR_LONGEST_PAUSE_MS;
    clock_gettime(CLOCK_MONOTONIC, &target->retry_at);
    add_ms(&target->retry_at, target->pause_ms);
}

/* One round: re-read the receivers, give each due one a batch. Returns
 * how long to wait before the next round (ms; -1: until a record comes). */
static int64_t deliver_round(cdr_sender *sender)
{
    refresh_receivers(sender);
    struct timespec now;
    clock_gettime(CLOCK_MONOTONIC, &now);
    int64_t wait = -1;
    for (size_t i = 0; i < sender->receiver_count && !atomic_load(&sender->stopping); i++) {
        receiver *target = &sender->receivers[i];
        pthread_mutex_lock(&sender->lock);
        bool pending = target->next < sender->next_sequence;
        pthread_mutex_unlock(&sender->lock);
        if (pending && is_due(target, &now))
            deliver_to(sender, target);
        pthread_mutex_lock(&sender->lock);
        pending = target->next < sender->next_sequence;
        pthread_mutex_unlock(&sender->lock);
        int64_t this_wait = !pending ? -1 : target->pause_ms ? target->pause_ms : 0;
        if (this_wait >= 0 && (wait < 0 || this_wait < wait))
            wait = this_wait;
    }
    pthread_mutex_lock(&sender->lock);
    trim(sender);
    if (wait < 0 && sender->count > 0)
        wait = CDR_IDLE_CHECK_MS; /* records wait for a receiver being configured */
    uint64_t dropped = sender->dropped;
    pthread_mutex_unlock(&sender->lock);
    if (dropped != sender->dropped_logged) {
        log_warning("CDR queue full: %llu records dropped so far", (unsigned long long)dropped);
        sender->dropped_logged = dropped;
    }
    return wait;
}

static void *run_sender(void *context)
{
    cdr_sender *sender = context;
    while (!atomic_load(&sender->stopping)) {
        pthread_mutex_lock(&sender->lock);
        uint64_t seen = sender->next_sequence; /* a record after this wakes us at once */
        pthread_mutex_unlock(&sender->lock);
        int64_t wait = deliver_round(sender);
        pthread_mutex_lock(&sender->lock);
        if (wait != 0 && !atomic_load(&sender->stopping) && seen == sender->next_sequence) {
            if (wait < 0) {
                while (seen == sender->next_sequence && !atomic_load(&sender->stopping))
                    pthread_cond_wait(&sender->wakeup, &sender->lock);
            } else {
                struct timespec deadline;
                clock_gettime(CLOCK_MONOTONIC, &deadline);
                add_ms(&deadline, wait);
                pthread_cond_timedwait(&sender->wakeup, &sender->lock, &deadline);
            }
        }
        pthread_mutex_unlock(&sender->lock);
    }
    return NULL;
}

/* --- life cycle ---------------------------------------------------------------------- */

cv_result cdr_sender_start(bridge *node, size_t capacity, cdr_sender **out)
{
    if (capacity == 0)
        return CV_ERR_INVALID;
    cdr_sender *sender = calloc(1, sizeof *sender);
    if (!sender)
        return CV_ERR_NO_MEMORY;
    sender->ring = calloc(capacity, sizeof *sender->ring);
    if (!sender->ring) {
        free(sender);
        return CV_ERR_NO_MEMORY;
    }
    sender->node = node;
    sender->capacity = capacity;
    sender->next_sequence = 1;
    id_generate(sender->session);
    atomic_init(&sender->stopping, false);
    pthread_mutex_init(&sender->lock, NULL);
    pthread_condattr_t attributes;
    pthread_condattr_init(&attributes);
    pthread_condattr_setclock(&attributes, CLOCK_MONOTONIC);
    pthread_cond_init(&sender->wakeup, &attributes);
    pthread_condattr_destroy(&attributes);
    sigset_t all, previous;
    sigfillset(&all);
    pthread_sigmask(SIG_SETMASK, &all, &previous);
    int failed = pthread_create(&sender->thread, NULL, run_sender, sender);
    pthread_sigmask(SIG_SETMASK, &previous, NULL);
    if (failed) {
        pthread_cond_destroy(&sender->wakeup);
        pthread_mutex_destroy(&sender->lock);
        free(sender->ring);
        free(sender);
        return CV_ERR_NO_MEMORY;
    }
    *out = sender;
    return CV_OK;
}

void cdr_sender_stop(cdr_sender *sender)
{
    if (!sender)
        return;
    pthread_mutex_lock(&sender->lock);
    atomic_store(&sender->stopping, true);
    pthread_cond_signal(&sender->wakeup);
    pthread_mutex_unlock(&sender->lock);
    pthread_join(sender->thread, NULL);
    for (size_t i = 0; i < sender->receiver_count; i++)
        forget_receiver(&sender->receivers[i]);
    while (sender->count)
        drop_oldest(sender);
    pthread_cond_destroy(&sender->wakeup);
    pthread_mutex_destroy(&sender->lock);
    free(sender->ring);
    free(sender);
}

uint64_t cdr_sender_dropped(cdr_sender *sender)
{
    pthread_mutex_lock(&sender->lock);
    uint64_t dropped = sender->dropped;
    pthread_mutex_unlock(&sender->lock);
    return dropped;
}
